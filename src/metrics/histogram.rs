//! Latency histogram: log-bucketed (HDR), bounded relative error, constant
//! memory whatever the number of samples.

use hdrhistogram::Histogram;

use crate::engine::SimTime;

/// Two significant digits: bucket width at most 1/128 of the value, so a
/// percentile read at a bucket's midpoint is within 0.4 % of the truth.
const SIGNIFICANT_DIGITS: u8 = 2;

/// Latencies [ns] with exact count, mean and max, and percentiles from
/// log buckets.
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    buckets: Histogram<u64>,
    count: u64,
    sum_ns: u128,
    max_ns: u64,
}

impl LatencyHistogram {
    /// A histogram for latencies up to `highest`; longer ones are recorded
    /// as `highest` in the buckets (mean and max stay exact).
    pub fn new(highest: SimTime) -> Self {
        let high = highest.as_nanos().max(2_000_000_000);
        LatencyHistogram {
            buckets: Histogram::new_with_bounds(1, high, SIGNIFICANT_DIGITS)
                .expect("bounds are valid: 1 < high, 2 significant digits"),
            count: 0,
            sum_ns: 0,
            max_ns: 0,
        }
    }

    pub fn record(&mut self, latency: SimTime) {
        let ns = latency.as_nanos();
        self.buckets.saturating_record(ns);
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

    /// The `q`-quantile [ms] (q in [0, 1]), `None` when empty. Read at the
    /// midpoint of its bucket and never above the exact max.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let bucket_value = self.buckets.value_at_quantile(q);
        let mid = self.buckets.median_equivalent(bucket_value).min(self.max_ns);
        Some(mid as f64 / 1e6)
    }

    pub fn reset(&mut self) {
        self.buckets.reset();
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

    #[test]
    fn zero_latency_is_recorded() {
        let mut h = LatencyHistogram::new(SimTime::from_secs(1.0));
        h.record(SimTime::ZERO);
        assert_eq!(h.quantile_ms(0.99), Some(0.0));
    }
}
