//! Capacity planning: for each variant, the largest value of a model key
//! (usually the load) at which the SLO still holds, and the largest load
//! spike the stack still recovers from.
//!
//! Both are bisections. A probe runs every replication at one value; the
//! replications use the sweep's seeds, so every probe of a search sees the
//! same random numbers and the outcome is monotone in practice. A search
//! first checks its ends: if `low` already fails, or `high` still holds,
//! it says so instead of returning a bound as if it were the answer.
//! Variants are searched in parallel, each search single-file, so results
//! do not depend on the number of threads.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::engine::RandomStreams;
use crate::metrics::{Summary, WindowHealth};
use crate::scenario::{
    Experiment, LoadedModel, Location, Override, PlanSlo, PlanSpec, Problem, ScenarioError, load_model_with,
};
use crate::stack::{self, Model, RunError};

use super::aggregate::mean_ci95;
use super::jobs::{add_once, fnv1a};
use super::probe_journal::{JournalError, ProbeJournal};

/// One probe: a value, the figures that decide it, and its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub variant: String,
    /// `load` (the searched key) or `spike` (a load multiplier).
    pub kind: &'static str,
    pub value: f64,
    pub holds: bool,
    /// Per limit: name, mean, the value compared (upper 95 % bound or
    /// mean), the limit.
    pub figures: Vec<Checked>,
    pub recovered_share: f64,
    /// For a spike probe: the share of replications that held the SLO in
    /// every window from the spike's start to the end (rode it out).
    pub ridden_out_share: f64,
    pub runs: usize,
}

/// How a search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The answer lies in the final bracket.
    Found,
    /// Even `low` fails: the answer is below the range.
    BelowRange,
    /// Even `high` holds: the answer is at least `high`.
    AboveRange,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Found => "found",
            Verdict::BelowRange => "below-range",
            Verdict::AboveRange => "above-range",
        }
    }
}

/// The outcome of one search.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    pub verdict: Verdict,
    /// The largest value known to hold, and the smallest known to fail.
    pub holds_at: Option<f64>,
    pub fails_at: Option<f64>,
    /// For `Found` and `AboveRange`, what failed at `fails_at`: the limit
    /// closest to (or furthest past) its bound.
    pub limiting: Option<String>,
    pub probes: usize,
}

/// One variant's plan.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantPlan {
    pub variant: String,
    pub load: Search,
    /// The largest spike recovered from, and the largest ridden out within
    /// the SLO (no window out of it, during the spike or after).
    pub spike: Option<Search>,
    pub ride: Option<Search>,
    pub probes: Vec<Probe>,
    pub runs: usize,
}

/// Why a plan failed.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{}: no [plan] section: `outage-sim plan` needs one", .0.display())]
    NoPlan(std::path::PathBuf),
    #[error(transparent)]
    Model(#[from] ScenarioError),
    #[error("{0}")]
    Run(#[from] RunError),
    #[error("cannot start the worker threads: {0}")]
    Threads(String),
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// Stopped by a signal; the finished probes are in the journal.
    #[error(
        "interrupted: {done} probes finished and kept in {}; run the same command with --resume to continue",
        journal.display()
    )]
    Interrupted { done: usize, journal: std::path::PathBuf },
}

/// What the probes compare against: the plan's limits, or the model's SLO.
fn limits(plan: &PlanSpec, model: &Model) -> PlanSlo {
    plan.slo.clone().unwrap_or(PlanSlo {
        user_p99_ms: Some(model.slo.p99_ms),
        error_rate: Some(model.slo.error_rate),
        ..PlanSlo::default()
    })
}

/// Builds the model of `variant` with `extra` overrides and a seed.
pub(super) struct ModelSource {
    path: std::path::PathBuf,
    text: String,
    base: Vec<Override>,
    /// Where the overrides a probe adds are reported: the section that
    /// asked for them.
    extra_at: Option<Location>,
    seeds: RandomStreams,
}

impl ModelSource {
    /// The model of `experiment`, with `base` (`--set`) overrides last.
    pub(super) fn new(experiment: &Experiment, base: &[String]) -> Result<ModelSource, ScenarioError> {
        Ok(ModelSource {
            path: experiment.model.clone(),
            text: crate::scenario::read_input(&experiment.model)?,
            base: base.iter().map(Override::argument).collect(),
            extra_at: None,
            seeds: RandomStreams::new(experiment.seed),
        })
    }

    /// The model file's text, as read.
    pub(super) fn text(&self) -> &str {
        &self.text
    }

