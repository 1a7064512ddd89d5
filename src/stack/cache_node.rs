//! One cache node: its store, its lookup servers, the leases and flights
//! that guard its fills, and its health.
//!
//! A node answers what happened — a lookup's result, whether a fill was
//! stored, when a lookup's service ends — and never schedules or records:
//! the system does that with the outcome (see `system/mod.rs`).

use rand::RngExt;

use crate::engine::{Lane, RandomStreams, Rng, SimTime};
use crate::metrics::NodeGauge;

use super::cache::{CacheConfig, CacheStore, Invalidation, Lookup, Stored};
use super::item_size::KeySizes;
use super::lease::Leases;
use super::service_time::ServiceSampler;
use super::stampede::{Flights, Stampede};
use super::station::{Admission, Discipline, Started, Station};
use super::stream::{Purpose, stream};

/// A lookup in a node's station: which attempt sent it.
#[derive(Debug, Clone, Copy)]
pub struct LookupJob {
    pub request: u32,
    pub attempt: u32,
}

/// What the active faults mean for one node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CacheHealth {
    /// The process is gone: nothing is looked up, stored or invalidated.
    pub down: bool,
    /// Lookups take this many times longer.
    pub slowdown: f64,
    /// Every invalidation sent to it is dropped.
    pub invalidations_dropped: bool,
}

impl CacheHealth {
    pub const HEALTHY: CacheHealth = CacheHealth { down: false, slowdown: 1.0, invalidations_dropped: false };
}

/// What became of a fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// The node is down: nothing to store into.
    Down,
    /// The lease it carried is no longer valid: dropped.
    LeaseLost,
    Stored(Stored),
}

/// How a node's lookups are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// No time and no waiting: answered inline.
    Instant,
    /// Unlimited servers: every lookup starts at once.
    Unlimited,
    /// Limited servers: a station with a waiting line.
    Station,
}

/// One cache node.
#[derive(Debug)]
pub struct CacheNode {
    pub store: CacheStore,
    pub service: Service,
    /// The station of limited lookup servers (`Service::Station`).
    lookups: Option<Station<LookupJob>>,
    lookup_time: ServiceSampler,
    lookup_rng: Rng,
    /// Lookups of constant duration on unlimited servers end in the order
    /// they start: a lane of the event queue instead of the heap.
    pub lookup_lane: Option<Lane>,
    pub leases: Option<Leases>,
    pub flights: Option<Flights>,
    pub refresh_rng: Rng,
    invalidation_rng: Rng,
    pub health: CacheHealth,
    /// Lookups that reached the node, and the hits among them, since the
    /// start (for `nodes.csv`).
    lookups_seen: u64,
    hits: u64,
}

impl CacheNode {
    /// Node `id` of a tier configured by `config`, over `keys` keys.
    pub fn new(
        config: &CacheConfig,
        keys: u32,
        id: u16,
        streams: &RandomStreams,
        lane: Option<Lane>,
    ) -> Self {
        let store = CacheStore::new(
            config,
            keys,
            stream(streams, Purpose::Eviction, id),
            stream(streams, Purpose::TtlJitter, id),
        );
        CacheNode {
            store,
            service: Self::service_of(config),
            lookups: config.servers.map(|servers| Station::new(Some(servers), None, Discipline::Fifo)),
            lookup_time: config.lookup.sampler(),
            lookup_rng: stream(streams, Purpose::CacheService, id),
            lookup_lane: lane,
            leases: (config.invalidation == Invalidation::Lease).then(|| Leases::new(keys, config.lease_ttl)),
            flights: (config.stampede == Stampede::Coalesce).then(|| Flights::new(keys)),
            refresh_rng: stream(streams, Purpose::Refresh, id),
            invalidation_rng: stream(streams, Purpose::Invalidation, id),
            health: CacheHealth::HEALTHY,
            lookups_seen: 0,
            hits: 0,
        }
    }

    /// Takes a changed configuration (see `scenario::changes`): TTLs
    /// (for what is stored too), leases and single flight switched
    /// on or off (flights under way still land), and a resized pool of
    /// lookup servers, whose newly started lookups are returned.
    pub fn reconfigure(&mut self, config: &CacheConfig, keys: u32, now: SimTime) -> Vec<Started> {
        self.store.retime(config, now);
        let leasing = config.invalidation == Invalidation::Lease;
        if leasing != self.leases.is_some() {
            self.leases = leasing.then(|| Leases::new(keys, config.lease_ttl));
        }
        let coalescing = config.stampede == Stampede::Coalesce;
        match &mut self.flights {
            Some(flights) => flights.accepting = coalescing,
            None if coalescing => self.flights = Some(Flights::new(keys)),
            None => {}
        }
        match (self.lookups.as_mut(), config.servers) {
            (Some(station), Some(servers)) => station.resize(servers, now, |_| false).0,
            _ => Vec::new(),
        }
    }

