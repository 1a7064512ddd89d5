//! Charts: every kind renders to a buffer of the right size with text
//! where titles and legends go, with no system fonts; `plot` redraws from
//! files and rejects missing or malformed ones.

use std::fs;
use std::path::Path;

use outage_sim::report::chart::timeline::{Panel, Scale};
use outage_sim::report::chart::{
    Band, CurveChart, CurvePoint, CurveSeries, PhaseChart, SIZE, Timeline, render_rgb, render_svg,
};

use crate::support::{cli, root};

/// Pixels in a rectangle that are not the white background.
fn ink(rgb: &[u8], (x0, y0): (u32, u32), (x1, y1): (u32, u32)) -> usize {
    let mut n = 0;
    for y in y0..y1 {
        for x in x0..x1 {
            let i = ((y * SIZE.0 + x) * 3) as usize;
            if rgb[i..i + 3] != [255, 255, 255] {
                n += 1;
            }
        }
    }
    n
}

fn curves() -> CurveChart {
    let series = |name: &str, k: f64| CurveSeries {
        name: name.into(),
        points: (1..=6)
            .map(|i| CurvePoint { x: 1000.0 * 2f64.powi(i), y: k * f64::from(i), ci95: Some(0.5) })
            .collect(),
    };
    CurveChart {
        title: "p99 [ms] vs load".into(),
        x_label: "load [1/s]".into(),
        y_label: "p99 [ms]".into(),
        x_log: true,
        x_categories: Vec::new(),
        series: vec![series("lru", 10.0), series("fifo", 20.0)],
        legend_title: "variant".into(),
        slo: Some((100.0, "p99 ≤ 100 ms".into())),
    }
}

#[test]
fn curve_charts_render_with_title_and_legend() {
    let rgb = render_rgb(&curves(), SIZE).unwrap();
    assert_eq!(rgb.len(), (SIZE.0 * SIZE.1 * 3) as usize);
    assert!(ink(&rgb, (300, 0), (1000, 60)) > 500, "the title is drawn");
    assert!(ink(&rgb, (1260, 40), (1600, 300)) > 500, "the legend is drawn beside the plot");
    let svg = render_svg(&curves(), SIZE).unwrap();
    assert!(svg.contains("<svg") && svg.contains("lru") && svg.contains("p99 ≤ 100 ms"));
}

#[test]
fn timelines_render_with_bands_and_legends() {
    let n = 60;
    let wave = |k: f64| (0..n).map(|i| Some(k * (1.0 + (f64::from(i) / 5.0).sin().abs()))).collect();
    let line = |name: &str, values| outage_sim::report::chart::timeline::Line { name: name.into(), values };
    let timeline = Timeline {
        title: "a run — timeline".into(),
        t_s: (0..n).map(f64::from).collect(),
        window_s: 1.0,
        panels: vec![
            Panel::new("latency [ms]", Scale::Auto, vec![line("p50", wave(2.0)), line("p99", wave(40.0))]),
            Panel::new(
                "share",
                Scale::Share,
                vec![line("error rate", wave(0.1)), line("hit ratio", wave(0.4))],
            ),
            Panel::new("db utilisation", Scale::Share, vec![line("db utilisation", wave(0.3))]),
            Panel::new("count", Scale::Auto, vec![line("db queue", wave(3.0))]),
        ],
        bands: vec![Band { from_s: 20.0, to_s: 30.0, label: "cache-down".into() }],
        warmup_s: 5.0,
        recovered_at_s: Some(35.0),
        recovery: "recovered".into(),
        slo_p99_ms: Some(500.0),
        alerts: vec![Band { from_s: 22.0, to_s: 31.0, label: "hit ratio low".into() }],
    };
    let rgb = render_rgb(&timeline, SIZE).unwrap();
    assert!(ink(&rgb, (500, 0), (1100, 70)) > 500, "the title is drawn");
    assert!(ink(&rgb, (1400, 90), (1600, 200)) > 300, "the legend is drawn");
    // The band is shaded (a light orange) in the plotting area.
    let orange = (0..SIZE.0 * SIZE.1).filter(|p| {
        let i = (*p * 3) as usize;
        rgb[i] > 240 && (215..245).contains(&rgb[i + 1]) && rgb[i + 2] < 225
    });
    assert!(orange.count() > 10_000);
}

