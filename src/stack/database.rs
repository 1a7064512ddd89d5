//! The database: the source of truth for every key's version, behind a
//! connection pool (servers) and a waiting line.
//!
//! A read sees the database as of the moment its service starts (a
//! snapshot); a write commits, making a new version, when its service ends.
//! A write that commits while a read of the same key is in service therefore
//! makes that read's answer outdated on arrival: the read/write race behind
//! stale cache fills arises from the event order alone.

use crate::engine::{RandomStreams, Rng, SimTime};
use crate::metrics::NodeGauge;

use super::ids::CacheNodeId;
use super::service_time::{ServiceSampler, ServiceTime};
use super::station::{Admission, Discipline, Started, Station};
use super::stream::{Purpose, stream};
use super::workload::Op;

/// The database as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct DbConfig {
    /// Connection pool size: queries served in parallel.
    pub servers: u32,
    /// Waiting slots beyond the servers; `None`: unbounded.
    pub queue_limit: Option<u64>,
    pub read: ServiceTime,
    pub write: ServiceTime,
    /// Which waiting query a freed connection takes.
    pub discipline: Discipline,
    /// A query that waited this long leaves unserved and its client gets an
    /// error at once (load shedding); `None`: queries wait as long as it takes.
    pub queue_timeout: Option<SimTime>,
    /// Whether a waiting query whose client gave up is dropped when it
    /// reaches the head of the line (`false`: it is served anyway — wasted
    /// work, what keeps an overloaded database overloaded).
    pub cancel_on_timeout: bool,
    /// Service stretches with load: a query starting with a share `u` of
    /// connections busy (itself included) takes `1 + contention·u` times
    /// its drawn service time. 0: no contention.
    pub contention: f64,
    /// Read replicas beside the primary, each with `servers` connections
    /// and the same service times.
    pub replicas: u16,
    /// How long after a commit each replica applies it (one draw per write
    /// per replica).
    pub replica_lag: ServiceTime,
    pub read_from: ReadFrom,
    /// How long after the primary goes down a replica is promoted.
    pub failover: SimTime,
}

crate::names::named_enum! {
    /// Where reads go when there are replicas (writes: always the primary).
    pub enum ReadFrom {
        Primary = "primary",
        /// The replica with the least outstanding work.
        Replicas = "replicas",
    }
}

/// Why a query was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryOrigin {
    /// A client's own attempt.
    Client,
    /// The leader of a single flight: its answer serves every waiter.
    Flight,
    /// A reader refreshing a live entry before it expires (XFetch).
    EarlyRefresh,
    /// A background refresh of an entry served stale; no client waits.
    Revalidation,
    /// Lost with its node (`db-down`): its completion still comes, and is
    /// discarded — a write does not commit.
    Lost,
}

/// A query: who sent it, and what it does.
#[derive(Debug, Clone, Copy)]
pub struct DbJob {
    pub request: u32,
    pub attempt: u32,
    pub key: u32,
    pub op: Op,
    pub origin: QueryOrigin,
    /// The lease token the fill must present (0: none).
    pub lease: u32,
    /// When the query was sent: its answer's age is measured from here.
    pub sent: SimTime,
    /// When its service started.
    pub started: SimTime,
    /// For a read, the version it sees; set when service starts.
    pub snapshot: u32,
    /// For a read, the cache node whose miss sent it: its leases and
    /// flights guard the fetch, and it gets the fill — even if the key has
    /// moved since (a node lost or returned while the query ran).
    pub node: CacheNodeId,
}

/// What the active faults mean for one database node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DbHealth {
    /// The node is gone: it refuses queries.
    pub down: bool,
    /// While paused, when the (last) pause ends.
    pub pause_end: Option<SimTime>,
    /// Queries take this many times longer.
    pub slowdown: f64,
    /// As a replica, it applies writes this many times later.
    pub lag_factor: f64,
}

impl DbHealth {
    pub const HEALTHY: DbHealth = DbHealth { down: false, pause_end: None, slowdown: 1.0, lag_factor: 1.0 };
}

/// Commit times kept per key, to age stale reads: exact while a stale read
/// is fewer than this many versions behind.
const HISTORY: usize = 4;

