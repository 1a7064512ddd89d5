//! Every shipped model loads and runs to its end, so examples never rot.

use crate::support::{root, run};

#[test]
fn every_model_file_loads_and_runs() {
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("models")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with('#'), "{} opens with a comment saying what it models", path.display());
        let loaded = outage_sim::scenario::load_model(&path, &[])
            .unwrap_or_else(|e| panic!("{} is invalid: {e}", path.display()));
        let result = run(&loaded.model);
        assert!(result.summary.requests > 0, "{}", path.display());
        assert_eq!(result.summary.status, outage_sim::metrics::Status::Ok, "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 5, "found {seen} models");
}

/// Every experiment file (experiments/ and its sub-folders) loads, expands
/// and validates; the first job of each variant runs briefly.
#[test]
fn every_experiment_file_loads_and_runs() {
    let mut pending = vec![root().join("experiments")];
    let mut seen = 0;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.starts_with('#'), "{} opens with a comment", path.display());
            let experiment = outage_sim::scenario::load_experiment(&path)
                .unwrap_or_else(|e| panic!("{} is invalid: {e}", path.display()));
            let plan = outage_sim::sweep::expand(experiment, &[])
                .unwrap_or_else(|e| panic!("{} does not expand: {e}", path.display()));
            for variant in 0..plan.experiment.variants.len() {
                let job = plan.jobs.iter().find(|j| j.variant == variant).unwrap();
                let mut model = job.model.clone();
                model.run.duration = outage_sim::engine::SimTime::from_secs(3.0);
                model.run.warmup = outage_sim::engine::SimTime::from_secs(1.0);
                assert!(run(&model).summary.requests > 0, "{}", path.display());
            }
            seen += 1;
        }
    }
    assert!(seen >= 2, "found {seen} experiments");
}
