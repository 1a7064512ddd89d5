//! The run timeline: stacked panels sharing the time axis — latency,
//! error/hit/stale shares, per-node cache load when the tier has several
//! nodes, app workers, database (and replica) utilisation and lag, queues — with faults and spikes shaded and
//! labelled and the recovery instant marked.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style;
use super::{Chart, DrawError};

/// A shaded interval: a fault or a load spike.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub from_s: f64,
    pub to_s: f64,
    pub label: String,
}

/// A line over time: `None` where the window had nothing to measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// How a panel's vertical axis is scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Shares in [0, 1].
    Share,
    /// Linear from 0, or logarithmic when the values span more than two
    /// decades (latencies, counts).
    Auto,
}

/// One panel: its lines under one vertical axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub y_label: String,
    pub scale: Scale,
    pub lines: Vec<Line>,
}

impl Panel {
    pub fn new(y_label: &str, scale: Scale, lines: Vec<Line>) -> Panel {
        Panel { y_label: y_label.to_owned(), scale, lines }
    }
}

/// Everything a timeline shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub title: String,
    /// Window starts [s].
    pub t_s: Vec<f64>,
    pub window_s: f64,
    /// Top to bottom; the first carries the SLO line (latency), the last
    /// the time axis.
    pub panels: Vec<Panel>,
    pub bands: Vec<Band>,
    pub warmup_s: f64,
    /// `Some(t)`: recovered at t [s]; `None` with bands: not recovered,
    /// for the reason `recovery` names.
    pub recovered_at_s: Option<f64>,
    /// The summary's `recovery` case (`not-recovered`, `never-healthy`,
    /// `too-short`; empty when unknown).
    pub recovery: String,
    pub slo_p99_ms: Option<f64>,
    /// Alert firings: from firing to resolution (or the end), labelled.
    pub alerts: Vec<Band>,
}

const BAND: RGBColor = RGBColor(255, 214, 153);
const RECOVERED: RGBColor = RGBColor(0, 140, 90);
const DOWN: RGBColor = RGBColor(200, 40, 20);
/// An instant fault (a flush, a hot-set shift): a line, not a band.
const INSTANT: RGBColor = RGBColor(230, 140, 20);

