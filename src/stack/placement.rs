//! Which cache node owns a key: the hashing of keys over a cache tier of
//! several nodes, and where a lost node's keys go.
//!
//! A key is placed by a well-mixed 64-bit hash of its id (SplitMix64's
//! finaliser), so neighbouring keys — which are neighbouring popularity
//! ranks — land on unrelated nodes:
//! - `consistent`: a ketama-style ring, `vnodes` points per node; a key
//!   belongs to the first point at or after its hash. Losing a node moves
//!   only its keys, ≈ 1/N of them.
//! - `modulo`: the hash modulo the number of live nodes, over the live nodes
//!   in id order. Losing one of N moves ≈ 1 − 1/N of all keys.
//! - `rendezvous` (highest random weight): the live node with the highest
//!   hash of (key, node). Moves only the lost node's keys, like a ring,
//!   with exactly even shares in expectation.
//!
//! Owners are kept in a table, one `u16` per key, recomputed when a node is
//! lost or returns (rare events), so a lookup's routing is one load.

use crate::names::named_enum;

named_enum! {
    /// How keys are spread over the cache nodes.
    pub enum Hashing {
        /// A ketama ring of `vnodes` points per node.
        Consistent = "consistent",
        /// Hash modulo the live nodes.
        Modulo = "modulo",
        /// Highest random weight.
        Rendezvous = "rendezvous",
    }
}

named_enum! {
    /// Where the keys of a lost cache node go.
    pub enum OnNodeLoss {
        /// To the live node the hashing now picks.
        Rehash = "rehash",
        /// To a pool of spare gutter nodes, entries living `gutter_ttl_s`.
        Gutter = "gutter",
        /// Nowhere: they miss (read the database, fill nothing) until the
        /// node returns.
        Miss = "miss",
    }
}

/// The cache tier's shape, as configured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterConfig {
    /// Nodes that own keys (gutter nodes not included).
    pub nodes: u16,
    pub hashing: Hashing,
    /// Ring points per node (consistent hashing).
    pub vnodes: u32,
    pub on_node_loss: OnNodeLoss,
    /// Spare nodes that take a lost node's keys (`gutter` only).
    pub gutter_nodes: u16,
    /// The most popular keys (keys `0..hot_keys`) kept on
    /// `hot_key_replicas` nodes each, reads spread over the copies.
    pub hot_keys: u32,
    /// Copies of each hot key; 1: no replication.
    pub hot_key_replicas: u16,
}

impl ClusterConfig {
    /// One node: today's single cache.
    pub const SINGLE: ClusterConfig = ClusterConfig {
        nodes: 1,
        hashing: Hashing::Consistent,
        vnodes: 160,
        on_node_loss: OnNodeLoss::Rehash,
        gutter_nodes: 0,
        hot_keys: 0,
        hot_key_replicas: 1,
    };

    /// Every cache node there is: the owners, then the gutter pool.
    pub fn all_nodes(&self) -> u16 {
        self.nodes + self.gutter_nodes
    }
}

/// A well-mixed 64-bit hash (SplitMix64's finaliser): every input bit
/// reaches every output bit.
pub fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn key_hash(key: u32) -> u64 {
    mix64(u64::from(key))
}

/// Where point `v` of `node` sits on the ring. The top bit keeps ring
/// points apart from key hashes (keys are below 2³²): without it, point
/// `v` of node 0 would be exactly the hash of key `v`, and node 0 would
/// own the `vnodes` most popular keys.
fn point_hash(node: u16, v: u32) -> u64 {
    mix64(1 << 63 | u64::from(node) << 32 | u64::from(v))
}

/// The hash of `key` on `node`, for rendezvous hashing.
fn pair_hash(key: u32, node: u16) -> u64 {
    mix64(key_hash(key) ^ mix64(u64::from(node) | 1 << 40))
}

/// A hash ring: `vnodes` points for each of a set of nodes, sorted.
#[derive(Debug, Clone)]
struct Ring {
    points: Vec<(u64, u16)>,
}

impl Ring {
    fn new(nodes: impl Iterator<Item = u16>, vnodes: u32) -> Ring {
        let mut points: Vec<(u64, u16)> =
            nodes.flat_map(|n| (0..vnodes).map(move |v| (point_hash(n, v), n))).collect();
        points.sort_unstable();
        Ring { points }
    }

