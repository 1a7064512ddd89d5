//! `outage-sim review`: the questions of a capacity review, asked of
//! every variant at the forecast peak — how much load it takes (the
//! goodput curve, then the `plan` bisection inside the curve's bracket),
//! what losing 1..k components of each kind does, and what a cold cache
//! costs — each answered from probes (one model, every replication).
//!
//! The work is a list of tasks (a variant's load questions, its cold
//! cache, each loss): tasks run in parallel, a shard runs every N-th, and
//! every probe is stored (`probe_store.rs`), so a review resumes, and
//! shards merge, by reusing stored probes. What the probes mean is
//! `answers.rs`'s business.

mod answers;
mod probe_store;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::engine::RandomStreams;
use crate::metrics::{Tier, WindowRow};
use crate::scenario::{Experiment, Location, LossKind, PlanSlo, Problem, ReviewSpec, ScenarioError};
use crate::stack::{self, Model, ReadFrom, RunError};

use super::capacity::{ModelSource, Probe, Search, bisect, judge};
use super::execute::Shard;
use super::jobs::{add_once, fnv1a, refuse_fixed_keys};

pub use answers::{
    ColdAnswer, CurvePoint, LossAnswer, Recommendation, ReviewAnswers, TierUse, VariantAnswers, answer,
    broken, percent,
};
pub use probe_store::{Levels, Outcome, PROBES, ProbeStore, RunRecord, StoreError};

/// What a variant's model is, as the review needs it.
#[derive(Debug, Clone)]
pub struct VariantFacts {
    pub name: String,
    /// Today's load (`clients.rate_rps`) and the forecast peak.
    pub today_rps: f64,
    pub peak_rps: f64,
    /// Each kind tried: how many the model has, and the most lost at once.
    pub losses: Vec<(LossKind, usize, usize)>,
    pub loss_at_s: f64,
    pub duration_s: f64,
    pub window_s: f64,
    pub recovery_windows: u32,
    /// Connections of the database nodes, all of them and those that
    /// serve reads (the replicas', when they take the reads); a read's
    /// mean service time [s].
    pub reads_on_replicas: bool,
    pub db_connections: f64,
    pub db_read_connections: f64,
    pub db_read_mean_s: f64,
    /// The model's per-window objective, for worst windows and recovery.
    pub window_slo: crate::metrics::Slo,
}

/// A question of the review, for one variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    /// The goodput curve and the headroom search.
    Load,
    /// A flushed cache at the peak.
    Cold,
    /// `n` components of a kind lost at the peak.
    Loss(LossKind, usize),
}

/// One unit of work: a question of a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Task {
    pub variant: usize,
    pub question: Question,
}

/// Why a review failed.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{}: no [review] section: `outage-sim review` needs one", .0.display())]
    NoReview(PathBuf),
    #[error(transparent)]
    Model(#[from] ScenarioError),
    #[error("{0}")]
    Run(#[from] RunError),
    #[error("cannot start the worker threads: {0}")]
    Threads(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Stopped by a signal; the finished probes are stored.
    #[error(
        "interrupted: {done} probes finished and kept in {}; run the same command with --resume to continue",
        dir.display()
    )]
    Interrupted { done: usize, dir: PathBuf },
}

/// A review whose every model loaded: ready to run.
pub struct CheckedReview<'a> {
    pub experiment: &'a Experiment,
    pub spec: &'a ReviewSpec,
    source: ModelSource,
    pub variants: Vec<VariantFacts>,
    /// The objective every probe is held to.
    pub slo: PlanSlo,
    pub replications: u32,
    /// The goodput curve's multiples of the peak (1 always among them).
    pub curve: Vec<f64>,
}

/// Keys the review sets itself: a `--set` of them would be overwritten.
const REVIEWED: [&str; 3] = ["clients.rate_rps", "clients.schedule", "faults"];

