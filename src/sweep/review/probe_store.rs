//! The review's probes on disk: `probes/<key>/` holds one probe's
//! replications (`summary.csv`, one row each; `timeseries-<r>.csv`;
//! `levels.csv`), written as one file set, so a probe is there whole or
//! not at all. A probe is keyed by a fingerprint of everything that
//! decides it (the resolved model, seeds, replications, the simulator's
//! version), so a stored probe is reused only where it is still the
//! answer: by `--resume` from this folder, and by `--merge` from the
//! folders of shards.
//!
//! Numbers are written in their shortest exact form, so a probe read back
//! is the probe that was run: a resumed or merged review writes the same
//! bytes as one that ran at once.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::files::{FileSet, read_csv, write_csv};
use crate::metrics::{Summary, WindowRow};

/// The folder of probes inside a review's output folder.
pub const PROBES: &str = "probes";

/// One replication of a probe: what the review reads of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub summary: Summary,
    pub windows: Vec<WindowRow>,
    pub levels: Levels,
}

/// Per-tier levels a run's summary does not hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Levels {
    /// Mean requests waiting in the app tier's accept queues (empty
    /// without an app tier).
    pub app_queue_mean: Option<f64>,
    /// Mean share of lookup servers busy, and mean lookups waiting.
    pub cache_utilization: Option<f64>,
    pub cache_queue_mean: f64,
    /// Share of time every database connection was busy.
    pub db_saturation: f64,
    /// Mean utilisation of the busiest database node.
    pub db_busiest_node: f64,
}

/// One probe: every replication, in order.
pub type Outcome = Vec<RunRecord>;

/// Why a probe cannot be stored.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", path.display())]
pub struct StoreError {
    pub path: PathBuf,
    pub source: io::Error,
}

/// Probes read from this folder and from shards, and written here.
#[derive(Debug)]
pub struct ProbeStore {
    dir: PathBuf,
    /// Folders of shards whose probes are reused (`--merge`).
    others: Vec<PathBuf>,
    reused: AtomicUsize,
}

impl ProbeStore {
    /// The store in `out/probes`: emptied first unless `keep` (`--resume`),
    /// reading also from `merge`'s folders.
    pub fn open(out: &Path, keep: bool, merge: &[PathBuf]) -> Result<ProbeStore, StoreError> {
        let dir = out.join(PROBES);
        let error = |source| StoreError { path: dir.clone(), source };
        if !keep && dir.exists() {
            fs::remove_dir_all(&dir).map_err(error)?;
        }
        fs::create_dir_all(&dir).map_err(error)?;
        let others = merge.iter().map(|m| m.join(PROBES)).collect();
        Ok(ProbeStore { dir, others, reused: AtomicUsize::new(0) })
    }

    /// Where this review's probes are written.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Probes reused from disk so far.
    pub fn reused(&self) -> usize {
        self.reused.load(Ordering::SeqCst)
    }

    /// The probe stored under `key`, here or in a shard's folder. One that
    /// cannot be read whole (a different version's files) is not reused:
    /// it runs again.
    pub fn get(&self, key: u64) -> Option<Outcome> {
        let name = format!("{key:016x}");
        let found = std::iter::once(&self.dir).chain(&self.others).find_map(|d| read(&d.join(&name)));
        if found.is_some() {
            self.reused.fetch_add(1, Ordering::SeqCst);
        }
        found
    }

    /// Stores a probe under `key`.
    pub fn put(&self, key: u64, outcome: &Outcome) -> Result<(), StoreError> {
        let dir = self.dir.join(format!("{key:016x}"));
        let error = |source| StoreError { path: dir.clone(), source };
        fs::create_dir_all(&dir).map_err(error)?;
        let mut set = FileSet::default();
        for (r, run) in outcome.iter().enumerate() {
            write_csv(&set.stage(&dir.join(format!("timeseries-{r}.csv"))), &run.windows).map_err(error)?;
        }
        let levels: Vec<Levels> = outcome.iter().map(|r| r.levels).collect();
        write_csv(&set.stage(&dir.join("levels.csv")), &levels).map_err(error)?;
        // Last: its presence says the probe is whole.
        let summaries: Vec<Summary> = outcome.iter().map(|r| r.summary.clone()).collect();
        write_csv(&set.stage(&dir.join("summary.csv")), &summaries).map_err(error)?;
        set.commit().map_err(error)
    }
}

/// A stored probe, if whole and readable.
fn read(dir: &Path) -> Option<Outcome> {
    let summaries: Vec<Summary> = read_csv(&dir.join("summary.csv")).ok()?;
    let levels: Vec<Levels> = read_csv(&dir.join("levels.csv")).ok()?;
    if summaries.is_empty() || levels.len() != summaries.len() {
        return None;
    }
    summaries
        .into_iter()
        .zip(levels)
        .enumerate()
        .map(|(r, (summary, levels))| {
            let windows = read_csv(&dir.join(format!("timeseries-{r}.csv"))).ok()?;
            Some(RunRecord { summary, windows, levels })
        })
        .collect()
}
