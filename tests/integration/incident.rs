//! The incident pair, over its full simulated hour: the misconfigured shop
//! goes down in the sale and stays down after it; the fixed shop rides it
//! out.

use crate::support::{root, run};
use outage_sim::metrics::Recovery;
use outage_sim::scenario::load_model;

const SALE_START_S: f64 = 600.0;
const SALE_END_S: f64 = 1800.0;

fn incident(name: &str) -> outage_sim::stack::RunResult {
    let path = root().join("models").join(name);
    run(&load_model(&path, &[]).unwrap().model)
}

#[test]
fn the_misconfigured_shop_goes_down_and_stays_down() {
    let r = incident("incident-2023-06-20.toml");
    let s = &r.summary;
    eprintln!("misconfigured: {s:?}");
    // A minute into the sale the backlog has built; from then on, to the
    // end of the hour, more than half of the requests fail.
    for w in r.windows.iter().filter(|w| w.t_s >= SALE_START_S + 60.0) {
        assert!(w.error_rate.unwrap() > 0.5, "window at {} s: {:?}", w.t_s, w.error_rate);
    }
    for w in r.windows.iter().filter(|w| w.t_s < SALE_START_S) {
        assert_eq!(w.errors, 0, "before the sale the stack serves comfortably: {w:?}");
    }
    assert!(!s.recovered, "the outage outlives the spike");
    assert_eq!(s.recovery, Recovery::NotRecovered, "healthy before the sale, not after it");
    // The user's view cannot look better during the outage: successes
    // alone (mostly cache hits) are fast, the users' p99 does not exist.
    let slo_ms = 500.0;
    assert!(s.good_ratio.unwrap() < 0.9, "good ratio {:?}", s.good_ratio);
    assert!(s.user_p99_ms.unwrap() > slo_ms, "user p99 {:?}", s.user_p99_ms);
    assert!(s.p99_ms.unwrap() < slo_ms, "p99 of successes {:?}", s.p99_ms);
    for w in r.windows.iter().filter(|w| w.t_s >= SALE_START_S + 60.0) {
        assert!(w.good_ratio.unwrap() < 0.6 && w.user_p99_ms.unwrap() > slo_ms, "{w:?}");
    }
    assert!(s.stale_ratio.unwrap() > 0.05);
    assert!(s.attempts_per_request.unwrap() > 2.0, "retries amplify the load");
    assert!(s.db_wasted_share.unwrap() > 0.5, "the database works for clients that left");
}

#[test]
fn the_fixed_shop_rides_out_the_same_sale() {
    let r = incident("incident-fixed.toml");
    let s = &r.summary;
    eprintln!("fixed: {s:?}");
    for w in r.windows.iter().filter(|w| w.t_s >= SALE_START_S && w.t_s < SALE_END_S) {
        assert!(w.error_rate.unwrap() < 0.01, "window at {} s: {:?}", w.t_s, w.error_rate);
        assert!(w.p99_ms.unwrap() <= 500.0, "window at {} s: p99 {:?}", w.t_s, w.p99_ms);
    }
    assert!(s.error_rate.unwrap() < 0.01);
    assert!(s.recovered && s.recovery_s.unwrap() <= 60.0, "recovers within a minute: {:?}", s.recovery_s);
    assert!(s.stale_ratio.unwrap() < 0.005);
    assert!(s.good_ratio.unwrap() > 0.99, "good ratio {:?}", s.good_ratio);
    assert!(s.user_p99_ms.unwrap() <= 500.0, "user p99 {:?}", s.user_p99_ms);
    assert_eq!(s.recovery, Recovery::Recovered);
}
