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
use super::item_size::KeySizes;
use super::placement::ClusterConfig;
use super::service_time::ServiceTime;
use super::stampede::Stampede;

crate::names::named_enum! {
    /// When a TTL runs from.
    pub enum TtlMode {
        /// From the moment the entry was stored.
        Insertion = "insertion",
        /// From the entry's last hit (or store).
        Idle = "idle",
    }
}

crate::names::named_enum! {
    /// What the cache does when the database commits a write.
    pub enum Invalidation {
        /// Nothing: readers see the old version until its TTL runs out.
        TtlOnly = "ttl-only",
        /// Delete the key; the next read misses and fetches the new version.
        Delete = "delete",
        /// Write-through: store the new version.
        Update = "update",
        /// Delete, with memcache-style leases guarding fills (see `lease.rs`).
        Lease = "lease",
    }
}

/// The cache as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheConfig {
    /// Entries the store holds; 0 turns caching off (every lookup misses).
    /// Ignored when `memory` is set.
    pub capacity: u32,
    /// Capacity in bytes instead of entries (`cache.memory_mb`): an item
    /// takes its size.
    pub memory: Option<u64>,
    /// The nodes, how keys are spread over them, and where a lost node's
    /// keys go. Capacity and servers are per node.
    pub cluster: ClusterConfig,
    /// How long an entry lives in a gutter node (`on_node_loss = gutter`).
    pub gutter_ttl: SimTime,
    /// NSDI'13's remote markers: a miss on a key whose last write has not
    /// reached every replica yet reads the primary.
    pub remote_markers: bool,
    pub eviction: EvictionKind,
    /// Entry lifetime; `None`: entries never expire.
    pub ttl: Option<SimTime>,
    pub ttl_mode: TtlMode,
    /// Spread of each entry's TTL, as a fraction: a TTL is drawn uniformly
    /// from `ttl × [1 − jitter, 1 + jitter]`, so entries filled together do
    /// not all expire together. 0: every entry lives exactly `ttl`.
    pub ttl_jitter: f64,
    pub invalidation: Invalidation,
    /// Time from a write's commit to its invalidation reaching the cache.
    pub invalidation_delay: SimTime,
    /// Probability that an invalidation is lost on the way, in [0, 1].
    pub invalidation_loss: f64,
    /// With leases: how long a reader that finds the lease held waits
    /// before reading the cache again.
    pub lease_wait: SimTime,
    /// With leases: a lease not redeemed by then lapses, so a reader that
    /// gave up cannot block a key for ever.
    pub lease_ttl: SimTime,
    pub stampede: Stampede,
    /// Start filled with the `capacity` most popular keys.
    pub warm_start: bool,
    /// Service time of one lookup.
    pub lookup: ServiceTime,
    /// Parallel lookups; `None`: unlimited.
    pub servers: Option<u32>,
    /// While the cache is down, reads go to the database (`true`) or fail.
    pub fail_open: bool,
}

impl CacheConfig {
    /// A bare store of `capacity` entries under `eviction`: no TTL,
    /// delete-on-write, no stampede control, instant lookups. For using the
    /// store on its own (benchmarks, policy comparisons).
    pub fn store_only(capacity: u32, eviction: EvictionKind) -> Self {
        CacheConfig {
            capacity,
            memory: None,
            cluster: ClusterConfig::SINGLE,
            gutter_ttl: SimTime::ZERO,
            remote_markers: false,
            eviction,
            ttl: None,
            ttl_mode: TtlMode::Insertion,
            ttl_jitter: 0.0,
            invalidation: Invalidation::Delete,
            invalidation_delay: SimTime::ZERO,
            invalidation_loss: 0.0,
            lease_wait: SimTime::ZERO,
            lease_ttl: SimTime::ZERO,
            stampede: Stampede::None,
            warm_start: false,
            lookup: ServiceTime::Deterministic { mean_ms: 0.0 },
            servers: None,
            fail_open: true,
        }
    }
}