    /// Reports problems of the overrides a probe adds at `at`.
    pub(super) fn located_at(self, at: Option<Location>) -> ModelSource {
        ModelSource { extra_at: at, ..self }
    }

    /// The model of `variant` with `extra` overrides, and its notes.
    pub(super) fn loaded(
        &self,
        experiment: &Experiment,
        variant: usize,
        extra: &[String],
    ) -> Result<LoadedModel, ScenarioError> {
        // The command line's `--set` comes last: it wins.
        let mut overrides = experiment.set.clone();
        overrides.extend(experiment.variants[variant].set.iter().cloned());
        overrides.extend(extra.iter().map(|e| Override { assignment: e.clone(), at: self.extra_at.clone() }));
        overrides.extend(self.base.iter().cloned());
        load_model_with(&self.path, &self.text, &overrides)
    }
}

/// How a plan runs: its workers, its journal, and the flag a signal sets
/// to stop it between probes.
pub struct PlanRun<'a> {
    pub threads: Option<usize>,
    pub journal: &'a ProbeJournal,
    pub stop: Option<&'static AtomicBool>,
}

/// A plan whose every model loaded: ready to run, and what every probe
/// reads.
pub struct CheckedPlan<'a> {
    experiment: &'a Experiment,
    plan: &'a PlanSpec,
    source: ModelSource,
}

/// Checks the plan of `experiment` (which must have a `[plan]`) before
/// anything is written: `base` are `--set` overrides of the model, and
/// every variant's model must load at both ends of the search. The
/// models' notes, each once, go to `on_notes`.
pub fn check_plan<'a>(
    experiment: &'a Experiment,
    base: &[String],
    on_notes: impl FnOnce(&[Problem]),
) -> Result<CheckedPlan<'a>, PlanError> {
    let plan = experiment.plan.as_ref().ok_or_else(|| PlanError::NoPlan(experiment.path.clone()))?;
    let mut searched = vec![plan.search.as_str()];
    if plan.spike.is_some() {
        searched.push("clients.schedule");
    }
    super::jobs::refuse_fixed_keys(base, &searched, "what the plan searches")?;
    let source = ModelSource::new(experiment, base)?.located_at(experiment.plan_at.clone());
    // Every variant's model must load at both ends before anything runs.
    let mut notes = Vec::new();
    for v in 0..experiment.variants.len() {
        for value in [plan.low, plan.high] {
            let loaded = source.loaded(experiment, v, &[assignment(&plan.search, value, integer(plan))])?;
            add_once(&mut notes, &loaded.notes);
        }
        if let Some(spike) = &plan.spike {
            let (overrides, _) = spike_overrides(plan, spike.multiplier_high, &source, experiment, v)?;
            add_once(&mut notes, &source.loaded(experiment, v, &overrides)?.notes);
        }
    }
    on_notes(&notes);
    Ok(CheckedPlan { experiment, plan, source })
}

/// Runs a checked plan. Probes found in the journal are not run again;
/// every probe run is journaled.
pub fn run_plan(checked: &CheckedPlan<'_>, run: &PlanRun<'_>) -> Result<Vec<VariantPlan>, PlanError> {
    let experiment = checked.experiment;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(
            run.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        )
        .build()
        .map_err(|e| PlanError::Threads(e.to_string()))?;
    let done = std::sync::atomic::AtomicUsize::new(0);
    let plans: Result<Vec<VariantPlan>, PlanError> = pool.install(|| {
        (0..experiment.variants.len()).into_par_iter().map(|v| plan_variant(checked, run, v, &done)).collect()
    });
    match plans {
        Err(PlanError::Interrupted { journal, .. }) => {
            Err(PlanError::Interrupted { done: done.load(Ordering::SeqCst) + run.journal.reused(), journal })
        }
        other => other,
    }
}

fn integer(plan: &PlanSpec) -> bool {
    plan.low.fract() == 0.0
        && plan.high.fract() == 0.0
        && !plan.search.ends_with("_rps")
        && !plan.search.ends_with("_ms")
        && !plan.search.ends_with("_s")
}

fn assignment(path: &str, value: f64, integer: bool) -> String {
    if integer { format!("{path}={}", value.round() as i64) } else { format!("{path}={value}") }
}

