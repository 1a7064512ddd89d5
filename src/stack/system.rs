//! The system: clients → cache → database as one event loop.
//!
//! Look-aside caching. A read first looks the key up in the cache; on a hit
//! it is answered from the cache, on a miss it queries the database and,
//! when the answer comes back to a client that is still waiting, the client
//! stores it in the cache (a client that gave up fills nothing). A write
//! goes to the database; when it commits, the cache is invalidated as
//! configured. A read is *stale* when the version it returns is older than
//! the database's version of that key at the moment it returns.
//!
//! Abandoned work is not cancelled: a query whose client timed out is still
//! served (wasted work), and a write still commits.

use crate::engine::{EventQueue, Lane, RandomStreams, Rng, SimTime, Slab};
use crate::metrics::{
    FailureCause, Gauges, Level, Recorder, RecorderConfig, RunEnd, Status, Summary, WindowRow,
};

use super::cache::{CacheStore, Invalidation, Lookup};
use super::clients::Arrivals;
use super::database::{Database, DbJob};
use super::model::Model;
use super::request::Request;
use super::service_time::{ServiceSampler, ServiceTime};
use super::station::{Admission, Station};
use super::workload::{Op, Workload};

/// The random stream of each purpose. Fixed forever: changing one changes
/// every published result.
mod stream {
    pub const ARRIVALS: u64 = 1;
    pub const KEYS: u64 = 2;
    pub const OPS: u64 = 3;
    pub const DB_SERVICE: u64 = 4;
    pub const CACHE_SERVICE: u64 = 5;
    pub const EVICTION: u64 = 6;
    pub const TTL_JITTER: u64 = 7;
}

/// What happens next. Small and `Copy`: the queue stores events by value.
#[derive(Debug, Clone, Copy)]
enum Event {
    /// A new request arrives.
    Arrival,
    /// The cache lookup in service in this slot completes.
    LookupDone { slot: u32 },
    /// The database query in service in this slot completes.
    QueryDone { slot: u32 },
    /// An attempt's timeout expires.
    Timeout { request: u32, attempt: u32 },
}

/// A lookup in the cache's station: which attempt sent it.
#[derive(Debug, Clone, Copy)]
struct LookupJob {
    request: u32,
    attempt: u32,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub summary: Summary,
    pub windows: Vec<WindowRow>,
}

/// Runs `model` to its end (or until a guard stops it).
pub fn run(model: &Model) -> RunResult {
    System::new(model).run()
}

struct System<'m> {
    model: &'m Model,
    queue: EventQueue<Event>,
    timeouts: Lane,
    /// Lookups of constant duration on unlimited servers end in the order
    /// they start: a lane instead of the heap.
    lookup_lane: Option<Lane>,
    requests: Slab<Request>,
    in_flight: Level,
    next_attempt: u32,
    workload: Workload,
    arrivals: Arrivals,
    store: CacheStore,
    lookups: Station<LookupJob>,
    lookup_time: ServiceSampler,
    lookup_rng: Rng,
    /// Lookups take no time and never wait: done inline, no event.
    instant_lookup: bool,
    db: Database,
    recorder: Recorder,
    end: SimTime,
    diverged: bool,
}

impl<'m> System<'m> {
    fn new(model: &'m Model) -> Self {
        let streams = RandomStreams::new(model.run.seed);
        let keys = model.workload.keys;
        let mut queue = EventQueue::new();
        let timeouts = queue.add_lane();
        let cache = &model.cache;
        let lookup_lane = match (cache.lookup, cache.servers) {
            (ServiceTime::Deterministic { .. }, None) => Some(queue.add_lane()),
            _ => None,
        };
        let mut store = CacheStore::new(
            cache,
            keys,
            streams.stream(stream::EVICTION),
            streams.stream(stream::TTL_JITTER),
        );
        if cache.warm_start {
            // Key k is the (k+1)-th most popular: fill with the hottest keys.
            for key in 0..cache.capacity.min(keys) {
                store.store(key, 0, SimTime::ZERO);
            }
        }
        System {
            model,
            queue,
            timeouts,
            lookup_lane,
            requests: Slab::new(),
            in_flight: Level::default(),
            next_attempt: 0,
            workload: Workload::new(
                &model.workload,
                streams.stream(stream::KEYS),
                streams.stream(stream::OPS),
            ),
            arrivals: Arrivals::new(&model.clients, streams.stream(stream::ARRIVALS)),
            store,
            lookups: Station::new(cache.servers, None),
            lookup_time: cache.lookup.sampler(),
            lookup_rng: streams.stream(stream::CACHE_SERVICE),
            instant_lookup: cache.lookup.is_zero() && cache.servers.is_none(),
            db: Database::new(&model.db, keys, streams.stream(stream::DB_SERVICE)),
            recorder: Recorder::new(RecorderConfig {
                window: model.run.window,
                warmup: model.run.warmup,
                duration: model.run.duration,
                db_servers: model.db.servers,
            }),
            end: model.run.duration,
            diverged: false,
        }
    }

