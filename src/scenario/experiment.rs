//! Experiment files: a model, the axes to sweep, the variants to compare,
//! replications and charts.
//!
//! ```toml
//! model = "../models/webshop.toml"   # relative to this file
//! replications = 5
//! seed = 1
//! set = { "run.duration_s" = 120 }    # applied to every job
//! [axes]
//! "clients.rate_rps" = { from = 500, to = 20000, steps = 12, scale = "log" }
//! "cache.capacity" = [1000, 5000, 20000]
//! [[variants]]
//! name = "fixed"
//! set = { "cache.eviction" = "lru", "cache.ttl_s" = 300 }
//! [[charts]]
//! x = "clients.rate_rps"
//! y = ["p99_ms", "error_rate"]
//! series = "variant"
//! ```
//!
//! Every axis value and variant setting becomes an override of the model,
//! validated exactly as the model file is, its problems located in the
//! experiment file.

use std::ops::Range;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::Override;
use super::document::toml_problem;
use super::review::ReviewSpec;
use super::source::{Location, Origin, Problem, ScenarioError, SourceMap, read_input};

/// How a range axis spaces its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scale {
    Linear,
    Log,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExperiment {
    model: Spanned<String>,
    #[serde(default = "one")]
    replications: Spanned<u64>,
    #[serde(default = "one")]
    seed: Spanned<u64>,
    #[serde(default)]
    set: IndexMap<String, toml::Value>,
    #[serde(default)]
    axes: IndexMap<String, RawAxis>,
    /// The point whose timeline each variant draws: axis path → value.
    #[serde(default)]
    timeline: IndexMap<String, toml::Value>,
    #[serde(default)]
    variants: Vec<RawVariant>,
    #[serde(default)]
    charts: Vec<ChartSpec>,
    #[serde(default)]
    plan: Option<Spanned<PlanSpec>>,
    #[serde(default)]
    review: Option<Spanned<ReviewSpec>>,
    #[serde(default, rename = "assert")]
    asserts: Vec<Spanned<AssertSpec>>,
}

/// `[[assert]]`: a release gate on a summary metric.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AssertSpec {
    /// The variant it applies to; absent: every variant.
    #[serde(default)]
    pub variant: Option<String>,
    /// A summary metric (`p99_ms`, `error_rate`, …), or `recovered`.
    pub metric: String,
    /// `<`, `<=`, `>` or `>=`; for `recovered`, default `>=`.
    #[serde(default)]
    pub op: Option<String>,
    /// The bound; for `recovered` (the share of runs that recovered),
    /// default 1: every run.
    #[serde(default)]
    pub value: Option<f64>,
}

/// `[plan]`: the capacity search of `outage-sim plan`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSpec {
    /// The model key searched, e.g. `clients.rate_rps`.
    pub search: String,
    /// The search range: `low` should hold the SLO, `high` should not.
    pub low: f64,
    pub high: f64,
    /// Relative width of the final bracket (default 2 %).
    #[serde(default = "plan_tolerance")]
    pub tolerance: f64,
    /// The objective to hold; absent: the model's `[slo]` as the user sees
    /// it, the p99 of all requests (`user_p99_ms`) and the error rate.
    #[serde(default)]
    pub slo: Option<PlanSlo>,
    /// Hold the SLO at the upper 95 % bound over replications, not just the
    /// mean (default true).
    #[serde(default = "yes")]
    pub confidence: bool,
    /// Today's value of the searched key, for headroom.
    #[serde(default)]
    pub current: Option<f64>,
    /// Also find the largest load spike the stack recovers from.
    #[serde(default)]
    pub spike: Option<SpikeSpec>,
}

/// Limits a plan holds; each is optional. `user_p99_ms` is over all
/// requests (failures and unfinished ones slower than any success),
/// `p99_ms` and `mean_ms` over successes only; `good_ratio` is a lower
/// limit, the others upper limits.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSlo {
    pub user_p99_ms: Option<f64>,
    pub good_ratio: Option<f64>,
    pub p99_ms: Option<f64>,
    pub mean_ms: Option<f64>,
    pub error_rate: Option<f64>,
    pub stale_ratio: Option<f64>,
}

