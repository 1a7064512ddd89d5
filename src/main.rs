//! The `outage-sim` command line: parse arguments, call the library, print.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};

use outage_sim::metrics::{Recovery, Summary};
use outage_sim::report::chart::Format;
use outage_sim::scenario::{self, LoadedModel};
use outage_sim::stack::{BadRows, TraceFormat};
use outage_sim::{report, stack};

mod cli;

use cli::failure::{Failure, plot_failure};
use cli::output::{default_out_dir, file_name, print_notes};

/// Simulate a clients → cache → database stack: find how much load it takes
/// and whether it recovers from a spike or a cache failure.
#[derive(Parser)]
#[command(name = "outage-sim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one model and write summary.csv and timeseries.csv.
    Run {
        /// The model file (TOML).
        model: PathBuf,
        /// Override a model key, e.g. --set cache.ttl_s=60 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        /// Random seed (overrides run.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Output directory [default: out/<model name>].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Write into DIR even if it holds a sweep's or a plan's results.
        #[arg(long)]
        force: bool,
        /// Chart files: png, svg or both.
        #[arg(long, default_value = "png", value_parser = Format::parse)]
        format: Format,
    },
    /// Run an experiment: every variant × axis point × replication, on all
    /// cores; write runs.csv, summary.csv and experiment.json.
    Sweep {
        /// The experiment file (TOML).
        experiment: PathBuf,
        /// Output directory [default: out/<experiment name>].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Worker threads [default: one per core].
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Keep the finished jobs of an earlier, interrupted run in DIR.
        #[arg(long, conflicts_with = "force")]
        resume: bool,
        /// Write into DIR even if it holds another experiment's results.
        #[arg(long)]
        force: bool,
        /// Print the jobs and exit.
        #[arg(long)]
        dry_run: bool,
        /// Run only jobs K, K+N, K+2N, … (also from SLURM_ARRAY_TASK_ID and
        /// SLURM_ARRAY_TASK_COUNT); `merge` combines the shards.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Override a key of the base model, e.g. --set run.duration_s=60.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        /// Chart files: png, svg or both.
        #[arg(long, default_value = "png", value_parser = Format::parse)]
        format: Format,
    },
    /// Redraw the charts of a run or sweep output folder from its files.
    Plot {
        /// The output folder of `run`, `sweep` or `merge`.
        dir: PathBuf,
        /// Chart files: png, svg or both.
        #[arg(long, default_value = "png", value_parser = Format::parse)]
        format: Format,
    },
    /// Find each variant's largest load within the SLO (and the largest spike
    /// it recovers from): the experiment's [plan]; write plan.csv,
    /// probes.csv, capacity.png and report.md.
    Plan {
        /// The experiment file (TOML) with a [plan] section.
        experiment: PathBuf,
        /// Output directory [default: out/<experiment name>].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Worker threads [default: one per core].
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Keep the finished probes of an earlier, interrupted plan in DIR.
        #[arg(long, conflicts_with = "force")]
        resume: bool,
        /// Start over, discarding an interrupted plan's probes in DIR.
        #[arg(long)]
        force: bool,
        /// Override a key of the base model.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        /// Chart files: png, svg or both.
        #[arg(long, default_value = "png", value_parser = Format::parse)]
        format: Format,
    },
    /// Answer a capacity review for each variant — headroom at the forecast
    /// peak, the N−k matrix, the cold cache, USE/RED per tier, retry
    /// amplification, staleness and an N+k recommendation: the experiment's
    /// [review]; write review.csv, report.md and a self-contained report.html.
    Review {
        /// The experiment file (TOML) with a [review] section.
        experiment: PathBuf,
        /// Output directory [default: out/<experiment name>].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Worker threads [default: one per core].
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Reuse the probes an earlier (or interrupted) review left in DIR
        /// where their models still match.
        #[arg(long, conflicts_with = "force")]
        resume: bool,
        /// Start over, discarding an interrupted review's probes in DIR.
        #[arg(long)]
        force: bool,
        /// Run only every N-th task, from the K-th (0-based); default from
        /// SLURM_ARRAY_TASK_ID/COUNT when set. Writes probes, no report.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Reuse the probes of finished shards (their output folders), then
        /// write the report.
        #[arg(long, value_name = "DIR", num_args = 1..)]
        merge: Vec<PathBuf>,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Override a key of the base model.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        /// Chart files beside report.md: png, svg or both.
        #[arg(long, default_value = "png", value_parser = Format::parse)]
        format: Format,
    },
    /// Run an experiment and check its [[assert]] release gates: exit 0 when
    /// all hold, 1 with a table of what failed.
    Assert {
        /// The experiment file (TOML) with [[assert]] entries.
        experiment: PathBuf,
        /// Output directory [default: out/<experiment name>].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Also write a JUnit XML report here, one test case per assertion.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Worker threads [default: one per core].
        #[arg(long, value_name = "N")]
        threads: Option<usize>,
        /// Override a key of the base model.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
    /// Combine the outputs of sharded sweeps into those of one run.
    Merge {
        /// The shards' output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the merged outputs.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Write into DIR even if it holds another experiment's results.
        #[arg(long)]
        force: bool,
        /// Chart files: png, svg or both.
        #[arg(long, default_value = "png", value_parser = Format::parse)]
        format: Format,
    },
    /// Estimate a workload from an access log (keys, Zipf exponent, read
    /// fraction, rate series, item sizes) and compare the fitted model's
    /// hit ratio with the log's; --out writes the model and its rate file.
    Fit {
        /// The access log: rows t_s,key,op[,size] (or --format twitter).
        trace: PathBuf,
        /// Write the fitted model here, and its rate file beside it.
        #[arg(long, value_name = "MODEL.toml")]
        out: Option<PathBuf>,
        /// The log's layout: csv or twitter.
        #[arg(long, default_value = "csv", value_parser = trace_format)]
        format: TraceFormat,
        /// A malformed row: error (stop, located) or skip (count it).
        #[arg(long, default_value = "error", value_parser = bad_rows)]
        bad_rows: BadRows,
        /// Rate-series window [s; default: the log's span / 1440, at least 1].
        #[arg(long, value_name = "S")]
        window_s: Option<f64>,
        /// Seed of the fitted model's request stream.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Validate a model file and print it resolved, defaults included.
    Check {
        /// The model file (TOML).
        model: PathBuf,
        /// Override a model key, e.g. --set cache.ttl_s=60 (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
}

fn trace_format(text: &str) -> Result<TraceFormat, String> {
    TraceFormat::from_name(text).ok_or_else(|| format!("expected one of {}", TraceFormat::NAMES.join(", ")))
}

fn bad_rows(text: &str) -> Result<BadRows, String> {
    BadRows::from_name(text).ok_or_else(|| format!("expected one of {}", BadRows::NAMES.join(", ")))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run { model, sets, seed, out, force, format } => run(&model, sets, seed, out, force, format),
        Command::Plot { dir, format } => plot(&dir, format),
        Command::Assert { experiment, out, junit, threads, sets } => {
            cli::gate::command(&experiment, out, junit, threads, &sets)
        }
        Command::Plan { experiment, out, threads, resume, force, sets, format } => {
            cli::plan::command(&experiment, cli::plan::Flags { out, threads, resume, force, sets, format })
        }
        Command::Review { experiment, out, threads, resume, force, shard, merge, quiet, sets, format } => {
            cli::review::command(
                &experiment,
                cli::review::Flags { out, threads, resume, force, shard, merge, quiet, sets, format },
            )
        }
        Command::Check { model, sets } => check(&model, &sets),
        Command::Fit { trace, out, format, bad_rows, window_s, seed, quiet } => {
            cli::fit::command(&trace, cli::fit::Flags { out, format, bad_rows, window_s, seed, quiet })
        }
        Command::Sweep { experiment, out, threads, resume, force, dry_run, shard, quiet, sets, format } => {
            cli::sweep::command(
                &experiment,
                cli::sweep::Flags { out, threads, resume, force, dry_run, shard, quiet, sets, format },
            )
        }
        Command::Merge { dirs, out, force, format } => cli::sweep::merge(&dirs, &out, force, format),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Run(e)) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(Failure::BadInput(e)) => {
            eprintln!("Error: {e:#}");
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("Error: {e:#}");
            ExitCode::from(1)
        }
        Err(Failure::Interrupted(e)) => {
            eprintln!("{e:#}");
            ExitCode::from(cli::interrupt::EXIT_CODE)
        }
    }
}

