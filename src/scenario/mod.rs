//! Model files: reading, overriding, validating.
//!
//! A model file is TOML; `--set PATH=VALUE` overrides any key. The file is
//! parsed into a tree that remembers where each value was written, the
//! overrides are applied to that tree, serde turns it into the raw model
//! (unknown keys, wrong types and unknown names fail here, located), and
//! validation turns the raw model into the simulator's domain types,
//! reporting every out-of-range value with its file, line and key.

mod changes;
mod document;
mod experiment;
mod raw;
mod resolved;
mod review;
mod source;
mod validate;

use std::path::Path;

pub use changes::{CHANGEABLE, fixed_reason};
pub use document::Document;
pub use experiment::{
    AssertSpec, Axis, AxisValue, ChartSpec, Experiment, PlanSlo, PlanSpec, Scale, SpikeSpec, Variant,
    load_experiment,
};
pub use raw::RawModel;
pub use review::{LossKind, MAX_K, ReviewSpec};
pub use source::{Location, MAX_INPUT_BYTES, Origin, Problem, ScenarioError, SourceMap, read_input};

use crate::stack::Model;

/// A validated model and the resolved file it came from.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    pub model: Model,
    /// Every key with its value, defaults filled in.
    pub raw: RawModel,
    /// Settings that are valid but probably not what was meant.
    pub notes: Vec<Problem>,
}

impl LoadedModel {
    /// The model as TOML with every key spelled out, defaults included.
    pub fn resolved_toml(&self) -> String {
        resolved::resolved_toml(&self.raw)
    }
}

/// An override of a model key: `PATH=VALUE`, from the command line
/// (`at = None`) or from an experiment file (`at` = where it is written).
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub assignment: String,
    pub at: Option<Location>,
}

impl Override {
    /// A command-line `--set PATH=VALUE`.
    pub fn argument(assignment: impl Into<String>) -> Self {
        Override { assignment: assignment.into(), at: None }
    }
}

/// Reads the model file at `path` and applies `overrides` (`PATH=VALUE`,
/// as given to `--set`).
pub fn load_model(path: &Path, overrides: &[String]) -> Result<LoadedModel, ScenarioError> {
    let text = read_input(path)?;
    load_model_text(path, &text, overrides)
}

/// As [`load_model`], from text already read; `path` names it in messages.
pub fn load_model_text(path: &Path, text: &str, overrides: &[String]) -> Result<LoadedModel, ScenarioError> {
    let overrides: Vec<Override> = overrides.iter().map(Override::argument).collect();
    load_model_with(path, text, &overrides)
}

/// A model from its text and overrides of any origin, applied in order.
pub fn load_model_with(
    path: &Path,
    text: &str,
    overrides: &[Override],
) -> Result<LoadedModel, ScenarioError> {
    let invalid = |p: Problem| ScenarioError::Invalid(vec![p]);
    let mut document = Document::parse(Origin::File(path.to_owned()), text).map_err(invalid)?;
    let mut problems = Vec::new();
    for o in overrides {
        if let Err(p) = document.set_override(&o.assignment, o.at.as_ref()) {
            problems.push(p);
        }
    }
    if !problems.is_empty() {
        return Err(ScenarioError::Invalid(problems));
    }
    let raw: RawModel = document.deserialize().map_err(ScenarioError::Invalid)?;
    let (mut model, notes) =
        validate::validate(&raw, document.sources(), None).map_err(ScenarioError::Invalid)?;
    if !raw.changes.is_empty() {
        model.changes = changes::build(path, text, overrides, &raw, &model, document.sources())
            .map_err(ScenarioError::Invalid)?;
    }
    Ok(LoadedModel { model, raw, notes })
}
