//! Model files: reading, overriding, validating.
//!
//! A model file is TOML; `--set PATH=VALUE` overrides any key. The file is
//! parsed into a tree that remembers where each value was written, the
//! overrides are applied to that tree, serde turns it into the raw model
//! (unknown keys, wrong types and unknown names fail here, located), and
//! validation turns the raw model into the simulator's domain types,
//! reporting every out-of-range value with its file, line and key.

mod document;
mod raw;
mod source;
mod validate;

use std::path::Path;

pub use document::Document;
pub use raw::RawModel;
pub use source::{Location, Origin, Problem, ScenarioError, SourceMap};

use crate::stack::Model;

/// A validated model and the resolved file it came from.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    pub model: Model,
    /// Every key with its value, defaults filled in.
    pub raw: RawModel,
}

impl LoadedModel {
    /// The model as TOML with every key spelled out, defaults included.
    pub fn resolved_toml(&self) -> String {
        toml::to_string(&self.raw).expect("the raw model is plain TOML data")
    }
}

/// Reads the model file at `path` and applies `overrides` (`PATH=VALUE`).
pub fn load_model(path: &Path, overrides: &[String]) -> Result<LoadedModel, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::read(path, e))?;
    load_model_text(path, &text, overrides)
}

/// As [`load_model`], from text already read; `path` names it in messages.
pub fn load_model_text(
    path: &Path,
    text: &str,
    overrides: &[String],
) -> Result<LoadedModel, ScenarioError> {
    let invalid = |p: Problem| ScenarioError::Invalid(vec![p]);
    let mut document = Document::parse(Origin::File(path.to_owned()), text).map_err(invalid)?;
    let mut problems = Vec::new();
    for argument in overrides {
        if let Err(p) = document.set_argument(argument) {
            problems.push(p);
        }
    }
    if !problems.is_empty() {
        return Err(ScenarioError::Invalid(problems));
    }
    let raw: RawModel = document.deserialize().map_err(invalid)?;
    let model = validate::validate(&raw, document.sources()).map_err(ScenarioError::Invalid)?;
    Ok(LoadedModel { model, raw })
}
