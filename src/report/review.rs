//! The outputs of `outage-sim review`: `review.csv` (one row per variant ×
//! question), charts (goodput against load, the worst losses' timelines),
//! `report.md` for a code host and `report.html`, one self-contained page
//! (charts inline as SVG, no network, readable printed) that a capacity
//! review reads: the question, the answers, the N−k matrix as a grid, the
//! recommendation, and how to reproduce it.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use csv::StringRecord;

use crate::files::{GIT_COMMIT, file_name, write_atomically, write_table};
use crate::metrics::WindowRow;
use crate::scenario::PlanSlo;
use crate::sweep::{
    CheckedReview, ColdAnswer, LossAnswer, ReviewAnswers, VariantAnswers, VariantFacts, Verdict,
};

use super::chart::timeline::{Line, Panel, Scale};
use super::chart::{Band, Chart, Format, GoodputChart, Timeline, render_svg, style, write_chart};

/// Writes `review.csv`, the charts, `report.md` and `report.html` into `out`.
pub fn write_review(
    out: &Path,
    checked: &CheckedReview<'_>,
    answers: &ReviewAnswers,
    command_line: &[String],
    format: Format,
) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out)?;
    let mut written = Vec::new();
    let path = out.join("review.csv");
    write_table(&path, &csv_header(), &csv_rows(answers))?;
    written.push(path);

    // Charts: beside report.md as files, inside report.html as SVG.
    let mut figures: Vec<Figure> = Vec::new();
    for (facts, v) in checked.variants.iter().zip(&answers.variants) {
        let stem = file_name(&v.name);
        figures.push(Figure::new(
            format!("goodput-{stem}"),
            format!("{}: goodput against offered load", v.name),
            Box::new(goodput_chart(v)),
        ));
        let worst = worst_loss(v);
        figures.push(Figure::new(
            format!("worst-loss-{stem}"),
            format!("{}: {} at the peak — the worst row of its matrix", v.name, worst.label),
            Box::new(loss_timeline(facts, v, worst)),
        ));
    }
    let format = if format == Format::Svg { Format::Both } else { format };
    for f in &figures {
        written.extend(f.chart.write(&out.join(&f.stem), format)?);
    }

    let path = out.join("report.md");
    let md = markdown(checked, answers, command_line, &figures);
    write_atomically(&path, |w| w.write_all(md.as_bytes()))?;
    written.push(path);
    let path = out.join("report.html");
    let html = html(checked, answers, command_line, &figures)?;
    write_atomically(&path, |w| w.write_all(html.as_bytes()))?;
    written.push(path);
    Ok(written)
}

/// A chart of either kind, drawn to files or to inline SVG.
trait AnyChart {
    fn write(&self, stem: &Path, format: Format) -> io::Result<Vec<PathBuf>>;
    fn svg(&self) -> io::Result<String>;
}

impl<C: Chart> AnyChart for C {
    fn write(&self, stem: &Path, format: Format) -> io::Result<Vec<PathBuf>> {
        write_chart(self, stem, format)
    }
    fn svg(&self) -> io::Result<String> {
        render_svg(self, self.size()).map_err(io::Error::other)
    }
}

struct Figure {
    stem: String,
    caption: String,
    chart: Box<dyn AnyChart>,
}

impl Figure {
    fn new(stem: String, caption: String, chart: Box<dyn AnyChart>) -> Figure {
        Figure { stem, caption, chart }
    }
}

fn goodput_chart(v: &VariantAnswers) -> GoodputChart {
    GoodputChart {
        title: format!("{}: goodput against offered load", v.name),
        points: v.curve.iter().map(|p| (p.offered_rps, p.good_rps, p.goodput_rps, p.holds)).collect(),
        peak_rps: v.peak_rps,
        knee_rps: v.knee_rps,
        collapse_rps: v.collapse_rps,
    }
}

