//! Overload dynamics: queue timeouts, retries, metastable failures and
//! their fixes (VALIDATION.md Q5, M2, M3, M4), load shapes, closed loops,
//! and the database's overload behaviours.

use crate::support::{assert_abs, assert_rel, model, pooled, replications, run};

/// Caching off, reads only: every request is one database query.
fn db_only(
    servers: u32,
    rate: f64,
    duration_s: f64,
    read: &str,
    extra_db: &str,
    extra_clients: &str,
) -> String {
    format!(
        r#"
        [run]
        duration_s = {duration_s}
        warmup_s = 20.0
        window_s = 1.0
        [workload]
        keys = 1
        read_fraction = 1.0
        [clients]
        rate_rps = {rate}
        {extra_clients}
        [cache]
        capacity = 0
        lookup = {{ dist = "deterministic", mean_ms = 0.0 }}
        [db]
        servers = {servers}
        read = {read}
        {extra_db}
        [slo]
        p99_ms = 100.0
        error_rate = 0.01
        "#
    )
}

const EXP_10MS: &str = r#"{ dist = "exponential", mean_ms = 10.0 }"#;
const EXP_2MS: &str = r#"{ dist = "exponential", mean_ms = 2.0 }"#;

/// Q5: M/M/8 where work that waited τ leaves unserved (Gelenbe's
/// deterministic patience), λ = 960, μ = 100, τ = 20 ms. ~10^6 requests
/// over 4 seeds: the binomial standard error of P ≈ 0.17 is 0.0004; ±0.005.
#[test]
fn q5_queue_timeout_abandonment() {
    let (c, lambda, mu, tau) = (8u32, 960.0_f64, 100.0_f64, 0.020_f64);
    let a = lambda / mu;
    let mut terms = vec![1.0];
    for j in 1..c {
        let last = *terms.last().unwrap();
        terms.push(last * a / f64::from(j));
    }
    let cmu = f64::from(c) * mu;
    let decay = ((lambda - cmu) * tau).exp();
    let j_integral = (decay - 1.0) / (lambda - cmu) + decay / cmu;
    let pi0 = 1.0 / (terms.iter().sum::<f64>() + lambda * terms[c as usize - 1] * j_integral);
    let reference = lambda * pi0 * terms[c as usize - 1] * decay / cmu;
    let runs = replications(&db_only(c, lambda, 280.0, EXP_10MS, "queue_timeout_ms = 20.0", ""), 1..5);
    let abandoned = pooled(&runs, |s| s.shed, |s| s.requests - s.unfinished);
    assert_abs("Q5 P(abandon)", abandoned, reference, 0.005);
}

/// M2: each attempt fails (times out) with probability f = 0.5 — an
/// exponential 10 ms query against a 10·ln 2 ms timeout on unlimited
/// connections — and 3 retries follow at once: (1 − f⁴)/(1 − f) = 1.875
/// attempts per request. 10^6 requests: standard error 0.001; ±0.01.
#[test]
fn m2_attempts_per_request_with_retries() {
    let timeout = format!("timeout_ms = {}\nmax_attempts = 4", 10.0 * 2f64.ln());
    let text = db_only(1_000_000, 1000.0, 1020.0, EXP_10MS, "", &timeout);
    let s = run(&model(&text, &[])).summary;
    assert_rel("M2 attempts per request", s.attempts_per_request.unwrap(), 1.875, 0.005);
    assert_rel("M2 failure after 4 attempts", s.error_rate.unwrap(), 0.0625, 0.03);
}

