//! `outage-sim fit TRACE`: estimate a workload from an access log, print
//! the estimates and how the fitted model's hit ratio compares with the
//! log's, and (with `--out`) write the model and its rate file.

use std::path::{Path, PathBuf};

use anyhow::Context;
use outage_sim::files::write_atomically;
use outage_sim::fit::{self, Fit, HitComparison};
use outage_sim::report::{fitted_model_toml, write_rate_csv};
use outage_sim::stack::{BadRows, TraceFormat, TraceKeys, TraceSpec};

use super::failure::Failure;

/// The cache sizes compared, as shares of the keys.
const SHARES: [f64; 2] = [0.01, 0.1];

pub struct Flags {
    pub out: Option<PathBuf>,
    pub format: TraceFormat,
    pub bad_rows: BadRows,
    pub window_s: Option<f64>,
    pub seed: u64,
    pub quiet: bool,
}

pub fn command(trace: &Path, flags: Flags) -> Result<(), Failure> {
    if let Some(w) = flags.window_s
        && !(w.is_finite() && (1.0..=86_400.0).contains(&w))
    {
        return Err(Failure::BadInput(anyhow::anyhow!(
            "--window-s must be from 1 to 86400 seconds, got {w}"
        )));
    }
    let spec = TraceSpec {
        path: trace.to_owned(),
        format: flags.format,
        bad_rows: flags.bad_rows,
        keys: TraceKeys::Names,
        needs_size: false,
    };
    let size = std::fs::metadata(trace).map(|m| m.len()).unwrap_or(0);
    let bar = super::output::progress_bar(flags.quiet, size, "{bytes}/{total_bytes}");
    let fitted = fit::fit(&spec, flags.window_s, |bytes| bar.set_position(bytes))
        .map_err(|e| Failure::BadInput(e.into()))?;
    bar.set_message("replaying the log and the fit through LRU");
    let compared = fit::compare_hit_ratios(&spec, &fitted, &SHARES, flags.seed)
        .map_err(|e| Failure::BadInput(e.into()))?;
    bar.finish_and_clear();
    print_fit(&fitted, &compared);
    if let Some(out) = &flags.out {
        write_model(out, trace, &fitted, &compared, &flags).map_err(Failure::Run)?;
    }
    Ok(())
}

fn print_fit(f: &Fit, compared: &[HitComparison]) {
    println!(
        "rows            {}{}",
        f.rows,
        if f.skipped > 0 { format!(" ({} malformed skipped)", f.skipped) } else { String::new() }
    );
    println!("span            {:.1} s", f.span_s);
    println!("keys            {}", f.keys);
    println!("zipf_s          {:.4}  (maximum likelihood; KS distance {:.4})", f.zipf.s, f.zipf.ks_distance);
    println!("read_fraction   {:.4}", f.read_fraction);
    println!(
        "writes          {} the read popularity (top 10 % of keys by reads: {:.1} % of writes, {:.1} % of reads)",
        if f.writes_follow_reads() { "follow" } else { "do NOT follow" },
        f.writes_to_top_keys * 100.0,
        f.reads_to_top_keys * 100.0
    );
    match f.size {
        Some(s) => println!(
            "item size       lognormal, mean {:.1} B, cv {:.3} ({} keys with a size)",
            s.mean_bytes, s.cv, s.keys_with_size
        ),
        None => println!("item size       none in the log"),
    }
    println!("one-hit wonders {:.2} % of keys", f.one_hit_wonders * 100.0);
    let peak = f.rate.iter().map(|r| r.1).fold(0.0, f64::max);
    let mean = f.rows as f64 / f.span_s.max(f.window_s);
    println!(
        "rate            mean {mean:.1} req/s, peak {peak:.1} req/s over {:.0} s windows ({} points)",
        f.window_s,
        f.rate.len()
    );
    println!("hit ratio       LRU, delete on write: log vs fitted model");
    for c in compared {
        println!(
            "  {:>4.0} % of keys ({:>8} entries)  log {:.4}  fitted {:.4}  difference {:+.4}",
            c.share_of_keys * 100.0,
            c.capacity,
            c.log,
            c.fitted,
            c.fitted - c.log
        );
    }
}

/// Writes the model at `out` and its rate file beside it.
fn write_model(
    out: &Path,
    trace: &Path,
    f: &Fit,
    compared: &[HitComparison],
    flags: &Flags,
) -> anyhow::Result<()> {
    let stem = out.file_stem().map_or("fitted".into(), |s| s.to_string_lossy().into_owned());
    let rate_name = format!("{stem}-rate.csv");
    let folder = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
    let rate_path = folder.join(&rate_name);
    // The trace as the model should name it: relative to the model's folder
    // when both are relative paths, absolute otherwise.
    let trace_named = relative_to(trace, folder);
    let mut command = format!("outage-sim fit {}", trace.display());
    if flags.format != TraceFormat::Csv {
        command.push_str(&format!(" --format {}", flags.format));
    }
    command.push_str(&format!(" --out {}", out.display()));
    let text = fitted_model_toml(f, compared, &command, &rate_name, &trace_named);
    write_atomically(&rate_path, |w| write_rate_csv(f, w))
        .with_context(|| format!("cannot write {}", rate_path.display()))?;
    write_atomically(out, |w| w.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!("wrote {} and {}", out.display(), rate_path.display());
    Ok(())
}

fn relative_to(path: &Path, folder: &Path) -> String {
    let (Ok(path), Ok(folder)) = (std::path::absolute(path), std::path::absolute(folder)) else {
        return path.display().to_string();
    };
    let common = path.components().zip(folder.components()).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in folder.components().skip(common) {
        rel.push("..");
    }
    rel.extend(path.components().skip(common));
    rel.display().to_string()
}
