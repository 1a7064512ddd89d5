//! The Zipf exponent of a log by maximum likelihood.
//!
//! With keys ranked by their access counts `c₁ ≥ c₂ ≥ … ≥ c_N` (n accesses
//! in all), the log-likelihood of Zipf(s) over N keys is
//! `ℓ(s) = −s Σ cᵢ ln i − n ln H(N, s)`, `H(N, s) = Σ i^(−s)`. Its
//! derivative vanishes where the model's mean log-rank equals the log's,
//! `E_s[ln i] = Σ cᵢ ln i / n`; the model's mean falls as s grows, so
//! bisection finds the one root. The goodness of fit is the largest gap
//! between the two rank CDFs (a Kolmogorov–Smirnov distance): 0 is a
//! perfect fit, a few hundredths is a close one.

/// A fitted exponent and how well it fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZipfFit {
    pub s: f64,
    /// max_k |F_log(k) − F_zipf(k)| over ranks k.
    pub ks_distance: f64,
}

/// The largest exponent searched: beyond it nearly every access is to
/// the top key.
const MAX_S: f64 = 8.0;

/// Fits `counts`, sorted in decreasing order (every count ≥ 1).
pub fn fit_zipf(counts: &[u64]) -> ZipfFit {
    let n: f64 = counts.iter().map(|&c| c as f64).sum();
    let log_ranks: Vec<f64> = (1..=counts.len()).map(|i| (i as f64).ln()).collect();
    let target = counts.iter().zip(&log_ranks).map(|(&c, l)| c as f64 * l).sum::<f64>() / n;
    let mean_log_rank = |s: f64| {
        let (mut h, mut m) = (0.0, 0.0);
        for l in &log_ranks {
            let w = (-s * l).exp();
            h += w;
            m += w * l;
        }
        m / h
    };
    let (mut low, mut high) = (0.0, MAX_S);
    let s = if counts.len() < 2 || mean_log_rank(low) <= target {
        0.0
    } else {
        for _ in 0..60 {
            let mid = 0.5 * (low + high);
            if mean_log_rank(mid) > target {
                low = mid;
            } else {
                high = mid;
            }
        }
        0.5 * (low + high)
    };
    let h: f64 = log_ranks.iter().map(|l| (-s * l).exp()).sum();
    let (mut log_cdf, mut zipf_cdf, mut ks_distance) = (0.0, 0.0, 0.0f64);
    for (&c, l) in counts.iter().zip(&log_ranks) {
        log_cdf += c as f64 / n;
        zipf_cdf += (-s * l).exp() / h;
        ks_distance = ks_distance.max((log_cdf - zipf_cdf).abs());
    }
    ZipfFit { s, ks_distance }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts exactly proportional to i^(−s) give s back, at distance ~0.
    #[test]
    fn exact_counts_give_the_exponent_back() {
        for s in [0.0, 0.6, 0.9, 1.2] {
            let counts: Vec<u64> = (1..=2000).map(|i| (1e7 * f64::from(i).powf(-s)).round() as u64).collect();
            let fit = fit_zipf(&counts);
            assert!((fit.s - s).abs() < 1e-3 && fit.ks_distance < 1e-3, "s = {s}: {fit:?}");
        }
    }
}
