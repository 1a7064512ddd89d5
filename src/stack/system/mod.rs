//! The system: clients → cache → database as one event loop over the
//! topology's components.
//!
//! The request path is a protocol over components, each step in one file:
//! a read looks its key up at the cache node that owns it (`read.rs`); on
//! a hit it is answered from the cache, on a miss it queries a database
//! node (`query.rs`) and, when the answer comes back to a client that is
//! still waiting, the client fills the owner node (a client that gave up
//! fills nothing). A write commits at the primary; the cache is then
//! invalidated as configured (`write.rs`). A read is *stale* when the
//! version it returns is older than the primary's version of that key at
//! the moment it returns. Components return outcomes; this loop schedules
//! the events and records what happened.
//!
//! A failed attempt (timed out, rejected, shed) is retried after a backoff
//! while attempts and the retry budget last. Abandoned work is not
//! cancelled unless the database is told to: a query whose client timed out
//! is still served (wasted work), and a write still commits.

mod app;
mod change;
mod page;
mod query;
mod read;
mod write;

use crate::engine::{EventQueue, Lane, RandomStreams, Rng, SideTable, SimTime, Slab};
use crate::metrics::{
    Counter, Disturbed, FailureCause, Firing, Gauges, Level, NodeGauge, NodeRow, ReadOutcome, Recorder,
    RecorderConfig, RunEnd, Status, Summary, WindowRow, evaluate,
};

use super::clients::{Arrivals, Thinking};
use super::database::{DbJob, QueryOrigin};
use super::faults::{FaultKind, FaultState};
use super::model::Model;
use super::request::{NO_ATTEMPT, NO_USER, Request};
use super::retry::{RetryBudget, backoff};
use super::stream::{Purpose, stream};
use super::topology::{CacheNodeId, DbNodeId, Topology};
use super::trace::{TraceError, TraceReader};
use super::workload::{Op, Workload};

/// What happens next. Small and `Copy`: the queue stores events by value.
#[derive(Debug, Clone, Copy)]
enum Event {
    /// A new request arrives, from a closed-loop `user` or `NO_USER`.
    Arrival {
        key: u32,
        op: Op,
        user: u32,
    },
    /// The lookup in service in this slot of a cache node's station
    /// completes.
    LookupDone {
        node: CacheNodeId,
        slot: u32,
    },
    /// A lookup on a node's unlimited lookup servers (no station) completes.
    LookupReturned {
        request: u32,
        attempt: u32,
        node: CacheNodeId,
    },
    /// The query in service in this slot of a database node completes.
    QueryDone {
        node: DbNodeId,
        slot: u32,
    },
    /// An attempt's timeout expires.
    Timeout {
        request: u32,
        attempt: u32,
    },
    /// A request's backoff is over: its next attempt starts.
    Retry {
        request: u32,
    },
    /// A waiting query reaches `db.queue_timeout_ms`, if it still waits.
    QueueTimeout {
        node: DbNodeId,
        ticket: u64,
    },
    /// A reader that found the key's lease held reads the cache again.
    LeaseRetry {
        request: u32,
        attempt: u32,
    },
    /// A delayed invalidation reaches a cache node.
    Invalidate {
        key: u32,
        node: CacheNodeId,
    },
    /// A replica applies a committed write.
    ReplicaApply {
        key: u32,
        version: u32,
        node: DbNodeId,
    },
    /// `db.failover_s` after primary `node` went down: promote a replica.
    Failover {
        node: DbNodeId,
    },
    /// An app worker finished the app's own work for this attempt.
    WorkDone {
        request: u32,
        attempt: u32,
    },
    /// The balancer checks an app instance's health.
    HealthCheck {
        instance: u16,
    },
    FaultStart {
        index: u32,
    },
    /// The model's configuration change `index` takes effect.
    Change {
        index: u32,
    },
    FaultEnd {
        index: u32,
    },
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub summary: Summary,
    pub windows: Vec<WindowRow>,
    /// One row per window per component.
    pub nodes: Vec<NodeRow>,
    /// The firings of the model's alert rules, in time order.
    pub alerts: Vec<Firing>,
}

/// Why a run could not complete.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Trace(#[from] TraceError),
}

