//! Faults: timed disturbances of the stack.
//!
//! Each fault starts at `at` and, for the kinds that last, ends `duration`
//! later. Faults of one kind may overlap: a slowdown's factors multiply, a
//! down or paused state holds while any such fault is active.

use std::collections::BTreeSet;

use crate::engine::SimTime;

use super::cache_node::CacheHealth;
use super::database::DbHealth;

crate::names::named_enum! {
    /// What goes wrong.
    pub enum FaultKind {
        /// The cache process is gone: reads fail over to the database
        /// (`fail_open`) or fail; it comes back empty.
        CacheDown = "cache-down",
        /// Every entry is dropped at once.
        CacheFlush = "cache-flush",
        /// Lookups take `factor` times longer.
        CacheSlowdown = "cache-slowdown",
        /// Queries take `factor` times longer.
        DbSlowdown = "db-slowdown",
        /// The database serves nothing: a GC pause, a failover.
        DbPause = "db-pause",
        /// Every invalidation is dropped.
        InvalidationOutage = "invalidation-outage",
        /// Popularity ranks are re-drawn: a sale, a launch.
        HotSetShift = "hot-set-shift",
    }
}

/// The tier a fault kind acts on: what its target names a node of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultTier {
    Cache,
    Db,
}

impl FaultKind {
    /// The tier the kind acts on; `None` for the workload's kinds.
    pub fn tier(self) -> Option<FaultTier> {
        match self {
            FaultKind::CacheDown | FaultKind::CacheFlush | FaultKind::CacheSlowdown => Some(FaultTier::Cache),
            FaultKind::InvalidationOutage => Some(FaultTier::Cache),
            FaultKind::DbSlowdown | FaultKind::DbPause => Some(FaultTier::Db),
            FaultKind::HotSetShift => None,
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

/// Which components a fault takes: a whole tier (the tier its kind
/// names), or one component of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Tier,
    Node(u16),
}

impl Target {
    /// Whether the fault reaches component `node` of its tier.
    pub fn covers(self, node: u16) -> bool {
        match self {
            Target::Tier => true,
            Target::Node(n) => n == node,
        }
    }
}

/// One fault as configured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    pub target: Target,
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

/// Which faults are active; what they mean for one component is its
/// health ([`cache_health`](Self::cache_health),
/// [`db_health`](Self::db_health)), which the system hands to the
/// component when a fault starts or ends: the request path asks the
/// component on every request, faults change rarely.
#[derive(Debug, Clone)]
pub struct FaultState {
    faults: Vec<Fault>,
    /// The active faults by index: health is recomputed from them alone,
    /// so a start or end costs O(log n + active), not O(n) over every
    /// fault declared.
    active: BTreeSet<usize>,
}

impl FaultState {
    pub fn new(faults: &[Fault]) -> Self {
        FaultState { faults: faults.to_vec(), active: BTreeSet::new() }
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
    }

    /// The active faults that reach component `node` of a tier, with the
    /// kinds in `kinds`.
    fn reaching(&self, node: u16, kinds: &'static [FaultKind]) -> impl Iterator<Item = &Fault> {
        let faults = &self.faults;
        self.active
            .iter()
            .map(move |&i| &faults[i])
            .filter(move |f| kinds.contains(&f.kind) && f.target.covers(node))
    }

    /// What the active faults mean for cache node `node`. Slowdowns
    /// multiply, in the order the faults are listed.
    pub fn cache_health(&self, node: u16) -> CacheHealth {
        CacheHealth {
            down: self.reaching(node, &[FaultKind::CacheDown]).next().is_some(),
            slowdown: self.reaching(node, &[FaultKind::CacheSlowdown]).map(|f| f.factor).product(),
            invalidations_dropped: self.reaching(node, &[FaultKind::InvalidationOutage]).next().is_some(),
        }
    }

    /// What the active faults mean for database node `node`.
    pub fn db_health(&self, node: u16) -> DbHealth {
        DbHealth {
            pause_end: self.reaching(node, &[FaultKind::DbPause]).map(Fault::end).max(),
            slowdown: self.reaching(node, &[FaultKind::DbSlowdown]).map(|f| f.factor).product(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_slowdowns_multiply_and_states_hold_while_any_reaching_the_node_is_active() {
        let fault =
            |kind, target, factor| Fault { kind, target, at: SimTime(0), duration: SimTime(10), factor };
        let slow = |factor| fault(FaultKind::DbSlowdown, Target::Tier, factor);
        let down = fault(FaultKind::CacheDown, Target::Tier, 1.0);
        let mut state =
            FaultState::new(&[slow(2.0), slow(3.0), down, fault(FaultKind::CacheDown, Target::Node(1), 1.0)]);
        assert_eq!(state.db_health(0).slowdown, 1.0);
        state.set_active(0, true);
        state.set_active(1, true);
        assert_eq!(state.db_health(0).slowdown, 6.0);
        assert!(!state.cache_health(0).down);
        state.set_active(3, true);
        assert!(
            !state.cache_health(0).down && state.cache_health(1).down,
            "a node's fault takes that node only"
        );
        state.set_active(2, true);
        assert!(state.cache_health(0).down && state.cache_health(1).down);
        assert_eq!(state.db_health(0).pause_end, None);
    }
}
