//! Eviction policies: which entry leaves a full cache.
//!
//! Entries live in fixed slots `0..capacity`; a policy sees only slot
//! numbers. LRU and FIFO keep an intrusive doubly linked list over the slots
//! (O(1) per operation, 8 bytes per slot); RANDOM needs no state, because
//! eviction only happens when every slot is occupied, so a uniform slot is a
//! uniform entry.

use rand::RngExt;

use crate::engine::Rng;

/// The eviction policy names of the model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvictionKind {
    Lru,
    Fifo,
    Random,
}

/// A policy's bookkeeping over the cache's slots.
#[derive(Debug, Clone)]
pub enum Eviction {
    /// Recency order; a hit moves the entry to the front.
    Lru(SlotList),
    /// Insertion order; hits change nothing.
    Fifo(SlotList),
    Random {
        slots: u32,
        rng: Rng,
    },
}

impl Eviction {
    pub fn new(kind: EvictionKind, slots: u32, rng: Rng) -> Self {
        match kind {
            EvictionKind::Lru => Eviction::Lru(SlotList::new(slots)),
            EvictionKind::Fifo => Eviction::Fifo(SlotList::new(slots)),
            EvictionKind::Random => Eviction::Random { slots, rng },
        }
    }

    /// A new entry now occupies `slot`.
    pub fn on_insert(&mut self, slot: u32) {
        match self {
            Eviction::Lru(list) | Eviction::Fifo(list) => list.push_front(slot),
            Eviction::Random { .. } => {}
        }
    }

    /// The entry in `slot` was read (or overwritten).
    pub fn on_access(&mut self, slot: u32) {
        match self {
            Eviction::Lru(list) => list.move_to_front(slot),
            Eviction::Fifo(_) | Eviction::Random { .. } => {}
        }
    }

    /// The entry in `slot` left the cache.
    pub fn on_remove(&mut self, slot: u32) {
        match self {
            Eviction::Lru(list) | Eviction::Fifo(list) => list.unlink(slot),
            Eviction::Random { .. } => {}
        }
    }

    /// The slot to evict from a full cache.
    pub fn victim(&mut self) -> u32 {
        match self {
            Eviction::Lru(list) | Eviction::Fifo(list) => {
                list.back().expect("a full cache has entries")
            }
            Eviction::Random { slots, rng } => rng.random_range(0..*slots),
        }
    }
}

const NIL: u32 = u32::MAX;

/// A doubly linked list of slot numbers threaded through two arrays.
#[derive(Debug, Clone)]
pub struct SlotList {
    prev: Vec<u32>,
    next: Vec<u32>,
    head: u32,
    tail: u32,
}

impl SlotList {
    fn new(slots: u32) -> Self {
        SlotList {
            prev: vec![NIL; slots as usize],
            next: vec![NIL; slots as usize],
            head: NIL,
            tail: NIL,
        }
    }

    fn push_front(&mut self, slot: u32) {
        let s = slot as usize;
        self.prev[s] = NIL;
        self.next[s] = self.head;
        if self.head == NIL {
            self.tail = slot;
        } else {
            self.prev[self.head as usize] = slot;
        }
        self.head = slot;
    }

    fn unlink(&mut self, slot: u32) {
        let s = slot as usize;
        let (p, n) = (self.prev[s], self.next[s]);
        if p == NIL {
            self.head = n;
        } else {
            self.next[p as usize] = n;
        }
        if n == NIL {
            self.tail = p;
        } else {
            self.prev[n as usize] = p;
        }
    }

    fn move_to_front(&mut self, slot: u32) {
        if self.head != slot {
            self.unlink(slot);
            self.push_front(slot);
        }
    }

    fn back(&self) -> Option<u32> {
        (self.tail != NIL).then_some(self.tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;

    #[test]
    fn lru_evicts_the_least_recently_used_and_fifo_the_oldest() {
        let rng = RandomStreams::new(1).stream(0);
        let mut lru = Eviction::new(EvictionKind::Lru, 3, rng.clone());
        let mut fifo = Eviction::new(EvictionKind::Fifo, 3, rng);
        for policy in [&mut lru, &mut fifo] {
            for slot in 0..3 {
                policy.on_insert(slot);
            }
            policy.on_access(0);
        }
        assert_eq!(lru.victim(), 1);
        assert_eq!(fifo.victim(), 0);
        lru.on_remove(1);
        assert_eq!(lru.victim(), 2);
        lru.on_remove(2);
        lru.on_remove(0);
        lru.on_insert(2);
        assert_eq!(lru.victim(), 2);
    }
}
