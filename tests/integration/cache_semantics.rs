//! Invalidation, leases, stampede control and cache faults against their
//! references (VALIDATION.md S4, X1, X4) and their definitions.

use crate::support::{assert_abs, assert_rel, model, replications, run};
use crate::theory::zipf;

/// One key; writes at u = 10/s commit instantly; reads at 200/s; a read
/// query takes w = 50 ms, its snapshot taken when it starts, so its fill
/// lands w after the read.
fn race(invalidation: &str) -> String {
    format!(
        r#"
        [run]
        duration_s = 2000.0
        warmup_s = 10.0
        [workload]
        keys = 1
        read_fraction = {read_fraction}
        [clients]
        rate_rps = 210.0
        [cache]
        capacity = 1
        invalidation = "{invalidation}"
        lookup = {{ dist = "deterministic", mean_ms = 0.0 }}
        [db]
        servers = 1000
        read = {{ dist = "deterministic", mean_ms = 50.0 }}
        write = {{ dist = "deterministic", mean_ms = 0.0 }}
        "#,
        read_fraction = 200.0 / 210.0,
    )
}

/// S4: with delete-on-write, a fill is outdated when a write commits in the
/// w between its read and its landing: P = 1 − e^{−uw} = 0.3935. About
/// 2·10^5 fills: binomial standard error 0.0011, tolerance ±0.01. With
/// leases the delete voids the lease and the late fill is dropped: exactly
/// zero outdated fills.
#[test]
fn s4_outdated_fills_from_the_delete_race_and_none_with_leases() {
    let (u, w) = (10.0_f64, 0.050_f64);
    let s = run(&model(&race("delete"), &[])).summary;
    let outdated = s.stale_fills as f64 / s.fills as f64;
    eprintln!("fills {}, outdated {}", s.fills, s.stale_fills);
    assert!(s.fills > 100_000);
    assert_abs("S4 P(outdated fill), delete", outdated, 1.0 - (-u * w).exp(), 0.01);

    let leased = run(&model(&race("lease"), &[])).summary;
    eprintln!(
        "leases: fills {}, dropped {}, outdated {}",
        leased.fills, leased.dropped_fills, leased.stale_fills
    );
    assert!(leased.fills > 10_000 && leased.dropped_fills > 1000, "the race happened and fills were dropped");
    assert_eq!(leased.stale_fills, 0, "a lease never installs an outdated value");
}

/// `invalidation_loss = 1` loses every delete: the same stale reads as no
/// invalidation at all (the same run, draw for draw).
#[test]
fn losing_every_invalidation_is_ttl_only() {
    let lost = run(&model(&race("delete"), &["cache.invalidation_loss=1".into()])).summary;
    let ttl_only = run(&model(&race("ttl-only"), &[])).summary;
    assert_eq!(lost.stale_reads, ttl_only.stale_reads);
    assert_eq!(lost.stale_ratio, ttl_only.stale_ratio);
    assert_eq!(lost.invalidations, lost.invalidations_lost);
    assert!(lost.stale_ratio.unwrap() > 0.5);
}

/// A delay before the delete reaches the cache widens the window in which
/// readers see the old version: more stale reads.
#[test]
fn invalidation_delay_adds_staleness() {
    let prompt = run(&model(&race("delete"), &[])).summary;
    let late = run(&model(&race("delete"), &["cache.invalidation_delay_ms=200".into()])).summary;
    eprintln!("stale ratio: prompt {:?}, 200 ms late {:?}", prompt.stale_ratio, late.stale_ratio);
    assert!(late.stale_ratio.unwrap() > prompt.stale_ratio.unwrap() + 0.05);
    assert!(late.stale_reads > prompt.stale_reads);
    assert!(late.stale_age_p50_ms.unwrap() > 0.0);
}

/// One hot key read at r = 10/s, a TTL of 60 s, and a recompute (database
/// read) of δ = 3 s, no timeouts.
fn hot_key(stampede: &str, invalidation: &str) -> String {
    format!(
        r#"
        [run]
        duration_s = 60000.0
        warmup_s = 100.0
        window_s = 60.0
        [workload]
        keys = 1
        read_fraction = 1.0
        [clients]
        rate_rps = 10.0
        [cache]
        capacity = 1
        ttl_s = 60.0
        invalidation = "{invalidation}"
        stampede = "{stampede}"
        lookup = {{ dist = "deterministic", mean_ms = 0.0 }}
        [db]
        servers = 1000
        read = {{ dist = "deterministic", mean_ms = 3000.0 }}
        "#
    )
}

