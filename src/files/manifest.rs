//! `experiment.json`: what produced a sweep's outputs — the tool, its
//! version and commit, the resolved experiment, the command line and the
//! shard — so that a result can be reproduced and shards matched.

use std::io;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::metrics::Slo;
use crate::scenario::Experiment;

use super::atomic::write_atomically;

/// The commit this binary was built from, when the build could tell.
pub const GIT_COMMIT: Option<&str> = option_env!("OUTAGE_SIM_GIT_COMMIT");

#[derive(Serialize)]
struct Manifest<'a> {
    tool: &'static str,
    version: &'static str,
    git_commit: Option<&'static str>,
    command_line: &'a [String],
    jobs: usize,
    shard: Option<ShardJson>,
    slo: SloJson,
    experiment: &'a Experiment,
}

#[derive(Serialize)]
struct SloJson {
    p99_ms: f64,
    error_rate: f64,
}

#[derive(Serialize)]
struct ShardJson {
    index: usize,
    count: usize,
}

/// Writes `experiment.json` for a sweep, or for shard `(index, count)`.
pub fn write_manifest(
    path: &Path,
    experiment: &Experiment,
    command_line: &[String],
    jobs: usize,
    shard: Option<(usize, usize)>,
    slo: &Slo,
) -> io::Result<()> {
    let manifest = Manifest {
        tool: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        git_commit: GIT_COMMIT,
        command_line,
        jobs,
        shard: shard.map(|(index, count)| ShardJson { index, count }),
        slo: SloJson { p99_ms: slo.p99_ms, error_rate: slo.error_rate },
        experiment,
    };
    write_json(path, &serde_json::to_value(&manifest).map_err(io::Error::other)?)
}

/// The manifest of merged shards: the first shard's, with no shard and the
/// merge's command line.
pub fn merged_manifest(shard_manifest: &Path, command_line: &[String]) -> io::Result<Value> {
    let text = std::fs::read_to_string(shard_manifest)?;
    let mut value: Value = serde_json::from_str(&text).map_err(|e| {
        io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", shard_manifest.display()))
    })?;
    if let Some(object) = value.as_object_mut() {
        object.insert("shard".into(), Value::Null);
        object.insert("command_line".into(), serde_json::to_value(command_line).map_err(io::Error::other)?);
    }
    Ok(value)
}

/// Writes `value` as pretty JSON, atomically.
pub fn write_json(path: &Path, value: &Value) -> io::Result<()> {
    write_atomically(path, |out| {
        serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
        out.write_all(b"\n")
    })
}
