//! Seeded random streams, one per purpose.
//!
//! Each stream is a Xoshiro256++ generator (pinned: its output does not
//! change between rand versions) seeded from `(run seed, purpose)` by the
//! SplitMix64 finaliser. Streams are independent of each other, so drawing
//! more numbers for one purpose never shifts another: configurations
//! compared under the same seed see the same draws wherever they do not
//! differ — common random numbers.

use rand::SeedableRng;
pub use rand::rngs::Xoshiro256PlusPlus as Rng;

/// Derives independent random streams from one run seed.
#[derive(Clone, Copy, Debug)]
pub struct RandomStreams {
    seed: u64,
}

impl RandomStreams {
    pub fn new(seed: u64) -> Self {
        RandomStreams { seed }
    }

    /// A seed derived from this one and `index`: the seed of a sub-run
    /// (a sweep's replication). Same inputs, same seed, on any machine.
    pub fn derive(&self, index: u64) -> u64 {
        mix(mix(self.seed ^ 0xD1B5_4A32_D192_ED03).wrapping_add(index))
    }

    /// The stream for `purpose`, a caller-chosen constant. The same
    /// `(seed, purpose)` always gives the same stream.
    pub fn stream(&self, purpose: u64) -> Rng {
        Rng::seed_from_u64(mix(self.seed ^ mix(purpose.wrapping_add(0x5851_F42D_4C95_7F2D))))
    }
}

/// The SplitMix64 finaliser: a bijection on `u64` that spreads every input
/// bit over the whole output.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn same_seed_and_purpose_give_the_same_stream() {
        let streams = RandomStreams::new(42);
        let (mut a, mut b) = (streams.stream(1), streams.stream(1));
        for _ in 0..4 {
            assert_eq!(a.random::<u64>(), b.random::<u64>());
        }
    }

    #[test]
    fn purposes_and_seeds_give_different_streams() {
        let first = |seed, purpose| -> u64 { RandomStreams::new(seed).stream(purpose).random() };
        assert_ne!(first(42, 1), first(42, 2));
        assert_ne!(first(42, 1), first(43, 1));
    }

    #[test]
    fn the_generator_is_pinned() {
        // If this changes, every published result changes: a breaking change.
        let value: u64 = RandomStreams::new(1).stream(0).random();
        assert_eq!(value, PINNED_FIRST_DRAW);
    }

    const PINNED_FIRST_DRAW: u64 = 2_484_485_547_113_148_259;
}