/// The matrix row (a loss or the cold cache) with the lowest good ratio.
fn worst_loss(v: &VariantAnswers) -> &LossAnswer {
    v.losses
        .iter()
        .chain(std::iter::once(&v.cold.run))
        .min_by(|a, b| a.good_ratio.unwrap_or(0.0).total_cmp(&b.good_ratio.unwrap_or(0.0)))
        .unwrap_or(&v.at_peak)
}

fn loss_timeline(facts: &VariantFacts, v: &VariantAnswers, row: &LossAnswer) -> Timeline {
    let w = &row.windows;
    let line = |name: &str, f: fn(&WindowRow) -> Option<f64>| Line {
        name: name.to_owned(),
        values: w.iter().map(f).collect(),
    };
    let panels = vec![
        Panel::new("latency [ms]", Scale::Auto, vec![line("p99, all requests", |w| w.user_p99_ms)]),
        Panel::new(
            "share",
            Scale::Share,
            vec![
                line("good ratio", |w| w.good_ratio),
                line("error rate", |w| w.error_rate),
                line("hit ratio", |w| w.hit_ratio),
            ],
        ),
        Panel::new(
            "db busy",
            Scale::Share,
            vec![
                line("utilisation", |w| Some(w.db_utilization)),
                line("pool saturated", |w| Some(w.db_saturation)),
            ],
        ),
        Panel::new("attempts", Scale::Auto, vec![line("per request", |w| w.attempts_per_request)]),
    ];
    let instant = row.label == "cache flushed";
    Timeline {
        title: format!("{}: {} at {}/s (replication 0)", v.name, row.label, style::short_number(v.peak_rps)),
        t_s: w.iter().map(|w| w.t_s).collect(),
        window_s: facts.window_s,
        panels,
        bands: vec![Band {
            from_s: facts.loss_at_s,
            to_s: if instant { facts.loss_at_s } else { facts.duration_s },
            label: row.label.clone(),
        }],
        warmup_s: facts.loss_at_s.min(facts.duration_s),
        recovered_at_s: row.recover_s.map(|r| facts.loss_at_s + r),
        recovery: if row.recover_s.is_some() { String::new() } else { "not-recovered".into() },
        slo_p99_ms: Some(facts.window_slo.p99_ms),
        alerts: Vec::new(),
    }
}

// ---------------------------------------------------------------- review.csv

const COLUMNS: [&str; 25] = [
    "variant",
    "question",
    "case",
    "load_rps",
    "holds",
    "value",
    "unit",
    "good_ratio",
    "good_ratio_bound",
    "error_rate",
    "worst_window_good_ratio",
    "worst_window_user_p99_ms",
    "worst_window_at_s",
    "recover_s",
    "recovered_share",
    "db_busiest_node_utilization",
    "db_busiest_window_utilization",
    "rate_per_s",
    "error_ratio",
    "duration_ms",
    "utilization",
    "saturation",
    "errors_per_s",
    "runs_share",
    "answer",
];

fn csv_header() -> StringRecord {
    COLUMNS.into_iter().collect()
}

fn number(x: Option<f64>) -> String {
    x.map(|v| format!("{v}")).unwrap_or_default()
}

/// One row: the named cells set, the rest empty.
fn row(cells: &[(&str, String)]) -> StringRecord {
    COLUMNS
        .iter()
        .map(|c| cells.iter().find(|(k, _)| k == c).map(|(_, v)| v.clone()).unwrap_or_default())
        .collect()
}

fn loss_cells(v: &VariantAnswers, question: &str, l: &LossAnswer) -> Vec<(&'static str, String)> {
    vec![
        ("variant", v.name.clone()),
        ("question", question.to_owned()),
        ("case", l.label.clone()),
        ("load_rps", format!("{}", v.peak_rps)),
        ("holds", l.holds.to_string()),
        ("good_ratio", number(l.good_ratio)),
        ("good_ratio_bound", number(l.good_ratio_bound)),
        ("error_rate", number(l.error_rate)),
        ("worst_window_good_ratio", number(l.worst_good_ratio)),
        ("worst_window_user_p99_ms", number(l.worst_user_p99_ms)),
        ("worst_window_at_s", number(l.worst_at_s)),
        ("recover_s", number(l.recover_s)),
        ("recovered_share", format!("{}", l.recovered_share)),
        ("db_busiest_node_utilization", format!("{}", l.db_utilization)),
        ("db_busiest_window_utilization", format!("{}", l.db_busiest_window)),
    ]
}

