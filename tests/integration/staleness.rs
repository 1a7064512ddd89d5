//! Stale reads: from TTL-only caching (VALIDATION.md S1), and from the
//! read/write race under delete-on-write invalidation.

use crate::support::{assert_abs, model, pooled, replications};

/// S1: one key, reads at r = 1/s, writes at u = 0.05/s, insertion TTL
/// T = 10 s, no invalidation, a database that answers instantly:
/// P(stale | read) = r(T − (1 − e^{−uT})/u)/(1 + rT). 10^6 reads over 4
/// seeds: the standard error is ~0.001 (reads within one TTL period are
/// correlated), so ±0.005 is VALIDATION.md's margin with room.
#[test]
fn s1_ttl_only_staleness() {
    let (r, u, t) = (1.0_f64, 0.05_f64, 10.0_f64);
    let text = format!(
        r#"
        [run]
        duration_s = 2.5e5
        warmup_s = 100.0
        window_s = 1000.0
        [workload]
        keys = 1
        read_fraction = {read_fraction}
        [clients]
        rate_rps = {rate}
        [cache]
        capacity = 1
        ttl_s = {t}
        invalidation = "ttl-only"
        lookup = {{ dist = "deterministic", mean_ms = 0.0 }}
        [db]
        read = {{ dist = "deterministic", mean_ms = 0.0 }}
        write = {{ dist = "deterministic", mean_ms = 0.0 }}
        "#,
        read_fraction = r / (r + u),
        rate = r + u,
    );
    let runs = replications(&text, 1..5);
    let stale = pooled(&runs, |s| s.stale_reads, |s| s.read_successes);
    let reference = r * (t - (1.0 - (-u * t).exp()) / u) / (1.0 + r * t);
    assert_abs("S1 P(stale read), TTL-only", stale, reference, 0.005);
}

fn race_model(db_ms: f64) -> String {
    format!(
        r#"
        [run]
        duration_s = 2000.0
        warmup_s = 10.0
        [workload]
        keys = 20
        popularity = "uniform"
        read_fraction = 0.8
        [clients]
        rate_rps = 500.0
        [cache]
        capacity = 20
        invalidation = "delete"
        lookup = {{ dist = "deterministic", mean_ms = 0.0 }}
        [db]
        servers = 1000
        read = {{ dist = "deterministic", mean_ms = {db_ms} }}
        write = {{ dist = "deterministic", mean_ms = {db_ms} }}
        "#
    )
}

/// With delete-on-write and no invalidation delay, a stale read can only
/// come from the race: a miss reads version v, a write commits v+1 and
/// deletes the key while that read is in flight, and the read then fills
/// the cache with v. The race window is the database latency, so stale
/// reads must vanish with it and grow with it. Each ratio is measured over
/// ~8·10^5 reads; the differences asserted are many standard errors wide.
#[test]
fn delete_on_write_staleness_comes_only_from_the_race() {
    let stale = |db_ms: f64| {
        let r = crate::support::run(&model(&race_model(db_ms), &[]));
        r.summary.stale_ratio.unwrap()
    };
    let ratios: Vec<(f64, f64)> = [0.0, 0.1, 1.0, 10.0].iter().map(|&ms| (ms, stale(ms))).collect();
    eprintln!("stale ratio by database latency [ms]: {ratios:?}");
    assert_eq!(ratios[0].1, 0.0, "no race window, no stale read");
    for pair in ratios.windows(2) {
        assert!(pair[1].1 > 0.0, "a race window of {} ms produces stale reads", pair[1].0);
        assert!(pair[1].1 > 2.0 * pair[0].1, "stale reads grow with the race window: {pair:?}");
    }
}

/// TTL-only caching keeps serving the old version until expiry: far more
/// stale reads than delete-on-write at the same load.
#[test]
fn ttl_only_is_far_staler_than_delete_on_write() {
    let with = |invalidation: &str| {
        let runs = replications(&race_model(1.0).replace("\"delete\"", &format!("\"{invalidation}\"")), 1..2);
        runs[0].summary.stale_ratio.unwrap()
    };
    let (ttl_only, delete) = (with("ttl-only"), with("delete"));
    eprintln!("stale ratio: ttl-only {ttl_only}, delete {delete}");
    assert!(ttl_only > 0.5, "without TTL or invalidation, most reads after the first write are stale");
    assert!(ttl_only > 10.0 * delete);
}
