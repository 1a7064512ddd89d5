//! The read path through the cache: lookups, leases, stampede control and
//! fills.

use crate::engine::SimTime;
use crate::metrics::{Counter, FailureCause};
use crate::stack::cache::{Lookup, Stored};
use crate::stack::database::{DbJob, QueryOrigin};
use crate::stack::lease::Grant;
use crate::stack::stampede::{Stampede, xfetch_triggers};
use crate::stack::station::Admission;
use crate::stack::workload::Op;

use super::{Event, HOT_KEYS, LookupJob, System};

impl System<'_> {
    /// A read attempt asks the cache.
    #[inline(always)]
    pub(super) fn send_lookup(&mut self, request: u32, attempt: u32, now: SimTime) {
        if self.faults.cache_down() {
            return self.cache_unreachable(request, attempt, now);
        }
        if self.instant_lookup {
            return self.lookup(request, attempt, now);
        }
        let Some(lookups) = &mut self.lookups else {
            return self.schedule_lookup_end(Event::LookupReturned { request, attempt }, now);
        };
        match lookups.arrive(LookupJob { request, attempt }, now) {
            Admission::Started(slot) => self.schedule_lookup_end(Event::LookupDone { slot }, now),
            Admission::Queued { .. } => {}
            Admission::Rejected => unreachable!("the cache's waiting line is unbounded"),
        }
    }

    /// A lookup starts service now: `event` marks its end.
    fn schedule_lookup_end(&mut self, event: Event, now: SimTime) {
        let service = self.lookup_time.sample(&mut self.lookup_rng);
        let slowdown = self.faults.cache_slowdown();
        let done = if slowdown == 1.0 {
            now + service
        } else {
            now + SimTime::from_ns_f64(service.as_nanos() as f64 * slowdown)
        };
        match self.lookup_lane {
            Some(lane) => self.queue.schedule_on(lane, done, event),
            None => self.queue.schedule(done, event),
        }
    }

    pub(super) fn on_lookup_done(&mut self, slot: u32, now: SimTime) {
        let lookups = self.lookups.as_mut().expect("a lookup station serves limited servers");
        let (job, next, _) = lookups.finish(slot, now, |_| false);
        if let Some(next) = next {
            self.schedule_lookup_end(Event::LookupDone { slot: next.slot }, now);
        }
        self.on_lookup_returned(job.request, job.attempt, now);
    }

    /// The cache's answer reaches the client, if its attempt still waits.
    pub(super) fn on_lookup_returned(&mut self, request: u32, attempt: u32, now: SimTime) {
        if !self.is_live(request, attempt) {
            return;
        }
        if self.faults.cache_down() {
            self.cache_unreachable(request, attempt, now);
        } else {
            self.lookup(request, attempt, now);
        }
    }

    /// The cache is down: fail over to the database, or fail. The read
    /// asked the cache and got nothing: a miss, so the hit ratio shows
    /// the outage.
    fn cache_unreachable(&mut self, request: u32, attempt: u32, now: SimTime) {
        self.recorder.lookup(false);
        if self.model.cache.fail_open {
            let key = self.key_of(request);
            self.send_client_query(request, attempt, key, Op::Read, 0, now);
        } else {
            self.attempt_failed(request, FailureCause::CacheDown, now);
        }
    }

    pub(super) fn on_lease_retry(&mut self, request: u32, attempt: u32, now: SimTime) {
        if self.is_live(request, attempt) {
            self.send_lookup(request, attempt, now);
        }
    }

    /// The cache answers a live attempt's lookup.
    #[inline(always)]
    fn lookup(&mut self, request: u32, attempt: u32, now: SimTime) {
        let key = self.key_of(request);
        match self.store.lookup(key, now) {
            Lookup::Hit { version, expires, fetch_time } => {
                self.recorder.lookup(true);
                if let Stampede::EarlyRefresh { beta } = self.model.cache.stampede
                    && xfetch_triggers(now, expires, fetch_time, beta, &mut self.refresh_rng)
                    && self.refresh(key, QueryOrigin::EarlyRefresh, request, attempt, now)
                {
                    return;
                }
                self.read_succeeded(request, key, version, now);
            }
            Lookup::Stale { version } => {
                self.recorder.lookup(true);
                self.recorder.count(Counter::StaleServe);
                self.refresh(key, QueryOrigin::Revalidation, u32::MAX, 0, now);
                self.read_succeeded(request, key, version, now);
            }
            Lookup::Miss { expired } => {
                self.recorder.lookup(false);
                if expired && key < HOT_KEYS {
                    self.recorder.count(Counter::HotKeyExpiration);
                }
                self.fetch_missed(request, attempt, key, now);
            }
        }
    }

    /// Starts a refresh of `key`'s entry unless one is in flight (or,
    /// with leases, another reader holds the lease). Returns whether it
    /// started. An early refresh is the reader's own query; a revalidation
    /// runs in the background.
    fn refresh(&mut self, key: u32, origin: QueryOrigin, request: u32, attempt: u32, now: SimTime) -> bool {
        if self.store.mark_refreshing(key, true) {
            return false;
        }
        let lease = match self.leases.as_mut().map(|l| l.on_miss(key, now)) {
            None => 0,
            Some(Grant::Token(token)) => token,
            Some(Grant::Wait) => {
                self.store.mark_refreshing(key, false);
                return false;
            }
        };
        if origin == QueryOrigin::EarlyRefresh {
            self.recorder.count(Counter::EarlyRefresh);
        }
        self.send_query(
            DbJob {
                request,
                attempt,
                key,
                op: Op::Read,
                origin,
                lease,
                sent: now,
                started: now,
                snapshot: 0,
            },
            now,
        );
        true
    }

    /// A miss: fetch from the database, unless a lease or a flight says to
    /// wait for another reader's fetch.
    #[inline(always)]
    fn fetch_missed(&mut self, request: u32, attempt: u32, key: u32, now: SimTime) {
        if let Some(leases) = &mut self.leases {
            match leases.on_miss(key, now) {
                Grant::Token(token) => self.send_client_query(request, attempt, key, Op::Read, token, now),
                Grant::Wait => {
                    self.recorder.count(Counter::LeaseWait);
                    let at = now + self.model.cache.lease_wait;
                    self.queue.schedule(at, Event::LeaseRetry { request, attempt });
                }
            }
            return;
        }
        if let Some(flights) = &mut self.flights {
            if !flights.lead(key) {
                flights.wait(key, request, attempt);
                return;
            }
            let job = DbJob {
                request,
                attempt,
                key,
                op: Op::Read,
                origin: QueryOrigin::Flight,
                lease: 0,
                sent: now,
                started: now,
                snapshot: 0,
            };
            return self.send_query(job, now);
        }
        self.send_client_query(request, attempt, key, Op::Read, 0, now);
    }

    /// Stores a fetched `version` of `key` in the cache. `None`: nothing
    /// was stored (the cache is down, or the lease is no longer valid).
    #[inline(always)]
    pub(super) fn fill(
        &mut self,
        key: u32,
        version: u32,
        lease: u32,
        fetch_time: SimTime,
        now: SimTime,
    ) -> Option<Stored> {
        if self.faults.cache_down() {
            return None;
        }
        if let Some(leases) = &mut self.leases
            && !leases.redeem(key, lease, now)
        {
            self.recorder.count(Counter::DroppedFill);
            return None;
        }
        let stored = self.store.store(key, version, now, fetch_time);
        if stored != Stored::Rejected {
            self.recorder.count(Counter::Fill);
            if version < self.db.version(key) {
                self.recorder.count(Counter::StaleFill);
            }
        }
        Some(stored)
    }
}