/// X1: without protection every reader that misses during the recompute
/// fetches too: 1 + rδ = 31 fetches per expiry (1000 expiries; the mean of
/// 1 + Poisson(30) has a standard error of 0.6 %: ±2 %). Single flight and
/// leases fetch exactly once.
#[test]
fn x1_stampede_on_a_hot_key() {
    let (r, delta) = (10.0, 3.0);
    let none = run(&model(&hot_key("none", "delete"), &[])).summary;
    assert_rel(
        "X1 fetches per expiry, no protection",
        none.hot_fetches_per_expiry.unwrap(),
        1.0 + r * delta,
        0.02,
    );
    let coalesced = run(&model(&hot_key("coalesce", "delete"), &[])).summary;
    assert_eq!(coalesced.hot_fetches_per_expiry, Some(1.0), "single flight");
    let leased = run(&model(&hot_key("none", "lease"), &[])).summary;
    assert_eq!(leased.hot_fetches_per_expiry, Some(1.0), "leases");
    assert!(leased.lease_waits > 0);
    for s in [&coalesced, &leased] {
        assert_eq!(s.errors, 0);
        assert!(s.cache_expirations > 900, "about one expiry per 63 s");
    }
}

/// X4: XFetch with β = 1, δ = 1 s, T = 60 s, r = 1/s: a refresh lands
/// before expiry with probability 1 − e^{−Λ}, Λ = rβδ(e^{−1} − e^{−T/βδ}).
/// Each entry lifetime ends either with such a landing or with an expiry;
/// ~25 000 lifetimes over 4 seeds: standard error 0.003, tolerance ±0.01.
#[test]
fn x4_xfetch_refreshes_before_expiry() {
    let (r, beta, delta, t) = (1.0_f64, 1.0_f64, 1.0_f64, 60.0_f64);
    let text = r#"
        [run]
        duration_s = 400000.0
        warmup_s = 100.0
        window_s = 1000.0
        [workload]
        keys = 1
        read_fraction = 1.0
        [clients]
        rate_rps = 1.0
        [cache]
        capacity = 1
        ttl_s = 60.0
        stampede = "early-refresh"
        early_refresh_beta = 1.0
        lookup = { dist = "deterministic", mean_ms = 0.0 }
        [db]
        servers = 1000
        read = { dist = "deterministic", mean_ms = 1000.0 }
    "#;
    let runs = replications(text, 1..5);
    let landed: u64 = runs.iter().map(|r| r.summary.refreshes_before_expiry).sum();
    let expired: u64 = runs.iter().map(|r| r.summary.cache_expirations).sum();
    let lambda = r * beta * delta * ((-delta / (beta * delta)).exp() - (-t / (beta * delta)).exp());
    eprintln!("X4: {landed} landed before expiry, {expired} expired");
    assert_abs(
        "X4 P(refresh lands before expiry)",
        landed as f64 / (landed + expired) as f64,
        1.0 - (-lambda).exp(),
        0.01,
    );
}

/// Stale-while-revalidate: after expiry the old value is served while one
/// background fetch refreshes it, so readers never wait for the database.
#[test]
fn stale_while_revalidate_serves_while_one_refresh_runs() {
    let s = run(&model(
        &hot_key("stale-while-revalidate", "delete"),
        &["cache.stale_window_s=10".into(), "run.duration_s=6000".into()],
    ))
    .summary;
    assert!(s.stale_serves > 50, "{s:?}");
    assert_eq!(s.hot_fetches_per_expiry, None, "entries are refreshed, never found expired");
    assert!(s.p999_ms.unwrap() < 1.0, "no reader waits for the 3 s recompute: {:?}", s.p999_ms);
}

