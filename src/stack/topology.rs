//! The stack as deployed: its components in `Vec`s, addressed by small ids
//! that the events carry, built once from the model.
//!
//! The cache tier has `cache.nodes` nodes (and a gutter pool), keys placed
//! by [`Placement`]; the database tier is one node. The ids, the builder
//! and the routing ([`owner`](Topology::owner),
//! [`read_node`](Topology::read_node)) are where replicas and an
//! application tier plug in (`docs/architecture.md`).

use rand::RngExt;

use crate::engine::{EventQueue, RandomStreams, Rng, SimTime};
use crate::metrics::{Component, Gauges, NodeGauge, Tier};

use super::app::AppTier;
use super::cache::CacheConfig;
use super::cache_node::{CacheNode, Service};
use super::database::{Database, ReadFrom};
use super::faults::{FaultKind, FaultState};
pub use super::ids::{CacheNodeId, DbNodeId};
use super::item_size::KeySizes;
use super::model::Model;
use super::placement::Placement;
use super::service_time::{ServiceSampler, ServiceTime};
use super::stream::{Purpose, stream};

/// The nodes of one tier, in id order. The first is a field of its own,
/// the rest a `Vec`: a tier of one node — most models — costs what a
/// single component did (an id known to be 0 needs no bounds check, and
/// the primary, asked for the committed version on every read, is one
/// load away), while any number of nodes fits.
#[derive(Debug)]
pub struct Nodes<T> {
    first: T,
    rest: Vec<T>,
}

impl<T> Nodes<T> {
    fn new(mut nodes: Vec<T>) -> Self {
        assert!(!nodes.is_empty(), "a tier has a node");
        let rest = nodes.split_off(1);
        Nodes { first: nodes.pop().expect("one node"), rest }
    }

    #[inline(always)]
    pub fn get(&self, id: u16) -> &T {
        match id {
            0 => &self.first,
            n => &self.rest[usize::from(n - 1)],
        }
    }

    /// Node `id`; with `ONE` (the tier has one node), the first, whatever
    /// the id says — a constant the compiler can see.
    #[inline(always)]
    pub fn node_mut<const ONE: bool>(&mut self, id: u16) -> &mut T {
        if ONE { &mut self.first } else { self.get_mut(id) }
    }

    #[inline(always)]
    pub fn get_mut(&mut self, id: u16) -> &mut T {
        match id {
            0 => &mut self.first,
            n => &mut self.rest[usize::from(n - 1)],
        }
    }

    pub fn len(&self) -> usize {
        1 + self.rest.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        std::iter::once(&self.first).chain(&self.rest)
    }

    /// The nodes with their ids.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u16, &mut T)> {
        (0..).zip(std::iter::once(&mut self.first).chain(&mut self.rest))
    }
}

/// Every component of the stack.
#[derive(Debug)]
pub struct Topology {
    /// The application tier, if the model has one.
    pub app: Option<AppTier>,
    /// The owners, then the gutter pool.
    pub cache: Nodes<CacheNode>,
    /// The primary (id 0), then the replicas.
    pub db: Nodes<Database>,
    /// Which cache node owns each key.
    pub placement: Placement,
    /// Each key's item size.
    pub sizes: KeySizes,
    /// Picks which copy of a hot key a read asks.
    hot_rng: Rng,
    /// How writes reach the replicas; `None` without replicas.
    pub replication: Option<Replication>,
    /// Where writes commit now: node 0 until a failover promotes a replica.
    primary: DbNodeId,
    /// Zones the components are placed over, round robin (1: no zones).
    zones: u16,
}

/// Writes on their way to the replicas.
#[derive(Debug)]
pub struct Replication {
    lag: ServiceSampler,
    /// One stream per database node (component = its node id): any node
    /// but the primary of the moment is a replica.
    rngs: Vec<Rng>,
    /// Per key, applies still on their way (kept with remote markers only).
    pending: Vec<u16>,
    read_from: ReadFrom,
    /// Per node, the lag of every write sent to it [ns] and how many: the
    /// telemetry's mean lag.
    sent: Vec<(u128, u64)>,
}

