//! Retries: when a failed attempt is tried again, and whether it may be.
//!
//! Backoff is exponential with multiplier 2 — `min(cap, base·2^(n−1))`
//! before retry n — spread by one of the jitters of the AWS article
//! "Exponential Backoff and Jitter": `none`, `full` (uniform on [0, b]),
//! `equal` (b/2 plus uniform on [0, b/2]) or `decorrelated`
//! (`min(cap, uniform on [base, 3·previous])`).
//!
//! A retry budget caps retries at a share of first attempts with a token
//! bucket: each first attempt deposits `ratio` tokens, each retry spends
//! one, and a retry without a whole token is not made (the request fails
//! with the attempt's error). The bucket holds at most `burst` tokens and
//! starts full, so a short burst of failures can still be retried.

use rand::RngExt;

use crate::engine::{Rng, SimTime};

crate::names::named_enum! {
    /// How backoff delays are spread.
    pub enum Jitter {
        None = "none",
        Full = "full",
        Equal = "equal",
        Decorrelated = "decorrelated",
    }
}

/// The retry policy as configured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryConfig {
    /// Attempts per request, the first included (1 = no retries).
    pub max_attempts: u32,
    /// First backoff; zero: retry at once.
    pub backoff_base: SimTime,
    /// Longest backoff.
    pub backoff_cap: SimTime,
    pub jitter: Jitter,
    /// Retries allowed per first attempt (a share, e.g. 0.1); `None`: no
    /// budget.
    pub budget_ratio: Option<f64>,
    /// Most tokens the budget holds.
    pub budget_burst: f64,
}

/// The delay before retry `n` (1 for the first retry), given the delay
/// before the previous one (for decorrelated jitter).
pub fn backoff(config: &RetryConfig, n: u32, previous: SimTime, rng: &mut Rng) -> SimTime {
    let base = config.backoff_base.as_nanos() as f64;
    let cap = config.backoff_cap.as_nanos() as f64;
    if base == 0.0 {
        return SimTime::ZERO;
    }
    let exponential = (base * 2f64.powi(n.saturating_sub(1).min(1000) as i32)).min(cap);
    let ns = match config.jitter {
        Jitter::None => exponential,
        Jitter::Full => rng.random::<f64>() * exponential,
        Jitter::Equal => exponential / 2.0 + rng.random::<f64>() * exponential / 2.0,
        Jitter::Decorrelated => {
            let high = (3.0 * (previous.as_nanos() as f64).max(base)).max(base);
            (base + rng.random::<f64>() * (high - base)).min(cap)
        }
    };
    SimTime::from_ns_f64(ns)
}

/// The retry budget's token bucket.
#[derive(Debug, Clone)]
pub struct RetryBudget {
    ratio: f64,
    burst: f64,
    tokens: f64,
}

impl RetryBudget {
    pub fn new(ratio: f64, burst: f64) -> Self {
        RetryBudget { ratio, burst, tokens: burst }
    }

    /// A first attempt was made.
    pub fn deposit(&mut self) {
        self.tokens = (self.tokens + self.ratio).min(self.burst);
    }

    /// Asks to retry: spends a token if there is one.
    pub fn withdraw(&mut self) -> bool {
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;

    fn config(jitter: Jitter) -> RetryConfig {
        RetryConfig {
            max_attempts: 10,
            backoff_base: SimTime::from_millis(10.0),
            backoff_cap: SimTime::from_millis(100.0),
            jitter,
            budget_ratio: None,
            budget_burst: 10.0,
        }
    }

    /// Mean and range [ms] of 10^5 delays before retry `n`.
    fn delays(jitter: Jitter, n: u32, previous_ms: f64) -> (f64, f64, f64) {
        let c = config(jitter);
        let mut rng = RandomStreams::new(9).stream(0);
        let d: Vec<f64> = (0..100_000)
            .map(|_| backoff(&c, n, SimTime::from_millis(previous_ms), &mut rng).as_millis())
            .collect();
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        let min = d.iter().copied().fold(f64::INFINITY, f64::min);
        let max = d.iter().copied().fold(0.0, f64::max);
        (mean, min, max)
    }

    #[test]
    fn jitters_match_their_definitions() {
        // Retry 3: exponential backoff 10·2² = 40 ms. Uniform draws of 10^5:
        // the mean's standard error is < 0.04 ms; tolerance 0.3 ms.
        let close = |a: f64, b: f64| (a - b).abs() < 0.3;
        let (mean, min, max) = delays(Jitter::None, 3, 0.0);
        assert!(mean == 40.0 && min == 40.0 && max == 40.0);
        let (mean, min, max) = delays(Jitter::Full, 3, 0.0);
        assert!(close(mean, 20.0) && min >= 0.0 && max <= 40.0 && max > 39.0, "{mean} {min} {max}");
        let (mean, min, max) = delays(Jitter::Equal, 3, 0.0);
        assert!(close(mean, 30.0) && (20.0..21.0).contains(&min) && max <= 40.0, "{mean} {min} {max}");
        // Decorrelated after a 20 ms delay: uniform on [10, 60].
        let (mean, min, max) = delays(Jitter::Decorrelated, 3, 20.0);
        assert!(close(mean, 35.0) && min >= 10.0 && max <= 60.0 && max > 59.0, "{mean} {min} {max}");
        // The cap holds: retry 10 would be 5 s uncapped.
        let (mean, _, max) = delays(Jitter::None, 10, 0.0);
        assert!(mean == 100.0 && max == 100.0);
        let (_, _, max) = delays(Jitter::Decorrelated, 10, 90.0);
        assert!(max <= 100.0);
    }

    #[test]
    fn zero_base_retries_at_once() {
        let mut c = config(Jitter::Full);
        c.backoff_base = SimTime::ZERO;
        let mut rng = RandomStreams::new(9).stream(0);
        assert_eq!(backoff(&c, 4, SimTime::ZERO, &mut rng), SimTime::ZERO);
    }

    #[test]
    fn the_budget_allows_ratio_retries_per_first_attempt_plus_the_burst() {
        let mut budget = RetryBudget::new(0.1, 5.0);
        let mut retries = 0;
        for _ in 0..1000 {
            budget.deposit();
            while budget.withdraw() {
                retries += 1;
            }
        }
        // 5 from the full bucket, then 0.1 per first attempt.
        assert!((104..=105).contains(&retries), "{retries}");
    }
}
