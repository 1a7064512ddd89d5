//! A binary min-heap of values under distinct `u128` keys.
//!
//! `std`'s `BinaryHeap` pops by swapping the last element into the root
//! and then reading the root back whole: on x86-64 that wide read of
//! freshly written narrower stores misses store forwarding, and profiles
//! put a tenth of the simulator's loop on that one load. Here the element
//! that leaves the end is held aside while the hole sinks from the root, so
//! each slot is written once and never read back at once.

/// Values ordered by a `u128` key, smallest first. Keys must be distinct
/// (the event queue's keys carry a sequence number), so the order of pops
/// is fully determined by the keys.
#[derive(Debug, Clone)]
pub struct KeyedHeap<T> {
    items: Vec<(u128, T)>,
}

impl<T: Copy> Default for KeyedHeap<T> {
    fn default() -> Self {
        KeyedHeap::new()
    }
}

impl<T: Copy> KeyedHeap<T> {
    pub fn new() -> Self {
        KeyedHeap { items: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The smallest key, `None` when empty.
    #[inline]
    pub fn min_key(&self) -> Option<u128> {
        self.items.first().map(|&(key, _)| key)
    }

    /// Adds `value` under `key`.
    #[inline]
    pub fn push(&mut self, key: u128, value: T) {
        self.items.push((key, value));
        let hole = self.rise(self.items.len() - 1, key);
        self.set(hole, (key, value));
    }

    /// Removes the entry with the smallest key.
    #[inline]
    pub fn pop(&mut self) -> Option<(u128, T)> {
        let last = self.items.pop()?;
        let Some(&top) = self.items.first() else {
            return Some(last);
        };
        self.sink_from_root(last);
        Some(top)
    }

    /// Places `item` (the former last entry) with the hole left at the
    /// root: the hole first sinks to the bottom along the smaller children,
    /// one comparison per level, then `item` rises from there — rarely far,
    /// since it came from the bottom (Floyd's method, as `std` does it).
    fn sink_from_root(&mut self, item: (u128, T)) {
        let len = self.items.len();
        let mut hole = 0;
        let mut left = 1;
        while left + 1 < len {
            let child = left + usize::from(self.key(left + 1) < self.key(left));
            self.set(hole, self.get(child));
            hole = child;
            left = 2 * hole + 1;
        }
        if left + 1 == len {
            self.set(hole, self.get(left));
            hole = left;
        }
        let hole = self.rise(hole, item.0);
        self.set(hole, item);
    }

    /// Moves the hole at `hole` up past every parent whose key is greater
    /// than `key`; returns where it stops.
    #[inline(always)]
    fn rise(&mut self, mut hole: usize, key: u128) -> usize {
        while hole > 0 {
            let parent = (hole - 1) / 2;
            if self.key(parent) <= key {
                break;
            }
            self.set(hole, self.get(parent));
            hole = parent;
        }
        hole
    }

    // Every index the sift loops use is below `len` by their loop
    // conditions (a parent or child of an index below `len`, checked
    // against `len`), so the bounds checks `[]` would add are dead
    // weight on the simulator's hottest path: these skip them, and check
    // in debug builds.

    #[inline(always)]
    fn key(&self, i: usize) -> u128 {
        self.get(i).0
    }

    #[inline(always)]
    fn get(&self, i: usize) -> (u128, T) {
        debug_assert!(i < self.items.len());
        // SAFETY: callers pass `i < self.items.len()` (see above).
        unsafe { *self.items.get_unchecked(i) }
    }

    #[inline(always)]
    fn set(&mut self, i: usize, item: (u128, T)) {
        debug_assert!(i < self.items.len());
        // SAFETY: callers pass `i < self.items.len()` (see above).
        unsafe { *self.items.get_unchecked_mut(i) = item }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    /// Random pushes and pops against a sorted reference, at every size
    /// from empty to a few hundred.
    #[test]
    fn pops_in_key_order_like_a_sorted_list() {
        let mut rng = crate::engine::RandomStreams::new(5).stream(0);
        let mut heap = KeyedHeap::new();
        let mut reference: Vec<(u128, u32)> = Vec::new();
        for i in 0..50_000u32 {
            if rng.random_bool(0.55) {
                // Distinct keys: a random high part, the counter below.
                let key = (u128::from(rng.random_range(0..1_000u32)) << 64) | u128::from(i);
                heap.push(key, i);
                reference.push((key, i));
            } else {
                reference.sort_unstable_by_key(|&(key, _)| std::cmp::Reverse(key));
                assert_eq!(heap.pop(), reference.pop());
            }
            assert_eq!(heap.len(), reference.len());
            assert_eq!(heap.min_key(), reference.iter().map(|&(key, _)| key).min());
        }
        reference.sort_unstable_by_key(|&(key, _)| key);
        let rest: Vec<_> = std::iter::from_fn(|| heap.pop()).collect();
        assert_eq!(rest, reference);
        assert_eq!(heap.len(), 0);
    }
}