/// Checks the review of `experiment` before anything is written: every
/// variant's model must load at the peak, at the search's ends and with
/// each loss. The notes, each once, go to `on_notes`.
pub fn check_review<'a>(
    experiment: &'a Experiment,
    base: &[String],
    on_notes: impl FnOnce(&[Problem]),
) -> Result<CheckedReview<'a>, ReviewError> {
    let spec = experiment.review.as_ref().ok_or_else(|| ReviewError::NoReview(experiment.path.clone()))?;
    refuse_fixed_keys(base, &REVIEWED, "what the review sets itself")?;
    let source = ModelSource::new(experiment, base)?.located_at(experiment.review_at.clone());
    let asked = spec.loss_kinds().expect("checked when the experiment was read");
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    let mut variants = Vec::new();
    // Problems found with the models are located at the `[review]` header.
    let at_review = |message: String| Problem {
        location: experiment.review_at.clone().unwrap_or(Location::Default),
        key: Some("review".into()),
        message,
    };
    for v in 0..experiment.variants.len() {
        let name = experiment.variants[v].name.clone();
        // The model as the review runs it: its own faults and surges gone.
        let quiet = ["clients.schedule=[]".to_owned(), "faults=[]".to_owned()];
        let loaded = source.loaded(experiment, v, &quiet)?;
        add_once(&mut notes, &loaded.notes);
        let model = loaded.model;
        if model.clients.users.is_some() || model.clients.rate_series.is_some() {
            problems.push(at_review(format!(
                "variant `{name}`: the review sets the load as clients.rate_rps; its model's load is {}",
                if model.clients.users.is_some() { "a closed loop (clients.users)" } else { "a rate file" }
            )));
            continue;
        }
        let today_rps = model.clients.rate_rps;
        let peak_rps = spec.peak_rps.unwrap_or_else(|| today_rps * spec.growth.unwrap_or(1.0));
        let counts = [
            (LossKind::CacheNode, usize::from(model.cache.cluster.nodes), 2),
            (LossKind::Replica, usize::from(model.db.replicas), 1),
            (LossKind::AppInstance, model.app.as_ref().map_or(0, |a| usize::from(a.instances)), 2),
            (LossKind::Zone, usize::from(model.zones), 2),
        ];
        let mut losses = Vec::new();
        for (kind, count, needed) in counts {
            let listed = asked.as_ref().is_none_or(|a| a.contains(&kind));
            if !listed {
                continue;
            }
            // By default only what the model has more than one of (a
            // replica: any); a kind listed that the model lacks is an error.
            if count < if asked.is_some() { 1 } else { needed } {
                if asked.is_some() {
                    problems.push(at_review(format!(
                        "variant `{name}`: losses lists `{kind}` but its model has {}",
                        kind.noun(count)
                    )));
                }
                continue;
            }
            let most = if kind == LossKind::Zone { 1 } else { count.min(spec.k as usize) };
            losses.push((kind, count, most));
        }
        let duration_s = model.run.duration.as_secs();
        let loss_at_s = spec.loss_at_s.unwrap_or(model.run.warmup.as_secs());
        if loss_at_s >= duration_s {
            problems.push(at_review(format!(
                "variant `{name}`: loss_at_s ({loss_at_s}) must be before the end of the run ({duration_s} s)"
            )));
            continue;
        }
        let db_nodes = 1.0 + f64::from(model.db.replicas);
        let servers = f64::from(model.db.servers);
        let reads_on_replicas = model.db.replicas > 0 && model.db.read_from == ReadFrom::Replicas;
        let read_nodes = if reads_on_replicas { f64::from(model.db.replicas) } else { 1.0 };
        variants.push(VariantFacts {
            name,
            today_rps,
            peak_rps,
            losses,
            loss_at_s,
            duration_s,
            window_s: model.run.window.as_secs(),
            recovery_windows: model.slo.recovery_windows,
            reads_on_replicas,
            db_connections: servers * db_nodes,
            db_read_connections: servers * read_nodes,
            db_read_mean_s: model.db.read.mean_ms() / 1e3,
            window_slo: model.slo.clone(),
        });
    }
    if !problems.is_empty() {
        return Err(ScenarioError::Invalid(problems).into());
    }
    let replications = spec.replications.unwrap_or(experiment.replications);
    let mut curve = spec.curve.clone();
    if !curve.contains(&1.0) {
        curve.push(1.0);
        curve.sort_by(f64::total_cmp);
    }
    let checked =
        CheckedReview { experiment, spec, source, variants, slo: PlanSlo::default(), replications, curve };
    // Every probe's model must load: the search's ends and every loss.
    for (v, facts) in checked.variants.iter().enumerate() {
        let (low, high) = checked.search_range(facts);
        let at = |load: f64| format!("{load}/s");
        let mut extras = vec![
            (format!("the headroom search's low end, {}", at(low)), overrides(low, &[])),
            (format!("the headroom search's high end, {}", at(high)), overrides(high, &[])),
        ];
        for &(kind, _, most) in &facts.losses {
            let what = format!("losing {} at the peak, {}", kind.noun(most), at(facts.peak_rps));
            extras.push((what, overrides(facts.peak_rps, &loss_faults(facts, kind, most))));
        }
        let what = format!("the cold cache at the peak, {}", at(facts.peak_rps));
        extras.push((what, overrides(facts.peak_rps, &[flush_fault(facts)])));
        for (what, extra) in extras {
            let loaded = checked.source.loaded(experiment, v, &extra).map_err(|e| {
                explained(e, experiment.review_at.as_ref(), &format!("variant `{}`, {what}", facts.name))
            })?;
            add_once(&mut notes, &loaded.notes);
        }
    }
    on_notes(&notes);
    let slo = spec.slo.clone().unwrap_or(PlanSlo {
        good_ratio: Some(0.99),
        error_rate: checked.variants.first().map(|f| f.window_slo.error_rate),
        ..PlanSlo::default()
    });
    Ok(CheckedReview { slo, ..checked })
}

