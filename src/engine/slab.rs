//! A slab: values stored in a `Vec`, addressed by a dense `u32` index, with
//! freed slots reused through a free list.
//!
//! Memory is proportional to the most values alive at once, never to the
//! number ever inserted, and an index is 4 bytes: small enough to ride in a
//! `Copy` event.

/// Values addressed by dense indices that are reused after removal.
#[derive(Debug, Clone)]
pub struct Slab<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
}

#[derive(Debug, Clone)]
enum Slot<T> {
    Occupied(T),
    Vacant,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab::new()
    }
}

impl<T> Slab<T> {
    pub fn new() -> Self {
        Slab { slots: Vec::new(), free: Vec::new(), len: 0 }
    }

    /// Stores `value` and returns its index. Freed indices are reused last
    /// freed first, which keeps the working set small and cache-warm.
    #[inline(always)]
    pub fn insert(&mut self, value: T) -> u32 {
        self.len += 1;
        match self.free.pop() {
            Some(index) => {
                // SAFETY: `free` holds only indices `remove` found in
                // `slots`, which never shrinks: in bounds. Inserts are on
                // a simulation's hot path, so the check is skipped.
                unsafe { *self.slots.get_unchecked_mut(index as usize) = Slot::Occupied(value) };
                index
            }
            None => {
                let index = u32::try_from(self.slots.len()).expect("slab holds at most 2^32 values");
                self.slots.push(Slot::Occupied(value));
                index
            }
        }
    }

    /// Removes and returns the value at `index`, if any. Inlined: a call
    /// costs a value-sized copy out and back (tens of instructions for a
    /// 48-byte value), the rest of the work is a handful.
    #[inline(always)]
    pub fn remove(&mut self, index: u32) -> Option<T> {
        let slot = self.slots.get_mut(index as usize)?;
        match std::mem::replace(slot, Slot::Vacant) {
            Slot::Occupied(value) => {
                self.free.push(index);
                self.len -= 1;
                Some(value)
            }
            Slot::Vacant => None,
        }
    }

    pub fn get(&self, index: u32) -> Option<&T> {
        match self.slots.get(index as usize) {
            Some(Slot::Occupied(value)) => Some(value),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, index: u32) -> Option<&mut T> {
        match self.slots.get_mut(index as usize) {
            Some(Slot::Occupied(value)) => Some(value),
            _ => None,
        }
    }

    /// Number of values stored.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of slots allocated: the high-water mark of `len`.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The stored values with their indices, in index order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.slots.iter().enumerate().filter_map(|(i, slot)| match slot {
            Slot::Occupied(value) => Some((i as u32, value)),
            Slot::Vacant => None,
        })
    }

    /// The stored values, mutably, in index order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.slots.iter_mut().filter_map(|slot| match slot {
            Slot::Occupied(value) => Some(value),
            Slot::Vacant => None,
        })
    }
}

/// A value for each index of a [`Slab`], kept beside it by an owner that
/// needs one for some values only: nothing is allocated until the first
/// [`set`](Self::set), and every index not set reads `empty` — so the slab's
/// values stay small for every user that never sets one.
#[derive(Debug, Clone)]
pub struct SideTable<T: Copy> {
    values: Vec<T>,
    empty: T,
}

impl<T: Copy> SideTable<T> {
    pub fn new(empty: T) -> Self {
        SideTable { values: Vec::new(), empty }
    }

    /// The value at `index`, or `empty`.
    pub fn get(&self, index: u32) -> T {
        self.values.get(index as usize).copied().unwrap_or(self.empty)
    }

    pub fn set(&mut self, index: u32, value: T) {
        let i = index as usize;
        if self.values.len() <= i {
            self.values.resize(i + 1, self.empty);
        }
        self.values[i] = value;
    }

    /// The value at `index`, leaving `empty` in its place (the slab's
    /// index is about to be reused).
    pub fn take(&mut self, index: u32) -> T {
        match self.values.get_mut(index as usize) {
            Some(value) => std::mem::replace(value, self.empty),
            None => self.empty,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_side_table_reads_empty_until_set_and_again_once_taken() {
        let mut side = SideTable::new((0u16, u32::MAX));
        assert_eq!(side.get(7), (0, u32::MAX));
        side.set(3, (2, 5));
        assert_eq!((side.get(3), side.get(2), side.get(9)), ((2, 5), (0, u32::MAX), (0, u32::MAX)));
        assert_eq!(side.take(3), (2, 5));
        assert_eq!(
            (side.get(3), side.take(3), side.take(100)),
            ((0, u32::MAX), (0, u32::MAX), (0, u32::MAX))
        );
    }

    use super::*;

    #[test]
    fn reuses_freed_slots_and_tracks_len() {
        let mut slab = Slab::new();
        let a = slab.insert("a");
        let b = slab.insert("b");
        assert_eq!(slab.len(), 2);
        assert_eq!(slab.remove(a), Some("a"));
        assert_eq!(slab.remove(a), None, "a slot is freed once");
        let c = slab.insert("c");
        assert_eq!(c, a, "the freed slot is reused");
        assert_eq!(slab.get(b), Some(&"b"));
        assert_eq!(slab.capacity(), 2);
        assert_eq!(slab.iter().map(|(_, v)| *v).collect::<Vec<_>>(), ["c", "b"]);
    }
}