/// M3: one database connection at μ = 500/s, a 100 ms timeout and 4
/// immediate retries, no cancellation. A 1 s pause builds a backlog beyond
/// μτ; from then on every attempt times out and the offered load is 5λ, so
/// the stack stays down iff λ > μ/5 = 100/s although it would be stable at
/// any λ < 500. Three seeds either side of the threshold.
#[test]
fn m3_the_retry_band() {
    let shape = |rate: f64| {
        db_only(1, rate, 200.0, EXP_2MS, "", "timeout_ms = 100.0\nmax_attempts = 5")
            + "[[faults]]\nkind = \"db-pause\"\nat_s = 30.0\nduration_s = 1.0\n"
    };
    for seed in 1..4 {
        let below = run(&model(&shape(90.0), &[format!("run.seed={seed}")])).summary;
        let above = run(&model(&shape(110.0), &[format!("run.seed={seed}")])).summary;
        eprintln!(
            "seed {seed}: λ=90 recovered {} in {:?} s; λ=110 recovered {}, error rate {:?}, wasted {:?}",
            below.recovered, below.recovery_s, above.recovered, above.error_rate, above.db_wasted_share
        );
        assert!(below.recovered, "λ = 90 < μ/(R+1) recovers (seed {seed})");
        assert!(!above.recovered, "λ = 110 > μ/(R+1) stays down (seed {seed})");
        assert_eq!(above.recovery, outage_sim::metrics::Recovery::NotRecovered, "healthy before the pause");
        assert!(above.error_rate.unwrap() > 0.8);
        assert!(above.db_wasted_share.unwrap() > 0.8, "the database serves abandoned attempts");
    }
}

/// The look-aside flush case (HotOS'21): a warm cache holding every key,
/// flushed; the database (10 × exponential 10 ms) sees λ·(miss ratio); if
/// its queue wait passes the 1 s timeout, fills stop and the cache never
/// refills. Critical load ≈ 1632 req/s.
fn m4(rate: f64, extra_db: &str) -> String {
    format!(
        r#"
        [run]
        duration_s = 300.0
        warmup_s = 5.0
        [workload]
        keys = 100000
        zipf_s = 0.8
        read_fraction = 1.0
        [clients]
        rate_rps = {rate}
        timeout_ms = 1000.0
        [cache]
        capacity = 100000
        warm_start = true
        lookup = {{ dist = "deterministic", mean_ms = 0.0 }}
        [db]
        servers = 10
        read = {{ dist = "exponential", mean_ms = 10.0 }}
        {extra_db}
        [[faults]]
        kind = "cache-flush"
        at_s = 10.0
        [slo]
        p99_ms = 1000.0
        error_rate = 0.01
        "#
    )
}

/// M4: at 0.9 × 1632 the cache refills and the stack recovers; at 1.1 × it
/// stays down; a database queue timeout just under the client timeout sheds
/// the work nobody will wait for, and the same 1.1 × load recovers. Two
/// seeds each.
#[test]
fn m4_the_flushed_cache_stays_cold_above_the_critical_load() {
    let critical = 1632.0;
    let last_hit = |r: &outage_sim::stack::RunResult| r.windows.last().unwrap().hit_ratio.unwrap();
    for seed in 1..3 {
        let seed = [format!("run.seed={seed}")];
        let below = run(&model(&m4(0.9 * critical, ""), &seed));
        let above = run(&model(&m4(1.1 * critical, ""), &seed));
        let shed = run(&model(&m4(1.1 * critical, "queue_timeout_ms = 900.0"), &seed));
        let (below_end, above_end) = (last_hit(&below), last_hit(&above));
        let (below, above, shed) = (below.summary, above.summary, shed.summary);
        eprintln!(
            "{seed:?}: 0.9x recovered {} ({:?} s, final hit ratio {below_end}); 1.1x recovered {} (final hit ratio {above_end}); 1.1x with queue timeout recovered {} ({:?} s)",
            below.recovered, below.recovery_s, above.recovered, shed.recovered, shed.recovery_s
        );
        assert!(below.recovered && below_end > 0.9, "refilled: hit ratio {below_end} at the end");
        assert!(!above.recovered && above_end < 0.5, "stays cold: hit ratio {above_end} at the end");
        assert!(shed.recovered, "a queue timeout under the client timeout removes the failure");
    }
}

