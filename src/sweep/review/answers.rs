//! What the review's probes answer: headroom, the goodput curve with its
//! knee and collapse, the N−k matrix, the cold cache, USE and RED per
//! tier, retry amplification, staleness — and the recommendation in N+k
//! terms, derived from the matrix alone.
//!
//! Every figure is over every request the user sent (failures and
//! unfinished requests count against the objective), a mean over
//! replications unless it says worst: a review must not read better
//! during an outage.

use crate::metrics::{Summary, WindowHealth, WindowRow};
use crate::scenario::{LossKind, PlanSlo};

use super::super::aggregate::mean_ci95;
use super::super::capacity::{Checked, Search, judge};
use super::{CheckedReview, LoadProbe, Outcome, VariantFacts, VariantProbes};

/// The share of the steady hit ratio a cold cache must climb back to.
pub const REWARM_SHARE: f64 = 0.9;

/// Good throughput below this share of its best at a lower load marks
/// the collapse: more load, less good work.
pub const COLLAPSE_SHARE: f64 = 0.5;

/// The whole review's answers.
#[derive(Debug, Clone)]
pub struct ReviewAnswers {
    pub slo: PlanSlo,
    pub confidence: bool,
    pub replications: u32,
    pub variants: Vec<VariantAnswers>,
}

/// One point of the goodput curve.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvePoint {
    pub load_rps: f64,
    /// Requests that arrived per second, successes per second, and
    /// requests answered within the objective's latency per second.
    pub offered_rps: f64,
    pub goodput_rps: f64,
    pub good_rps: f64,
    pub holds: bool,
    pub attempts_per_request: Option<f64>,
}

/// A row of the N−k matrix (or the peak with nothing lost, or the cold
/// cache): whether the objective held, and how bad it got.
#[derive(Debug, Clone)]
pub struct LossAnswer {
    /// `None`: nothing lost.
    pub kind: Option<LossKind>,
    pub lost: usize,
    /// How many of the kind the model has.
    pub of: usize,
    pub label: String,
    pub holds: bool,
    /// The objective's figures: name, mean, the value compared, limit.
    pub figures: Vec<Checked>,
    /// The mean good ratio and its pessimistic 95 % bound.
    pub good_ratio: Option<f64>,
    pub good_ratio_bound: Option<f64>,
    pub error_rate: Option<f64>,
    /// The worst window from the loss on, over every replication.
    pub worst_good_ratio: Option<f64>,
    pub worst_user_p99_ms: Option<f64>,
    pub worst_at_s: Option<f64>,
    /// From the loss to the last window out of the objective's windows
    /// (0: none was), the worst replication's; `None` when a replication
    /// did not recover within the run.
    pub recover_s: Option<f64>,
    pub recovered_share: f64,
    /// Mean utilisation of the busiest database node from the loss on (a
    /// lost node's load lands on the others), and the busiest window of
    /// the tier as a whole.
    pub db_utilization: f64,
    pub db_busiest_window: f64,
    /// Replication 0's windows, for its timeline.
    pub windows: Vec<WindowRow>,
}

/// What a cold cache costs.
#[derive(Debug, Clone)]
pub struct ColdAnswer {
    /// Database load with every read a miss, over the database's
    /// connections: mean and 95 % half-width over replications.
    pub db_multiple: Option<f64>,
    pub db_multiple_ci95: Option<f64>,
    /// The hit ratio at the peak, warm (the target is REWARM_SHARE of it).
    pub steady_hit_ratio: Option<f64>,
    /// Time from the flush to holding REWARM_SHARE of the steady hit ratio
    /// for `recovery_windows` windows: the slowest replication's; `None`
    /// when one never got there.
    pub rewarm_s: Option<f64>,
    pub rewarmed_share: f64,
    /// The flushed run as a matrix row.
    pub run: LossAnswer,
}

/// USE and RED of one tier at the peak.
#[derive(Debug, Clone, PartialEq)]
pub struct TierUse {
    pub tier: &'static str,
    /// RED: rate [/s], errors over the rate, duration [ms] (and what it is).
    pub rate_per_s: f64,
    pub error_ratio: Option<f64>,
    pub duration_ms: Option<f64>,
    pub duration_is: &'static str,
    /// USE: utilisation, saturation (and what it is), errors [/s].
    pub utilization: Option<f64>,
    pub saturation: Option<f64>,
    pub saturation_is: &'static str,
    pub errors_per_s: f64,
}

