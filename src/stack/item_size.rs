//! Item sizes: how many bytes a key's value takes in a cache node.
//!
//! `workload.size` draws one size per key, once, from a stream of its own,
//! so a run's sizes depend only on the seed and the key; a trace's `size`
//! column sets a key's size from each request onward. Without either, every
//! item is one unit and the cache counts entries.

use rand_distr::{Distribution, LogNormal, Pareto};

use crate::engine::Rng;
use crate::names::named_enum;

named_enum! {
    /// The shapes an item-size distribution may take.
    pub enum SizeDist {
        Deterministic = "deterministic",
        Lognormal = "lognormal",
        /// Heavy-tailed: shape α from the cv, α = 1 + √(1 + 1/cv²).
        Pareto = "pareto",
    }
}

/// An item-size distribution [bytes], by its mean and coefficient of
/// variation (ignored for deterministic).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemSize {
    pub dist: SizeDist,
    pub mean_bytes: f64,
    pub cv: f64,
}

impl ItemSize {
    /// One size per key, drawn in key order from `rng`; at least 1 byte.
    pub fn draw(&self, keys: u32, rng: &mut Rng) -> Vec<u32> {
        let clamp = |x: f64| x.round().clamp(1.0, f64::from(u32::MAX)) as u32;
        let (mean, cv) = (self.mean_bytes, self.cv);
        match self.dist {
            SizeDist::Deterministic => vec![clamp(mean); keys as usize],
            SizeDist::Lognormal => {
                // mean = exp(mu + sigma^2/2), cv^2 = exp(sigma^2) - 1
                let sigma2 = (1.0 + cv * cv).ln();
                let d = LogNormal::new(mean.ln() - sigma2 / 2.0, sigma2.sqrt()).expect("validated lognormal");
                (0..keys).map(|_| clamp(d.sample(rng))).collect()
            }
            SizeDist::Pareto => {
                // cv^2 = 1 / (alpha (alpha - 2)), mean = alpha x_m / (alpha - 1)
                let alpha = 1.0 + (1.0 + 1.0 / (cv * cv)).sqrt();
                let d = Pareto::new(mean * (alpha - 1.0) / alpha, alpha).expect("validated pareto");
                (0..keys).map(|_| clamp(d.sample(rng))).collect()
            }
        }
    }
}

/// Every key's current size, or none when sizes do not matter.
#[derive(Debug, Clone, Default)]
pub struct KeySizes {
    sizes: Vec<u32>,
    /// Drawn, or set by a trace row: bytes are worth reporting.
    known: bool,
}

impl KeySizes {
    /// Sizes drawn from `size` (if any) for `keys` keys. `traced`: a trace
    /// may set sizes, so keep a table even without a distribution.
    pub fn new(size: Option<&ItemSize>, keys: u32, traced: bool, rng: &mut Rng) -> KeySizes {
        let sizes = match size {
            Some(size) => size.draw(keys, rng),
            None if traced => vec![1; keys as usize],
            None => Vec::new(),
        };
        KeySizes { sizes, known: size.is_some() }
    }

    /// `key`'s size [bytes]; 1 when sizes do not matter.
    #[inline(always)]
    pub fn of(&self, key: u32) -> u32 {
        match self.sizes.is_empty() {
            true => 1,
            false => self.sizes[key as usize],
        }
    }

    /// A trace says `key` now has `size` bytes.
    pub fn set(&mut self, key: u32, size: u32) {
        if let Some(s) = self.sizes.get_mut(key as usize) {
            *s = size;
            self.known = true;
        }
    }

    /// Whether sizes are known (drawn or traced).
    pub fn are_known(&self) -> bool {
        self.known
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;

    /// The sample mean and cv of 2·10⁵ sizes are within 2 % (lognormal)
    /// and 10 % (pareto's heavier tail, mean only) of what was asked.
    #[test]
    fn drawn_sizes_have_the_mean_and_spread_asked_for() {
        let mut rng = RandomStreams::new(3).stream(13);
        let n = 200_000;
        for (dist, cv, tol) in [(SizeDist::Lognormal, 1.0, 0.02), (SizeDist::Pareto, 1.0, 0.10)] {
            let sizes = ItemSize { dist, mean_bytes: 2048.0, cv }.draw(n, &mut rng);
            let mean = sizes.iter().map(|&s| f64::from(s)).sum::<f64>() / f64::from(n);
            assert!((mean / 2048.0 - 1.0).abs() < tol, "{dist}: mean {mean}");
            if dist == SizeDist::Lognormal {
                let var = sizes.iter().map(|&s| (f64::from(s) - mean).powi(2)).sum::<f64>() / f64::from(n);
                assert!((var.sqrt() / mean - cv).abs() < 0.05, "{dist}: cv {}", var.sqrt() / mean);
            }
        }
        let fixed = ItemSize { dist: SizeDist::Deterministic, mean_bytes: 100.4, cv: 0.0 }.draw(3, &mut rng);
        assert_eq!(fixed, [100, 100, 100]);
    }

    #[test]
    fn without_sizes_every_item_is_one_unit() {
        let mut rng = RandomStreams::new(3).stream(13);
        let mut none = KeySizes::new(None, 10, false, &mut rng);
        none.set(3, 500);
        assert!(!none.are_known() && none.of(3) == 1);
        let mut traced = KeySizes::new(None, 10, true, &mut rng);
        assert!(!traced.are_known(), "a trace without sizes gives none");
        traced.set(3, 500);
        assert!(traced.are_known());
        assert_eq!((traced.of(3), traced.of(4)), (500, 1));
    }
}
