//! SIEVE (Zhang et al., NSDI 2024): a FIFO queue with one "visited" bit per
//! entry and a hand. A hit sets the bit. To evict, the hand walks from the
//! oldest entry towards the newest, clearing set bits, and evicts the first
//! entry whose bit is clear; it keeps its place for the next eviction.

use super::slot_list::{NIL, SlotList};

#[derive(Debug, Clone)]
pub struct Sieve {
    queue: SlotList,
    visited: Vec<bool>,
    /// Where the next search starts; `NIL`: at the oldest entry.
    hand: u32,
}

impl Sieve {
    pub fn new(slots: u32) -> Self {
        Sieve { queue: SlotList::new(slots), visited: vec![false; slots as usize], hand: NIL }
    }

    pub fn on_insert(&mut self, slot: u32) {
        self.visited[slot as usize] = false;
        self.queue.push_front(slot);
    }

    pub fn on_access(&mut self, slot: u32) {
        self.visited[slot as usize] = true;
    }

    pub fn on_remove(&mut self, slot: u32) {
        if self.hand == slot {
            self.hand = self.queue.newer(slot);
        }
        self.queue.unlink(slot);
    }

    pub fn victim(&mut self) -> Option<u32> {
        let oldest = self.queue.back()?;
        let mut at = if self.hand == NIL { oldest } else { self.hand };
        while self.visited[at as usize] {
            self.visited[at as usize] = false;
            at = match self.queue.newer(at) {
                NIL => oldest,
                newer => newer,
            };
        }
        self.hand = self.queue.newer(at);
        Some(at)
    }
}
