//! The write path: a write commits at the primary, reaches each replica
//! after its lag, and its invalidation goes to the cache node that owns
//! the key — at once, later, or lost.

use crate::engine::SimTime;
use crate::metrics::Counter;
use crate::stack::cache::Invalidation;
use crate::stack::database::{DbJob, QueryOrigin};
use crate::stack::ids::{CacheNodeId, DbNodeId};

use super::{Event, System};

impl<const SINGLE: bool> System<'_, SINGLE> {
    /// The primary committed `job`, a write: invalidate, and answer the
    /// client if it still waits.
    pub(super) fn write_committed(&mut self, job: DbJob, now: SimTime) {
        if job.origin == QueryOrigin::Lost {
            return; // failed when its node went down, and never committed
        }
        let primary = self.topology.primary_id::<SINGLE>();
        let t = &mut self.topology;
        if !SINGLE && let Some(replication) = &mut t.replication {
            let version = t.db.get(primary.0).version(job.key);
            let (queue, recorder, db) = (&mut self.queue, &mut self.recorder, &t.db);
            let health = |n: DbNodeId| {
                let h = db.get(n.0).health;
                (!h.down).then_some(h.lag_factor)
            };
            for (node, lag) in replication.lags(job.key, primary, health) {
                recorder.replica_lag(lag, now);
                queue.schedule(now + lag, Event::ReplicaApply { key: job.key, version, node });
            }
        }
        self.invalidate(job.key, now);
        if self.is_live(job.request, job.attempt) {
            self.write_succeeded(job.request, now);
        }
    }

    /// Sends the invalidation of `key` to its owner node, or to every copy
    /// of a hot key.
    fn invalidate(&mut self, key: u32, now: SimTime) {
        if self.model.cache.invalidation == Invalidation::TtlOnly {
            return;
        }
        if !SINGLE && key < self.topology.placement.hot_keys() {
            for node in self.topology.holders(key) {
                self.invalidate_at(key, node, now);
            }
        } else {
            self.invalidate_at(key, self.topology.owner::<SINGLE>(key), now);
        }
    }

    fn invalidate_at(&mut self, key: u32, node: CacheNodeId, now: SimTime) {
        let cache = &self.model.cache;
        self.recorder.count(Counter::Invalidation);
        if self.topology.cache_node::<SINGLE>(node).invalidation_lost(cache.invalidation_loss) {
            self.recorder.count(Counter::LostInvalidation);
            return;
        }
        let delay = cache.invalidation_delay;
        if delay == SimTime::ZERO {
            self.apply_invalidation(key, node, now);
        } else {
            self.queue.schedule(now + delay, Event::Invalidate { key, node });
        }
    }

    /// Replica `node` applies `version` of `key`.
    pub(super) fn replica_applies(&mut self, key: u32, version: u32, node: DbNodeId) {
        self.topology.db_node::<SINGLE>(node).apply(key, version);
        if let Some(replication) = &mut self.topology.replication {
            replication.applied(key);
        }
    }

    /// An invalidation of `key` reaches `node`.
    pub(super) fn apply_invalidation(&mut self, key: u32, node: CacheNodeId, now: SimTime) {
        let version = self.topology.primary::<SINGLE>().version(key);
        let t = &mut self.topology;
        t.cache.node_mut::<SINGLE>(node.0).invalidate(
            key,
            self.model.cache.invalidation,
            version,
            &t.sizes,
            now,
        );
    }
}
