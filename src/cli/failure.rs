//! How a command fails, and the exit code each way of failing gets: bad
//! input 2, a failed run 1, an interruption 130.

use outage_sim::report;
use outage_sim::scenario::ScenarioError;

/// How a command failed: bad input (exit 2) or a failed run (exit 1).
pub enum Failure {
    BadInput(anyhow::Error),
    Run(anyhow::Error),
    /// Stopped by a signal; what was done is kept.
    Interrupted(anyhow::Error),
}

/// A directory that is taken is a usage problem; one that cannot be
/// written, a failed run.
impl From<outage_sim::sweep::OutDirError> for Failure {
    fn from(e: outage_sim::sweep::OutDirError) -> Self {
        match e {
            outage_sim::sweep::OutDirError::Taken { .. } => Failure::BadInput(e.into()),
            outage_sim::sweep::OutDirError::Unwritable { .. } => Failure::Run(e.into()),
        }
    }
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
        Failure::BadInput(e.into())
    }
}

/// A missing or malformed input is bad input; a chart that cannot be
/// written is a failed run.
pub fn plot_failure(e: report::PlotError) -> Failure {
    match e {
        report::PlotError::Write(_) => Failure::Run(e.into()),
        _ => Failure::BadInput(e.into()),
    }
}
