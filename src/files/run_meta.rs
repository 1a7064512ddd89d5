//! `run.json`: what a run's charts need beyond its CSV files — the model,
//! the seed, the warm-up, the SLO and the disturbances — so that `plot`
//! can redraw a timeline without running anything.

use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::stack::Model;

use super::manifest::write_json;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    pub model: String,
    pub seed: u64,
    pub duration_s: f64,
    pub warmup_s: f64,
    pub slo_p99_ms: f64,
    pub slo_error_rate: f64,
    pub disturbances: Vec<DisturbanceMeta>,
    /// Configuration changes, drawn as the faults are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<DisturbanceMeta>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisturbanceMeta {
    pub label: String,
    pub from_s: f64,
    pub to_s: f64,
}

impl RunMeta {
    pub fn of(model_name: &str, model: &Model) -> RunMeta {
        RunMeta {
            model: model_name.to_owned(),
            seed: model.run.seed,
            duration_s: model.run.duration.as_secs(),
            warmup_s: model.run.warmup.as_secs(),
            slo_p99_ms: model.slo.p99_ms,
            slo_error_rate: model.slo.error_rate,
            disturbances: model
                .disturbances()
                .into_iter()
                .map(|d| DisturbanceMeta { label: d.label, from_s: d.from.as_secs(), to_s: d.to.as_secs() })
                .collect(),
            changes: model
                .changes
                .iter()
                .map(|c| DisturbanceMeta {
                    label: change_label(&c.label),
                    from_s: c.at.as_secs(),
                    to_s: c.at.as_secs(),
                })
                .collect(),
        }
    }

    pub fn write(&self, path: &Path) -> io::Result<()> {
        write_json(path, &serde_json::to_value(self).map_err(io::Error::other)?)
    }

    pub fn read(path: &Path) -> Result<RunMeta, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// A change as the timeline labels it: what it sets, the first few keys
/// when it sets many (its full list is in the model).
fn change_label(label: &str) -> String {
    const MAX_CHARS: usize = 44;
    let parts: Vec<&str> = label.split(", ").collect();
    let mut shown = String::from("set");
    for (i, part) in parts.iter().enumerate() {
        let more = parts.len() - i;
        if i > 0 && shown.chars().count() + part.chars().count() + 2 > MAX_CHARS {
            return format!("{shown} +{more} more");
        }
        shown.push_str(if i == 0 { " " } else { ", " });
        shown.push_str(part);
    }
    shown
}
