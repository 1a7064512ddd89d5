//! S3-FIFO (Yang et al., SOSP 2023): a small FIFO queue S (10 % of the
//! capacity) filters one-hit wonders in front of a main FIFO queue M; a ghost
//! queue G remembers the keys recently evicted from S.
//!
//! - A new key goes to S, or straight to M if G remembers it.
//! - A hit raises the entry's 2-bit count (at most 3).
//! - Eviction takes from S while S holds at least its share (or M is
//!   empty): S's oldest entry moves to M with its count cleared if it was
//!   hit at least twice, otherwise it is evicted and its key enters G.
//!   Otherwise M's oldest entry is evicted if its count is 0, or reinserted
//!   at M's front with its count lowered by one.
//! - G holds as many keys as fit in M: a key is in G if it was among the
//!   keys that entered G last, up to M's capacity in units, and has not
//!   been readmitted since. A per-key stamp of the units that had entered
//!   G makes that an O(1) check with no queue.
//!
//! Shares are in units — entries, or bytes when the cache is sized in
//! bytes, as libCacheSim sizes S, M and G in bytes.

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
    units_of: Vec<u64>,
    /// S's share of the capacity, and the units S holds.
    small_share: u64,
    small_units: u64,
    /// Ghost: per key, the units that had entered G when it entered (0: never).
    ghost_stamp: Vec<u64>,
    ghost_seq: u64,
    ghost_len: u64,
}

impl S3Fifo {
    pub fn new(slots: u32, capacity: u64, keys: u32) -> Self {
        let small_share = ((capacity as f64 * 0.1).round() as u64).max(1);
        S3Fifo {
            small: SlotList::new(slots),
            main: SlotList::new(slots),
            queue_of: vec![Queue::Small; slots as usize],
            count: vec![0; slots as usize],
            key_of: vec![0; slots as usize],
            units_of: vec![0; slots as usize],
            small_share,
            small_units: 0,
            ghost_stamp: vec![0; keys as usize],
            ghost_seq: 0,
            ghost_len: capacity.saturating_sub(small_share).max(1),
        }
    }

    fn in_ghost(&self, key: u32) -> bool {
        let stamp = self.ghost_stamp[key as usize];
        stamp != 0 && self.ghost_seq - stamp < self.ghost_len
    }

    pub fn on_insert(&mut self, slot: u32, key: u32, units: u64) {
        let s = slot as usize;
        self.key_of[s] = key;
        self.units_of[s] = units;
        self.count[s] = 0;
        if self.in_ghost(key) {
            self.ghost_stamp[key as usize] = 0;
            self.queue_of[s] = Queue::Main;
            self.main.push_front(slot);
        } else {
            self.queue_of[s] = Queue::Small;
            self.small_units += units;
            self.small.push_front(slot);
        }
    }

    pub fn on_access(&mut self, slot: u32) {
        let c = &mut self.count[slot as usize];
        *c = (*c + 1).min(MAX_COUNT);
    }

    pub fn on_remove(&mut self, slot: u32) {
        match self.queue_of[slot as usize] {
            Queue::Small => {
                self.small_units -= self.units_of[slot as usize];
                self.small.unlink(slot)
            }
            Queue::Main => self.main.unlink(slot),
        }
    }

    pub fn victim(&mut self) -> Option<u32> {
        loop {
            let from_small =
                self.small.len() > 0 && (self.small_units >= self.small_share || self.main.len() == 0);
            if from_small {
                let slot = self.small.back()?;
                let s = slot as usize;
                if self.count[s] >= MOVE_TO_MAIN {
                    self.small.unlink(slot);
                    self.small_units -= self.units_of[s];
                    self.count[s] = 0;
                    self.queue_of[s] = Queue::Main;
                    self.main.push_front(slot);
                    continue;
                }
                self.ghost_seq += self.units_of[s];
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
