//! The cache's key–value store: versioned entries in a fixed number of
//! slots, expiry by TTL, and an eviction policy.
//!
//! Expiry is lazy, as in memcached: an expired entry keeps its slot until a
//! lookup finds it (a miss, and the entry is dropped) or eviction takes it.
//! The queueing side of the cache (servers, lookup time) is a
//! [`Station`](super::station::Station) in front of this store.

use rand::RngExt;

use crate::engine::{Rng, SimTime};

use super::eviction::{Eviction, EvictionKind};
use super::service_time::ServiceTime;

/// When a TTL runs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TtlMode {
    /// From the moment the entry was stored.
    Insertion,
    /// From the entry's last hit (or store).
    Idle,
}

/// What the cache does when the database commits a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalidation {
    /// Nothing: readers see the old version until its TTL runs out.
    TtlOnly,
    /// Delete the key; the next read misses and fetches the new version.
    Delete,
    /// Write-through: store the new version.
    Update,
}

/// The cache as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheConfig {
    /// Entries the store holds; 0 turns caching off (every lookup misses).
    pub capacity: u32,
    pub eviction: EvictionKind,
    /// Entry lifetime; `None`: entries never expire.
    pub ttl: Option<SimTime>,
    pub ttl_mode: TtlMode,
    /// Spread of each entry's TTL, as a fraction: a TTL is drawn uniformly
    /// from `ttl × [1 − jitter, 1 + jitter]`, so entries filled together do
    /// not all expire together. 0: every entry lives exactly `ttl`.
    pub ttl_jitter: f64,
    pub invalidation: Invalidation,
    /// Start filled with the `capacity` most popular keys.
    pub warm_start: bool,
    /// Service time of one lookup.
    pub lookup: ServiceTime,
    /// Parallel lookups; `None`: unlimited.
    pub servers: Option<u32>,
}

/// The result of a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The entry, with the version of the value it holds.
    Hit {
        version: u32,
    },
    Miss,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    key: u32,
    version: u32,
    expires: SimTime,
}

const ABSENT: u32 = u32::MAX;

/// Cache contents; see the module documentation.
#[derive(Debug, Clone)]
pub struct CacheStore {
    capacity: u32,
    ttl: Option<SimTime>,
    ttl_mode: TtlMode,
    ttl_jitter: f64,
    jitter_rng: Rng,
    /// Slot of each key, or `ABSENT`: one `u32` per key.
    slot_of: Vec<u32>,
    entries: Vec<Entry>,
    free: Vec<u32>,
    eviction: Eviction,
    stats: StoreStats,
}

/// Counts of what happened to entries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    pub evictions: u64,
    pub expirations: u64,
    /// Stores turned away by a full cache that never evicts.
    pub rejected_stores: u64,
}

impl CacheStore {
    /// An empty store; `eviction_rng` drives RANDOM eviction, `jitter_rng`
    /// the TTL jitter.
    pub fn new(config: &CacheConfig, keys: u32, eviction_rng: Rng, jitter_rng: Rng) -> Self {
        let capacity = config.capacity;
        CacheStore {
            capacity,
            ttl: config.ttl,
            ttl_mode: config.ttl_mode,
            ttl_jitter: config.ttl_jitter,
            jitter_rng,
            slot_of: vec![ABSENT; keys as usize],
            entries: Vec::with_capacity(capacity as usize),
            free: Vec::new(),
            eviction: Eviction::new(config.eviction, capacity, keys, eviction_rng),
            stats: StoreStats::default(),
        }
    }

