//! The incident models of the deployed stack do what their comments say:
//! the replica-lag import leaves the cache stale after the lag ends and
//! remote markers prevent it; the database slowdown exhausts the app
//! workers for good, and a queue timeout or a bulkhead saves it; losing a
//! zone costs a failover's worth of writes.

use crate::support::{root, run};
use outage_sim::metrics::Tier;
use outage_sim::scenario::load_model;
use outage_sim::stack::RunResult;

fn shipped(name: &str, overrides: &[&str]) -> RunResult {
    let path = root().join("models").join(name);
    let overrides: Vec<String> = overrides.iter().map(|o| (*o).to_owned()).collect();
    run(&load_model(&path, &overrides).unwrap().model)
}

/// The mean of `figure` over the windows starting in [from, to).
fn mean_over(
    r: &RunResult,
    from: f64,
    to: f64,
    figure: impl Fn(&outage_sim::metrics::WindowRow) -> f64,
) -> f64 {
    let picked: Vec<f64> = r.windows.iter().filter(|w| w.t_s >= from && w.t_s < to).map(figure).collect();
    picked.iter().sum::<f64>() / picked.len() as f64
}

#[test]
fn a_lagging_replica_leaves_the_cache_stale_after_the_lag_ends_unless_remote_markers() {
    let r = shipped("replica-lag.toml", &[]);
    let stale = |from, to| mean_over(&r, from, to, |w| w.stale_ratio.unwrap_or(0.0));
    let (before, during, after, later) =
        (stale(60.0, 120.0), stale(130.0, 240.0), stale(240.0, 300.0), stale(420.0, 600.0));
    eprintln!(
        "stale ratio: before {before:.4}, during {during:.4}, first minute after {after:.4}, later {later:.4}"
    );
    assert!(before < 0.05 && during > 0.3, "the import's lag makes reads stale");
    assert!(after > 2.0 * before, "outdated entries outlive the lag");
    assert!(later < 0.05, "and go as their keys are written again");
    let s = &r.summary;
    assert!(s.stale_fills_from_lag as f64 > 0.9 * s.stale_fills as f64, "the lag stores them: {s:?}");
    assert!(s.replica_lag_p99_ms.unwrap() > 1000.0);
    assert_eq!(s.errors, 0, "latency and errors never show it");

    let fixed = shipped("replica-lag.toml", &["cache.remote_markers=true"]).summary;
    eprintln!("remote markers: stale {:?}", fixed.stale_ratio);
    assert!(fixed.stale_ratio.unwrap() < 0.01 && fixed.stale_fills_from_lag == 0, "{fixed:?}");
}

#[test]
fn a_database_slowdown_exhausts_the_workers_and_outlives_itself() {
    let r = shipped("worker-exhaustion.toml", &[]);
    let s = &r.summary;
    assert!(!s.recovered, "the outage outlives the 30 s slowdown: {s:?}");
    let busy: Vec<f64> = r
        .nodes
        .iter()
        .filter(|n| n.tier == Tier::App && n.t_s >= 150.0)
        .map(|n| n.utilization.unwrap())
        .collect();
    let busy = busy.iter().sum::<f64>() / busy.len() as f64;
    let errors = mean_over(&r, 150.0, 300.0, |w| w.error_rate.unwrap_or(1.0));
    let hits = mean_over(&r, 150.0, 300.0, |w| w.hit_ratio.unwrap_or(0.0));
    eprintln!("after the slowdown: workers busy {busy:.3}, error rate {errors:.3}, hit ratio {hits:.3}");
    assert!(busy > 0.85, "every worker is held");
    assert!(errors > 0.6, "cache hits fail with the misses");
    assert!(hits < 0.4, "the hot keys deleted on write were never refilled");

    for fix in ["db.queue_timeout_ms=100", "app.workers=20"] {
        let fixed = shipped("worker-exhaustion.toml", &[fix]).summary;
        eprintln!("{fix}: recovered {} in {:?} s", fixed.recovered, fixed.recovery_s);
        assert!(fixed.recovered && fixed.recovery_s.unwrap() < 30.0, "{fix}: {fixed:?}");
    }
    let no_retries = shipped("worker-exhaustion.toml", &["clients.max_attempts=1"]).summary;
    assert!(!no_retries.recovered, "without retries the cold cache alone keeps it down");
}

#[test]
fn losing_a_zone_costs_the_failover_in_writes_and_the_balancer_a_health_check() {
    let r = shipped("webshop-zones.toml", &[]);
    let s = &r.summary;
    eprintln!("zone loss: db down {}, app down {}", s.db_down_errors, s.app_down_errors);
    // Writes (5 % of 6 000/s) fail for the 30 s failover, less the 5 s
    // in which the dead instances took everything.
    let writes_lost = 0.05 * 6000.0 * 25.0;
    assert!((s.db_down_errors as f64 - writes_lost).abs() < 0.1 * writes_lost, "{}", s.db_down_errors);
    // Least-connections sends every request to the dead instances until
    // the health check: 5 s × 6 000/s.
    assert!((s.app_down_errors as f64 - 30_000.0).abs() < 3000.0, "{}", s.app_down_errors);
    assert!(s.recovered);
    let round_robin = shipped("webshop-zones.toml", &["app.balancer=round-robin"]).summary;
    assert!(round_robin.app_down_errors < 1000, "{}", round_robin.app_down_errors);
}