/// How long an expired entry may still be served.
fn stale_window(config: &CacheConfig) -> SimTime {
    match config.stampede {
        Stampede::StaleWhileRevalidate { window } => window,
        _ => SimTime::ZERO,
    }
}

/// The result of a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// A live entry: the version it holds, when it expires, and how long
    /// the fetch that filled it took (XFetch's δ).
    Hit { version: u32, expires: SimTime, fetch_time: SimTime },
    /// An expired entry still inside the stale-while-revalidate window.
    Stale { version: u32 },
    /// No usable entry; `expired` if one was there but had expired.
    Miss { expired: bool },
}

/// What a store did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new entry (possibly evicting another).
    Inserted,
    /// Replaced an entry; `live` if that entry had not expired yet.
    Replaced { live: bool },
    /// Turned away: the cache is full and never evicts, or holds nothing.
    Rejected,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    key: u32,
    version: u32,
    /// The size it was stored with [bytes; 1 when sizes do not matter].
    size: u32,
    /// A refresh of this entry is in flight (early refresh, revalidation).
    refreshing: bool,
    expires: SimTime,
    fetch_time: SimTime,
}

const ABSENT: u32 = u32::MAX;

/// Cache contents; see the module documentation.
///
/// Capacity is counted in units: entries, or bytes when the cache is sized
/// in memory. An entry takes one unit, or its size in bytes. The rules are
/// libCacheSim's: evict while used + size > capacity; an item larger than
/// the whole store is not stored; an entry keeps the size it was stored
/// with (a replacement keeps the slot and its size). With every size 1 the
/// byte rules are the entry rules, step for step.
#[derive(Debug, Clone)]
pub struct CacheStore {
    capacity: u64,
    /// Units in use.
    used: u64,
    /// Bytes held (the sum of the entries' sizes).
    bytes: u64,
    by_bytes: bool,
    /// The most units an entry takes: its size in bytes (`u32::MAX`), or
    /// 1 counted in entries — `size.min(unit_cap)` is its units, without a
    /// branch (sizes are at least 1).
    unit_cap: u32,
    ttl: Option<SimTime>,
    ttl_mode: TtlMode,
    ttl_jitter: f64,
    jitter_rng: Rng,
    /// How long past expiry an entry may still be served (stale while
    /// revalidate); zero otherwise.
    stale_window: SimTime,
    /// Slot of each key, or `ABSENT`: one `u32` per key.
    slot_of: Vec<u32>,
    entries: Vec<Entry>,
    free: Vec<u32>,
    eviction: Eviction,
    stats: StoreStats,
}