impl PlanSlo {
    /// What is wrong with these limits, if anything.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let limits =
            [self.user_p99_ms, self.good_ratio, self.p99_ms, self.mean_ms, self.error_rate, self.stale_ratio];
        if limits.iter().all(Option::is_none) {
            out.push(
                "slo needs at least one of user_p99_ms, good_ratio, p99_ms, mean_ms, error_rate, stale_ratio"
                    .into(),
            );
        }
        if limits.iter().flatten().any(|v| !(v.is_finite() && *v >= 0.0)) {
            out.push("slo limits must be finite and >= 0".into());
        }
        if self.good_ratio.is_some_and(|g| g > 1.0) {
            out.push(format!(
                "slo.good_ratio is a share and must be in [0, 1], got {}",
                self.good_ratio.unwrap_or(0.0)
            ));
        }
        out
    }
}

/// The spike search: a multiplier of the load over `duration_s`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SpikeSpec {
    pub multiplier_low: f64,
    pub multiplier_high: f64,
    pub duration_s: f64,
    /// When the spike starts [s]; default: at the end of warm-up.
    #[serde(default)]
    pub at_s: Option<f64>,
    /// Share of replications that must recover (default 1: all).
    #[serde(default = "all")]
    pub recovered_share: f64,
}

fn plan_tolerance() -> f64 {
    0.02
}

fn yes() -> bool {
    true
}

fn all() -> f64 {
    1.0
}

fn one() -> Spanned<u64> {
    Spanned::new(0..0, 1)
}

/// An axis: a list of values, or a range `{ from, to, steps, scale }`.
#[derive(Debug, Clone)]
enum RawAxis {
    List(Vec<toml::Value>),
    Range(RawRange),
}

// By hand rather than `untagged`, whose error ("did not match any variant")
// says neither what an axis may be nor what was wrong with the range.
impl<'de> Deserialize<'de> for RawAxis {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match toml::Value::deserialize(deserializer)? {
            toml::Value::Array(values) => Ok(RawAxis::List(values)),
            toml::Value::Table(table) => {
                RawRange::deserialize(toml::Value::Table(table)).map(RawAxis::Range).map_err(|e| {
                    D::Error::custom(format!("a range takes from, to, steps and scale: {}", e.message()))
                })
            }
            other => {
                let kind = other.type_str();
                let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
                Err(D::Error::custom(format!(
                    "an axis is a list of values or a range {{ from, to, steps, scale }}, not {article} {kind}"
                )))
            }
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    from: toml::Value,
    to: toml::Value,
    steps: u64,
    #[serde(default)]
    scale: Option<Scale>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariant {
    name: String,
    #[serde(default)]
    set: IndexMap<String, toml::Value>,
    /// Keys taken out of the model (an optional key made absent).
    #[serde(default)]
    unset: Vec<String>,
}

/// A chart the sweep should draw.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChartSpec {
    /// The x axis: an axis path.
    pub x: String,
    /// Summary metrics to plot, one chart each.
    pub y: Vec<String>,
    /// What distinguishes the lines: `variant` or another axis path.
    #[serde(default = "variant")]
    pub series: String,
}

fn variant() -> String {
    "variant".into()
}

/// One value of an axis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AxisValue {
    /// As TOML, ready to be an override's value.
    pub toml: String,
    /// As a CSV cell: numbers as written, strings unquoted.
    pub label: String,
    /// The number, for numeric axes.
    pub number: Option<f64>,
    #[serde(skip)]
    pub at: Location,
}

/// A model key swept over values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Axis {
    pub path: String,
    pub values: Vec<AxisValue>,
    /// `log` when the values came from a log range (charts use log axes).
    pub scale: Scale,
}

/// A named set of overrides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variant {
    pub name: String,
    #[serde(serialize_with = "assignments")]
    pub set: Vec<Override>,
}

fn assignments<S: serde::Serializer>(set: &[Override], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(set.iter().map(|o| o.assignment.as_str()))
}

