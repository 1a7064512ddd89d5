//! One row per time window: what an operator's dashboard would show.

use serde::{Deserialize, Serialize};

use super::row::metric_row;

metric_row! {
/// A window's figures. Request outcomes and latencies count in the window
/// the request *ended* in; `requests` counts arrivals; levels (queues,
/// utilisation, in flight) are time averages over the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WindowRow {
    /// Window start [s].
    pub t_s: f64,
    pub requests: u64,
    pub successes: u64,
    pub errors: u64,
    pub error_rate: Option<f64>,
    /// Successes within `slo.p99_ms` over every request that ended in the
    /// window or was stuck at its end (in flight past the SLO).
    pub good_ratio: Option<f64>,
    /// Percentiles over the same requests, failed and stuck ones counting
    /// as slower than any success [ms]; `inf` past their share.
    pub user_p50_ms: Option<f64>,
    pub user_p99_ms: Option<f64>,
    pub user_p999_ms: Option<f64>,
    /// Requests in flight at the window's end that arrived in a window
    /// ending at least `slo.p99_ms` before: answered too late, if ever.
    pub stuck: u64,
    pub timeouts: u64,
    pub rejected: u64,
    pub cache_down_errors: u64,
    /// Errors because the database shed the query.
    pub shed: u64,
    pub attempts: u64,
    /// Attempts per arrival in the window: the retry amplification.
    pub attempts_per_request: Option<f64>,
    /// Successful requests per second.
    pub goodput_rps: f64,
    pub hit_ratio: Option<f64>,
    pub stale_ratio: Option<f64>,
    pub mean_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    /// Mean and p99 response time of every request that finished in the
    /// window, failures included (at the time they failed).
    pub mean_all_ms: Option<f64>,
    pub p99_all_ms: Option<f64>,
    /// Queries the database admitted (its offered load).
    pub db_queries: u64,
    /// Mean queries waiting for a database connection.
    pub db_queue: f64,
    /// Mean share of database connections busy, in [0, 1].
    pub db_utilization: f64,
    /// Share of time with every connection busy: pool saturation (the
    /// mean over database nodes, where there are replicas).
    pub db_saturation: f64,
    /// Share of busy time spent on reads nobody waited for any more.
    pub db_wasted_share: Option<f64>,
    /// Mean share of lookup servers busy (empty when unlimited).
    pub cache_utilization: Option<f64>,
    /// Mean lookups waiting for a cache server.
    pub cache_queue: f64,
    /// Mean requests in flight.
    pub in_flight: f64,
    /// Entries in the cache at the window's end.
    pub cache_entries: u64,
    pub evictions: u64,
    pub expirations: u64,
    /// Stale reads served in the window.
    pub stale_reads: u64,
    pub stale_fills: u64,
    pub invalidations: u64,
    pub invalidations_lost: u64,
}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_are_the_csv_header_and_read_their_fields() {
        assert_eq!(crate::metrics::row::csv_header::<WindowRow>(), WindowRow::COLUMNS);
        let row = WindowRow {
            t_s: 3.0,
            stuck: 7,
            hit_ratio: Some(0.25),
            stale_ratio: None,
            ..WindowRow::default()
        };
        let read = |c: &str| WindowRow::reader(c).map(|r| r(&row));
        assert_eq!(
            (read("t_s"), read("stuck"), read("hit_ratio")),
            (Some(Some(3.0)), Some(Some(7.0)), Some(Some(0.25)))
        );
        assert_eq!((read("stale_ratio"), read("no_such_column")), (Some(None), None));
    }
}
