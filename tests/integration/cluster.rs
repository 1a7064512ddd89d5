//! The cache tier as a cluster (VALIDATION.md, *Topology*): where keys
//! live, what losing a node moves, and capacity in bytes.

use outage_sim::metrics::{NodeRow, Tier};
use outage_sim::stack::{Placement, RunResult};

use crate::support::{assert_abs, model, run};

/// Lookups (hits + misses) per cache node, over the rows from `from_s`
/// until before `to_s`.
fn lookups_per_node(nodes: &[NodeRow], from_s: f64, to_s: f64) -> Vec<u64> {
    let mut per = Vec::new();
    for r in nodes.iter().filter(|r| r.tier != Tier::Db && r.t_s >= from_s && r.t_s < to_s) {
        let n = usize::from(r.node);
        per.resize(per.len().max(n + 1), 0);
        per[n] += r.hits.unwrap_or(0) + r.misses.unwrap_or(0);
    }
    per
}

fn misses_between(result: &RunResult, from_s: f64, to_s: f64) -> u64 {
    let rows = result.nodes.iter().filter(|r| r.tier != Tier::Db && r.t_s >= from_s && r.t_s < to_s);
    rows.map(|r| r.misses.unwrap_or(0)).sum()
}

/// A node's share of the requests is Σ p_i over the keys it owns: the
/// simulated share of 4·10⁵ lookups per node against the ring, key by key,
/// under Zipf 0.9 (binomial σ ≈ 0.0007; tolerance 0.004).
#[test]
fn a_nodes_request_share_is_the_popularity_of_the_keys_it_owns() {
    let text = r#"
[run]
duration_s = 21.0
warmup_s = 1.0
window_s = 1.0
[workload]
keys = 20000
zipf_s = 0.9
read_fraction = 1.0
[clients]
rate_rps = 20000.0
[cache]
nodes = 4
capacity = 2000
lookup = { dist = "deterministic", mean_ms = 0.0 }
[db]
servers = 64
read = { dist = "exponential", mean_ms = 1.0 }
"#;
    let m = model(text, &[]);
    let result = run(&m);
    let placement = Placement::new(m.cache.cluster, m.workload.keys);
    let expected = placement.request_shares(&m.workload.probabilities());
    let per = lookups_per_node(&result.nodes, 1.0, 21.0);
    let total: u64 = per.iter().sum();
    assert!(total > 390_000, "{total} lookups");
    for (node, (&got, want)) in per.iter().zip(&expected).enumerate() {
        assert_abs(&format!("node {node}'s request share"), got as f64 / total as f64, *want, 0.004);
    }
    let hottest = expected.iter().cloned().fold(0.0, f64::max);
    assert_abs("hottest_node_share", result.summary.hottest_node_share.unwrap(), hottest, 0.004);
    // Zipf's hottest key alone is ≈ 10 % of requests: the tier is not even.
    assert!(hottest > 0.27, "the node with key 0 is hot: {hottest}");
}

/// VALIDATION.md K1 in a run: 4 nodes, uniform keys, every key cached
/// (warm start), node 3 lost. Each key whose owner changed misses exactly
/// once at its new owner, then hits; so the misses after the loss count
/// the keys that moved (each key is asked for ≈ 60 times after it, and the
/// database answers in 1 µs, so a second miss of a key is ≈ 10⁻⁴ likely).
fn moved_share(hashing: &str) -> f64 {
    let text = format!(
        r#"
[run]
duration_s = 12.0
warmup_s = 1.0
window_s = 1.0
[workload]
keys = 4000
popularity = "uniform"
read_fraction = 1.0
[clients]
rate_rps = 40000.0
[cache]
nodes = 4
hashing = "{hashing}"
capacity = 4000
warm_start = true
lookup = {{ dist = "deterministic", mean_ms = 0.0 }}
[db]
servers = 64
read = {{ dist = "deterministic", mean_ms = 0.001 }}
[[faults]]
kind = "cache-down"
node = 3
at_s = 4.0
duration_s = 100.0
"#
    );
    let result = run(&model(&text, &[]));
    assert_eq!(misses_between(&result, 0.0, 4.0), 0, "{hashing}: a warm cache holding every key");
    assert_eq!(result.summary.cache_nodes_lost, 1);
    // A node that is down still counts its lookups — as misses — but
    // rehashing sends it none.
    let per = lookups_per_node(&result.nodes, 5.0, 12.0);
    assert_eq!(per[3], 0, "{hashing}: nothing is sent to the lost node");
    misses_between(&result, 4.0, 12.0) as f64 / 4000.0
}

