//! Read replicas that lag (VALIDATION.md *Topology*, R1): a miss that
//! reads a replica which has not applied the last write stores the old
//! version, and it stays until the next write deletes it.

use crate::support::{assert_abs, model, run};

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
