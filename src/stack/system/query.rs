//! The database path: queries, their answers, shedding, and the
//! invalidations that committed writes send to the cache.

use crate::engine::SimTime;
use crate::metrics::{Counter, FailureCause};
use crate::stack::cache::{Invalidation, Stored};
use crate::stack::database::{DbJob, QueryOrigin};
use crate::stack::station::Admission;
use crate::stack::workload::Op;

use super::{Event, HOT_KEYS, System, is_abandoned};

impl System<'_> {
    /// A client attempt's own query.
    #[inline(always)]
    pub(super) fn send_client_query(
        &mut self,
        request: u32,
        attempt: u32,
        key: u32,
        op: Op,
        lease: u32,
        now: SimTime,
    ) {
        let job = DbJob {
            request,
            attempt,
            key,
            op,
            origin: QueryOrigin::Client,
            lease,
            sent: now,
            started: now,
            snapshot: 0,
        };
        self.send_query(job, now);
    }

    #[inline(always)]
    pub(super) fn send_query(&mut self, job: DbJob, now: SimTime) {
        // What a rejection needs, taken before the job moves into the
        // station: keeping the whole job alive past `submit` made the
        // compiler build it on the stack and copy it into the station with
        // wide loads over narrow stores, a store-forwarding stall on every
        // query (4 % of the M/M/10 benchmark's time in `perf`).
        let (origin, key, request, attempt) = (job.origin, job.key, job.request, job.attempt);
        if job.op == Op::Read && job.key < HOT_KEYS {
            self.recorder.count(Counter::HotKeyFetch);
        }
        match self.db.submit(job, now) {
            Admission::Started(slot) => {
                self.recorder.db_admitted();
                self.start_query(slot, SimTime::ZERO, now);
            }
            Admission::Queued { ticket } => {
                self.recorder.db_admitted();
                if let Some((timeout, lane)) = self.queue_timeout {
                    self.queue.schedule_on(lane, now + timeout, Event::QueueTimeout { ticket });
                }
            }
            Admission::Rejected => {
                self.query_failed(origin, key, (request, attempt), FailureCause::Rejected, now)
            }
        }
    }

    /// A query takes a connection after waiting `waited`.
    pub(super) fn start_query(&mut self, slot: u32, waited: SimTime, now: SimTime) {
        self.recorder.db_started(waited);
        let done = self.db.start(slot, now, self.faults.db_slowdown());
        self.queue.schedule(done, Event::QueryDone { slot });
    }

    /// A query waited `db.queue_timeout_ms`: if it still waits, the
    /// database sheds it and its clients get an error at once.
    pub(super) fn on_queue_timeout(&mut self, ticket: u64, now: SimTime) {
        if let Some(job) = self.db.expire(ticket, now) {
            self.recorder.count(Counter::ShedQuery);
            self.query_failed(job.origin, job.key, (job.request, job.attempt), FailureCause::Shed, now);
        }
    }

    /// The database turned away a query of `key` sent by `leader`
    /// (request, attempt) for `origin` — a full line, or shed: everyone
    /// waiting for it fails, and retries if they may.
    fn query_failed(
        &mut self,
        origin: QueryOrigin,
        key: u32,
        leader: (u32, u32),
        cause: FailureCause,
        now: SimTime,
    ) {
        let waiters = match origin {
            QueryOrigin::Client => Vec::new(),
            QueryOrigin::Flight => self.flights.as_mut().expect("flights are on").land(key),
            QueryOrigin::EarlyRefresh | QueryOrigin::Revalidation => {
                self.store.mark_refreshing(key, false);
                Vec::new()
            }
        };
        let leader = std::iter::once(leader);
        for (request, attempt) in leader.chain(waiters.iter().map(|w| (w.request, w.attempt))) {
            if self.is_live(request, attempt) {
                self.attempt_failed(request, cause, now);
            }
        }
    }

    // Out of line, with the read path inlined: see `start_attempt`.
    #[inline(never)]
    pub(super) fn on_query_done(&mut self, slot: u32, now: SimTime) {
        if let Some(pause_end) = self.faults.db_pause_end() {
            // The database is paused: the answer waits for the pause to end.
            self.queue.schedule(pause_end, Event::QueryDone { slot });
            return;
        }
        let cancels = self.model.db.cancel_on_timeout;
        let requests = &self.requests;
        let (job, next, cancelled) =
            self.db.complete(slot, now, |job| cancels && is_abandoned(requests, job));
        for _ in 0..cancelled {
            self.recorder.count(Counter::CancelledQuery);
        }
        if let Some(next) = next {
            self.start_query(next.slot, next.waited, now);
        }
        match job.op {
            Op::Write => {
                self.invalidate(job.key, now);
                if self.is_live(job.request, job.attempt) {
                    self.write_succeeded(job.request, now);
                }
            }
            Op::Read => self.read_answered(job, now),
        }
    }

    /// A read's answer comes back: fill the cache and answer whoever waits.
    /// A read nobody waits for any more was wasted work.
    #[inline(always)]
    fn read_answered(&mut self, job: DbJob, now: SimTime) {
        let (key, version) = (job.key, job.snapshot);
        let fetch_time = now - job.sent;
        let leader_live = self.is_live(job.request, job.attempt);
        let mut wasted = !leader_live;
        match job.origin {
            QueryOrigin::Client => {
                if leader_live {
                    self.fill(key, version, job.lease, fetch_time, now);
                    self.read_succeeded(job.request, key, version, now);
                }
            }
            QueryOrigin::Flight => {
                let waiters = self.flights.as_mut().expect("flights are on").land(key);
                let live: Vec<u32> = waiters
                    .iter()
                    .filter(|w| self.is_live(w.request, w.attempt))
                    .map(|w| w.request)
                    .collect();
                wasted = !leader_live && live.is_empty();
                if !wasted {
                    self.fill(key, version, job.lease, fetch_time, now);
                }
                if leader_live {
                    self.read_succeeded(job.request, key, version, now);
                }
                for request in live {
                    self.read_succeeded(request, key, version, now);
                }
            }
            QueryOrigin::EarlyRefresh => {
                self.store.mark_refreshing(key, false);
                if leader_live {
                    let stored = self.fill(key, version, job.lease, fetch_time, now);
                    if stored == Some(Stored::Replaced { live: true }) {
                        self.recorder.count(Counter::RefreshBeforeExpiry);
                    }
                    self.read_succeeded(job.request, key, version, now);
                }
            }
            QueryOrigin::Revalidation => {
                wasted = false;
                self.store.mark_refreshing(key, false);
                self.fill(key, version, job.lease, fetch_time, now);
            }
        }
        if wasted {
            self.recorder.db_wasted(now - job.started);
        }
    }

    /// The database committed a write to `key`: send the invalidation.
    fn invalidate(&mut self, key: u32, now: SimTime) {
        if self.model.cache.invalidation == Invalidation::TtlOnly {
            return;
        }
        self.recorder.count(Counter::Invalidation);
        if self.faults.invalidations_dropped() || self.invalidation_lost() {
            self.recorder.count(Counter::LostInvalidation);
            return;
        }
        let delay = self.model.cache.invalidation_delay;
        if delay == SimTime::ZERO {
            self.apply_invalidation(key, now);
        } else {
            self.queue.schedule(now + delay, Event::Invalidate { key });
        }
    }

    /// An invalidation reaches the cache.
    pub(super) fn apply_invalidation(&mut self, key: u32, now: SimTime) {
        if self.faults.cache_down() {
            // Nothing to invalidate: the cache returns empty.
            return;
        }
        match self.model.cache.invalidation {
            Invalidation::TtlOnly => {}
            Invalidation::Delete => self.store.delete(key),
            Invalidation::Lease => {
                self.store.delete(key);
                if let Some(leases) = &mut self.leases {
                    leases.void(key);
                }
            }
            Invalidation::Update => {
                self.store.store(key, self.db.version(key), now, SimTime::ZERO);
            }
        }
    }
}