fn csv_rows(answers: &ReviewAnswers) -> Vec<StringRecord> {
    let mut rows = Vec::new();
    for v in &answers.variants {
        let base = |question: &str, case: &str| {
            vec![("variant", v.name.clone()), ("question", question.to_owned()), ("case", case.to_owned())]
        };
        let mut h = base("headroom", "largest load within the objective");
        h.extend([
            ("load_rps", number(v.headroom.holds_at)),
            ("holds", v.headroom_ratio.is_some_and(|r| r >= 1.0).to_string()),
            ("value", number(v.headroom_ratio)),
            ("unit", "x peak".into()),
            ("answer", headroom_sentence(v)),
        ]);
        rows.push(row(&h));
        rows.push(row(&loss_cells(v, "at-peak", &v.at_peak)));
        for l in &v.losses {
            rows.push(row(&loss_cells(v, "n-minus-k", l)));
        }
        let mut c = loss_cells(v, "cold-cache", &v.cold.run);
        c.extend([
            ("value", number(v.cold.db_multiple)),
            ("unit", "x db capacity at 0 % hits".into()),
            ("answer", cold_sentence(&v.cold)),
        ]);
        rows.push(row(&c));
        let mut r = base("cold-cache", "re-warm to 90 % of the steady hit ratio");
        r.extend([
            ("load_rps", format!("{}", v.peak_rps)),
            ("holds", v.cold.rewarm_s.is_some().to_string()),
            ("value", number(v.cold.rewarm_s)),
            ("unit", "s".into()),
            ("runs_share", format!("{}", v.cold.rewarmed_share)),
        ]);
        rows.push(row(&r));
        for t in &v.tiers {
            let mut u = base("use-red", t.tier);
            u.extend([
                ("load_rps", format!("{}", v.peak_rps)),
                ("rate_per_s", format!("{}", t.rate_per_s)),
                ("error_ratio", number(t.error_ratio)),
                ("duration_ms", number(t.duration_ms)),
                ("utilization", number(t.utilization)),
                ("saturation", number(t.saturation)),
                ("errors_per_s", format!("{}", t.errors_per_s)),
                ("answer", [t.duration_is, t.saturation_is].join("; ")),
            ]);
            rows.push(row(&u));
        }
        for (case, load, value) in [
            ("attempts per request just past the knee", v.headroom.fails_at, v.amplification_knee),
            ("attempts per request at the peak", Some(v.peak_rps), v.amplification_peak),
        ] {
            let mut a = base("retry-amplification", case);
            a.extend([
                ("load_rps", number(load)),
                ("value", number(value)),
                ("unit", "attempts/request".into()),
            ]);
            rows.push(row(&a));
        }
        for (case, value, unit) in [
            ("stale-read share", v.stale_ratio, "share of successful reads"),
            ("staleness age p99", v.stale_age_p99_ms, "ms"),
        ] {
            let mut s = base("staleness", case);
            s.extend([
                ("load_rps", format!("{}", v.peak_rps)),
                ("value", number(value)),
                ("unit", unit.into()),
            ]);
            rows.push(row(&s));
        }
        let mut n = base("recommendation", "n-plus-k");
        n.extend([
            ("value", v.recommendation.redundancy.map(|r| r.to_string()).unwrap_or_default()),
            ("unit", "components of the weakest kind that may be lost".into()),
            ("answer", format!("{}. {}", v.recommendation.headline, v.recommendation.lines.join(" "))),
        ]);
        rows.push(row(&n));
    }
    rows
}

// ---------------------------------------------------------------- sentences

fn pct(x: Option<f64>) -> String {
    crate::sweep::percent(x)
}

