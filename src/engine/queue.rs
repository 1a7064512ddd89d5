//! The event queue: events ordered by `(time, sequence)`.
//!
//! Every scheduled event gets the next sequence number, so events due at the
//! same instant run in the order they were scheduled (FIFO on ties) and a run
//! is a pure function of its inputs.
//!
//! Besides the heap, the queue has *lanes*: FIFO queues for events whose due
//! times never decrease in scheduling order, such as timeouts that are always
//! "now + a constant". A lane costs O(1) per event instead of O(log n), and
//! the pop order is exactly the order a single heap would give, because the
//! same `(time, sequence)` key decides between heap and lanes.

use std::collections::VecDeque;

use super::SimTime;
use super::heap::KeyedHeap;

/// A handle to a FIFO lane of an [`EventQueue`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lane(usize);

#[derive(Clone, Copy, Debug)]
struct Entry<E> {
    /// `(time << 64) | sequence`: one integer comparison orders entries.
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    fn time(&self) -> SimTime {
        SimTime((self.key >> 64) as u64)
    }
}

/// Pending events of type `E`, popped in `(time, sequence)` order.
#[derive(Debug)]
pub struct EventQueue<E> {
    now: SimTime,
    next_seq: u64,
    heap: KeyedHeap<E>,
    lanes: Vec<VecDeque<Entry<E>>>,
    /// The key at the front of each lane (`u128::MAX`: empty), side by
    /// side so that finding the earliest is a short scan.
    fronts: Vec<u128>,
    /// The earliest of `fronts` and its lane: a pop compares it with the
    /// heap's top; `fronts` is scanned only when a lane's front leaves.
    lane_front: (u128, usize),
    popped: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            now: SimTime::ZERO,
            next_seq: 0,
            heap: KeyedHeap::new(),
            lanes: Vec::new(),
            fronts: Vec::new(),
            lane_front: (u128::MAX, 0),
            popped: 0,
        }
    }

    /// Adds a FIFO lane; see the module documentation.
    pub fn add_lane(&mut self) -> Lane {
        self.lanes.push(VecDeque::new());
        self.fronts.push(u128::MAX);
        Lane(self.lanes.len() - 1)
    }

    /// The time of the event popped last.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of events popped so far.
    pub fn popped(&self) -> u64 {
        self.popped
    }

    /// Number of events waiting.
    pub fn len(&self) -> usize {
        self.heap.len() + self.lanes.iter().map(VecDeque::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn entry(&mut self, at: SimTime, event: E) -> Entry<E> {
        debug_assert!(at >= self.now, "an event may not be scheduled in the past");
        let seq = self.next_seq;
        self.next_seq += 1;
        Entry { key: (u128::from(at.as_nanos()) << 64) | u128::from(seq), event }
    }

    /// Schedules `event` at time `at` (not earlier than [`now`](Self::now)).
    pub fn schedule(&mut self, at: SimTime, event: E) {
        let entry = self.entry(at, event);
        self.heap.push(entry.key, entry.event);
    }

    /// Schedules `event` at `at` on a FIFO lane. The caller promises that
    /// `at` is not earlier than the last time scheduled on this lane.
    #[inline]
    pub fn schedule_on(&mut self, lane: Lane, at: SimTime, event: E) {
        let entry = self.entry(at, event);
        let queue = &mut self.lanes[lane.0];
        debug_assert!(
            queue.back().is_none_or(|last| last.time() <= at),
            "a lane's due times must not decrease"
        );
        queue.push_back(entry);
        if queue.len() == 1 {
            self.fronts[lane.0] = entry.key;
            if entry.key < self.lane_front.0 {
                self.lane_front = (entry.key, lane.0);
            }
        }
    }

    /// Removes the earliest event and advances the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_before(SimTime::MAX)
    }

    /// Removes the earliest event if it is due before `limit` (and advances
    /// the clock to its time); `None` if there is none that early.
    /// Always inlined: the event loop's one call, in each of its
    /// instantiations.
    #[inline(always)]
    pub fn pop_before(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        let heap_key = self.heap.min_key().unwrap_or(u128::MAX);
        let (lane_key, lane) = self.lane_front;
        let best_key = heap_key.min(lane_key);
        if best_key == u128::MAX || (best_key >> 64) as u64 >= limit.as_nanos() {
            return None;
        }
        let entry = if lane_key < heap_key {
            let queue = &mut self.lanes[lane];
            let entry = queue.pop_front();
            let front = queue.front().map_or(u128::MAX, |e| e.key);
            self.fronts[lane] = front;
            // With one lane its new front is the earliest: no scan.
            self.lane_front = if self.fronts.len() == 1 { (front, lane) } else { self.earliest_lane_front() };
            entry
        } else {
            self.heap.pop().map(|(key, event)| Entry { key, event })
        }?;
        let at = entry.time();
        debug_assert!(at >= self.now, "the clock never goes back");
        self.now = at;
        self.popped += 1;
        Some((at, entry.event))
    }

    fn earliest_lane_front(&self) -> (u128, usize) {
        let mut earliest = (u128::MAX, 0);
        for (i, &key) in self.fronts.iter().enumerate() {
            if key < earliest.0 {
                earliest = (key, i);
            }
        }
        earliest
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        let key = self.heap.min_key().unwrap_or(u128::MAX).min(self.lane_front.0);
        (key != u128::MAX).then_some(SimTime((key >> 64) as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_fifo_on_ties() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(5), 'a');
        q.schedule(SimTime(1), 'b');
        q.schedule(SimTime(5), 'c');
        q.schedule(SimTime(3), 'd');
        q.schedule(SimTime(5), 'e');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ['b', 'd', 'a', 'c', 'e']);
        assert_eq!(q.now(), SimTime(5));
        assert_eq!(q.popped(), 5);
    }

    #[test]
    fn lanes_interleave_with_the_heap_exactly_as_one_heap_would() {
        // The same schedule through lanes and through the heap alone must pop
        // in the same order, ties included.
        let plan: Vec<(u64, bool)> = (0..200u64).map(|i| ((i * 7919) % 50, i % 3 == 0)).collect();
        let mut with_lanes = EventQueue::new();
        let lane = with_lanes.add_lane();
        let mut heap_only = EventQueue::new();
        let mut lane_time = 0;
        for (i, &(t, on_lane)) in plan.iter().enumerate() {
            if on_lane {
                lane_time = lane_time.max(t);
                with_lanes.schedule_on(lane, SimTime(lane_time), i);
                heap_only.schedule(SimTime(lane_time), i);
            } else {
                with_lanes.schedule(SimTime(t), i);
                heap_only.schedule(SimTime(t), i);
            }
        }
        let a: Vec<_> = std::iter::from_fn(|| with_lanes.pop()).collect();
        let b: Vec<_> = std::iter::from_fn(|| heap_only.pop()).collect();
        assert_eq!(a, b);
        assert_eq!(a.len(), plan.len());
    }

    #[test]
    fn several_lanes_scheduled_while_popping_match_one_heap() {
        // Schedules and pops interleaved, three lanes, ties on purpose:
        // the cached earliest lane front must always be the right one.
        let mut with_lanes = EventQueue::new();
        let lanes = [with_lanes.add_lane(), with_lanes.add_lane(), with_lanes.add_lane()];
        let mut heap_only = EventQueue::new();
        let mut lane_time = [0u64; 3];
        let mut x = 12345u64;
        let mut next = || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            x >> 33
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut scheduled = 0;
        for i in 0..20_000u64 {
            let now = with_lanes.now().as_nanos();
            let op = next() % 6;
            scheduled += usize::from(op < 5);
            match op {
                0..=2 => {
                    let at = SimTime(now + next() % 8);
                    with_lanes.schedule(at, i);
                    heap_only.schedule(at, i);
                }
                3 | 4 => {
                    let l = (next() % 3) as usize;
                    lane_time[l] = lane_time[l].max(now) + next() % 4;
                    with_lanes.schedule_on(lanes[l], SimTime(lane_time[l]), i);
                    heap_only.schedule(SimTime(lane_time[l]), i);
                }
                _ => {
                    assert_eq!(with_lanes.peek_time(), heap_only.peek_time());
                    a.extend(with_lanes.pop());
                    b.extend(heap_only.pop());
                }
            }
        }
        a.extend(std::iter::from_fn(|| with_lanes.pop()));
        b.extend(std::iter::from_fn(|| heap_only.pop()));
        assert_eq!(a, b);
        assert_eq!(a.len(), scheduled);
    }

    #[test]
    fn peek_time_sees_heap_and_lanes() {
        let mut q = EventQueue::new();
        let lane = q.add_lane();
        assert_eq!(q.peek_time(), None);
        q.schedule(SimTime(10), ());
        q.schedule_on(lane, SimTime(4), ());
        assert_eq!(q.peek_time(), Some(SimTime(4)));
        assert_eq!(q.len(), 2);
    }
}
