//! Faults: timed disturbances of the stack.
//!
//! Each fault starts at `at` and, for the kinds that last, ends `duration`
//! later. Faults of one kind may overlap: a slowdown's factors multiply, a
//! down or paused state holds while any such fault is active.

use std::collections::BTreeSet;

use crate::engine::SimTime;

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The cache process is gone: reads fail over to the database
    /// (`fail_open`) or fail; it comes back empty.
    CacheDown,
    /// Every entry is dropped at once.
    CacheFlush,
    /// Lookups take `factor` times longer.
    CacheSlowdown,
    /// Queries take `factor` times longer.
    DbSlowdown,
    /// The database serves nothing: a GC pause, a failover.
    DbPause,
    /// Every invalidation is dropped.
    InvalidationOutage,
    /// Popularity ranks are re-drawn: a sale, a launch.
    HotSetShift,
}

impl FaultKind {
    /// The model file's name of the kind.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::CacheDown => "cache-down",
            FaultKind::CacheFlush => "cache-flush",
            FaultKind::CacheSlowdown => "cache-slowdown",
            FaultKind::DbSlowdown => "db-slowdown",
            FaultKind::DbPause => "db-pause",
            FaultKind::InvalidationOutage => "invalidation-outage",
            FaultKind::HotSetShift => "hot-set-shift",
        }
    }

    /// Whether the kind lasts for a duration (or happens at an instant).
    pub fn lasts(self) -> bool {
        !matches!(self, FaultKind::CacheFlush | FaultKind::HotSetShift)
    }

    /// Whether the kind takes a `factor`.
    pub fn has_factor(self) -> bool {
        matches!(self, FaultKind::CacheSlowdown | FaultKind::DbSlowdown)
    }
}

/// One fault as configured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    pub at: SimTime,
    /// Zero for the kinds that happen at an instant.
    pub duration: SimTime,
    /// Service-time multiplier of slowdowns; 1 otherwise.
    pub factor: f64,
}

impl Fault {
    pub fn end(&self) -> SimTime {
        self.at.saturating_add(self.duration)
    }
}

/// Which faults are active, and what that means for each component.
#[derive(Debug, Clone)]
pub struct FaultState {
    faults: Vec<Fault>,
    /// The active faults by index: what they add up to is recomputed from
    /// them alone, so a start or end costs O(log n + active), not O(n)
    /// over every fault declared.
    active: BTreeSet<usize>,
    /// What the active faults add up to, recomputed when one starts or
    /// ends: the request path asks on every request, faults change rarely.
    effects: Effects,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Effects {
    cache_down: bool,
    db_paused: bool,
    db_pause_end: Option<SimTime>,
    invalidations_dropped: bool,
    cache_slowdown: f64,
    db_slowdown: f64,
}

impl Effects {
    fn of(faults: &[Fault], active: &BTreeSet<usize>) -> Effects {
        let active = || active.iter().map(|&i| &faults[i]);
        let any = |kind| active().any(|f| f.kind == kind);
        // Slowdowns multiply, in the order the faults are listed.
        let factor = |kind| active().filter(|f| f.kind == kind).map(|f| f.factor).product();
        Effects {
            cache_down: any(FaultKind::CacheDown),
            db_paused: any(FaultKind::DbPause),
            db_pause_end: active().filter(|f| f.kind == FaultKind::DbPause).map(Fault::end).max(),
            invalidations_dropped: any(FaultKind::InvalidationOutage),
            cache_slowdown: factor(FaultKind::CacheSlowdown),
            db_slowdown: factor(FaultKind::DbSlowdown),
        }
    }
}

impl FaultState {
    pub fn new(faults: &[Fault]) -> Self {
        let active = BTreeSet::new();
        FaultState { effects: Effects::of(faults, &active), faults: faults.to_vec(), active }
    }

    pub fn fault(&self, index: usize) -> Fault {
        self.faults[index]
    }

    pub fn set_active(&mut self, index: usize, active: bool) {
        if active {
            self.active.insert(index);
        } else {
            self.active.remove(&index);
        }
        self.effects = Effects::of(&self.faults, &self.active);
    }

    pub fn cache_down(&self) -> bool {
        self.effects.cache_down
    }

    pub fn db_paused(&self) -> bool {
        self.effects.db_paused
    }

    /// While the database is paused, when the (last) pause ends.
    pub fn db_pause_end(&self) -> Option<SimTime> {
        self.effects.db_pause_end
    }

    pub fn invalidations_dropped(&self) -> bool {
        self.effects.invalidations_dropped
    }

    pub fn cache_slowdown(&self) -> f64 {
        self.effects.cache_slowdown
    }

    pub fn db_slowdown(&self) -> f64 {
        self.effects.db_slowdown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_slowdowns_multiply_and_states_hold_while_any_is_active() {
        let slow =
            |factor| Fault { kind: FaultKind::DbSlowdown, at: SimTime(0), duration: SimTime(10), factor };
        let down = Fault { kind: FaultKind::CacheDown, at: SimTime(5), duration: SimTime(10), factor: 1.0 };
        let mut state = FaultState::new(&[slow(2.0), slow(3.0), down]);
        assert_eq!(state.db_slowdown(), 1.0);
        state.set_active(0, true);
        state.set_active(1, true);
        assert_eq!(state.db_slowdown(), 6.0);
        assert!(!state.cache_down());
        state.set_active(2, true);
        assert!(state.cache_down());
    }
}
