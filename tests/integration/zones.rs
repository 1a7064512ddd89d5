//! Zones: app instances, cache nodes and database nodes are placed round
//! robin over `topology.zones`; `zone-down` takes every component of a
//! zone at once. A review's N+1 question: sized so that the tier survives
//! losing a zone, the SLO holds through the loss; sized for exactly the
//! load, it does not.

use outage_sim::metrics::Tier;

use crate::support::{model, run};

/// 60 erlangs of app work (6 000/s × 10 ms) over 3 zones, one instance
/// and one cache node in each; zone 1 lost for 60 s. N+1: 3 × 40 workers
/// (80 left, ρ = 0.75); N: 3 × 25 (50 left, less than the load).
const ZONES: &str = r#"
[run]
duration_s = 300.0
warmup_s = 10.0
window_s = 5.0
[workload]
keys = 3000
read_fraction = 1.0
[clients]
rate_rps = 6000.0
timeout_ms = 1000.0
max_attempts = 3
backoff_base_ms = 5.0
[cache]
nodes = 3
capacity = 1000
warm_start = true
ttl_s = 1e7
lookup = { dist = "deterministic", mean_ms = 0.2 }
[db]
servers = 64
read = { dist = "exponential", mean_ms = 2.0 }
[app]
instances = 3
workers = 40
queue_limit = 40
work = { dist = "exponential", mean_ms = 10.0 }
health_check_s = 2.0
[topology]
zones = 3
[[faults]]
kind = "zone-down"
zone = 1
at_s = 120.0
duration_s = 60.0
"#;

/// The model's SLO (the defaults): ≤ 1 % errors and a p99 of every
/// request (failures slower than any success) within 500 ms.
fn holds_slo(s: &outage_sim::metrics::Summary) -> bool {
    s.error_rate.unwrap() <= 0.01 && s.user_p99_ms.unwrap() <= 500.0
}

#[test]
fn a_zone_loss_holds_the_slo_with_n_plus_one_sizing_and_breaks_it_with_n() {
    let spare = run(&model(ZONES, &[]));
    let s = &spare.summary;
    assert!(
        holds_slo(s),
        "N+1 rides out the zone loss: error rate {:?} p99 {:?}",
        s.error_rate,
        s.user_p99_ms
    );
    assert_eq!(s.cache_nodes_lost, 1, "the zone's cache node went with it");
    let zone_of =
        |tier: Tier, node: u16| spare.nodes.iter().find(|n| n.tier == tier && n.node == node).unwrap().zone;
    assert_eq!((zone_of(Tier::App, 1), zone_of(Tier::Cache, 1), zone_of(Tier::Db, 0)), (1, 1, 0));
    let lost = |t: f64| {
        let row = spare.nodes.iter().find(|n| n.tier == Tier::App && n.node == 1 && n.t_s == t).unwrap();
        row.utilization.unwrap()
    };
    assert!(lost(110.0) > 0.3 && lost(150.0) == 0.0, "instance 1 is down with its zone");
    let tight = run(&model(ZONES, &["app.workers=25".into(), "app.queue_limit=25".into()]));
    let t = &tight.summary;
    eprintln!(
        "zone loss: N+1 error rate {:?} p99 {:?} ms; N error rate {:?} p99 {:?} ms",
        s.error_rate, s.user_p99_ms, t.error_rate, t.user_p99_ms
    );
    assert!(!holds_slo(t), "N sizing breaks the SLO in the loss: error rate {:?}", t.error_rate);
    let during = tight.windows.iter().find(|w| w.t_s == 150.0).unwrap();
    assert!(during.error_rate.unwrap() > 0.05, "{:?}", during.error_rate);
    let after = tight.windows.iter().find(|w| w.t_s == 250.0).unwrap();
    assert_eq!(after.errors, 0, "and recovers when the zone returns");
}