    fn run(mut self) -> RunResult {
        let first = self.arrivals.next_gap();
        if first < self.end {
            self.queue.schedule(first, Event::Arrival);
        }
        while let Some(at) = self.queue.peek_time() {
            if at >= self.end {
                break;
            }
            let (now, event) = self.queue.pop().expect("an event was peeked");
            self.pass_marks(now);
            match event {
                Event::Arrival => self.on_arrival(now),
                Event::LookupDone { slot } => self.on_lookup_done(slot, now),
                Event::QueryDone { slot } => self.on_query_done(slot, now),
                Event::Timeout { request, attempt } => self.on_timeout(request, attempt, now),
            }
            if self.diverged {
                break;
            }
        }
        let end = if self.diverged {
            self.queue.now()
        } else {
            self.end
        };
        while self.recorder.next_mark() < end {
            self.mark();
        }
        let run_end = RunEnd {
            seed: self.model.run.seed,
            status: if self.diverged {
                Status::Diverged
            } else {
                Status::Ok
            },
            end,
            gauges: self.gauges(end),
            events: self.queue.popped(),
            unfinished: self.requests.iter().filter(|(_, r)| r.measured).count() as u64,
            in_flight_max: self.in_flight.max(),
            cache_evictions: self.store.stats().evictions,
            cache_expirations: self.store.stats().expirations,
            disturbance_end: None,
        };
        let (summary, windows) = self.recorder.finish(run_end, &self.model.slo);
        RunResult { summary, windows }
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
        self.recorder.mark(at, gauges);
    }

    fn gauges(&self, at: SimTime) -> Gauges {
        Gauges {
            db_busy: self.db.station().busy().area_at(at),
            db_queue: self.db.station().queued().area_at(at),
            cache_queue: self.lookups.queued().area_at(at),
            in_flight: self.in_flight.area_at(at),
            cache_entries: self.store.len() as u64,
        }
    }

    fn on_arrival(&mut self, now: SimTime) {
        let next = now + self.arrivals.next_gap();
        if next < self.end {
            self.queue.schedule(next, Event::Arrival);
        }
        // Drawn before the guard so that the key and operation streams stay
        // aligned with arrivals whatever happens downstream.
        let key = self.workload.next_key();
        let op = self.workload.next_op();
        let queued = (self.db.station().queue_len() + self.lookups.queue_len()) as u64;
        let limit = self.model.run.max_in_flight;
        if self.requests.len() as u64 >= limit || queued >= limit {
            self.diverged = true;
            return;
        }
        let measured = self.recorder.measures(now);
        self.recorder.arrival(measured);
        let request = self.requests.insert(Request {
            key,
            op,
            arrived: now,
            attempt: 0,
            attempts: 0,
            measured,
        });
        self.in_flight.add(1, now);
        self.start_attempt(request, now);
    }

    fn start_attempt(&mut self, request: u32, now: SimTime) {
        let attempt = self.next_attempt;
        self.next_attempt = self.next_attempt.wrapping_add(1);
        let r = self.requests.get_mut(request).expect("a live request");
        r.attempt = attempt;
        r.attempts += 1;
        let (key, op, measured) = (r.key, r.op, r.measured);
        self.recorder.attempt(measured);
        if let Some(timeout) = self.model.clients.timeout {
            self.queue.schedule_on(
                self.timeouts,
                now + timeout,
                Event::Timeout { request, attempt },
            );
        }
        match op {
            Op::Read => self.send_lookup(request, attempt, now),
            Op::Write => self.send_query(request, attempt, key, Op::Write, now),
        }
    }

    fn send_lookup(&mut self, request: u32, attempt: u32, now: SimTime) {
        if self.instant_lookup {
            return self.lookup(request, attempt, now);
        }
        match self.lookups.arrive(LookupJob { request, attempt }, now) {
            Admission::Started(slot) => self.start_lookup(slot, now),
            Admission::Queued => {}
            Admission::Rejected => unreachable!("the cache's waiting line is unbounded"),
        }
    }