impl Replication {
    /// A write of `key` committed at `primary`: when each other node that
    /// is up applies it, its lag stretched by its `lag_factor` (`health`
    /// gives a node's factor, `None` while it is down: it resynchronises
    /// when it returns).
    pub fn lags<'a>(
        &'a mut self,
        key: u32,
        primary: DbNodeId,
        health: impl Fn(DbNodeId) -> Option<f64> + 'a,
    ) -> impl Iterator<Item = (DbNodeId, SimTime)> + 'a {
        let lag = &self.lag;
        let pending = self.pending.get_mut(key as usize);
        let nodes = self.rngs.iter_mut().zip(&mut self.sent).enumerate();
        let mut pending = pending;
        nodes.filter(move |(id, _)| *id != usize::from(primary.0)).filter_map(move |(id, (rng, sent))| {
            let node = DbNodeId(id as u16);
            let factor = health(node)?;
            let drawn = lag.sample(rng);
            let lag =
                if factor == 1.0 { drawn } else { SimTime::from_ns_f64(drawn.as_nanos() as f64 * factor) };
            sent.0 += u128::from(lag.as_nanos());
            sent.1 += 1;
            if let Some(p) = pending.as_deref_mut() {
                *p += 1;
            }
            Some((node, lag))
        })
    }

    /// One of `key`'s applies arrived.
    pub fn applied(&mut self, key: u32) {
        if let Some(p) = self.pending.get_mut(key as usize) {
            *p -= 1;
        }
    }
}

/// The configuration of cache node `id`: the tier's, except that gutter
/// nodes hold what they are given for `gutter_ttl` only.
pub fn node_config(cache: &CacheConfig, id: u16) -> std::borrow::Cow<'_, CacheConfig> {
    if id < cache.cluster.nodes {
        std::borrow::Cow::Borrowed(cache)
    } else {
        std::borrow::Cow::Owned(CacheConfig {
            ttl: Some(cache.gutter_ttl),
            warm_start: false,
            ..cache.clone()
        })
    }
}

impl Topology {
    /// Builds the components `model` describes. Lanes of `queue` that the
    /// components need are added here, in component order.
    pub fn build<E: Copy>(model: &Model, streams: &RandomStreams, queue: &mut EventQueue<E>) -> Topology {
        let (cache, keys) = (&model.cache, model.workload.keys);
        // Lookups of constant duration on unlimited servers end in the
        // order they start, unless a slowdown stretches some of them.
        let slowed = model.faults.iter().any(|f| f.kind == FaultKind::CacheSlowdown);
        let in_order = matches!(cache.lookup, ServiceTime::Deterministic { .. })
            && CacheNode::service_of(cache) == Service::Unlimited
            && !slowed;
        let cluster = cache.cluster;
        let cache_nodes = (0..cluster.all_nodes()).map(|id| {
            CacheNode::new(&node_config(cache, id), keys, id, streams, in_order.then(|| queue.add_lane()))
        });
        let db_nodes = (0..=model.db.replicas).map(|id| Database::new(&model.db, keys, id, streams));
        let replication = (model.db.replicas > 0).then(|| Replication {
            lag: model.db.replica_lag.sampler(),
            rngs: (0..=model.db.replicas).map(|id| stream(streams, Purpose::ReplicaLag, id)).collect(),
            pending: if cache.remote_markers { vec![0; keys as usize] } else { Vec::new() },
            read_from: model.db.read_from,
            sent: vec![(0, 0); usize::from(model.db.replicas) + 1],
        });
        let traced = model.workload.trace.is_some();
        let mut size_rng = stream(streams, Purpose::ItemSize, 0);
        let mut topology = Topology {
            app: model.app.as_ref().map(|a| AppTier::new(a, streams)),
            cache: Nodes::new(cache_nodes.collect()),
            db: Nodes::new(db_nodes.collect()),
            placement: Placement::new(cluster, keys),
            sizes: KeySizes::new(model.workload.size.as_ref(), keys, traced, &mut size_rng),
            hot_rng: stream(streams, Purpose::HotKeyRead, 0),
            replication,
            primary: DbNodeId::PRIMARY,
            zones: model.zones,
        };
        if cache.warm_start {
            topology.warm(keys);
        }
        topology
    }

    /// Fills every owner with the hottest keys it owns that fit (key k is
    /// the (k+1)-th most popular), until none has room left.
    fn warm(&mut self, keys: u32) {
        let smallest = (0..keys).map(|k| self.sizes.of(k)).min().unwrap_or(1);
        let mut open = self.placement.owners();
        for key in 0..keys {
            let node = self.placement.owner(key);
            let size = self.sizes.of(key);
            let store = &mut self.cache.get_mut(node).store;
            if store.fits(size) {
                store.store(key, 0, SimTime::ZERO, SimTime::ZERO, &self.sizes);
                if !store.fits(smallest) {
                    open -= 1;
                    if open == 0 {
                        break;
                    }
                }
            }
        }
    }

