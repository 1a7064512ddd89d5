//! What every subcommand shares about its output: the default folder, its
//! lock, and the notes and names it prints.

use std::path::{Path, PathBuf};

use outage_sim::scenario::Problem;

use super::failure::Failure;

/// The file name of `path`, for titles.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Checks, before any simulation, that results can be written to `out`.
/// Takes the lock of `out` for the command's life.
pub fn writable_out_dir(out: &Path) -> Result<outage_sim::sweep::OutLock, Failure> {
    Ok(outage_sim::sweep::lock_out_dir(out)?)
}

/// Valid but suspicious settings, on stderr so that stdout stays data.
pub fn print_notes(notes: &[Problem]) {
    for note in notes {
        eprintln!("note: {note}");
    }
}

/// `out/<file name without extension>`.
pub fn default_out_dir(model: &Path) -> PathBuf {
    let stem = model.file_stem().map_or_else(|| "run".into(), |s| s.to_string_lossy().into_owned());
    Path::new("out").join(stem)
}

/// A progress bar on stderr of `len` units drawn with `counts` (such as
/// `{pos}/{len} jobs`), hidden when `quiet` or when stderr is not a
/// terminal (a log file gets no bar).
pub fn progress_bar(quiet: bool, len: u64, counts: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    let template = format!("{{bar:40}} {counts}  {{elapsed}} elapsed, ETA {{eta}}  {{msg}}");
    bar.set_style(indicatif::ProgressStyle::with_template(&template).expect("a valid template"));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