/// Runs `model` to its end (or until a guard stops it).
pub fn run(model: &Model) -> Result<RunResult, RunError> {
    let single = model.cache.cluster.all_nodes() == 1 && model.db.replicas == 0;
    if single && model.app.is_none() && model.workload.fanout == 1 {
        System::<true>::new(model)?.run()
    } else {
        System::<false>::new(model)?.run()
    }
}

/// Where requests come from.
enum Source {
    /// Open-loop arrivals; keys and operations drawn from the workload.
    Open { arrivals: Arrivals, workload: Workload },
    /// Closed-loop users, thinking between requests.
    Closed { thinking: Thinking, workload: Workload },
    /// An access log, replayed.
    Trace(TraceReader),
}

/// Keys `0..HOT_KEYS` are the most popular: their fetches per expiry show
/// a stampede.
const HOT_KEYS: u32 = 10;

/// `SINGLE`: one cache node and one database node, no app tier and no
/// fan-out, so every node id is 0 — known to the compiler, which drops
/// the routing, the node lookups and the tiers' steps (a model without
/// `cache.nodes`, `db.replicas`, `[app]` or `workload.fanout` pays nothing
/// for them).
struct System<'m, const SINGLE: bool> {
    /// The configuration in force: the model as read, then each change's.
    model: &'m Model,
    /// The model's configuration changes, in time order.
    changes: &'m [super::model::Change],
    queue: EventQueue<Event>,
    /// Open-loop and trace arrivals come in time order, one after another:
    /// a lane.
    arrivals: Lane,
    /// Client timeouts and queue timeouts, when set, are "now + a
    /// constant": each has a lane. (A lane that is never used would still
    /// be looked at.)
    client_timeout: Option<(SimTime, Lane)>,
    queue_timeout: Option<(SimTime, Lane)>,
    requests: Slab<Request>,
    /// At least the jobs waiting at every station: the exact count when
    /// last counted, plus every job queued since. The guard on queued work
    /// counts them only when this bound reaches its limit, so that an
    /// arrival costs a comparison, not a walk over the components.
    waiting_bound: u64,
    in_flight: Level,
    next_attempt: u32,
    source: Source,
    /// With fan-out: each page's further keys, by the page's slot.
    pages: Vec<page::Page>,
    /// With fan-out: the page each part belongs to, by the part's slot.
    parts: SideTable<page::PartOf>,
    /// With an app tier: the worker each request holds, by its slot.
    held: SideTable<app::Held>,
    fanout_rng: Rng,
    topology: Topology,
    faults: FaultState,
    /// The most cache nodes down at once so far.
    cache_nodes_lost: u16,
    fault_rng: Rng,
    backoff_rng: Rng,
    budget: Option<RetryBudget>,
    recorder: Recorder,
    end: SimTime,
    /// Why the run stopped before its end, if it did: one field, so the
    /// loop asks once per event.
    halt: Option<Halt>,
}

enum Halt {
    /// A guard stopped a run that was running away, for this reason.
    Diverged(String),
    Failed(RunError),
}