#[test]
fn k1_losing_one_of_four_nodes_moves_a_quarter_of_keys_with_consistent_hashing_and_three_quarters_with_modulo()
 {
    assert_abs("K1 consistent: share of keys moved", moved_share("consistent"), 0.25, 0.03);
    assert_abs("K1 modulo: share of keys moved", moved_share("modulo"), 0.75, 0.01);
    assert_abs("K1 rendezvous: share of keys moved", moved_share("rendezvous"), 0.25, 0.03);
}

/// Items all of b bytes in nodes of M bytes behave hit for hit like nodes
/// of ⌊M/b⌋ entries, under every policy, with TTLs, deletes on write and
/// a node lost: every summary figure and every node row agree, bytes
/// apart (exactly b per entry).
#[test]
fn equal_sizes_in_bytes_are_a_count_capacity_hit_for_hit() {
    let base = r#"
[run]
duration_s = 20.0
warmup_s = 2.0
window_s = 2.0
[workload]
keys = 5000
zipf_s = 0.8
read_fraction = 0.95
[clients]
rate_rps = 5000.0
[cache]
nodes = 3
ttl_s = 5.0
ttl_jitter = 0.2
warm_start = true
[db]
servers = 32
read = { dist = "exponential", mean_ms = 2.0 }
[[faults]]
kind = "cache-down"
node = 1
at_s = 8.0
duration_s = 4.0
"#;
    for policy in ["lru", "fifo", "random", "lfu", "sieve", "s3fifo", "none"] {
        let eviction = format!("cache.eviction=\"{policy}\"");
        let count = run(&model(base, &[eviction.clone(), "cache.capacity=400".into()]));
        // 400 items of 100 B: 40 000 B = 40000/2^20 MiB, exact in binary.
        let bytes = run(&model(
            base,
            &[
                eviction,
                "cache.memory_mb=0.03814697265625".into(),
                "workload.size={ dist = \"deterministic\", mean_bytes = 100.0 }".into(),
            ],
        ));
        assert_eq!(count.summary, bytes.summary, "{policy}: the summaries differ");
        assert!(count.summary.hits > 10_000 && count.summary.cache_evictions > 0 || policy == "none");
        assert_eq!(count.nodes.len(), bytes.nodes.len());
        for (a, b) in count.nodes.iter().zip(&bytes.nodes) {
            assert_eq!(NodeRow { bytes: None, ..b.clone() }, *a, "{policy}");
            if a.tier == Tier::Cache {
                assert_eq!(b.bytes, a.entries.map(|e| e * 100), "{policy}: 100 B an entry");
            }
        }
    }
}

/// Sized in bytes, a node holds what fits: the bytes held never pass the
/// node's memory, an item larger than a node is never stored, and with
/// lognormal sizes a node holds fewer entries than memory / mean size
/// would say when big items crowd it (LRU keeps the recent ones, big or
/// small).
#[test]
fn bytes_held_stay_within_memory_and_huge_items_are_not_stored() {
    let text = r#"
[run]
duration_s = 20.0
warmup_s = 2.0
window_s = 1.0
[workload]
keys = 20000
zipf_s = 0.7
read_fraction = 1.0
size = { dist = "lognormal", mean_bytes = 4096.0, cv = 3.0 }
[clients]
rate_rps = 5000.0
[cache]
nodes = 2
memory_mb = 4.0
[db]
servers = 32
read = { dist = "exponential", mean_ms = 1.0 }
"#;
    let result = run(&model(text, &[]));
    let memory = 4 * 1024 * 1024;
    let cache_rows: Vec<&NodeRow> = result.nodes.iter().filter(|r| r.tier == Tier::Cache).collect();
    assert!(cache_rows.iter().all(|r| r.bytes.unwrap() <= memory), "never over the node's memory");
    let last = &cache_rows[cache_rows.len() - 2..];
    for r in last {
        // Full: the next item rarely fits exactly, but the node is nearly full.
        assert!(r.bytes.unwrap() > memory * 9 / 10, "node {} holds {:?} B", r.node, r.bytes);
    }
    assert!(result.summary.cache_evictions > 0 && result.summary.hits > 0);
    // A 64 kB node cannot hold items that average 4 kB with cv 3 and a
    // tail far past 64 kB: they are turned away, the rest are stored.
    let tiny = run(&model(text, &["cache.memory_mb=0.0625".into()]));
    let rows = tiny.nodes.iter().filter(|r| r.tier == Tier::Cache);
    assert!(rows.clone().all(|r| r.bytes.unwrap() <= 65536));
    assert!(tiny.summary.fills < tiny.summary.lookups - tiny.summary.hits, "some misses stored nothing");
}