impl Chart for Timeline {
    /// Five panels fit the default size; each one more adds 170 px, so a
    /// panel of a deployed topology is as tall as one of a single node.
    fn size(&self) -> (u32, u32) {
        let extra = self.panels.len().saturating_sub(5) as u32;
        (super::SIZE.0, super::SIZE.1 + 170 * extra)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let (title, body) = root.split_vertically(80);
        let (width, _) = title.dim_in_pixel();
        title.draw(&Text::new(
            self.title.clone(),
            (width as i32 / 2, 40),
            style::title_font_fitting(&self.title, width).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        let rows = self.alert_rows();
        let body = if rows.is_empty() {
            body
        } else {
            let (_, height) = body.dim_in_pixel();
            let shown = rows.len().min(MAX_ALERT_ROWS + 1) as u32;
            let (panels, alerts) = body.split_vertically(height.saturating_sub(30 + 30 * shown));
            self.alert_panel(&alerts, &rows)?;
            panels
        };
        let (_, height) = body.dim_in_pixel();
        let t_end = self.t_s.last().map_or(1.0, |t| t + self.window_s);
        let x = 0.0..t_end;
        let mut rest = body;
        let last = self.panels.len().saturating_sub(1);
        for (i, (panel, share)) in self.panels.iter().zip(panel_shares(self.panels.len())).enumerate() {
            let area = if i == last {
                rest.clone()
            } else {
                let (area, below) = rest.split_vertically(height * share / 100);
                rest = below;
                area
            };
            let slo = if i == 0 { self.slo_p99_ms } else { None };
            let log = panel.scale == Scale::Auto;
            self.panel(&area, x.clone(), &panel.lines, &panel.y_label, log, slo, i == 0, i == last)?;
        }
        Ok(())
    }
}

/// Each panel's share of the height [%]: the latency panel, on top, the
/// largest; four panels keep the split they always had.
fn panel_shares(panels: usize) -> Vec<u32> {
    match panels {
        4 => vec![30, 24, 20, 26],
        5 => vec![26, 19, 17, 19, 19],
        // The latency panel keeps its height; the others share the rest.
        n if n > 5 => {
            let top = 26 * 5 / n as u32 + 4;
            let mut shares = vec![(100 - top) / (n as u32 - 1); n];
            shares[0] = top;
            shares
        }
        n => vec![100 / n.max(1) as u32; n],
    }
}

/// Alert rows drawn at most; the rest are counted in a last row (their
/// firings are in alerts.csv).
const MAX_ALERT_ROWS: usize = 8;

impl Timeline {
    /// Each alert's firings, in order of its first firing: `(name, [(from,
    /// to)])`, firings closer than a pixel merged into one bar — so a rule
    /// that fires 10⁵ times costs what the chart can show.
    fn alert_rows(&self) -> Vec<(&str, Vec<(f64, f64)>)> {
        let t_end = self.t_s.last().map_or(1.0, |t| t + self.window_s);
        let pixel = t_end / f64::from(super::SIZE.0);
        let mut rows: Vec<(&str, Vec<(f64, f64)>)> = Vec::new();
        let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for a in &self.alerts {
            let row = *index.entry(a.label.as_str()).or_insert_with(|| {
                rows.push((a.label.as_str(), Vec::new()));
                rows.len() - 1
            });
            rows[row].1.push((a.from_s, a.to_s.min(t_end)));
        }
        for (_, bars) in &mut rows {
            bars.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut merged: Vec<(f64, f64)> = Vec::new();
            for &(from, to) in bars.iter() {
                match merged.last_mut() {
                    Some(last) if from <= last.1 + pixel => last.1 = last.1.max(to),
                    _ => merged.push((from, to)),
                }
            }
            *bars = merged;
        }
        rows
    }

    /// One row per alert rule, a red bar while it fires.
    fn alert_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        rows: &[(&str, Vec<(f64, f64)>)],
    ) -> Result<(), DrawError> {
        let shown = rows.len().min(MAX_ALERT_ROWS + 1);
        let t_end = self.t_s.last().map_or(1.0, |t| t + self.window_s);
        let (width, _) = area.dim_in_pixel();
        let (area, _) = area.split_horizontally(width * 87 / 100);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(20)
            .margin_right(30)
            .margin_top(6)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..t_end, 0.0..shown as f64)?;
        chart.configure_mesh().disable_mesh().x_labels(0).y_labels(0).draw()?;
        let red = RGBColor(200, 40, 20);
        let base = area.get_base_pixel();
        for (row, (name, bars)) in rows.iter().enumerate().take(MAX_ALERT_ROWS) {
            let y = (shown - row - 1) as f64;
            chart.draw_series(bars.iter().map(|&(from, to)| {
                Rectangle::new([(from, y + 0.2), (to, y + 0.8)], red.mix(0.8).filled())
            }))?;
            let at = chart.backend_coord(&(0.0, y + 0.5));
            area.draw(&Text::new(
                format!("alert: {name}"),
                (at.0 - base.0 - 104, at.1 - base.1 - 9),
                style::tick_font().color(&red),
            ))?;
        }
        if rows.len() > MAX_ALERT_ROWS {
            let at = chart.backend_coord(&(0.0, 0.5));
            area.draw(&Text::new(
                format!("… and {} more alerts that fired (see alerts.csv)", rows.len() - MAX_ALERT_ROWS),
                (at.0 - base.0 - 104, at.1 - base.1 - 9),
                style::tick_font().color(&red),
            ))?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x: std::ops::Range<f64>,
        lines: &[Line],
        y_label: &str,
        allow_log: bool,
        slo: Option<f64>,
        top: bool,
        bottom: bool,
    ) -> Result<(), DrawError> {
        let all: Vec<f64> = lines.iter().flat_map(|l| l.values.iter().flatten().copied()).collect();
        let values: Vec<f64> = all.iter().copied().filter(|v| v.is_finite()).collect();
        // An infinite percentile (too many requests failed for it to
        // exist) is drawn in a band above the finite values, never as a gap.
        let failed = all.iter().any(|v| v.is_infinite());
        let max = values.iter().copied().fold(0.0, f64::max).max(slo.unwrap_or(0.0));
        let positive_min = values.iter().copied().filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
        let shares = !allow_log;
        if shares {
            return self.panel_in(area, x, 0.0..1.05, lines, y_label, slo, None, top, bottom);
        }
        if positive_min.is_finite() && max / positive_min > 100.0 || failed && positive_min.is_finite() {
            // Counts below 0.1 (a queue empty most of the time) sit on the
            // floor rather than stretch the axis over decades of noise.
            let floor = if y_label == "count" { positive_min.max(0.1) } else { positive_min };
            let ceiling = max * 2.0;
            let band = failed.then_some((ceiling, ceiling * 6.0));
            let range = (floor / 1.5)..band.map_or(ceiling, |b| b.1);
            return self.panel_in(area, x, range.log_scale(), lines, y_label, slo, band, top, bottom);
        }
        let ceiling = (max * 1.15).max(1.0);
        let band = failed.then_some((ceiling, ceiling * 1.25));
        self.panel_in(area, x, 0.0..band.map_or(ceiling, |b| b.1), lines, y_label, slo, band, top, bottom)
    }

    #[allow(clippy::too_many_arguments)]
    fn panel_in<DB: DrawingBackend, Y>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x: std::ops::Range<f64>,
        y: Y,
        lines: &[Line],
        y_label: &str,
        slo: Option<f64>,
        failed: Option<(f64, f64)>,
        top: bool,
        bottom: bool,
    ) -> Result<(), DrawError>
    where
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let x_end = x.end;
        let (width, _) = area.dim_in_pixel();
        let (area, legend) = area.split_horizontally(width * 87 / 100);
        let area = &area;
        // Labels above the top panel: warm-up, then each band; one that
        // would run into the one before it goes a row higher.
        let (plot_width, _) = area.dim_in_pixel();
        let plot_px = f64::from(plot_width.saturating_sub(160));
        let mut labels: Vec<(f64, String)> = Vec::new();
        if self.warmup_s > 0.0 {
            labels.push((0.0, "warm-up".to_owned()));
        }
        labels.extend(self.bands.iter().map(|b| (b.from_s, b.label.clone())));
        let rows = label_rows(&labels, |t| (t / x_end.max(1e-9) * plot_px) as i32);
        let grey_first = self.warmup_s > 0.0;
        let extra_rows = rows.iter().copied().max().unwrap_or(0) as u32;
        let mut chart = ChartBuilder::on(area)
            .margin_left(20)
            .margin_right(30)
            .margin_top(if top { 34 + LABEL_ROW_PX as u32 * extra_rows } else { 6 })
            .x_label_area_size(if bottom { 70 } else { 8 })
            .y_label_area_size(110)
            .build_cartesian_2d(x, y)?;
        let (y_low, y_high) = {
            let r = chart.y_range();
            (r.start, r.end)
        };
        // Labels go by pixels: the top edge of the plotting area.
        let plot_top = chart.plotting_area().get_pixel_range().1.start;
        // Text on `area` is placed relative to its own corner.
        let base = area.get_base_pixel();
        // No value lives in the failed band: no tick label there.
        let y_tick = |v: &f64| {
            if failed.is_some_and(|(from, _)| *v > from) { String::new() } else { style::short_number(*v) }
        };
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(y_label)
            .axis_desc_style(style::label_font())
            .label_style(style::tick_font())
            .y_labels(5)
            .y_label_formatter(&y_tick)
            .x_label_formatter(&|v| style::short_number(*v))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(205, 205, 205));
        if bottom {
            mesh.x_desc("time [s]");
        } else {
            mesh.x_labels(0);
        }
        mesh.draw()?;
        // Faults and spikes, shaded — an instant one as a line — and (in the
        // top panel) labelled.
        for band in &self.bands {
            if band.to_s > band.from_s {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(band.from_s, y_low), (band.to_s.min(x_end), y_high)],
                    BAND.mix(0.45).filled(),
                )))?;
            } else {
                let line = ShapeStyle::from(&INSTANT).stroke_width(3);
                chart.draw_series(LineSeries::new([(band.from_s, y_low), (band.from_s, y_high)], line))?;
            }
        }
        if top {
            for (i, ((t, label), row)) in labels.iter().zip(&rows).enumerate() {
                let at = (chart.backend_coord(&(*t, y_low)).0 - base.0, plot_top - base.1);
                let y = at.1 - 30 - LABEL_ROW_PX * *row as i32;
                let colour = if i == 0 && grey_first { RGBColor(130, 130, 130) } else { BLACK };
                // A label that would run past the plot's right edge (into
                // the legend) ends at its line instead of starting there.
                let width = LABEL_CHAR_PX * label.chars().count() as i32;
                let right_edge = chart.backend_coord(&(x_end, y_low)).0 - base.0;
                let x = if at.0 + 6 + width > right_edge { (at.0 - 6 - width).max(0) } else { at.0 + 6 };
                area.draw(&Text::new(label.clone(), (x, y), style::tick_font().color(&colour)))?;
            }
        }
        if self.warmup_s > 0.0 {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y_low), (self.warmup_s, y_high)],
                RGBColor(200, 200, 200).mix(0.25).filled(),
            )))?;
        }
        if let Some(value) = slo {
            let style = ShapeStyle::from(&RGBColor(120, 120, 120)).stroke_width(2);
            chart.draw_series(DashedLineSeries::new([(0.0, value), (x_end, value)], 12, 8, style))?;
            let y = 50 + lines.len() as i32 * 34;
            legend.draw(&PathElement::new(vec![(4, y), (14, y)], style))?;
            legend.draw(&PathElement::new(vec![(22, y), (32, y)], style))?;
            legend.draw(&Text::new(
                format!("SLO {} ms", style::short_number(value)),
                (44, y - 11),
                style::tick_font(),
            ))?;
        }
        match (self.recovered_at_s, self.bands.is_empty()) {
            (Some(t), false) => {
                let style = ShapeStyle::from(&RECOVERED).stroke_width(3);
                chart.draw_series(LineSeries::new([(t, y_low), (t, y_high)], style))?;
                if top {
                    let at = (chart.backend_coord(&(t, y_low)).0 - base.0, plot_top - base.1);
                    let text = format!("recovered at {} s", style::short_number(t));
                    let width = LABEL_CHAR_PX * text.chars().count() as i32;
                    let right_edge = chart.backend_coord(&(x_end, y_low)).0 - base.0;
                    let left =
                        if at.0 + 8 + width > right_edge { (at.0 - 8 - width).max(0) } else { at.0 + 8 };
                    area.draw(&Text::new(text, (left, at.1 + 6), style::tick_font().color(&RECOVERED)))?;
                }
            }
            (None, no_bands) if top && (!no_bands || self.recovery == "never-healthy") => {
                // After the last disturbance; without one, after warm-up.
                let end = self.bands.iter().map(|b| b.to_s).fold(self.warmup_s, f64::max);
                // Below the failed band, if there is one, not over it.
                let top_px = failed.map_or(plot_top, |(from, _)| chart.backend_coord(&(end, from)).1);
                let at = (chart.backend_coord(&(end, y_low)).0 - base.0, top_px - base.1);
                let verdict = match self.recovery.as_str() {
                    "never-healthy" if no_bands => "never healthy: a steady overload, the SLO never held",
                    "never-healthy" => "never healthy: the SLO did not hold before the disturbance either",
                    "too-short" => "too short to tell: the run ends too soon after the disturbance",
                    _ => "NOT recovered",
                };
                // Near the right edge, the words go left of the instant;
                // so do words that would run past the plot into the legend
                // (a disturbance lasting to the run's end: a review's loss).
                let right_half = end > x_end * 0.6;
                let width = 16 * verdict.len() as i32;
                let right_edge = chart.backend_coord(&(x_end, y_low)).0 - base.0;
                let at = if right_half && verdict.len() > 20 {
                    (at.0 - 14 * verdict.len() as i32, at.1)
                } else if at.0 + 8 + width > right_edge {
                    ((at.0 - 16 - width).max(0), at.1)
                } else {
                    at
                };
                area.draw(&Text::new(
                    verdict,
                    (at.0 + 8, at.1 + 6),
                    ("sans-serif", 26, FontStyle::Bold).into_font().color(&DOWN),
                ))?;
            }
            _ => {}
        }
        if let Some((from, to)) = failed {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, from), (x_end, to)],
                DOWN.mix(0.12).filled(),
            )))?;
            // Explained beside the panel, below the lines' legend.
            let y = 50 + (lines.len() as i32 + i32::from(slo.is_some())) * 34;
            legend.draw(&Rectangle::new([(4, y - 10), (36, y + 10)], DOWN.mix(0.25).filled()))?;
            legend.draw(&Text::new("∞: too many", (44, y - 11), style::tick_font().color(&DOWN)))?;
            legend.draw(&Text::new("failed or stuck", (44, y + 13), style::tick_font().color(&DOWN)))?;
        }
        // Infinite values sit in the middle of the failed band.
        let failed_at =
            failed.map(|(from, to)| if from > 0.0 { (from * to).sqrt() } else { (from + to) / 2.0 });
        // The first lines are drawn last, on top: the user's view over the
        // p99 of successes where they coincide.
        for (i, line) in lines.iter().enumerate().rev() {
            let colour = style::colour(i);
            let line_style = ShapeStyle::from(&colour).stroke_width(3);
            for segment in segments(&self.t_s, self.window_s, &line.values, failed_at) {
                if style::dashed(i) {
                    chart.draw_series(DashedLineSeries::new(segment, 12, 6, line_style))?;
                } else {
                    chart.draw_series(LineSeries::new(segment, line_style))?;
                }
            }
            // The legend sits beside the panel, never over its data.
            let y = if top { 50 } else { 22 } + i as i32 * 34;
            let sample = ShapeStyle::from(&colour).stroke_width(4);
            if style::dashed(i) {
                legend.draw(&PathElement::new(vec![(4, y), (16, y)], sample))?;
                legend.draw(&PathElement::new(vec![(24, y), (36, y)], sample))?;
            } else {
                legend.draw(&PathElement::new(vec![(4, y), (36, y)], sample))?;
            }
            legend.draw(&Text::new(line.name.clone(), (44, y - 11), style::tick_font()))?;
        }
        Ok(())
    }
}

