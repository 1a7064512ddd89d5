//! Least frequently used, in O(1) (Shah, Mitra & Matani, 2010): entries
//! are grouped by access count; groups form a list in increasing count;
//! within a group, entries are in order of their last access. The victim
//! is the least recently used entry of the lowest count. Counts start at 1
//! on insertion and are forgotten on eviction (in-cache LFU).

use super::slot_list::NIL;

#[derive(Debug, Clone, Copy)]
struct Group {
    count: u64,
    /// Neighbouring groups: lower and higher counts.
    lower: u32,
    higher: u32,
    /// Members, most recently accessed first.
    newest: u32,
    oldest: u32,
}

#[derive(Debug, Clone)]
pub struct Lfu {
    group_of: Vec<u32>,
    /// Links between members of one group.
    newer: Vec<u32>,
    older: Vec<u32>,
    groups: Vec<Group>,
    free_groups: Vec<u32>,
    /// The group with the lowest count.
    lowest: u32,
}

impl Lfu {
    pub fn new(slots: u32) -> Self {
        Lfu {
            group_of: vec![NIL; slots as usize],
            newer: vec![NIL; slots as usize],
            older: vec![NIL; slots as usize],
            groups: Vec::new(),
            free_groups: Vec::new(),
            lowest: NIL,
        }
    }

    pub fn on_insert(&mut self, slot: u32) {
        let group = if self.lowest != NIL && self.groups[self.lowest as usize].count == 1 {
            self.lowest
        } else {
            let g = self.new_group(1, NIL, self.lowest);
            self.lowest = g;
            g
        };
        self.join(slot, group);
    }

    pub fn on_access(&mut self, slot: u32) {
        let from = self.group_of[slot as usize];
        let Group { count, higher, .. } = self.groups[from as usize];
        let to = if higher != NIL && self.groups[higher as usize].count == count + 1 {
            higher
        } else {
            self.new_group(count + 1, from, higher)
        };
        self.leave(slot);
        self.join(slot, to);
    }

    pub fn on_remove(&mut self, slot: u32) {
        self.leave(slot);
    }

    pub fn victim(&self) -> Option<u32> {
        (self.lowest != NIL).then(|| self.groups[self.lowest as usize].oldest)
    }

    fn new_group(&mut self, count: u64, lower: u32, higher: u32) -> u32 {
        let group = Group { count, lower, higher, newest: NIL, oldest: NIL };
        let g = match self.free_groups.pop() {
            Some(g) => {
                self.groups[g as usize] = group;
                g
            }
            None => {
                self.groups.push(group);
                self.groups.len() as u32 - 1
            }
        };
        if lower != NIL {
            self.groups[lower as usize].higher = g;
        }
        if higher != NIL {
            self.groups[higher as usize].lower = g;
        }
        g
    }

    fn join(&mut self, slot: u32, g: u32) {
        let s = slot as usize;
        let group = &mut self.groups[g as usize];
        self.group_of[s] = g;
        self.newer[s] = NIL;
        self.older[s] = group.newest;
        if group.newest == NIL {
            group.oldest = slot;
        } else {
            self.newer[group.newest as usize] = slot;
        }
        group.newest = slot;
    }

    /// Takes `slot` out of its group, dropping the group if it empties.
    fn leave(&mut self, slot: u32) {
        let s = slot as usize;
        let g = self.group_of[s];
        let (newer, older) = (self.newer[s], self.older[s]);
        let group = &mut self.groups[g as usize];
        if newer == NIL {
            group.newest = older;
        } else {
            self.older[newer as usize] = older;
        }
        if older == NIL {
            group.oldest = newer;
        } else {
            self.newer[older as usize] = newer;
        }
        self.group_of[s] = NIL;
        if group.newest == NIL {
            let Group { lower, higher, .. } = *group;
            if lower == NIL {
                self.lowest = higher;
            } else {
                self.groups[lower as usize].higher = higher;
            }
            if higher != NIL {
                self.groups[higher as usize].lower = lower;
            }
            self.free_groups.push(g);
        }
    }
}