    fn owner(&self, hash: u64) -> u16 {
        let at = self.points.partition_point(|&(p, _)| p < hash);
        self.points.get(at).unwrap_or(&self.points[0]).1
    }

    /// The first `n` distinct nodes clockwise from `hash`.
    fn successors(&self, hash: u64, n: usize) -> Vec<u16> {
        let at = self.points.partition_point(|&(p, _)| p < hash);
        let mut nodes = Vec::with_capacity(n);
        for &(_, node) in self.points[at..].iter().chain(&self.points[..at]) {
            if !nodes.contains(&node) {
                nodes.push(node);
                if nodes.len() == n {
                    break;
                }
            }
        }
        nodes
    }
}

/// The `n` nodes that hold a copy of `key` among `live`: its owner first,
/// then the nodes the hashing ranks next (the ring's successors, the next
/// live nodes modulo, the next highest weights).
fn copies_over(config: &ClusterConfig, key: u32, live: &[u16], n: usize) -> Vec<u16> {
    let n = n.min(live.len());
    match config.hashing {
        Hashing::Consistent => Ring::new(live.iter().copied(), config.vnodes).successors(key_hash(key), n),
        Hashing::Modulo => {
            let first = (key_hash(key) % live.len() as u64) as usize;
            (0..n).map(|j| live[(first + j) % live.len()]).collect()
        }
        Hashing::Rendezvous => {
            let mut ranked = live.to_vec();
            ranked.sort_by_key(|&node| std::cmp::Reverse(pair_hash(key, node)));
            ranked.truncate(n);
            ranked
        }
    }
}

/// The owner of every key over a set of live nodes (ids in `0..nodes`).
fn owners_over(config: &ClusterConfig, keys: u32, live: &[u16]) -> Vec<u16> {
    match config.hashing {
        Hashing::Consistent => {
            let ring = Ring::new(live.iter().copied(), config.vnodes);
            (0..keys).map(|k| ring.owner(key_hash(k))).collect()
        }
        Hashing::Modulo => (0..keys).map(|k| live[(key_hash(k) % live.len() as u64) as usize]).collect(),
        Hashing::Rendezvous => {
            (0..keys).map(|k| *live.iter().max_by_key(|&&n| pair_hash(k, n)).expect("a live node")).collect()
        }
    }
}

/// Where each key lives now. With one node and no gutter there is no
/// table: every key is node 0's.
#[derive(Debug, Clone)]
pub struct Placement {
    config: ClusterConfig,
    keys: u32,
    /// Owner of each key, or empty for a single node.
    owner_of: Vec<u16>,
    /// Which nodes (owners, then gutter) are up.
    up: Vec<bool>,
    /// The nodes holding each hot key, its owner first (empty without
    /// hot-key replication).
    hot: Vec<Vec<u16>>,
}

impl Placement {
    pub fn new(config: ClusterConfig, keys: u32) -> Placement {
        let up = vec![true; usize::from(config.all_nodes())];
        let mut placement = Placement { config, keys, owner_of: Vec::new(), up, hot: Vec::new() };
        if config.all_nodes() > 1 {
            placement.owner_of = placement.compute();
            placement.hot = placement.compute_hot();
        }
        placement
    }

    /// Keys `0..hot_keys()` have several copies.
    #[inline(always)]
    pub fn hot_keys(&self) -> u32 {
        self.hot.len() as u32
    }

    /// The nodes holding a copy of hot key `key`, its owner first.
    pub fn copies(&self, key: u32) -> &[u16] {
        &self.hot[key as usize]
    }

    /// The node that owns `key` now.
    #[inline(always)]
    pub fn owner(&self, key: u32) -> u16 {
        match self.owner_of.is_empty() {
            true => 0,
            false => self.owner_of[key as usize],
        }
    }

    /// Marks which nodes are up; re-places the keys if that changed.
    /// Returns whether any key moved.
    pub fn set_up(&mut self, up: &[bool]) -> bool {
        if up == self.up.as_slice() || self.owner_of.is_empty() {
            self.up.copy_from_slice(up);
            return false;
        }
        self.up.copy_from_slice(up);
        let owners = self.compute();
        let moved = owners != self.owner_of;
        self.owner_of = owners;
        self.hot = self.compute_hot();
        moved
    }

