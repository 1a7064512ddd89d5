//! The application tier (VALIDATION.md *Topology*, A1 and A2): instances
//! behind a balancer, each with workers held for a request's whole life
//! and an accept queue.

use outage_sim::metrics::Tier;

use crate::support::{assert_abs, assert_rel, mean_of, model, pooled, replications, run};

/// A1: 2 instances × 4 workers, queue_limit 4, λ = 600/s, work
/// exponential 10 ms, random balancer, cache and database time 0 (every
/// read hits an instant cache). Each instance sees Poisson 300/s: an
/// M/M/4/8 queue with ρ = 3, so P(reject) = p₈ = 0.04584 and the mean
/// time of an admitted request W = L / λ(1 − p₈) = 12.23 ms.
const A1: &str = r#"
[run]
duration_s = 1000.0
warmup_s = 20.0
[workload]
keys = 100
popularity = "uniform"
read_fraction = 1.0
[clients]
rate_rps = 600.0
max_attempts = 1
[cache]
capacity = 100
warm_start = true
lookup = { dist = "deterministic", mean_ms = 0.0 }
ttl_s = 1e7
[app]
instances = 2
workers = 4
queue_limit = 4
balancer = "random"
work = { dist = "exponential", mean_ms = 10.0 }
"#;

/// M/M/c/K: the state probabilities for offered load `a` = λ/μ.
fn mmck(a: f64, c: u32, k: u32) -> Vec<f64> {
    let mut p = vec![1.0];
    for n in 1..=k {
        let rate = f64::from(n.min(c));
        p.push(p[n as usize - 1] * a / rate);
    }
    let total: f64 = p.iter().sum();
    p.iter().map(|x| x / total).collect()
}

#[test]
fn a1_each_instance_behind_a_random_balancer_is_an_m_m_c_k_queue() {
    let p = mmck(3.0, 4, 8);
    let reject = p[8];
    let l: f64 = p.iter().enumerate().map(|(n, x)| n as f64 * x).sum();
    let w_ms = l / (300.0 * (1.0 - reject)) * 1e3;
    assert_abs("A1 reference P(reject)", reject, 0.04584, 5e-5);
    assert_abs("A1 reference W [ms]", w_ms, 12.23, 0.005);
    let runs = replications(A1, 1..4);
    let rejected = pooled(&runs, |s| s.rejected, |s| s.requests);
    assert_abs("A1 P(reject), 3 seeds pooled", rejected, reject, 0.005);
    assert_rel("A1 W of admitted requests [ms]", mean_of(&runs, |s| s.mean_ms.unwrap()), w_ms, 0.03);
    assert_rel(
        "A1 worker utilisation",
        mean_of(&runs, |s| s.app_utilization.unwrap()),
        300.0 * (1.0 - reject) / 400.0,
        0.02,
    );
}

/// A2: 10 instances × 20 workers in front of a cache that hits ≈ 90 % and
/// a database of 64 connections at 5 ms. The database slows ×10 for 30 s:
/// misses hold their workers ten times longer, the workers run out, the
/// accept queues fill and even requests whose key is in the cache are
/// turned away. When the database recovers, so does everything.
const A2: &str = r#"
[run]
duration_s = 120.0
warmup_s = 10.0
window_s = 5.0
[workload]
keys = 10000
popularity = "uniform"
read_fraction = 1.0
[clients]
rate_rps = 20000.0
timeout_ms = 500.0
max_attempts = 2
[cache]
capacity = 9000
warm_start = true
ttl_s = 1e7
lookup = { dist = "deterministic", mean_ms = 0.2 }
[db]
servers = 64
read = { dist = "exponential", mean_ms = 5.0 }
[app]
instances = 10
workers = 20
queue_limit = 50
work = { dist = "exponential", mean_ms = 1.0 }
[[faults]]
kind = "db-slowdown"
factor = 10.0
at_s = 40.0
duration_s = 30.0
"#;

#[test]
fn a2_a_slow_database_exhausts_the_workers_and_cache_hits_fail_too() {
    for seed in 1..4 {
        let result = run(&model(A2, &[format!("run.seed={seed}")]));
        let window = |t: f64| result.windows.iter().find(|w| w.t_s == t).expect("a window");
        for t in [20.0, 30.0, 35.0] {
            assert_eq!(window(t).errors, 0, "seed {seed}: healthy before the slowdown ({t} s)");
        }
        for t in [45.0, 55.0, 65.0] {
            let w = window(t);
            // Misses are ≈ 10 % of reads: failing more than that means
            // requests that would hit failed too — for want of a worker.
            assert!(w.error_rate.unwrap() > 0.3, "seed {seed}, {t} s: error rate {:?}", w.error_rate);
            assert!(w.rejected > 0, "seed {seed}, {t} s: the accept queues turn requests away");
        }
        let busy = result
            .nodes
            .iter()
            .filter(|n| n.tier == Tier::App && n.t_s == 55.0)
            .map(|n| n.utilization.unwrap())
            .fold(f64::INFINITY, f64::min);
        assert!(busy > 0.99, "seed {seed}: every instance's workers are all busy ({busy})");
        for t in [85.0, 100.0, 115.0] {
            assert_eq!(window(t).errors, 0, "seed {seed}: recovered at {t} s");
        }
    }
}

/// An instance that goes down fails what it held and what the balancer
/// still sends it until the next health check; then the others take all.
#[test]
fn the_balancer_sends_to_a_lost_instance_until_its_health_check() {
    let text = r#"
[run]
duration_s = 60.0
warmup_s = 5.0
window_s = 1.0
[workload]
keys = 100
read_fraction = 1.0
[clients]
rate_rps = 2000.0
max_attempts = 1
[cache]
capacity = 100
warm_start = true
ttl_s = 1e7
[app]
instances = 4
workers = 50
balancer = "round-robin"
health_check_s = 3.0
[[faults]]
kind = "app-down"
instance = 2
at_s = 20.0
duration_s = 20.0
"#;
    let result = run(&model(text, &[]));
    let window = |t: f64| result.windows.iter().find(|w| w.t_s == t).expect("a window");
    for t in [20.0, 21.0, 22.0] {
        assert_abs(&format!("a quarter fails at {t} s"), window(t).error_rate.unwrap(), 0.25, 0.02);
    }
    for t in [19.0, 23.0, 30.0, 39.0, 45.0] {
        assert_eq!(window(t).errors, 0, "{t} s");
    }
    assert_eq!(result.summary.app_down_errors, result.summary.errors);
    let instance_2 = |t: f64| {
        let row = result.nodes.iter().find(|n| n.tier == Tier::App && n.node == 2 && n.t_s == t);
        row.unwrap().utilization.unwrap()
    };
    assert!(instance_2(30.0) == 0.0 && instance_2(41.0) == 0.0, "out of rotation until 43 s");
    assert!(instance_2(45.0) > 0.0, "back after its health check");
}
