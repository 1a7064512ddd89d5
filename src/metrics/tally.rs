//! Counts of what happened to requests, over a window or a whole run.

/// Why a request (or an attempt) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureCause {
    /// The client stopped waiting.
    Timeout,
    /// A full waiting line turned it away.
    Rejected,
}

/// Event counts; ratios are derived on output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// New requests (first attempts).
    pub requests: u64,
    pub successes: u64,
    /// Requests that failed for good, by cause below.
    pub errors: u64,
    pub timeouts: u64,
    pub rejected: u64,
    /// Attempts made, first attempts included.
    pub attempts: u64,
    /// Lookups that reached the cache, and those that hit.
    pub lookups: u64,
    pub hits: u64,
    /// Successful reads, and those that returned an outdated version.
    pub reads_ok: u64,
    pub stale_reads: u64,
}

impl Tally {
    pub fn error_rate(&self) -> Option<f64> {
        ratio(self.errors, self.successes + self.errors)
    }

    pub fn hit_ratio(&self) -> Option<f64> {
        ratio(self.hits, self.lookups)
    }

    pub fn stale_ratio(&self) -> Option<f64> {
        ratio(self.stale_reads, self.reads_ok)
    }

    pub fn fail(&mut self, cause: FailureCause) {
        self.errors += 1;
        match cause {
            FailureCause::Timeout => self.timeouts += 1,
            FailureCause::Rejected => self.rejected += 1,
        }
    }
}

/// `part / whole`, `None` when there is nothing to divide.
pub fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}