/// Counts of what happened to entries since the start.
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
        let by_bytes = config.memory.is_some();
        let capacity = config.memory.unwrap_or(u64::from(config.capacity));
        // A key has at most one entry: sized in bytes, there are at most
        // as many entries as keys.
        let slots = if by_bytes { keys } else { config.capacity };
        CacheStore {
            capacity,
            used: 0,
            bytes: 0,
            by_bytes,
            unit_cap: if by_bytes { u32::MAX } else { 1 },
            ttl: config.ttl,
            ttl_mode: config.ttl_mode,
            ttl_jitter: config.ttl_jitter,
            jitter_rng,
            stale_window: stale_window(config),
            slot_of: vec![ABSENT; keys as usize],
            entries: Vec::with_capacity(if by_bytes { 0 } else { slots as usize }),
            free: Vec::new(),
            eviction: Eviction::new(config.eviction, slots, capacity, keys, eviction_rng),
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

    /// Whether an item of `size` bytes would be stored without evicting.
    pub fn fits(&self, size: u32) -> bool {
        self.used + u64::from(size.min(self.unit_cap)) <= self.capacity
    }

    /// Bytes held: the sum of the entries' sizes.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Looks `key` up at `now`. A hit counts as an access (LRU order, idle
    /// TTL). An expired entry is dropped and reported as a miss, unless it
    /// is within the stale window: then it stays and is reported stale.
    #[inline]
    pub fn lookup(&mut self, key: u32, now: SimTime) -> Lookup {
        // The absent key inline, the rest out of line: a miss costs a load.
        let slot = self.slot_of[key as usize];
        if slot == ABSENT {
            return Lookup::Miss { expired: false };
        }
        self.lookup_present(slot, now)
    }

    fn lookup_present(&mut self, slot: u32, now: SimTime) -> Lookup {
        let entry = &mut self.entries[slot as usize];
        if entry.expires <= now {
            if now < entry.expires.saturating_add(self.stale_window) {
                return Lookup::Stale { version: entry.version };
            }
            self.stats.expirations += 1;
            self.remove_slot(slot);
            return Lookup::Miss { expired: true };
        }
        if self.ttl_mode == TtlMode::Idle {
            entry.expires = self.ttl.map_or(SimTime::MAX, |ttl| now.saturating_add(ttl));
        }
        let hit =
            Lookup::Hit { version: entry.version, expires: entry.expires, fetch_time: entry.fetch_time };
        self.eviction.on_access(slot);
        hit
    }

    /// Stores `version` of `key` (a fill or a write-through), replacing what
    /// is there and evicting other entries while it does not fit.
    /// `fetch_time` is how long the database fetch took; the item's size
    /// is the key's in `sizes` (looked up only when there is a store).
    #[inline(always)]
    pub fn store(
        &mut self,
        key: u32,
        version: u32,
        now: SimTime,
        fetch_time: SimTime,
        sizes: &KeySizes,
    ) -> Stored {
        if self.capacity == 0 {
            return Stored::Rejected;
        }
        self.store_in(key, version, now, fetch_time, sizes.of(key))
    }

    fn store_in(&mut self, key: u32, version: u32, now: SimTime, fetch_time: SimTime, size: u32) -> Stored {
        // Drawn first, whatever becomes of the store: the jitter stream
        // advances once per store.
        let expires = self.expiry(now);
        let slot = self.slot_of[key as usize];
        if slot != ABSENT {
            let old = self.entries[slot as usize];
            let live = old.expires > now;
            if !live {
                // The old entry expired unseen: its expiry still counts.
                self.stats.expirations += 1;
            }
            // A refresh in flight stays in flight: its own answer clears it.
            self.entries[slot as usize] = Entry { version, expires, fetch_time, ..old };
            self.eviction.on_access(slot);
            return Stored::Replaced { live };
        }
        let units = u64::from(size.min(self.unit_cap));
        // Counted in entries an item always fits a store that holds any.
        if self.by_bytes && units > self.capacity {
            // Larger than the whole store: never stored.
            self.stats.rejected_stores += 1;
            return Stored::Rejected;
        }
        while self.used + units > self.capacity {
            let Some(victim) = self.victim() else {
                // A policy that never evicts: the newcomer is turned away.
                self.stats.rejected_stores += 1;
                return Stored::Rejected;
            };
            self.stats.evictions += 1;
            self.remove_slot(victim);
        }
        let entry = Entry { key, version, size, refreshing: false, expires, fetch_time };
        let slot = if let Some(slot) = self.free.pop() {
            self.entries[slot as usize] = entry;
            slot
        } else {
            self.entries.push(entry);
            self.entries.len() as u32 - 1
        };
        self.used += units;
        self.bytes += u64::from(size);
        self.slot_of[key as usize] = slot;
        self.eviction.on_insert(slot, key, units);
        Stored::Inserted
    }

    /// The policy's victim, an occupied slot. Counted in entries, a store
    /// that must evict has every slot occupied, so any pick is one. Sized
    /// in bytes, slots free up without being refilled, and a random pick
    /// can land on a free one: it draws again.
    #[inline(always)]
    fn victim(&mut self) -> Option<u32> {
        loop {
            let slot = self.eviction.victim(self.entries.len() as u32)?;
            if !self.by_bytes || self.holds(slot) {
                return Some(slot);
            }
        }
    }

    fn holds(&self, slot: u32) -> bool {
        self.slot_of[self.entries[slot as usize].key as usize] == slot
    }

    /// Removes `key` if present.
    pub fn delete(&mut self, key: u32) {
        let slot = self.slot_of[key as usize];
        if slot != ABSENT {
            self.remove_slot(slot);
        }
    }

    /// Removes every entry (a flush, or a restart after a crash).
    pub fn clear(&mut self) {
        let slots: Vec<u32> = self.slot_of.iter().copied().filter(|&s| s != ABSENT).collect();
        for slot in slots {
            self.remove_slot(slot);
        }
    }

    /// Whether `key` has an entry (expired or not).
    pub fn contains(&self, key: u32) -> bool {
        self.slot_of[key as usize] != ABSENT
    }

    /// Marks whether a refresh of `key`'s entry is in flight; returns the
    /// previous mark (`true` also when there is no entry to mark).
    pub fn mark_refreshing(&mut self, key: u32, refreshing: bool) -> bool {
        match self.slot_of[key as usize] {
            ABSENT => true,
            slot => std::mem::replace(&mut self.entries[slot as usize].refreshing, refreshing),
        }
    }

    /// An empty store of a changed size or policy, as a restarted cache
    /// comes back: its counters carry on from this one's.
    pub fn restarted(
        &self,
        config: &CacheConfig,
        keys: u32,
        eviction_rng: Rng,
        jitter_rng: Rng,
    ) -> CacheStore {
        CacheStore { stats: self.stats, ..CacheStore::new(config, keys, eviction_rng, jitter_rng) }
    }

    /// Takes a changed configuration's TTL, TTL mode, jitter and stale
    /// window at `now`. The entries already stored take the new TTL too,
    /// as a cache whose expiry policy is changed applies it to what it
    /// holds: each expiry moves by the difference between the TTLs, and
    /// an entry stored without a TTL counts its new one from the change.
    pub fn retime(&mut self, config: &CacheConfig, now: SimTime) {
        if config.ttl != self.ttl {
            for slot in 0..self.entries.len() as u32 {
                if !self.holds(slot) {
                    continue;
                }
                let entry = &mut self.entries[slot as usize];
                entry.expires = match (self.ttl, config.ttl) {
                    (_, None) => SimTime::MAX,
                    (None, Some(new)) => now.saturating_add(new),
                    (Some(old), Some(new)) if new >= old => entry.expires.saturating_add(new - old),
                    (Some(old), Some(new)) => entry.expires.saturating_sub(old - new),
                };
            }
        }
        self.ttl = config.ttl;
        self.ttl_mode = config.ttl_mode;
        self.ttl_jitter = config.ttl_jitter;
        self.stale_window = stale_window(config);
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
        now.saturating_add(SimTime::from_ns_f64(ttl.as_nanos() as f64 * factor))
    }

    fn remove_slot(&mut self, slot: u32) {
        let Entry { key, size, .. } = self.entries[slot as usize];
        self.slot_of[key as usize] = ABSENT;
        self.used -= u64::from(size.min(self.unit_cap));
        self.bytes -= u64::from(size);
        self.eviction.on_remove(slot);
        self.free.push(slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;

    fn config(capacity: u32, ttl: Option<SimTime>, ttl_mode: TtlMode) -> CacheConfig {
        CacheConfig { ttl, ttl_mode, ..CacheConfig::store_only(capacity, EvictionKind::Lru) }
    }

    fn store(capacity: u32, ttl: Option<SimTime>, ttl_mode: TtlMode) -> CacheStore {
        let streams = RandomStreams::new(1);
        CacheStore::new(&config(capacity, ttl, ttl_mode), 10, streams.stream(0), streams.stream(1))
    }

    fn version(lookup: Lookup) -> Option<u32> {
        match lookup {
            Lookup::Hit { version, .. } => Some(version),
            _ => None,
        }
    }

    const T0: SimTime = SimTime::ZERO;

    #[test]
    fn stores_evicts_and_deletes() {
        let mut s = store(2, None, TtlMode::Insertion);
        assert_eq!(s.store(1, 7, T0, T0, &KeySizes::default()), Stored::Inserted);
        s.store(2, 3, T0, T0, &KeySizes::default());
        assert_eq!(version(s.lookup(1, T0)), Some(7));
        s.store(3, 0, T0, T0, &KeySizes::default()); // evicts 2, the least recently used
        assert_eq!(s.lookup(2, T0), Lookup::Miss { expired: false });
        assert_eq!(s.stats().evictions, 1);
        assert_eq!(s.store(1, 8, T0, T0, &KeySizes::default()), Stored::Replaced { live: true });
        s.delete(1);
        assert_eq!(s.lookup(1, T0), Lookup::Miss { expired: false });
        assert_eq!(s.len(), 1);
        s.clear();
        assert!(s.is_empty() && !s.contains(3));
    }

    #[test]
    fn ttl_expires_from_insertion_or_from_last_hit() {
        let ttl = Some(SimTime(10));
        let mut ins = store(2, ttl, TtlMode::Insertion);
        let mut idle = store(2, ttl, TtlMode::Idle);
        for s in [&mut ins, &mut idle] {
            s.store(1, 0, SimTime(0), T0, &KeySizes::default());
            assert!(matches!(s.lookup(1, SimTime(8)), Lookup::Hit { .. }));
        }
        assert_eq!(ins.lookup(1, SimTime(12)), Lookup::Miss { expired: true });
        assert_eq!(ins.stats().expirations, 1);
        assert!(matches!(idle.lookup(1, SimTime(12)), Lookup::Hit { .. }));
        assert_eq!(idle.lookup(1, SimTime(22)), Lookup::Miss { expired: true });
    }

    #[test]
    fn stale_window_serves_expired_entries_for_a_while() {
        let mut c = config(2, Some(SimTime(10)), TtlMode::Insertion);
        c.stampede = Stampede::StaleWhileRevalidate { window: SimTime(5) };
        let streams = RandomStreams::new(1);
        let mut s = CacheStore::new(&c, 10, streams.stream(0), streams.stream(1));
        s.store(1, 4, T0, T0, &KeySizes::default());
        assert_eq!(s.lookup(1, SimTime(12)), Lookup::Stale { version: 4 });
        assert_eq!(s.lookup(1, SimTime(15)), Lookup::Miss { expired: true });
    }

    #[test]
    fn ttl_jitter_spreads_expiry_evenly_around_the_ttl() {
        let mut c = config(1, Some(SimTime(1000)), TtlMode::Insertion);
        c.ttl_jitter = 0.5;
        let streams = RandomStreams::new(1);
        let mut s = CacheStore::new(&c, 1, streams.stream(0), streams.stream(1));
        let mut lifetimes = Vec::new();
        for _ in 0..2000 {
            s.store(0, 0, T0, T0, &KeySizes::default());
            let life = (0..).map(SimTime).find(|&t| !matches!(s.lookup(0, t), Lookup::Hit { .. }));
            lifetimes.push(life.unwrap().as_nanos());
        }
        let mean = lifetimes.iter().sum::<u64>() as f64 / lifetimes.len() as f64;
        assert!((mean - 1000.0).abs() < 15.0, "mean lifetime {mean}");
        assert!(lifetimes.iter().all(|&l| (500..=1501).contains(&l)));
    }

    #[test]
    fn capacity_zero_caches_nothing() {
        let mut s = store(0, None, TtlMode::Insertion);
        assert_eq!(s.store(1, 0, T0, T0, &KeySizes::default()), Stored::Rejected);
        assert_eq!(s.lookup(1, T0), Lookup::Miss { expired: false });
        assert!(s.is_empty());
    }
}