/// The overrides of a spike probe: the base load, and one schedule entry;
/// and when the spike starts [s].
fn spike_overrides(
    plan: &PlanSpec,
    multiplier: f64,
    source: &ModelSource,
    experiment: &Experiment,
    variant: usize,
) -> Result<(Vec<String>, f64), ScenarioError> {
    let spike = plan.spike.as_ref().expect("a spike search");
    let mut extra = Vec::new();
    if let Some(current) = plan.current {
        extra.push(assignment(&plan.search, current, integer(plan)));
    }
    let model = source.loaded(experiment, variant, &extra)?.model;
    let at = spike.at_s.unwrap_or(model.run.warmup.as_secs());
    extra.push(format!(
        "clients.schedule=[{{ at_s = {at:?}, until_s = {:?}, multiplier = {multiplier:?} }}]",
        at + spike.duration_s
    ));
    Ok((extra, at))
}

fn plan_variant(
    c: &CheckedPlan<'_>,
    run: &PlanRun<'_>,
    v: usize,
    done: &std::sync::atomic::AtomicUsize,
) -> Result<VariantPlan, PlanError> {
    let (experiment, plan, source) = (c.experiment, c.plan, &c.source);
    let name = experiment.variants[v].name.clone();
    let mut probes = Vec::new();
    let load = bisect(plan.low, plan.high, plan.tolerance, integer(plan), |value| {
        let extra = [assignment(&plan.search, value, integer(plan))];
        let probe = journaled(c, run, v, &extra, "load", value, None, done)?;
        probes.push(probe.clone());
        Ok::<Probe, PlanError>(probe)
    })?;
    let (spike, ride) = match &plan.spike {
        None => (None, None),
        Some(spike) => {
            // Both searches bisect the same range, so their probes mostly
            // coincide: each multiplier runs once, and both read it.
            let mut spike_probe = |m: f64| -> Result<Probe, PlanError> {
                if let Some(p) = probes.iter().find(|p| p.kind == "spike" && p.value == m) {
                    return Ok(p.clone());
                }
                let (extra, at) = spike_overrides(plan, m, source, experiment, v)?;
                let p = journaled(c, run, v, &extra, "spike", m, Some((spike.recovered_share, at)), done)?;
                probes.push(p.clone());
                Ok(p)
            };
            let (low, high) = (spike.multiplier_low, spike.multiplier_high);
            let recovered = bisect(low, high, plan.tolerance, false, &mut spike_probe)?;
            let ridden = bisect(low, high, plan.tolerance, false, |m| {
                let p = spike_probe(m)?;
                Ok::<Probe, PlanError>(Probe {
                    kind: "ride-out",
                    holds: p.ridden_out_share >= spike.recovered_share && p.holds,
                    ..p
                })
            })?;
            (Some(recovered), Some(ridden))
        }
    };
    let runs = probes.iter().map(|p| p.runs).sum();
    Ok(VariantPlan { variant: name, load, spike, ride, probes, runs })
}

/// The probe of (`v`, `extra`, `kind`, `value`) from the journal, or run
/// and journaled — unless a signal asked to stop.
#[allow(clippy::too_many_arguments)]
fn journaled(
    c: &CheckedPlan<'_>,
    run: &PlanRun<'_>,
    v: usize,
    extra: &[String],
    kind: &'static str,
    value: f64,
    spike: Option<(f64, f64)>,
    done: &std::sync::atomic::AtomicUsize,
) -> Result<Probe, PlanError> {
    let loaded = c.source.loaded(c.experiment, v, extra)?;
    // Everything that decides the probe: the resolved model, its seeds,
    // what is probed, and the limits it is held to.
    let fingerprint = format!(
        "{}\nseed={} replications={}\n{kind} {:016x} {spike:?}\n{:?}",
        loaded.resolved_toml(),
        c.experiment.seed,
        c.experiment.replications,
        value.to_bits(),
        c.plan,
    );
    let key = fnv1a(fingerprint.as_bytes());
    if let Some(p) = run.journal.get(key) {
        return Ok(p);
    }
    if run.stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
        return Err(PlanError::Interrupted { done: 0, journal: run.journal.path().to_owned() });
    }
    let p = probe(c, v, loaded.model, kind, value, spike)?;
    run.journal.record(key, &p)?;
    done.fetch_add(1, Ordering::SeqCst);
    Ok(p)
}

