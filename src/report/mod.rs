//! Output files. Only this module formats results; it reads result
//! structs and never the engine.

mod atomic;
mod csv;
mod manifest;
mod runs;

use std::io;
use std::path::Path;

use crate::stack::RunResult;

pub use atomic::write_atomically;
pub use csv::{write_csv, write_table};
pub use manifest::{GIT_COMMIT, merged_manifest, write_json, write_manifest};
pub use runs::{Journal, RowsError, RunRow, fields, read_runs, summary_columns, write_runs};

/// Writes `summary.csv` and `timeseries.csv` of one run into `dir`
/// (created if missing).
pub fn write_run(dir: &Path, result: &RunResult) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    write_csv(
        &dir.join("summary.csv"),
        std::slice::from_ref(&result.summary),
    )?;
    write_csv(&dir.join("timeseries.csv"), &result.windows)
}
