//! Counts of what happened to requests, over a window or a whole run.

/// Why a request (or an attempt) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureCause {
    /// The client stopped waiting.
    Timeout,
    /// A full waiting line turned it away.
    Rejected,
    /// The cache was down and does not fail open.
    CacheDown,
    /// The database shed the query: it waited `db.queue_timeout_ms`.
    Shed,
    /// The database node was down: it refused the query, or lost it.
    DbDown,
    /// The application instance the balancer chose was down.
    AppDown,
}

/// Declares [`Counter`] and, from the same list, how many there are: a
/// variant added anywhere in the list is counted (no "last variant + 1").
macro_rules! counters {
    ($( $(#[$doc:meta])* $name:ident, )*) => {
        /// Things the model counts, beyond request outcomes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Counter {
            $( $(#[$doc])* $name, )*
        }

        impl Counter {
            /// Every counter, in declaration order.
            pub const ALL: &'static [Counter] = &[$(Counter::$name),*];
            const COUNT: usize = Counter::ALL.len();
        }
    };
}

counters! {
    /// Values stored into the cache by readers (fills).
    Fill,
    /// Fills of a version already outdated when it landed.
    StaleFill,
    /// Fills dropped because their lease had been voided or had lapsed.
    DroppedFill,
    /// Early refreshes started (XFetch).
    EarlyRefresh,
    /// Early refreshes that landed while the entry was still live.
    RefreshBeforeExpiry,
    /// Reads answered with an expired entry inside the stale window.
    StaleServe,
    /// Readers that found a key's lease held and waited to read again.
    LeaseWait,
    /// Invalidations sent after a committed write.
    Invalidation,
    /// Invalidations lost (by `invalidation_loss` or an outage).
    LostInvalidation,
    /// Database reads of the hottest keys (ranks 1–10).
    HotKeyFetch,
    /// Expirations of the hottest keys found by lookups.
    HotKeyExpiration,
    /// Queries shed after waiting `db.queue_timeout_ms`.
    ShedQuery,
    /// Waiting queries dropped because their client gave up.
    CancelledQuery,
    /// Stale fills read from a replica that had not yet applied a write
    /// the primary had committed when the read started.
    StaleFillFromLag,
}

/// One count per [`Counter`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters([u64; Counter::COUNT]);

impl Counters {
    pub fn add(&mut self, counter: Counter) {
        self.0[counter as usize] += 1;
    }

    pub fn add_n(&mut self, counter: Counter, n: u64) {
        self.0[counter as usize] += n;
    }

    pub fn get(&self, counter: Counter) -> u64 {
        self.0[counter as usize]
    }
}

/// Event counts; ratios are derived on output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// New requests (first attempts).
    pub requests: u64,
    pub successes: u64,
    /// Successes within the SLO's latency (`slo.p99_ms`): good requests.
    pub good: u64,
    /// Requests that failed for good, by cause below.
    pub errors: u64,
    pub timeouts: u64,
    pub rejected: u64,
    pub cache_down: u64,
    pub shed: u64,
    pub db_down: u64,
    pub app_down: u64,
    /// Attempts made, first attempts included.
    pub attempts: u64,
    /// Lookups that reached the cache, and those that hit.
    pub lookups: u64,
    pub hits: u64,
    /// Successful reads, and those that returned an outdated version.
    pub reads_ok: u64,
    pub stale_reads: u64,
    /// Queries the database admitted.
    pub db_queries: u64,
    /// Service time spent on reads nobody waited for any more [ns].
    pub db_wasted_ns: u128,
    /// Queries that started service, those that had to wait first, and
    /// their total wait [ns].
    pub db_starts: u64,
    pub db_waits: u64,
    pub db_wait_ns: u128,
    pub counters: Counters,
}

impl Tally {
    /// Adds every count of `other`.
    pub fn add(&mut self, other: &Tally) {
        let Tally {
            requests,
            successes,
            good,
            errors,
            timeouts,
            rejected,
            cache_down,
            shed,
            db_down,
            app_down,
            attempts,
            lookups,
            hits,
            reads_ok,
            stale_reads,
            db_queries,
            db_wasted_ns,
            db_starts,
            db_waits,
            db_wait_ns,
            counters,
        } = other;
        self.requests += requests;
        self.successes += successes;
        self.good += good;
        self.errors += errors;
        self.timeouts += timeouts;
        self.rejected += rejected;
        self.cache_down += cache_down;
        self.shed += shed;
        self.db_down += db_down;
        self.app_down += app_down;
        self.attempts += attempts;
        self.lookups += lookups;
        self.hits += hits;
        self.reads_ok += reads_ok;
        self.stale_reads += stale_reads;
        self.db_queries += db_queries;
        self.db_wasted_ns += db_wasted_ns;
        self.db_starts += db_starts;
        self.db_waits += db_waits;
        self.db_wait_ns += db_wait_ns;
        for (mine, theirs) in self.counters.0.iter_mut().zip(counters.0) {
            *mine += theirs;
        }
    }

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
            FailureCause::CacheDown => self.cache_down += 1,
            FailureCause::Shed => self.shed += 1,
            FailureCause::DbDown => self.db_down += 1,
            FailureCause::AppDown => self.app_down += 1,
        }
    }
}

/// `part / whole`, `None` when there is nothing to divide.
pub fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_counter_has_its_own_count() {
        let mut counters = Counters::default();
        for (i, &c) in Counter::ALL.iter().enumerate() {
            assert_eq!(c as usize, i, "declaration order is index order");
            counters.add(c);
            assert_eq!(counters.get(c), 1);
        }
    }
}