    /// A restart with a changed store (size, memory or policy): node `id`
    /// comes back empty, its store drawing from `streams` (a restart's
    /// own, so the new store's choices are not the old one's).
    pub fn restart_store(&mut self, config: &CacheConfig, keys: u32, id: u16, streams: &RandomStreams) {
        self.store = self.store.restarted(
            config,
            keys,
            stream(streams, Purpose::Eviction, id),
            stream(streams, Purpose::TtlJitter, id),
        );
    }

    /// How a node of `config` serves lookups.
    pub fn service_of(config: &CacheConfig) -> Service {
        match config.servers {
            Some(_) => Service::Station,
            None if config.lookup.is_zero() => Service::Instant,
            None => Service::Unlimited,
        }
    }

    /// A lookup arrives at the station (`Service::Station` only).
    #[inline(always)]
    pub fn arrive(&mut self, job: LookupJob, now: SimTime) -> Admission {
        self.lookups.as_mut().expect("a station serves limited servers").arrive(job, now)
    }

    /// The lookup in `slot` ends: returns it and the waiting one that takes
    /// its server, if any.
    pub fn finish(&mut self, slot: u32, now: SimTime) -> (LookupJob, Option<Started>) {
        let lookups = self.lookups.as_mut().expect("a station serves limited servers");
        let (job, next, _) = lookups.finish(slot, now, |_| false);
        (job, next)
    }

    /// A lookup starts service at `now`: when it ends.
    #[inline(always)]
    pub fn service_end(&mut self, now: SimTime) -> SimTime {
        let service = self.lookup_time.sample(&mut self.lookup_rng);
        let slowdown = self.health.slowdown;
        if slowdown == 1.0 {
            now + service
        } else {
            now + SimTime::from_ns_f64(service.as_nanos() as f64 * slowdown)
        }
    }

    /// Looks `key` up (the node is up), and counts the lookup: a stale
    /// serve is a hit.
    #[inline(always)]
    pub fn lookup(&mut self, key: u32, now: SimTime) -> Lookup {
        let found = self.store.lookup(key, now);
        self.lookups_seen += 1;
        self.hits += u64::from(!matches!(found, Lookup::Miss { .. }));
        found
    }

    /// A lookup found the node down: a miss.
    pub fn count_unreachable(&mut self) {
        self.lookups_seen += 1;
    }

    /// Stores a fetched `version` of `key` (of its size in `sizes`), if the
    /// node is up and the fill's `lease` (0: none) is still valid.
    #[inline(always)]
    pub fn fill(
        &mut self,
        key: u32,
        version: u32,
        lease: u32,
        fetch_time: SimTime,
        sizes: &KeySizes,
        now: SimTime,
    ) -> Fill {
        if self.health.down {
            return Fill::Down;
        }
        if let Some(leases) = &mut self.leases
            && !leases.redeem(key, lease, now)
        {
            return Fill::LeaseLost;
        }
        Fill::Stored(self.store.store(key, version, now, fetch_time, sizes))
    }

    /// Whether an invalidation sent to this node is lost on the way: a
    /// fault drops them all, or one draw against `loss`.
    pub fn invalidation_lost(&mut self, loss: f64) -> bool {
        self.health.invalidations_dropped
            || (loss > 0.0 && (loss >= 1.0 || self.invalidation_rng.random_bool(loss)))
    }

    /// An invalidation of `key` arrives; `version` is the committed one
    /// (what write-through stores).
    pub fn invalidate(&mut self, key: u32, mode: Invalidation, version: u32, sizes: &KeySizes, now: SimTime) {
        if self.health.down {
            // Nothing to invalidate: the node returns empty.
            return;
        }
        match mode {
            Invalidation::TtlOnly => {}
            Invalidation::Delete => self.store.delete(key),
            Invalidation::Lease => {
                self.store.delete(key);
                if let Some(leases) = &mut self.leases {
                    leases.void(key);
                }
            }
            Invalidation::Update => {
                self.store.store(key, version, now, SimTime::ZERO, sizes);
            }
        }
    }

    /// Waiting lookups.
    pub fn queue_len(&self) -> usize {
        self.lookups.as_ref().map_or(0, |l| l.queue_len())
    }

    /// The node's levels and counts at `at`; bytes held if items have
    /// sizes (`sizes_known`).
    pub fn gauge(&self, at: SimTime, sizes_known: bool) -> NodeGauge {
        let (busy, queued) =
            self.lookups.as_ref().map_or((0, 0), |l| (l.busy().area_at(at), l.queued().area_at(at)));
        NodeGauge {
            busy,
            queued,
            entries: Some(self.store.len() as u64),
            bytes: sizes_known.then(|| self.store.bytes()),
            lookups: Some(self.lookups_seen),
            hits: Some(self.hits),
            lag: None,
        }
    }
}