/// Runs every replication at one value and decides it. A load probe holds
/// if every limit holds (at the upper 95 % bound with `confidence`) and no
/// run diverged; a spike probe (`spike`: the share of replications that
/// must recover, and when the spike starts [s]) holds if enough
/// replications recovered, and says how many rode it out.
fn probe(
    c: &CheckedPlan<'_>,
    v: usize,
    model: Model,
    kind: &'static str,
    value: f64,
    spike: Option<(f64, f64)>,
) -> Result<Probe, PlanError> {
    let (experiment, plan) = (c.experiment, c.plan);
    let models: Vec<Model> = (0..experiment.replications)
        .map(|r| {
            let mut m = model.clone();
            m.run.seed = c.source.seeds.derive(u64::from(r));
            m
        })
        .collect();
    let slo = limits(plan, &models[0]);
    let window_slo = models[0].slo.clone();
    let ride_from_s = spike.map_or(0.0, |(_, at)| at);
    // Replications run in parallel; `collect` keeps their order.
    let results: Vec<(Summary, bool)> = models
        .par_iter()
        .map(|m| {
            stack::run(m).map(|r| {
                let rode_out = r
                    .windows
                    .iter()
                    .filter(|w| w.t_s >= ride_from_s)
                    .all(|w| window_slo.holds(&WindowHealth::of(w)));
                (r.summary, rode_out)
            })
        })
        .collect::<Result<_, _>>()?;
    let n = results.len();
    let ridden_out_share = results.iter().filter(|(_, rode)| *rode).count() as f64 / n as f64;
    let summaries: Vec<Summary> = results.into_iter().map(|(s, _)| s).collect();
    let recovered_share = summaries.iter().filter(|s| s.recovered).count() as f64 / n as f64;
    let diverged = summaries.iter().any(|s| s.status == crate::metrics::Status::Diverged);
    let (within, figures) = judge(&summaries, &slo, plan.confidence);
    let holds = match spike {
        Some((needed, _)) => recovered_share >= needed && !diverged,
        None => within,
    };
    Ok(Probe {
        variant: experiment.variants[v].name.clone(),
        kind,
        value,
        holds,
        figures,
        recovered_share,
        ridden_out_share,
        runs: n,
    })
}

/// A figure checked against its limit: name, mean, the value compared
/// (the pessimistic end of the 95 % interval, or the mean), the limit.
pub type Checked = (String, Option<f64>, Option<f64>, f64);

/// Checks replications' summaries against `slo`: whether every limit
/// holds (at the pessimistic end of the 95 % confidence interval with
/// `confidence`) and no run diverged, and each limit's figures.
pub(super) fn judge(summaries: &[Summary], slo: &PlanSlo, confidence: bool) -> (bool, Vec<Checked>) {
    let mut figures = Vec::new();
    let mut within = !summaries.iter().any(|s| s.status == crate::metrics::Status::Diverged);
    // (name, limit, figure, whether it is an upper limit)
    let checks: [(&str, Option<f64>, Figure, bool); 6] = [
        ("user_p99_ms", slo.user_p99_ms, |s| s.user_p99_ms, true),
        ("good_ratio", slo.good_ratio, |s| s.good_ratio, false),
        ("p99_ms", slo.p99_ms, |s| s.p99_ms, true),
        ("mean_ms", slo.mean_ms, |s| s.mean_ms, true),
        ("error_rate", slo.error_rate, |s| s.error_rate, true),
        ("stale_ratio", slo.stale_ratio, |s| s.stale_ratio, true),
    ];
    for (name, limit, figure, upper) in checks {
        let Some(limit) = limit else { continue };
        let values: Vec<Option<f64>> = summaries.iter().map(figure).collect();
        // A replication with nothing to measure (no success) fails the limit.
        let (mean, compared) = if values.iter().any(Option::is_none) {
            (None, None)
        } else {
            let values: Vec<f64> = values.into_iter().flatten().collect();
            let (mean, half) = mean_ci95(&values);
            // The pessimistic end of the interval: up for an upper limit.
            let half = if confidence { half.unwrap_or(0.0) } else { 0.0 };
            (mean, mean.map(|m| if upper { m + half } else { m - half }))
        };
        within &= compared.is_some_and(|c| if upper { c <= limit } else { c >= limit });
        figures.push((name.to_owned(), mean, compared, limit));
    }
    (within, figures)
}

