//! Capacity bars: one bar per variant at the largest value that holds the
//! SLO, a whisker up to the smallest value that fails, and today's value as
//! a dashed reference line.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style;
use super::{Chart, DrawError};

/// One variant's bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub name: String,
    /// The largest value known to hold; `None`: not even the search's low.
    pub value: Option<f64>,
    /// The smallest value known to fail, if known.
    pub fails_at: Option<f64>,
    /// A word under the bar (`≥ high`, `< low`).
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub title: String,
    pub y_label: String,
    pub bars: Vec<Bar>,
    /// A horizontal reference: value and label (today's load).
    pub reference: Option<(f64, String)>,
}

impl Chart for BarChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let n = self.bars.len().max(1);
        let top = self
            .bars
            .iter()
            .flat_map(|b| [b.value, b.fails_at])
            .flatten()
            .chain(self.reference.iter().map(|r| r.0))
            .fold(0.0, f64::max)
            .max(1.0)
            * 1.15;
        let names: Vec<String> = self.bars.iter().map(|b| b.name.clone()).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, style::title_font_fitting(&self.title, root.dim_in_pixel().0))
            .margin(30)
            .x_label_area_size(90)
            .y_label_area_size(120)
            .build_cartesian_2d(0.0..n as f64, 0.0..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n * 2 + 1)
            .x_label_formatter(&|v| {
                let centre = v - 0.5;
                if centre >= 0.0 && (centre - centre.round()).abs() < 1e-6 {
                    names.get(centre.round() as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc(&self.y_label)
            .axis_desc_style(style::label_font())
            .label_style(style::label_font())
            .y_label_formatter(&|v| style::short_number(*v))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(205, 205, 205))
            .draw()?;
        let base = root.get_base_pixel();
        for (i, bar) in self.bars.iter().enumerate() {
            let x = i as f64;
            let colour = style::colour(i);
            if let Some(value) = bar.value {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.2, 0.0), (x + 0.8, value)],
                    colour.filled(),
                )))?;
                if let Some(fails) = bar.fails_at {
                    // The bracket: from the last value that held to the first that failed.
                    let whisker = BLACK.stroke_width(3);
                    chart.draw_series(LineSeries::new([(x + 0.5, value), (x + 0.5, fails)], whisker))?;
                    chart.draw_series(LineSeries::new([(x + 0.42, fails), (x + 0.58, fails)], whisker))?;
                }
                let at = chart.backend_coord(&(x + 0.5, value));
                root.draw(&Text::new(
                    style::short_number(value),
                    (at.0 - base.0, at.1 - base.1 - 40),
                    style::label_font().pos(Pos::new(HPos::Center, VPos::Center)),
                ))?;
            }
            if !bar.note.is_empty() {
                let at = chart.backend_coord(&(x + 0.5, 0.0));
                root.draw(&Text::new(
                    bar.note.clone(),
                    (at.0 - base.0, at.1 - base.1 - 24),
                    style::label_font().pos(Pos::new(HPos::Center, VPos::Center)),
                ))?;
            }
        }
        if let Some((value, label)) = &self.reference {
            let line = ShapeStyle::from(&RGBColor(90, 90, 90)).stroke_width(3);
            chart.draw_series(DashedLineSeries::new([(0.0, *value), (n as f64, *value)], 16, 10, line))?;
            let at = chart.backend_coord(&(0.0, *value));
            root.draw(&Text::new(
                label.clone(),
                (at.0 - base.0 + 10, at.1 - base.1 - 32),
                style::label_font(),
            ))?;
        }
        Ok(())
    }
}
