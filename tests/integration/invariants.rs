//! Invariants that hold for any model: every request ends exactly once,
//! Little's law on the database queue, ratios within [0, 1], windows that
//! add up to the run.

use crate::support::model;

/// A busy model that exercises every path: cache hits and misses, writes
/// and invalidations, queueing, rejections, timeouts and retries.
const BUSY: &str = r#"
    [run]
    duration_s = 400.0
    warmup_s = 0.0
    window_s = 1.0
    [workload]
    keys = 1000
    zipf_s = 0.8
    read_fraction = 0.9
    [clients]
    rate_rps = 1500.0
    timeout_ms = 60.0
    max_attempts = 3
    [cache]
    capacity = 100
    ttl_s = 5.0
    servers = 4
    lookup = { dist = "exponential", mean_ms = 0.5 }
    [db]
    servers = 8
    queue_limit = 20
    read = { dist = "exponential", mean_ms = 10.0 }
    write = { dist = "gamma", mean_ms = 12.0, cv = 0.5 }
"#;

#[test]
fn every_request_ends_exactly_once() {
    let r = crate::support::run(&model(BUSY, &[]));
    let s = &r.summary;
    eprintln!("{s:?}");
    assert!(s.timeouts > 0 && s.rejected > 0 && s.hits > 0, "the model exercises every path");
    assert_eq!(s.requests, s.successes + s.errors + s.unfinished);
    assert_eq!(s.errors, s.timeouts + s.rejected + s.cache_down_errors);
    assert!(s.attempts >= s.requests && s.attempts <= 3 * s.requests);
    // With no warm-up, the windows see every arrival and every outcome.
    let sum = |f: fn(&outage_sim::metrics::WindowRow) -> u64| r.windows.iter().map(f).sum::<u64>();
    assert_eq!(sum(|w| w.requests), s.requests);
    assert_eq!(sum(|w| w.successes), s.successes);
    assert_eq!(sum(|w| w.errors), s.errors);
    assert_eq!(sum(|w| w.attempts), s.attempts);
    assert_eq!(r.windows.len(), 400);
}

/// Little's law L = λW on the database's waiting line: the time-averaged
/// queue length equals the admission rate times the mean wait. Both sides
/// are measured independently (a level integral vs per-job waits); only
/// the jobs still waiting at the end separate them, so 2 % is generous.
#[test]
fn littles_law_holds_on_the_database_queue() {
    let s = crate::support::run(&model(BUSY, &[])).summary;
    let lambda = s.db_jobs as f64 / s.measured_s;
    let w_s = s.db_wait_mean_ms.unwrap() / 1e3;
    let l = s.db_queue_mean;
    eprintln!("L = {l}, λW = {}", lambda * w_s);
    assert!(l > 1.0, "the queue is busy enough to test");
    assert!((l / (lambda * w_s) - 1.0).abs() < 0.02, "L = {l}, λW = {}", lambda * w_s);
}

#[test]
fn ratios_and_levels_stay_in_range() {
    let r = crate::support::run(&model(BUSY, &["run.warmup_s=20".into()]));
    let unit = |v: Option<f64>| v.is_none_or(|v| (0.0..=1.0).contains(&v));
    let s = &r.summary;
    assert!(unit(s.hit_ratio) && unit(s.stale_ratio) && unit(s.error_rate) && unit(s.db_wait_share));
    assert!((0.0..=1.0).contains(&s.db_utilization));
    for w in &r.windows {
        assert!(unit(w.hit_ratio) && unit(w.stale_ratio) && unit(w.error_rate), "{w:?}");
        assert!((0.0..=1.0 + 1e-12).contains(&w.db_utilization), "{w:?}");
        assert!(w.db_queue <= 20.0 + 1e-9, "the queue limit bounds the queue: {w:?}");
        assert!(w.p50_ms <= w.p90_ms && w.p90_ms <= w.p99_ms && w.p99_ms <= w.max_ms, "{w:?}");
    }
    let times: Vec<f64> = r.windows.iter().map(|w| w.t_s).collect();
    assert!(times.windows(2).all(|t| t[1] > t[0]), "windows move forward in time");
}

/// The guard: a model whose queue grows without bound stops with status
/// `diverged` instead of eating memory.
#[test]
fn a_runaway_model_stops_as_diverged() {
    let text = r#"
        [run]
        duration_s = 1000.0
        max_in_flight = 10000
        [clients]
        rate_rps = 5000.0
        [cache]
        capacity = 0
        [db]
        servers = 1
        read = { dist = "exponential", mean_ms = 10.0 }
    "#;
    let s = crate::support::run(&model(text, &[])).summary;
    assert_eq!(s.status, outage_sim::metrics::Status::Diverged);
    assert!(s.end_s < 10.0, "stopped early, at {} s", s.end_s);
    assert!(s.in_flight_max <= 10_000);
    let reason = s.diverged_reason.expect("a diverged run says why");
    assert!(reason.contains("run.max_in_flight") && reason.contains("db.queue_limit"), "{reason}");
}

/// At 100× the database's capacity with no timeout and an unbounded queue,
/// the default guard ends the run within seconds of wall time (≈ 0.3 s and
/// ≈ 105 MB peak measured) and says which queue grew.
#[test]
fn a_model_at_a_hundred_times_capacity_ends_promptly() {
    let text = r#"
        [run]
        duration_s = 3600.0
        [clients]
        rate_rps = 10000.0
        [cache]
        capacity = 0
        [db]
        servers = 1
        read = { dist = "exponential", mean_ms = 10.0 }
        write = { dist = "exponential", mean_ms = 10.0 }
    "#;
    let started = std::time::Instant::now();
    let s = crate::support::run(&model(text, &[])).summary;
    assert!(started.elapsed().as_secs_f64() < 10.0, "took {:?}", started.elapsed());
    assert_eq!(s.status, outage_sim::metrics::Status::Diverged);
    assert!(s.in_flight_max <= 1_000_000, "the guard bounds memory: {}", s.in_flight_max);
    assert!(s.diverged_reason.expect("a reason").contains("clients.timeout_ms"));
}

/// The event guard stops a run that would otherwise go on far longer than
/// asked for, and says which guard fired.
#[test]
fn the_event_guard_stops_a_long_run() {
    let text = r#"
        [run]
        duration_s = 1000.0
        max_events = 50000
        [clients]
        rate_rps = 1000.0
        [db]
        read = { dist = "exponential", mean_ms = 1.0 }
    "#;
    let s = crate::support::run(&model(text, &[])).summary;
    assert_eq!(s.status, outage_sim::metrics::Status::Diverged);
    assert!(s.events >= 50_000 && s.events < 60_000, "stopped near the guard: {} events", s.events);
    assert!(s.diverged_reason.expect("a reason").contains("run.max_events"));
}
