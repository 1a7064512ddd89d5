//! `outage-sim review`: check the review, run its probes (a shard's, or
//! all and then the report), show progress, print the answers' headlines.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::anyhow;

use outage_sim::report::{self, chart::Format};
use outage_sim::scenario::load_experiment;
use outage_sim::sweep::{self, ProbeStore, ReviewError};

use super::failure::Failure;
use super::output::{default_out_dir, print_notes};

/// Written when a review starts and removed when it ends: its presence
/// says the folder holds an interrupted review's probes.
const PARTIAL: &str = "review.partial";

/// The flags of `review`.
pub struct Flags {
    pub out: Option<PathBuf>,
    pub threads: Option<usize>,
    pub resume: bool,
    pub force: bool,
    pub shard: Option<String>,
    pub merge: Vec<PathBuf>,
    pub quiet: bool,
    pub sets: Vec<String>,
    pub format: Format,
}

pub fn command(path: &Path, flags: Flags) -> Result<(), Failure> {
    if flags.threads == Some(0) {
        return Err(Failure::BadInput(anyhow!("--threads must be at least 1")));
    }
    let shard = super::sweep::shard(flags.shard.as_deref())?;
    if shard.is_some() && !flags.merge.is_empty() {
        return Err(Failure::BadInput(anyhow!(
            "--merge combines finished shards into the report: run it without --shard"
        )));
    }
    for dir in &flags.merge {
        if !dir.join(sweep::PROBES).is_dir() {
            return Err(Failure::BadInput(anyhow!(
                "--merge {}: no {} folder there: not the output of `outage-sim review --shard`",
                dir.display(),
                sweep::PROBES
            )));
        }
    }
    let experiment = load_experiment(path)?;
    let review_failure = |e: ReviewError| match e {
        ReviewError::Threads(_) | ReviewError::Store(_) => Failure::Run(e.into()),
        ReviewError::Interrupted { .. } => Failure::Interrupted(e.into()),
        _ => Failure::BadInput(e.into()),
    };
    // Checked before the output folder is touched: bad input writes nothing.
    let checked = sweep::check_review(&experiment, &flags.sets, print_notes).map_err(review_failure)?;
    let out = flags.out.unwrap_or_else(|| default_out_dir(path));
    let _lock = super::output::writable_out_dir(&out)?;
    let partial = out.join(PARTIAL);
    if partial.exists() && !flags.resume && !flags.force {
        return Err(Failure::BadInput(anyhow!(
            "{}: holds an interrupted review ({PARTIAL}); pass --resume to continue it or --force to start over",
            out.display()
        )));
    }
    let write_failure =
        |e: std::io::Error, what: &Path| Failure::Run(anyhow!("cannot write {}: {e}", what.display()));
    outage_sim::files::write_atomically(&partial, |w| {
        w.write_all(b"a review is running or was interrupted\n")
    })
    .map_err(|e| write_failure(e, &partial))?;
    let store = ProbeStore::open(&out, flags.resume, &flags.merge)
        .map_err(|e| review_failure(ReviewError::Store(e)))?;

    let bar = super::output::progress_bar(flags.quiet, 0, "{pos}/{len} runs");
    let started = Instant::now();
    let progress = |done: usize, expected: usize| {
        bar.set_length(expected as u64);
        bar.set_position(done as u64);
    };
    let run = sweep::ReviewRun {
        threads: flags.threads,
        store: &store,
        shard,
        stop: Some(super::interrupt::stop_flag()?),
        progress: &progress,
    };
    let probes = sweep::run_review(&checked, &run).map_err(review_failure)?;
    bar.finish_and_clear();
    let wall = started.elapsed().as_secs_f64();
    let reused = store.reused();
    let mut o = std::io::stdout().lock();
    let Some(probes) = probes else {
        let s = shard.expect("only a shard returns no probes");
        std::fs::remove_file(&partial).map_err(|e| write_failure(e, &partial))?;
        return writeln!(
            o,
            "{}: shard {}/{} done in {wall:.1} s ({reused} probes reused); its probes are in {}/{}.\n\
             When every shard is done: outage-sim review {} --merge <each shard's folder> --out <report folder>",
            path.display(),
            s.index,
            s.count,
            out.display(),
            sweep::PROBES,
            path.display()
        )
        .map_err(|e| Failure::Run(e.into()));
    };
    let answers = sweep::answer(&checked, &probes);
    let command_line: Vec<String> = std::env::args().collect();
    let written = report::write_review(&out, &checked, &answers, &command_line, flags.format)
        .map_err(|e| Failure::Run(anyhow!("cannot write the review to {}: {e}", out.display())))?;
    std::fs::remove_file(&partial).map_err(|e| write_failure(e, &partial))?;
    let result = (|| {
        writeln!(
            o,
            "{}: {} variants reviewed in {wall:.1} s{}",
            path.display(),
            answers.variants.len(),
            if reused > 0 { format!(" ({reused} probes reused)") } else { String::new() }
        )?;
        for v in &answers.variants {
            writeln!(o, "  {}", v.recommendation.headline)?;
        }
        let names: Vec<String> = written.iter().map(|w| super::output::file_name(w)).collect();
        writeln!(o, "wrote {}/{}", out.display(), names.join(", "))
    })();
    result.map_err(|e| Failure::Run(e.into()))
}
