//! Charts: PNG and SVG drawn with plotters' pure-Rust text path and an
//! embedded DejaVu Sans, so they render the same on a headless machine with
//! no fonts installed. Each chart kind reads plain data (parsed from the
//! CSV files), never the engine.

mod bars;
pub(crate) mod curves;
mod goodput;
mod phase;
pub mod style;
pub mod timeline;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use bars::{Bar, BarChart};
pub use curves::{CurveChart, CurvePoint, CurveSeries};
pub use goodput::GoodputChart;
pub use phase::PhaseChart;
pub use timeline::{Band, Timeline};

use crate::files::write_atomically;

/// Which files a chart is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
    Both,
}

impl Format {
    pub fn parse(text: &str) -> Result<Format, String> {
        match text {
            "png" => Ok(Format::Png),
            "svg" => Ok(Format::Svg),
            "both" => Ok(Format::Both),
            other => Err(format!("--format takes png, svg or both, got {other:?}")),
        }
    }
}

/// The default size [px]: a 16:10 slide.
pub const SIZE: (u32, u32) = (1600, 1000);

/// What every chart kind does: draw itself on any backend.
pub trait Chart {
    /// Its size [px]; a chart with more to show may be taller.
    fn size(&self) -> (u32, u32) {
        SIZE
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError>;
}

/// A drawing failure, backend-independent.
#[derive(Debug, thiserror::Error)]
#[error("drawing failed: {0}")]
pub struct DrawError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawError(e.to_string())
    }
}

/// Registers the embedded font once: plotters' `ab_glyph` text path finds
/// it by name, and without it drawing text fails.
fn fonts() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .map_err(|_| ())
            .expect("DejaVu Sans is a valid font");
        plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold())
            .map_err(|_| ())
            .expect("DejaVu Sans Bold is a valid font");
    });
}

/// Renders `chart` into an RGB pixel buffer of `size`.
pub fn render_rgb(chart: &impl Chart, size: (u32, u32)) -> Result<Vec<u8>, DrawError> {
    fonts();
    let mut buffer = vec![0u8; (size.0 * size.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, size).into_drawing_area();
        root.fill(&WHITE)?;
        chart.draw(&root)?;
        root.present()?;
    }
    Ok(buffer)
}

/// Renders `chart` as an SVG document.
pub fn render_svg(chart: &impl Chart, size: (u32, u32)) -> Result<String, DrawError> {
    fonts();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        chart.draw(&root)?;
        root.present()?;
    }
    Ok(svg)
}

/// Writes `chart` to `stem` + `.png` and/or `.svg`, atomically; returns
/// the files written.
pub fn write_chart(chart: &impl Chart, stem: &Path, format: Format) -> io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    if matches!(format, Format::Png | Format::Both) {
        let rgb = render_rgb(chart, chart.size()).map_err(io::Error::other)?;
        let path = with_suffix(stem, "png");
        write_atomically(&path, |out| encode_png(out, &rgb, chart.size()))?;
        written.push(path);
    }
    if matches!(format, Format::Svg | Format::Both) {
        let svg = render_svg(chart, chart.size()).map_err(io::Error::other)?;
        let path = with_suffix(stem, "svg");
        write_atomically(&path, |out| out.write_all(svg.as_bytes()))?;
        written.push(path);
    }
    Ok(written)
}

/// `stem` + `.ext`, keeping any dots in the stem (`clients.rate_rps`).
fn with_suffix(stem: &Path, ext: &str) -> PathBuf {
    let mut name = stem.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(ext);
    stem.with_file_name(name)
}

fn encode_png(out: &mut dyn io::Write, rgb: &[u8], (width, height): (u32, u32)) -> io::Result<()> {
    let mut encoder = png::Encoder::new(out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(io::Error::other)?;
    writer.write_image_data(rgb).map_err(io::Error::other)?;
    writer.finish().map_err(io::Error::other)
}