/// A retry budget of 10 % caps retries at 10 % of first attempts (plus the
/// bucket's burst): here every attempt fails — the cache is down and does
/// not fail open — and up to 4 retries are allowed.
#[test]
fn a_retry_budget_caps_retries() {
    let text = r#"
        [run]
        duration_s = 100.0
        warmup_s = 0.0
        [workload]
        read_fraction = 1.0
        [clients]
        rate_rps = 1000.0
        max_attempts = 5
        retry_budget_ratio = 0.1
        retry_budget_burst = 10.0
        [cache]
        fail_open = false
        [[faults]]
        kind = "cache-down"
        at_s = 0.0
        duration_s = 100.0
    "#;
    let budgeted = run(&model(text, &[])).summary;
    let retries = budgeted.attempts - budgeted.requests;
    assert!(retries as f64 <= 0.1 * budgeted.requests as f64 + 10.0, "{retries} retries");
    assert!(retries as f64 >= 0.1 * budgeted.requests as f64 - 1.0, "the budget is spent: {retries}");
    let unbudgeted = run(&model(&text.replace("retry_budget_ratio = 0.1\n", ""), &[])).summary;
    assert_eq!(unbudgeted.attempts, 5 * unbudgeted.requests);
    assert_eq!(budgeted.cache_down_errors, budgeted.errors);
}

/// Backoff spreads retries out in time: with a 50 ms exponential backoff a
/// request that fails 3 times takes at least 50 + 100 + 200 ms.
#[test]
fn backoff_delays_retries() {
    let text = r#"
        [run]
        duration_s = 20.0
        warmup_s = 1.0
        [workload]
        read_fraction = 1.0
        [clients]
        rate_rps = 100.0
        max_attempts = 4
        backoff_base_ms = 50.0
        backoff_cap_ms = 1000.0
        jitter = "none"
        [cache]
        fail_open = false
        lookup = { dist = "deterministic", mean_ms = 0.0 }
        [[faults]]
        kind = "cache-down"
        at_s = 0.0
        duration_s = 20.0
        [slo]
        p99_ms = 1000.0
    "#;
    let r = run(&model(text, &[]));
    assert_eq!(r.summary.successes, 0);
    // Errors carry no latency; the time to failure shows in the windows:
    // an arrival at t fails at t + 0.35 s, so the first 1 s window sees the
    // failures of the ~65 arrivals before 0.65 s, not all ~100.
    assert!((45..=85).contains(&r.windows[0].errors), "{}", r.windows[0].errors);
    let s = &r.summary;
    assert!(s.attempts >= 4 * s.errors && s.errors + s.unfinished == s.requests);
    assert!(s.unfinished <= 50, "only the last 0.35 s of arrivals are still retrying");
}

/// A spike is a disturbance: recovery is measured from its end. The
/// baseline shop at 3× for a minute recovers at once.
#[test]
fn a_spike_ends_and_recovery_is_measured_from_its_end() {
    let path = crate::support::root().join("models/webshop.toml");
    let text = std::fs::read_to_string(path).unwrap()
        + "\n[[clients.schedule]]\nat_s = 100.0\nuntil_s = 160.0\nmultiplier = 3.0\n";
    let r = run(&model(&text, &[]));
    let at = |t: f64| r.windows.iter().find(|w| w.t_s == t).unwrap();
    assert_rel("requests in a spike window", at(130.0).requests as f64, 6000.0, 0.05);
    assert_rel("requests after the spike", at(200.0).requests as f64, 2000.0, 0.06);
    assert!(r.summary.recovered);
    assert_eq!(r.summary.recovery_s, Some(0.0));
}

/// A linear ramp: arrivals grow with the multiplier.
#[test]
fn a_ramp_raises_the_rate_linearly() {
    let text = db_only(64, 1000.0, 120.0, EXP_2MS, "", "")
        + "[[clients.schedule]]\nat_s = 20.0\nuntil_s = 120.0\nmultiplier = 1.0\nramp_to = 3.0\n";
    let r = run(&model(&text, &[]));
    for t in [30.0, 70.0, 110.0] {
        let w = r.windows.iter().find(|w| w.t_s == t).unwrap();
        let expected = 1000.0 * (1.0 + 2.0 * (t + 0.5 - 20.0) / 100.0);
        assert_rel(&format!("arrivals in the window at {t} s"), w.requests as f64, expected, 0.08);
    }
}

