//! The read path: a lookup at the key's owner node, then a hit, a stale
//! serve, or a miss that fetches from a database node (or waits for
//! another reader's fetch: leases, single flight) and fills the owner.

use crate::engine::SimTime;
use crate::metrics::{Counter, FailureCause};
use crate::stack::cache::{Lookup, Stored};
use crate::stack::cache_node::{Fill, LookupJob, Service};
use crate::stack::database::{DbJob, QueryOrigin};
use crate::stack::ids::CacheNodeId;
use crate::stack::lease::Grant;
use crate::stack::stampede::{Stampede, xfetch_triggers};
use crate::stack::station::Admission;
use crate::stack::workload::Op;

use super::{Event, HOT_KEYS, System};

impl<const SINGLE: bool> System<'_, SINGLE> {
    /// A read attempt asks cache node `node`.
    #[inline(always)]
    pub(super) fn send_lookup(&mut self, request: u32, attempt: u32, node: CacheNodeId, now: SimTime) {
        let n = self.topology.cache_node::<SINGLE>(node);
        if n.health.down {
            return self.cache_unreachable(request, attempt, node, now);
        }
        match n.service {
            Service::Instant => self.lookup(request, attempt, node, now),
            Service::Unlimited => {
                self.schedule_lookup_end(node, Event::LookupReturned { request, attempt, node }, now)
            }
            Service::Station => match n.arrive(LookupJob { request, attempt }, now) {
                Admission::Started(slot) => {
                    self.schedule_lookup_end(node, Event::LookupDone { node, slot }, now)
                }
                Admission::Queued { .. } => self.queued(),
                Admission::Rejected => unreachable!("the cache's waiting line is unbounded"),
            },
        }
    }

    /// A lookup starts service at `node` now: `event` marks its end.
    pub(super) fn schedule_lookup_end(&mut self, node: CacheNodeId, event: Event, now: SimTime) {
        let n = self.topology.cache_node::<SINGLE>(node);
        let done = n.service_end(now);
        match n.lookup_lane {
            Some(lane) => self.queue.schedule_on(lane, done, event),
            None => self.queue.schedule(done, event),
        }
    }

    pub(super) fn on_lookup_done(&mut self, node: CacheNodeId, slot: u32, now: SimTime) {
        let (job, next) = self.topology.cache_node::<SINGLE>(node).finish(slot, now);
        if let Some(next) = next {
            self.schedule_lookup_end(node, Event::LookupDone { node, slot: next.slot }, now);
        }
        self.on_lookup_returned(job.request, job.attempt, node, now);
    }

    /// The node's answer reaches the client, if its attempt still waits.
    pub(super) fn on_lookup_returned(&mut self, request: u32, attempt: u32, node: CacheNodeId, now: SimTime) {
        if !self.is_live(request, attempt) {
            return;
        }
        if self.topology.cache_node::<SINGLE>(node).health.down {
            self.cache_unreachable(request, attempt, node, now);
        } else {
            self.lookup(request, attempt, node, now);
        }
    }

    /// The node is down: fail over to the database, or fail. The read
    /// asked the cache and got nothing: a miss, so the hit ratio shows
    /// the outage.
    fn cache_unreachable(&mut self, request: u32, attempt: u32, node: CacheNodeId, now: SimTime) {
        self.topology.cache_node::<SINGLE>(node).count_unreachable();
        if self.model.cache.fail_open {
            let key = self.key_of(request);
            self.send_client_query(request, attempt, key, Op::Read, 0, node, now);
        } else {
            self.attempt_failed(request, FailureCause::CacheDown, now);
        }
    }

    pub(super) fn on_lease_retry(&mut self, request: u32, attempt: u32, now: SimTime) {
        if self.is_live(request, attempt) {
            let node = self.topology.read_owner::<SINGLE>(self.key_of(request));
            self.send_lookup(request, attempt, node, now);
        }
    }

    /// Node `node` answers a live attempt's lookup.
    #[inline(always)]
    fn lookup(&mut self, request: u32, attempt: u32, node: CacheNodeId, now: SimTime) {
        let key = self.key_of(request);
        match self.topology.cache_node::<SINGLE>(node).lookup(key, now) {
            Lookup::Hit { version, expires, fetch_time } => {
                if let Stampede::EarlyRefresh { beta } = self.model.cache.stampede
                    && xfetch_triggers(
                        now,
                        expires,
                        fetch_time,
                        beta,
                        &mut self.topology.cache_node::<SINGLE>(node).refresh_rng,
                    )
                    && self.refresh(node, key, QueryOrigin::EarlyRefresh, request, attempt, now)
                {
                    return;
                }
                self.read_succeeded(request, key, version, now);
            }
            Lookup::Stale { version } => {
                self.recorder.count(Counter::StaleServe);
                self.refresh(node, key, QueryOrigin::Revalidation, u32::MAX, 0, now);
                self.read_succeeded(request, key, version, now);
            }
            Lookup::Miss { expired } => {
                if expired && key < HOT_KEYS {
                    self.recorder.count(Counter::HotKeyExpiration);
                }
                self.fetch_missed(request, attempt, node, key, now);
            }
        }
    }

    /// Starts a refresh of `key`'s entry at `node` unless one is in flight
    /// (or, with leases, another reader holds the lease). Returns whether
    /// it started. An early refresh is the reader's own query; a
    /// revalidation runs in the background.
    fn refresh(
        &mut self,
        node: CacheNodeId,
        key: u32,
        origin: QueryOrigin,
        request: u32,
        attempt: u32,
        now: SimTime,
    ) -> bool {
        let n = self.topology.cache_node::<SINGLE>(node);
        if n.store.mark_refreshing(key, true) {
            return false;
        }
        let lease = match n.leases.as_mut().map(|l| l.on_miss(key, now)) {
            None => 0,
            Some(Grant::Token(token)) => token,
            Some(Grant::Wait) => {
                n.store.mark_refreshing(key, false);
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
                node,
            },
            now,
        );
        true
    }

    /// A miss at `node`: fetch from the database, unless a lease or a
    /// flight says to wait for another reader's fetch.
    #[inline(always)]
    fn fetch_missed(&mut self, request: u32, attempt: u32, node: CacheNodeId, key: u32, now: SimTime) {
        let n = self.topology.cache_node::<SINGLE>(node);
        if let Some(leases) = &mut n.leases {
            match leases.on_miss(key, now) {
                Grant::Token(token) => {
                    self.send_client_query(request, attempt, key, Op::Read, token, node, now)
                }
                Grant::Wait => {
                    self.recorder.count(Counter::LeaseWait);
                    let at = now + self.model.cache.lease_wait;
                    self.queue.schedule(at, Event::LeaseRetry { request, attempt });
                }
            }
            return;
        }
        if let Some(flights) = n.flights.as_mut().filter(|f| f.accepting) {
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
                node,
            };
            return self.send_query(job, now);
        }
        self.send_client_query(request, attempt, key, Op::Read, 0, node, now);
    }

    /// A read's answer comes back from a database node: fill the owner and
    /// answer whoever waits. A read nobody waits for any more was wasted
    /// work.
    #[inline(always)]
    pub(super) fn read_answered(&mut self, job: DbJob, lagged: bool, now: SimTime) {
        let (key, version, node) = (job.key, job.snapshot, job.node);
        let fetch_time = now - job.sent;
        let leader_live = self.is_live(job.request, job.attempt);
        let mut wasted = !leader_live;
        match job.origin {
            QueryOrigin::Client => {
                if leader_live {
                    self.fill(node, key, version, (job.lease, lagged), fetch_time, now);
                    self.read_succeeded(job.request, key, version, now);
                }
            }
            QueryOrigin::Flight => {
                let flights = self.topology.cache_node::<SINGLE>(node).flights.as_mut();
                let waiters = flights.expect("flights are on").land(key);
                let live: Vec<u32> = waiters
                    .iter()
                    .filter(|w| self.is_live(w.request, w.attempt))
                    .map(|w| w.request)
                    .collect();
                wasted = !leader_live && live.is_empty();
                if !wasted {
                    self.fill(node, key, version, (job.lease, lagged), fetch_time, now);
                }
                if leader_live {
                    self.read_succeeded(job.request, key, version, now);
                }
                for request in live {
                    self.read_succeeded(request, key, version, now);
                }
            }
            QueryOrigin::EarlyRefresh => {
                self.topology.cache_node::<SINGLE>(node).store.mark_refreshing(key, false);
                if leader_live {
                    let stored = self.fill(node, key, version, (job.lease, lagged), fetch_time, now);
                    if stored == Fill::Stored(Stored::Replaced { live: true }) {
                        self.recorder.count(Counter::RefreshBeforeExpiry);
                    }
                    self.read_succeeded(job.request, key, version, now);
                }
            }
            // Failed when its node went down: the answer is discarded.
            QueryOrigin::Lost => return,
            QueryOrigin::Revalidation => {
                wasted = false;
                self.topology.cache_node::<SINGLE>(node).store.mark_refreshing(key, false);
                self.fill(node, key, version, (job.lease, lagged), fetch_time, now);
            }
        }
        if wasted {
            self.recorder.db_wasted(now - job.started);
        }
    }

    /// Stores a fetched `version` of `key` at `node` (with its lease token,
    /// and whether it came from a lagging replica), and counts what became
    /// of it.
    #[inline(always)]
    fn fill(
        &mut self,
        node: CacheNodeId,
        key: u32,
        version: u32,
        (lease, lagged): (u32, bool),
        fetch_time: SimTime,
        now: SimTime,
    ) -> Fill {
        let t = &mut self.topology;
        let fill = t.cache.node_mut::<SINGLE>(node.0).fill(key, version, lease, fetch_time, &t.sizes, now);
        match fill {
            Fill::Down | Fill::Stored(Stored::Rejected) => {}
            Fill::LeaseLost => self.recorder.count(Counter::DroppedFill),
            Fill::Stored(_) => {
                self.recorder.count(Counter::Fill);
                if version < self.topology.primary::<SINGLE>().version(key) {
                    self.recorder.count(Counter::StaleFill);
                    if lagged {
                        self.recorder.count(Counter::StaleFillFromLag);
                    }
                }
            }
        }
        fill
    }
}