/// Says which probe a problem of the review's own overrides comes from:
/// the user wrote a forecast, not `clients.rate_rps = …`.
fn explained(error: ScenarioError, review_at: Option<&Location>, probe: &str) -> ScenarioError {
    match error {
        ScenarioError::Invalid(problems) => ScenarioError::Invalid(
            problems
                .into_iter()
                .map(|mut p| {
                    if Some(&p.location) == review_at {
                        p.message = format!("{} (in the review's probe of {probe})", p.message);
                    }
                    p
                })
                .collect(),
        ),
        other => other,
    }
}

impl CheckedReview<'_> {
    /// The base model's text, as the review read it.
    pub fn model_text(&self) -> &str {
        self.source.text()
    }

    /// The headroom search's widest range [requests/s].
    pub fn search_range(&self, facts: &VariantFacts) -> (f64, f64) {
        (
            self.spec.low_rps.unwrap_or(facts.peak_rps / 8.0),
            self.spec.high_rps.unwrap_or(facts.peak_rps * 8.0),
        )
    }

    /// Every task, in order: per variant its load questions, its cold
    /// cache, then each loss kind 1..k.
    pub fn tasks(&self) -> Vec<Task> {
        let mut tasks = Vec::new();
        for (variant, facts) in self.variants.iter().enumerate() {
            tasks.push(Task { variant, question: Question::Load });
            tasks.push(Task { variant, question: Question::Cold });
            for &(kind, _, most) in &facts.losses {
                for n in 1..=most {
                    tasks.push(Task { variant, question: Question::Loss(kind, n) });
                }
            }
        }
        tasks
    }

    /// About how many probes a task runs (the search's bisection: a guess).
    fn expected_probes(&self, task: &Task) -> usize {
        match task.question {
            Question::Load => self.curve.len() + 4,
            _ => 1,
        }
    }
}

/// The model overrides of a probe at `load` with `faults`.
fn overrides(load: f64, faults: &[String]) -> Vec<String> {
    vec![
        format!("clients.rate_rps={load:?}"),
        "clients.schedule=[]".into(),
        format!("faults=[{}]", faults.join(", ")),
    ]
}

