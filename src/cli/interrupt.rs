//! Ctrl-C and SIGTERM during a sweep: the first stops new jobs from
//! starting and lets the running ones finish into the journal; the second
//! exits at once. Either way every file on disk is whole: rows are
//! journaled one write each, and results are written by rename.

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::anyhow;

use super::failure::Failure;

static STOP: AtomicBool = AtomicBool::new(false);

/// The exit code of an interrupted command: 128 + SIGINT, as shells expect.
pub const EXIT_CODE: u8 = 130;

/// Installs the handler and returns the flag it sets.
pub fn stop_flag() -> Result<&'static AtomicBool, Failure> {
    ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(EXIT_CODE));
        }
        eprintln!("\nstopping: letting the running jobs finish (interrupt again to quit at once)");
    })
    .map_err(|e| Failure::Run(anyhow!("cannot install the interrupt handler: {e}")))?;
    Ok(&STOP)
}
