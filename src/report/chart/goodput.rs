//! Goodput against offered load: what the stack answered within the
//! objective for each load it was offered, beside the diagonal of a stack
//! that answers everything — with the forecast peak, the knee (the largest
//! load within the objective) and the collapse region (more load, less
//! good work) marked, so the shape of an overload is read at a glance.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::curves::draw_marker;
use super::style;
use super::{Chart, DrawError};

/// One variant's curve and its marks.
#[derive(Debug, Clone, PartialEq)]
pub struct GoodputChart {
    pub title: String,
    /// (offered load, good throughput, throughput of successes) [/s], and
    /// whether the objective held at that load.
    pub points: Vec<(f64, f64, f64, bool)>,
    pub peak_rps: f64,
    pub knee_rps: Option<f64>,
    pub collapse_rps: Option<f64>,
}

const KNEE: RGBColor = RGBColor(0, 140, 90);
const COLLAPSE: RGBColor = RGBColor(200, 40, 20);
const PEAK: RGBColor = RGBColor(90, 90, 90);

impl Chart for GoodputChart {
    fn size(&self) -> (u32, u32) {
        (1400, 800)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let x1 = self.points.iter().map(|p| p.0).fold(self.peak_rps, f64::max) * 1.05;
        let y1 = self.points.iter().map(|p| p.1.max(p.2)).fold(0.0, f64::max).max(1.0) * 1.1;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, style::title_font_fitting(&self.title, root.dim_in_pixel().0))
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(120)
            .build_cartesian_2d(0.0..x1, 0.0..y1)?;
        chart
            .configure_mesh()
            .x_desc("offered load [requests/s]")
            .y_desc("answered per second")
            .axis_desc_style(style::label_font())
            .label_style(style::tick_font())
            .x_label_formatter(&|v| style::short_number(*v))
            .y_label_formatter(&|v| style::short_number(*v))
            .light_line_style(RGBColor(235, 235, 235))
            .bold_line_style(RGBColor(200, 200, 200))
            .draw()?;
        if let Some(c) = self.collapse_rps {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(c, 0.0), (x1, y1)],
                    COLLAPSE.mix(0.1).filled(),
                )))?
                .label("collapse: good work below half its best")
                .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 30, y + 8)], COLLAPSE.mix(0.3).filled()));
        }
        let grey = ShapeStyle::from(&RGBColor(160, 160, 160)).stroke_width(2);
        chart
            .draw_series(DashedLineSeries::new([(0.0, 0.0), (x1.min(y1), x1.min(y1))], 10, 8, grey))?
            .label("everything answered")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], grey));
        let vertical = |x: f64, colour: RGBColor, width: u32| {
            DashedLineSeries::new([(x, 0.0), (x, y1)], 14, 8, ShapeStyle::from(&colour).stroke_width(width))
        };
        chart
            .draw_series(vertical(self.peak_rps, PEAK, 3))?
            .label(format!("forecast peak {}/s", style::short_number(self.peak_rps)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], PEAK.stroke_width(3)));
        if let Some(k) = self.knee_rps {
            chart
                .draw_series(vertical(k, KNEE, 4))?
                .label(format!("knee: objective holds up to {}/s", style::short_number(k)))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], KNEE.stroke_width(4)));
        }
        let series = [
            ("successes per second", 2usize, style::colour(1)),
            ("answered within the latency objective", 1usize, style::colour(0)),
        ];
        let base = root.get_base_pixel();
        for (i, (name, column, colour)) in series.into_iter().enumerate() {
            let pts: Vec<(f64, f64)> =
                self.points.iter().map(|p| (p.0, if column == 1 { p.1 } else { p.2 })).collect();
            let line = ShapeStyle::from(&colour).stroke_width(if column == 1 { 5 } else { 3 });
            chart
                .draw_series(LineSeries::new(pts.clone(), line))?
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], line));
            for p in &pts {
                let at = chart.backend_coord(p);
                draw_marker(root, style::marker(i), (at.0 - base.0, at.1 - base.1), colour)?;
            }
        }
        // Loads where the objective failed, crossed out: the curve alone
        // cannot show a failure that is not about throughput (stale reads).
        let failed: Vec<(f64, f64)> = self.points.iter().filter(|p| !p.3).map(|p| (p.0, p.1)).collect();
        if !failed.is_empty() {
            let cross = ShapeStyle::from(&COLLAPSE).stroke_width(4);
            chart
                .draw_series(failed.iter().map(|&p| Cross::new(p, 14, cross)))?
                .label(if self.knee_rps.is_some() {
                    "objective fails at this load"
                } else {
                    "objective fails at this load (at every load probed)"
                })
                .legend(move |(x, y)| Cross::new((x + 15, y), 9, cross));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(style::tick_font())
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(200, 200, 200))
            .draw()?;
        Ok(())
    }
}
