//! Same model and seed → byte-identical output files; another seed →
//! different ones.

use std::fs;

use crate::support::{cli, root};

fn run_into(dir: &std::path::Path, seed: u64) -> (Vec<u8>, Vec<u8>) {
    cli()
        .args(["run", "models/webshop.toml", "--set", "run.duration_s=40", "--set", "run.warmup_s=5"])
        .args(["--seed", &seed.to_string(), "--out"])
        .arg(dir)
        .current_dir(root())
        .assert()
        .success();
    (fs::read(dir.join("summary.csv")).unwrap(), fs::read(dir.join("timeseries.csv")).unwrap())
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run_into(&tmp.path().join("a"), 7);
    let b = run_into(&tmp.path().join("b"), 7);
    let c = run_into(&tmp.path().join("c"), 8);
    assert_eq!(a, b, "same model and seed must give byte-identical files");
    assert_ne!(a.0, c.0, "another seed gives another summary");
    assert_ne!(a.1, c.1, "another seed gives another time series");
}

/// Common random numbers: the arrival and key streams do not depend on the
/// cache, so two cache configurations see exactly the same requests.
#[test]
fn cache_configuration_does_not_change_the_arrivals() {
    use crate::support::model;
    let base = "[run]\nduration_s = 30.0\nwarmup_s = 0.0\n";
    let a = crate::support::run(&model(base, &["cache.capacity=100".into()]));
    let b =
        crate::support::run(&model(base, &["cache.capacity=50000".into(), "cache.eviction=random".into()]));
    let arrivals =
        |r: &outage_sim::stack::RunResult| r.windows.iter().map(|w| w.requests).collect::<Vec<_>>();
    assert_eq!(arrivals(&a), arrivals(&b));
    assert_ne!(a.summary.hit_ratio, b.summary.hit_ratio);
}