/// The faults of losing `n` components of `kind`: from `loss_at_s` to the
/// end of the run.
fn loss_faults(facts: &VariantFacts, kind: LossKind, n: usize) -> Vec<String> {
    let (at, lasting) = (facts.loss_at_s, facts.duration_s - facts.loss_at_s);
    let fault = |kind: &str, target: &str| {
        format!("{{ kind = \"{kind}\", {target}, at_s = {at:?}, duration_s = {lasting:?} }}")
    };
    match kind {
        LossKind::CacheNode => (0..n).map(|i| fault("cache-down", &format!("node = {i}"))).collect(),
        LossKind::Replica => (1..=n).map(|i| fault("db-down", &format!("replica = {i}"))).collect(),
        LossKind::AppInstance => (0..n).map(|i| fault("app-down", &format!("instance = {i}"))).collect(),
        LossKind::Zone => vec![fault("zone-down", "zone = 0")],
    }
}

/// Every entry dropped at `loss_at_s`: the cold cache.
fn flush_fault(facts: &VariantFacts) -> String {
    format!("{{ kind = \"cache-flush\", at_s = {:?} }}", facts.loss_at_s)
}

/// How a review runs: its workers, its store, a shard, the flag a signal
/// sets, and what to tell as runs finish (`done`, `expected` runs).
pub struct ReviewRun<'a> {
    pub threads: Option<usize>,
    pub store: &'a ProbeStore,
    pub shard: Option<Shard>,
    pub stop: Option<&'static AtomicBool>,
    pub progress: &'a (dyn Fn(usize, usize) + Sync),
}

/// One load probe: its load, its replications, and its verdict.
#[derive(Debug, Clone)]
pub struct LoadProbe {
    pub load_rps: f64,
    pub outcome: Outcome,
    pub probe: Probe,
}

/// Everything a variant's probes said.
#[derive(Debug, Clone)]
pub struct VariantProbes {
    /// The curve's points, in the order of `curve` (the peak among them).
    pub curve: Vec<LoadProbe>,
    /// The headroom search and the probes it ran beyond the curve's.
    pub search: Search,
    pub searched: Vec<LoadProbe>,
    pub cold: Outcome,
    /// Per loss kind tried, the outcome of losing 1, 2, … of them.
    pub losses: Vec<(LossKind, usize, Vec<Outcome>)>,
}

/// What a task found.
enum Found {
    Load { curve: Vec<LoadProbe>, search: Search, searched: Vec<LoadProbe> },
    Cold(Outcome),
    Loss(Outcome),
}

/// Runs the review's tasks (a shard's, with `run.shard`). Returns every
/// variant's probes when all tasks ran here, `None` for a shard.
pub fn run_review(
    checked: &CheckedReview<'_>,
    run: &ReviewRun<'_>,
) -> Result<Option<Vec<VariantProbes>>, ReviewError> {
    let tasks: Vec<(usize, Task)> = checked
        .tasks()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| run.shard.is_none_or(|s| i % s.count == s.index))
        .collect();
    let expected = AtomicUsize::new(
        tasks.iter().map(|(_, t)| checked.expected_probes(t)).sum::<usize>() * reps(checked),
    );
    let done = AtomicUsize::new(0);
    let ran = AtomicUsize::new(0);
    let counter = Counter { expected: &expected, done: &done, ran: &ran, progress: run.progress };
    counter.tell();
    let threads = run.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| ReviewError::Threads(e.to_string()))?;
    // The load task runs longest (a curve, then a bisection): first.
    let found: Result<Vec<(Task, Found)>, ReviewError> = pool.install(|| {
        tasks.par_iter().map(|(_, task)| Ok((*task, run_task(checked, run, &counter, task)?))).collect()
    });
    let found = match found {
        Err(ReviewError::Interrupted { dir, .. }) => {
            return Err(ReviewError::Interrupted {
                done: ran.load(Ordering::SeqCst) + run.store.reused(),
                dir,
            });
        }
        other => other?,
    };
    if run.shard.is_some() {
        return Ok(None);
    }
    let mut out = Vec::new();
    let mut found = found.into_iter();
    for facts in &checked.variants {
        let Some((_, Found::Load { curve, search, searched })) = found.next() else { unreachable!() };
        let Some((_, Found::Cold(cold))) = found.next() else { unreachable!() };
        let mut losses = Vec::new();
        for &(kind, count, most) in &facts.losses {
            let outcomes = (0..most)
                .map(|_| match found.next() {
                    Some((_, Found::Loss(o))) => o,
                    _ => unreachable!("tasks come in order"),
                })
                .collect();
            losses.push((kind, count, outcomes));
        }
        out.push(VariantProbes { curve, search, searched, cold, losses });
    }
    Ok(Some(out))
}