/// Closed loop: N users, each thinking Z between requests, obey the
/// interactive response-time law N = X·(R + Z). 100 users, Z = 50 ms, an
/// M/M/4 database: X and R measured independently; ±1 %.
#[test]
fn closed_loop_obeys_the_response_time_law() {
    let text =
        db_only(4, 1.0, 520.0, EXP_10MS, "", "users = 100\nthink_ms = 50.0").replace("rate_rps = 1\n", "");
    let s = run(&model(&text, &[])).summary;
    let x = s.successes as f64 / s.measured_s;
    let r_s = s.mean_ms.unwrap() / 1e3;
    assert_rel("N = X(R + Z)", x * (r_s + 0.050), 100.0, 0.01);
    assert!(s.db_utilization > 0.95, "100 users saturate 4 connections");
}

/// Under overload with client timeouts, FIFO serves work whose client has
/// gone and goodput collapses. LIFO serves the newest first and keeps most
/// of it. Cancelling abandoned queries helps FIFO only partly: the oldest
/// live queries it then serves are close to their timeout.
#[test]
fn lifo_and_cancellation_keep_goodput_under_overload() {
    let text = |extra: &str| db_only(8, 1000.0, 120.0, EXP_10MS, extra, "timeout_ms = 100.0");
    let fifo = run(&model(&text(""), &[])).summary;
    let lifo = run(&model(&text("discipline = \"lifo\""), &[])).summary;
    let cancel = run(&model(&text("cancel_on_timeout = true"), &[])).summary;
    eprintln!(
        "goodput: fifo {:.0}, lifo {:.0}, cancel {:.0}; wasted: fifo {:?}, cancel {:?}",
        fifo.goodput_rps, lifo.goodput_rps, cancel.goodput_rps, fifo.db_wasted_share, cancel.db_wasted_share
    );
    assert!(fifo.goodput_rps < 100.0, "FIFO collapses: every query is served after its client left");
    assert!(lifo.goodput_rps > 600.0);
    assert!(cancel.goodput_rps > fifo.goodput_rps + 100.0);
    assert!(fifo.db_wasted_share.unwrap() > 0.9);
    assert!(cancel.db_wasted_share.unwrap() < fifo.db_wasted_share.unwrap());
    assert!(cancel.cancelled_queries > 0);
}

