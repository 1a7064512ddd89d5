//! What the clients ask for: which key, and whether to read or write it.
//!
//! Keys are dense integers `0..keys`. Key `k` is the `k+1`-th most popular
//! (rank = key), which lets a warm start fill the cache with keys
//! `0..capacity` and keeps every per-key table a plain `Vec`.

use rand::RngExt;

use crate::engine::{AliasTable, Rng};

use super::item_size::ItemSize;
use super::trace::TraceSpec;

/// How popularity is spread over the keys.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Popularity {
    /// P(key of rank i) ∝ i^(−s), i = 1..keys.
    Zipf {
        s: f64,
    },
    Uniform,
}

/// The workload as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadConfig {
    pub keys: u32,
    pub popularity: Popularity,
    /// Share of requests that are reads, in [0, 1]; the rest are writes.
    pub read_fraction: f64,
    /// Replay this access log instead of drawing requests (see `trace.rs`).
    pub trace: Option<TraceSpec>,
    /// Item sizes; `None`: sizes do not matter.
    pub size: Option<ItemSize>,
    /// Keys a user request reads in parallel (a page); 1: one key.
    pub fanout: u16,
}

/// A request's operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
}

impl WorkloadConfig {
    /// The probability of each key (normalised), in key order.
    pub fn probabilities(&self) -> Vec<f64> {
        let weights: Vec<f64> = match self.popularity {
            Popularity::Zipf { s } => (1..=self.keys).map(|i| f64::from(i).powf(-s)).collect(),
            Popularity::Uniform => vec![1.0; self.keys as usize],
        };
        let total: f64 = weights.iter().sum();
        weights.into_iter().map(|w| w / total).collect()
    }
}

/// Draws keys and operations, each from its own random stream.
#[derive(Debug, Clone)]
pub struct Workload {
    ranks: AliasTable,
    /// Key of each popularity rank once a hot-set shift has re-drawn them;
    /// empty while rank = key.
    key_of_rank: Vec<u32>,
    read_fraction: f64,
    key_rng: Rng,
    op_rng: Rng,
}

impl Workload {
    pub fn new(config: &WorkloadConfig, key_rng: Rng, op_rng: Rng) -> Self {
        let ranks = match config.popularity {
            Popularity::Uniform => AliasTable::uniform(config.keys),
            Popularity::Zipf { .. } => {
                AliasTable::new(config.probabilities()).expect("validated: keys >= 1, s finite")
            }
        };
        Workload { ranks, key_of_rank: Vec::new(), read_fraction: config.read_fraction, key_rng, op_rng }
    }

    #[inline(always)]
    pub fn next_key(&mut self) -> u32 {
        let rank = self.ranks.sample(&mut self.key_rng);
        match self.key_of_rank.get(rank as usize) {
            Some(&key) => key,
            None => rank,
        }
    }

    /// A page's further key, drawn from `rng` with the workload's
    /// popularity: the arrivals' key stream stays as it is.
    pub fn page_key(&self, rng: &mut Rng) -> u32 {
        let rank = self.ranks.sample(rng);
        self.key_of_rank.get(rank as usize).copied().unwrap_or(rank)
    }

    /// Re-draws which key holds which popularity rank (a uniformly random
    /// permutation): yesterday's bestsellers are no longer today's.
    pub fn shift_hot_set(&mut self, keys: u32, rng: &mut Rng) {
        if self.key_of_rank.is_empty() {
            self.key_of_rank = (0..keys).collect();
        }
        for i in (1..self.key_of_rank.len()).rev() {
            let j = rng.random_range(0..=i);
            self.key_of_rank.swap(i, j);
        }
    }

    #[inline]
    pub fn next_op(&mut self) -> Op {
        // Exact at the ends: no draw decides a pure-read or pure-write mix.
        if self.read_fraction >= 1.0 {
            Op::Read
        } else if self.read_fraction <= 0.0 || !self.op_rng.random_bool(self.read_fraction) {
            Op::Write
        } else {
            Op::Read
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;

    #[test]
    fn a_hot_set_shift_moves_popularity_to_other_keys() {
        let config = WorkloadConfig {
            keys: 1000,
            popularity: Popularity::Zipf { s: 1.2 },
            read_fraction: 1.0,
            trace: None,
            size: None,
            fanout: 1,
        };
        let streams = RandomStreams::new(3);
        let mut w = Workload::new(&config, streams.stream(0), streams.stream(1));
        let top_share =
            |w: &mut Workload| (0..20_000).filter(|_| w.next_key() < 10).count() as f64 / 20_000.0;
        let before = top_share(&mut w);
        w.shift_hot_set(1000, &mut streams.stream(2));
        let after = top_share(&mut w);
        assert!(before > 0.4 && after < 0.1, "keys 0..10 drew {before} before, {after} after");
    }

    #[test]
    fn zipf_probabilities_follow_the_power_law() {
        let config = WorkloadConfig {
            keys: 3,
            popularity: Popularity::Zipf { s: 1.0 },
            read_fraction: 1.0,
            trace: None,
            size: None,
            fanout: 1,
        };
        let p = config.probabilities();
        let h3 = 1.0 + 0.5 + 1.0 / 3.0;
        for (i, expected) in [1.0 / h3, 0.5 / h3, (1.0 / 3.0) / h3].iter().enumerate() {
            assert!((p[i] - expected).abs() < 1e-12);
        }
    }
}
