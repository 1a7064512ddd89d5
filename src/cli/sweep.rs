//! `outage-sim sweep` and `outage-sim merge`: parse, call the library,
//! show progress, print what was written.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::anyhow;

use outage_sim::scenario::load_experiment;
use outage_sim::sweep::{self, JobList, Shard, SweepError, SweepOptions};

use outage_sim::report::{self, chart::Format};

use super::failure::{Failure, plot_failure};
use super::output::{default_out_dir, print_notes};

/// The flags of `sweep`.
pub struct Flags {
    pub out: Option<PathBuf>,
    pub threads: Option<usize>,
    pub resume: bool,
    pub force: bool,
    pub dry_run: bool,
    pub shard: Option<String>,
    pub quiet: bool,
    pub sets: Vec<String>,
    pub format: Format,
}

pub fn command(path: &Path, flags: Flags) -> Result<(), Failure> {
    let experiment = load_experiment(path)?;
    let job_list = sweep::expand(experiment, &flags.sets)?;
    print_notes(&job_list.notes);
    let shard = shard(flags.shard.as_deref())?;
    if flags.dry_run {
        return print_jobs(&job_list, shard).map_err(|e| Failure::Run(e.into()));
    }
    if flags.threads == Some(0) {
        return Err(Failure::BadInput(anyhow!("--threads must be at least 1")));
    }
    let out = flags.out.unwrap_or_else(|| default_out_dir(path));
    let options = SweepOptions {
        out: out.clone(),
        threads: flags.threads,
        resume: flags.resume,
        force: flags.force,
        shard,
        stop: Some(super::interrupt::stop_flag()?),
    };
    let bar = super::output::progress_bar(flags.quiet, 0, "{pos}/{len} jobs");
    let started = Instant::now();
    let outcome = sweep::run_sweep(&job_list, &options, |done, total, events| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        let seconds = started.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!("{:.1} M events/s", events as f64 / seconds / 1e6));
    })
    .map_err(sweep_failure)?;
    bar.finish_and_clear();
    let command_line: Vec<String> = std::env::args().collect();
    sweep::write_sweep_files(&out, &job_list, &outcome.rows, &command_line, shard).map_err(sweep_failure)?;
    let charts = report::plot_sweep(&out, flags.format).map_err(plot_failure)?;
    let wall = started.elapsed().as_secs_f64();
    let mut o = std::io::stdout().lock();
    writeln!(
        o,
        "{}: {} jobs{} ({} run, {} reused) in {:.1} s, {:.1} M events/s",
        path.display(),
        outcome.jobs,
        shard.map_or_else(String::new, |s| format!(" of shard {}/{}", s.index, s.count)),
        outcome.ran,
        outcome.reused,
        wall,
        outcome.events as f64 / wall.max(1e-9) / 1e6,
    )
    .and_then(|()| {
        writeln!(
            o,
            "wrote {}/runs.csv, summary.csv, experiment.json and {} charts",
            out.display(),
            charts.len()
        )
    })
    .map_err(|e| Failure::Run(e.into()))
}

pub fn merge(dirs: &[PathBuf], out: &Path, force: bool, format: Format) -> Result<(), Failure> {
    let command_line: Vec<String> = std::env::args().collect();
    let (rows, _lock) = sweep::merge_dirs(dirs, out, force, &command_line).map_err(|e| match e {
        sweep::MergeFailure::Write(_)
        | sweep::MergeFailure::OutDir(sweep::OutDirError::Unwritable { .. }) => Failure::Run(e.into()),
        _ => Failure::BadInput(e.into()),
    })?;
    let charts = report::plot_sweep(out, format).map_err(plot_failure)?;
    println!(
        "merged {} shards: {} jobs; wrote {}/runs.csv, summary.csv, experiment.json and {} charts",
        dirs.len(),
        rows.len(),
        out.display(),
        charts.len()
    );
    Ok(())
}

/// `--shard K/N`, else Slurm's array variables, else none.
pub(super) fn shard(flag: Option<&str>) -> Result<Option<Shard>, Failure> {
    if let Some(text) = flag {
        return Shard::parse(text).map(Some).map_err(|e| Failure::BadInput(anyhow!(e)));
    }
    // Set but malformed is an error: running the whole sweep in every
    // array task would be silently wrong.
    let var = |name: &str| -> Result<Option<usize>, Failure> {
        match std::env::var_os(name) {
            None => Ok(None),
            Some(value) => {
                let text = value.to_string_lossy();
                text.trim().parse::<usize>().map(Some).map_err(|_| {
                    Failure::BadInput(anyhow!(
                        "{name} is set to {}, not a whole number: unset it, or pass --shard K/N",
                        outage_sim::excerpt::excerpt(&text, 40)
                    ))
                })
            }
        }
    };
    match (var("SLURM_ARRAY_TASK_ID")?, var("SLURM_ARRAY_TASK_COUNT")?) {
        (Some(id), Some(count)) => {
            let first = var("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            if id < first {
                return Err(Failure::BadInput(anyhow!(
                    "SLURM_ARRAY_TASK_ID ({id}) is below SLURM_ARRAY_TASK_MIN ({first}): pass --shard K/N"
                )));
            }
            Shard::parse(&format!("{}/{count}", id - first))
                .map(Some)
                .map_err(|e| Failure::BadInput(anyhow!("from SLURM_ARRAY_TASK_ID/COUNT: {e}")))
        }
        (Some(_), None) => Err(Failure::BadInput(anyhow!(
            "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not: pass --shard K/N"
        ))),
        _ => Ok(None),
    }
}

/// The job table of `--dry-run`.
fn print_jobs(job_list: &JobList, shard: Option<Shard>) -> std::io::Result<()> {
    let mut o = std::io::stdout().lock();
    let mut header = vec!["job".to_owned(), "variant".to_owned()];
    header.extend(job_list.axis_names());
    header.extend(["replication".to_owned(), "seed".to_owned()]);
    writeln!(o, "{}", header.join("\t"))?;
    for job in job_list.jobs.iter().filter(|j| shard.is_none_or(|s| j.index % s.count == s.index)) {
        let mut cells = vec![job.index.to_string(), job_list.variant_name(job).to_owned()];
        cells.extend(job_list.axis_labels(job));
        cells.extend([job.replication.to_string(), job.seed.to_string()]);
        writeln!(o, "{}", cells.join("\t"))?;
    }
    Ok(())
}

fn sweep_failure(e: SweepError) -> Failure {
    match e {
        SweepError::OutDir(e) => e.into(),
        SweepError::Rows(_) | SweepError::Run { .. } => Failure::BadInput(e.into()),
        SweepError::Interrupted { .. } => Failure::Interrupted(e.into()),
        SweepError::Write { .. } | SweepError::Threads { .. } => Failure::Run(e.into()),
    }
}