impl<'m, const SINGLE: bool> System<'m, SINGLE> {
    fn new(model: &'m Model) -> Result<Self, RunError> {
        let streams = RandomStreams::new(model.run.seed);
        let mut queue = EventQueue::new();
        let arrivals = queue.add_lane();
        let client_timeout = model.clients.timeout.map(|t| (t, queue.add_lane()));
        let queue_timeout = model.db.queue_timeout.map(|t| (t, queue.add_lane()));
        let topology = Topology::build(model, &streams, &mut queue);
        let global = |purpose| stream(&streams, purpose, 0);
        let workload = || Workload::new(&model.workload, global(Purpose::Keys), global(Purpose::Ops));
        let source = match (&model.workload.trace, model.clients.users) {
            (Some(spec), _) => Source::Trace(TraceReader::open(spec)?),
            (None, Some(_)) => Source::Closed {
                thinking: Thinking::new(&model.clients, global(Purpose::Think)),
                workload: workload(),
            },
            (None, None) => Source::Open {
                arrivals: Arrivals::new(&model.clients, global(Purpose::Arrivals)),
                workload: workload(),
            },
        };
        // Fault starts go on a lane in time order (ties in file order, as
        // the heap would pop them): the heap then holds only what is in
        // flight, however many faults the model declares.
        if !model.faults.is_empty() {
            let lane = queue.add_lane();
            let mut order: Vec<usize> = (0..model.faults.len()).collect();
            order.sort_by_key(|&i| model.faults[i].at);
            for index in order {
                queue.schedule_on(lane, model.faults[index].at, Event::FaultStart { index: index as u32 });
            }
        }
        let retry = &model.clients.retry;
        let recorder = Recorder::new(
            RecorderConfig {
                window: model.run.window,
                warmup: model.run.warmup,
                duration: model.run.duration,
                db_servers: model.db.servers * (1 + u32::from(model.db.replicas)),
                db_nodes: 1 + u32::from(model.db.replicas),
                app_workers: model.app.as_ref().map_or(0, |a| a.workers * u32::from(a.instances)),
                cache_servers: model.cache.servers,
                good_within: SimTime::from_millis(model.slo.p99_ms),
            },
            topology.components(model),
        );
        if !model.changes.is_empty() {
            let lane = queue.add_lane();
            for (index, change) in model.changes.iter().enumerate() {
                queue.schedule_on(lane, change.at, Event::Change { index: index as u32 });
            }
        }
        Ok(System {
            model,
            changes: &model.changes,
            queue,
            arrivals,
            client_timeout,
            queue_timeout,
            requests: Slab::new(),
            waiting_bound: 0,
            in_flight: Level::default(),
            next_attempt: 0,
            source,
            pages: Vec::new(),
            parts: SideTable::new(page::NO_PAGE),
            held: SideTable::new(app::NO_WORKER),
            fanout_rng: global(Purpose::Fanout),
            topology,
            faults: FaultState::new(&model.faults),
            cache_nodes_lost: 0,
            fault_rng: global(Purpose::Faults),
            backoff_rng: global(Purpose::Backoff),
            budget: retry.budget_ratio.map(|ratio| RetryBudget::new(ratio, retry.budget_burst)),
            recorder,
            end: model.run.duration,
            halt: None,
        })
    }

    fn run(mut self) -> Result<RunResult, RunError> {
        match (&self.source, self.model.clients.users) {
            (Source::Closed { .. }, Some(users)) => {
                for user in 0..users {
                    self.schedule_user(user, SimTime::ZERO);
                }
            }
            _ => self.schedule_arrival(SimTime::ZERO),
        }
        while let Some((now, event)) = self.queue.pop_before(self.end) {
            self.pass_marks(now);
            self.handle(event, now);
            if self.halt.is_some() {
                break;
            }
        }
        let diverged = match self.halt.take() {
            Some(Halt::Failed(failure)) => return Err(failure),
            Some(Halt::Diverged(reason)) => Some(reason),
            None => None,
        };
        let end = if diverged.is_some() { self.queue.now() } else { self.end };
        while self.recorder.next_mark() < end {
            self.mark();
        }
        let disturbances = self.model.disturbances();
        let disturbed = disturbances.first().map(|first| Disturbed {
            first_start_s: first.from.as_secs(),
            last_end_s: disturbances.iter().map(|d| d.to).max().unwrap_or(first.to).as_secs(),
        });
        let run_end = RunEnd {
            seed: self.model.run.seed,
            status: if diverged.is_some() { Status::Diverged } else { Status::Ok },
            end,
            gauges: self.gauges(end),
            events: self.queue.popped(),
            unfinished: self.requests.iter().filter(|(_, r)| r.measured).count() as u64,
            in_flight_max: self.in_flight.max(),
            disturbed,
            cache_nodes_lost: u64::from(self.cache_nodes_lost),
        };
        let nodes = self.topology.node_gauges(end);
        let finished = self.recorder.finish(run_end, &nodes, &self.model.slo);
        let (mut summary, windows) = (finished.summary, finished.windows);
        let disturbance_start = self.model.disturbances().first().map(|d| d.from.as_secs());
        let alerts = evaluate(&self.model.alerts, &windows, disturbance_start);
        // Alerts before the first disturbance are false alarms, not detection.
        if let Some(first) = alerts.iter().find(|a| a.after_disturbance_s.is_none_or(|d| d >= 0.0)) {
            summary.first_alert = Some(first.name.clone());
            summary.time_to_detect_s = first.after_disturbance_s;
        }
        summary.diverged_reason = diverged;
        Ok(RunResult { summary, windows, nodes: finished.nodes, alerts })
    }

