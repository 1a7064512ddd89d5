//! Database nodes: a query is routed to one (writes to the primary, reads
//! where the topology says), admitted, started, shed or answered; an
//! answer goes on along the read or the write path.

use crate::engine::SimTime;
use crate::metrics::{Counter, FailureCause};
use crate::stack::database::{DbJob, QueryOrigin};
use crate::stack::ids::{CacheNodeId, DbNodeId};
use crate::stack::station::Admission;
use crate::stack::workload::Op;

use super::{Event, HOT_KEYS, System, is_abandoned};

impl<const SINGLE: bool> System<'_, SINGLE> {
    /// A client attempt's own query; a read's miss was at cache `node`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_client_query(
        &mut self,
        request: u32,
        attempt: u32,
        key: u32,
        op: Op,
        lease: u32,
        node: CacheNodeId,
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
            node,
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
        let (origin, key, request, attempt, cache) =
            (job.origin, job.key, job.request, job.attempt, job.node);
        if job.op == Op::Read && job.key < HOT_KEYS {
            self.recorder.count(Counter::HotKeyFetch);
        }
        let node = match job.op {
            Op::Write => self.topology.primary_id::<SINGLE>(),
            Op::Read => self.topology.read_node::<SINGLE>(key),
        };
        match self.topology.db_node::<SINGLE>(node).submit(job, now) {
            Admission::Started(slot) => {
                self.recorder.db_admitted();
                self.start_query(node, slot, SimTime::ZERO, now);
            }
            Admission::Queued { ticket } => {
                self.queued();
                self.recorder.db_admitted();
                if let Some((timeout, lane)) = self.queue_timeout {
                    self.queue.schedule_on(lane, now + timeout, Event::QueueTimeout { node, ticket });
                }
            }
            Admission::Rejected => {
                let down = self.topology.db_node::<SINGLE>(node).health.down;
                let cause = if down { FailureCause::DbDown } else { FailureCause::Rejected };
                self.query_failed(origin, key, cache, (request, attempt), cause, now)
            }
        }
    }

    /// A query takes a connection of `node` after waiting `waited`.
    pub(super) fn start_query(&mut self, node: DbNodeId, slot: u32, waited: SimTime, now: SimTime) {
        self.recorder.db_started(waited);
        let done = self.topology.db_node::<SINGLE>(node).start(slot, now);
        self.queue.schedule(done, Event::QueryDone { node, slot });
    }

    /// A query waited `db.queue_timeout_ms`: if it still waits, the node
    /// sheds it and its clients get an error at once.
    pub(super) fn on_queue_timeout(&mut self, node: DbNodeId, ticket: u64, now: SimTime) {
        if let Some(job) = self.topology.db_node::<SINGLE>(node).expire(ticket, now) {
            self.recorder.count(Counter::ShedQuery);
            self.query_failed(
                job.origin,
                job.key,
                job.node,
                (job.request, job.attempt),
                FailureCause::Shed,
                now,
            );
        }
    }

    /// A database node turned away a query of `key` sent by `leader`
    /// (request, attempt) for `origin` after a miss at cache node `owner`
    /// — a full line, or shed: everyone waiting for it fails, and retries
    /// if they may.
    pub(super) fn query_failed(
        &mut self,
        origin: QueryOrigin,
        key: u32,
        owner: CacheNodeId,
        leader: (u32, u32),
        cause: FailureCause,
        now: SimTime,
    ) {
        let waiters = match origin {
            QueryOrigin::Client => Vec::new(),
            QueryOrigin::Flight => {
                self.topology.cache_node::<SINGLE>(owner).flights.as_mut().expect("flights are on").land(key)
            }
            QueryOrigin::EarlyRefresh | QueryOrigin::Revalidation => {
                self.topology.cache_node::<SINGLE>(owner).store.mark_refreshing(key, false);
                Vec::new()
            }
            QueryOrigin::Lost => unreachable!("a lost query was failed when it was lost"),
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
    pub(super) fn on_query_done(&mut self, node: DbNodeId, slot: u32, now: SimTime) {
        let cancels = self.model.db.cancel_on_timeout;
        let requests = &self.requests;
        let db = self.topology.db_node::<SINGLE>(node);
        if let Some(pause_end) = db.health.pause_end {
            // The node is paused: the answer waits for the pause to end.
            self.queue.schedule(pause_end, Event::QueryDone { node, slot });
            return;
        }
        let (job, next, cancelled) = db.complete(slot, now, |job| cancels && is_abandoned(requests, job));
        self.recorder.count_n(Counter::CancelledQuery, cancelled);
        if let Some(next) = next {
            self.start_query(node, next.slot, next.waited, now);
        }
        // A query lost with its node failed then; its answer is discarded
        // where the origin is read (a write's commit, a read's fill), not
        // here, where every query would pay the test.
        match job.op {
            Op::Write => self.write_committed(job, now),
            Op::Read => {
                // A replica's answer may be outdated because it lags: it
                // had not applied a version the primary already had when
                // the read started.
                let lagged = !SINGLE
                    && node != self.topology.primary_id::<SINGLE>()
                    && self.topology.primary::<SINGLE>().outdated_at(job.key, job.snapshot, job.started);
                self.read_answered(job, lagged, now)
            }
        }
    }
}
