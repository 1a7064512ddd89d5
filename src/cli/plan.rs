//! `outage-sim plan`: the capacity search and the review's report.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::anyhow;

use outage_sim::report::{self, chart::Format};
use outage_sim::scenario::load_experiment;
use outage_sim::sweep::{self, JournalError, PlanError, ProbeJournal};

use super::failure::Failure;
use super::output::{default_out_dir, print_notes};

/// The command line of `plan`.
pub struct Flags {
    pub out: Option<PathBuf>,
    pub threads: Option<usize>,
    pub resume: bool,
    pub force: bool,
    pub sets: Vec<String>,
    pub format: Format,
}

pub fn command(path: &Path, flags: Flags) -> Result<(), Failure> {
    let Flags { out, threads, resume, force, sets, format } = flags;
    let sets = &sets[..];
    if threads == Some(0) {
        return Err(Failure::BadInput(anyhow!("--threads must be at least 1")));
    }
    let experiment = load_experiment(path)?;
    let plan_failure = |e: PlanError| match e {
        PlanError::Threads(_) => Failure::Run(e.into()),
        PlanError::Interrupted { .. } => Failure::Interrupted(e.into()),
        PlanError::Journal(e) => journal_failure(e),
        _ => Failure::BadInput(e.into()),
    };
    // Checked before the output folder is touched: bad input writes nothing.
    let checked = sweep::check_plan(&experiment, sets, print_notes).map_err(plan_failure)?;
    let out = out.unwrap_or_else(|| default_out_dir(path));
    let _lock = super::output::writable_out_dir(&out)?;
    let journal = ProbeJournal::open(&out, resume, force).map_err(journal_failure)?;
    let started = Instant::now();
    let run = sweep::PlanRun { threads, journal: &journal, stop: Some(super::interrupt::stop_flag()?) };
    let plans = sweep::run_plan(&checked, &run).map_err(plan_failure)?;

    let settings = sweep::key_settings(&experiment, sets)?;
    let command_line: Vec<String> = std::env::args().collect();
    let written = report::write_plan(&out, &experiment, &plans, &settings, &command_line, format)
        .map_err(|e| Failure::Run(anyhow!("cannot write the plan to {}: {e}", out.display())))?;
    let reused = journal.reused();
    journal.finish().map_err(journal_failure)?;
    let runs: usize = plans.iter().map(|p| p.runs).sum();
    let mut o = std::io::stdout().lock();
    let result = (|| {
        writeln!(
            o,
            "{}: {} variants, {runs} runs in {:.1} s{}",
            path.display(),
            plans.len(),
            started.elapsed().as_secs_f64(),
            if reused > 0 { format!(" ({reused} probes reused from the journal)") } else { String::new() }
        )?;
        for p in &plans {
            writeln!(
                o,
                "  {:<16} {:<12} holds at {:>10}  fails at {:>10}  limit: {}",
                p.variant,
                p.load.verdict.name(),
                p.load.holds_at.map_or_else(|| "-".into(), |v| format!("{v:.1}")),
                p.load.fails_at.map_or_else(|| "-".into(), |v| format!("{v:.1}")),
                p.load.limiting.clone().unwrap_or_else(|| "-".into()),
            )?;
            let multiplier = |s: Option<&sweep::Search>| {
                s.map_or_else(
                    || "-".into(),
                    |s| match (s.verdict.name(), s.holds_at) {
                        ("found", Some(m)) => format!("×{m:.2}"),
                        ("above-range", Some(m)) => format!("at least ×{m:.2}"),
                        _ => format!("none (×{:.2} already fails)", s.fails_at.unwrap_or(0.0)),
                    },
                )
            };
            if p.spike.is_some() {
                writeln!(
                    o,
                    "  {:<16} spike ridden out within the SLO: {}   recovered from: {}",
                    "",
                    multiplier(p.ride.as_ref()),
                    multiplier(p.spike.as_ref()),
                )?;
            }
        }
        let names: Vec<String> = written.iter().map(|w| super::output::file_name(w)).collect();
        writeln!(o, "wrote {}/{}", out.display(), names.join(", "))
    })();
    result.map_err(|e| Failure::Run(e.into()))
}

/// An interrupted plan left in the folder is a usage problem; a journal
/// that cannot be written, a failed run.
fn journal_failure(e: JournalError) -> Failure {
    match e {
        JournalError::Interrupted(_) => Failure::BadInput(e.into()),
        JournalError::Write { .. } => Failure::Run(e.into()),
    }
}
