//! The phase diagram: a metric over two axes as a heatmap, each cell
//! labelled with its value, so the region where the stack stays down is
//! visible at a glance.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style;
use super::{Chart, DrawError};

/// A heatmap over two categorical axes.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_values: Vec<String>,
    pub y_values: Vec<String>,
    /// `cells[y][x]`; `None` where there is no value.
    pub cells: Vec<Vec<Option<f64>>>,
    pub metric_label: String,
    /// High values are good (recovered share): reverse the colours so that
    /// bad is always dark.
    pub high_is_good: bool,
}

/// A sequential ramp ordered by lightness, pale yellow (good) to dark red
/// (bad), so that bad looks bad in colour and in greyscale (ColorBrewer
/// YlOrRd, sampled).
const RAMP: [(u8, u8, u8); 6] =
    [(255, 255, 204), (255, 237, 160), (254, 178, 76), (253, 141, 60), (240, 59, 32), (189, 0, 38)];

fn ramp(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0) * (RAMP.len() - 1) as f64;
    let i = (t.floor() as usize).min(RAMP.len() - 2);
    let f = t - i as f64;
    let (a, b) = (RAMP[i], RAMP[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl PhaseChart {
    fn range(&self) -> (f64, f64) {
        let values = self.cells.iter().flatten().flatten().copied().filter(|v| v.is_finite());
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        if !lo.is_finite() {
            (0.0, 1.0)
        } else if hi > lo {
            (lo, hi)
        } else {
            (lo, lo + 1.0)
        }
    }

    /// Where on the ramp a value falls: 0 good (light), 1 bad (dark).
    fn badness(&self, v: f64) -> f64 {
        if v.is_infinite() {
            return if (v > 0.0) != self.high_is_good { 1.0 } else { 0.0 };
        }
        let (lo, hi) = self.range();
        let t = (v - lo) / (hi - lo);
        if self.high_is_good { 1.0 - t } else { t }
    }
}

impl Chart for PhaseChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let (width, _) = root.dim_in_pixel();
        let (plot, scale) = root.split_horizontally(width * 84 / 100);
        let nx = self.x_values.len().max(1);
        let ny = self.y_values.len().max(1);
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, style::title_font_fitting(&self.title, plot.dim_in_pixel().0))
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(130)
            .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)?;
        let xs = self.x_values.clone();
        let ys = self.y_values.clone();
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .axis_desc_style(style::label_font())
            .label_style(style::tick_font())
            .x_labels(nx * 2 + 1)
            .y_labels(ny * 2 + 1)
            .x_label_formatter(&move |v| label_at(&xs, *v))
            .y_label_formatter(&move |v| label_at(&ys, *v))
            .draw()?;
        for (yi, row) in self.cells.iter().enumerate() {
            for (xi, cell) in row.iter().enumerate() {
                let (x, y) = (xi as f64, yi as f64);
                let fill = match cell {
                    Some(v) => ramp(self.badness(*v)).filled(),
                    None => RGBColor(230, 230, 230).filled(),
                };
                chart.draw_series(std::iter::once(Rectangle::new([(x, y), (x + 1.0, y + 1.0)], fill)))?;
                let text = match cell {
                    None => "–".into(),
                    Some(v) if v.is_infinite() => "∞ failed".into(),
                    Some(v) => style::short_number(*v),
                };
                let dark = cell.is_some_and(|v| self.badness(v) > 0.7);
                let colour = if dark { WHITE } else { BLACK };
                let at = chart.backend_coord(&(x + 0.5, y + 0.5));
                let base = plot.get_base_pixel();
                let at = (at.0 - base.0, at.1 - base.1);
                plot.draw(&Text::new(
                    text,
                    at,
                    style::tick_font().color(&colour).pos(Pos::new(HPos::Center, VPos::Center)),
                ))?;
            }
        }
        // The colour scale, from good (top, light) to bad (bottom, dark).
        let (lo, hi) = self.range();
        let (good, bad) = if self.high_is_good { (hi, lo) } else { (lo, hi) };
        scale.draw(&Text::new(self.metric_label.clone(), (10, 36), style::tick_font()))?;
        let (top, bottom, left) = (110, 760, 20);
        let steps = 40;
        for s in 0..steps {
            let t = s as f64 / steps as f64;
            let y0 = top + ((bottom - top) as f64 * t) as i32;
            let y1 = top + ((bottom - top) as f64 * (t + 1.0 / steps as f64)) as i32 + 1;
            scale.draw(&Rectangle::new([(left, y0), (left + 50, y1)], ramp(t).filled()))?;
        }
        scale.draw(&Text::new(
            format!("{} (better)", style::short_number(good)),
            (left + 60, top - 10),
            style::tick_font(),
        ))?;
        scale.draw(&Text::new(
            format!("{} (worse)", style::short_number(bad)),
            (left + 60, bottom - 14),
            style::tick_font(),
        ))?;
        let worse = if self.high_is_good { "lower is worse" } else { "higher is worse" };
        scale.draw(&Text::new(worse, (10, 62), style::tick_font().color(&RGBColor(90, 90, 90))))?;
        if self.cells.iter().flatten().flatten().any(|v| v.is_infinite()) {
            scale
                .draw(&Rectangle::new([(left, bottom + 30), (left + 50, bottom + 70)], ramp(1.0).filled()))?;
            scale.draw(&Text::new("∞ failed", (left + 60, bottom + 40), style::tick_font()))?;
        }
        Ok(())
    }
}

/// The category label for a tick at `v`: only at cell centres.
fn label_at(labels: &[String], v: f64) -> String {
    let centre = v - 0.5;
    if centre >= 0.0 && (centre - centre.round()).abs() < 1e-6 {
        labels.get(centre.round() as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}
