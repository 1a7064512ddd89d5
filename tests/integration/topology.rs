//! The topology's per-component telemetry: a tier's columns in
//! `timeseries.csv` are the sums over its nodes in `nodes.csv`, so with one
//! node of each they must agree exactly (same integrals, same counts).

use outage_sim::metrics::Tier;

use crate::support::{model, run};

/// A cache with limited lookup servers (so it has a utilisation), a cache
/// flush and a database slowdown: every column moves.
const MODEL: &str = r#"
[run]
duration_s = 60.0
warmup_s = 5.0
window_s = 5.0
[workload]
keys = 5000
read_fraction = 0.9
[clients]
rate_rps = 2000.0
[cache]
capacity = 1000
servers = 2
lookup = { dist = "exponential", mean_ms = 0.2 }
[db]
servers = 8
read = { dist = "exponential", mean_ms = 2.0 }
write = { dist = "exponential", mean_ms = 4.0 }
[[faults]]
kind = "cache-flush"
at_s = 20.0
[[faults]]
kind = "db-slowdown"
at_s = 30.0
duration_s = 10.0
factor = 3.0
"#;

#[test]
fn one_node_of_each_tier_reports_what_the_tier_reports() {
    let result = run(&model(MODEL, &[]));
    let windows = &result.windows;
    assert_eq!(result.nodes.len(), 2 * windows.len(), "one row per window per component");
    for (w, rows) in windows.iter().zip(result.nodes.chunks(2)) {
        let (cache, db) = (&rows[0], &rows[1]);
        assert_eq!((cache.tier, cache.node, db.tier, db.node), (Tier::Cache, 0, Tier::Db, 0));
        assert_eq!((cache.t_s, db.t_s), (w.t_s, w.t_s));
        // Exact: the same integrals divided by the same numbers.
        assert_eq!(db.utilization, Some(w.db_utilization), "at {} s", w.t_s);
        assert_eq!(db.queue, w.db_queue);
        assert_eq!(cache.utilization, w.cache_utilization);
        assert_eq!(cache.queue, w.cache_queue);
        assert_eq!(cache.entries, Some(w.cache_entries));
        let (hits, misses) = (cache.hits.unwrap(), cache.misses.unwrap());
        let node_ratio = (hits + misses > 0).then(|| hits as f64 / (hits + misses) as f64);
        assert_eq!(node_ratio, w.hit_ratio, "at {} s", w.t_s);
        assert_eq!((db.entries, db.hits, db.misses), (None, None, None));
    }
    let flushed = windows.iter().position(|w| w.t_s == 20.0).unwrap();
    let misses = |i: usize| result.nodes[2 * i].misses.unwrap();
    // The refill costs about a cache of misses, the hottest keys first: a
    // few hundred here, against a steady ±60 (Poisson, 3 500).
    let (before, at, after) = (misses(flushed - 1), misses(flushed), misses(flushed + 1));
    assert!(at > before + 200 && at > after + 200, "the flush shows: {before}, {at}, {after}");
    let slow = windows.iter().position(|w| w.t_s == 30.0).unwrap();
    let busy = |i: usize| result.nodes[2 * i + 1].utilization.unwrap();
    assert!(busy(slow) > 2.0 * busy(slow - 2), "the slowdown shows: {} vs {}", busy(slow), busy(slow - 2));
    let summary = &result.summary;
    let node_lookups: u64 = result
        .nodes
        .iter()
        .filter(|r| r.t_s >= 5.0)
        .map(|r| r.hits.unwrap_or(0) + r.misses.unwrap_or(0))
        .sum();
    assert_eq!(node_lookups, summary.lookups, "every measured lookup is a node's");
}

/// A fault that names a node takes that node: with one node, exactly what
/// the whole tier's fault does (the label says which).
#[test]
fn a_fault_on_node_zero_is_the_tier_fault_of_a_one_node_tier() {
    let fault = "[[faults]]\nkind = \"cache-down\"\nat_s = 20.0\nduration_s = 10.0\n";
    let tier = model(&format!("{MODEL}{fault}"), &[]);
    let node = model(&format!("{MODEL}{fault}node = 0\n"), &[]);
    let (a, b) = (run(&tier), run(&node));
    assert_eq!(a.summary, b.summary);
    assert_eq!(a.nodes, b.nodes);
    assert!(a.summary.cache_down_errors > 0 || a.summary.hit_ratio < Some(0.9), "the fault bites");
    let labels: Vec<String> = node.disturbances().into_iter().map(|d| d.label).collect();
    assert!(labels.contains(&"cache-down node 0".to_owned()), "{labels:?}");
}