/// One database node: versions per key and the station that serves
/// queries.
#[derive(Debug, Clone)]
pub struct Database {
    versions: Vec<u32>,
    /// Commit time of version v at `[v % HISTORY]`; allocated at the first
    /// write, so read-only models pay nothing.
    commits: Vec<[SimTime; HISTORY]>,
    keys: u32,
    station: Station<DbJob>,
    servers: u32,
    contention: f64,
    read: ServiceSampler,
    write: ServiceSampler,
    rng: Rng,
    pub health: DbHealth,
}

impl Database {
    /// Node `id` of a tier configured by `config`, over `keys` keys.
    pub fn new(config: &DbConfig, keys: u32, id: u16, streams: &RandomStreams) -> Self {
        Database {
            versions: vec![0; keys as usize],
            commits: Vec::new(),
            keys,
            station: Station::new(Some(config.servers), config.queue_limit, config.discipline),
            servers: config.servers,
            contention: config.contention,
            read: config.read.sampler(),
            write: config.write.sampler(),
            rng: stream(streams, Purpose::DbService, id),
            health: DbHealth::HEALTHY,
        }
    }

    /// Takes a changed pool size and queue limit: queries that can start
    /// on new connections start now (returned; those `dropped` discarded
    /// and counted).
    pub fn reconfigure(
        &mut self,
        config: &DbConfig,
        now: SimTime,
        dropped: impl Fn(&DbJob) -> bool,
    ) -> (Vec<Started>, u32) {
        self.servers = config.servers;
        self.station.set_queue_limit(config.queue_limit);
        self.station.resize(config.servers, now, dropped)
    }

    pub fn station(&self) -> &Station<DbJob> {
        &self.station
    }

    /// The committed version of `key`.
    pub fn version(&self, key: u32) -> u32 {
        self.versions[key as usize]
    }

    /// A replica applies `version` of `key` (replication keeps commit
    /// order: an older version never replaces a newer one).
    pub fn apply(&mut self, key: u32, version: u32) {
        let v = &mut self.versions[key as usize];
        *v = (*v).max(version);
    }

    /// Takes every version (and commit time) `other` has that this node
    /// lacks: a promoted replica finishing its relay log, or a node that
    /// returns resynchronising before it serves.
    pub fn catch_up(&mut self, other: &Database) {
        for (mine, &theirs) in self.versions.iter_mut().zip(&other.versions) {
            *mine = (*mine).max(theirs);
        }
        if !other.commits.is_empty() {
            self.commits.clone_from(&other.commits);
        }
    }

    /// Whether a version of `key` newer than `version` had been committed
    /// here by `at`: a read that started at `at` and returned `version`
    /// was already outdated when it began. Counts only what the kept
    /// commit times show.
    pub fn outdated_at(&self, key: u32, version: u32, at: SimTime) -> bool {
        let current = self.versions[key as usize];
        if version >= current || self.commits.is_empty() {
            return false;
        }
        let next = (version + 1).max(current.saturating_sub(HISTORY as u32 - 1));
        self.commits[key as usize][next as usize % HISTORY] <= at
    }

    /// The host went down: its queries are lost (see [`Station::close`]);
    /// returns those it held.
    pub fn crash(&mut self, now: SimTime) -> Vec<DbJob> {
        self.station.close(now, |job| {
            let fresh = job.origin != QueryOrigin::Lost;
            job.origin = QueryOrigin::Lost;
            fresh
        })
    }

    /// The host is back, empty-handed: it takes queries again.
    pub fn restart(&mut self) {
        self.station.reopen();
    }

    /// Queries in service or waiting: what least-outstanding routing
    /// compares.
    pub fn outstanding(&self) -> usize {
        self.station.in_service() + self.station.queue_len()
    }

    /// How long ago the version after `version` was committed: the age of
    /// a read that returned `version`. A lower bound when the read is more
    /// than a few versions behind.
    #[inline(always)]
    pub fn staleness(&self, key: u32, version: u32, now: SimTime) -> SimTime {
        let current = self.versions[key as usize];
        if version >= current || self.commits.is_empty() {
            return SimTime::ZERO;
        }
        let next = (version + 1).max(current.saturating_sub(HISTORY as u32 - 1));
        now.saturating_sub(self.commits[key as usize][next as usize % HISTORY])
    }

    /// A query arrives. If it starts at once, the caller must call
    /// [`start`](Self::start) with its slot. Inlined into the request's
    /// first step (see `System::start_attempt`).
    #[inline(always)]
    pub fn submit(&mut self, job: DbJob, now: SimTime) -> Admission {
        self.station.arrive(job, now)
    }

