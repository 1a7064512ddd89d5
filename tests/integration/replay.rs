//! Replaying the day: measured rate series, configuration changes at run
//! time, real access logs, and fitting a model to a log.

use std::fs;

use outage_sim::scenario::load_model_text;

use crate::support::{model, run};

/// A rate file's arrivals follow it window by window: each window's count
/// is Poisson with the mean the series integrates to there (linear between
/// points, times the schedule's spike on top), so it lies within 4.5 sd of
/// that mean (a false alarm over 24 windows at < 2·10⁻⁴), and the total
/// within 3 sd.
#[test]
fn a_rate_files_arrivals_follow_it() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("day.csv"), "t_s,rate_rps\n0,100\n60,400\n120,400\n180,100\n240,100\n")
        .unwrap();
    let text = r#"
        [run]
        duration_s = 240.0
        warmup_s = 0.0
        window_s = 10.0
        [workload]
        keys = 1000
        [clients]
        rate_file = "day.csv"
        rate_scale = 2.0
        [[clients.schedule]]
        at_s = 200.0
        until_s = 220.0
        multiplier = 3.0
    "#;
    let path = dir.path().join("m.toml");
    let model = load_model_text(&path, text, &[]).unwrap().model;
    let r = run(&model);
    let rate = |t: f64| {
        let base = if t < 60.0 {
            100.0 + 5.0 * t
        } else if t < 120.0 {
            400.0
        } else if t < 180.0 {
            400.0 - 5.0 * (t - 120.0)
        } else {
            100.0
        };
        2.0 * base * if (200.0..220.0).contains(&t) { 3.0 } else { 1.0 }
    };
    let (mut total, mut expected) = (0.0, 0.0);
    for w in &r.windows {
        // Linear within a window: the midpoint rule is exact.
        let mean = rate(w.t_s + 5.0) * 10.0;
        let got = w.requests as f64;
        assert!(
            (got - mean).abs() < 4.5 * mean.sqrt(),
            "window at {} s: {got} arrivals, expected {mean}",
            w.t_s
        );
        total += got;
        expected += mean;
    }
    assert!((total - expected).abs() < 3.0 * expected.sqrt(), "{total} arrivals, expected {expected}");
    eprintln!("rate file: {total} arrivals over 24 windows, expected {expected}");
}

/// A Prometheus `query_range` answer is a rate file too; more than one
/// series is a located error naming the count.
#[test]
fn prometheus_json_is_a_rate_file() {
    let dir = tempfile::tempdir().unwrap();
    let one = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1687251600,"500"],[1687251660,"500"],[1687251720,"500"]]}]}}"#;
    fs::write(dir.path().join("p.json"), one).unwrap();
    let text = "[run]\nduration_s = 100.0\nwarmup_s = 0.0\n[clients]\nrate_file = \"p.json\"\n";
    let m = load_model_text(&dir.path().join("m.toml"), text, &[]).unwrap().model;
    let requests = run(&m).summary.requests as f64;
    assert!((requests - 50_000.0).abs() < 4.0 * 50_000f64.sqrt(), "{requests}");
    let two = one.replace("]]}]}}", "]]},{\"metric\":{},\"values\":[[1,\"1\"],[2,\"1\"]]}]}}");
    fs::write(dir.path().join("p.json"), two).unwrap();
    let e = load_model_text(&dir.path().join("m.toml"), text, &[]).unwrap_err().to_string();
    assert!(
        e.contains("m.toml:5:") && e.contains("clients.rate_file") && e.contains("holds 2 series"),
        "{e}"
    );
}