fn reps(checked: &CheckedReview<'_>) -> usize {
    checked.replications as usize
}

/// Counts finished runs for the progress callback.
struct Counter<'a> {
    expected: &'a AtomicUsize,
    done: &'a AtomicUsize,
    ran: &'a AtomicUsize,
    progress: &'a (dyn Fn(usize, usize) + Sync),
}

impl Counter<'_> {
    fn tell(&self) {
        let done = self.done.load(Ordering::SeqCst);
        let expected = self.expected.load(Ordering::SeqCst).max(done);
        (self.progress)(done, expected);
    }

    fn finished(&self, runs: usize, ran: bool) {
        self.done.fetch_add(runs, Ordering::SeqCst);
        if ran {
            self.ran.fetch_add(1, Ordering::SeqCst);
        }
        self.tell();
    }
}

fn run_task(
    checked: &CheckedReview<'_>,
    run: &ReviewRun<'_>,
    counter: &Counter<'_>,
    task: &Task,
) -> Result<Found, ReviewError> {
    let v = task.variant;
    let facts = &checked.variants[v];
    let probe = |extra: Vec<String>| stored_probe(checked, run, counter, v, &extra);
    match task.question {
        Question::Cold => Ok(Found::Cold(probe(overrides(facts.peak_rps, &[flush_fault(facts)]))?)),
        Question::Loss(kind, n) => {
            Ok(Found::Loss(probe(overrides(facts.peak_rps, &loss_faults(facts, kind, n)))?))
        }
        Question::Load => {
            let load_probe = |load: f64| -> Result<LoadProbe, ReviewError> {
                let outcome = probe(overrides(load, &[]))?;
                let summaries: Vec<_> = outcome.iter().map(|r| r.summary.clone()).collect();
                let (holds, figures) = judge(&summaries, &checked.slo, checked.spec.confidence);
                let probe = Probe {
                    variant: facts.name.clone(),
                    kind: "load",
                    value: load,
                    holds,
                    figures,
                    recovered_share: 0.0,
                    ridden_out_share: 0.0,
                    runs: outcome.len(),
                };
                Ok(LoadProbe { load_rps: load, outcome, probe })
            };
            let curve: Vec<LoadProbe> =
                checked.curve.par_iter().map(|m| load_probe(m * facts.peak_rps)).collect::<Result<_, _>>()?;
            // The bisection starts from the curve's bracket: the last load
            // that holds before the first that fails.
            let (low, high) = checked.search_range(facts);
            let first_fail = curve.iter().position(|p| !p.probe.holds);
            let (lo, hi) = match first_fail {
                Some(0) => (low.min(curve[0].load_rps), curve[0].load_rps),
                Some(i) => (curve[i - 1].load_rps, curve[i].load_rps),
                None => (curve[curve.len() - 1].load_rps, high.max(curve[curve.len() - 1].load_rps)),
            };
            let mut searched = Vec::new();
            let search = bisect(lo, hi, checked.spec.tolerance, false, |load| {
                if let Some(p) = curve.iter().chain(&searched).find(|p| p.load_rps == load) {
                    return Ok(p.probe.clone());
                }
                let p = load_probe(load)?;
                let verdict = p.probe.clone();
                searched.push(p);
                Ok::<Probe, ReviewError>(verdict)
            })?;
            // The guess for the bisection, now known.
            let guessed = 4 * reps(checked);
            let actual = searched.len() * reps(checked);
            if actual > guessed {
                counter.expected.fetch_add(actual - guessed, Ordering::SeqCst);
            } else {
                counter.expected.fetch_sub(guessed - actual, Ordering::SeqCst);
            }
            counter.tell();
            Ok(Found::Load { curve, search, searched })
        }
    }
}