fn run(
    path: &Path,
    mut sets: Vec<String>,
    seed: Option<u64>,
    out: Option<PathBuf>,
    force: bool,
    format: Format,
) -> Result<(), Failure> {
    if let Some(seed) = seed {
        sets.push(format!("run.seed={seed}"));
    }
    let loaded = scenario::load_model(path, &sets)?;
    print_notes(&loaded.notes);
    let out = out.unwrap_or_else(|| default_out_dir(path));
    let created = !out.exists();
    let _lock = outage_sim::sweep::prepare_run_dir(&out, force)?;
    let started = Instant::now();
    let result = stack::run(&loaded.model).map_err(|e| {
        // Bad input found while running (a trace row) leaves nothing behind:
        // the folder was made by this run and holds only its lock.
        if created {
            let _ = std::fs::remove_file(out.join(outage_sim::sweep::LOCK));
            let _ = std::fs::remove_dir(&out);
        }
        Failure::BadInput(e.into())
    })?;
    let wall_s = started.elapsed().as_secs_f64();
    let meta = outage_sim::files::RunMeta::of(&file_name(path), &loaded.model);
    outage_sim::files::write_run(&out, &result, &meta)
        .with_context(|| format!("cannot write results to {}", out.display()))
        .map_err(Failure::Run)?;
    let charts = report::plot_run(&out, format).map_err(plot_failure)?;
    print_summary(path, &loaded, &result.summary, wall_s, &out, &charts).map_err(|e| Failure::Run(e.into()))
}

