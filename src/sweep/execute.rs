//! Running a job list: jobs in parallel on a rayon pool, each single-threaded;
//! finished rows journaled as they come; at the end `runs.csv`,
//! `summary.csv` and `experiment.json` written whole.
//!
//! Outputs are a function of the job list alone: rows are sorted by job and
//! the summary computed from the sorted rows, so any number of threads,
//! any interruption and resumption, any sharding and merging give the same
//! bytes.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::files::{Journal, RowsError, RunMeta, RunRow, file_name, read_runs, write_run, write_runs};
use crate::stack::{self, RunError};

use super::jobs::{Job, JobList};
use super::out_dir::{OutDirError, OutLock, prepare_out_dir};

/// `--shard K/N`: run the jobs whose index ≡ K (mod N).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Parses `K/N` (0 ≤ K < N).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard takes K/N with 0 <= K < N, such as 0/4; got {text:?}");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    fn takes(&self, job: usize) -> bool {
        job % self.count == self.index
    }
}

/// How to run a sweep.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    pub out: PathBuf,
    /// Worker threads; `None`: one per core.
    pub threads: Option<usize>,
    /// Keep rows of an earlier run whose configuration still matches.
    pub resume: bool,
    /// Write into a directory that holds another experiment's results.
    pub force: bool,
    pub shard: Option<Shard>,
    /// Once set (by a signal handler), no new job starts; the sweep ends
    /// with [`SweepError::Interrupted`] after the running ones finish.
    pub stop: Option<&'static AtomicBool>,
}

/// What a sweep did.
#[derive(Debug)]
pub struct SweepOutcome {
    /// Jobs this run (or shard) covers, those it ran and those it reused.
    pub jobs: usize,
    pub ran: usize,
    pub reused: usize,
    /// All rows of this run, sorted by job.
    pub rows: Vec<RunRow>,
    /// Events simulated by the jobs it ran.
    pub events: u64,
    /// The output folder's lock: keep it until every file is written.
    pub lock: OutLock,
}

/// Why a sweep failed.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("cannot write {}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Rows(#[from] RowsError),
    #[error("job {job}")]
    Run { job: usize, source: RunError },
    #[error("cannot start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
    #[error(transparent)]
    OutDir(#[from] OutDirError),
    #[error(
        "interrupted: {done} of {total} jobs finished and kept in {}; run the same command with --resume to \
         finish the rest",
        journal.display()
    )]
    Interrupted { done: usize, total: usize, journal: PathBuf },
}

/// The journal of finished rows while a sweep runs.
pub const JOURNAL: &str = "runs.partial.csv";