fn secs(x: f64) -> String {
    if x < 10.0 { format!("{x:.1} s") } else { format!("{x:.0} s") }
}

fn headroom_sentence(v: &VariantAnswers) -> String {
    let n = style::short_number;
    let h = &v.headroom;
    match h.verdict {
        Verdict::Found => format!(
            "holds up to {}/s and fails at {}/s (×{:.2} of the peak {}/s){}",
            n(h.holds_at.unwrap_or(0.0)),
            n(h.fails_at.unwrap_or(0.0)),
            v.headroom_ratio.unwrap_or(0.0),
            n(v.peak_rps),
            h.limiting.as_ref().map_or_else(String::new, |l| format!("; first to break: {l}")),
        ),
        Verdict::BelowRange => format!(
            "fails already at {}/s, the search's low end: no headroom at all",
            n(h.fails_at.unwrap_or(0.0))
        ),
        Verdict::AboveRange => format!(
            "still holds at {}/s, the search's high end: at least ×{:.2} of the peak",
            n(h.holds_at.unwrap_or(0.0)),
            v.headroom_ratio.unwrap_or(0.0)
        ),
    }
}

fn cold_sentence(c: &ColdAnswer) -> String {
    let multiple = c.db_multiple.map_or_else(
        || "unknown".to_owned(),
        |m| {
            format!(
                "{m:.2}× its capacity{}",
                c.db_multiple_ci95.map_or_else(String::new, |h| format!(" (±{h:.2})"))
            )
        },
    );
    let rewarm = match c.rewarm_s {
        Some(t) => {
            format!("re-warms to 90 % of the steady hit ratio ({}) in {}", pct(c.steady_hit_ratio), secs(t))
        }
        None if c.rewarmed_share > 0.0 => {
            format!("re-warms in only {:.0} % of the runs: it can stay cold", 100.0 * c.rewarmed_share)
        }
        None => "never re-warms to 90 % of the steady hit ratio within the run: it stays cold".into(),
    };
    format!("at 0 % hits the database would carry {multiple}; after a flush it {rewarm}")
}

fn slo_sentence(slo: &PlanSlo, answers: &ReviewAnswers, p99_ms: f64) -> String {
    let mut parts = Vec::new();
    if let Some(g) = slo.good_ratio {
        parts.push(format!(
            "at least {} of requests answered within {} ms",
            pct(Some(g)),
            style::short_number(p99_ms)
        ));
    }
    if let Some(p) = slo.user_p99_ms {
        parts.push(format!("p99 of all requests ≤ {} ms", style::short_number(p)));
    }
    if let Some(e) = slo.error_rate {
        parts.push(format!("errors ≤ {}", pct(Some(e))));
    }
    if let Some(p) = slo.p99_ms {
        parts.push(format!("p99 of successes ≤ {} ms", style::short_number(p)));
    }
    if let Some(m) = slo.mean_ms {
        parts.push(format!("mean of successes ≤ {} ms", style::short_number(m)));
    }
    if let Some(s) = slo.stale_ratio {
        parts.push(format!("stale reads ≤ {}", pct(Some(s))));
    }
    format!(
        "{}, {} over {} replications",
        parts.join(", "),
        if answers.confidence {
            "at the pessimistic end of the 95 % confidence interval"
        } else {
            "on the mean"
        },
        answers.replications
    )
}

/// A matrix cell in words: verdict, good ratio and bound, worst window,
/// recovery, database.
fn cell_text(l: &LossAnswer) -> (String, Vec<String>) {
    let verdict = if l.holds { "holds" } else { "fails" };
    let mut details = Vec::new();
    if !l.holds {
        details.push(format!("broke: {}", crate::sweep::broken(&l.figures)));
    }
    details.push(format!(
        "good {}{}",
        pct(l.good_ratio),
        l.good_ratio_bound.map_or_else(String::new, |b| format!(" (bound {})", pct(Some(b))))
    ));
    details.push(format!(
        "worst window {}{}",
        pct(l.worst_good_ratio),
        l.worst_at_s.map_or_else(String::new, |t| format!(" at {}", secs(t)))
    ));
    details.push(match l.recover_s {
        Some(0.0) => "no window out of the objective".into(),
        Some(r) => format!("back within the objective after {}", secs(r)),
        None if l.recovered_share > 0.0 => format!("recovered in {:.0} % of runs", 100.0 * l.recovered_share),
        None => "does not recover".into(),
    });
    details.push(format!("busiest database node {:.0} % busy", 100.0 * l.db_utilization));
    (verdict.to_owned(), details)
}

