//! What a reader sees: charts (`chart/`, chosen from the output files
//! alone by `figures.rs`), the capacity plan's report (`capacity.rs`) and
//! JUnit XML of release gates (`junit.rs`). It reads results and files
//! (`crate::files`), never the engine.

mod capacity;
pub mod chart;
mod figures;
mod fitted_model;
mod junit;
mod node_panels;
mod review;

pub use capacity::write_plan;
pub use figures::{PlotError, plot_dir, plot_run, plot_sweep};
pub use fitted_model::{fitted_model_toml, write_rate_csv};
pub use junit::write_junit;
pub use review::write_review;