    // Inlined into the loop: the event's match is the hottest branch of
    // the simulator, and a call around it costs every event its register
    // saves (+37 instructions an event in (a) when the new tiers' arms
    // tipped the compiler into outlining it).
    #[inline(always)]
    fn handle(&mut self, event: Event, now: SimTime) {
        match event {
            Event::Arrival { key, op, user } => self.on_arrival(key, op, user, now),
            Event::LookupDone { node, slot } => self.on_lookup_done(node, slot, now),
            Event::LookupReturned { request, attempt, node } => {
                self.on_lookup_returned(request, attempt, node, now)
            }
            Event::QueryDone { node, slot } => self.on_query_done(node, slot, now),
            Event::Timeout { request, attempt } => self.on_timeout(request, attempt, now),
            Event::Retry { request } => self.start_attempt(request, now),
            Event::QueueTimeout { node, ticket } => self.on_queue_timeout(node, ticket, now),
            Event::LeaseRetry { request, attempt } => self.on_lease_retry(request, attempt, now),
            Event::Invalidate { key, node } => self.apply_invalidation(key, node, now),
            Event::ReplicaApply { key, version, node } => self.replica_applies(key, version, node),
            Event::Failover { node } => {
                self.topology.fail_over(node);
            }
            Event::WorkDone { request, attempt } => self.on_work_done(request, attempt, now),
            Event::HealthCheck { instance } => {
                self.topology.app.as_mut().expect("an app tier").health_check(instance);
            }
            Event::FaultStart { index } => self.on_fault_start(index as usize, now),
            Event::Change { index } => self.on_change(index as usize, now),
            Event::FaultEnd { index } => self.on_fault_end(index as usize, now),
        }
    }

    /// Closes every window (and warm-up) that ends at or before `now`, so
    /// that the event at `now` counts in the window that contains it.
    fn pass_marks(&mut self, now: SimTime) {
        while self.recorder.next_mark() <= now {
            self.mark();
        }
    }

    fn mark(&mut self) {
        let at = self.recorder.next_mark();
        let gauges = self.gauges(at);
        let nodes: Vec<NodeGauge> = self.topology.node_gauges(at);
        self.recorder.mark(at, gauges, &nodes);
    }

    /// The tiers' level integrals at `at`, and the system's requests in
    /// flight.
    fn gauges(&self, at: SimTime) -> Gauges {
        Gauges { in_flight: self.in_flight.area_at(at), ..self.topology.tier_gauges(at) }
    }

    /// Schedules the next open-loop (or trace) arrival after one at `now`,
    /// if it falls within the run. Keys and operations are drawn here, in
    /// arrival order, so their streams stay aligned with arrivals whatever
    /// happens downstream.
    fn schedule_arrival(&mut self, now: SimTime) {
        let (at, key, op) = match &mut self.source {
            Source::Open { arrivals, workload } => match arrivals.next_after(now) {
                Some(at) => (at, workload.next_key(), workload.next_op()),
                None => return,
            },
            Source::Trace(trace) => match trace.next_row() {
                Ok(Some(row)) => {
                    if let Some(size) = row.size {
                        self.topology.sizes.set(row.key, size);
                    }
                    (row.at, row.key, row.op)
                }
                Ok(None) => return,
                Err(e) => {
                    self.halt = Some(Halt::Failed(e.into()));
                    return;
                }
            },
            Source::Closed { .. } => unreachable!("closed-loop users schedule their own requests"),
        };
        if at < self.end {
            let user = NO_USER;
            self.queue.schedule_on(self.arrivals, at, Event::Arrival { key, op, user });
        }
    }

