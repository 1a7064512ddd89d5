//! Curves against an axis: one line per series, markers at the points,
//! 95 % confidence error bars, the SLO as a dashed line, log axes where the
//! data spans decades, and the legend in a panel of its own beside the
//! plot, so it never covers data.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use super::style::{self, Marker};
use super::{Chart, DrawError};

/// One point: x, the mean, and the 95 % half-width if known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    pub x: f64,
    pub y: f64,
    pub ci95: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CurveSeries {
    pub name: String,
    pub points: Vec<CurvePoint>,
}

/// A chart of curves.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Log scale on x (a log range axis, or x spanning decades).
    pub x_log: bool,
    /// A non-numeric axis (`lru`, `fifo`, …): point `i` has x = i and is
    /// labelled with the i-th name; empty for a numeric axis.
    pub x_categories: Vec<String>,
    pub series: Vec<CurveSeries>,
    /// What tells the lines apart: `variant`, or an axis.
    pub legend_title: String,
    /// A horizontal objective: value and label.
    pub slo: Option<(f64, String)>,
}

impl CurveChart {
    fn points(&self) -> impl Iterator<Item = &CurvePoint> {
        self.series.iter().flat_map(|s| &s.points)
    }

    /// y spans more than two decades of positive values: log scale.
    fn y_log(&self) -> bool {
        let ys: Vec<f64> = self.points().map(|p| p.y).chain(self.slo.iter().map(|s| s.0)).collect();
        let (min, max) = bounds(ys.iter().copied());
        min > 0.0 && max / min > 100.0
    }

    fn x_range(&self) -> (f64, f64) {
        if !self.x_categories.is_empty() {
            return (-0.5, self.x_categories.len() as f64 - 0.5);
        }
        pad(bounds(self.points().map(|p| p.x)), self.x_log, false)
    }

    fn y_range(&self, log: bool) -> (f64, f64) {
        let ys = self
            .points()
            .flat_map(|p| {
                // The point itself too: on a log axis a bar reaching below
                // zero is cut, the point must still be inside.
                let half = p.ci95.unwrap_or(0.0);
                [p.y - half, p.y, p.y + half]
            })
            .filter(|y| !log || *y > 0.0)
            .chain(self.slo.iter().map(|s| s.0));
        pad(bounds(ys), log, true)
    }

    /// Where infinite values go: a band above the finite ones, from the
    /// top of the data range `(y0, y1)`, or `None` when every value is
    /// finite. Returns the band and the axis' new top.
    fn failed_band(&self, (y0, y1): (f64, f64), log: bool) -> Option<(f64, f64)> {
        if !self.points().any(|p| p.y.is_infinite()) {
            return None;
        }
        Some(if log { (y1, y1 * 3.0) } else { (y1, y1 + 0.25 * (y1 - y0)) })
    }
}

/// Ticks at 1, 2 and 5 times the powers of ten within [lo, hi].
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    if lo <= 0.0 || hi <= lo {
        return ticks;
    }
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi {
        for m in [1.0, 2.0, 5.0] {
            let t = m * decade;
            if t >= lo && t <= hi {
                ticks.push(t);
            }
        }
        decade *= 10.0;
    }
    ticks
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// A little room around the data; ratios keep 0 as their floor.
fn pad((lo, hi): (f64, f64), log: bool, from_zero: bool) -> (f64, f64) {
    if !lo.is_finite() {
        return if log { (1.0, 10.0) } else { (0.0, 1.0) };
    }
    if log {
        return (lo / 1.3, hi * 1.3);
    }
    let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
    let low = if from_zero && lo >= 0.0 { 0.0 } else { lo - 0.05 * span };
    (low, hi + 0.08 * span)
}

impl Chart for CurveChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let (width, _) = root.dim_in_pixel();
        let (plot, legend) = root.split_horizontally(width * 78 / 100);
        let (x0, x1) = self.x_range();
        let y_log_scale = self.y_log();
        let (y0, y1) = self.y_range(y_log_scale);
        let failed = self.failed_band((y0, y1), y_log_scale);
        let y1 = failed.map_or(y1, |band| band.1);
        // Log axes get explicit 1-2-5 ticks: plotters' own skip decades.
        let x_log = || (x0..x1).log_scale().with_key_points(log_ticks(x0, x1));
        let y_log = || (y0..y1).log_scale().with_key_points(log_ticks(y0, y1));
        match (self.x_log && self.x_categories.is_empty(), y_log_scale) {
            (false, false) => self.plot(&plot, x0..x1, y0..y1, failed)?,
            (true, false) => self.plot(&plot, x_log(), y0..y1, failed)?,
            (false, true) => self.plot(&plot, x0..x1, y_log(), failed)?,
            (true, true) => self.plot(&plot, x_log(), y_log(), failed)?,
        }
        self.legend(&legend)
    }
}