/// Contention: a query starting with a share u of connections busy takes
/// (1 + k·u) times its service time. A lone deterministic 10 ms query on 4
/// connections with k = 1 takes 12.5 ms.
#[test]
fn contention_stretches_service_with_load() {
    let text =
        db_only(4, 1.0, 1000.0, r#"{ dist = "deterministic", mean_ms = 10.0 }"#, "contention = 1.0", "");
    let s = run(&model(&text, &[])).summary;
    assert!((s.p50_ms.unwrap() - 12.5).abs() < 0.1, "{:?}", s.p50_ms);
}

/// Faults of the database and of invalidation, window by window.
#[test]
fn db_slowdown_pause_and_invalidation_outage() {
    let base = db_only(64, 500.0, 60.0, r#"{ dist = "deterministic", mean_ms = 10.0 }"#, "", "");
    let slow =
        base.clone() + "[[faults]]\nkind = \"db-slowdown\"\nat_s = 30.0\nduration_s = 10.0\nfactor = 4.0\n";
    let r = run(&model(&slow, &[]));
    let p50 = |t: f64| r.windows.iter().find(|w| w.t_s == t).unwrap().p50_ms.unwrap();
    assert!((p50(25.0) - 10.0).abs() < 0.1 && (p50(35.0) - 40.0).abs() < 0.5, "{} {}", p50(25.0), p50(35.0));

    let paused = base + "[[faults]]\nkind = \"db-pause\"\nat_s = 30.0\nduration_s = 5.0\n";
    let r = run(&model(&paused, &[]));
    let at = |t: f64| r.windows.iter().find(|w| w.t_s == t).unwrap().clone();
    assert_eq!(at(32.0).successes, 0, "nothing is served during a pause");
    assert!(at(35.0).successes > 2000, "the backlog is served when it ends");
    assert!(r.summary.recovered);

    let race = r#"
        [run]
        duration_s = 60.0
        warmup_s = 0.0
        [workload]
        keys = 100
        read_fraction = 0.9
        [clients]
        rate_rps = 2000.0
        [cache]
        capacity = 100
        lookup = { dist = "deterministic", mean_ms = 0.0 }
        [db]
        read = { dist = "deterministic", mean_ms = 0.0 }
        write = { dist = "deterministic", mean_ms = 0.0 }
        [[faults]]
        kind = "invalidation-outage"
        at_s = 20.0
        duration_s = 20.0
    "#;
    let r = run(&model(race, &[]));
    let stale = |t: f64| r.windows.iter().find(|w| w.t_s == t).unwrap().stale_ratio.unwrap();
    assert_eq!(stale(10.0), 0.0, "instant database, prompt deletes: never stale");
    assert!(stale(30.0) > 0.3, "without invalidations, stale reads pile up: {}", stale(30.0));
    assert!(stale(50.0) < stale(30.0), "once deletes flow again, staleness drains");
    assert!(r.summary.invalidations_lost > 0);
}

/// Each case of `recovery` arises from a run, not from a label: 10
/// database connections of 2 ms reads (5000/s), client timeout 200 ms,
/// SLO p99 100 ms.
#[test]
fn each_recovery_case_arises() {
    use outage_sim::metrics::Recovery;
    let clients = "timeout_ms = 200.0";
    let case = |rate: f64, duration_s: f64, fault: &str| {
        let text = db_only(10, rate, duration_s, EXP_2MS, "", clients) + fault;
        run(&model(&text, &[])).summary
    };
    let pause = |at_s: f64| format!("[[faults]]\nkind = \"db-pause\"\nat_s = {at_s}\nduration_s = 5.0\n");
    // A 5 s pause at a comfortable load: back within a few windows.
    let s = case(2000.0, 80.0, &pause(40.0));
    assert_eq!((s.recovery, s.recovered), (Recovery::Recovered, true), "{s:?}");
    assert!(s.recovery_s.is_some_and(|t| t < 5.0), "{s:?}");
    // Twice the capacity, no disturbance: never healthy, not "recovered".
    let s = case(10_000.0, 60.0, "");
    assert_eq!((s.recovery, s.recovered, s.recovery_s), (Recovery::NeverHealthy, false, None), "{s:?}");
    // The pause ends 2 windows before the run does: too short to tell.
    let s = case(2000.0, 60.0, &pause(53.0));
    assert_eq!((s.recovery, s.recovered), (Recovery::TooShort, false), "{s:?}");
    // Not recovered: the retry band, m3_the_retry_band below.
}

/// A database that answers nothing for 20 s, no client timeout: the
/// misses are stuck, not failed, and the cache hits still end fast. The
/// windows of the pause must not look healthy: stuck requests count in
/// the good ratio and the users' p99 of every window until they end.
#[test]
fn stuck_requests_count_in_the_windows_they_are_stuck_in() {
    let text = r#"
        [run]
        duration_s = 80.0
        warmup_s = 20.0
        [workload]
        keys = 1000
        zipf_s = 1.0
        read_fraction = 1.0
        [clients]
        rate_rps = 2000.0
        [cache]
        capacity = 100
        lookup = { dist = "deterministic", mean_ms = 0.2 }
        [db]
        servers = 32
        read = { dist = "exponential", mean_ms = 2.0 }
        [[faults]]
        kind = "db-pause"
        at_s = 40.0
        duration_s = 20.0
        "#;
    let r = run(&model(text, &[]));
    for w in r.windows.iter().filter(|w| (42.0..60.0).contains(&w.t_s)) {
        assert_eq!(w.errors, 0, "nothing fails: {w:?}");
        assert!(w.hit_ratio.unwrap() > 0.5 && w.p99_ms.unwrap() < 1.0, "hits end fast: {w:?}");
        assert!(w.stuck > 0, "misses are stuck: {w:?}");
        assert!(w.good_ratio.unwrap() < 0.9, "and count against the window: {w:?}");
        assert!(w.user_p99_ms.unwrap().is_infinite(), "{w:?}");
    }
    let before = r.windows.iter().find(|w| w.t_s == 30.0).unwrap();
    assert_eq!(before.stuck, 0);
    assert!(before.good_ratio.unwrap() > 0.999, "{before:?}");
    assert!(r.summary.good_ratio.unwrap() < 0.9, "{:?}", r.summary);
}