/// With a gutter pool, a lost node's keys go to the gutter, where entries
/// live `gutter_ttl_s`; the other nodes keep theirs. With `miss`, its
/// keys read the database and fill nothing until it returns — and it
/// returns empty, so its keys miss once more.
#[test]
fn gutter_absorbs_a_lost_node_and_miss_sends_its_keys_to_the_database() {
    let text = r#"
[run]
duration_s = 30.0
warmup_s = 2.0
window_s = 1.0
[workload]
keys = 2000
popularity = "uniform"
read_fraction = 1.0
[clients]
rate_rps = 8000.0
[cache]
nodes = 4
capacity = 2000
warm_start = true
lookup = { dist = "deterministic", mean_ms = 0.0 }
[db]
servers = 64
read = { dist = "deterministic", mean_ms = 0.01 }
[[faults]]
kind = "cache-down"
node = 2
at_s = 10.0
duration_s = 10.0
"#;
    let gutter =
        run(&model(text, &["cache.on_node_loss=\"gutter\"".into(), "cache.gutter_ttl_s=2.0".into()]));
    let per = lookups_per_node(&gutter.nodes, 11.0, 20.0);
    assert_eq!(per.len(), 5, "four owners and a gutter node");
    assert_eq!(per[2], 0);
    let share = per[4] as f64 / per.iter().sum::<u64>() as f64;
    let lost: Vec<u32> = {
        let m = model(text, &["cache.on_node_loss=\"gutter\"".into()]);
        let p = Placement::new(m.cache.cluster, m.workload.keys);
        (0..2000).filter(|&k| p.owner(k) == 2).collect()
    };
    let want = lost.len() as f64 / 2000.0;
    assert_abs("the gutter's share while node 2 is down", share, want, 0.01);
    // Each lost key misses at the gutter once per 2 s TTL: of ≈ 8 reads a
    // key per 2 s (2000 keys at 8000/s), 1 misses.
    let g = gutter.summary.gutter_hit_ratio.expect("a gutter pool");
    eprintln!("gutter hit ratio {g}");
    assert!((0.80..0.93).contains(&g), "gutter hit ratio {g}");
    let rows = gutter.nodes.iter().filter(|r| r.tier == Tier::Gutter);
    assert!(rows.clone().all(|r| r.t_s < 10.0 || r.t_s >= 20.0 || r.misses.unwrap() > 0));
    // After the node returns, the gutter is asked nothing.
    assert_eq!(lookups_per_node(&gutter.nodes, 21.0, 30.0)[4], 0);

    let miss = run(&model(text, &["cache.on_node_loss=\"miss\"".into()]));
    let per = lookups_per_node(&miss.nodes, 11.0, 20.0);
    let misses_lost: u64 = miss
        .nodes
        .iter()
        .filter(|r| r.tier == Tier::Cache && r.node == 2 && r.t_s >= 11.0 && r.t_s < 20.0)
        .map(|r| r.misses.unwrap())
        .sum();
    assert_eq!(misses_lost, per[2], "every lookup of the lost node's keys misses");
    assert_abs(
        "the lost node's share of lookups",
        per[2] as f64 / per.iter().sum::<u64>() as f64,
        want,
        0.01,
    );
    // It returns empty: its keys miss once each, then hit.
    let after = miss.nodes.iter().filter(|r| r.node == 2 && r.tier == Tier::Cache && r.t_s >= 20.0);
    let refill: u64 = after.map(|r| r.misses.unwrap()).sum();
    assert!((lost.len() as u64..lost.len() as u64 + 20).contains(&refill), "refill misses {refill}");
}