/// A parsed, checked experiment file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Experiment {
    pub path: PathBuf,
    /// The model file, resolved against the experiment's folder.
    pub model: PathBuf,
    pub replications: u32,
    pub seed: u64,
    /// Overrides of the model for every job, before the variant's.
    #[serde(serialize_with = "assignments")]
    pub set: Vec<Override>,
    pub axes: Vec<Axis>,
    /// Index into each axis's values of the point whose timeline is drawn
    /// (replication 0, every variant); default: every axis at its last
    /// value.
    pub timeline: Vec<usize>,
    /// At least one: an experiment without variants has one named `base`.
    pub variants: Vec<Variant>,
    pub charts: Vec<ChartSpec>,
    /// The capacity search, if the file has a `[plan]`.
    pub plan: Option<PlanSpec>,
    /// The capacity review, if the file has a `[review]` (left out of a
    /// sweep's experiment.json without one, as before reviews existed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewSpec>,
    /// Where `[plan]` and `[review]` are written: a probe's model that the
    /// section makes invalid (a load too high, say) is reported there.
    #[serde(skip)]
    pub plan_at: Option<Location>,
    #[serde(skip)]
    pub review_at: Option<Location>,
    /// Release gates checked by `outage-sim assert`.
    pub asserts: Vec<AssertSpec>,
}

/// Most jobs one experiment may expand to. Every job is planned (its
/// model resolved) before the first runs: 10^6 jobs take 7.5 s and
/// 0.65 GB (measured), 10^7 took 150 s and 4.8 GB — and at a few
/// milliseconds a job, more than a day of two cores.
const MAX_JOBS: u64 = 1_000_000;