    /// The cache node that owns `key` now; `SINGLE`: the tier is one node.
    #[inline(always)]
    pub fn owner<const SINGLE: bool>(&self, key: u32) -> CacheNodeId {
        if SINGLE { CacheNodeId(0) } else { CacheNodeId(self.placement.owner(key)) }
    }

    /// The cache node a read of `key` asks: its owner, or for a hot key
    /// with copies, one of them uniformly.
    #[inline(always)]
    pub fn read_owner<const SINGLE: bool>(&mut self, key: u32) -> CacheNodeId {
        if SINGLE {
            return CacheNodeId(0);
        }
        self.route_read(key)
    }

    #[inline(never)]
    fn route_read(&mut self, key: u32) -> CacheNodeId {
        if key < self.placement.hot_keys() {
            let copies = self.placement.copies(key);
            return CacheNodeId(copies[self.hot_rng.random_range(0..copies.len())]);
        }
        self.owner::<false>(key)
    }

    /// Every cache node holding `key`: its owner, or a hot key's copies.
    pub fn holders(&self, key: u32) -> Vec<CacheNodeId> {
        if key < self.placement.hot_keys() {
            self.placement.copies(key).iter().map(|&n| CacheNodeId(n)).collect()
        } else {
            vec![self.owner::<false>(key)]
        }
    }

    /// The database node a read of `key` goes to: the primary, or with
    /// replicas the one with the least outstanding work — unless a remote
    /// marker says the key's last write is still on its way.
    #[inline(always)]
    pub fn read_node<const SINGLE: bool>(&self, key: u32) -> DbNodeId {
        if SINGLE {
            return DbNodeId::PRIMARY;
        }
        match &self.replication {
            None => DbNodeId::PRIMARY,
            Some(r) => self.replica_for(r, key),
        }
    }

    /// With replicas: the primary when `read_from` or a marker says so,
    /// or when every replica is down; else the live replica with the
    /// least outstanding work.
    #[inline(never)]
    fn replica_for(&self, r: &Replication, key: u32) -> DbNodeId {
        if r.read_from == ReadFrom::Primary || r.pending.get(key as usize).is_some_and(|&p| p > 0) {
            return self.primary;
        }
        let replicas = (0..self.db.len() as u16)
            .filter(|&id| id != self.primary.0 && !self.db.get(id).health.down)
            .map(|id| (self.db.get(id).outstanding(), id));
        replicas.min().map_or(self.primary, |(_, id)| DbNodeId(id))
    }

    /// Where writes commit now; `SINGLE`: node 0.
    #[inline(always)]
    pub fn primary_id<const SINGLE: bool>(&self) -> DbNodeId {
        if SINGLE { DbNodeId::PRIMARY } else { self.primary }
    }

    /// Promotes the first live replica if `from` is still the primary and
    /// still down: it applies what it had not (no committed write is
    /// lost) and takes the writes. Returns the new primary.
    pub fn fail_over(&mut self, from: DbNodeId) -> Option<DbNodeId> {
        if self.primary != from || !self.db.get(from.0).health.down {
            return None;
        }
        let to = (0..self.db.len() as u16).find(|&id| id != from.0 && !self.db.get(id).health.down)?;
        let old = self.db.get(from.0).clone();
        self.db.get_mut(to).catch_up(&old);
        self.primary = DbNodeId(to);
        Some(self.primary)
    }

    /// Database node `id` is back: unless it is the primary, it
    /// resynchronises from the primary before it serves.
    pub fn restart_db(&mut self, id: DbNodeId) {
        if id != self.primary {
            let primary = self.db.get(self.primary.0).clone();
            self.db.get_mut(id.0).catch_up(&primary);
        }
        self.db.get_mut(id.0).restart();
    }

    /// The zone a component at `index` of its tier is placed in.
    pub fn zone_of(&self, index: u16) -> u16 {
        index % self.zones
    }

    /// Cache node `id`; `SINGLE`: the tier is one node (see [`Nodes::node_mut`]).
    #[inline(always)]
    pub fn cache_node<const SINGLE: bool>(&mut self, id: CacheNodeId) -> &mut CacheNode {
        self.cache.node_mut::<SINGLE>(id.0)
    }