/// One node, with the cluster keys at their defaults, is the single cache:
/// the summary and node rows are those of the model without them.
#[test]
fn one_node_with_the_cluster_keys_is_the_single_cache() {
    let text = r#"
[run]
duration_s = 20.0
warmup_s = 2.0
[workload]
keys = 5000
[clients]
rate_rps = 3000.0
[cache]
capacity = 500
warm_start = true
ttl_s = 4.0
[[faults]]
kind = "cache-down"
at_s = 10.0
duration_s = 2.0
"#;
    let plain = run(&model(text, &[]));
    let named = run(&model(
        text,
        &[
            "cache.nodes=1".into(),
            "cache.hashing=\"modulo\"".into(),
            "cache.vnodes=10".into(),
            "cache.on_node_loss=\"rehash\"".into(),
        ],
    ));
    assert_eq!(plain.summary, named.summary);
    assert_eq!(plain.nodes, named.nodes);
    assert_eq!(plain.summary.hottest_node_share, Some(1.0));
    assert_eq!(plain.summary.gutter_hit_ratio, None);
}

/// Hot-key replication: the `hot_keys` most popular keys live on
/// `hot_key_replicas` nodes, reads spread uniformly over the copies, so
/// each copy takes p/R of a hot key's reads — the node shares follow, key
/// by key (tolerance 0.004, binomial σ ≈ 0.0008) — and the hottest node
/// cools. A write's delete reaches every copy: with a database that
/// answers at once no copy ever serves an old version.
#[test]
fn hot_key_copies_spread_the_hottest_keys_and_every_copy_is_invalidated() {
    let text = r#"
[run]
duration_s = 11.0
warmup_s = 1.0
window_s = 1.0
[workload]
keys = 10000
zipf_s = 1.1
read_fraction = 0.97
[clients]
rate_rps = 30000.0
[cache]
nodes = 4
capacity = 10000
invalidation = "delete"
lookup = { dist = "deterministic", mean_ms = 0.0 }
[db]
servers = 64
read = { dist = "deterministic", mean_ms = 0.0 }
write = { dist = "deterministic", mean_ms = 0.0 }
"#;
    let plain_model = model(text, &[]);
    let plain = run(&plain_model);
    let copies = ["cache.hot_keys=20".to_owned(), "cache.hot_key_replicas=4".to_owned()];
    let m = model(text, &copies);
    let spread = run(&m);
    let placement = Placement::new(m.cache.cluster, m.workload.keys);
    let p = m.workload.probabilities();
    let mut want = vec![0.0; 4];
    for (k, &pk) in p.iter().enumerate() {
        let k = k as u32;
        if k < placement.hot_keys() {
            for &n in placement.copies(k) {
                want[usize::from(n)] += pk / 4.0;
            }
        } else {
            want[usize::from(placement.owner(k))] += pk;
        }
    }
    // Reads only reach the cache: shares among reads are the key shares.
    let per = lookups_per_node(&spread.nodes, 1.0, 11.0);
    let total: u64 = per.iter().sum();
    for (node, (&got, w)) in per.iter().zip(&want).enumerate() {
        assert_abs(&format!("node {node}'s share with hot copies"), got as f64 / total as f64, *w, 0.004);
    }
    let (before, after) =
        (plain.summary.hottest_node_share.unwrap(), spread.summary.hottest_node_share.unwrap());
    eprintln!("hottest node share: {before:.3} without copies, {after:.3} with 4 copies of 20 keys");
    assert!(after < before - 0.05, "{before} → {after}");
    assert_eq!(spread.summary.stale_reads, 0, "every copy is invalidated");
    assert!(spread.summary.invalidations > plain.summary.invalidations, "one per copy");
}