/// The matrix's rows: every case any variant has, in order.
fn matrix_rows(answers: &ReviewAnswers) -> Vec<String> {
    let mut labels = vec!["nothing lost".to_owned()];
    for v in &answers.variants {
        for l in &v.losses {
            if !labels.contains(&l.label) {
                labels.push(l.label.clone());
            }
        }
    }
    labels.push("cache flushed".into());
    labels
}

fn case<'a>(v: &'a VariantAnswers, label: &str) -> Option<&'a LossAnswer> {
    std::iter::once(&v.at_peak)
        .chain(&v.losses)
        .chain(std::iter::once(&v.cold.run))
        .find(|l| l.label == label)
}

/// (question, one answer per variant) for the answers table.
fn answer_rows(answers: &ReviewAnswers) -> Vec<(String, Vec<String>)> {
    let vs = &answers.variants;
    let n = style::short_number;
    let each = |f: &dyn Fn(&VariantAnswers) -> String| vs.iter().map(f).collect::<Vec<_>>();
    let worst_loss = |v: &VariantAnswers| {
        let w = worst_loss(v);
        format!("{}: {} ({})", w.label, if w.holds { "holds" } else { "fails" }, pct(w.good_ratio))
    };
    vec![
        ("Headroom: largest load within the objective".into(), each(&headroom_sentence)),
        (
            "At the peak, nothing lost".into(),
            each(&|v| {
                let p = &v.at_peak;
                match p.holds {
                    true => format!("holds (good {})", pct(p.good_ratio)),
                    false => {
                        format!("fails: {} (good {})", crate::sweep::broken(&p.figures), pct(p.good_ratio))
                    }
                }
            }),
        ),
        ("Worst loss".into(), each(&worst_loss)),
        ("Cold cache".into(), each(&|v| cold_sentence(&v.cold))),
        (
            "Retry amplification (attempts per request)".into(),
            each(&|v| {
                format!(
                    "{} just past the knee ({}/s); {} at the peak",
                    v.amplification_knee.map_or_else(|| "—".into(), |a| format!("{a:.2}")),
                    v.headroom.fails_at.map_or_else(|| "—".into(), n),
                    v.amplification_peak.map_or_else(|| "—".into(), |a| format!("{a:.2}")),
                )
            }),
        ),
        (
            "Stale reads at the peak".into(),
            each(&|v| {
                format!(
                    "{} of successful reads; age p99 {}",
                    pct(v.stale_ratio),
                    v.stale_age_p99_ms.map_or_else(|| "—".into(), |a| format!("{} ms", n(a)))
                )
            }),
        ),
        ("Recommendation".into(), each(&|v| v.recommendation.headline.clone())),
    ]
}

fn question(checked: &CheckedReview<'_>, answers: &ReviewAnswers) -> String {
    let first = &checked.variants[0];
    let forecast = match (checked.spec.peak_rps, checked.spec.growth) {
        (_, Some(g)) => format!(
            "growth ×{g} over today's {}/s: a peak of {}/s",
            style::short_number(first.today_rps),
            style::short_number(first.peak_rps)
        ),
        _ => format!(
            "a forecast peak of {}/s (today {}/s)",
            style::short_number(first.peak_rps),
            style::short_number(first.today_rps)
        ),
    };
    format!(
        "At {forecast}, does each configuration hold the objective — {} — with room to grow, with up to {} components of a kind lost, and with a cold cache? Losses start at {} and last to the end of the run.",
        slo_sentence(&answers.slo, answers, first.window_slo.p99_ms),
        checked.spec.k,
        secs(first.loss_at_s),
    )
}