    /// The copies of every hot key over the live owners (all of them if
    /// none is up). A hot key's first copy is its owner, as long as the
    /// owner is live.
    fn compute_hot(&self) -> Vec<Vec<u16>> {
        let c = &self.config;
        if c.hot_key_replicas <= 1 {
            return Vec::new();
        }
        let all: Vec<u16> = (0..c.nodes).collect();
        let live: Vec<u16> = all.iter().copied().filter(|&n| self.up[usize::from(n)]).collect();
        let over = if live.is_empty() { &all } else { &live };
        (0..c.hot_keys.min(self.keys))
            .map(|k| copies_over(c, k, over, usize::from(c.hot_key_replicas)))
            .collect()
    }

    /// Nodes that own keys by design (the gutter pool apart).
    pub fn owners(&self) -> u16 {
        self.config.nodes
    }

    /// Whether node `node` is one of the gutter pool.
    pub fn is_gutter(&self, node: u16) -> bool {
        node >= self.config.nodes
    }

    fn compute(&self) -> Vec<u16> {
        let c = &self.config;
        let all: Vec<u16> = (0..c.nodes).collect();
        let live: Vec<u16> = all.iter().copied().filter(|&n| self.up[usize::from(n)]).collect();
        match c.on_node_loss {
            // Every owner lost: the keys stay with their (down) owners,
            // whose lookups find them unreachable.
            OnNodeLoss::Miss => owners_over(c, self.keys, &all),
            OnNodeLoss::Rehash if live.is_empty() => owners_over(c, self.keys, &all),
            OnNodeLoss::Rehash => owners_over(c, self.keys, &live),
            OnNodeLoss::Gutter => {
                let mut owners = owners_over(c, self.keys, &all);
                let gutter: Vec<u16> =
                    (c.nodes..c.all_nodes()).filter(|&n| self.up[usize::from(n)]).collect();
                if !gutter.is_empty() && live.len() < all.len() {
                    // The gutter pool is placed by the same hashing, among
                    // its own nodes.
                    let spare = owners_over(c, self.keys, &gutter);
                    for (owner, spare) in owners.iter_mut().zip(spare) {
                        if !self.up[usize::from(*owner)] {
                            *owner = spare;
                        }
                    }
                }
                owners
            }
        }
    }