impl CurveChart {
    fn plot<DB: DrawingBackend, X, Y>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x: X,
        y: Y,
        failed: Option<(f64, f64)>,
    ) -> Result<(), DrawError>
    where
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, style::title_font_fitting(&self.title, area.dim_in_pixel().0))
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(110)
            .build_cartesian_2d(x, y)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .axis_desc_style(style::label_font())
            .label_style(style::tick_font())
            // Categories are labelled at their integer positions only (the
            // formatter blanks the ticks between them).
            .x_labels(if self.x_categories.is_empty() { 14 } else { self.x_categories.len() * 4 + 1 })
            .y_labels(10)
            .x_label_formatter(&|v| {
                if self.x_categories.is_empty() {
                    return style::short_number(*v);
                }
                let i = v.round();
                let near = (v - i).abs() < 1e-6 && i >= 0.0;
                if near {
                    self.x_categories.get(i as usize).map(|c| style::compact_value(c)).unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| {
                // No value lives in the failed band: no tick label there.
                if failed.is_some_and(|(from, _)| *v > from) {
                    String::new()
                } else {
                    style::short_number(*v)
                }
            })
            .light_line_style(RGBColor(235, 235, 235))
            .bold_line_style(RGBColor(200, 200, 200))
            .draw()?;
        if let Some((value, label)) = &self.slo {
            let (xa, xb) = self.x_range();
            let line_style = ShapeStyle::from(&RGBColor(120, 120, 120)).stroke_width(3);
            chart.draw_series(DashedLineSeries::new([(xa, *value), (xb, *value)], 14, 10, line_style))?;
            let anchor = chart.backend_coord(&(xa, *value));
            let base = area.get_base_pixel();
            // Above the line, unless that is above the plot (then below it).
            let top = chart.plotting_area().get_pixel_range().1.start;
            let dy = if anchor.1 - 32 < top { 10 } else { -32 };
            area.draw(&Text::new(
                format!("SLO: {label}"),
                (anchor.0 - base.0 + 12, anchor.1 - base.1 + dy),
                style::label_font().color(&RGBColor(90, 90, 90)),
            ))?;
        }
        if let Some((from, to)) = failed {
            let (xa, xb) = self.x_range();
            let red = RGBColor(200, 40, 20);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(xa, from), (xb, to)],
                red.mix(0.12).filled(),
            )))?;
            let at = chart.backend_coord(&(xa, to));
            let base = area.get_base_pixel();
            area.draw(&Text::new(
                "failed: too many requests errored or unfinished for this percentile to exist (∞)",
                (at.0 - base.0 + 12, at.1 - base.1 + 6),
                style::tick_font().color(&red),
            ))?;
        }
        // An infinite value is drawn in the middle of the failed band.
        let failed_at =
            failed.map(|(from, to)| if from > 0.0 { (from * to).sqrt() } else { (from + to) / 2.0 });
        let shown = |y: f64| match failed_at {
            Some(at) if y.is_infinite() => at,
            _ => y,
        };
        // Categories have no order between them: their points stand apart,
        // unjoined, each series a little to the side of the category so
        // error bars do not hide one another.
        let categorical = !self.x_categories.is_empty();
        let n = self.series.len() as f64;
        for (i, series) in self.series.iter().enumerate() {
            let colour = style::colour(i);
            let line = ShapeStyle::from(&colour).stroke_width(4);
            let dodge = if categorical { (i as f64 - (n - 1.0) / 2.0) * (0.5 / n.max(2.0)) } else { 0.0 };
            let points: Vec<(f64, f64)> = series.points.iter().map(|p| (p.x + dodge, shown(p.y))).collect();
            if !categorical {
                if style::dashed(i) {
                    chart.draw_series(DashedLineSeries::new(points.clone(), 16, 8, line))?;
                } else {
                    chart.draw_series(LineSeries::new(points.clone(), line))?;
                }
            }
            chart.draw_series(series.points.iter().filter_map(|p| {
                let half = p.ci95.filter(|h| h.is_finite() && p.y.is_finite())?;
                let x = p.x + dodge;
                Some(ErrorBar::new_vertical(x, p.y - half, p.y, p.y + half, colour.stroke_width(2), 14))
            }))?;
            let base = area.get_base_pixel();
            for &(px, py) in &points {
                let at = chart.backend_coord(&(px, py));
                draw_marker(area, style::marker(i), (at.0 - base.0, at.1 - base.1), colour)?;
            }
        }
        Ok(())
    }

    fn legend<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let top = 110;
        area.draw(&Text::new(self.legend_title.clone(), (20, top - 50), style::label_font()))?;
        let mut y = top - 56;
        for (i, series) in self.series.iter().enumerate() {
            y += 56;
            let colour = style::colour(i);
            let line = ShapeStyle::from(&colour).stroke_width(4);
            if style::dashed(i) {
                area.draw(&PathElement::new(vec![(20, y), (40, y)], line))?;
                area.draw(&PathElement::new(vec![(52, y), (72, y)], line))?;
            } else {
                area.draw(&PathElement::new(vec![(20, y), (72, y)], line))?;
            }
            draw_marker(area, style::marker(i), (46, y), colour)?;
            // A long name (a table axis's value) wraps within the panel.
            for (k, line) in style::wrap(&style::compact_value(&series.name), 20).iter().enumerate() {
                if k > 0 {
                    y += 30;
                }
                area.draw(&Text::new(line.clone(), (88, y - 14), style::label_font()))?;
            }
        }
        Ok(())
    }
}

/// Draws a marker centred at `at` (pixels).
pub fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    marker: Marker,
    at: (i32, i32),
    colour: RGBColor,
) -> Result<(), DrawError> {
    let (x, y) = at;
    let fill = colour.filled();
    let r = 9;
    match marker {
        Marker::Circle => area.draw(&Circle::new(at, r, fill))?,
        Marker::Square => area.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], fill))?,
        Marker::Triangle => {
            area.draw(&Polygon::new(vec![(x, y - r - 2), (x - r - 1, y + r), (x + r + 1, y + r)], fill))?
        }
        Marker::Diamond => area.draw(&Polygon::new(
            vec![(x, y - r - 2), (x + r + 2, y), (x, y + r + 2), (x - r - 2, y)],
            fill,
        ))?,
        Marker::Cross => {
            let stroke = colour.stroke_width(4);
            area.draw(&PathElement::new(vec![(x - r, y - r), (x + r, y + r)], stroke))?;
            area.draw(&PathElement::new(vec![(x - r, y + r), (x + r, y - r)], stroke))?;
        }
    }
    Ok(())
}