/// The N+k statement of a variant, derived from its matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// The most of every tried kind lost at once with the objective held
    /// (`None`: no kind tried, or the peak fails with nothing lost).
    pub redundancy: Option<usize>,
    /// One sentence per kind, and a headline.
    pub lines: Vec<String>,
    pub headline: String,
}

/// One variant's answers.
#[derive(Debug, Clone)]
pub struct VariantAnswers {
    pub name: String,
    pub today_rps: f64,
    pub peak_rps: f64,
    pub headroom: Search,
    /// The load that holds over the peak.
    pub headroom_ratio: Option<f64>,
    pub curve: Vec<CurvePoint>,
    pub knee_rps: Option<f64>,
    pub collapse_rps: Option<f64>,
    pub at_peak: LossAnswer,
    pub losses: Vec<LossAnswer>,
    pub cold: ColdAnswer,
    pub tiers: Vec<TierUse>,
    /// Attempts per request at the first load that fails (just past the
    /// knee) and at the peak.
    pub amplification_knee: Option<f64>,
    pub amplification_peak: Option<f64>,
    pub stale_ratio: Option<f64>,
    pub stale_age_p99_ms: Option<f64>,
    pub recommendation: Recommendation,
}

/// Reads the answers out of every variant's probes.
pub fn answer(checked: &CheckedReview<'_>, probes: &[VariantProbes]) -> ReviewAnswers {
    let variants =
        checked.variants.iter().zip(probes).map(|(facts, p)| variant_answers(checked, facts, p)).collect();
    ReviewAnswers {
        slo: checked.slo.clone(),
        confidence: checked.spec.confidence,
        replications: checked.replications,
        variants,
    }
}

fn variant_answers(checked: &CheckedReview<'_>, facts: &VariantFacts, p: &VariantProbes) -> VariantAnswers {
    let peak =
        p.curve.iter().find(|c| c.load_rps == facts.peak_rps).expect("the curve holds the peak").clone();
    let at_peak = loss_answer(checked, facts, None, 0, 0, &peak.outcome);
    let losses: Vec<LossAnswer> = p
        .losses
        .iter()
        .flat_map(|(kind, count, outcomes)| {
            outcomes
                .iter()
                .enumerate()
                .map(|(i, o)| loss_answer(checked, facts, Some(*kind), i + 1, *count, o))
        })
        .collect();
    let mut points: Vec<&LoadProbe> = p.curve.iter().chain(&p.searched).collect();
    points.sort_by(|a, b| a.load_rps.total_cmp(&b.load_rps));
    let curve: Vec<CurvePoint> = points.iter().map(|lp| curve_point(lp)).collect();
    let knee_rps = p.search.holds_at;
    let collapse_rps = collapse(&curve, knee_rps.unwrap_or(0.0));
    let amplification_knee = p
        .search
        .fails_at
        .and_then(|f| points.iter().find(|lp| lp.load_rps == f))
        .and_then(|lp| mean_of(&lp.outcome, |s| s.attempts_per_request));
    let summaries = summaries(&peak.outcome);
    let cold = cold_answer(checked, facts, &summaries, &p.cold);
    let recommendation = recommend(facts, &at_peak, &losses, p.search.holds_at);
    VariantAnswers {
        name: facts.name.clone(),
        today_rps: facts.today_rps,
        peak_rps: facts.peak_rps,
        headroom: p.search.clone(),
        headroom_ratio: p.search.holds_at.map(|h| h / facts.peak_rps),
        curve,
        knee_rps,
        collapse_rps,
        losses,
        cold,
        tiers: tiers(&peak.outcome),
        amplification_knee,
        amplification_peak: mean_of(&peak.outcome, |s| s.attempts_per_request),
        stale_ratio: mean_of(&peak.outcome, |s| s.stale_ratio),
        stale_age_p99_ms: worst_of(&peak.outcome, |s| s.stale_age_p99_ms),
        recommendation,
        at_peak,
    }
}

fn summaries(outcome: &Outcome) -> Vec<Summary> {
    outcome.iter().map(|r| r.summary.clone()).collect()
}

