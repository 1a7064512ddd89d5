//! The outputs of `outage-sim plan`: `plan.csv` (one row per variant),
//! `probes.csv` (every probe), `capacity.png` and `report.md`, the document
//! a capacity review reads.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use csv::StringRecord;

use crate::scenario::Experiment;
use crate::sweep::{Search, VariantPlan, VariantSettings, Verdict};

use super::chart::{Bar, BarChart, Format, style, write_chart};
use crate::files::GIT_COMMIT;
use crate::files::Table;
use crate::files::write_table;

fn number(x: Option<f64>) -> String {
    x.map(|v| format!("{v}")).unwrap_or_default()
}

/// The largest value that holds, as the plan reports it.
fn max_value(s: &Search) -> Option<f64> {
    match s.verdict {
        Verdict::BelowRange => None,
        Verdict::Found | Verdict::AboveRange => s.holds_at,
    }
}

/// A plain sentence for a search's outcome.
fn sentence(s: &Search, what: &str, low: f64, high: f64) -> String {
    let n = style::short_number;
    match s.verdict {
        Verdict::Found => format!(
            "{what} holds up to {} and fails at {}{}",
            n(s.holds_at.unwrap_or(low)),
            n(s.fails_at.unwrap_or(high)),
            s.limiting.as_ref().map_or_else(String::new, |l| format!("; the first limit to break is {l}")),
        ),
        Verdict::BelowRange => format!(
            "{what} fails already at the search's low end, {}{}: the answer is below the searched range — lower the range's low end",
            n(low),
            s.limiting.as_ref().map_or_else(String::new, |l| format!(" ({l})")),
        ),
        Verdict::AboveRange => format!(
            "{what} still holds at the search's high end, {}: the answer is at least that — raise the range's upper end",
            n(high)
        ),
    }
}

/// Writes `plan.csv`, `probes.csv`, `capacity.png` and `report.md` into `out`.
pub fn write_plan(
    out: &Path,
    experiment: &Experiment,
    plans: &[VariantPlan],
    settings: &[VariantSettings],
    command_line: &[String],
    format: Format,
) -> io::Result<Vec<PathBuf>> {
    let plan = experiment.plan.as_ref().expect("a plan");
    std::fs::create_dir_all(out)?;
    let mut written = Vec::new();

    let header: StringRecord = [
        "variant",
        "search",
        "low",
        "high",
        "verdict",
        "max_value",
        "holds_at",
        "fails_at",
        "current",
        "headroom_ratio",
        "limiting",
        "spike_verdict",
        "spike_multiplier",
        "spike_fails_at",
        "ride_verdict",
        "ride_multiplier",
        "ride_fails_at",
        "probes",
        "runs",
    ]
    .into_iter()
    .collect();
    let rows: Vec<StringRecord> = plans
        .iter()
        .map(|p| {
            let max = max_value(&p.load);
            let headroom = match (max, plan.current) {
                (Some(m), Some(c)) if c > 0.0 => Some(m / c),
                _ => None,
            };
            let (spike, ride) = (p.spike.as_ref(), p.ride.as_ref());
            [
                p.variant.clone(),
                plan.search.clone(),
                format!("{}", plan.low),
                format!("{}", plan.high),
                p.load.verdict.name().to_owned(),
                number(max),
                number(p.load.holds_at),
                number(p.load.fails_at),
                number(plan.current),
                number(headroom),
                p.load.limiting.clone().unwrap_or_default(),
                spike.map(|s| s.verdict.name().to_owned()).unwrap_or_default(),
                number(spike.and_then(max_value)),
                number(spike.and_then(|s| s.fails_at)),
                ride.map(|s| s.verdict.name().to_owned()).unwrap_or_default(),
                number(ride.and_then(max_value)),
                number(ride.and_then(|s| s.fails_at)),
                p.probes.len().to_string(),
                p.runs.to_string(),
            ]
            .into_iter()
            .collect()
        })
        .collect();
    let path = out.join("plan.csv");
    write_table(&path, &header, &rows)?;
    written.push(path);

    let figure_names: Vec<String> = plans
        .iter()
        .flat_map(|p| &p.probes)
        .flat_map(|p| p.figures.iter().map(|f| f.0.clone()))
        .fold(Vec::new(), |mut names, n| {
            if !names.contains(&n) {
                names.push(n);
            }
            names
        });
    let mut probe_header: StringRecord =
        ["variant", "kind", "value", "holds", "recovered_share", "ridden_out_share", "runs"]
            .into_iter()
            .collect();
    for name in &figure_names {
        for suffix in ["mean", "compared", "limit"] {
            probe_header.push_field(&format!("{name}_{suffix}"));
        }
    }
    let probe_rows: Vec<StringRecord> = plans
        .iter()
        .flat_map(|p| &p.probes)
        .map(|p| {
            let mut r: StringRecord = [
                p.variant.clone(),
                p.kind.to_owned(),
                format!("{}", p.value),
                p.holds.to_string(),
                format!("{}", p.recovered_share),
                format!("{}", p.ridden_out_share),
                p.runs.to_string(),
            ]
            .into_iter()
            .collect();
            for name in &figure_names {
                match p.figures.iter().find(|f| &f.0 == name) {
                    Some((_, mean, compared, limit)) => {
                        r.push_field(&number(*mean));
                        r.push_field(&number(*compared));
                        r.push_field(&format!("{limit}"));
                    }
                    None => (0..3).for_each(|_| r.push_field("")),
                }
            }
            r
        })
        .collect();
    let path = out.join("probes.csv");
    write_table(&path, &probe_header, &probe_rows)?;
    written.push(path);

    written.extend(capacity_chart(out, format)?);

    let path = out.join("report.md");
    let report = report(experiment, plans, settings, command_line);
    crate::files::write_atomically(&path, |w| w.write_all(report.as_bytes()))?;
    written.push(path);
    Ok(written)
}