/// The probe of variant `v` with `extra` overrides: from the store, or
/// run (every replication in parallel) and stored — unless a signal asked
/// to stop.
fn stored_probe(
    checked: &CheckedReview<'_>,
    run: &ReviewRun<'_>,
    counter: &Counter<'_>,
    v: usize,
    extra: &[String],
) -> Result<Outcome, ReviewError> {
    let loaded = checked.source.loaded(checked.experiment, v, extra)?;
    // The simulator's version and commit too: another build's probe may
    // not be this build's answer.
    let fingerprint = format!(
        "review probe\n{}\nseed={} replications={}\noutage-sim {} {}",
        loaded.resolved_toml(),
        checked.experiment.seed,
        checked.replications,
        env!("CARGO_PKG_VERSION"),
        crate::files::GIT_COMMIT.unwrap_or("")
    );
    let key = fnv1a(fingerprint.as_bytes());
    if let Some(outcome) = run.store.get(key) {
        counter.finished(outcome.len(), false);
        return Ok(outcome);
    }
    if run.stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
        return Err(ReviewError::Interrupted { done: 0, dir: run.store.dir().to_owned() });
    }
    let seeds = RandomStreams::new(checked.experiment.seed);
    let models: Vec<Model> = (0..checked.replications)
        .map(|r| {
            let mut m = loaded.model.clone();
            m.run.seed = seeds.derive(u64::from(r));
            m
        })
        .collect();
    let outcome: Outcome = models.par_iter().map(record).collect::<Result<_, _>>()?;
    run.store.put(key, &outcome)?;
    counter.finished(outcome.len(), true);
    Ok(outcome)
}

/// One run, as the review keeps it.
fn record(model: &Model) -> Result<RunRecord, RunError> {
    let result = stack::run(model)?;
    let warmup = model.run.warmup.as_secs();
    let measured: Vec<&WindowRow> = result.windows.iter().filter(|w| w.t_s >= warmup).collect();
    let mean = |f: &dyn Fn(&WindowRow) -> f64| {
        if measured.is_empty() {
            0.0
        } else {
            measured.iter().map(|w| f(w)).sum::<f64>() / measured.len() as f64
        }
    };
    let cache_utilization = measured
        .iter()
        .all(|w| w.cache_utilization.is_some())
        .then(|| mean(&|w| w.cache_utilization.unwrap_or(0.0)))
        .filter(|_| !measured.is_empty());
    let app_rows: Vec<_> = result.nodes.iter().filter(|n| n.tier == Tier::App && n.t_s >= warmup).collect();
    let app_queue_mean = (!app_rows.is_empty())
        .then(|| app_rows.iter().map(|n| n.queue).sum::<f64>() / measured.len().max(1) as f64);
    // A node's mean over the windows from warm-up on: the busiest one.
    let mut db_nodes: Vec<(u16, f64, usize)> = Vec::new();
    for n in result.nodes.iter().filter(|n| n.tier == Tier::Db && n.t_s >= warmup) {
        match db_nodes.iter_mut().find(|(id, ..)| *id == n.node) {
            Some((_, sum, count)) => {
                *sum += n.utilization.unwrap_or(0.0);
                *count += 1;
            }
            None => db_nodes.push((n.node, n.utilization.unwrap_or(0.0), 1)),
        }
    }
    let db_busiest_node = db_nodes
        .iter()
        .map(|(_, sum, count)| sum / *count as f64)
        .fold(None, |m: Option<f64>, u| Some(m.map_or(u, |m| m.max(u))))
        .unwrap_or(result.summary.db_utilization);
    let levels = Levels {
        db_busiest_node,
        app_queue_mean,
        cache_utilization,
        cache_queue_mean: mean(&|w| w.cache_queue),
        db_saturation: mean(&|w| w.db_saturation),
    };
    Ok(RunRecord { summary: result.summary, windows: result.windows, levels })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_the_load_the_schedule_and_the_faults() {
        let o = overrides(1500.0, &["{ kind = \"cache-flush\", at_s = 30.0 }".into()]);
        assert_eq!(o[0], "clients.rate_rps=1500.0");
        assert_eq!(o[1], "clients.schedule=[]");
        assert_eq!(o[2], "faults=[{ kind = \"cache-flush\", at_s = 30.0 }]");
    }
}