/// The mean over replications of a figure defined in all of them.
fn mean_of(outcome: &Outcome, f: impl Fn(&Summary) -> Option<f64>) -> Option<f64> {
    let values: Option<Vec<f64>> = outcome.iter().map(|r| f(&r.summary)).collect();
    values.and_then(|v| mean_ci95(&v).0)
}

/// The largest over replications of a figure, where defined.
fn worst_of(outcome: &Outcome, f: impl Fn(&Summary) -> Option<f64>) -> Option<f64> {
    outcome.iter().filter_map(|r| f(&r.summary)).reduce(f64::max)
}

fn curve_point(lp: &LoadProbe) -> CurvePoint {
    let per_s = |f: &dyn Fn(&Summary) -> f64| {
        mean_ci95(
            &lp.outcome.iter().map(|r| f(&r.summary) / r.summary.measured_s.max(1e-9)).collect::<Vec<_>>(),
        )
        .0
        .unwrap_or(0.0)
    };
    CurvePoint {
        load_rps: lp.load_rps,
        offered_rps: per_s(&|s| s.requests as f64),
        goodput_rps: per_s(&|s| s.successes as f64),
        good_rps: per_s(&|s| s.requests as f64 * s.good_ratio.unwrap_or(0.0)),
        holds: lp.probe.holds,
        attempts_per_request: mean_of(&lp.outcome, |s| s.attempts_per_request),
    }
}

/// The first load past the knee whose good throughput fell below
/// COLLAPSE_SHARE of the best at any lower load.
fn collapse(curve: &[CurvePoint], knee: f64) -> Option<f64> {
    let mut best: f64 = 0.0;
    for p in curve {
        if p.load_rps > knee && p.good_rps < COLLAPSE_SHARE * best {
            return Some(p.load_rps);
        }
        best = best.max(p.good_rps);
    }
    None
}

/// A window's good ratio for the worst-window figure: one with nothing
/// answered is as bad as it gets.
fn window_good(w: &WindowRow) -> f64 {
    w.good_ratio.unwrap_or(0.0)
}

fn loss_answer(
    checked: &CheckedReview<'_>,
    facts: &VariantFacts,
    kind: Option<LossKind>,
    lost: usize,
    of: usize,
    outcome: &Outcome,
) -> LossAnswer {
    let summaries = summaries(outcome);
    let (holds, figures) = judge(&summaries, &checked.slo, checked.spec.confidence);
    let (good_ratio, good_ratio_bound) = match figures.iter().find(|f| f.0 == "good_ratio") {
        Some(f) => (f.1, f.2),
        None => (mean_of(outcome, |s| s.good_ratio), None),
    };
    let from = facts.loss_at_s;
    let mut worst: Option<(f64, f64)> = None;
    let mut worst_p99: Option<f64> = None;
    let mut recover: Vec<Option<f64>> = Vec::new();
    for run in outcome {
        let after: Vec<&WindowRow> = run.windows.iter().filter(|w| w.t_s >= from).collect();
        for w in &after {
            let g = window_good(w);
            if worst.is_none_or(|(wg, _)| g < wg) {
                worst = Some((g, w.t_s));
            }
            if let Some(p) = w.user_p99_ms {
                worst_p99 = Some(worst_p99.map_or(p, |q: f64| q.max(p)));
            }
        }
        recover.push(recovery(facts, &after));
    }
    let recovered = recover.iter().filter(|r| r.is_some()).count();
    let db = |f: &dyn Fn(&WindowRow) -> f64| {
        outcome.iter().flat_map(|r| r.windows.iter().filter(|w| w.t_s >= from)).map(f).fold(0.0, f64::max)
    };
    LossAnswer {
        kind,
        lost,
        of,
        label: kind.map_or_else(|| "nothing lost".to_owned(), |k| format!("lose {}", k.noun(lost))),
        holds,
        figures,
        good_ratio,
        good_ratio_bound,
        error_rate: mean_of(outcome, |s| s.error_rate),
        worst_good_ratio: worst.map(|w| w.0),
        worst_at_s: worst.map(|w| w.1),
        worst_user_p99_ms: worst_p99,
        recover_s: if recovered == recover.len() {
            recover.into_iter().flatten().reduce(f64::max)
        } else {
            None
        },
        recovered_share: recovered as f64 / outcome.len().max(1) as f64,
        db_utilization: mean_ci95(&outcome.iter().map(|r| r.levels.db_busiest_node).collect::<Vec<_>>())
            .0
            .unwrap_or(0.0),
        db_busiest_window: db(&|w| w.db_utilization),
        windows: outcome.first().map(|r| r.windows.clone()).unwrap_or_default(),
    }
}

