//! Page fan-out: a user request reads K keys in parallel and answers when
//! the slowest does. With independent parts, P(page ≤ t) = P(part ≤ t)^K.

use crate::support::{assert_rel, model, run};

/// Every part misses (a one-entry cache over 10⁵ uniform keys) and reads
/// a database of unlimited connections at exponential 10 ms: parts are
/// independent exponentials, so the page's q-quantile is
/// −10 ms · ln(1 − q^{1/K}).
const FANOUT: &str = r#"
[run]
duration_s = 400.0
warmup_s = 10.0
[workload]
keys = 100000
popularity = "uniform"
read_fraction = 1.0
fanout = 4
[clients]
rate_rps = 500.0
max_attempts = 1
[cache]
capacity = 1
lookup = { dist = "deterministic", mean_ms = 0.0 }
[db]
servers = 100000
read = { dist = "exponential", mean_ms = 10.0 }
"#;

#[test]
fn a_page_of_k_independent_parts_is_as_slow_as_the_slowest() {
    for k in [1u32, 4, 16] {
        let s = run(&model(FANOUT, &[format!("workload.fanout={k}")])).summary;
        let quantile = |q: f64| -10.0 * (1.0 - q.powf(1.0 / f64::from(k))).ln();
        // ± 3 %: 190 000 pages, a histogram of 3 significant digits.
        assert_rel(&format!("K = {k}: p50 [ms]"), s.p50_ms.unwrap(), quantile(0.5), 0.03);
        assert_rel(&format!("K = {k}: p99 [ms]"), s.p99_ms.unwrap(), quantile(0.99), 0.03);
        assert_rel(
            &format!("K = {k}: lookups per page"),
            s.lookups as f64 / s.requests as f64,
            f64::from(k),
            0.01,
        );
    }
}

/// A failed part fails the page: with the cache down and no fail-open,
/// every part fails, and the page is retried as a whole.
#[test]
fn a_failed_part_fails_the_page() {
    let text = format!("{FANOUT}[[faults]]\nkind = \"cache-down\"\nat_s = 0.0\nduration_s = 400.0\n");
    let s = run(&model(&text, &["cache.fail_open=false".into(), "clients.max_attempts=2".into()])).summary;
    assert_eq!(s.successes, 0);
    assert_eq!(s.cache_down_errors, s.errors);
    assert!((s.attempts_per_request.unwrap() - 2.0).abs() < 1e-9, "every page retried once");
}