/// About how wide a label's character is [px], at the tick font.
const LABEL_CHAR_PX: i32 = 11;

/// Height of a row of labels above the top panel [px].
const LABEL_ROW_PX: i32 = 26;

/// A row for each label `(at_s, text)`: the lowest row where it starts
/// after the end of the last label placed there (`px` maps seconds to
/// pixels; text is about 12 px a character at the tick size).
fn label_rows(labels: &[(f64, String)], px: impl Fn(f64) -> i32) -> Vec<usize> {
    let mut ends: Vec<i32> = Vec::new();
    labels
        .iter()
        .map(|(t, text)| {
            let start = px(*t);
            let end = start + 12 + 12 * text.chars().count() as i32;
            let row = ends.iter().position(|e| *e < start).unwrap_or(ends.len());
            if row == ends.len() {
                ends.push(end);
            } else {
                ends[row] = end;
            }
            row
        })
        .collect()
}

/// The defined stretches of a line, each point at its window's middle;
/// an infinite value at `failed_at` (in the failed band), if given.
fn segments(
    t_s: &[f64],
    window_s: f64,
    values: &[Option<f64>],
    failed_at: Option<f64>,
) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    for (t, v) in t_s.iter().zip(values) {
        let v = match (v, failed_at) {
            (Some(v), Some(at)) if v.is_infinite() && *v > 0.0 => Some(at),
            _ => *v,
        };
        match v {
            Some(v) if v.is_finite() => current.push((t + window_s / 2.0, v)),
            _ => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_that_would_overlap_go_a_row_higher() {
        let labels: Vec<(f64, String)> =
            [(0.0, "warm-up"), (10.0, "cache-flush"), (12.0, "load ×4"), (100.0, "db-pause")]
                .iter()
                .map(|(t, l)| (*t, (*l).to_owned()))
                .collect();
        // 10 px a second: "warm-up" ends at 96 px, "cache-flush" starts at 100.
        assert_eq!(label_rows(&labels, |t| (t * 10.0) as i32), [0, 0, 1, 0]);
        assert_eq!(label_rows(&labels, |t| (t * 1.0) as i32), [0, 1, 2, 0]);
    }

    #[test]
    fn alert_firings_closer_than_a_pixel_make_one_bar_and_rows_are_capped() {
        let n = 1000;
        let mut alerts = Vec::new();
        // Rule "a" fires every 10 ms of 1000 s (sub-pixel gaps); "b" twice, far apart.
        for i in 0..100_000 {
            let t = f64::from(i) * 0.01;
            alerts.push(Band { from_s: t, to_s: t + 0.005, label: "a".into() });
        }
        alerts.push(Band { from_s: 900.0, to_s: 950.0, label: "b".into() });
        alerts.push(Band { from_s: 100.0, to_s: 120.0, label: "b".into() });
        for k in 0..20 {
            alerts.push(Band { from_s: 10.0, to_s: 11.0, label: format!("rule {k}") });
        }
        let timeline = Timeline {
            title: "t".into(),
            t_s: (0..n).map(f64::from).collect(),
            window_s: 1.0,
            panels: Vec::new(),
            bands: Vec::new(),
            warmup_s: 0.0,
            recovered_at_s: None,
            recovery: "too-short".into(),
            slo_p99_ms: None,
            alerts,
        };
        let rows = timeline.alert_rows();
        assert_eq!(rows.len(), 22);
        assert_eq!(rows[0], ("a", vec![(0.0, 999.995)]), "one bar, not 10^5");
        assert_eq!(rows[1], ("b", vec![(100.0, 120.0), (900.0, 950.0)]), "in time order, apart");
        let started = std::time::Instant::now();
        let svg = super::super::render_svg(&timeline, super::super::SIZE).unwrap();
        assert!(svg.contains("and 14 more alerts that fired"), "8 rows drawn, the rest counted");
        assert!(started.elapsed().as_secs_f64() < 5.0, "drawn in {:?}", started.elapsed());
    }
}