/// From `facts.loss_at_s` to the end of the last window out of the
/// per-window objective; 0 if none was, `None` if the run ended without
/// `recovery_windows` good windows after it.
fn recovery(facts: &VariantFacts, after: &[&WindowRow]) -> Option<f64> {
    let bad = |w: &WindowRow| !facts.window_slo.holds(&WindowHealth::of(w));
    let Some(last_bad) = after.iter().rposition(|w| bad(w)) else { return Some(0.0) };
    let good_after = after.len() - last_bad - 1;
    (good_after >= facts.recovery_windows as usize)
        .then(|| after[last_bad].t_s + facts.window_s - facts.loss_at_s)
}

fn cold_answer(
    checked: &CheckedReview<'_>,
    facts: &VariantFacts,
    warm: &[Summary],
    cold: &Outcome,
) -> ColdAnswer {
    // At 0 % hits every lookup is a read of the database. Where replicas
    // serve the reads, that is their load; where the primary does, it
    // adds to the busy connections it has now (its writes and misses).
    let multiples: Vec<f64> = warm
        .iter()
        .map(|s| {
            let per_s = |n: u64| n as f64 / s.measured_s.max(1e-9);
            if facts.reads_on_replicas {
                per_s(s.lookups) * facts.db_read_mean_s / facts.db_read_connections
            } else {
                let busy = s.db_utilization * facts.db_connections;
                (busy + per_s(s.hits) * facts.db_read_mean_s) / facts.db_read_connections
            }
        })
        .collect();
    let (db_multiple, db_multiple_ci95) = mean_ci95(&multiples);
    let steady: Option<Vec<f64>> = warm.iter().map(|s| s.hit_ratio).collect();
    let steady_hit_ratio = steady.and_then(|v| mean_ci95(&v).0);
    let rewarm: Vec<Option<f64>> = cold
        .iter()
        .map(|run| {
            let target = REWARM_SHARE * steady_hit_ratio?;
            let after: Vec<&WindowRow> = run.windows.iter().filter(|w| w.t_s >= facts.loss_at_s).collect();
            let need = (facts.recovery_windows as usize).max(1);
            (0..after.len().saturating_sub(need - 1))
                .find(|&i| after[i..i + need].iter().all(|w| w.hit_ratio.is_some_and(|h| h >= target)))
                .map(|i| after[i].t_s + facts.window_s - facts.loss_at_s)
        })
        .collect();
    let rewarmed = rewarm.iter().filter(|r| r.is_some()).count();
    ColdAnswer {
        db_multiple,
        db_multiple_ci95,
        steady_hit_ratio,
        rewarm_s: if rewarmed == rewarm.len() { rewarm.into_iter().flatten().reduce(f64::max) } else { None },
        rewarmed_share: rewarmed as f64 / cold.len().max(1) as f64,
        run: LossAnswer { label: "cache flushed".into(), ..loss_answer(checked, facts, None, 0, 0, cold) },
    }
}

