//! The database: the source of truth for every key's version, behind a
//! connection pool (servers) and a waiting line.
//!
//! A read sees the database as of the moment its service starts (a
//! snapshot); a write commits, making a new version, when its service ends.
//! A write that commits while a read of the same key is in service therefore
//! makes that read's answer outdated on arrival: the read/write race behind
//! stale cache fills arises from the event order alone.

use crate::engine::{Rng, SimTime};

use super::service_time::{ServiceSampler, ServiceTime};
use super::station::{Admission, Started, Station};
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
}

/// A query: which request's attempt sent it, and what it does.
#[derive(Debug, Clone, Copy)]
pub struct DbJob {
    pub request: u32,
    pub attempt: u32,
    pub key: u32,
    pub op: Op,
    /// For a read, the version it sees; set when service starts.
    pub snapshot: u32,
}

/// Versions per key and the station that serves queries.
#[derive(Debug, Clone)]
pub struct Database {
    versions: Vec<u32>,
    station: Station<DbJob>,
    read: ServiceSampler,
    write: ServiceSampler,
    rng: Rng,
}

impl Database {
    pub fn new(config: &DbConfig, keys: u32, rng: Rng) -> Self {
        Database {
            versions: vec![0; keys as usize],
            station: Station::new(Some(config.servers), config.queue_limit),
            read: config.read.sampler(),
            write: config.write.sampler(),
            rng,
        }
    }

    pub fn station(&self) -> &Station<DbJob> {
        &self.station
    }

    /// The committed version of `key`.
    pub fn version(&self, key: u32) -> u32 {
        self.versions[key as usize]
    }

    /// A query arrives. If it starts at once, the caller must call
    /// [`start`](Self::start) with its slot.
    pub fn submit(&mut self, job: DbJob, now: SimTime) -> Admission {
        self.station.arrive(job, now)
    }

    /// Begins serving the query in `slot`: takes the read snapshot and
    /// returns when service will end.
    pub fn start(&mut self, slot: u32, now: SimTime) -> SimTime {
        let job = self.station.job_mut(slot);
        job.snapshot = self.versions[job.key as usize];
        let sampler = match job.op {
            Op::Read => &self.read,
            Op::Write => &self.write,
        };
        now + sampler.sample(&mut self.rng)
    }

    /// Ends the query in `slot`: a write commits. Returns the query, and the
    /// next one to [`start`](Self::start) if a waiting query takes the server.
    pub fn complete(&mut self, slot: u32, now: SimTime) -> (DbJob, Option<Started>) {
        let (job, next) = self.station.finish(slot, now);
        if job.op == Op::Write {
            self.versions[job.key as usize] += 1;
        }
        (job, next)
    }
}