    /// The share of requests each node receives when key `k` is asked for
    /// with probability `p[k]`: Σ p over the keys it owns now.
    pub fn request_shares(&self, p: &[f64]) -> Vec<f64> {
        let mut shares = vec![0.0; usize::from(self.config.all_nodes())];
        for (k, &pk) in p.iter().enumerate() {
            shares[usize::from(self.owner(k as u32))] += pk;
        }
        shares
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(nodes: u16, hashing: Hashing, on_node_loss: OnNodeLoss, gutter_nodes: u16) -> ClusterConfig {
        ClusterConfig { nodes, hashing, vnodes: 160, on_node_loss, gutter_nodes, ..ClusterConfig::SINGLE }
    }

    #[test]
    fn a_hot_key_has_distinct_copies_led_by_its_owner() {
        for hashing in [Hashing::Consistent, Hashing::Modulo, Hashing::Rendezvous] {
            let config = ClusterConfig {
                hot_keys: 50,
                hot_key_replicas: 3,
                ..cluster(5, hashing, OnNodeLoss::Rehash, 0)
            };
            let mut p = Placement::new(config, 1000);
            assert_eq!(p.hot_keys(), 50);
            for k in 0..50 {
                let copies = p.copies(k);
                assert_eq!(copies.len(), 3);
                assert_eq!(copies[0], p.owner(k), "{hashing}: the owner holds the first copy");
                assert!(copies[1] != copies[0] && copies[2] != copies[0] && copies[1] != copies[2]);
            }
            p.set_up(&[true, false, true, true, true]);
            assert!((0..50).all(|k| !p.copies(k).contains(&1) && p.copies(k)[0] == p.owner(k)));
        }
    }

    /// The share of keys whose owner changes when node 3 of 4 is lost
    /// (VALIDATION.md K1: consistent ≈ 0.25 ± 0.03, modulo 0.75 ± 0.01).
    fn moved_on_losing_one_of_four(hashing: Hashing) -> f64 {
        let keys = 100_000;
        let mut p = Placement::new(cluster(4, hashing, OnNodeLoss::Rehash, 0), keys);
        let before: Vec<u16> = (0..keys).map(|k| p.owner(k)).collect();
        assert!(p.set_up(&[true, true, true, false]));
        let moved = (0..keys).filter(|&k| p.owner(k) != before[k as usize]).count();
        assert!((0..keys).all(|k| p.owner(k) != 3), "nothing stays on the lost node");
        // Only keys that moved changed owner; and the node coming back
        // takes exactly its keys back.
        p.set_up(&[true; 4]);
        assert!((0..keys).all(|k| p.owner(k) == before[k as usize]));
        moved as f64 / f64::from(keys)
    }

    #[test]
    fn k1_consistent_hashing_moves_a_quarter_and_modulo_three_quarters() {
        let consistent = moved_on_losing_one_of_four(Hashing::Consistent);
        assert!((consistent - 0.25).abs() < 0.03, "consistent moved {consistent}");
        let rendezvous = moved_on_losing_one_of_four(Hashing::Rendezvous);
        assert!((rendezvous - 0.25).abs() < 0.01, "rendezvous moved {rendezvous}");
        let modulo = moved_on_losing_one_of_four(Hashing::Modulo);
        assert!((modulo - 0.75).abs() < 0.01, "modulo moved {modulo}");
    }

    #[test]
    fn with_consistent_hashing_only_the_lost_nodes_keys_move() {
        let keys = 20_000;
        let mut p = Placement::new(cluster(5, Hashing::Consistent, OnNodeLoss::Rehash, 0), keys);
        let before: Vec<u16> = (0..keys).map(|k| p.owner(k)).collect();
        p.set_up(&[true, false, true, true, true]);
        for k in 0..keys {
            if before[k as usize] != 1 {
                assert_eq!(p.owner(k), before[k as usize], "key {k} moved off a live node");
            }
        }
    }

    #[test]
    fn a_nodes_share_is_within_a_few_percent_with_160_vnodes() {
        let keys = 200_000;
        for hashing in [Hashing::Consistent, Hashing::Modulo, Hashing::Rendezvous] {
            let p = Placement::new(cluster(4, hashing, OnNodeLoss::Rehash, 0), keys);
            let uniform = vec![1.0 / f64::from(keys); keys as usize];
            for share in p.request_shares(&uniform) {
                assert!((share - 0.25).abs() < 0.25 * 0.1, "{hashing}: share {share}");
            }
        }
    }

    #[test]
    fn gutter_takes_only_the_lost_nodes_keys_and_miss_keeps_them_on_it() {
        let keys = 10_000;
        let mut g = Placement::new(cluster(3, Hashing::Consistent, OnNodeLoss::Gutter, 1), keys);
        let before: Vec<u16> = (0..keys).map(|k| g.owner(k)).collect();
        assert!(before.iter().all(|&n| n < 3), "the gutter owns nothing while all are up");
        g.set_up(&[true, false, true, true]);
        for k in 0..keys {
            let expect = if before[k as usize] == 1 { 3 } else { before[k as usize] };
            assert_eq!(g.owner(k), expect);
        }
        let mut m = Placement::new(cluster(3, Hashing::Consistent, OnNodeLoss::Miss, 0), keys);
        assert!(!m.set_up(&[true, false, true]));
        assert!((0..keys).all(|k| m.owner(k) == before[k as usize]));
    }

    /// The most popular keys (the smallest ids) spread like any others.
    #[test]
    fn the_first_keys_are_spread_over_the_nodes() {
        for hashing in [Hashing::Consistent, Hashing::Modulo, Hashing::Rendezvous] {
            let p = Placement::new(cluster(4, hashing, OnNodeLoss::Rehash, 0), 1000);
            let mut seen = [0; 4];
            for k in 0..40 {
                seen[usize::from(p.owner(k))] += 1;
            }
            assert!(seen.iter().all(|&n| n >= 4), "{hashing}: first 40 keys per node {seen:?}");
        }
    }

    #[test]
    fn one_node_has_no_table_and_owns_everything() {
        let p = Placement::new(ClusterConfig::SINGLE, 1000);
        assert!(p.owner_of.is_empty());
        assert!((0..1000).all(|k| p.owner(k) == 0));
    }
}
