//! A configuration change takes effect: the run follows the changed
//! model from now on.
//!
//! What the loop reads from the model at each step (retry limits and
//! backoff, invalidation mode, delay and loss, lease wait, early-refresh
//! β, fail-open, cancelling abandoned work) follows by itself; what the
//! components were built with is handed to them here: TTLs and stale
//! windows (applied to what is stored too), leases and single flight
//! switched on or off, resized server pools (work that can start on new
//! servers starts now; on fewer, work in service finishes), queue limits,
//! and timeouts for the attempts and queries that start (or join a line)
//! from now on — a FIFO line sheds its oldest first, so work already
//! waiting keeps its own deadline. A
//! changed store (capacity, memory or eviction policy) is a restart: every
//! node comes back empty with the new store.

use crate::engine::{RandomStreams, SimTime};

use super::super::retry::RetryBudget;
use super::super::topology::{CacheNodeId, DbNodeId, node_config};
use super::{Event, System, is_abandoned};

impl<'m, const SINGLE: bool> System<'m, SINGLE> {
    pub(super) fn on_change(&mut self, index: usize, now: SimTime) {
        let before = self.model;
        let after: &'m super::Model = &self.changes[index].model;
        self.model = after;
        // A timeout's events go on a lane in due order: a new constant
        // needs a lane of its own (the old one drains as it is).
        if after.clients.timeout != before.clients.timeout {
            self.client_timeout = after.clients.timeout.map(|t| (t, self.queue.add_lane()));
        }
        if after.db.queue_timeout != before.db.queue_timeout {
            self.queue_timeout = after.db.queue_timeout.map(|t| (t, self.queue.add_lane()));
        }
        let (b, a) = (&before.clients.retry, &after.clients.retry);
        if (a.budget_ratio, a.budget_burst) != (b.budget_ratio, b.budget_burst) {
            self.budget = a.budget_ratio.map(|ratio| RetryBudget::new(ratio, a.budget_burst));
        }
        let keys = after.workload.keys;
        let ac = &after.cache;
        let restart = self.changes[index].restarts_cache;
        // A restart's stores draw from streams of their own.
        let streams =
            RandomStreams::new(after.run.seed ^ 0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(index as u64 + 1));
        for id in (0..self.topology.cache.len() as u16).map(CacheNodeId) {
            let config = node_config(ac, id.0);
            let node = self.topology.cache_node::<SINGLE>(id);
            if restart {
                node.restart_store(&config, keys, id.0, &streams);
            }
            for started in node.reconfigure(&config, keys, now) {
                self.schedule_lookup_end(id, Event::LookupDone { node: id, slot: started.slot }, now);
            }
        }
        let cancels = after.db.cancel_on_timeout;
        for id in (0..self.topology.db.len() as u16).map(DbNodeId) {
            let requests = &self.requests;
            let (started, cancelled) =
                self.topology
                    .db_node::<SINGLE>(id)
                    .reconfigure(&after.db, now, |job| cancels && is_abandoned(requests, job));
            self.recorder.count_n(crate::metrics::Counter::CancelledQuery, cancelled);
            for started in started {
                self.start_query(id, started.slot, started.waited, now);
            }
        }
        if (after.db.servers, after.cache.servers) != (before.db.servers, before.cache.servers) {
            let db_nodes = after.db.servers * (1 + u32::from(after.db.replicas));
            self.recorder.servers_changed(now, db_nodes, after.cache.servers);
        }
    }
}
