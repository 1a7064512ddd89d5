//! The clients: an open-loop Poisson stream of requests, each attempt with a
//! timeout, failed attempts retried immediately up to `max_attempts`.

use rand_distr::{Distribution, Exp1};

use crate::engine::{Rng, SimTime};

/// The clients as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientsConfig {
    /// Mean arrival rate of new requests [1/s].
    pub rate_rps: f64,
    /// Per-attempt timeout; `None`: an attempt waits as long as it takes.
    pub timeout: Option<SimTime>,
    /// Attempts per request, the first included (1 = no retries).
    pub max_attempts: u32,
}

/// Poisson arrivals: exponential gaps with mean `1 / rate_rps`.
#[derive(Debug, Clone)]
pub struct Arrivals {
    mean_gap_ns: f64,
    rng: Rng,
}

impl Arrivals {
    pub fn new(config: &ClientsConfig, rng: Rng) -> Self {
        Arrivals {
            mean_gap_ns: 1e9 / config.rate_rps,
            rng,
        }
    }

    /// The time from one arrival to the next.
    pub fn next_gap(&mut self) -> SimTime {
        let unit: f64 = Exp1.sample(&mut self.rng);
        // At least 1 ns, so that time always advances between arrivals.
        SimTime(((unit * self.mean_gap_ns).round() as u64).max(1))
    }
}