    fn start_lookup(&mut self, slot: u32, now: SimTime) {
        let done = now + self.lookup_time.sample(&mut self.lookup_rng);
        let event = Event::LookupDone { slot };
        match self.lookup_lane {
            Some(lane) => self.queue.schedule_on(lane, done, event),
            None => self.queue.schedule(done, event),
        }
    }

    fn on_lookup_done(&mut self, slot: u32, now: SimTime) {
        let (job, next) = self.lookups.finish(slot, now);
        if let Some(next) = next {
            self.start_lookup(next.slot, now);
        }
        if self.is_live(job.request, job.attempt) {
            self.lookup(job.request, job.attempt, now);
        }
    }

    /// The cache answers a live attempt's lookup.
    fn lookup(&mut self, request: u32, attempt: u32, now: SimTime) {
        let key = self.requests.get(request).expect("a live request").key;
        match self.store.lookup(key, now) {
            Lookup::Hit { version } => {
                self.recorder.lookup(true, now);
                let stale = version < self.db.version(key);
                self.succeed(request, now, Some(stale));
            }
            Lookup::Miss => {
                self.recorder.lookup(false, now);
                self.send_query(request, attempt, key, Op::Read, now);
            }
        }
    }

    fn send_query(&mut self, request: u32, attempt: u32, key: u32, op: Op, now: SimTime) {
        let job = DbJob {
            request,
            attempt,
            key,
            op,
            snapshot: 0,
        };
        match self.db.submit(job, now) {
            Admission::Started(slot) => {
                self.recorder.db_admitted(now);
                self.recorder.db_started(SimTime::ZERO, now);
                let done = self.db.start(slot, now);
                self.queue.schedule(done, Event::QueryDone { slot });
            }
            Admission::Queued => self.recorder.db_admitted(now),
            Admission::Rejected => self.attempt_failed(request, FailureCause::Rejected, now),
        }
    }

    fn on_query_done(&mut self, slot: u32, now: SimTime) {
        let (job, next) = self.db.complete(slot, now);
        if let Some(next) = next {
            self.recorder.db_started(next.waited, now);
            let done = self.db.start(next.slot, now);
            self.queue
                .schedule(done, Event::QueryDone { slot: next.slot });
        }
        if job.op == Op::Write {
            self.invalidate(job.key, now);
        }
        if !self.is_live(job.request, job.attempt) {
            return;
        }
        match job.op {
            Op::Read => {
                // Look-aside fill by the client that is still waiting.
                self.store.store(job.key, job.snapshot, now);
                let stale = job.snapshot < self.db.version(job.key);
                self.succeed(job.request, now, Some(stale));
            }
            Op::Write => self.succeed(job.request, now, None),
        }
    }

    /// The database committed a write to `key`.
    fn invalidate(&mut self, key: u32, now: SimTime) {
        match self.model.cache.invalidation {
            Invalidation::TtlOnly => {}
            Invalidation::Delete => self.store.delete(key),
            Invalidation::Update => self.store.store(key, self.db.version(key), now),
        }
    }

    fn on_timeout(&mut self, request: u32, attempt: u32, now: SimTime) {
        if self.is_live(request, attempt) {
            self.attempt_failed(request, FailureCause::Timeout, now);
        }
    }

    fn is_live(&self, request: u32, attempt: u32) -> bool {
        self.requests
            .get(request)
            .is_some_and(|r| r.is_live(attempt))
    }

    /// The live attempt failed: retry at once if attempts remain.
    fn attempt_failed(&mut self, request: u32, cause: FailureCause, now: SimTime) {
        let attempts = self.requests.get(request).expect("a live request").attempts;
        if attempts < self.model.clients.max_attempts {
            self.start_attempt(request, now);
        } else {
            let r = self.finish(request, now);
            self.recorder.failure(cause, r.measured);
        }
    }

    fn succeed(&mut self, request: u32, now: SimTime, read_stale: Option<bool>) {
        let r = self.finish(request, now);
        self.recorder
            .success(now - r.arrived, read_stale, r.measured);
    }

    /// The request has its final answer: it leaves the system.
    fn finish(&mut self, request: u32, now: SimTime) -> Request {
        self.in_flight.sub(1, now);
        self.requests
            .remove(request)
            .expect("a request ends exactly once")
    }
}
