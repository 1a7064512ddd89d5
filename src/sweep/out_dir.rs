//! The output directory of a sweep, checked before any job runs: a sweep
//! must not mix its files into another experiment's results, nor spend
//! an hour simulating only to find it cannot write.

use std::fs;
use std::path::{Path, PathBuf};

use super::execute::JOURNAL;

/// Why a sweep may not write into its output directory.
#[derive(Debug, thiserror::Error)]
pub enum OutDirError {
    /// A usage problem: the directory is taken.
    #[error("{}: {message}", path.display())]
    Taken { path: PathBuf, message: String },
    /// The directory cannot be created or written.
    #[error("cannot write to {}", path.display())]
    Unwritable { path: PathBuf, source: std::io::Error },
}

/// The lock file in an output folder: one writer at a time.
pub const LOCK: &str = ".outage-sim.lock";

/// An output folder held by this process until dropped: an advisory lock
/// on `DIR/.outage-sim.lock` (released by the OS if the process dies), so
/// that two commands never mix their files in one folder.
#[derive(Debug)]
pub struct OutLock {
    _file: fs::File,
}

/// Creates `out` if needed and takes its lock, or says who holds it.
pub fn lock_out_dir(out: &Path) -> Result<OutLock, OutDirError> {
    ensure_writable_dir(out)?;
    let path = out.join(LOCK);
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(unwritable(out))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let holder = fs::read_to_string(&path).unwrap_or_default();
            let holder: String = holder.trim().chars().take(200).collect();
            return Err(OutDirError::Taken {
                path: out.to_owned(),
                message: format!(
                    "is being written by another outage-sim ({}); wait for it to finish or choose another --out",
                    if holder.is_empty() { "holder unknown".to_owned() } else { holder }
                ),
            });
        }
        Err(fs::TryLockError::Error(e)) => return Err(unwritable(out)(e)),
    }
    // Who holds it, for the message another writer gets.
    use std::io::Write as _;
    let command: Vec<String> = std::env::args().collect();
    let _ = file.set_len(0).and_then(|()| write!(file, "pid {}: {}", std::process::id(), command.join(" ")));
    // Holding the lock, any temporary here is a killed writer's.
    crate::files::remove_temporaries(out).map_err(unwritable(out))?;
    Ok(OutLock { _file: file })
}

/// Creates `out` if needed, takes its lock and checks that a sweep of
/// `experiment` may write there: it is a directory, writable, and empty
/// or holding this experiment's results. `--resume` and `--force` accept
/// a directory whose results are another's.
pub fn prepare_out_dir(
    out: &Path,
    experiment: &Path,
    resume: bool,
    force: bool,
) -> Result<OutLock, OutDirError> {
    let taken = |message: String| OutDirError::Taken { path: out.to_owned(), message };
    let was_there = out.is_dir();
    let lock = lock_out_dir(out)?;
    if was_there && !(resume || force) {
        if let Some(theirs) = recorded_experiment(out) {
            if !same_file(&theirs, experiment) {
                return Err(taken(format!(
                    "holds the results of {} (per its experiment.json), not of {}; choose another --out, \
                     or pass --force to replace them",
                    theirs.display(),
                    experiment.display()
                )));
            }
        } else if out.join(JOURNAL).exists() {
            return Err(taken(format!(
                "holds an interrupted sweep ({JOURNAL}); pass --resume to continue it or --force to start over"
            )));
        } else if fs::read_dir(out).map_err(unwritable(out))?.any(|e| e.is_ok_and(|e| e.file_name() != LOCK))
        {
            return Err(taken(
                "is not empty and holds no sweep results; choose another --out, or pass --force to \
                 write into it anyway"
                    .into(),
            ));
        }
    }
    Ok(lock)
}

/// Creates `out` if needed and checks that a single run may write there:
/// not among a sweep's or a plan's results, whose files it would mix with
/// its own, unless `force`. A previous run's files are replaced.
pub fn prepare_run_dir(out: &Path, force: bool) -> Result<OutLock, OutDirError> {
    let holds = [
        ("experiment.json", "a sweep's results"),
        (JOURNAL, "an interrupted sweep"),
        ("plan.csv", "a plan's results"),
    ];
    if out.is_dir()
        && !force
        && let Some((file, what)) = holds.iter().find(|(file, _)| out.join(file).exists())
    {
        return Err(OutDirError::Taken {
            path: out.to_owned(),
            message: format!(
                "holds {what} ({file}); choose another --out, or pass --force to write the run's files among them"
            ),
        });
    }
    lock_out_dir(out)
}

/// Creates `out` if needed and checks that files can be made in it: found
/// out now, not after the simulations.
pub fn ensure_writable_dir(out: &Path) -> Result<(), OutDirError> {
    if out.exists() && !out.is_dir() {
        let message = "is a file, not a directory; choose another --out".into();
        return Err(OutDirError::Taken { path: out.to_owned(), message });
    }
    fs::create_dir_all(out).map_err(unwritable(out))?;
    let probe = out.join(".outage-sim-write-test");
    fs::write(&probe, b"").and_then(|()| fs::remove_file(&probe)).map_err(unwritable(out))
}

fn unwritable(out: &Path) -> impl Fn(std::io::Error) -> OutDirError + '_ {
    move |source| OutDirError::Unwritable { path: out.to_owned(), source }
}

/// The experiment file named in `out/experiment.json`, if there is one.
pub(super) fn recorded_experiment(out: &Path) -> Option<PathBuf> {
    let text = fs::read_to_string(out.join("experiment.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value.pointer("/experiment/path")?.as_str().map(PathBuf::from)
}

/// Whether two paths resolve to the same place (false if either does not).
pub(super) fn same_place(a: &Path, b: &Path) -> bool {
    matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b)
}

/// Whether two paths name the same file: by location when both resolve
/// (the same file reached from another folder), else by name.
fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.file_name() == b.file_name(),
    }
}