fn version() -> String {
    format!(
        "outage-sim {}{}",
        env!("CARGO_PKG_VERSION"),
        GIT_COMMIT.map_or_else(String::new, |c| format!(", commit {c}"))
    )
}

// ---------------------------------------------------------------- report.md

fn markdown(
    checked: &CheckedReview<'_>,
    answers: &ReviewAnswers,
    command_line: &[String],
    figures: &[Figure],
) -> String {
    let mut md = String::new();
    let name = file_name_of(&checked.experiment.path);
    let _ = writeln!(md, "# Capacity review: {name}\n");
    let _ = writeln!(md, "{}\n", question(checked, answers));
    let _ = writeln!(md, "## Recommendation\n");
    for v in &answers.variants {
        let _ = writeln!(md, "- **{}**", v.recommendation.headline);
        for line in &v.recommendation.lines {
            let _ = writeln!(md, "  - {line}");
        }
    }
    let _ = writeln!(md, "\n## Answers\n");
    let names: Vec<&str> = answers.variants.iter().map(|v| v.name.as_str()).collect();
    let _ = writeln!(md, "| question | {} |", names.join(" | "));
    let _ = writeln!(md, "|---|{}", "---|".repeat(names.len()));
    for (q, cells) in answer_rows(answers) {
        let _ = writeln!(md, "| {q} | {} |", cells.join(" | "));
    }
    let _ = writeln!(md, "\n## N−k matrix at the peak\n");
    let _ = writeln!(
        md,
        "✅ holds the objective, ❌ fails it; good ratio (its pessimistic bound), worst window, recovery.\n"
    );
    let _ = writeln!(md, "| case | {} |", names.join(" | "));
    let _ = writeln!(md, "|---|{}", "---|".repeat(names.len()));
    for label in matrix_rows(answers) {
        let cells: Vec<String> = answers
            .variants
            .iter()
            .map(|v| match case(v, &label) {
                Some(l) => {
                    let (verdict, details) = cell_text(l);
                    format!("{} {verdict}<br>{}", if l.holds { "✅" } else { "❌" }, details.join("<br>"))
                }
                None => "not tried".into(),
            })
            .collect();
        let _ = writeln!(md, "| {label} | {} |", cells.join(" | "));
    }
    let _ = writeln!(md, "\n## USE and RED per tier at the peak\n");
    for v in &answers.variants {
        let _ = writeln!(md, "**{}**\n", v.name);
        let _ = writeln!(md, "| tier | rate /s | errors | duration | utilisation | saturation | errors /s |");
        let _ = writeln!(md, "|---|---|---|---|---|---|---|");
        for t in &v.tiers {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} |",
                t.tier,
                style::short_number(t.rate_per_s),
                pct(t.error_ratio),
                t.duration_ms.map_or_else(
                    || "—".into(),
                    |d| format!("{} ms ({})", style::short_number(d), t.duration_is)
                ),
                pct(t.utilization),
                t.saturation.map_or_else(
                    || "—".into(),
                    |s| format!("{} ({})", style::short_number(s), t.saturation_is)
                ),
                style::short_number(t.errors_per_s),
            );
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md, "## Charts\n");
    for f in figures {
        let _ = writeln!(md, "![{}]({}.png)\n", f.caption, f.stem);
    }
    reproduce_md(&mut md, checked, command_line);
    md
}

fn file_name_of(path: &Path) -> String {
    path.file_name().map_or_else(String::new, |f| f.to_string_lossy().into_owned())
}

fn reproduce_md(md: &mut String, checked: &CheckedReview<'_>, command_line: &[String]) {
    let _ = writeln!(md, "## Reproduce\n");
    let _ = writeln!(md, "```sh\n{}\n```\n", command_line.join(" "));
    let _ = writeln!(
        md,
        "{}; experiment `{}`, model `{}`, seed {}, {} replications per probe. Per-replication summaries and \
         timelines of every probe are in `probes/`.",
        version(),
        checked.experiment.path.display(),
        checked.experiment.model.display(),
        checked.experiment.seed,
        checked.replications
    );
}

