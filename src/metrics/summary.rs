//! The whole-run summary: one row, measured after warm-up.

use serde::{Deserialize, Serialize};

use super::recovery::Recovery;
use super::row::{Aggregate, Number, metric_row};

/// How a run ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// It ran to its configured duration.
    #[default]
    Ok,
    /// A guard stopped it: requests in flight or queued work passed
    /// `run.max_in_flight`.
    Diverged,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Ok => "ok",
            Status::Diverged => "diverged",
        })
    }
}

impl Number for Status {
    fn number(&self) -> Option<f64> {
        None
    }
    const AGGREGATE: Aggregate = Aggregate::Not;
}

/// A recovery case has no number: across replications its `_mean` and
/// `_ci95` columns stay empty, and `recovered_share` says how many
/// recovered. (Kept so the sweep's `summary.csv` keeps its columns.)
impl Number for Recovery {
    fn number(&self) -> Option<f64> {
        None
    }
}

metric_row! {
/// Summary of one run. Request figures count the requests that *arrived*
/// after warm-up, each followed to its end; cache and database figures are
/// time-based over `[warmup, end]`. `good_ratio` and the `user_*`
/// percentiles are over every measured request, a failed or unfinished one
/// counting as slower than any success: the user's view. `mean_ms` and
/// `p50_ms` … `max_ms` are over successful requests only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    [Not] pub seed: u64,
    pub status: Status,
    pub requests: u64,
    pub successes: u64,
    pub errors: u64,
    pub error_rate: Option<f64>,
    pub timeouts: u64,
    pub rejected: u64,
    pub attempts: u64,
    pub hit_ratio: Option<f64>,
    pub stale_ratio: Option<f64>,
    pub mean_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub db_utilization: f64,
    pub recovered: bool,
    pub recovery_s: Option<f64>,
    /// Events the engine processed over the whole run.
    pub events: u64,
    /// Requests that succeeded within `slo.p99_ms`, over all measured
    /// requests (unfinished ones included).
    pub good_ratio: Option<f64>,
    /// Percentiles over all measured requests [ms]: `inf` once more than
    /// the percentile's share failed or never finished.
    pub user_p50_ms: Option<f64>,
    pub user_p99_ms: Option<f64>,
    pub user_p999_ms: Option<f64>,
    /// Which case of recovery detection the run is in.
    pub recovery: Recovery,
    /// Errors because the cache was down (and does not fail open).
    pub cache_down_errors: u64,
    /// Errors because the database shed the query (`db.queue_timeout_ms`).
    pub shed: u64,
    /// Queries shed, and waiting queries cancelled because their client
    /// gave up (`db.cancel_on_timeout`).
    pub shed_queries: u64,
    pub cancelled_queries: u64,
    /// Share of the database's busy time spent on reads nobody waited for
    /// any more: the work an overloaded database wastes.
    pub db_wasted_share: Option<f64>,
    /// Why a guard stopped the run (status `diverged`), and how to bound
    /// what grew.
    pub diverged_reason: Option<String>,
    /// The first alert to fire, and how long after the first disturbance
    /// started (empty without alerts or disturbances).
    pub first_alert: Option<String>,
    pub time_to_detect_s: Option<f64>,
    /// Requests still in flight when the run ended.
    pub unfinished: u64,
    /// Successful requests per second of measured time.
    pub goodput_rps: f64,
    pub attempts_per_request: Option<f64>,
    pub lookups: u64,
    pub hits: u64,
    /// Successful reads (the denominator of `stale_ratio`).
    pub read_successes: u64,
    pub stale_reads: u64,
    /// Age of stale reads: time since the first newer version committed.
    pub stale_age_p50_ms: Option<f64>,
    pub stale_age_p99_ms: Option<f64>,
    /// Values stored by readers; those already outdated when they landed;
    /// those dropped by a voided or lapsed lease.
    pub fills: u64,
    pub stale_fills: u64,
    pub dropped_fills: u64,
    /// Reads served from an expired entry inside the stale window.
    pub stale_serves: u64,
    /// Readers that waited on another's lease.
    pub lease_waits: u64,
    /// Early refreshes started, and those that landed before expiry.
    pub early_refreshes: u64,
    pub refreshes_before_expiry: u64,
    pub invalidations: u64,
    pub invalidations_lost: u64,
    /// Database reads per expiry of the ten most popular keys: 1 when one
    /// fetch refills an expired hot key, more in a stampede.
    pub hot_fetches_per_expiry: Option<f64>,
    /// Queries the database admitted (rejected ones not included).
    pub db_jobs: u64,
    /// Mean queries waiting for a connection.
    pub db_queue_mean: f64,
    /// Mean wait for a connection over all queries that started [ms].
    pub db_wait_mean_ms: Option<f64>,
    /// Share of queries that had to wait for a connection.
    pub db_wait_share: Option<f64>,
    /// After warm-up.
    pub cache_evictions: u64,
    pub cache_expirations: u64,
    /// Most requests in flight at once.
    pub in_flight_max: u64,
    /// Length of the measured interval [s].
    pub measured_s: f64,
    /// When the run ended [s]: the duration, or earlier if it diverged.
    pub end_s: f64,
    /// The most cache nodes down at once during the run.
    pub cache_nodes_lost: u64,
    /// The share of cache lookups the busiest cache node served: 1/N for
    /// a perfectly even tier of N, 1 for one node.
    pub hottest_node_share: Option<f64>,
    /// Hits over lookups at the gutter pool (empty without one).
    pub gutter_hit_ratio: Option<f64>,
    /// Requests that failed because a database node was down (refused or
    /// lost their query).
    pub db_down_errors: u64,
    /// Stale fills whose read came from a lagging replica (the rest of
    /// `stale_fills` are read/write races).
    pub stale_fills_from_lag: u64,
    /// The 99th percentile of the replication lag of writes after warm-up
    /// [ms] (empty without replicas or writes).
    pub replica_lag_p99_ms: Option<f64>,
    /// Requests that failed because the app instance they were sent to
    /// was down.
    pub app_down_errors: u64,
    /// Busy workers over all workers of the application tier (empty
    /// without one).
    pub app_utilization: Option<f64>,
}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::row::Aggregate;

    #[test]
    fn the_columns_are_the_csv_header_and_say_how_they_aggregate() {
        assert_eq!(crate::metrics::row::csv_header::<Summary>(), Summary::COLUMNS);
        let how = |name: &str| Summary::AGGREGATES.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(how("seed"), Aggregate::Not);
        assert_eq!(how("status"), Aggregate::Not);
        assert_eq!(how("first_alert"), Aggregate::Not);
        assert_eq!(how("recovered"), Aggregate::Share);
        assert_eq!(how("p99_ms"), Aggregate::Mean);
        let row = Summary { p99_ms: Some(12.5), recovered: true, ..Summary::default() };
        assert_eq!(Summary::reader("p99_ms").unwrap()(&row), Some(12.5));
        assert_eq!(Summary::reader("recovered").unwrap()(&row), Some(1.0));
        assert!(Summary::reader("nope").is_none());
    }
}