    /// A closed-loop user thinks, then sends its next request.
    fn schedule_user(&mut self, user: u32, now: SimTime) {
        let Source::Closed { thinking, workload } = &mut self.source else {
            unreachable!("only closed-loop sources have users")
        };
        let at = now + thinking.next();
        let (key, op) = (workload.next_key(), workload.next_op());
        if at < self.end {
            self.queue.schedule(at, Event::Arrival { key, op, user });
        }
    }

    fn on_arrival(&mut self, key: u32, op: Op, user: u32, now: SimTime) {
        if user == NO_USER {
            self.schedule_arrival(now);
        }
        let limit = self.model.run.max_in_flight;
        let reason = if self.requests.len() as u64 >= limit {
            Some(format!(
                "requests in flight reached run.max_in_flight = {limit}: bound them with clients.timeout_ms \
                 (and db.queue_limit or db.queue_timeout_ms), or lower the load"
            ))
        } else if let Some((cache_queue, db_queue)) = self.waiting_at_least(limit) {
            let which =
                if db_queue >= cache_queue { "the database's queue" } else { "the cache's lookup queue" };
            Some(format!(
                "{which} reached run.max_in_flight = {limit} waiting jobs: bound it with db.queue_limit or \
                 db.queue_timeout_ms (abandoned work piles up unless db.cancel_on_timeout = true)"
            ))
        } else if self.queue.popped() >= self.model.run.max_events {
            Some(format!("the run processed run.max_events = {} events", self.model.run.max_events))
        } else {
            None
        };
        if let Some(reason) = reason {
            self.halt = Some(Halt::Diverged(reason));
            return;
        }
        let measured = self.recorder.measures(now);
        self.recorder.arrival();
        let request = self.requests.insert(Request::new(key, op, now, measured, user));
        if !SINGLE && self.model.workload.fanout > 1 && op == Op::Read {
            self.draw_page(request);
        }
        self.in_flight.add(1, now);
        if let Some(budget) = &mut self.budget {
            budget.deposit();
        }
        self.start_attempt(request, now);
    }

    /// The jobs waiting at the cache and at the database nodes, if they
    /// are `limit` or more.
    fn waiting_at_least(&mut self, limit: u64) -> Option<(u64, u64)> {
        if self.waiting_bound < limit {
            return None;
        }
        let (cache, db) = self.topology.waiting();
        self.waiting_bound = cache + db;
        (self.waiting_bound >= limit).then_some((cache, db))
    }

    /// A job joined a station's waiting line.
    #[inline(always)]
    fn queued(&mut self) {
        self.waiting_bound += 1;
    }

    // Every request passes here and through `on_query_done` or a hit: each
    // is one function with its single-use steps (lookup, query, fill,
    // answer) inlined into it, since a call between steps costs ~15
    // instructions of register saves, while inlining them all into the
    // event loop costs more in spills (both measured with callgrind).
    #[inline(never)]
    fn start_attempt(&mut self, request: u32, now: SimTime) {
        let attempt = self.new_attempt();
        let r = self.requests.get_mut(request).expect("a live request");
        r.attempt = attempt;
        r.attempts += 1;
        let (key, op, measured) = (r.key, r.op, r.measured);
        self.recorder.attempt(measured);
        if let Some((timeout, lane)) = self.client_timeout {
            self.queue.schedule_on(lane, now + timeout, Event::Timeout { request, attempt });
        }
        if !SINGLE && self.topology.app.is_some() {
            return self.enter_app(request, attempt, now);
        }
        self.downstream(request, attempt, key, op, now);
    }

    /// A fresh attempt id. Ids wrap, skipping the "no attempt" marker (a
    /// compare, where `% NO_ATTEMPT` cost a multiply and shifts).
    #[inline(always)]
    fn new_attempt(&mut self) -> u32 {
        let attempt = self.next_attempt;
        let next = attempt + 1;
        self.next_attempt = if next == NO_ATTEMPT { 0 } else { next };
        attempt
    }