/// Reads and checks the experiment file at `path` (not yet the overrides
/// against the model: see the sweep's plan).
pub fn load_experiment(path: &Path) -> Result<Experiment, ScenarioError> {
    let text = read_input(path)?;
    let mut sources = SourceMap::new();
    sources.add(Origin::File(path.to_owned()), &text);
    let located = |span: Range<usize>| sources.locate(&span);
    let problem = |span: Range<usize>, key: &str, message: String| Problem {
        location: located(span),
        key: Some(key.to_owned()),
        message,
    };
    let toml_error =
        |root, e: &toml::de::Error| ScenarioError::Invalid(vec![toml_problem(&sources, root, 0, e)]);
    let tree = DeTable::parse(&text).map_err(|e| toml_error(None, &e))?.into_inner();
    let mut raw: RawExperiment = toml::from_str(&text).map_err(|e| toml_error(Some(&tree), &e))?;
    let mut problems = Vec::new();
    let mut tables: Vec<(Vec<String>, &mut IndexMap<String, toml::Value>)> =
        vec![(vec!["set".into()], &mut raw.set), (vec!["timeline".into()], &mut raw.timeline)];
    for (i, v) in raw.variants.iter_mut().enumerate() {
        tables.push((vec!["variants".into(), i.to_string(), "set".into()], &mut v.set));
    }
    for (path, map) in tables {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        if let Some((span, message)) = not_a_table(&tree, &path) {
            problems.push(problem(span, &path.join("."), message));
            map.clear();
        }
    }

    let model = {
        let written = Path::new(raw.model.get_ref());
        let resolved = path.parent().unwrap_or(Path::new("")).join(written);
        let unreadable = match std::fs::metadata(&resolved) {
            Err(e) => Some(e.to_string()),
            Ok(m) if !m.is_file() => Some("not a file".to_owned()),
            Ok(_) => None,
        };
        if let Some(why) = unreadable {
            problems.push(problem(
                raw.model.span(),
                "model",
                format!("cannot read {}: {why}", resolved.display()),
            ));
        }
        resolved
    };
    let replications = *raw.replications.get_ref();
    if !(1..=100_000).contains(&replications) {
        problems.push(problem(
            raw.replications.span(),
            "replications",
            format!("must be an integer from 1 to 100000, got {replications}"),
        ));
    }

    let mut axes = Vec::new();
    for (name, axis) in &raw.axes {
        let entry = span_of(&tree, &["axes", name]).unwrap_or(0..0);
        let key = format!("axes.\"{name}\"");
        match axis_values(axis, name, &tree, &text, &sources) {
            Ok((values, scale)) => axes.push(Axis { path: name.clone(), values, scale }),
            Err(message) => problems.push(problem(entry, &key, message)),
        }
    }

    let mut timeline: Vec<usize> = axes.iter().map(|a| a.values.len().saturating_sub(1)).collect();
    for (key, value) in &raw.timeline {
        let span = span_of(&tree, &["timeline", key]).unwrap_or(0..0);
        let Some(a) = axes.iter().position(|a| &a.path == key) else {
            problems.push(problem(
                span,
                &format!("timeline.\"{key}\""),
                format!("`{key}` is not an axis of this experiment"),
            ));
            continue;
        };
        let wanted = value.as_float().or_else(|| value.as_integer().map(|n| n as f64));
        let label = match value {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let found = axes[a].values.iter().position(|v| match (wanted, v.number) {
            (Some(w), Some(n)) => (w - n).abs() <= 1e-9 * w.abs().max(1.0),
            _ => v.label == label,
        });
        match found {
            Some(i) => timeline[a] = i,
            None => {
                let values: Vec<&str> = axes[a].values.iter().map(|v| v.label.as_str()).collect();
                problems.push(problem(
                    span,
                    &format!("timeline.\"{key}\""),
                    format!("{label} is not one of the axis's values: {}", values.join(", ")),
                ));
            }
        }
    }

    let mut set = Vec::new();
    for key in raw.set.keys() {
        let span = span_of(&tree, &["set", key]).unwrap_or(0..0);
        if axes.iter().any(|a| &a.path == key) {
            problems.push(problem(
                span.clone(),
                &format!("set.\"{key}\""),
                format!("`{key}` is an axis: `set` may not override it"),
            ));
        }
        set.push(Override { assignment: format!("{key}={}", &text[span.clone()]), at: Some(located(span)) });
    }

    let mut variants = Vec::new();
    for (i, v) in raw.variants.iter().enumerate() {
        let mut set = Vec::new();
        for (key, _) in &v.set {
            let span = span_of(&tree, &["variants", &i.to_string(), "set", key]).unwrap_or(0..0);
            if axes.iter().any(|a| &a.path == key) {
                problems.push(problem(
                    span.clone(),
                    &format!("variants.{i}.set.\"{key}\""),
                    format!("`{key}` is an axis: a variant may not override it"),
                ));
            }
            set.push(Override {
                assignment: format!("{key}={}", &text[span.clone()]),
                at: Some(located(span)),
            });
        }
        for (k, key) in v.unset.iter().enumerate() {
            let span = span_of(&tree, &["variants", &i.to_string(), "unset", &k.to_string()]).unwrap_or(0..0);
            set.push(Override { assignment: format!("{key}=null"), at: Some(located(span)) });
        }
        let safe = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
        if v.name.is_empty() || v.name.len() > 64 || v.name.starts_with('.') || !v.name.chars().all(safe) {
            let span = span_of(&tree, &["variants", &i.to_string(), "name"]).unwrap_or(0..0);
            let shown: String = v.name.chars().take(40).collect();
            problems.push(problem(
                span,
                &format!("variants.{i}.name"),
                format!(
                    "a variant's name is a folder name (timelines/<name>/): use 1 to 64 letters, digits, `-`, `_` \
                     or `.`, not starting with `.`; got {shown:?}{}",
                    if v.name.chars().count() > 40 { "…" } else { "" }
                ),
            ));
        }
        if variants.iter().any(|other: &Variant| other.name == v.name) {
            let span = span_of(&tree, &["variants", &i.to_string(), "name"]).unwrap_or(0..0);
            problems.push(problem(
                span,
                &format!("variants.{i}.name"),
                format!("`{}` names two variants", v.name),
            ));
        }
        variants.push(Variant { name: v.name.clone(), set });
    }
    if variants.is_empty() {
        variants.push(Variant { name: "base".into(), set: Vec::new() });
    }

    for (i, chart) in raw.charts.iter().enumerate() {
        let span = span_of(&tree, &["charts", &i.to_string()]).unwrap_or(0..0);
        if !axes.iter().any(|a| a.path == chart.x) {
            problems.push(problem(
                span.clone(),
                &format!("charts.{i}.x"),
                format!("`{}` is not an axis of this experiment", chart.x),
            ));
        }
        if chart.series != "variant" && !axes.iter().any(|a| a.path == chart.series) {
            problems.push(problem(
                span,
                &format!("charts.{i}.series"),
                format!("`{}` is neither `variant` nor an axis of this experiment", chart.series),
            ));
        }
    }

    let metrics = crate::metrics::Summary::COLUMNS;
    for (i, a) in raw.asserts.iter().enumerate() {
        let span = a.span();
        let a = a.get_ref();
        let key = format!("assert.{i}");
        let known = a.metric == "recovered" || metrics.contains(&a.metric.as_str());
        if !known {
            problems.push(problem(
                span.clone(),
                &key,
                format!("`{}` is not a summary metric (or `recovered`)", a.metric),
            ));
        }
        if let Some(op) = &a.op
            && !["<", "<=", ">", ">="].contains(&op.as_str())
        {
            problems.push(problem(span.clone(), &key, format!("op must be <, <=, > or >=, got {op:?}")));
        }
        if a.metric != "recovered" && (a.op.is_none() || a.value.is_none()) {
            problems.push(problem(
                span.clone(),
                &key,
                "needs op and value (only `recovered` has defaults)".into(),
            ));
        }
        if let Some(v) = &a.variant
            && !raw.variants.is_empty()
            && !raw.variants.iter().any(|rv| &rv.name == v)
        {
            problems.push(problem(span, &key, format!("no variant named `{v}`")));
        }
    }

    if let Some(plan) = &raw.plan {
        let span = plan.span();
        for message in plan_problems(plan.get_ref()) {
            problems.push(problem(span.clone(), "plan", message));
        }
    }
    if let Some(review) = &raw.review {
        let span = review.span();
        for message in review.get_ref().problems() {
            problems.push(problem(span.clone(), "review", message));
        }
    }

    let jobs =
        axes.iter().map(|a| a.values.len() as u64).product::<u64>() * variants.len() as u64 * replications;
    if jobs > MAX_JOBS {
        let span = span_of(&tree, &["axes"]).or_else(|| span_of(&tree, &["replications"])).unwrap_or(0..0);
        problems.push(problem(
            span,
            "axes",
            format!(
                "expands to {jobs} jobs (axis values x variants x replications), more than {MAX_JOBS}: \
                 planning them would need about {:.1} GB before the first runs; split the experiment \
                 or use fewer points",
                jobs as f64 * 650.0 / 1e9
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(ScenarioError::Invalid(problems));
    }
    Ok(Experiment {
        path: path.to_owned(),
        model,
        replications: replications as u32,
        seed: *raw.seed.get_ref(),
        set,
        axes,
        timeline,
        variants,
        charts: raw.charts,
        plan_at: raw.plan.as_ref().map(|p| located(p.span())),
        review_at: raw.review.as_ref().map(|r| located(r.span())),
        plan: raw.plan.map(Spanned::into_inner),
        review: raw.review.map(Spanned::into_inner),
        asserts: raw.asserts.into_iter().map(Spanned::into_inner).collect(),
    })
}

/// What is wrong with a `[plan]`, if anything.
fn plan_problems(plan: &PlanSpec) -> Vec<String> {
    let mut out = Vec::new();
    let finite = |x: f64| x.is_finite();
    if !(finite(plan.low) && finite(plan.high) && plan.low < plan.high) {
        out.push(format!("needs finite low < high, got low = {} and high = {}", plan.low, plan.high));
    }
    if !(plan.tolerance > 0.0 && plan.tolerance < 1.0) {
        out.push(format!("tolerance is relative and must be in (0, 1), got {}", plan.tolerance));
    }
    if let Some(slo) = &plan.slo {
        out.extend(slo.problems());
    }
    if let Some(spike) = &plan.spike {
        if !(spike.multiplier_low > 0.0
            && spike.multiplier_low < spike.multiplier_high
            && spike.multiplier_high.is_finite())
        {
            out.push(format!(
                "spike needs 0 < multiplier_low < multiplier_high, got {} and {}",
                spike.multiplier_low, spike.multiplier_high
            ));
        }
        if !(spike.duration_s > 0.0 && spike.duration_s.is_finite()) {
            out.push(format!("spike.duration_s must be > 0, got {}", spike.duration_s));
        }
        if !(0.0..=1.0).contains(&spike.recovered_share) {
            out.push(format!("spike.recovered_share must be in [0, 1], got {}", spike.recovered_share));
        }
        if plan.search != "clients.rate_rps" && plan.current.is_none() {
            out.push(
                "a spike multiplies the load: with search other than clients.rate_rps, set current".into(),
            );
        }
    }
    out
}

/// The values of one axis, each with the place it comes from.
fn axis_values(
    axis: &RawAxis,
    name: &str,
    tree: &DeTable<'_>,
    text: &str,
    sources: &SourceMap,
) -> Result<(Vec<AxisValue>, Scale), String> {
    let entry = span_of(tree, &["axes", name]).unwrap_or(0..0);
    match axis {
        RawAxis::List(items) => {
            if items.is_empty() {
                return Err("an axis needs at least one value".into());
            }
            let values = items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let span = span_of(tree, &["axes", name, &i.to_string()]).unwrap_or(entry.clone());
                    AxisValue {
                        toml: text[span.clone()].to_owned(),
                        label: match item {
                            toml::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        },
                        number: item.as_float().or_else(|| item.as_integer().map(|n| n as f64)),
                        at: sources.locate(&span),
                    }
                })
                .collect();
            Ok((values, Scale::Linear))
        }
        RawAxis::Range(range) => {
            let number = |v: &toml::Value, what: &str| {
                v.as_float()
                    .or_else(|| v.as_integer().map(|n| n as f64))
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| format!("`{what}` must be a finite number, got {v}"))
            };
            let (from, to) = (number(&range.from, "from")?, number(&range.to, "to")?);
            let integers = range.from.is_integer() && range.to.is_integer();
            if range.steps < 2 {
                return Err(format!(
                    "a range needs steps >= 2 (both ends are points), got {}; for one value write a list: [{from}]",
                    range.steps
                ));
            }
            if range.steps > 100_000 {
                return Err(format!("steps must be at most 100000, got {}", range.steps));
            }
            let scale = range.scale.unwrap_or(Scale::Linear);
            if scale == Scale::Log && (from <= 0.0 || to <= 0.0) {
                return Err(format!(
                    "a log range needs from and to > 0, got {from} to {to}; use scale = \"linear\""
                ));
            }
            let at = sources.locate(&entry);
            let n = range.steps as usize;
            let values = (0..n)
                .map(|i| {
                    let f = i as f64 / (n - 1) as f64;
                    let x = match scale {
                        Scale::Linear => from + (to - from) * f,
                        Scale::Log => (from.ln() + (to.ln() - from.ln()) * f).exp(),
                    };
                    // Exact ends, whatever the rounding in between.
                    let x = if i == 0 {
                        from
                    } else if i == n - 1 {
                        to
                    } else {
                        x
                    };
                    let text = if integers { format!("{}", x.round() as i64) } else { format!("{x}") };
                    AxisValue {
                        toml: text.clone(),
                        label: text,
                        number: Some(if integers { x.round() } else { x }),
                        at: at.clone(),
                    }
                })
                .collect();
            Ok((values, scale))
        }
    }
}

/// The span of the value at `path` (table keys and array indices).
fn span_of(tree: &DeTable<'_>, path: &[&str]) -> Option<Range<usize>> {
    value_of(tree, path).map(Spanned::span)
}

fn value_of<'a, 'i>(tree: &'a DeTable<'i>, path: &[&str]) -> Option<&'a Spanned<DeValue<'i>>> {
    let (first, rest) = path.split_first()?;
    let value = tree.iter().find(|(k, _)| k.get_ref() == first).map(|(_, v)| v)?;
    value_in(value, rest)
}

fn value_in<'a, 'i>(value: &'a Spanned<DeValue<'i>>, path: &[&str]) -> Option<&'a Spanned<DeValue<'i>>> {
    let Some((first, rest)) = path.split_first() else {
        return Some(value);
    };
    match value.get_ref() {
        DeValue::Table(t) => value_of(t, path),
        DeValue::Array(items) => value_in(items.get(first.parse::<usize>().ok()?)?, rest),
        _ => None,
    }
}

/// A problem if the value at `path` is there but not a table. Needed for
/// the maps of overrides: TOML's datetime reaches serde as a one-key map,
/// which would otherwise pass for a table.
fn not_a_table(tree: &DeTable<'_>, path: &[&str]) -> Option<(Range<usize>, String)> {
    let value = value_of(tree, path)?;
    (!matches!(value.get_ref(), DeValue::Table(_))).then(|| {
        (value.span(), "must be a table of PATH = VALUE, such as { \"cache.ttl_s\" = 60 }".to_owned())
    })
}