/// USE and RED per tier at the peak, means over replications.
fn tiers(outcome: &Outcome) -> Vec<TierUse> {
    let mean = |f: &dyn Fn(&crate::sweep::review::RunRecord) -> f64| {
        mean_ci95(&outcome.iter().map(f).collect::<Vec<_>>()).0.unwrap_or(0.0)
    };
    let mean_opt = |f: &dyn Fn(&crate::sweep::review::RunRecord) -> Option<f64>| {
        let v: Option<Vec<f64>> = outcome.iter().map(f).collect();
        v.and_then(|v| mean_ci95(&v).0)
    };
    let per_s = |n: u64, s: &Summary| n as f64 / s.measured_s.max(1e-9);
    let ratio = |n: u64, d: u64| if d == 0 { None } else { Some(n as f64 / d as f64) };
    let has_app = outcome.iter().any(|r| r.summary.app_utilization.is_some());
    let mut out = vec![TierUse {
        tier: if has_app { "app (requests)" } else { "requests" },
        rate_per_s: mean(&|r| per_s(r.summary.requests, &r.summary)),
        error_ratio: mean_opt(&|r| r.summary.error_rate),
        duration_ms: mean_opt(&|r| r.summary.user_p99_ms),
        duration_is: "p99 of all requests",
        utilization: if has_app { mean_opt(&|r| r.summary.app_utilization) } else { None },
        saturation: if has_app { mean_opt(&|r| r.levels.app_queue_mean) } else { None },
        saturation_is: "requests queued for a worker",
        errors_per_s: mean(&|r| per_s(r.summary.errors, &r.summary)),
    }];
    out.push(TierUse {
        tier: "cache",
        rate_per_s: mean(&|r| per_s(r.summary.lookups, &r.summary)),
        error_ratio: mean_opt(&|r| ratio(r.summary.cache_down_errors, r.summary.lookups)),
        duration_ms: None,
        duration_is: "",
        utilization: mean_opt(&|r| r.levels.cache_utilization),
        saturation: Some(mean(&|r| r.levels.cache_queue_mean)),
        saturation_is: "lookups queued",
        errors_per_s: mean(&|r| per_s(r.summary.cache_down_errors, &r.summary)),
    });
    let db_errors = |s: &Summary| s.rejected + s.shed_queries + s.db_down_errors;
    out.push(TierUse {
        tier: "database",
        rate_per_s: mean(&|r| per_s(r.summary.db_jobs, &r.summary)),
        error_ratio: mean_opt(&|r| ratio(db_errors(&r.summary), r.summary.db_jobs + r.summary.rejected)),
        duration_ms: mean_opt(&|r| r.summary.db_wait_mean_ms),
        duration_is: "mean wait for a connection",
        utilization: Some(mean(&|r| r.summary.db_utilization)),
        saturation: Some(mean(&|r| r.levels.db_saturation)),
        saturation_is: "share of time every connection busy",
        errors_per_s: mean(&|r| per_s(db_errors(&r.summary), &r.summary)),
    });
    out
}

/// The N+k statement: per kind, the most lost at once with every smaller
/// loss also held — read off the matrix, never written by hand.
fn recommend(
    facts: &VariantFacts,
    at_peak: &LossAnswer,
    losses: &[LossAnswer],
    holds_up_to: Option<f64>,
) -> Recommendation {
    let peak = facts.peak_rps;
    let mut lines = Vec::new();
    if !at_peak.holds {
        let headroom = holds_up_to.map_or_else(
            || "it holds at no load searched, however low".to_owned(),
            |h| format!("it holds only up to {h:.0} requests/s ({:.0} % of the peak)", 100.0 * h / peak),
        );
        lines.push(format!(
            "At the peak of {peak:.0} requests/s it misses the objective with nothing lost \
             ({}): {headroom}. Fix that before asking about redundancy.",
            broken(&at_peak.figures)
        ));
        return Recommendation {
            redundancy: None,
            headline: format!("{}: fails at the peak with nothing lost — below N+0", facts.name),
            lines,
        };
    }
    // Per kind, the most lost with every smaller loss held: exact where a
    // larger loss failed, a lower bound where every loss tried held.
    let mut exact: Option<(usize, String)> = None;
    let mut bound: Option<(usize, String)> = None;
    let mut zone_lost = false;
    for &(kind, count, most) in &facts.losses {
        let rows: Vec<&LossAnswer> = losses.iter().filter(|l| l.kind == Some(kind)).collect();
        let held = rows.iter().take_while(|r| r.holds).count();
        if kind == LossKind::Zone {
            lines.push(if held == 1 {
                format!("Survives losing a zone (zone 0, {count} zones) at the peak.")
            } else {
                format!("Does not survive losing a zone (zone 0, {count} zones) at the peak.")
            });
            zone_lost |= held == 0;
            continue;
        }
        let all = kind.noun(count);
        let line = if held == 0 {
            format!("{all} do not hold the objective with one lost: N+0.")
        } else if held < most {
            format!(
                "{all} hold the objective with {held} lost; with {} lost ({} left) they do not: N+{held}.",
                held + 1,
                count - held - 1
            )
        } else {
            format!("{all} hold the objective with {held} lost, the most tried: at least N+{held}.")
        };
        lines.push(line);
        let slot = if held < most { &mut exact } else { &mut bound };
        if slot.as_ref().is_none_or(|(r, _)| held < *r) {
            *slot = Some((held, all));
        }
    }
    let headroom =
        holds_up_to.map_or_else(String::new, |h| format!("holds to ×{:.2} of the peak; ", h / peak));
    let zone = if zone_lost { "; does not survive losing a zone" } else { "" };
    let name = &facts.name;
    let (redundancy, headline) = match (exact, bound) {
        (Some((e, weakest)), b) if b.as_ref().is_none_or(|(b, _)| e <= *b) => {
            (Some(e), format!("{name}: {headroom}N+{e} (weakest: {weakest}){zone}"))
        }
        // A kind that held every loss tried bounds the answer below it.
        (Some((e, weakest)), Some((b, tried))) => (
            Some(b),
            format!(
                "{name}: {headroom}at least N+{b} ({tried}: every loss tried held; {weakest}: N+{e}){zone}"
            ),
        ),
        (None, Some((b, _))) => {
            let kinds: Vec<&str> = facts
                .losses
                .iter()
                .filter(|(k, ..)| *k != LossKind::Zone)
                .map(|(k, ..)| k.names().1)
                .collect();
            (Some(b), format!("{name}: {headroom}at least N+{b} in {}{zone}", kinds.join(", ")))
        }
        _ if zone_lost => (None, format!("{name}: {headroom}does not survive losing a zone")),
        _ => (None, format!("{name}: {headroom}survives every loss tried")),
    };
    Recommendation { redundancy, lines, headline }
}