    /// Number of entries held, expired ones not yet dropped included.
    pub fn len(&self) -> usize {
        self.entries.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn stats(&self) -> StoreStats {
        self.stats
    }

    /// Looks `key` up at `now`. A hit counts as an access (LRU order, idle
    /// TTL); an expired entry is dropped and reported as a miss.
    pub fn lookup(&mut self, key: u32, now: SimTime) -> Lookup {
        let slot = self.slot_of[key as usize];
        if slot == ABSENT {
            return Lookup::Miss;
        }
        let entry = &mut self.entries[slot as usize];
        if entry.expires <= now {
            self.stats.expirations += 1;
            self.remove_slot(slot);
            return Lookup::Miss;
        }
        if self.ttl_mode == TtlMode::Idle {
            entry.expires = self.ttl.map_or(SimTime::MAX, |ttl| now.saturating_add(ttl));
        }
        let version = entry.version;
        self.eviction.on_access(slot);
        Lookup::Hit { version }
    }

    /// Stores `version` of `key` (a fill or a write-through), overwriting
    /// what is there and evicting another entry if the cache is full.
    pub fn store(&mut self, key: u32, version: u32, now: SimTime) {
        if self.capacity == 0 {
            return;
        }
        let expires = self.expiry(now);
        let slot = self.slot_of[key as usize];
        if slot != ABSENT {
            self.entries[slot as usize] = Entry {
                key,
                version,
                expires,
            };
            self.eviction.on_access(slot);
            return;
        }
        let slot = if let Some(slot) = self.free.pop() {
            slot
        } else if self.entries.len() < self.capacity as usize {
            self.entries.push(Entry {
                key,
                version,
                expires,
            });
            self.entries.len() as u32 - 1
        } else {
            let Some(victim) = self.eviction.victim() else {
                // A policy that never evicts: the newcomer is turned away.
                self.stats.rejected_stores += 1;
                return;
            };
            self.stats.evictions += 1;
            self.remove_slot(victim);
            self.free.pop().expect("the victim's slot was freed")
        };
        self.entries[slot as usize] = Entry {
            key,
            version,
            expires,
        };
        self.slot_of[key as usize] = slot;
        self.eviction.on_insert(slot, key);
    }

    /// Removes `key` if present.
    pub fn delete(&mut self, key: u32) {
        let slot = self.slot_of[key as usize];
        if slot != ABSENT {
            self.remove_slot(slot);
        }
    }

    /// Whether `key` has an entry (expired or not).
    pub fn contains(&self, key: u32) -> bool {
        self.slot_of[key as usize] != ABSENT
    }

    /// When an entry stored at `now` expires.
    fn expiry(&mut self, now: SimTime) -> SimTime {
        let Some(ttl) = self.ttl else {
            return SimTime::MAX;
        };
        if self.ttl_jitter == 0.0 {
            return now.saturating_add(ttl);
        }
        let factor = 1.0 + self.ttl_jitter * (2.0 * self.jitter_rng.random::<f64>() - 1.0);
        now.saturating_add(SimTime((ttl.as_nanos() as f64 * factor).round() as u64))
    }

    fn remove_slot(&mut self, slot: u32) {
        let key = self.entries[slot as usize].key;
        self.slot_of[key as usize] = ABSENT;
        self.eviction.on_remove(slot);
        self.free.push(slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;

    fn store(capacity: u32, ttl: Option<SimTime>, ttl_mode: TtlMode) -> CacheStore {
        let config = CacheConfig {
            capacity,
            eviction: EvictionKind::Lru,
            ttl,
            ttl_mode,
            ttl_jitter: 0.0,
            invalidation: Invalidation::Delete,
            warm_start: false,
            lookup: ServiceTime::Deterministic { mean_ms: 0.0 },
            servers: None,
        };
        CacheStore::new(
            &config,
            10,
            RandomStreams::new(1).stream(0),
            RandomStreams::new(1).stream(1),
        )
    }

    #[test]
    fn stores_evicts_and_deletes() {
        let mut s = store(2, None, TtlMode::Insertion);
        let t = SimTime::ZERO;
        s.store(1, 7, t);
        s.store(2, 3, t);
        assert_eq!(s.lookup(1, t), Lookup::Hit { version: 7 });
        s.store(3, 0, t); // evicts 2, the least recently used
        assert_eq!(s.lookup(2, t), Lookup::Miss);
        assert_eq!(s.stats().evictions, 1);
        s.delete(1);
        assert_eq!(s.lookup(1, t), Lookup::Miss);
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn ttl_expires_from_insertion_or_from_last_hit() {
        let ttl = Some(SimTime(10));
        let mut ins = store(2, ttl, TtlMode::Insertion);
        let mut idle = store(2, ttl, TtlMode::Idle);
        for s in [&mut ins, &mut idle] {
            s.store(1, 0, SimTime(0));
            assert!(matches!(s.lookup(1, SimTime(8)), Lookup::Hit { .. }));
        }
        assert_eq!(ins.lookup(1, SimTime(12)), Lookup::Miss);
        assert_eq!(ins.stats().expirations, 1);
        assert!(matches!(idle.lookup(1, SimTime(12)), Lookup::Hit { .. }));
        assert_eq!(idle.lookup(1, SimTime(22)), Lookup::Miss);
    }

    #[test]
    fn capacity_zero_caches_nothing() {
        let mut s = store(0, None, TtlMode::Insertion);
        s.store(1, 0, SimTime::ZERO);
        assert_eq!(s.lookup(1, SimTime::ZERO), Lookup::Miss);
        assert!(s.is_empty());
    }
}