/// Bisection between `low` (should hold) and `high` (should fail), to a
/// bracket `hi/lo − 1 ≤ tolerance` (geometric midpoints for positive
/// ranges; unit steps for integer keys).
pub(super) fn bisect<E>(
    low: f64,
    high: f64,
    tolerance: f64,
    integer: bool,
    mut probe: impl FnMut(f64) -> Result<Probe, E>,
) -> Result<Search, E> {
    let limiting = |p: &Probe| -> Option<String> {
        if p.kind == "spike" {
            return Some(format!("recovery ({:.0} % of runs recovered)", p.recovered_share * 100.0));
        }
        if p.kind == "ride-out" {
            return Some(format!(
                "the SLO in a window during or after the spike ({:.0} % of runs held it throughout)",
                p.ridden_out_share * 100.0
            ));
        }
        p.figures.iter().max_by(|a, b| ratio(a).total_cmp(&ratio(b))).map(|(name, ..)| name.clone())
    };
    let first = probe(low)?;
    if !first.holds {
        return Ok(Search {
            verdict: Verdict::BelowRange,
            holds_at: None,
            fails_at: Some(low),
            limiting: limiting(&first),
            probes: 1,
        });
    }
    let last = probe(high)?;
    if last.holds {
        return Ok(Search {
            verdict: Verdict::AboveRange,
            holds_at: Some(high),
            fails_at: None,
            limiting: None,
            probes: 2,
        });
    }
    let (mut lo, mut hi, mut failing) = (low, high, last);
    let mut probes = 2;
    let done = |lo: f64, hi: f64| {
        if integer {
            hi - lo <= 1.0
        } else {
            hi <= lo * (1.0 + tolerance) || hi - lo <= f64::EPSILON * hi.abs()
        }
    };
    while !done(lo, hi) {
        let mid = if integer {
            ((lo + hi) / 2.0).floor().max(lo + 1.0).min(hi - 1.0)
        } else if lo > 0.0 {
            (lo * hi).sqrt()
        } else {
            (lo + hi) / 2.0
        };
        let p = probe(mid)?;
        probes += 1;
        if p.holds {
            lo = mid;
        } else {
            hi = mid;
            failing = p;
        }
    }
    Ok(Search {
        verdict: Verdict::Found,
        holds_at: Some(lo),
        fails_at: Some(hi),
        limiting: limiting(&failing),
        probes,
    })
}

/// How far a figure is past (or toward) its limit; missing = infinitely far.
fn ratio(figure: &Checked) -> f64 {
    // The good ratio is a lower limit: compare the shares that are not good.
    if figure.0 == "good_ratio" {
        return match figure.2 {
            Some(value) if figure.3 < 1.0 => (1.0 - value) / (1.0 - figure.3),
            Some(value) => 1.0 - value,
            None => f64::INFINITY,
        };
    }
    match figure.2 {
        Some(value) if figure.3 > 0.0 => value / figure.3,
        Some(value) => value,
        None => f64::INFINITY,
    }
}

/// Reads one figure of a run's summary.
type Figure = fn(&Summary) -> Option<f64>;

/// A variant's name and its key settings as `(path, value)`.
pub type VariantSettings = (String, Vec<(String, String)>);

/// The model keys a capacity review looks at first.
const KEY_SETTINGS: [&str; 16] = [
    "clients.rate_rps",
    "clients.timeout_ms",
    "clients.max_attempts",
    "clients.retry_budget_ratio",
    "workload.keys",
    "workload.zipf_s",
    "workload.read_fraction",
    "cache.capacity",
    "cache.eviction",
    "cache.ttl_s",
    "cache.invalidation",
    "cache.stampede",
    "db.servers",
    "db.queue_limit",
    "db.queue_timeout_ms",
    "db.read",
];

/// Each variant's key settings as `(path, value)`, as resolved at the
/// search's low end (for the report).
pub fn key_settings(experiment: &Experiment, base: &[String]) -> Result<Vec<VariantSettings>, ScenarioError> {
    let text = crate::scenario::read_input(&experiment.model)?;
    let mut out = Vec::new();
    for variant in &experiment.variants {
        let mut overrides: Vec<Override> = experiment.set.clone();
        overrides.extend(variant.set.iter().cloned());
        if let Some(plan) = &experiment.plan {
            overrides.push(Override::argument(assignment(
                &plan.search,
                plan.current.unwrap_or(plan.low),
                integer(plan),
            )));
        }
        overrides.extend(base.iter().map(Override::argument));
        let loaded = load_model_with(&experiment.model, &text, &overrides)?;
        let tree: toml::Table = toml::from_str(&loaded.resolved_toml()).expect("the resolved model is TOML");
        let settings = KEY_SETTINGS
            .iter()
            .filter_map(|path| {
                let mut value = toml::Value::Table(tree.clone());
                for part in path.split('.') {
                    value = value.get(part)?.clone();
                }
                let shown = match value {
                    toml::Value::String(s) => s,
                    other => other.to_string(),
                };
                Some(((*path).to_owned(), shown))
            })
            .collect();
        out.push((variant.name.clone(), settings));
    }
    Ok(out)
}