    /// The attempt goes on to the cache (a read; with fan-out, the page's
    /// parts) or the primary (a write).
    #[inline(always)]
    fn downstream(&mut self, request: u32, attempt: u32, key: u32, op: Op, now: SimTime) {
        match op {
            Op::Read if !SINGLE && self.model.workload.fanout > 1 => self.start_parts(request, attempt, now),
            Op::Read => {
                let node = self.topology.read_owner::<SINGLE>(key);
                self.send_lookup(request, attempt, node, now)
            }
            Op::Write => {
                // A write's answer fills nothing: the node is never read.
                let owner = self.topology.owner::<SINGLE>(key);
                self.send_client_query(request, attempt, key, Op::Write, 0, owner, now)
            }
        }
    }

    fn on_timeout(&mut self, request: u32, attempt: u32, now: SimTime) {
        if self.is_live(request, attempt) {
            self.attempt_failed(request, FailureCause::Timeout, now);
        }
    }

    fn is_live(&self, request: u32, attempt: u32) -> bool {
        self.requests.get(request).is_some_and(|r| r.is_live(attempt))
    }

    fn key_of(&self, request: u32) -> u32 {
        self.requests.get(request).expect("a live request").key
    }

    /// The live attempt failed: retry after a backoff if attempts remain
    /// and the budget allows, else the request fails with `cause`.
    fn attempt_failed(&mut self, request: u32, cause: FailureCause, now: SimTime) {
        if !SINGLE {
            if self.parts.get(request) != page::NO_PAGE {
                return self.part_failed(request, cause, now);
            }
            self.release_worker(request, now);
        }
        let retry = &self.model.clients.retry;
        let r = self.requests.get_mut(request).expect("a live request");
        let may_retry =
            r.attempts < retry.max_attempts && self.budget.as_mut().is_none_or(RetryBudget::withdraw);
        if !may_retry {
            let r = self.finish(request, now);
            self.recorder.failure(cause, r.arrived, now, r.measured);
            return;
        }
        let delay = backoff(retry, r.attempts, r.backoff, &mut self.backoff_rng);
        if delay == SimTime::ZERO {
            return self.start_attempt(request, now);
        }
        r.backoff = delay;
        r.attempt = NO_ATTEMPT;
        self.queue.schedule(now + delay, Event::Retry { request });
    }

    /// A read of `key` is answered with `version`: stale if the primary
    /// has committed a newer one.
    #[inline(always)]
    fn read_succeeded(&mut self, request: u32, key: u32, version: u32, now: SimTime) {
        let primary = self.topology.primary::<SINGLE>();
        let outcome =
            ReadOutcome { stale: version < primary.version(key), age: primary.staleness(key, version, now) };
        if !SINGLE && self.parts.get(request) != page::NO_PAGE {
            return self.part_answered(request, outcome, now);
        }
        let r = self.finish(request, now);
        self.recorder.success(r.arrived, now, Some(outcome), r.measured);
    }

    fn write_succeeded(&mut self, request: u32, now: SimTime) {
        let r = self.finish(request, now);
        self.recorder.success(r.arrived, now, None, r.measured);
    }

    /// The request has its final answer: it leaves the system, and its
    /// closed-loop user (if any) starts thinking about the next one.
    #[inline(always)]
    fn finish(&mut self, request: u32, now: SimTime) -> Request {
        if !SINGLE {
            self.release_worker(request, now);
        }
        self.in_flight.sub(1, now);
        let r = self.requests.remove(request).expect("a request ends exactly once");
        if r.user != NO_USER {
            self.schedule_user(r.user, now);
        }
        r
    }

    fn on_fault_start(&mut self, index: usize, now: SimTime) {
        let fault = self.faults.fault(index);
        self.faults.set_active(index, true);
        self.change_health(now);
        self.cache_nodes_lost = self.cache_nodes_lost.max(self.topology.cache_nodes_down());
        let (kind, target) = (fault.kind, fault.target);
        match kind {
            // The cache process is gone: when it returns, it is empty.
            FaultKind::CacheDown | FaultKind::CacheFlush => {
                for (id, node) in self.topology.cache.iter_mut() {
                    if target.covers(id) {
                        node.store.clear();
                    }
                }
            }
            FaultKind::HotSetShift => {
                if let Source::Open { workload, .. } | Source::Closed { workload, .. } = &mut self.source {
                    workload.shift_hot_set(self.model.workload.keys, &mut self.fault_rng);
                }
            }
            FaultKind::DbPause => {
                for (id, node) in self.topology.db.iter_mut() {
                    if target.covers(id) {
                        node.pause();
                    }
                }
            }
            FaultKind::CacheSlowdown
            | FaultKind::DbSlowdown
            | FaultKind::InvalidationOutage
            | FaultKind::DbDown
            | FaultKind::ReplicaLag
            | FaultKind::AppDown
            | FaultKind::ZoneDown => {}
        }
        if kind.lasts() {
            let index = index as u32;
            self.queue.schedule(fault.end(), Event::FaultEnd { index });
        }
    }