fn report(
    experiment: &Experiment,
    plans: &[VariantPlan],
    settings: &[VariantSettings],
    command_line: &[String],
) -> String {
    let plan = experiment.plan.as_ref().expect("a plan");
    let n = style::short_number;
    let mut md = String::new();
    let name = experiment.path.file_name().map_or_else(String::new, |f| f.to_string_lossy().into_owned());
    let _ = writeln!(md, "# Capacity plan: {name}\n");
    let limits = match &plan.slo {
        Some(slo) => {
            let mut parts = Vec::new();
            if let Some(v) = slo.user_p99_ms {
                parts.push(format!("p99 of all requests ≤ {v} ms"));
            }
            if let Some(v) = slo.good_ratio {
                parts.push(format!("good ratio ≥ {v}"));
            }
            if let Some(v) = slo.p99_ms {
                parts.push(format!("p99 of successful requests ≤ {v} ms"));
            }
            if let Some(v) = slo.mean_ms {
                parts.push(format!("mean response ≤ {v} ms"));
            }
            if let Some(v) = slo.error_rate {
                parts.push(format!("error rate ≤ {} %", v * 100.0));
            }
            if let Some(v) = slo.stale_ratio {
                parts.push(format!("stale reads ≤ {} %", v * 100.0));
            }
            parts.join(", ")
        }
        None => "the model's `[slo]` as users see it (the p99 of all requests, failed and unfinished ones \
                 slower than any success, and the error rate)"
            .to_owned(),
    };
    let bound = confidence_words(plan.confidence, experiment.replications);
    let _ = writeln!(
        md,
        "**The question.** For each configuration: how far can `{}` go while {limits} hold, {bound}?{}\n",
        plan.search,
        plan.spike.as_ref().map_or_else(String::new, |s| format!(
            " And how large a load spike, lasting {} s{}, does the stack ride out within the SLO (no window \
             out of it), and how large a one does it recover from?",
            s.duration_s,
            plan.current.map_or_else(String::new, |c| format!(" at today's {}", n(c)))
        ))
    );
    let _ = writeln!(
        md,
        "Searched between {} and {} to a relative tolerance of {} %; model `{}`.\n",
        n(plan.low),
        n(plan.high),
        plan.tolerance * 100.0,
        experiment.model.display()
    );
    let _ = writeln!(md, "## Results\n");
    let _ = writeln!(
        md,
        "| variant | largest `{}` within the SLO | fails at | headroom over today | first limit to break | largest spike ridden out within the SLO | largest spike recovered from | runs |",
        plan.search
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    for p in plans {
        let max = max_value(&p.load);
        let shown = match p.load.verdict {
            Verdict::Found => max.map(n).unwrap_or_default(),
            Verdict::BelowRange => format!("below {} (searched range too high)", n(plan.low)),
            Verdict::AboveRange => format!("at least {} (searched range too low)", n(plan.high)),
        };
        let headroom = match (max, plan.current) {
            (Some(m), Some(c)) if c > 0.0 => format!("{:.1}×", m / c),
            _ => "–".into(),
        };
        let multiplier = |search: Option<&Search>| {
            search.map_or_else(
                || "–".into(),
                |s| match s.verdict {
                    Verdict::Found => format!("×{}", n(s.holds_at.unwrap_or(0.0))),
                    Verdict::BelowRange => {
                        format!("none tried (×{} already fails)", n(s.fails_at.unwrap_or(0.0)))
                    }
                    Verdict::AboveRange => format!("at least ×{}", n(s.holds_at.unwrap_or(0.0))),
                },
            )
        };
        let (ride, spike) = (multiplier(p.ride.as_ref()), multiplier(p.spike.as_ref()));
        let _ = writeln!(
            md,
            "| {} | {shown} | {} | {headroom} | {} | {ride} | {spike} | {} |",
            p.variant,
            p.load.fails_at.map_or_else(|| "–".into(), n),
            p.load.limiting.clone().unwrap_or_else(|| "–".into()),
            p.runs
        );
    }
    let _ = writeln!(md, "\n![capacity per variant](capacity.png)\n");
    for p in plans {
        let _ = writeln!(md, "### {}\n", p.variant);
        let _ = write!(
            md,
            "{}.",
            sentence(&p.load, &format!("The SLO on `{}`", plan.search), plan.low, plan.high)
        );
        let spikes = [
            (&p.ride, "Riding out a spike within the SLO (load multiplier)"),
            (&p.spike, "Recovery from a spike (load multiplier)"),
        ];
        for (search, what) in spikes {
            if let (Some(s), Some(spec)) = (search, &plan.spike) {
                let _ = write!(md, " {}.", sentence(s, what, spec.multiplier_low, spec.multiplier_high));
            }
        }
        let _ = writeln!(md, "\n\n{} probes, {} simulation runs.\n", p.probes.len(), p.runs);
        if let Some((_, keys)) = settings.iter().find(|(v, _)| v == &p.variant) {
            let _ = writeln!(md, "| setting | value |\n|---|---|");
            for (key, value) in keys {
                let _ = writeln!(md, "| `{key}` | `{value}` |");
            }
            let _ = writeln!(md);
        }
    }
    let _ = writeln!(md, "## Reproduce\n");
    let _ = writeln!(md, "```sh\n{}\n```\n", command_line.join(" "));
    let _ = writeln!(
        md,
        "outage-sim {}{}; seed {}. Files: `plan.csv` (this table), `probes.csv` (every probe and its figures).",
        env!("CARGO_PKG_VERSION"),
        GIT_COMMIT.map_or_else(String::new, |c| format!(", commit {c}")),
        experiment.seed
    );
    md
}

/// How the probes' figures are compared, in words: the confidence bound,
/// and what its width means with few replications.
fn confidence_words(confidence: bool, replications: u32) -> String {
    match (confidence, replications) {
        (_, 1) => "on a single replication — there is no confidence bound: set `replications` to 3 or more \
                   for one"
            .to_owned(),
        (false, r) => format!("on the mean of {r} replications"),
        (true, r) => {
            let t = statrs::distribution::StudentsT::new(0.0, 1.0, f64::from(r - 1))
                .map(|t| statrs::distribution::ContinuousCDF::inverse_cdf(&t, 0.975))
                .unwrap_or(f64::NAN);
            let mut words = format!("at the upper end of the 95 % confidence interval over {r} replications");
            if r < 5 {
                let _ = write!(
                    words,
                    " (with {r}, Student's t widens the bound to {t:.2} standard errors, against 1.96 for many: \
                     the answer is conservative; 5 or more replications narrow it)"
                );
            }
            words
        }
    }
}

/// Draws `capacity.png` from the `plan.csv` in `dir` (so `plot` can redraw it).
pub fn capacity_chart(dir: &Path, format: Format) -> io::Result<Vec<PathBuf>> {
    let table =
        Table::read(&dir.join("plan.csv")).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let bad = |e: crate::files::TableError| io::Error::new(io::ErrorKind::InvalidData, e);
    let texts = |c: &str| table.texts(c).map_err(bad);
    let numbers = |c: &str| table.numbers(c).map_err(bad);
    let (variants, verdicts, search) = (texts("variant")?, texts("verdict")?, texts("search")?);
    let (max, fails, low, high, current) =
        (numbers("max_value")?, numbers("fails_at")?, numbers("low")?, numbers("high")?, numbers("current")?);
    let search = search.first().cloned().unwrap_or_default();
    let chart = BarChart {
        title: format!("largest {search} within the SLO"),
        y_label: style::axis_label(&search),
        bars: (0..variants.len())
            .map(|i| Bar {
                name: variants[i].clone(),
                value: max[i],
                fails_at: fails[i],
                note: match verdicts[i].as_str() {
                    "below-range" => format!("< {}", low[i].map(style::short_number).unwrap_or_default()),
                    "above-range" => format!("≥ {}", high[i].map(style::short_number).unwrap_or_default()),
                    _ => String::new(),
                },
            })
            .collect(),
        reference: current
            .first()
            .copied()
            .flatten()
            .map(|c| (c, format!("today: {}", style::short_number(c)))),
    };
    write_chart(&chart, &dir.join("capacity"), format)
}
