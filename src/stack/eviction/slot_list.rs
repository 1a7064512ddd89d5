//! A doubly linked list of slot numbers threaded through two arrays: the
//! queue under LRU, FIFO, SIEVE and S3-FIFO's queues. O(1) everything,
//! 8 bytes per slot.

pub const NIL: u32 = u32::MAX;

/// Slots in order from the front (newest) to the back (oldest).
#[derive(Debug, Clone)]
pub struct SlotList {
    prev: Vec<u32>,
    next: Vec<u32>,
    head: u32,
    tail: u32,
    len: u32,
}

impl SlotList {
    pub fn new(slots: u32) -> Self {
        SlotList {
            prev: vec![NIL; slots as usize],
            next: vec![NIL; slots as usize],
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }

    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn push_front(&mut self, slot: u32) {
        let s = slot as usize;
        self.prev[s] = NIL;
        self.next[s] = self.head;
        if self.head == NIL {
            self.tail = slot;
        } else {
            self.prev[self.head as usize] = slot;
        }
        self.head = slot;
        self.len += 1;
    }

    pub fn unlink(&mut self, slot: u32) {
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
        self.len -= 1;
    }

    pub fn move_to_front(&mut self, slot: u32) {
        if self.head != slot {
            self.unlink(slot);
            self.push_front(slot);
        }
    }

    /// The oldest slot.
    pub fn back(&self) -> Option<u32> {
        (self.tail != NIL).then_some(self.tail)
    }

    /// The slot in front of `slot` (one step newer), `NIL` at the front.
    pub fn newer(&self, slot: u32) -> u32 {
        self.prev[slot as usize]
    }
}
