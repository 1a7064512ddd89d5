//! S3-FIFO (Yang et al., SOSP 2023): a small FIFO queue S (10 % of the
//! slots) filters one-hit wonders in front of a main FIFO queue M; a ghost
//! queue G remembers the keys recently evicted from S.
//!
//! - A new key goes to S, or straight to M if G remembers it.
//! - A hit raises the entry's 2-bit count (at most 3).
//! - Eviction takes from S while S holds at least its share (or M is
//!   empty): S's oldest entry moves to M with its count cleared if it was
//!   hit at least twice, otherwise it is evicted and its key enters G.
//!   Otherwise M's oldest entry is evicted if its count is 0, or reinserted
//!   at M's front with its count lowered by one.
//! - G holds as many keys as M has slots: a key is in G if it was among
//!   the last that many keys to enter G and has not been readmitted since.
//!   A per-key insertion stamp makes that an O(1) check with no queue.

use super::slot_list::SlotList;

const MAX_COUNT: u8 = 3;
const MOVE_TO_MAIN: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    Small,
    Main,
}

#[derive(Debug, Clone)]
pub struct S3Fifo {
    small: SlotList,
    main: SlotList,
    queue_of: Vec<Queue>,
    count: Vec<u8>,
    key_of: Vec<u32>,
    small_share: u32,
    /// Ghost: per key, the ghost sequence number when it entered G (0: never).
    ghost_stamp: Vec<u64>,
    ghost_seq: u64,
    ghost_len: u64,
}

impl S3Fifo {
    pub fn new(slots: u32, keys: u32) -> Self {
        let small_share = ((f64::from(slots) * 0.1).round() as u32).max(1);
        S3Fifo {
            small: SlotList::new(slots),
            main: SlotList::new(slots),
            queue_of: vec![Queue::Small; slots as usize],
            count: vec![0; slots as usize],
            key_of: vec![0; slots as usize],
            small_share,
            ghost_stamp: vec![0; keys as usize],
            ghost_seq: 0,
            ghost_len: u64::from(slots.saturating_sub(small_share).max(1)),
        }
    }

    fn in_ghost(&self, key: u32) -> bool {
        let stamp = self.ghost_stamp[key as usize];
        stamp != 0 && self.ghost_seq - stamp < self.ghost_len
    }

    pub fn on_insert(&mut self, slot: u32, key: u32) {
        let s = slot as usize;
        self.key_of[s] = key;
        self.count[s] = 0;
        if self.in_ghost(key) {
            self.ghost_stamp[key as usize] = 0;
            self.queue_of[s] = Queue::Main;
            self.main.push_front(slot);
        } else {
            self.queue_of[s] = Queue::Small;
            self.small.push_front(slot);
        }
    }

    pub fn on_access(&mut self, slot: u32) {
        let c = &mut self.count[slot as usize];
        *c = (*c + 1).min(MAX_COUNT);
    }

    pub fn on_remove(&mut self, slot: u32) {
        match self.queue_of[slot as usize] {
            Queue::Small => self.small.unlink(slot),
            Queue::Main => self.main.unlink(slot),
        }
    }

    pub fn victim(&mut self) -> Option<u32> {
        loop {
            let from_small =
                self.small.len() > 0 && (self.small.len() >= self.small_share || self.main.len() == 0);
            if from_small {
                let slot = self.small.back()?;
                let s = slot as usize;
                if self.count[s] >= MOVE_TO_MAIN {
                    self.small.unlink(slot);
                    self.count[s] = 0;
                    self.queue_of[s] = Queue::Main;
                    self.main.push_front(slot);
                    continue;
                }
                self.ghost_seq += 1;
                self.ghost_stamp[self.key_of[s] as usize] = self.ghost_seq;
                return Some(slot);
            }
            let slot = self.main.back()?;
            let s = slot as usize;
            if self.count[s] > 0 {
                self.count[s] -= 1;
                self.main.move_to_front(slot);
                continue;
            }
            return Some(slot);
        }
    }
}