// ---------------------------------------------------------------- report.html

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An SVG fit to sit inside the page: no XML prolog, no namespace
/// address (HTML needs none), scaled to the column.
fn inline_svg(svg: &str) -> String {
    let body = svg.trim_start_matches(|c| c != '<');
    let body = match body.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(rest, |(_, r)| r).trim_start(),
        None => body,
    };
    body.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1).replacen(
        "<svg ",
        "<svg class=\"chart\" preserveAspectRatio=\"xMidYMid meet\" ",
        1,
    )
}

const CSS: &str = "
body { font-family: 'DejaVu Sans', Verdana, sans-serif; margin: 2em auto; max-width: 1300px; color: #111; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.8em; margin-bottom: 0.2em; }
h2 { margin-top: 1.6em; border-bottom: 2px solid #ccc; padding-bottom: 0.2em; }
p.question { font-size: 1.1em; background: #f4f6f8; padding: 0.8em 1em; border-left: 5px solid #0072b2; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0 1.2em; font-size: 0.92em; }
th, td { border: 1px solid #bbb; padding: 0.45em 0.6em; vertical-align: top; text-align: left; }
th { background: #eceff3; }
table.matrix { table-layout: fixed; }
table.matrix th:first-child { width: 11em; }
td.holds { background: #d9f2e3; }
td.fails { background: #f9d6d0; }
td.none { background: #f3f3f3; color: #777; }
.verdict { font-weight: bold; font-size: 1.05em; }
.holds .verdict { color: #0a6b3d; }
.fails .verdict { color: #a3200e; }
.detail { display: block; font-size: 0.9em; color: #333; }
.rec { border: 2px solid #0072b2; border-radius: 6px; padding: 0.6em 1em; margin: 0.6em 0; }
.rec.bad { border-color: #c8281e; }
.rec h3 { margin: 0 0 0.3em; font-size: 1.1em; }
svg.chart { width: 100%; height: auto; display: block; }
figure { margin: 1em 0 2em; page-break-inside: avoid; break-inside: avoid; }
figcaption { font-style: italic; color: #444; margin-top: 0.3em; }
pre { background: #f4f4f4; padding: 0.8em; overflow-x: auto; white-space: pre-wrap; font-size: 0.85em; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { page-break-after: avoid; break-after: avoid; }
  table, .rec { page-break-inside: avoid; break-inside: avoid; }
  td.holds, td.fails, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
";

fn html(
    checked: &CheckedReview<'_>,
    answers: &ReviewAnswers,
    command_line: &[String],
    figures: &[Figure],
) -> io::Result<String> {
    let mut h = String::new();
    let name = esc(&file_name_of(&checked.experiment.path));
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Capacity review: {name}</title>\n<style>{CSS}</style>\n</head>\n<body>"
    );
    let _ = writeln!(h, "<h1>Capacity review: {name}</h1>");
    let _ = writeln!(h, "<p class=\"question\">{}</p>", esc(&question(checked, answers)));
    let _ = writeln!(h, "<h2>Recommendation</h2>");
    for v in &answers.variants {
        let bad = v.recommendation.redundancy.is_none_or(|r| r == 0);
        let _ = writeln!(
            h,
            "<div class=\"rec{}\"><h3>{}</h3><ul>",
            if bad { " bad" } else { "" },
            esc(&v.recommendation.headline)
        );
        for line in &v.recommendation.lines {
            let _ = writeln!(h, "<li>{}</li>", esc(line));
        }
        let _ = writeln!(h, "</ul></div>");
    }
    let names: Vec<String> = answers.variants.iter().map(|v| format!("<th>{}</th>", esc(&v.name))).collect();
    let _ = writeln!(h, "<h2>Answers</h2>\n<table>\n<tr><th>question</th>{}</tr>", names.join(""));
    for (q, cells) in answer_rows(answers) {
        let cells: Vec<String> = cells.iter().map(|c| format!("<td>{}</td>", esc(c))).collect();
        let _ = writeln!(h, "<tr><th>{}</th>{}</tr>", esc(&q), cells.join(""));
    }
    let _ = writeln!(h, "</table>");
    let _ = writeln!(
        h,
        "<h2>N−k matrix at the peak</h2>\n<p>Each component lost from the start of the measurement to the end of the run; green holds the objective, red fails it.</p>\n<table class=\"matrix\">\n<tr><th>case</th>{}</tr>",
        names.join("")
    );
    for label in matrix_rows(answers) {
        let cells: Vec<String> = answers
            .variants
            .iter()
            .map(|v| match case(v, &label) {
                Some(l) => {
                    let (verdict, details) = cell_text(l);
                    let details: Vec<String> =
                        details.iter().map(|d| format!("<span class=\"detail\">{}</span>", esc(d))).collect();
                    format!(
                        "<td class=\"{verdict}\"><span class=\"verdict\">{} {verdict}</span>{}</td>",
                        if l.holds { "✔" } else { "✘" },
                        details.join("")
                    )
                }
                None => "<td class=\"none\">not tried (the model has none)</td>".into(),
            })
            .collect();
        let _ = writeln!(h, "<tr><th>{}</th>{}</tr>", esc(&label), cells.join(""));
    }
    let _ = writeln!(h, "</table>");
    let _ = writeln!(h, "<h2>USE and RED per tier at the peak</h2>");
    for v in &answers.variants {
        let _ = writeln!(
            h,
            "<h3>{}</h3>\n<table>\n<tr><th>tier</th><th>rate /s</th><th>errors</th><th>duration</th><th>utilisation</th><th>saturation</th><th>errors /s</th></tr>",
            esc(&v.name)
        );
        for t in &v.tiers {
            let _ = writeln!(
                h,
                "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(t.tier),
                style::short_number(t.rate_per_s),
                pct(t.error_ratio),
                esc(&t.duration_ms.map_or_else(
                    || "—".into(),
                    |d| format!("{} ms ({})", style::short_number(d), t.duration_is)
                )),
                pct(t.utilization),
                esc(&t.saturation.map_or_else(
                    || "—".into(),
                    |s| format!("{} ({})", style::short_number(s), t.saturation_is)
                )),
                style::short_number(t.errors_per_s),
            );
        }
        let _ = writeln!(h, "</table>");
    }
    let _ = writeln!(h, "<h2>Charts</h2>");
    for f in figures {
        let _ = writeln!(
            h,
            "<figure>{}<figcaption>{}</figcaption></figure>",
            inline_svg(&f.chart.svg()?),
            esc(&f.caption)
        );
    }
    let _ = writeln!(h, "<h2>Reproduce</h2>\n<pre>{}</pre>", esc(&command_line.join(" ")));
    let _ = writeln!(
        h,
        "<p>{}; experiment <code>{}</code>, model <code>{}</code>, seed {}, {} replications per probe. Per-replication summaries and timelines of every probe are in <code>probes/</code>.</p>",
        esc(&version()),
        esc(&checked.experiment.path.display().to_string()),
        esc(&checked.experiment.model.display().to_string()),
        checked.experiment.seed,
        checked.replications
    );
    // The experiment as it reads now (it was checked when the review
    // started), and the model's text as the review read it.
    let experiment_text = std::fs::read_to_string(&checked.experiment.path)
        .unwrap_or_else(|e| format!("(cannot be read again: {e})"));
    for (what, path, text) in [
        ("experiment", &checked.experiment.path, experiment_text.as_str()),
        ("model", &checked.experiment.model, checked.model_text()),
    ] {
        let _ = writeln!(h, "<h3>The {what}: {}</h3>\n<pre>{}</pre>", esc(&file_name_of(path)), esc(text));
    }
    let _ = writeln!(h, "</body>\n</html>");
    Ok(h)
}
