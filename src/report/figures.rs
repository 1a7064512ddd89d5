//! Which charts a run and a sweep get, built from their output files
//! alone — so `outage-sim plot DIR` redraws them without running anything.
//!
//! - A run: `timeline.png`, from `timeseries.csv`, `summary.csv` and
//!   `run.json` (and `nodes.csv`, for a cache tier of several nodes).
//! - A sweep: for each `[[charts]]` entry (default: the p99 of all
//!   requests, the good ratio and the error rate against the first
//!   numeric axis, one line per variant — see [`default_axes`]) and each
//!   metric,
//!   `charts/<metric>-vs-<axis>.png`, one per value of any other axis; with
//!   two axes or more, a phase diagram per variant and metric (p99 of all
//!   requests, good ratio, error rate, recovered share) over the first two, `charts/phase-<metric>-
//!   <variant>.png`; and the timeline of each variant's chosen job,
//!   `timelines/<variant>/timeline.png`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use super::chart::timeline::{Line, Panel, Scale};
use super::chart::{Band, CurveChart, CurvePoint, CurveSeries, Format, PhaseChart, Timeline, write_chart};
use super::node_panels::NodeTable;
use crate::files::RunMeta;
use crate::files::{Table, TableError, file_name};

/// Why charts could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// An input file is missing or malformed (bad input).
    #[error(transparent)]
    Table(#[from] TableError),
    #[error("{0}")]
    Input(String),
    /// A chart could not be written.
    #[error("cannot write a chart: {0}")]
    Write(#[from] std::io::Error),
}

/// Draws the timeline of the run whose files are in `dir`.
pub fn plot_run(dir: &Path, format: Format) -> Result<Vec<PathBuf>, PlotError> {
    let series = Table::read(&dir.join("timeseries.csv"))?;
    let summary = Table::read(&dir.join("summary.csv"))?;
    let meta = RunMeta::read(&dir.join("run.json")).map_err(PlotError::Input)?;
    let t_s: Vec<f64> = series.numbers("t_s")?.into_iter().map(|t| t.unwrap_or(0.0)).collect();
    let window_s = match t_s.as_slice() {
        [a, b, ..] => b - a,
        _ => meta.duration_s,
    };
    let line = |name: &str, column: &str| -> Result<Line, PlotError> {
        Ok(Line { name: name.to_owned(), values: series.numbers(column)? })
    };
    let recovered = summary.texts("recovered")?.first().is_some_and(|r| r == "true");
    let recovery_s = summary.numbers("recovery_s")?.first().copied().flatten();
    let last_end = meta.disturbances.iter().map(|d| d.to_s).fold(0.0, f64::max);
    let mut panels = vec![
        // The user's view first; the p99 of successes alone stays, named so.
        Panel::new(
            "latency [ms]",
            Scale::Auto,
            vec![
                line("p50, all requests", "user_p50_ms")?,
                line("p99, all requests", "user_p99_ms")?,
                line("p99 of successes", "p99_ms")?,
            ],
        ),
        Panel::new(
            "share",
            Scale::Share,
            vec![
                line("good ratio", "good_ratio")?,
                line("error rate", "error_rate")?,
                line("hit ratio", "hit_ratio")?,
                line("stale ratio", "stale_ratio")?,
            ],
        ),
        Panel::new("db utilisation", Scale::Share, vec![line("db utilisation", "db_utilization")?]),
        Panel::new(
            "count",
            Scale::Auto,
            vec![line("db queue", "db_queue")?, line("in flight", "in_flight")?],
        ),
    ];
    // The tiers of several components, from nodes.csv: cache nodes after
    // the shares, then app workers, then the database nodes and their lag.
    if let Some(nodes) = NodeTable::read(dir, &t_s)? {
        if let Some(db) = nodes.db_nodes(line("db utilisation", "db_utilization")?)? {
            panels[2] = db;
        }
        if let Some(lag) = nodes.replica_lag()? {
            panels.insert(3, lag);
        }
        if let Some(app) = nodes.app_workers()? {
            panels.insert(2, app);
        }
        if let Some(per_node) = nodes.cache_lookups(window_s)? {
            panels.insert(2, per_node);
        }
        if let Some(queue) = nodes.app_queue()? {
            panels.last_mut().expect("the count panel").lines.push(queue);
        }
    }
    let timeline = Timeline {
        title: format!("{} — timeline", meta.model),
        t_s,
        window_s,
        panels,
        bands: meta
            .disturbances
            .iter()
            .chain(&meta.changes)
            .map(|d| Band { from_s: d.from_s, to_s: d.to_s, label: d.label.clone() })
            .collect(),
        warmup_s: meta.warmup_s,
        recovered_at_s: if recovered { recovery_s.map(|r| last_end + r) } else { None },
        recovery: if summary.has("recovery") {
            summary.texts("recovery")?.first().cloned().unwrap_or_default()
        } else {
            String::new()
        },
        slo_p99_ms: Some(meta.slo_p99_ms),
        alerts: alert_bands(dir, meta.duration_s)?,
    };
    Ok(write_chart(&timeline, &dir.join("timeline"), format)?)
}

/// The firings in `alerts.csv`, if the run has one.
fn alert_bands(dir: &Path, end_s: f64) -> Result<Vec<Band>, PlotError> {
    let path = dir.join("alerts.csv");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let table = Table::read(&path)?;
    let names = table.texts("name")?;
    let fired = table.numbers("fired_at_s")?;
    let resolved = table.numbers("resolved_at_s")?;
    Ok((0..names.len())
        .map(|i| Band {
            from_s: fired[i].unwrap_or(0.0),
            to_s: resolved[i].unwrap_or(end_s),
            label: names[i].clone(),
        })
        .collect())
}

/// The charts of a sweep without `[[charts]]`: the user's view (p99 of all
/// requests and the share served well within the SLO) and the error rate,
/// against the first axis.
pub const DEFAULT_METRICS: [&str; 3] = ["user_p99_ms", "good_ratio", "error_rate"];

/// What the charts of a sweep need from `experiment.json`.
struct SweepInfo {
    axes: Vec<(String, bool)>,
    charts: Vec<(String, Vec<String>, String)>,
    slo_p99_ms: Option<f64>,
    slo_error_rate: Option<f64>,
}

fn sweep_info(dir: &Path) -> Result<SweepInfo, PlotError> {
    let path = dir.join("experiment.json");
    let bad = |m: &str| PlotError::Input(format!("{}: {m}", path.display()));
    let text = std::fs::read_to_string(&path).map_err(|e| bad(&e.to_string()))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
    let experiment = json.get("experiment").ok_or_else(|| bad("no `experiment`"))?;
    let axes = experiment["axes"]
        .as_array()
        .ok_or_else(|| bad("no `experiment.axes`"))?
        .iter()
        .map(|a| (a["path"].as_str().unwrap_or_default().to_owned(), a["scale"] == "log"))
        .collect();
    let charts = experiment["charts"]
        .as_array()
        .map(|charts| {
            charts
                .iter()
                .map(|c| {
                    let y = c["y"]
                        .as_array()
                        .map(|y| y.iter().filter_map(|m| m.as_str().map(str::to_owned)).collect());
                    (
                        c["x"].as_str().unwrap_or_default().to_owned(),
                        y.unwrap_or_default(),
                        c["series"].as_str().unwrap_or("variant").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(SweepInfo {
        axes,
        charts,
        slo_p99_ms: json["slo"]["p99_ms"].as_f64(),
        slo_error_rate: json["slo"]["error_rate"].as_f64(),
    })
}

/// Draws every chart of the sweep whose files are in `dir`.
pub fn plot_sweep(dir: &Path, format: Format) -> Result<Vec<PathBuf>, PlotError> {
    let info = sweep_info(dir)?;
    let summary = Table::read(&dir.join("summary.csv"))?;
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir)?;
    let mut written = Vec::new();
    let mut specs = info.charts.clone();
    if specs.is_empty()
        && let Some((x, series)) = default_axes(&summary, &info)?
    {
        specs.push((x, DEFAULT_METRICS.iter().map(|m| (*m).to_owned()).collect(), series));
    }
    let mut curve_charts = Vec::new();
    for (x, metrics, series) in &specs {
        for metric in metrics {
            for (suffix, chart) in curves(&summary, &info, x, metric, series)? {
                let stem = charts_dir.join(format!("{}-vs-{}{suffix}", file_name(metric), file_name(x)));
                curve_charts.push((stem, chart));
            }
        }
    }
    let mut phase_charts = Vec::new();
    if info.axes.len() >= 2 {
        for metric in ["user_p99_ms", "good_ratio", "error_rate", "recovered_share"] {
            for (variant, chart) in phases(&summary, &info, metric)? {
                let stem = charts_dir.join(format!("phase-{}-{}", file_name(metric), file_name(&variant)));
                phase_charts.push((stem, chart));
            }
        }
    }
    let timelines = dir.join("timelines");
    let mut dirs: Vec<PathBuf> = Vec::new();
    if timelines.is_dir() {
        dirs = std::fs::read_dir(&timelines)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("run.json").exists())
            .collect();
        dirs.sort();
    }
    // Charts are drawn in parallel (a chart is tens of milliseconds of one
    // core); `collect` keeps their order.
    let curves: Vec<Vec<PathBuf>> = curve_charts
        .par_iter()
        .map(|(stem, chart)| write_chart(chart, stem, format))
        .collect::<Result<_, _>>()?;
    let phases: Vec<Vec<PathBuf>> = phase_charts
        .par_iter()
        .map(|(stem, chart)| write_chart(chart, stem, format))
        .collect::<Result<_, _>>()?;
    let runs: Vec<Vec<PathBuf>> = dirs.par_iter().map(|d| plot_run(d, format)).collect::<Result<_, _>>()?;
    written.extend(curves.into_iter().chain(phases).chain(runs).flatten());
    remove_stale_charts(&charts_dir, &written)?;
    Ok(written)
}

/// Removes the charts in `charts_dir` this drawing did not write, of the
/// formats it wrote: left from an earlier configuration of the sweep
/// (another axis, metric or variant), they would be read as this one's.
fn remove_stale_charts(charts_dir: &Path, written: &[PathBuf]) -> Result<(), PlotError> {
    let extensions: BTreeSet<_> = written.iter().filter_map(|p| p.extension()).collect();
    for entry in std::fs::read_dir(charts_dir)? {
        let path = entry?.path();
        let ours = path.extension().is_some_and(|e| extensions.contains(e));
        if ours && path.is_file() && !written.contains(&path) {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// The x axis and the series of the default chart: the first axis with
/// numbers for values (a curve needs an order), else the first axis; one
/// line per variant, or — with one variant — one line per value of the
/// first non-numeric axis left, so a table or name axis (`db.read`,
/// `cache.eviction`) is compared along the load rather than drawn as x.
fn default_axes(summary: &Table, info: &SweepInfo) -> Result<Option<(String, String)>, PlotError> {
    let mut numeric = Vec::new();
    for (path, _) in &info.axes {
        numeric.push(summary.texts(path)?.iter().all(|t| t.parse::<f64>().is_ok()));
    }
    let Some(x) = info.axes.iter().zip(&numeric).find(|(_, n)| **n).or(info.axes.iter().zip(&numeric).next())
    else {
        return Ok(None);
    };
    let x = x.0.0.clone();
    let variants: BTreeSet<String> = summary.texts("variant")?.into_iter().collect();
    let named =
        info.axes.iter().zip(&numeric).find(|((p, _), n)| !**n && *p != x).map(|((p, _), _)| p.clone());
    let series = match named {
        Some(axis) if variants.len() == 1 => axis,
        _ => "variant".to_owned(),
    };
    Ok(Some((x, series)))
}

/// Redraws whatever `dir` holds: a run's timeline or a sweep's charts.
pub fn plot_dir(dir: &Path, format: Format) -> Result<Vec<PathBuf>, PlotError> {
    if dir.join("plan.csv").exists() {
        Ok(super::capacity::capacity_chart(dir, format)?)
    } else if dir.join("experiment.json").exists() {
        plot_sweep(dir, format)
    } else if dir.join("run.json").exists() {
        plot_run(dir, format)
    } else {
        Err(PlotError::Input(format!(
            "{}: neither a run (run.json), a sweep (experiment.json) nor a plan (plan.csv) output folder",
            dir.display()
        )))
    }
}

/// The mean and confidence columns of `metric` in a sweep summary.
/// A column of optional numbers.
type Column = Vec<Option<f64>>;

fn metric_columns(summary: &Table, metric: &str) -> Result<(Column, Column), PlotError> {
    let mean = format!("{metric}_mean");
    if summary.has(&mean) {
        return Ok((summary.numbers(&mean)?, summary.numbers(&format!("{metric}_ci95"))?));
    }
    if summary.has(metric) {
        let values = summary.numbers(metric)?;
        return Ok((values.clone(), vec![None; values.len()]));
    }
    Err(PlotError::Input(format!("{}: no metric `{metric}` (no column `{mean}`)", summary.path.display())))
}

fn slo(info: &SweepInfo, metric: &str) -> Option<(f64, String)> {
    match metric {
        "user_p99_ms" => info.slo_p99_ms.map(|v| (v, format!("p99 of all requests ≤ {v} ms"))),
        "p99_ms" => info.slo_p99_ms.map(|v| (v, format!("p99 ≤ {v} ms"))),
        "good_ratio" => info.slo_p99_ms.map(|v| (0.99, format!("99 % within {v} ms"))),
        "error_rate" => info.slo_error_rate.map(|v| (v, format!("error rate ≤ {} %", v * 100.0))),
        _ => None,
    }
}

/// Curve charts of `metric` against axis `x`, one line per `series`
/// value, one chart per combination of the other axes' values.
fn curves(
    summary: &Table,
    info: &SweepInfo,
    x: &str,
    metric: &str,
    series: &str,
) -> Result<Vec<(String, CurveChart)>, PlotError> {
    // A non-numeric axis is drawn with its values as categories, in the
    // order they first appear (the axis's own order).
    let x_texts = summary.texts(x)?;
    let numeric = x_texts.iter().all(|t| t.parse::<f64>().is_ok());
    let mut x_categories: Vec<String> = Vec::new();
    let xs: Vec<Option<f64>> = if numeric {
        summary.numbers(x)?
    } else {
        x_texts
            .iter()
            .map(|t| {
                let i = x_categories.iter().position(|c| c == t).unwrap_or_else(|| {
                    x_categories.push(t.clone());
                    x_categories.len() - 1
                });
                Some(i as f64)
            })
            .collect()
    };
    let (means, cis) = metric_columns(summary, metric)?;
    let series_of = summary.texts(series)?;
    let others: Vec<&String> = info.axes.iter().map(|(p, _)| p).filter(|p| *p != x && *p != series).collect();
    let mut other_values: Vec<Vec<String>> = Vec::new();
    for o in &others {
        other_values.push(summary.texts(o)?);
    }
    let keys: Vec<String> = (0..summary.rows.len())
        .map(|r| {
            others
                .iter()
                .zip(&other_values)
                .map(|(o, v)| format!("{o} = {}", v[r]))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    let mut seen_keys = Vec::new();
    for k in &keys {
        if !seen_keys.contains(k) {
            seen_keys.push(k.clone());
        }
    }
    let x_log_axis = info.axes.iter().any(|(p, log)| p == x && *log);
    let mut out = Vec::new();
    for (k, key) in seen_keys.iter().enumerate() {
        let mut names: Vec<String> = Vec::new();
        let mut lines: Vec<CurveSeries> = Vec::new();
        for r in 0..summary.rows.len() {
            if &keys[r] != key {
                continue;
            }
            let (Some(xv), Some(yv)) = (xs[r], means[r]) else { continue };
            let name = &series_of[r];
            let i = match names.iter().position(|n| n == name) {
                Some(i) => i,
                None => {
                    names.push(name.clone());
                    lines.push(CurveSeries { name: name.clone(), points: Vec::new() });
                    names.len() - 1
                }
            };
            lines[i].points.push(CurvePoint { x: xv, y: yv, ci95: cis[r] });
        }
        for line in &mut lines {
            line.points.sort_by(|a, b| a.x.total_cmp(&b.x));
        }
        let positive: Vec<f64> = xs.iter().flatten().copied().filter(|v| *v > 0.0).collect();
        let spans_decades = positive.len() == xs.len()
            && positive.iter().copied().fold(0.0, f64::max)
                / positive.iter().copied().fold(f64::INFINITY, f64::min)
                >= 100.0;
        let words = |name: &str| without_unit(&super::chart::style::axis_label(name));
        let title = if key.is_empty() {
            format!("{} vs {}", words(metric), words(x))
        } else {
            format!("{} vs {} ({key})", words(metric), words(x))
        };
        let suffix = if seen_keys.len() > 1 { format!("-{}", k + 1) } else { String::new() };
        out.push((
            suffix,
            CurveChart {
                title,
                x_label: super::chart::style::axis_label(x),
                y_label: super::chart::style::axis_label(metric),
                x_log: numeric && (x_log_axis || spans_decades),
                x_categories: x_categories.clone(),
                series: lines,
                legend_title: if series == "variant" {
                    series.to_owned()
                } else {
                    without_unit(&super::chart::style::axis_label(series))
                },
                slo: slo(info, metric),
            },
        ));
    }
    Ok(out)
}

/// An axis title without its unit, for a chart title: `p99 of all
/// requests [ms]` → `p99 of all requests`.
fn without_unit(label: &str) -> String {
    label.split(" [").next().unwrap_or(label).split(" (share").next().unwrap_or(label).to_owned()
}

/// Phase diagrams of `metric` over the first two axes, one per variant.
fn phases(summary: &Table, info: &SweepInfo, metric: &str) -> Result<Vec<(String, PhaseChart)>, PlotError> {
    let (x, y) = (&info.axes[0].0, &info.axes[1].0);
    let xs = summary.texts(x)?;
    let ys = summary.texts(y)?;
    let variants = summary.texts("variant")?;
    let (means, _) = metric_columns(summary, metric)?;
    let distinct = |v: &[String]| {
        let mut out: Vec<String> = Vec::new();
        for s in v {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
        out
    };
    let (x_values, y_values) = (distinct(&xs), distinct(&ys));
    let mut out = Vec::new();
    for variant in distinct(&variants) {
        let mut cells = vec![vec![None; x_values.len()]; y_values.len()];
        let mut filled = BTreeSet::new();
        for r in 0..summary.rows.len() {
            if variants[r] != variant {
                continue;
            }
            let xi = x_values.iter().position(|v| *v == xs[r]).expect("a listed value");
            let yi = y_values.iter().position(|v| *v == ys[r]).expect("a listed value");
            // Further axes are held at their first value.
            if filled.insert((xi, yi)) {
                cells[yi][xi] = means[r];
            }
        }
        let label = super::chart::style::axis_label(metric);
        out.push((
            variant.clone(),
            PhaseChart {
                title: format!("{label} — {variant}"),
                x_label: super::chart::style::axis_label(x),
                y_label: super::chart::style::axis_label(y),
                x_values: x_values.clone(),
                y_values: y_values.clone(),
                cells,
                metric_label: label,
                high_is_good: metric.starts_with("recovered")
                    || metric.starts_with("good")
                    || metric.starts_with("hit")
                    || metric.starts_with("goodput"),
            },
        ));
    }
    Ok(out)
}
