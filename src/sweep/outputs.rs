//! A sweep's files: `runs.csv` (written by the run itself), `summary.csv`
//! and `experiment.json`; and the same files for merged shards.

use std::path::{Path, PathBuf};

use crate::files::{RunRow, merged_manifest, write_json, write_manifest, write_runs, write_table};

use super::aggregate::{summarize, summary_header};
use super::execute::{Shard, SweepError};
use super::jobs::JobList;
use super::merge::{MergeError, merge_rows};
use super::out_dir::{recorded_experiment, same_place};

fn write_error(path: &Path) -> impl FnOnce(std::io::Error) -> SweepError {
    let path = path.to_owned();
    move |source| SweepError::Write { path, source }
}

/// Writes `summary.csv` of `rows` (sorted by job) into `out`.
pub fn write_summary(out: &Path, axes: &[String], rows: &[RunRow]) -> Result<(), SweepError> {
    let path = out.join("summary.csv");
    let records: Vec<_> = summarize(rows).iter().map(|p| p.record()).collect();
    write_table(&path, &summary_header(axes), &records).map_err(write_error(&path))
}

/// Writes `summary.csv` and `experiment.json` after a sweep (or a shard).
pub fn write_sweep_files(
    out: &Path,
    job_list: &JobList,
    rows: &[RunRow],
    command_line: &[String],
    shard: Option<Shard>,
) -> Result<(), SweepError> {
    write_summary(out, &job_list.axis_names(), rows)?;
    let path = out.join("experiment.json");
    let slo = job_list.jobs.first().map(|j| j.model.slo.clone()).unwrap_or(crate::metrics::Slo {
        p99_ms: 500.0,
        error_rate: 0.01,
        recovery_windows: 5,
    });
    write_manifest(
        &path,
        &job_list.experiment,
        command_line,
        job_list.jobs.len(),
        shard.map(|s| (s.index, s.count)),
        &slo,
    )
    .map_err(write_error(&path))
}

/// Why shards could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeFailure {
    #[error(transparent)]
    Merge(#[from] MergeError),
    #[error(transparent)]
    Write(#[from] SweepError),
    #[error("{}", path.display())]
    Manifest { path: PathBuf, source: std::io::Error },
    #[error("nothing to merge: give the output directories of the shards")]
    Nothing,
    #[error("{}: is one of the shards being merged; merging into it would overwrite them: choose another --out", .0.display())]
    IntoInput(PathBuf),
    #[error(transparent)]
    OutDir(#[from] super::out_dir::OutDirError),
}

/// Merges the outputs of shard directories `dirs` into `out`: the same
/// `runs.csv` and `summary.csv` as one unsharded run. Returns the rows,
/// and the lock of `out`, to hold until its charts are drawn.
pub fn merge_dirs(
    dirs: &[PathBuf],
    out: &Path,
    force: bool,
    command_line: &[String],
) -> Result<(Vec<RunRow>, super::out_dir::OutLock), MergeFailure> {
    let first = dirs.first().ok_or(MergeFailure::Nothing)?;
    if let Some(dir) = dirs.iter().find(|d| same_place(d, out)) {
        return Err(MergeFailure::IntoInput(dir.clone()));
    }
    let runs: Vec<PathBuf> = dirs.iter().map(|d| d.join("runs.csv")).collect();
    let (axes, rows) = merge_rows(&runs)?;
    // The same rule as a sweep's --out: empty, or this experiment's results.
    let experiment = recorded_experiment(first).unwrap_or_else(|| first.join("experiment.json"));
    let lock = super::out_dir::prepare_out_dir(out, &experiment, false, force)?;
    let runs_path = out.join("runs.csv");
    write_runs(&runs_path, &axes, &rows).map_err(write_error(&runs_path))?;
    write_summary(out, &axes, &rows)?;
    let manifest = first.join("experiment.json");
    let value = merged_manifest(&manifest, command_line)
        .map_err(|source| MergeFailure::Manifest { path: manifest.clone(), source })?;
    let path = out.join("experiment.json");
    write_json(&path, &value).map_err(write_error(&path))?;
    for dir in dirs {
        copy_timelines(&dir.join("timelines"), &out.join("timelines"))?;
    }
    Ok((rows, lock))
}

/// Copies the timeline folders a shard drew (each variant's lives in the
/// shard that ran its timeline job).
fn copy_timelines(from: &Path, to: &Path) -> Result<(), SweepError> {
    if !from.is_dir() {
        return Ok(());
    }
    let entries = std::fs::read_dir(from).map_err(write_error(from))?;
    for entry in entries {
        let source = entry.map_err(write_error(from))?.path();
        if !source.is_dir() {
            continue;
        }
        let target = to.join(source.file_name().unwrap_or_default());
        std::fs::create_dir_all(&target).map_err(write_error(&target))?;
        for file in ["summary.csv", "timeseries.csv", "run.json", "alerts.csv"] {
            if source.join(file).exists() {
                // Read whole, then written by rename: a copy onto itself
                // (or an interruption) never leaves an empty file.
                let dest = target.join(file);
                let bytes = std::fs::read(source.join(file)).map_err(write_error(&source.join(file)))?;
                crate::files::write_atomically(&dest, |w| w.write_all(&bytes)).map_err(write_error(&dest))?;
            }
        }
    }
    Ok(())
}
