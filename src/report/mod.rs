//! Output files. Only this module formats results; it reads result
//! structs and never the engine.

mod atomic;
mod capacity;
pub mod chart;
mod csv;
mod figures;
mod manifest;
mod run_meta;
mod runs;
mod table;

use std::io;
use std::path::Path;

use crate::stack::RunResult;

pub use atomic::write_atomically;
pub use capacity::write_plan;
pub use csv::{write_csv, write_table};
pub use figures::{PlotError, file_name, plot_dir, plot_run, plot_sweep};
pub use manifest::{GIT_COMMIT, merged_manifest, write_json, write_manifest};
pub use run_meta::{DisturbanceMeta, RunMeta};
pub use runs::{Journal, RowsError, RunRow, fields, read_runs, summary_columns, write_runs};
pub use table::{Table, TableError};

/// Writes `summary.csv`, `timeseries.csv` and `run.json` of one run into
/// `dir` (created if missing).
pub fn write_run(dir: &Path, result: &RunResult, meta: &RunMeta) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    write_csv(&dir.join("summary.csv"), std::slice::from_ref(&result.summary))?;
    write_csv(&dir.join("timeseries.csv"), &result.windows)?;
    meta.write(&dir.join("run.json"))
}
