//! The validated model: everything a run needs, in domain types.

use crate::engine::SimTime;
use crate::metrics::Slo;

use super::cache::CacheConfig;
use super::clients::ClientsConfig;
use super::database::DbConfig;
use super::faults::Fault;
use super::workload::WorkloadConfig;

/// Run length, measurement and guard settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// Simulated time, warm-up included.
    pub duration: SimTime,
    /// Excluded from the summary.
    pub warmup: SimTime,
    /// Time-series window.
    pub window: SimTime,
    pub seed: u64,
    /// Guard: more requests in flight, or more queued work, than this ends
    /// the run with status `diverged`.
    pub max_in_flight: u64,
}

/// A complete, validated model of the stack.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub run: RunConfig,
    pub workload: WorkloadConfig,
    pub clients: ClientsConfig,
    pub cache: CacheConfig,
    pub db: DbConfig,
    pub faults: Vec<Fault>,
    pub slo: Slo,
}