    fn on_fault_end(&mut self, index: usize, now: SimTime) {
        self.faults.set_active(index, false);
        self.change_health(now);
        let fault = self.faults.fault(index);
        if fault.kind == FaultKind::DbPause {
            for id in (0..self.topology.db.len() as u16).map(DbNodeId) {
                if fault.target.covers(id.0) && self.topology.db_node::<SINGLE>(id).health.pause_end.is_none()
                {
                    self.resume_db_node(id, now);
                }
            }
        }
    }

    /// The active faults changed: every component takes its new health,
    /// and what goes down or comes back does so — an app instance loses
    /// the attempts it held, a cache node that goes
    /// down loses its entries; a database node loses its queries (a
    /// primary's loss starts the failover clock) and resynchronises when
    /// it returns.
    fn change_health(&mut self, now: SimTime) {
        let t = &mut self.topology;
        let app_was: Vec<bool> = t.app.iter().flat_map(|a| a.instances.iter().map(|i| i.down)).collect();
        let cache_was: Vec<bool> = t.cache.iter().map(|n| n.health.down).collect();
        let db_was: Vec<bool> = t.db.iter().map(|n| n.health.down).collect();
        t.apply_health(&self.faults);
        for (id, was) in (0..).zip(app_was) {
            let down = self.topology.app.as_ref().expect("an app tier").instances[usize::from(id)].down;
            if down && !was {
                self.app_instance_lost(id, now);
            } else if was && !down {
                self.app_instance_back(id, now);
            }
        }
        let t = &mut self.topology;
        for ((_, node), was) in t.cache.iter_mut().zip(cache_was) {
            if node.health.down && !was {
                node.store.clear();
            }
        }
        for (id, was) in (0..).map(DbNodeId).zip(db_was) {
            let down = self.topology.db.get(id.0).health.down;
            if down && !was {
                self.db_node_lost(id, now);
            } else if was && !down {
                self.topology.restart_db(id);
            }
        }
    }

    /// Database node `id` went down: every query it held fails at once
    /// (their connections reset); if it was the primary and there are
    /// replicas, one is promoted `db.failover_s` from now.
    fn db_node_lost(&mut self, id: DbNodeId, now: SimTime) {
        for job in self.topology.db_node::<SINGLE>(id).crash(now) {
            let leader = (job.request, job.attempt);
            self.query_failed(job.origin, job.key, job.node, leader, FailureCause::DbDown, now);
        }
        if self.model.db.replicas > 0 && id == self.topology.primary_id::<SINGLE>() {
            self.queue.schedule(now + self.model.db.failover, Event::Failover { node: id });
        }
    }

    /// A pause of database node `id` ended: the waiting queries start.
    fn resume_db_node(&mut self, id: DbNodeId, now: SimTime) {
        let cancels = self.model.db.cancel_on_timeout;
        let requests = &self.requests;
        let (started, cancelled) =
            self.topology.db_node::<SINGLE>(id).resume(now, |job| cancels && is_abandoned(requests, job));
        self.recorder.count_n(Counter::CancelledQuery, cancelled);
        for started in started {
            self.start_query(id, started.slot, started.waited, now);
        }
    }
}

/// Whether a client's query has been given up on by its client.
fn is_abandoned(requests: &Slab<Request>, job: &DbJob) -> bool {
    job.origin == QueryOrigin::Client && !requests.get(job.request).is_some_and(|r| r.is_live(job.attempt))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The queue moves events by value on every push and pop: ids added to
    /// them must not make them bigger.
    #[test]
    fn an_event_stays_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Event>(), 16);
    }
}
