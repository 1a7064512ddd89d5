//! The journal of a capacity search: every finished probe, one line each,
//! so that an interrupted `plan` resumes where it stopped and gives the
//! same bytes as one that never stopped.
//!
//! A probe is keyed by a fingerprint of everything that decides it — the
//! resolved model, the seeds, the kind and value probed, and the plan's
//! limits — so a journal line is reused only where it is still the answer;
//! a changed model or limit simply runs again. Floats are stored as their
//! bits: `inf` and `NaN` figures come back exactly.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::capacity::Probe;

/// The journal's file in a plan's output folder.
pub const PLAN_JOURNAL: &str = "plan.partial.tsv";

/// Why the journal cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// A usage problem: an interrupted plan, and neither flag.
    #[error(
        "{}: holds an interrupted plan ({PLAN_JOURNAL}); pass --resume to continue it or --force to start over",
        .0.display()
    )]
    Interrupted(PathBuf),
    #[error("cannot write {}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

/// Finished probes, read from the journal and appended to it.
#[derive(Debug)]
pub struct ProbeJournal {
    path: PathBuf,
    done: HashMap<u64, Probe>,
    file: Mutex<fs::File>,
}

impl ProbeJournal {
    /// Opens the journal in `out`: continues it with `resume`, starts
    /// over with `force`, and otherwise refuses one an interrupted plan
    /// left. The caller holds `out`'s lock.
    pub fn open(out: &Path, resume: bool, force: bool) -> Result<ProbeJournal, JournalError> {
        let path = out.join(PLAN_JOURNAL);
        let write = |source| JournalError::Write { path: path.clone(), source };
        let mut done = HashMap::new();
        if path.exists() {
            if resume {
                let text = fs::read(&path).map_err(write)?;
                // A line cut short by a kill, or one that does not parse,
                // is not reused: that probe runs again.
                for line in String::from_utf8_lossy(&text).split_inclusive('\n') {
                    if let Some((key, probe)) = line.strip_suffix('\n').and_then(parse) {
                        done.insert(key, probe);
                    }
                }
            } else if !force {
                return Err(JournalError::Interrupted(out.to_owned()));
            }
        }
        // Rewritten with the lines kept, so a cut line never precedes new ones.
        let mut file = fs::File::create(&path).map_err(write)?;
        let mut kept: Vec<(&u64, &Probe)> = done.iter().collect();
        kept.sort_by_key(|(k, _)| **k);
        for (key, probe) in kept {
            file.write_all(format(*key, probe).as_bytes()).map_err(write)?;
        }
        Ok(ProbeJournal { path, done, file: Mutex::new(file) })
    }

    /// The probe journaled under `key`, if any.
    pub fn get(&self, key: u64) -> Option<Probe> {
        self.done.get(&key).cloned()
    }

    /// Appends a finished probe, in one write.
    pub fn record(&self, key: u64, probe: &Probe) -> Result<(), JournalError> {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(format(key, probe).as_bytes())
            .map_err(|source| JournalError::Write { path: self.path.clone(), source })
    }

    /// Probes reused from the journal.
    pub fn reused(&self) -> usize {
        self.done.len()
    }

    /// The search finished and its results are written: the journal goes.
    pub fn finish(self) -> Result<(), JournalError> {
        fs::remove_file(&self.path).map_err(|source| JournalError::Write { path: self.path.clone(), source })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn bits(v: f64) -> String {
    format!("{:016x}", v.to_bits())
}

fn maybe_bits(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), bits)
}

/// `key variant kind value holds recovered ridden runs figures`, tab
/// separated; figures `name:mean:compared:limit` joined by `;`.
fn format(key: u64, p: &Probe) -> String {
    let figures: Vec<String> = p
        .figures
        .iter()
        .map(|(name, mean, compared, limit)| {
            format!("{name}:{}:{}:{}", maybe_bits(*mean), maybe_bits(*compared), bits(*limit))
        })
        .collect();
    format!(
        "{key:016x}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
        p.variant,
        p.kind,
        bits(p.value),
        p.holds,
        bits(p.recovered_share),
        bits(p.ridden_out_share),
        p.runs,
        figures.join(";")
    )
}

fn parse(line: &str) -> Option<(u64, Probe)> {
    let float = |t: &str| u64::from_str_radix(t, 16).ok().map(f64::from_bits);
    let maybe = |t: &str| if t == "-" { Some(None) } else { float(t).map(Some) };
    let f: Vec<&str> = line.split('\t').collect();
    let [key, variant, kind, value, holds, recovered, ridden, runs, figures] = f[..] else {
        return None;
    };
    let kind = match kind {
        "load" => "load",
        "spike" => "spike",
        _ => return None,
    };
    let mut parsed = Vec::new();
    for figure in figures.split(';').filter(|s| !s.is_empty()) {
        let [name, mean, compared, limit] = figure.split(':').collect::<Vec<_>>()[..] else {
            return None;
        };
        parsed.push((name.to_owned(), maybe(mean)?, maybe(compared)?, float(limit)?));
    }
    let probe = Probe {
        variant: variant.to_owned(),
        kind,
        value: float(value)?,
        holds: holds.parse().ok()?,
        figures: parsed,
        recovered_share: float(recovered)?,
        ridden_out_share: float(ridden)?,
        runs: runs.parse().ok()?,
    };
    Some((u64::from_str_radix(key, 16).ok()?, probe))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_come_back_bit_for_bit_and_cut_lines_are_dropped() {
        let probe = Probe {
            variant: "today".into(),
            kind: "spike",
            value: 2.5,
            holds: false,
            figures: vec![
                ("user_p99_ms".into(), Some(f64::INFINITY), None, 500.0),
                ("error_rate".into(), Some(0.1), Some(f64::NAN), 0.01),
            ],
            recovered_share: 1.0 / 3.0,
            ridden_out_share: 0.0,
            runs: 3,
        };
        let line = format(42, &probe);
        let (key, back) = parse(line.strip_suffix('\n').unwrap()).unwrap();
        assert_eq!(key, 42);
        assert_eq!(format(key, &back), line, "every float's bits survive, inf and NaN included");
        assert!(parse(&line[..line.len() / 2]).is_none(), "a line cut short is not a probe");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(PLAN_JOURNAL);
        fs::write(&path, format!("{line}{}", &line[..20])).unwrap();
        assert!(matches!(ProbeJournal::open(dir.path(), false, false), Err(JournalError::Interrupted(_))));
        let journal = ProbeJournal::open(dir.path(), true, false).unwrap();
        assert_eq!((journal.reused(), journal.get(42).map(|p| p.runs)), (1, Some(3)));
        assert_eq!(fs::read_to_string(&path).unwrap(), line, "the cut line is gone");
        let journal = ProbeJournal::open(dir.path(), false, true).unwrap();
        assert_eq!(journal.reused(), 0, "--force starts over");
        journal.finish().unwrap();
        assert!(!path.exists());
    }
}