    #[inline(always)]
    pub fn db_node<const SINGLE: bool>(&mut self, id: DbNodeId) -> &mut Database {
        self.db.node_mut::<SINGLE>(id.0)
    }

    /// The primary: the source of truth for every key's version.
    /// `SINGLE`: node 0, known to the compiler.
    #[inline(always)]
    pub fn primary<const SINGLE: bool>(&self) -> &Database {
        self.db.get(self.primary_id::<SINGLE>().0)
    }

    /// Jobs waiting at the cache nodes and at the database nodes.
    pub fn waiting(&self) -> (u64, u64) {
        let cache = self.cache.iter().map(|n| n.queue_len() as u64).sum();
        (cache, self.db.iter().map(|n| n.station().queue_len() as u64).sum())
    }

    /// Hands every component its health under the active `faults`, and
    /// re-places the keys if a cache node was lost or returned.
    pub fn apply_health(&mut self, faults: &FaultState) {
        let zones = self.zones;
        if let Some(app) = &mut self.app {
            for (id, instance) in (0..).zip(&mut app.instances) {
                instance.down = faults.app_down(id, id % zones);
            }
        }
        for (id, node) in self.cache.iter_mut() {
            node.health = faults.cache_health(id, id % zones);
        }
        for (id, node) in self.db.iter_mut() {
            node.health = faults.db_health(id, id % zones);
        }
        let up: Vec<bool> = self.cache.iter().map(|n| !n.health.down).collect();
        self.placement.set_up(&up);
    }

    /// Cache nodes down now.
    pub fn cache_nodes_down(&self) -> u16 {
        self.cache.iter().filter(|n| n.health.down).count() as u16
    }

    /// The components as the telemetry lists them: app instances, cache
    /// nodes, then database nodes.
    pub fn components(&self, model: &Model) -> Vec<Component> {
        let instances = self.app.as_ref().map_or(0, |a| a.instances.len() as u16);
        let app = (0..instances).map(|node| Component {
            tier: Tier::App,
            node,
            zone: self.zone_of(node),
            servers: model.app.as_ref().map(|a| a.workers),
        });
        let cache = (0..self.cache.len() as u16).map(|node| Component {
            tier: if self.placement.is_gutter(node) { Tier::Gutter } else { Tier::Cache },
            node,
            zone: self.zone_of(node),
            servers: model.cache.servers,
        });
        let db = (0..self.db.len() as u16).map(|node| Component {
            tier: Tier::Db,
            node,
            zone: self.zone_of(node),
            servers: Some(model.db.servers),
        });
        app.chain(cache).chain(db).collect()
    }

    /// Every component's gauge at `at`, in [`components`](Self::components)
    /// order.
    pub fn node_gauges(&self, at: SimTime) -> Vec<NodeGauge> {
        let known = self.sizes.are_known();
        let cache = self.cache.iter().map(|n| n.gauge(at, known));
        let lag = |id: usize| self.replication.as_ref().map(|r| r.sent[id]).filter(|&(_, n)| n > 0);
        let db = self.db.iter().enumerate().map(|(id, n)| NodeGauge { lag: lag(id), ..n.gauge(at) });
        let app = self.app.iter().flat_map(|a| a.instances.iter().map(|i| i.gauge(at)));
        app.chain(cache).chain(db).collect()
    }

    /// The tiers' levels at `at`: sums over their nodes. `in_flight` is
    /// the system's, not a component's: left 0 for the caller.
    pub fn tier_gauges(&self, at: SimTime) -> Gauges {
        let mut g = Gauges::default();
        for instance in self.app.iter().flat_map(|a| &a.instances) {
            g.app_busy += instance.gauge(at).busy;
        }
        for node in self.cache.iter() {
            let n = node.gauge(at, false);
            g.lookups += n.lookups.unwrap_or(0);
            g.hits += n.hits.unwrap_or(0);
            let stats = node.store.stats();
            g.cache_busy += n.busy;
            g.cache_queue += n.queued;
            g.cache_entries += node.store.len() as u64;
            g.evictions += stats.evictions;
            g.expirations += stats.expirations;
        }
        for node in self.db.iter() {
            let station = node.station();
            g.db_busy += station.busy().area_at(at);
            g.db_queue += station.queued().area_at(at);
            g.db_saturated += station.saturated().area_at(at);
        }
        g
    }
}