/// A shop whose cache is warm when, at 100 s, the cache goes down for 10 s.
fn cache_down(fail_open: bool) -> String {
    format!(
        r#"
        [run]
        duration_s = 140.0
        warmup_s = 0.0
        window_s = 1.0
        [workload]
        keys = 10000
        zipf_s = 1.0
        read_fraction = 1.0
        [clients]
        rate_rps = 1000.0
        [cache]
        capacity = 10000
        fail_open = {fail_open}
        lookup = {{ dist = "deterministic", mean_ms = 0.0 }}
        [db]
        servers = 100
        read = {{ dist = "deterministic", mean_ms = 0.0 }}
        [[faults]]
        kind = "cache-down"
        at_s = 100.0
        duration_s = 10.0
        "#
    )
}

/// A read that finds the cache down is a miss, so a hit-ratio alert fires
/// during the outage — and resolves once the cache refills.
#[test]
fn a_hit_ratio_alert_fires_while_the_cache_is_down() {
    let text = cache_down(true)
        + r#"
        [[alerts]]
        name = "hit ratio drop"
        metric = "hit_ratio"
        op = "<"
        threshold = 0.3
        for_s = 2.0
        "#;
    let r = run(&model(&text, &[]));
    assert_eq!(r.alerts.len(), 1, "{:?}", r.alerts);
    let firing = &r.alerts[0];
    assert!((100.0..=103.0).contains(&firing.fired_at_s), "{firing:?}");
    assert!(firing.resolved_at_s.is_some_and(|t| (110.0..=112.0).contains(&t)), "{firing:?}");
    let during: Vec<_> = r.windows.iter().filter(|w| (100.0..110.0).contains(&w.t_s)).collect();
    assert!(during.iter().all(|w| w.hit_ratio == Some(0.0)), "{during:?}");
    assert!(r.summary.hit_ratio.is_some_and(|h| h < 0.95), "the outage lowers the run's hit ratio");
}

/// Closed for reads: every read in the outage fails; before it, none.
#[test]
fn cache_down_without_fail_open_errors_every_read() {
    let r = run(&model(&cache_down(false), &[]));
    for w in &r.windows {
        if (100.0..110.0).contains(&w.t_s) {
            assert_eq!(w.error_rate, Some(1.0), "{w:?}");
            assert_eq!(w.cache_down_errors, w.errors);
        } else if w.t_s < 100.0 || w.t_s >= 110.0 {
            assert_eq!(w.errors, 0, "{w:?}");
        }
    }
    assert!(r.summary.cache_down_errors > 9000);
    assert!(!r.summary.recovered || r.summary.recovery_s.is_some());
}

/// Fail-open: during the outage the database takes the full read rate;
/// after it the cache returns empty and misses decay along the cold-start
/// curve: given n requests since the restart, Σ(1 − (1 − p_i)^n) expected
/// misses (the database answers instantly, so no two misses of a key
/// overlap). Checked at 1, 3 and 10 s after the restart (10^3–10^4
/// requests), pooled over 10 seeds, within 4 standard deviations (the
/// variance of a distinct-key count is at most Σ q_i(1 − q_i), q_i the
/// probability key i was requested; about 1.3 % of the mean at 1 s).
#[test]
fn cache_down_fail_open_sends_every_read_to_the_database_then_refills() {
    let runs = replications(&cache_down(true), 1..11);
    for r in &runs {
        let window = |t: f64| r.windows.iter().find(|w| w.t_s == t).unwrap();
        let before = window(99.0);
        let during = window(105.0);
        assert!(before.db_queries < 200, "a warm cache shields the database: {before:?}");
        assert_eq!(during.db_queries, during.requests, "every read goes to the database: {during:?}");
        assert_eq!(during.hit_ratio, Some(0.0), "a read that finds the cache down is a miss");
        assert_eq!(during.errors, 0);
    }
    let p = zipf(10_000, 1.0);
    for seconds in [1, 3, 10] {
        let (mut misses, mut expected, mut variance) = (0.0, 0.0, 0.0);
        for r in &runs {
            let after: Vec<_> =
                r.windows.iter().filter(|w| w.t_s >= 110.0 && w.t_s < 110.0 + f64::from(seconds)).collect();
            misses += after.iter().map(|w| w.db_queries).sum::<u64>() as f64;
            let n = after.iter().map(|w| w.requests).sum::<u64>() as f64;
            for q in p.iter().map(|pi| 1.0 - (1.0 - pi).powf(n)) {
                expected += q;
                variance += q * (1.0 - q);
            }
        }
        let tolerance = 4.0 * variance.sqrt() / expected;
        assert_rel(
            &format!("misses in the {seconds} s after the restart (10 runs)"),
            misses,
            expected,
            tolerance,
        );
    }
}

