//! `outage-sim assert`: run an experiment and check its `[[assert]]`
//! gates; exit 0 when all hold, 1 with a table of what failed.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::anyhow;

use outage_sim::report;
use outage_sim::scenario::load_experiment;
use outage_sim::sweep::{self, SweepOptions};

use super::failure::Failure;
use super::output::{default_out_dir, print_notes};

pub fn command(
    path: &Path,
    out: Option<PathBuf>,
    junit: Option<PathBuf>,
    threads: Option<usize>,
    sets: &[String],
) -> Result<(), Failure> {
    let experiment = load_experiment(path)?;
    if experiment.asserts.is_empty() {
        return Err(Failure::BadInput(anyhow!("{}: no [[assert]] entries to check", path.display())));
    }
    if threads == Some(0) {
        return Err(Failure::BadInput(anyhow!("--threads must be at least 1")));
    }
    let job_list = sweep::expand(experiment, sets)?;
    print_notes(&job_list.notes);
    let out = out.unwrap_or_else(|| default_out_dir(path));
    let options =
        SweepOptions { out: out.clone(), threads, resume: false, force: false, shard: None, stop: None };
    let outcome = sweep::run_sweep(&job_list, &options, |_, _, _| {}).map_err(|e| Failure::Run(e.into()))?;
    let command_line: Vec<String> = std::env::args().collect();
    sweep::write_sweep_files(&out, &job_list, &outcome.rows, &command_line, None)
        .map_err(|e| Failure::Run(e.into()))?;
    let axes = job_list.axis_names();
    let results = sweep::check(&job_list.experiment.asserts, &sweep::summarize(&outcome.rows), &axes);
    if let Some(junit) = &junit {
        report::write_junit(junit, &path.display().to_string(), &results)
            .map_err(|e| Failure::Run(anyhow!("cannot write {}: {e}", junit.display())))?;
    }
    let failed = results.iter().filter(|r| !r.passed()).count();
    let mut o = std::io::stdout().lock();
    let printed = (|| {
        for r in &results {
            writeln!(o, "{}  {}", if r.passed() { "PASS" } else { "FAIL" }, r.name)?;
            for f in &r.failures {
                writeln!(o, "        {f}")?;
            }
            if r.checked == 0 {
                writeln!(o, "        no variant matched")?;
            }
        }
        writeln!(
            o,
            "{} of {} assertions hold; results in {}",
            results.len() - failed,
            results.len(),
            out.display()
        )
    })();
    printed.map_err(|e| Failure::Run(e.into()))?;
    if failed > 0 {
        return Err(Failure::Run(anyhow!("{failed} of {} assertions failed", results.len())));
    }
    Ok(())
}
