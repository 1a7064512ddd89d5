//! Eviction policies: which entry leaves a full cache.
//!
//! Entries live in slots `0..slots`; a policy sees slot numbers (and, for
//! S3-FIFO's ghost, keys, and for its queue shares, each entry's units:
//! 1, or its size when the cache is sized in bytes). Every policy is O(1) per operation
//! (amortised for SIEVE's hand and S3-FIFO's reinsertions) and O(capacity)
//! in memory, but S3-FIFO's ghost, which keeps 8 bytes per key.
//!
//! A policy is told of every insertion, access and removal, and asked for a
//! victim while the newcomer does not fit; the store then removes the
//! victim (and tells the policy). Every policy works the same by bytes,
//! as in libCacheSim: evicting until there is room is evicting victims in
//! the policy's order.

mod lfu;
mod s3fifo;
mod sieve;
mod slot_list;

use rand::RngExt;

use crate::engine::Rng;

use lfu::Lfu;
use s3fifo::S3Fifo;
use sieve::Sieve;
use slot_list::SlotList;

crate::names::named_enum! {
    /// The eviction policies, by their model-file names.
    pub enum EvictionKind {
        Lru = "lru",
        Fifo = "fifo",
        Random = "random",
        Lfu = "lfu",
        Sieve = "sieve",
        S3Fifo = "s3fifo",
        /// Nothing is evicted: a full cache rejects new entries.
        None = "none",
    }
}

/// A policy's bookkeeping over the cache's slots.
#[derive(Debug, Clone)]
pub enum Eviction {
    /// Recency order; a hit moves the entry to the front.
    Lru(SlotList),
    /// Insertion order; hits change nothing.
    Fifo(SlotList),
    /// A uniformly random entry: a uniform slot among those ever used,
    /// drawn again (by the store) if it is free. Counted in entries every
    /// slot is occupied when one is needed, so the first draw is taken.
    Random {
        rng: Rng,
    },
    Lfu(Lfu),
    Sieve(Sieve),
    S3Fifo(Box<S3Fifo>),
    None,
}

impl Eviction {
    /// A policy over `slots` slots of a store of `capacity` units.
    pub fn new(kind: EvictionKind, slots: u32, capacity: u64, keys: u32, rng: Rng) -> Self {
        match kind {
            EvictionKind::Lru => Eviction::Lru(SlotList::new(slots)),
            EvictionKind::Fifo => Eviction::Fifo(SlotList::new(slots)),
            EvictionKind::Random => Eviction::Random { rng },
            EvictionKind::Lfu => Eviction::Lfu(Lfu::new(slots)),
            EvictionKind::Sieve => Eviction::Sieve(Sieve::new(slots)),
            EvictionKind::S3Fifo => Eviction::S3Fifo(Box::new(S3Fifo::new(slots, capacity, keys))),
            EvictionKind::None => Eviction::None,
        }
    }

    /// `key` now occupies `slot`, taking `units` of the capacity.
    pub fn on_insert(&mut self, slot: u32, key: u32, units: u64) {
        match self {
            Eviction::Lru(list) | Eviction::Fifo(list) => list.push_front(slot),
            Eviction::Lfu(p) => p.on_insert(slot),
            Eviction::Sieve(p) => p.on_insert(slot),
            Eviction::S3Fifo(p) => p.on_insert(slot, key, units),
            Eviction::Random { .. } | Eviction::None => {}
        }
    }

    /// The entry in `slot` was read (or overwritten).
    pub fn on_access(&mut self, slot: u32) {
        match self {
            Eviction::Lru(list) => list.move_to_front(slot),
            Eviction::Lfu(p) => p.on_access(slot),
            Eviction::Sieve(p) => p.on_access(slot),
            Eviction::S3Fifo(p) => p.on_access(slot),
            Eviction::Fifo(_) | Eviction::Random { .. } | Eviction::None => {}
        }
    }

    /// The entry in `slot` left the cache.
    pub fn on_remove(&mut self, slot: u32) {
        match self {
            Eviction::Lru(list) | Eviction::Fifo(list) => list.unlink(slot),
            Eviction::Lfu(p) => p.on_remove(slot),
            Eviction::Sieve(p) => p.on_remove(slot),
            Eviction::S3Fifo(p) => p.on_remove(slot),
            Eviction::Random { .. } | Eviction::None => {}
        }
    }

    /// The slot to evict; `None`: reject the newcomer. `used_slots`: the
    /// slots `0..used_slots` have been used (what a random pick draws from).
    pub fn victim(&mut self, used_slots: u32) -> Option<u32> {
        match self {
            Eviction::Lru(list) | Eviction::Fifo(list) => list.back(),
            Eviction::Random { rng } => Some(rng.random_range(0..used_slots)),
            Eviction::Lfu(p) => p.victim(),
            Eviction::Sieve(p) => p.victim(),
            Eviction::S3Fifo(p) => p.victim(),
            Eviction::None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;

    fn policy(kind: EvictionKind, slots: u32) -> Eviction {
        Eviction::new(kind, slots, u64::from(slots), 100, RandomStreams::new(1).stream(0))
    }

    #[test]
    fn lru_evicts_the_least_recently_used_and_fifo_the_oldest() {
        let mut lru = policy(EvictionKind::Lru, 3);
        let mut fifo = policy(EvictionKind::Fifo, 3);
        for p in [&mut lru, &mut fifo] {
            for slot in 0..3 {
                p.on_insert(slot, slot, 1);
            }
            p.on_access(0);
        }
        assert_eq!(lru.victim(3), Some(1));
        assert_eq!(fifo.victim(3), Some(0));
    }

    #[test]
    fn lfu_evicts_the_least_frequent_then_least_recent() {
        let mut lfu = policy(EvictionKind::Lfu, 3);
        for slot in 0..3 {
            lfu.on_insert(slot, slot, 1);
        }
        lfu.on_access(0);
        lfu.on_access(0);
        lfu.on_access(1);
        lfu.on_access(2); // 1 and 2 both at count 2; 1 was accessed longer ago
        assert_eq!(lfu.victim(3), Some(1));
        lfu.on_remove(1);
        lfu.on_insert(1, 7, 1); // a newcomer has count 1: it goes first
        assert_eq!(lfu.victim(3), Some(1));
    }

    #[test]
    fn sieve_spares_visited_entries_once() {
        let mut sieve = policy(EvictionKind::Sieve, 3);
        for slot in 0..3 {
            sieve.on_insert(slot, slot, 1);
        }
        sieve.on_access(0);
        assert_eq!(sieve.victim(3), Some(1), "0 was visited: the hand clears it and moves on");
        sieve.on_remove(1);
        sieve.on_insert(1, 1, 1);
        assert_eq!(sieve.victim(3), Some(2), "the hand continues from where it stopped");
    }

    #[test]
    fn none_never_evicts() {
        let mut none = policy(EvictionKind::None, 2);
        none.on_insert(0, 0, 1);
        none.on_insert(1, 1, 1);
        assert_eq!(none.victim(3), None);
    }
}
