//! `[[changes]]`: configuration changed while the model runs, as a team
//! changes it during an incident.
//!
//! Each change is a set of overrides (the dotted paths of `--set`) taking
//! effect at `at_s`. The model a run follows after a change is the file
//! with this change's and every earlier change's overrides applied, read
//! and validated as any model is — so a changed value is checked exactly
//! as the same value in the file would be, and located where the change
//! writes it. Only keys the running stack can take are accepted; every
//! other key is refused with the reason.

use toml::Spanned;

use crate::engine::SimTime;
use crate::stack::{Change, Model};

use super::document::Document;
use super::raw::{RawChange, RawModel};
use super::source::{Origin, Problem, SourceMap};
use super::{Override, validate};

/// The keys a change may set: each is applied to the running stack by the
/// system (see `stack::system::change`). The store's size and policy
/// (`cache.capacity`, `memory_mb`, `eviction`) change with a restart: the
/// cache comes back empty.
pub const CHANGEABLE: &[&str] = &[
    "cache.capacity",
    "cache.memory_mb",
    "cache.eviction",
    "cache.ttl_s",
    "cache.ttl_mode",
    "cache.ttl_jitter",
    "cache.invalidation",
    "cache.invalidation_delay_ms",
    "cache.invalidation_loss",
    "cache.lease_wait_ms",
    "cache.stampede",
    "cache.early_refresh_beta",
    "cache.stale_window_s",
    "cache.fail_open",
    "cache.servers",
    "db.servers",
    "db.queue_limit",
    "db.queue_timeout_ms",
    "db.cancel_on_timeout",
    "clients.timeout_ms",
    "clients.max_attempts",
    "clients.backoff_base_ms",
    "clients.backoff_cap_ms",
    "clients.jitter",
    "clients.retry_budget_ratio",
    "clients.retry_budget_burst",
];

/// Why `key` cannot change while running; `None` if it can.
pub fn fixed_reason(key: &str) -> Option<String> {
    if CHANGEABLE.contains(&key) {
        return None;
    }
    let section = key.split('.').next().unwrap_or(key);
    let reason = match section {
        "run" => "the run's frame (length, windows, seed, guards) is fixed",
        "workload" => "the workload is the traffic, not configuration: replay a trace, or compare models",
        "clients" => {
            "the load is the traffic, not configuration: shape it with clients.schedule or clients.rate_file"
        }
        "cache" => "the cache's nodes, placement and lookup time are its deployment: compare models",
        "db" => {
            "the database's shape and service times are its hardware: a db-slowdown fault changes them for a while"
        }
        "faults" | "alerts" | "slo" | "changes" => "it describes the run, not the stack's configuration",
        _ => "the tier's shape is fixed while it runs: compare models",
    };
    Some(format!("`{key}` cannot change while running: {reason}. Keys that can: {}", CHANGEABLE.join(", ")))
}

/// The changes of `raw` as models to switch to, in time order. `text` and
/// `overrides` are what `base` was read from.
pub(super) fn build(
    path: &std::path::Path,
    text: &str,
    overrides: &[Override],
    raw: &RawModel,
    base: &Model,
    sources: &SourceMap,
) -> Result<Vec<Change>, Vec<Problem>> {
    let mut problems = Vec::new();
    let duration_s = base.run.duration.as_secs();
    let mut order: Vec<(f64, usize)> = Vec::new();
    for (i, change) in raw.changes.iter().enumerate() {
        let at_s = *change.get_ref().at_s.get_ref();
        let at = sources.locate(&change.get_ref().at_s.span());
        if !(at_s.is_finite() && (0.0..duration_s).contains(&at_s)) {
            problems.push(Problem {
                location: at,
                key: Some(format!("changes.{i}.at_s")),
                message: format!("must be a number from 0 to before the run's end (run.duration_s = {duration_s}), got {at_s}"),
            });
        }
        if change.get_ref().set.is_empty() {
            problems.push(Problem {
                location: sources.locate(&change.span()),
                key: Some(format!("changes.{i}.set")),
                message: "sets nothing: give at least one key, such as set = { \"cache.ttl_s\" = 60.0 }"
                    .into(),
            });
        }
        for (key, value) in &change.get_ref().set {
            if let Some(reason) = fixed_reason(key) {
                problems.push(Problem {
                    location: sources.locate(&value.span()),
                    key: Some(format!("changes.{i}.set.\"{key}\"")),
                    message: reason,
                });
            }
        }
        order.push((at_s, i));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    order.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut applied: Vec<Override> = Vec::new();
    let mut changes = Vec::with_capacity(order.len());
    for (at_s, i) in order {
        let change: &RawChange = raw.changes[i].get_ref();
        let mut label = Vec::new();
        for (key, value) in &change.set {
            let assignment = format!("{key}={}", value_text(value, sources));
            label.push(assignment.clone());
            applied.push(Override { assignment, at: Some(sources.locate(&value.span())) });
        }
        let model = model_after(path, text, overrides, &applied, base)?;
        let previous: &Model = changes.last().map_or(base, |c: &Change| &c.model);
        for (key, value) in &change.set {
            if let Some(message) = shape_changed(key, base, &model) {
                problems.push(Problem {
                    location: sources.locate(&value.span()),
                    key: Some(format!("changes.{i}.set.\"{key}\"")),
                    message,
                });
            }
        }
        let restarts_cache = (model.cache.capacity, model.cache.memory, model.cache.eviction)
            != (previous.cache.capacity, previous.cache.memory, previous.cache.eviction);
        if restarts_cache {
            label.push("cache restarted".into());
        }
        let label = label.join(", ");
        changes.push(Change { at: SimTime::from_secs(at_s), label, restarts_cache, model: Box::new(model) });
    }
    if problems.is_empty() { Ok(changes) } else { Err(problems) }
}

/// The value as written in its file, or as TOML when it has no text there.
fn value_text(value: &Spanned<toml::Value>, sources: &SourceMap) -> String {
    sources.text_at(&value.span()).map_or_else(|| value.get_ref().to_string(), str::to_owned)
}

/// The model with `applied` on top of what `base` was read from.
fn model_after(
    path: &std::path::Path,
    text: &str,
    overrides: &[Override],
    applied: &[Override],
    base: &Model,
) -> Result<Model, Vec<Problem>> {
    let mut document = Document::parse(Origin::File(path.to_owned()), text).map_err(|p| vec![p])?;
    let mut problems = Vec::new();
    // The model after a change has no changes of its own.
    let without_changes = Override::argument("changes=null");
    for o in overrides.iter().chain(std::iter::once(&without_changes)).chain(applied) {
        if let Err(p) = document.set_override(&o.assignment, o.at.as_ref()) {
            problems.push(p);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let raw: RawModel = document.deserialize()?;
    validate::validate(&raw, document.sources(), Some(base)).map(|(model, _)| model)
}

/// A change that would need a tier built differently.
fn shape_changed(key: &str, base: &Model, after: &Model) -> Option<String> {
    (key == "cache.servers" && base.cache.servers.is_none() != after.cache.servers.is_none()).then(|| {
        "cache.servers can change between numbers, not to or from unlimited: set it in the model too".into()
    })
}
