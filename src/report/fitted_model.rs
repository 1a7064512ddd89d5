//! The model `fit` writes: every fitted value with a comment saying where
//! it comes from, and the rate series as a rate file beside it.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::fit::{Fit, HitComparison};

/// The model's text. `command` is how it was made; `rate_file` the rate
/// file's name (beside the model); `trace` the log's path as the model
/// should name it.
pub fn fitted_model_toml(
    fit: &Fit,
    compared: &[HitComparison],
    command: &str,
    rate_file: &str,
    trace: &str,
) -> String {
    let mut t = String::new();
    let w = fit.window_s;
    let duration_s = ((fit.span_s / w).ceil() * w).max(w);
    let warmup_s = (duration_s * 0.1).min(60.0);
    let _ = writeln!(t, "# Fitted by `{command}` (outage-sim {}).", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        t,
        "# From {} rows{} over {:.0} s of the log. Each value says where it comes from;\n\
         # the cache and database below are defaults to edit, not fitted.\n",
        fit.rows,
        if fit.skipped > 0 { format!(" ({} malformed rows skipped)", fit.skipped) } else { String::new() },
        fit.span_s
    );
    let _ = writeln!(
        t,
        "[run]\n# the log's length\nduration_s = {duration_s:.1}\nwarmup_s = {warmup_s:.1}\nwindow_s = {w:.1}\n"
    );
    let _ = writeln!(t, "[workload]");
    let _ = writeln!(
        t,
        "# distinct keys in the log (a key it never asks for is not counted)\nkeys = {}",
        fit.keys
    );
    let _ = writeln!(t, "popularity = \"zipf\"");
    let _ = writeln!(
        t,
        "# maximum likelihood over the keys ranked by accesses; the rank CDFs of log and\n\
         # fit differ by at most {:.4} (Kolmogorov–Smirnov distance: 0 is a perfect fit)\nzipf_s = {:.4}",
        fit.zipf.ks_distance, fit.zipf.s
    );
    let _ = writeln!(
        t,
        "# {:.2} % of the requests read\nread_fraction = {:.4}",
        fit.read_fraction * 100.0,
        fit.read_fraction
    );
    let follow = if fit.writes_follow_reads() {
        "writes follow the read popularity, as the model draws them"
    } else {
        "writes do NOT follow the read popularity; the model draws them as if they did"
    };
    let _ = writeln!(
        t,
        "# {follow}: the most-read 10 % of keys get {:.1} % of the writes and {:.1} % of the reads",
        fit.writes_to_top_keys * 100.0,
        fit.reads_to_top_keys * 100.0
    );
    let _ = writeln!(
        t,
        "# one-hit wonders: {:.1} % of the keys were requested once",
        fit.one_hit_wonders * 100.0
    );
    match fit.size {
        Some(s) => {
            let _ = writeln!(
                t,
                "# item sizes: lognormal fitted to {} keys' sizes (the first size seen of each)\n\
                 size = {{ dist = \"lognormal\", mean_bytes = {:.1}, cv = {:.4} }}",
                s.keys_with_size, s.mean_bytes, s.cv
            );
        }
        None => {
            let _ = writeln!(t, "# item sizes: the log gives none");
        }
    }
    let _ = writeln!(t, "# to replay the log itself instead of drawing requests:\n# trace = {trace:?}\n");
    let _ = writeln!(
        t,
        "[clients]\n# the log's requests per {w:.0} s window\nrate_file = {rate_file:?}\n\
         # not in the log: a default to edit\ntimeout_ms = 1000.0\n"
    );
    let ten = compared.iter().find(|c| (c.share_of_keys - 0.1).abs() < 1e-9).or(compared.last());
    let capacity = ten.map_or((f64::from(fit.keys) * 0.1).round().max(1.0) as u32, |c| c.capacity);
    let _ = writeln!(t, "[cache]");
    for c in compared {
        let _ = writeln!(
            t,
            "# LRU at {:.0} % of the keys ({} entries), delete on write: hit ratio {:.4} replaying the log, {:.4} from this model",
            c.share_of_keys * 100.0,
            c.capacity,
            c.log,
            c.fitted
        );
    }
    let _ = writeln!(t, "capacity = {capacity}\neviction = \"lru\"\ninvalidation = \"delete\"");
    t
}

/// The rate file: `t_s,rate_rps`, one point per window at its middle
/// (and the first and last rates at the log's two ends):
/// the series runs linearly between the middles, so each window keeps its
/// count up to what the bends to its neighbours move across its edges.
pub fn write_rate_csv(fit: &Fit, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "t_s,rate_rps")?;
    // The first and last windows' rates reach the log's ends, so the run's
    // whole length is covered by the series.
    if let Some(&(_, first)) = fit.rate.first() {
        writeln!(out, "0,{first}")?;
    }
    for &(start, rate) in &fit.rate {
        writeln!(out, "{},{}", start + fit.window_s / 2.0, rate)?;
    }
    if let Some(&(start, last)) = fit.rate.last() {
        writeln!(out, "{},{last}", start + fit.window_s)?;
    }
    Ok(())
}
