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
        assert!(
            text.starts_with('#'),
            "{} opens with a comment saying what it models",
            path.display()
        );
        let loaded = outage_sim::scenario::load_model(&path, &[])
            .unwrap_or_else(|e| panic!("{} is invalid: {e}", path.display()));
        let result = run(&loaded.model);
        assert!(result.summary.requests > 0, "{}", path.display());
        assert_eq!(
            result.summary.status,
            outage_sim::metrics::Status::Ok,
            "{}",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 5, "found {seen} models");
}
