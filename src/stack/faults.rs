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
        /// A database node is gone: it refuses queries and those it held
        /// are lost. The primary's loss fails writes until a replica is
        /// promoted `db.failover_s` later; a replica's moves reads to the
        /// others.
        DbDown = "db-down",
        /// Replicas apply writes `factor` times later.
        ReplicaLag = "replica-lag",
        /// An application instance is gone: the balancer keeps sending to
        /// it until a health check notices.
        AppDown = "app-down",
        /// Every component placed in a zone is down at once.
        ZoneDown = "zone-down",
    }
}

/// The tier a fault kind acts on: what its target names a node of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultTier {
    Cache,
    Db,
    App,
    /// Every tier, by zone.
    Zone,
}

impl FaultKind {
    /// The tier the kind acts on; `None` for the workload's kinds.
    pub fn tier(self) -> Option<FaultTier> {
        match self {
            FaultKind::CacheDown | FaultKind::CacheFlush | FaultKind::CacheSlowdown => Some(FaultTier::Cache),
            FaultKind::InvalidationOutage => Some(FaultTier::Cache),
            FaultKind::DbSlowdown | FaultKind::DbPause | FaultKind::DbDown | FaultKind::ReplicaLag => {
                Some(FaultTier::Db)
            }
            FaultKind::AppDown => Some(FaultTier::App),
            FaultKind::ZoneDown => Some(FaultTier::Zone),
            FaultKind::HotSetShift => None,
        }
    }

    /// Whether the kind lasts for a duration (or happens at an instant).
    pub fn lasts(self) -> bool {
        !matches!(self, FaultKind::CacheFlush | FaultKind::HotSetShift)
    }

    /// Whether the kind takes a `factor`.
    pub fn has_factor(self) -> bool {
        matches!(self, FaultKind::CacheSlowdown | FaultKind::DbSlowdown | FaultKind::ReplicaLag)
    }

    /// The key of a fault's target, by the tier it acts on.
    pub fn target_key(self) -> Option<&'static str> {
        Some(match self.tier()? {
            FaultTier::Cache => "node",
            FaultTier::Db => "replica",
            FaultTier::App => "instance",
            FaultTier::Zone => "zone",
        })
    }
}

/// Which components a fault takes: a whole tier (the tier its kind
/// names), or one component of it (for `zone-down`, one zone).
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
    /// Whether it is a database fault of the primary (node 0): what one
    /// without `replica` takes.
    pub fn targets_primary(&self) -> bool {
        self.kind.tier() == Some(FaultTier::Db) && self.target == Target::Node(0)
    }

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

    /// Whether `kind` (a down kind of the component's tier) or a
    /// `zone-down` of its `zone` holds.
    fn is_down(&self, node: u16, zone: u16, kind: &'static [FaultKind]) -> bool {
        self.reaching(node, kind).next().is_some()
            || self.reaching(zone, &[FaultKind::ZoneDown]).next().is_some()
    }

    /// What the active faults mean for cache node `node` in `zone`.
    /// Slowdowns multiply, in the order the faults are listed.
    pub fn cache_health(&self, node: u16, zone: u16) -> CacheHealth {
        CacheHealth {
            down: self.is_down(node, zone, &[FaultKind::CacheDown]),
            slowdown: self.reaching(node, &[FaultKind::CacheSlowdown]).map(|f| f.factor).product(),
            invalidations_dropped: self.reaching(node, &[FaultKind::InvalidationOutage]).next().is_some(),
        }
    }

    /// What the active faults mean for database node `node` in `zone`.
    pub fn db_health(&self, node: u16, zone: u16) -> DbHealth {
        DbHealth {
            down: self.is_down(node, zone, &[FaultKind::DbDown]),
            pause_end: self.reaching(node, &[FaultKind::DbPause]).map(Fault::end).max(),
            slowdown: self.reaching(node, &[FaultKind::DbSlowdown]).map(|f| f.factor).product(),
            lag_factor: self.reaching(node, &[FaultKind::ReplicaLag]).map(|f| f.factor).product(),
        }
    }

    /// Whether application instance `instance` in `zone` is down.
    pub fn app_down(&self, instance: u16, zone: u16) -> bool {
        self.is_down(instance, zone, &[FaultKind::AppDown])
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
        assert_eq!(state.db_health(0, 0).slowdown, 1.0);
        state.set_active(0, true);
        state.set_active(1, true);
        assert_eq!(state.db_health(0, 0).slowdown, 6.0);
        assert!(!state.cache_health(0, 0).down);
        state.set_active(3, true);
        assert!(
            !state.cache_health(0, 0).down && state.cache_health(1, 0).down,
            "a node's fault takes that node only"
        );
        state.set_active(2, true);
        assert!(state.cache_health(0, 0).down && state.cache_health(1, 0).down);
        assert_eq!(state.db_health(0, 0).pause_end, None);
    }

    #[test]
    fn a_zone_down_takes_every_tier_in_that_zone_and_nothing_else() {
        let zone = Fault {
            kind: FaultKind::ZoneDown,
            target: Target::Node(1),
            at: SimTime(0),
            duration: SimTime(10),
            factor: 1.0,
        };
        let mut state = FaultState::new(&[zone]);
        state.set_active(0, true);
        assert!(state.cache_health(0, 1).down && state.db_health(4, 1).down && state.app_down(7, 1));
        assert!(!state.cache_health(1, 0).down && !state.db_health(1, 2).down && !state.app_down(1, 0));
    }
}