/// A flush empties the cache at once; hit ratio dips, then recovers.
#[test]
fn cache_flush_empties_the_cache() {
    let text = cache_down(true)
        .replace("kind = \"cache-down\"", "kind = \"cache-flush\"")
        .replace("duration_s = 10.0\n", "");
    let r = run(&model(&text, &[]));
    let at = |t: f64| r.windows.iter().find(|w| w.t_s == t).unwrap().clone();
    assert!(at(99.0).hit_ratio.unwrap() > 0.8);
    assert!(at(100.0).hit_ratio.unwrap() < at(99.0).hit_ratio.unwrap() - 0.1);
    assert!(at(99.0).cache_entries > at(100.0).cache_entries);
}

/// Replaying a trace delivers exactly its requests: the hits equal those
/// of the cache store fed the same key sequence directly.
#[test]
fn trace_replay_matches_the_same_key_sequence() {
    use outage_sim::engine::{RandomStreams, SimTime};
    use outage_sim::stack::{CacheStore, KeySizes, Lookup};
    use rand_distr::{Distribution, Exp1, Zipf};

    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.csv");
    let mut rng = RandomStreams::new(3).stream(1);
    let zipf_keys = Zipf::new(1000.0, 0.9).unwrap();
    let mut t = 0.0;
    let mut rows = String::from("t_s,key,op\n");
    let mut sequence = Vec::new();
    for _ in 0..50_000 {
        let gap: f64 = Exp1.sample(&mut rng);
        t += gap / 1000.0;
        let key = zipf_keys.sample(&mut rng) as u32 - 1;
        sequence.push(key);
        rows.push_str(&format!("{t:.9},{key},get\n"));
    }
    std::fs::write(&trace, rows).unwrap();
    let text = format!(
        r#"
        [run]
        duration_s = {duration}
        warmup_s = 0.0
        [workload]
        keys = 1000
        trace = "{trace}"
        [cache]
        capacity = 100
        eviction = "lru"
        lookup = {{ dist = "deterministic", mean_ms = 0.0 }}
        [db]
        servers = 1000
        read = {{ dist = "deterministic", mean_ms = 0.0 }}
        "#,
        duration = t + 1.0,
        trace = trace.display(),
    );
    let m = model(&text, &[]);
    let s = run(&m).summary;
    assert_eq!(s.requests, 50_000);
    let streams = RandomStreams::new(0);
    let mut store = CacheStore::new(&m.cache, 1000, streams.stream(6), streams.stream(7));
    let hits = sequence
        .iter()
        .filter(|&&key| match store.lookup(key, SimTime::ZERO) {
            Lookup::Hit { .. } => true,
            _ => {
                store.store(key, 0, SimTime::ZERO, SimTime::ZERO, &KeySizes::default());
                false
            }
        })
        .count();
    assert_eq!(s.hits, hits as u64);
}

/// A hot-set shift moves popularity to cold keys: the hit ratio drops, then
/// recovers as the cache learns the new hot set.
#[test]
fn hot_set_shift_drops_the_hit_ratio_until_the_cache_relearns() {
    let text = cache_down(true)
        .replace("kind = \"cache-down\"", "kind = \"hot-set-shift\"")
        .replace("duration_s = 10.0\n", "");
    let text = text.replace("capacity = 10000", "capacity = 1000");
    let r = run(&model(&text, &[]));
    let hit = |t: f64| r.windows.iter().find(|w| w.t_s == t).unwrap().hit_ratio.unwrap();
    eprintln!("hit ratio at 99 s {}, 100 s {}, 130 s {}", hit(99.0), hit(100.0), hit(130.0));
    assert!(hit(100.0) < hit(99.0) - 0.1);
    assert!(hit(130.0) > hit(99.0) - 0.05);
}
