//! Latency histogram: log-bucketed (HDR), bounded relative error, constant
//! memory whatever the number of samples.
//!
//! The layout is HdrHistogram's with two significant digits and a 1 ns
//! unit: values below 256 ns have a bin each; above, every power of two is
//! split into 128 bins, so a bin is at most 1/128 of its values wide and a
//! percentile read at a bin's midpoint is within 0.4 % of the truth. The
//! bins and percentiles are exactly those of the `hdrhistogram` crate (a
//! test compares them value for value); the histogram is written out here
//! because a record is on the simulator's hottest path and the crate's
//! general-purpose record costs several times this one, and because
//! windows merge into totals, which needs resets and merges that stop at
//! the last bin in use.

use crate::engine::SimTime;

/// Bins per power of two above the first 256 values: 2^7.
const HALF_BINS_MAGNITUDE: u32 = 7;
const HALF_BINS: usize = 1 << HALF_BINS_MAGNITUDE;
/// Values below 256 land in bucket 0, one bin each.
const FIRST_BUCKET_MASK: u64 = 2 * HALF_BINS as u64 - 1;
/// `63 - log2(256) + 1`: turns a leading-zero count into a bucket index.
const LEADING_ZERO_BASE: u32 = 64 - HALF_BINS_MAGNITUDE - 1;

/// The bin of `ns`, unbounded.
fn bin_of(ns: u64) -> usize {
    let bucket = LEADING_ZERO_BASE - (ns | FIRST_BUCKET_MASK).leading_zeros();
    let sub = (ns >> bucket) as usize;
    ((bucket as usize + 1) << HALF_BINS_MAGNITUDE) + sub - HALF_BINS
}

/// The lowest value of bin `bin` and the bin's width.
fn bin_range(bin: usize) -> (u64, u64) {
    let bucket = (bin >> HALF_BINS_MAGNITUDE) as i64 - 1;
    let sub = (bin & (HALF_BINS - 1)) as u64 + HALF_BINS as u64;
    if bucket < 0 { (sub - HALF_BINS as u64, 1) } else { (sub << bucket, 1 << bucket) }
}

/// Bins needed to hold values up to `highest` (at least the first bucket).
fn bins_to_cover(highest: u64) -> usize {
    let mut buckets = 1;
    let mut untrackable = 2 * HALF_BINS as u64;
    while untrackable <= highest {
        if untrackable > u64::MAX / 2 {
            buckets += 1;
            break;
        }
        untrackable <<= 1;
        buckets += 1;
    }
    (buckets + 1) * HALF_BINS
}

/// Latencies [ns] with exact count, mean and max, and percentiles from
/// log buckets.
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
    /// The bin that latencies beyond the range are counted in.
    highest_bin: usize,
    count: u64,
    sum_ns: u128,
    max_ns: u64,
}

impl LatencyHistogram {
    /// A histogram for latencies up to `highest`; longer ones are counted
    /// in the bin of `highest` (mean and max stay exact).
    pub fn new(highest: SimTime) -> Self {
        let high = highest.as_nanos().max(2_000_000_000);
        LatencyHistogram {
            counts: vec![0; bins_to_cover(high)],
            highest_bin: bin_of(high),
            count: 0,
            sum_ns: 0,
            max_ns: 0,
        }
    }

    #[inline(always)]
    pub fn record(&mut self, latency: SimTime) {
        let ns = latency.as_nanos();
        let bin = bin_of(ns);
        let bin = if bin < self.counts.len() { bin } else { self.highest_bin };
        self.counts[bin] += 1;
        self.count += 1;
        self.sum_ns += u128::from(ns);
        self.max_ns = self.max_ns.max(ns);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Mean [ms], `None` when empty.
    pub fn mean_ms(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_ns as f64 / self.count as f64 / 1e6)
    }

    /// Largest latency [ms], `None` when empty.
    pub fn max_ms(&self) -> Option<f64> {
        (self.count > 0).then(|| self.max_ns as f64 / 1e6)
    }

