//! Helpers shared by the test modules.

use std::path::{Path, PathBuf};

use outage_sim::metrics::Summary;
use outage_sim::scenario::load_model_text;
use outage_sim::stack::{self, Model, RunResult};

/// A model from TOML text (defaults fill the rest), with `overrides`.
pub fn model(text: &str, overrides: &[String]) -> Model {
    load_model_text(Path::new("test.toml"), text, overrides)
        .unwrap_or_else(|e| panic!("test model is invalid: {e}"))
        .model
}

/// Runs `model`, which must not fail.
pub fn run(model: &Model) -> RunResult {
    stack::run(model).unwrap_or_else(|e| panic!("run failed: {e}"))
}

/// Runs `text` once per seed.
pub fn replications(text: &str, seeds: std::ops::Range<u64>) -> Vec<RunResult> {
    seeds.map(|seed| run(&model(text, &[format!("run.seed={seed}")]))).collect()
}

/// Mean over replications of a summary figure.
pub fn mean_of(runs: &[RunResult], figure: impl Fn(&Summary) -> f64) -> f64 {
    runs.iter().map(|r| figure(&r.summary)).sum::<f64>() / runs.len() as f64
}

/// Pooled ratio over replications: Σ part / Σ whole.
pub fn pooled(runs: &[RunResult], part: impl Fn(&Summary) -> u64, whole: impl Fn(&Summary) -> u64) -> f64 {
    let p: u64 = runs.iter().map(|r| part(&r.summary)).sum();
    let w: u64 = runs.iter().map(|r| whole(&r.summary)).sum();
    p as f64 / w as f64
}

/// Asserts `got` is within `rel` (relative) of `want`.
#[track_caller]
pub fn assert_rel(what: &str, got: f64, want: f64, rel: f64) {
    let err = (got - want).abs() / want.abs();
    assert!(
        err <= rel,
        "{what}: simulated {got:.6}, reference {want:.6}, error {:.2} % > {:.2} %",
        err * 100.0,
        rel * 100.0
    );
    eprintln!("{what}: simulated {got:.6}, reference {want:.6} ({:+.2} %)", (got / want - 1.0) * 100.0);
}

/// Asserts `got` is within `abs` of `want`.
#[track_caller]
pub fn assert_abs(what: &str, got: f64, want: f64, abs: f64) {
    assert!((got - want).abs() <= abs, "{what}: simulated {got:.6}, reference {want:.6}, |error| > {abs}");
    eprintln!("{what}: simulated {got:.6}, reference {want:.6} ({:+.5})", got - want);
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The built `outage-sim` binary.
pub fn cli() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("outage-sim").expect("the binary is built")
}