    /// Begins serving the query in `slot`, its service time stretched by
    /// the node's slowdown: takes the read snapshot and returns when
    /// service ends.
    #[inline(always)]
    pub fn start(&mut self, slot: u32, now: SimTime) -> SimTime {
        let slowdown = self.health.slowdown;
        let stretch = if self.contention == 0.0 {
            slowdown
        } else {
            let busy_share = self.station.in_service() as f64 / f64::from(self.servers);
            slowdown * (1.0 + self.contention * busy_share)
        };
        let job = self.station.job_mut(slot);
        job.snapshot = self.versions[job.key as usize];
        job.started = now;
        let sampler = match job.op {
            Op::Read => &self.read,
            Op::Write => &self.write,
        };
        let service = sampler.sample(&mut self.rng);
        if stretch == 1.0 {
            now + service
        } else {
            now + SimTime::from_ns_f64(service.as_nanos() as f64 * stretch)
        }
    }

    /// Ends the query in `slot`: a write commits. Returns the query, the
    /// next one to [`start`](Self::start) if a waiting query takes the
    /// server, and how many waiting queries `dropped` discarded on the way.
    pub fn complete(
        &mut self,
        slot: u32,
        now: SimTime,
        dropped: impl Fn(&DbJob) -> bool,
    ) -> (DbJob, Option<Started>, u32) {
        let (job, next, discarded) = self.station.finish(slot, now, dropped);
        if job.op == Op::Write && job.origin != QueryOrigin::Lost {
            let k = job.key as usize;
            self.versions[k] += 1;
            if self.commits.is_empty() {
                self.commits = vec![[SimTime::ZERO; HISTORY]; self.keys as usize];
            }
            self.commits[k][self.versions[k] as usize % HISTORY] = now;
        }
        (job, next, discarded)
    }

    /// The waiting query with `ticket` timed out: it leaves unserved, if it
    /// still waits.
    pub fn expire(&mut self, ticket: u64, now: SimTime) -> Option<DbJob> {
        self.station.expire(ticket, now)
    }

    /// The node's levels at `at`.
    pub fn gauge(&self, at: SimTime) -> NodeGauge {
        NodeGauge {
            busy: self.station.busy().area_at(at),
            queued: self.station.queued().area_at(at),
            ..NodeGauge::default()
        }
    }

    /// Stops starting queries (a pause); queries in service go on.
    pub fn pause(&mut self) {
        self.station.pause();
    }

    /// Ends a pause: returns the queries that start now, and how many
    /// waiting queries `dropped` discarded on the way.
    pub fn resume(&mut self, now: SimTime, dropped: impl Fn(&DbJob) -> bool) -> (Vec<Started>, u32) {
        self.station.resume(now, dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;

    #[test]
    fn writes_commit_versions_and_stale_reads_are_aged_from_the_next_commit() {
        let config = DbConfig {
            servers: 1,
            queue_limit: None,
            read: ServiceTime::Deterministic { mean_ms: 0.0 },
            write: ServiceTime::Deterministic { mean_ms: 0.0 },
            discipline: Discipline::Fifo,
            queue_timeout: None,
            cancel_on_timeout: false,
            contention: 0.0,
            replicas: 0,
            replica_lag: ServiceTime::Deterministic { mean_ms: 0.0 },
            read_from: ReadFrom::Replicas,
            failover: SimTime::ZERO,
        };
        let mut db = Database::new(&config, 2, 0, &RandomStreams::new(1));
        let write = DbJob {
            request: 0,
            attempt: 0,
            key: 1,
            op: Op::Write,
            origin: QueryOrigin::Client,
            lease: 0,
            sent: SimTime::ZERO,
            started: SimTime::ZERO,
            snapshot: 0,
            node: CacheNodeId(0),
        };
        for t in [10, 20, 30] {
            let Admission::Started(slot) = db.submit(write, SimTime(t)) else { panic!() };
            db.start(slot, SimTime(t));
            db.complete(slot, SimTime(t), |_| false);
        }
        assert_eq!(db.version(1), 3);
        assert_eq!(db.staleness(1, 0, SimTime(100)), SimTime(90), "v1 committed at 10");
        assert_eq!(db.staleness(1, 2, SimTime(100)), SimTime(70), "v3 committed at 30");
        assert_eq!(db.staleness(1, 3, SimTime(100)), SimTime::ZERO);
    }
}