fn plot(dir: &Path, format: Format) -> Result<(), Failure> {
    let charts = report::plot_dir(dir, format).map_err(plot_failure)?;
    let mut o = io::stdout().lock();
    for chart in charts {
        writeln!(o, "wrote {}", chart.display()).map_err(|e| Failure::Run(e.into()))?;
    }
    Ok(())
}

fn check(path: &Path, sets: &[String]) -> Result<(), Failure> {
    let loaded = scenario::load_model(path, sets)?;
    print_notes(&loaded.notes);
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "# {}: valid. Resolved model, defaults included:\n", path.display())
        .and_then(|()| write!(stdout, "{}", loaded.resolved_toml()))
        .map_err(|e| Failure::Run(e.into()))
}

fn print_summary(
    model: &Path,
    loaded: &LoadedModel,
    s: &Summary,
    wall_s: f64,
    out: &Path,
    charts: &[PathBuf],
) -> io::Result<()> {
    let run = &loaded.model.run;
    let ms = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{v:.2}"));
    let share = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{:.2} %", v * 100.0));
    let mut o = io::stdout().lock();
    writeln!(
        o,
        "{}  seed {}  status {}  ({:.1} s simulated after {} s warm-up; {:.2} s wall, {:.1} M events/s)",
        model.display(),
        s.seed,
        s.status,
        s.measured_s,
        run.warmup.as_secs(),
        wall_s,
        s.events as f64 / wall_s.max(1e-9) / 1e6,
    )?;
    if let Some(reason) = &s.diverged_reason {
        writeln!(o, "diverged  {reason}")?;
    }
    writeln!(
        o,
        "requests  {}  ok {}  errors {} ({})  unfinished {}  [timeouts {}, rejected {}, shed {}, cache down {}{}]  \
         attempts/request {}",
        s.requests,
        s.successes,
        s.errors,
        share(s.error_rate),
        s.unfinished,
        s.timeouts,
        s.rejected,
        s.shed,
        s.cache_down_errors,
        // The tiers a model may not have: named when they cost requests.
        [("db down", s.db_down_errors), ("app down", s.app_down_errors)]
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(what, n)| format!(", {what} {n}"))
            .collect::<String>(),
        s.attempts_per_request.map_or_else(|| "-".into(), |v| format!("{v:.3}")),
    )?;
    let slo_ms = loaded.model.slo.p99_ms;
    writeln!(
        o,
        "users     good (ok within {} ms) {}  p50 {}  p99 {}  p99.9 {} ms  (all requests; a failed or unfinished one \
         is slower than any success)",
        slo_ms,
        share(s.good_ratio),
        ms(s.user_p50_ms),
        ms(s.user_p99_ms),
        ms(s.user_p999_ms),
    )?;
    writeln!(
        o,
        "successes mean {}  p50 {}  p90 {}  p99 {}  p99.9 {}  max {} ms  (of successful requests only)",
        ms(s.mean_ms),
        ms(s.p50_ms),
        ms(s.p90_ms),
        ms(s.p99_ms),
        ms(s.p999_ms),
        ms(s.max_ms)
    )?;
    writeln!(o, "cache     hit ratio {}  stale reads {}", share(s.hit_ratio), share(s.stale_ratio))?;
    writeln!(
        o,
        "database  utilisation {:.1} %  mean queue {:.2}  wasted on abandoned reads {}",
        s.db_utilization * 100.0,
        s.db_queue_mean,
        share(s.db_wasted_share),
    )?;
    writeln!(
        o,
        "recovery  {}",
        recovery_line(s, loaded.model.slo.recovery_windows, !loaded.model.disturbances().is_empty())
    )?;
    let charts: Vec<String> = charts.iter().map(|c| file_name(c)).collect();
    writeln!(
        o,
        "wrote     {}/summary.csv, timeseries.csv, nodes.csv, alerts.csv, run.json, {}",
        out.display(),
        charts.join(", ")
    )
}

/// What the run can say about recovery, in words.
fn recovery_line(s: &Summary, windows: u32, disturbed: bool) -> String {
    if s.status == outage_sim::metrics::Status::Diverged {
        return "NOT recovered: a guard stopped the run (status diverged)".into();
    }
    match (s.recovery, s.recovery_s) {
        (Recovery::Recovered, Some(t)) if disturbed => {
            format!("recovered ({t} s after the last disturbance)")
        }
        (Recovery::Recovered, _) => "recovered (healthy; no disturbance to recover from)".into(),
        (Recovery::NotRecovered, _) => "NOT recovered: the outage outlived its trigger".into(),
        (Recovery::NeverHealthy, _) => format!(
            "never healthy: the SLO never held for {windows} windows in a row, even before any disturbance \
             (a steady overload, not a failure to recover)"
        ),
        (Recovery::TooShort, _) => format!(
            "too short to tell: the run ends fewer than {windows} windows (slo.recovery_windows) after the \
             last disturbance; lengthen run.duration_s"
        ),
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().filter_map(|c| c.downcast_ref::<io::Error>()).any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
