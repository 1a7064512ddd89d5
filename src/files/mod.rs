//! Output files, written so that none is ever half-written: atomic writes
//! and file sets (`atomic.rs`), CSV tables (`csv.rs`, read back by
//! `table.rs`), a sweep's `runs.csv` rows and journal (`runs.rs`), and the
//! JSON that records what produced them (`manifest.rs`, `run_meta.rs`).
//! Below `sweep` and `report`: it formats values, never draws or decides.

mod atomic;
mod csv;
mod manifest;
mod run_meta;
mod runs;
mod table;

use std::io;
use std::path::Path;

use crate::stack::RunResult;

pub use atomic::{FileSet, is_temporary, remove_temporaries, write_atomically};
pub use csv::{read_csv, write_csv, write_table};
pub use manifest::{GIT_COMMIT, merged_manifest, write_json, write_manifest};
pub use run_meta::{DisturbanceMeta, RunMeta};
pub use runs::{Journal, RowsError, RunRow, read_runs, write_runs};
pub use table::{Table, TableError};

/// A name fit for a file: letters, digits, `-`, `_` and `.`.
pub fn file_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

/// Writes `summary.csv`, `timeseries.csv`, `nodes.csv`, `alerts.csv` and `run.json` of
/// one run into `dir` (created if missing) as one set: all new or, if
/// interrupted, all as they were. A previous run's timeline chart goes,
/// so that no chart of another run sits beside the new data until it is
/// drawn again.
pub fn write_run(dir: &Path, result: &RunResult, meta: &RunMeta) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut set = FileSet::default();
    write_csv(&set.stage(&dir.join("timeseries.csv")), &result.windows)?;
    write_csv(&set.stage(&dir.join("nodes.csv")), &result.nodes)?;
    write_alerts(&set.stage(&dir.join("alerts.csv")), &result.alerts)?;
    meta.write(&set.stage(&dir.join("run.json")))?;
    write_csv(&set.stage(&dir.join("summary.csv")), std::slice::from_ref(&result.summary))?;
    for chart in ["timeline.png", "timeline.svg"] {
        match std::fs::remove_file(dir.join(chart)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    set.commit()
}

/// `alerts.csv`: one row per firing (a header alone when none fired).
fn write_alerts(path: &Path, alerts: &[crate::metrics::Firing]) -> io::Result<()> {
    let header: ::csv::StringRecord =
        ["name", "severity", "points_at", "metric", "fired_at_s", "resolved_at_s", "after_disturbance_s"]
            .into_iter()
            .collect();
    let cell = |x: Option<f64>| x.map(|v| format!("{v}")).unwrap_or_default();
    let rows: Vec<::csv::StringRecord> = alerts
        .iter()
        .map(|a| {
            [
                a.name.clone(),
                a.severity.clone(),
                a.points_at.clone().unwrap_or_default(),
                a.metric.clone(),
                format!("{}", a.fired_at_s),
                cell(a.resolved_at_s),
                cell(a.after_disturbance_s),
            ]
            .into_iter()
            .collect()
        })
        .collect();
    write_table(path, &header, &rows)
}
