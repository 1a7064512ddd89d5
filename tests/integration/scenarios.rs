//! Every shipped model loads and runs (briefly), so examples never rot.

use crate::support::{model, root};

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
        let short = [
            "run.duration_s=10".to_string(),
            "run.warmup_s=2".to_string(),
        ];
        let result = crate::support::run(&model(&text, &short));
        assert!(result.summary.requests > 0, "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 1);
}