    /// The `q`-quantile [ms] (q in [0, 1]), `None` when empty: the
    /// midpoint of the bin holding the ⌈q·count⌉-th latency, never above
    /// the exact max.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        Some(self.at_rank_ms(((q.min(1.0) * self.count as f64).ceil() as u64).max(1)))
    }

    /// The `q`-quantile [ms] over these latencies and `slower` more
    /// requests that count as slower than every one of them (failed or
    /// unfinished): `inf` when the quantile's rank falls among those,
    /// `None` when there is nothing at all.
    pub fn quantile_with_slower_ms(&self, q: f64, slower: u64) -> Option<f64> {
        let all = self.count + slower;
        if all == 0 {
            return None;
        }
        let rank = ((q.min(1.0) * all as f64).ceil() as u64).max(1);
        Some(if rank > self.count { f64::INFINITY } else { self.at_rank_ms(rank) })
    }

    /// The midpoint of the bin holding the `rank`-th latency (1-based, at
    /// most `count`), never above the exact max [ms].
    fn at_rank_ms(&self, rank: u64) -> f64 {
        let last = self.last_bin();
        let mut below = 0;
        let bin = (0..=last)
            .find(|&bin| {
                below += self.counts[bin];
                below >= rank
            })
            .unwrap_or(last);
        let (lowest, width) = bin_range(bin);
        (lowest + width / 2).min(self.max_ns) as f64 / 1e6
    }

    /// No bin above this one has a count: the max's bin, or the last bin
    /// when the max is beyond the range. Reset and percentiles look no
    /// further, which costs less than keeping track of the bins touched at
    /// every record.
    fn last_bin(&self) -> usize {
        bin_of(self.max_ns).min(self.counts.len() - 1)
    }

    /// Adds every latency of `other`, a histogram of the same range.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        if other.count == 0 {
            return;
        }
        let last = other.last_bin();
        for (mine, theirs) in self.counts[..=last].iter_mut().zip(&other.counts[..=last]) {
            *mine += theirs;
        }
        self.count += other.count;
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    pub fn reset(&mut self) {
        if self.count > 0 {
            let last = self.last_bin();
            self.counts[..=last].fill(0);
        }
        self.count = 0;
        self.sum_ns = 0;
        self.max_ns = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_one_percent() {
        let mut h = LatencyHistogram::new(SimTime::from_secs(10.0));
        // 1..=100000 µs uniformly: the q-quantile is q * 100 ms.
        for us in 1..=100_000u64 {
            h.record(SimTime(us * 1000));
        }
        for q in [0.5, 0.9, 0.99, 0.999] {
            let got = h.quantile_ms(q).unwrap();
            assert!((got / (q * 100.0) - 1.0).abs() < 0.01, "q {q}: {got}");
        }
        assert_eq!(h.max_ms(), Some(100.0));
        assert!((h.mean_ms().unwrap() - 50.0005).abs() < 1e-9);
        h.reset();
        assert_eq!(h.quantile_ms(0.5), None);
    }

    /// A merge gives what recording every latency in one histogram gives,
    /// latencies beyond the range included; a reset forgets them all.
    #[test]
    fn merging_equals_recording_in_one() {
        use rand::RngExt;
        let mut rng = crate::engine::RandomStreams::new(11).stream(1);
        let range = SimTime::from_secs(1.0);
        let (mut a, mut b, mut both) =
            (LatencyHistogram::new(range), LatencyHistogram::new(range), LatencyHistogram::new(range));
        for i in 0..10_000 {
            let latency = SimTime((2f64.powf(rng.random_range(0.0..36.0))) as u64);
            both.record(latency);
            if i % 3 == 0 { &mut a } else { &mut b }.record(latency);
        }
        a.merge(&b);
        assert_eq!(a.count(), both.count());
        assert_eq!((a.mean_ms(), a.max_ms()), (both.mean_ms(), both.max_ms()));
        for q in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(a.quantile_ms(q), both.quantile_ms(q), "q {q}");
        }
        a.reset();
        assert!(a.counts.iter().all(|&c| c == 0));
        a.record(SimTime(5));
        assert_eq!(a.quantile_ms(1.0), Some(5e-6));
    }

    /// Failed and unfinished requests rank above every success: the
    /// quantile is a success's until their share passes 1 − q, then `inf`.
    #[test]
    fn slower_requests_push_quantiles_to_infinity() {
        let mut h = LatencyHistogram::new(SimTime::from_secs(1.0));
        for ms in 1..=99u64 {
            h.record(SimTime(ms * 1_000_000));
        }
        // 99 successes and 1 failure: p99 is the 99th value, p99.9 is inf.
        assert_eq!(h.quantile_with_slower_ms(0.99, 1), h.quantile_ms(1.0));
        assert_eq!(h.quantile_with_slower_ms(0.999, 1), Some(f64::INFINITY));
        // Two failures in 101: the 100th value is a failure.
        assert_eq!(h.quantile_with_slower_ms(0.99, 2), Some(f64::INFINITY));
        // Nothing slower: the ordinary quantile.
        assert_eq!(h.quantile_with_slower_ms(0.5, 0), h.quantile_ms(0.5));
        // Only failures, or nothing.
        let empty = LatencyHistogram::new(SimTime::from_secs(1.0));
        assert_eq!(empty.quantile_with_slower_ms(0.5, 3), Some(f64::INFINITY));
        assert_eq!(empty.quantile_with_slower_ms(0.5, 0), None);
    }

    #[test]
    fn zero_latency_is_recorded() {
        let mut h = LatencyHistogram::new(SimTime::from_secs(1.0));
        h.record(SimTime::ZERO);
        assert_eq!(h.quantile_ms(0.99), Some(0.0));
    }

    /// The same bins and percentiles as the `hdrhistogram` crate with two
    /// significant digits, including latencies beyond the range, over
    /// values spread across every magnitude, before and after a reset.
    #[test]
    fn matches_hdrhistogram_exactly() {
        use rand::RngExt;
        let mut rng = crate::engine::RandomStreams::new(7).stream(1);
        for highest_s in [1.0, 2.0, 37.5, 3600.0] {
            let highest = SimTime::from_secs(highest_s);
            let high = highest.as_nanos().max(2_000_000_000);
            let mut ours = LatencyHistogram::new(highest);
            let mut reference = hdrhistogram::Histogram::<u64>::new_with_bounds(1, high, 2).unwrap();
            for round in 0..3 {
                for _ in 0..20_000 {
                    // Log-uniform over 0 ns .. 2^45 ns (~10 hours).
                    let ns = (2f64.powf(rng.random_range(0.0..45.0)) - 1.0) as u64;
                    ours.record(SimTime(ns));
                    reference.saturating_record(ns);
                }
                for q in [0.0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0] {
                    let at = reference.value_at_quantile(q);
                    let expected = reference.median_equivalent(at).min(ours.max_ns) as f64 / 1e6;
                    assert_eq!(
                        ours.quantile_ms(q),
                        Some(expected),
                        "range {highest_s} s, round {round}, q {q}"
                    );
                }
                assert_eq!(ours.count(), reference.len());
                if round == 1 {
                    ours.reset();
                    reference.reset();
                }
            }
        }
    }
}
