//! Read replicas that lag (VALIDATION.md *Topology*, R1): a miss that
//! reads a replica which has not applied the last write stores the old
//! version, and it stays until the next write deletes it.

use crate::support::{assert_abs, assert_rel, model, run};

/// R1: 100 uniform keys, reads 9/s and writes 1/s per key, delete on
/// write, no TTL, no eviction, a database that answers at once, replicas
/// that apply each write 50 ms after it commits: P(stale read) =
/// 1 − e^{−(r+w)L} = 1 − e^{−0.5} = 0.3935 (± 0.01). With remote markers,
/// or reads from the primary: < 0.001.
const R1: &str = r#"
[run]
duration_s = 402.0
warmup_s = 2.0
window_s = 10.0
[workload]
keys = 100
popularity = "uniform"
read_fraction = 0.9
[clients]
rate_rps = 1000.0
[cache]
capacity = 100
invalidation = "delete"
lookup = { dist = "deterministic", mean_ms = 0.0 }
[db]
servers = 64
replicas = 2
replica_lag = { dist = "deterministic", mean_ms = 50.0 }
read = { dist = "deterministic", mean_ms = 0.0 }
write = { dist = "deterministic", mean_ms = 0.0 }
"#;

#[test]
fn r1_a_lagging_replica_makes_stale_fills_and_remote_markers_remove_them() {
    let lagging = run(&model(R1, &[])).summary;
    let stale = lagging.stale_ratio.unwrap();
    assert_abs("R1 stale ratio through lagging replicas", stale, 1.0 - (-0.5f64).exp(), 0.01);
    assert!(lagging.stale_fills > 0);
    let markers = run(&model(R1, &["cache.remote_markers=true".into()])).summary;
    assert!(markers.stale_ratio.unwrap() < 0.001, "remote markers: {:?}", markers.stale_ratio);
    let primary = run(&model(R1, &["db.read_from=\"primary\"".into()])).summary;
    assert!(primary.stale_ratio.unwrap() < 0.001, "reads from the primary: {:?}", primary.stale_ratio);
    eprintln!(
        "R1 with remote markers {:.5}, from the primary {:.5}",
        markers.stale_ratio.unwrap(),
        primary.stale_ratio.unwrap()
    );
}

/// The primary lost: writes fail (their queries are refused, those in
/// flight lost) until `db.failover_s` later a replica is promoted; then
/// writes commit at the new primary and no committed version is lost.
/// The old primary returns as a replica. A `replica-lag` fault stretches
/// the lag the telemetry reports by its factor.
const FAILOVER: &str = r#"
[run]
duration_s = 120.0
warmup_s = 10.0
window_s = 5.0
[workload]
keys = 10000
read_fraction = 0.9
[clients]
rate_rps = 2000.0
timeout_ms = 1000.0
max_attempts = 1
[cache]
capacity = 2000
ttl_s = 30.0
[db]
servers = 32
replicas = 2
failover_s = 20.0
replica_lag = { dist = "exponential", mean_ms = 50.0 }
[[faults]]
kind = "db-down"
at_s = 40.0
duration_s = 40.0
[[faults]]
kind = "replica-lag"
factor = 10.0
at_s = 90.0
duration_s = 10.0
"#;

#[test]
fn losing_the_primary_fails_writes_until_a_replica_is_promoted() {
    let result = run(&model(FAILOVER, &[]));
    let s = &result.summary;
    let window = |t: f64| result.windows.iter().find(|w| w.t_s == t).expect("a window");
    // Writes are 10 % of 2 000/s: ≈ 200 a second fail while there is no
    // primary (40–60 s), none before or after.
    for t in [40.0, 45.0, 50.0, 55.0] {
        let w = window(t);
        assert_abs(&format!("error rate at {t} s (the writes)"), w.error_rate.unwrap(), 0.1, 0.02);
    }
    for t in [30.0, 35.0, 60.0, 65.0, 80.0, 100.0] {
        assert_eq!(window(t).errors, 0, "no errors at {t} s");
    }
    assert_eq!(s.db_down_errors, s.errors, "every error is the lost primary's");
    let db_rows = |t: f64| -> Vec<_> {
        result.nodes.iter().filter(|n| n.tier == outage_sim::metrics::Tier::Db && n.t_s == t).collect()
    };
    // Down, node 0 gets nothing; promoted, node 1 takes the writes and no
    // lag (it is the primary); back at 80 s, node 0 is a replica.
    let at_70 = db_rows(70.0);
    assert_eq!(at_70[0].utilization, Some(0.0));
    assert!(at_70[0].lag_ms.is_none() && at_70[1].lag_ms.is_none() && at_70[2].lag_ms.is_some());
    let at_85 = db_rows(85.0);
    assert!(at_85[0].lag_ms.is_some() && at_85[0].utilization.unwrap() > 0.0);
    // The lag fault: ×10 on a mean of 50 ms.
    let lag = |t: f64| db_rows(t)[2].lag_ms.unwrap();
    assert_rel("replica lag before the fault [ms]", lag(85.0), 50.0, 0.25);
    assert_rel("replica lag during the fault [ms]", lag(95.0), 500.0, 0.25);
    assert!(s.replica_lag_p99_ms.unwrap() > 50.0 * 4.6, "p99 of exp(50 ms) is 230 ms, more with the fault");
    // Stale fills here come from the lag (reads of a version the primary
    // had already replaced when the read started).
    assert!(s.stale_fills_from_lag > 0 && s.stale_fills_from_lag <= s.stale_fills);
    assert!(s.stale_fills_from_lag as f64 >= 0.9 * s.stale_fills as f64, "{s:?}");
}
