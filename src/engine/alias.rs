//! Walker's alias method: O(1) sampling from a fixed discrete distribution.

use rand::RngExt;
use rand_distr::Distribution;
use rand_distr::weighted::WeightedAliasIndex;

use super::Rng;

/// Samples an index `i` with probability `weights[i] / sum(weights)` in
/// constant time (two uniform draws).
#[derive(Debug, Clone)]
pub struct AliasTable {
    inner: Inner,
}

#[derive(Debug, Clone)]
enum Inner {
    /// Every index equally likely: no table needed.
    Uniform(u32),
    Weighted(WeightedAliasIndex<f64>),
}

impl AliasTable {
    /// A table over `weights`, which must be finite, non-negative and not all
    /// zero, with fewer than 2^32 entries.
    pub fn new(weights: Vec<f64>) -> Result<AliasTable, String> {
        if weights.len() == 1 {
            // One outcome: nothing to draw (but the weight must be valid).
            return WeightedAliasIndex::new(weights)
                .map(|_| AliasTable { inner: Inner::Uniform(1) })
                .map_err(|e| e.to_string());
        }
        WeightedAliasIndex::new(weights)
            .map(|t| AliasTable { inner: Inner::Weighted(t) })
            .map_err(|e| e.to_string())
    }

    /// All `n` indices equally likely (`n > 0`).
    pub fn uniform(n: u32) -> AliasTable {
        assert!(n > 0, "a distribution needs at least one outcome");
        AliasTable { inner: Inner::Uniform(n) }
    }

    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> u32 {
        match &self.inner {
            // A single outcome needs no draw: sampling it costs nothing
            // and leaves the stream where it was.
            Inner::Uniform(1) => 0,
            Inner::Uniform(n) => rng.random_range(0..*n),
            Inner::Weighted(table) => table.sample(rng) as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;

    #[test]
    fn frequencies_match_weights() {
        let table = AliasTable::new(vec![1.0, 2.0, 7.0]).unwrap();
        let mut rng = RandomStreams::new(7).stream(0);
        let mut counts = [0u32; 3];
        let n = 200_000;
        for _ in 0..n {
            counts[table.sample(&mut rng) as usize] += 1;
        }
        // Binomial standard error at p = 0.7, n = 2e5 is 0.001; allow 5 of them.
        for (count, p) in counts.iter().zip([0.1, 0.2, 0.7]) {
            assert!((f64::from(*count) / f64::from(n) - p).abs() < 0.005, "{counts:?}");
        }
    }

    #[test]
    fn rejects_bad_weights() {
        assert!(AliasTable::new(vec![]).is_err());
        assert!(AliasTable::new(vec![0.0, 0.0]).is_err());
        assert!(AliasTable::new(vec![1.0, -1.0]).is_err());
    }
}