/// The limits a probe broke, in words: `stale_ratio 59.55 % (limit
/// 10.00 %)`; empty when every limit held.
pub fn broken(figures: &[Checked]) -> String {
    figures
        .iter()
        .filter(|(name, _, compared, limit)| {
            let upper = name != "good_ratio";
            !compared.is_some_and(|c| if upper { c <= *limit } else { c >= *limit })
        })
        .map(|(name, mean, _, limit)| {
            let show = |x: f64| if name.ends_with("_ms") { format!("{x:.0} ms") } else { percent(Some(x)) };
            format!("{name} {} (limit {})", mean.map_or_else(|| "unmeasured".into(), show), show(*limit))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A share as a percentage with the precision an SLO needs.
pub fn percent(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{:.2} %", 100.0 * v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Slo;

    fn facts(losses: Vec<(LossKind, usize, usize)>) -> VariantFacts {
        VariantFacts {
            name: "v".into(),
            today_rps: 1000.0,
            peak_rps: 1500.0,
            losses,
            loss_at_s: 10.0,
            duration_s: 60.0,
            window_s: 1.0,
            recovery_windows: 3,
            reads_on_replicas: false,
            db_connections: 16.0,
            db_read_connections: 16.0,
            db_read_mean_s: 0.004,
            window_slo: Slo { p99_ms: 500.0, error_rate: 0.01, recovery_windows: 3 },
        }
    }

    fn row(kind: Option<LossKind>, lost: usize, holds: bool) -> LossAnswer {
        LossAnswer {
            kind,
            lost,
            of: 4,
            label: String::new(),
            holds,
            figures: Vec::new(),
            good_ratio: None,
            good_ratio_bound: None,
            error_rate: None,
            worst_good_ratio: None,
            worst_user_p99_ms: None,
            worst_at_s: None,
            recover_s: None,
            recovered_share: 0.0,
            db_utilization: 0.0,
            db_busiest_window: 0.0,
            windows: Vec::new(),
        }
    }

    /// The matrix's rows for `kind`: `held` of `tried` losses hold.
    fn rows(kind: LossKind, tried: usize, held: &[bool]) -> Vec<LossAnswer> {
        (1..=tried).map(|n| row(Some(kind), n, held[n - 1])).collect()
    }

    #[test]
    fn the_weakest_kind_sets_n_plus_k() {
        let f = facts(vec![(LossKind::CacheNode, 4, 2), (LossKind::Replica, 2, 2), (LossKind::Zone, 3, 1)]);
        let mut matrix = rows(LossKind::CacheNode, 2, &[true, false]);
        matrix.extend(rows(LossKind::Replica, 2, &[true, true]));
        matrix.extend(rows(LossKind::Zone, 1, &[true]));
        let r = recommend(&f, &row(None, 0, true), &matrix, Some(3000.0));
        assert_eq!(r.redundancy, Some(1));
        assert_eq!(r.headline, "v: holds to ×2.00 of the peak; N+1 (weakest: 4 cache nodes)");
        assert_eq!(
            r.lines,
            [
                "4 cache nodes hold the objective with 1 lost; with 2 lost (2 left) they do not: N+1.",
                "2 replicas hold the objective with 2 lost, the most tried: at least N+2.",
                "Survives losing a zone (zone 0, 3 zones) at the peak.",
            ]
        );
    }

    /// A larger loss that holds after a smaller one failed (noise, or a
    /// balancer's luck) does not raise the count: every smaller loss must
    /// hold too.
    #[test]
    fn a_held_row_after_a_failed_one_does_not_count() {
        let f = facts(vec![(LossKind::AppInstance, 6, 3)]);
        let matrix = rows(LossKind::AppInstance, 3, &[true, false, true]);
        let r = recommend(&f, &row(None, 0, true), &matrix, None);
        assert_eq!(r.redundancy, Some(1));
        assert!(r.lines[0].ends_with("N+1."), "{:?}", r.lines);
    }

    #[test]
    fn every_loss_held_is_at_least_n_plus_k_and_a_lost_zone_is_said() {
        let f =
            facts(vec![(LossKind::CacheNode, 4, 2), (LossKind::AppInstance, 6, 2), (LossKind::Zone, 3, 1)]);
        let mut matrix = rows(LossKind::CacheNode, 2, &[true, true]);
        matrix.extend(rows(LossKind::AppInstance, 2, &[true, true]));
        matrix.extend(rows(LossKind::Zone, 1, &[false]));
        let r = recommend(&f, &row(None, 0, true), &matrix, None);
        assert_eq!(r.redundancy, Some(2));
        assert_eq!(
            r.headline,
            "v: at least N+2 in cache nodes, app instances; does not survive losing a zone"
        );
        let none = recommend(&f, &row(None, 0, true), &rows(LossKind::CacheNode, 2, &[false, false]), None);
        assert_eq!(none.redundancy, Some(0));
        assert!(none.lines[0].contains("do not hold the objective with one lost: N+0"), "{:?}", none.lines);
    }

    /// Every replica lost and it still holds: that is a lower bound, so a
    /// kind with an exact N+3 does not make the headline "N+2, weakest:
    /// replicas".
    #[test]
    fn a_kind_that_held_every_loss_tried_is_a_lower_bound() {
        let f = facts(vec![(LossKind::CacheNode, 4, 4), (LossKind::Replica, 2, 2)]);
        let mut matrix = rows(LossKind::CacheNode, 4, &[true, true, true, false]);
        matrix.extend(rows(LossKind::Replica, 2, &[true, true]));
        let r = recommend(&f, &row(None, 0, true), &matrix, None);
        assert_eq!(r.redundancy, Some(2));
        assert_eq!(r.headline, "v: at least N+2 (2 replicas: every loss tried held; 4 cache nodes: N+3)");
        let f = facts(vec![(LossKind::CacheNode, 4, 4), (LossKind::Replica, 3, 3)]);
        let mut matrix = rows(LossKind::CacheNode, 4, &[true, false, false, false]);
        matrix.extend(rows(LossKind::Replica, 3, &[true, true, true]));
        let r = recommend(&f, &row(None, 0, true), &matrix, None);
        assert_eq!((r.redundancy, r.headline.as_str()), (Some(1), "v: N+1 (weakest: 4 cache nodes)"));
    }

    #[test]
    fn failing_at_the_peak_is_below_n_plus_zero_whatever_the_matrix() {
        let f = facts(vec![(LossKind::CacheNode, 4, 1)]);
        let r = recommend(&f, &row(None, 0, false), &rows(LossKind::CacheNode, 1, &[true]), Some(750.0));
        assert_eq!(r.redundancy, None);
        assert_eq!(r.headline, "v: fails at the peak with nothing lost — below N+0");
        assert!(
            r.lines[0].contains("it holds only up to 750 requests/s (50 % of the peak)"),
            "{:?}",
            r.lines
        );
    }
}
