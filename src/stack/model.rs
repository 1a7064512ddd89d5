//! The validated model: everything a run needs, in domain types.

use crate::engine::SimTime;
use crate::metrics::{AlertRule, Slo};

use super::app::AppConfig;
use super::cache::CacheConfig;
use super::clients::ClientsConfig;
use super::database::DbConfig;
use super::faults::{Fault, Target};
use super::workload::WorkloadConfig;

/// Run length, measurement and guard settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// Simulated time, warm-up included.
    pub duration: SimTime,
    /// Excluded from the summary.
    pub warmup: SimTime,
    /// Time-series window.
    pub window: SimTime,
    pub seed: u64,
    /// Guard: more requests in flight, or more queued work, than this ends
    /// the run with status `diverged`.
    pub max_in_flight: u64,
    /// Guard: more events than this ends the run as `diverged`.
    pub max_events: u64,
}

/// An interval in which the model is disturbed: a fault or a load surge.
/// Recovery is measured from the end of the last one.
#[derive(Debug, Clone, PartialEq)]
pub struct Disturbance {
    /// What it is: `cache-down`, `spike ×4`, …
    pub label: String,
    pub from: SimTime,
    /// Equal to `from` for the faults that happen at an instant.
    pub to: SimTime,
}

/// A complete, validated model of the stack.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub run: RunConfig,
    pub workload: WorkloadConfig,
    pub clients: ClientsConfig,
    pub cache: CacheConfig,
    pub db: DbConfig,
    /// The application tier; `None`: clients talk to the cache directly.
    pub app: Option<AppConfig>,
    /// Zones the components are placed over, round robin.
    pub zones: u16,
    pub faults: Vec<Fault>,
    /// Alert rules evaluated on the run's windows.
    pub alerts: Vec<AlertRule>,
    pub slo: Slo,
    /// Configuration changed while running, in time order.
    pub changes: Vec<Change>,
}

/// A configuration change at a time: from `at` on, the run follows
/// `model` (the whole model as it is after this change and every earlier
/// one; its own `changes` are empty).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub at: SimTime,
    /// What changed, as written: `cache.ttl_s=60, db.servers=48`.
    pub label: String,
    /// The change restarts the cache with a new store (size or policy): a
    /// disturbance, as a cache-flush is.
    pub restarts_cache: bool,
    pub model: Box<Model>,
}

impl Model {
    /// About how many requests a run of this model makes: the arrival rate
    /// integrated over the run (the schedule's multipliers, a ramp at its
    /// mean), or for a closed loop one request per user per think time.
    /// What a sweep uses to start its longest jobs first.
    pub fn expected_requests(&self) -> f64 {
        let duration_s = self.run.duration.as_secs();
        if let Some(users) = self.clients.users {
            return f64::from(users) * duration_s / self.clients.think.as_secs().max(1e-3);
        }
        self.clients.load_shape().mass(duration_s)
    }

    /// The faults and load surges, in time order.
    pub fn disturbances(&self) -> Vec<Disturbance> {
        let faults = self.faults.iter().map(|f| Disturbance {
            label: match (f.target, f.kind.target_key()) {
                (Target::Node(n), Some(key)) if !f.targets_primary() => {
                    format!("{} {key} {n}", f.kind.name())
                }
                _ => f.kind.name().to_owned(),
            },
            from: f.at,
            to: f.end(),
        });
        let surges = self.clients.schedule.iter().filter(|s| s.is_surge()).map(|s| Disturbance {
            label: if s.from == s.to {
                format!("load ×{}", s.from)
            } else {
                format!("load ×{}→{}", s.from, s.to)
            },
            from: SimTime::from_secs(s.at_s),
            to: SimTime::from_secs(s.until_s),
        });
        let restarts = self.changes.iter().filter(|c| c.restarts_cache).map(|c| Disturbance {
            label: "cache restart (change)".into(),
            from: c.at,
            to: c.at,
        });
        let mut all: Vec<Disturbance> = faults.chain(surges).chain(restarts).collect();
        all.sort_by_key(|d| (d.from, d.to));
        all
    }
}
