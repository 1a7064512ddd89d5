//! Measurements: latency histograms, time-averaged levels, per-window rows,
//! the run summary and recovery detection. Nothing here formats output.

mod alerts;
mod backlog;
mod histogram;
mod level;
mod nodes;
mod recorder;
mod recovery;
pub mod row;
mod summary;
mod tally;
mod timeseries;

pub use alerts::{AlertRule, Comparison, Firing, alert_metrics, evaluate};
pub use histogram::LatencyHistogram;
pub use level::{Level, time_average};
pub use nodes::{Component, NodeGauge, NodeRow, Tier};
pub use recorder::{Finished, Gauges, ReadOutcome, Recorder, RecorderConfig, RunEnd};
pub use recovery::{Disturbed, Recovery, Slo, WindowHealth, recovery_time};
pub use summary::{Status, Summary};
pub use tally::{Counter, Counters, FailureCause, Tally};
pub use timeseries::WindowRow;