#[test]
fn phase_diagrams_render_cells_and_scale() {
    let chart = PhaseChart {
        title: "recovered share".into(),
        x_label: "load [1/s]".into(),
        y_label: "db servers".into(),
        x_values: vec!["1000".into(), "2000".into(), "3000".into()],
        y_values: vec!["8".into(), "10".into()],
        cells: vec![vec![Some(1.0), Some(0.5), Some(0.0)], vec![Some(1.0), Some(1.0), None]],
        metric_label: "recovered share".into(),
        high_is_good: true,
    };
    let rgb = render_rgb(&chart, SIZE).unwrap();
    assert!(ink(&rgb, (400, 0), (1000, 60)) > 500, "the title is drawn");
    assert!(ink(&rgb, (1360, 110), (1400, 700)) > 10_000, "the colour scale is drawn");
}

/// Text is drawn from the embedded font, not the system's: with an empty
/// fontconfig (no fonts to find) the title still has ink.
#[test]
fn charts_need_no_system_fonts() {
    let dir = tempfile::tempdir().unwrap();
    let fonts = dir.path().join("fonts.conf");
    fs::write(&fonts, "<?xml version=\"1.0\"?><fontconfig></fontconfig>\n").unwrap();
    let out = dir.path().join("run");
    cli()
        .args(["run", "models/cold-restart.toml", "--set", "run.duration_s=160", "--out"])
        .arg(&out)
        .env("FONTCONFIG_FILE", &fonts)
        .env("FONTCONFIG_PATH", dir.path())
        .current_dir(root())
        .assert()
        .success();
    let rgb = decode(&out.join("timeline.png"));
    assert!(ink(&rgb, (500, 0), (1100, 70)) > 500, "the title was drawn without system fonts");
}

fn decode(path: &Path) -> Vec<u8> {
    let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    assert_eq!((info.width, info.height), SIZE);
    buffer
}

#[test]
fn plot_redraws_a_sweep_and_formats_are_selectable() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    cli()
        .args(["sweep", "experiments/recovery-region.toml", "--quiet", "--set", "run.duration_s=40", "--out"])
        .arg(&out)
        .current_dir(root())
        .assert()
        .success();
    let charts = out.join("charts");
    for name in ["recovered_share-vs-clients.rate_rps.png", "phase-recovered_share-base.png"] {
        assert!(charts.join(name).exists(), "{name}");
    }
    assert!(out.join("timelines/base/timeline.png").exists());
    fs::remove_dir_all(&charts).unwrap();
    cli().arg("plot").arg(&out).args(["--format", "both"]).assert().success();
    assert!(charts.join("hit_ratio-vs-clients.rate_rps.svg").exists());
    assert!(charts.join("hit_ratio-vs-clients.rate_rps.png").exists());
}

#[test]
fn plot_rejects_missing_or_malformed_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    cli()
        .args([
            "run",
            "models/webshop.toml",
            "--set",
            "run.duration_s=10",
            "--set",
            "run.warmup_s=1",
            "--out",
        ])
        .arg(&out)
        .current_dir(root())
        .assert()
        .success();
    fs::write(out.join("timeseries.csv"), "t_s,p50_ms\n0,abc\n").unwrap();
    let assert = cli().arg("plot").arg(&out).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("timeseries.csv"), "{stderr}");
    fs::remove_file(out.join("timeseries.csv")).unwrap();
    let assert = cli().arg("plot").arg(&out).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("timeseries.csv"), "{stderr}");
    let assert = cli().arg("plot").arg(dir.path()).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("neither a run"), "{stderr}");
}