/// Runs `job_list` into `options.out`; `progress(done, total, events)` is
/// called as each job finishes.
pub fn run_sweep(
    job_list: &JobList,
    options: &SweepOptions,
    progress: impl Fn(usize, usize, u64),
) -> Result<SweepOutcome, SweepError> {
    let out = &options.out;
    let write_err = |path: &Path| {
        let path = path.to_owned();
        move |source| SweepError::Write { path, source }
    };
    let lock = prepare_out_dir(out, &job_list.experiment.path, options.resume, options.force)?;
    let axes = job_list.axis_names();
    let journal_path = out.join(JOURNAL);
    let runs_path = out.join("runs.csv");

    let mine: Vec<&Job> =
        job_list.jobs.iter().filter(|j| options.shard.is_none_or(|s| s.takes(j.index))).collect();
    let mut done: Vec<Option<RunRow>> = vec![None; job_list.jobs.len()];
    if options.resume {
        for path in [&runs_path, &journal_path] {
            if path.exists() {
                let (their_axes, rows) = read_runs(path)?;
                if their_axes != axes {
                    continue;
                }
                for row in rows {
                    if let Some(job) = job_list.jobs.get(row.job)
                        && job.config_hash == row.config_hash
                        && mine.iter().any(|j| j.index == row.job)
                    {
                        let index = row.job;
                        done[index] = Some(row);
                    }
                }
            }
        }
    } else if journal_path.exists() {
        fs::remove_file(&journal_path).map_err(write_err(&journal_path))?;
    }
    let reused = done.iter().filter(|r| r.is_some()).count();
    let todo: Vec<&Job> = mine.iter().copied().filter(|j| done[j.index].is_none()).collect();

    // The journal starts with the reused rows, so that an interruption now
    // still leaves every finished job on disk.
    if journal_path.exists() {
        fs::remove_file(&journal_path).map_err(write_err(&journal_path))?;
    }
    let mut journal = Journal::open(&journal_path, &axes).map_err(write_err(&journal_path))?;
    for row in done.iter().flatten() {
        journal.append(row).map_err(write_err(&journal_path))?;
    }

    let threads =
        options.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| SweepError::Threads { threads, message: e.to_string() })?;
    let total = mine.len();
    let mut finished = reused;
    let mut events = 0u64;
    progress(finished, total, events);
    // Longest jobs first, each worker taking the next from one list: the
    // last jobs to finish are short ones, so no core idles at the end while
    // another finishes a long job it started late. (Outputs do not depend
    // on the order: rows are sorted by job.)
    let mut todo = todo;
    todo.sort_by(|a, b| b.model.expected_requests().total_cmp(&a.model.expected_requests()));
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel::<Result<(RunRow, u64), SweepError>>();
    let mut failure = None;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            pool.scope(|workers| {
                for _ in 0..threads.min(todo.len()) {
                    let sender = sender.clone();
                    let (todo, next) = (&todo, &next);
                    workers.spawn(move |_| {
                        while let Some(job) = todo.get(next.fetch_add(1, Ordering::Relaxed)) {
                            if stopped(options) {
                                return;
                            }
                            let result = stack::run(&job.model)
                                .map_err(|source| SweepError::Run { job: job.index, source })
                                .and_then(|r| {
                                    if job_list.draws_timeline(job) {
                                        write_timeline(job_list, job, &r, out)?;
                                    }
                                    let events = r.summary.events;
                                    Ok((row(job_list, job, r.summary), events))
                                });
                            // The receiver only stops listening after a failure.
                            let _ = sender.send(result);
                        }
                    });
                }
            });
            drop(sender);
        });
        for result in receiver {
            match result {
                Ok((row, job_events)) => {
                    if let Err(e) = journal.append(&row) {
                        failure.get_or_insert(SweepError::Write { path: journal_path.clone(), source: e });
                    }
                    events += job_events;
                    finished += 1;
                    let index = row.job;
                    done[index] = Some(row);
                    progress(finished, total, events);
                }
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    if finished < total && stopped(options) {
        return Err(SweepError::Interrupted { done: finished, total, journal: journal_path });
    }
    let rows: Vec<RunRow> = done.into_iter().flatten().collect();
    write_runs(&runs_path, &axes, &rows).map_err(write_err(&runs_path))?;
    fs::remove_file(&journal_path).map_err(write_err(&journal_path))?;
    Ok(SweepOutcome { jobs: total, ran: todo.len(), reused, rows, events, lock })
}

fn stopped(options: &SweepOptions) -> bool {
    options.stop.is_some_and(|s| s.load(Ordering::Relaxed))
}

/// The files of a variant's timeline job: `timelines/<variant>/`.
fn write_timeline(
    job_list: &JobList,
    job: &Job,
    result: &stack::RunResult,
    out: &Path,
) -> Result<(), SweepError> {
    let variant = job_list.variant_name(job);
    let dir = out.join("timelines").join(file_name(variant));
    let model_name =
        job_list.experiment.model.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let labels: Vec<String> = job_list
        .axis_names()
        .iter()
        .zip(job_list.axis_labels(job))
        .map(|(axis, value)| format!("{axis} = {value}"))
        .collect();
    let title = if labels.is_empty() {
        format!("{model_name}: {variant}")
    } else {
        format!("{model_name}: {variant} at {}", labels.join(", "))
    };
    let meta = RunMeta::of(&title, &job.model);
    write_run(&dir, result, &meta).map_err(|source| SweepError::Write { path: dir, source })
}

fn row(job_list: &JobList, job: &Job, summary: crate::metrics::Summary) -> RunRow {
    RunRow {
        job: job.index,
        variant: job_list.variant_name(job).to_owned(),
        axes: job_list.axis_labels(job),
        replication: job.replication,
        config_hash: job.config_hash.clone(),
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_jobs() {
        let s = Shard::parse("1/4").unwrap();
        assert_eq!(s, Shard { index: 1, count: 4 });
        assert!(s.takes(5) && !s.takes(4));
        for bad in ["4/4", "1", "a/b", "0/0", "-1/3"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
