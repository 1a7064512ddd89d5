//! The clients: who sends requests, when, and how they retry.
//!
//! Open loop: Poisson arrivals at `rate_rps`, shaped over time by the load
//! schedule — arrivals keep coming whatever the stack does, as users of a
//! web shop do. Closed loop: a fixed number of users, each sending one
//! request, waiting for its final answer, thinking, and sending the next.
//! Each attempt has a timeout; failed attempts are retried with backoff
//! (see `retry.rs`).

use rand_distr::{Distribution, Exp1};

use crate::engine::{Rng, SimTime};

use super::rate_series::RateSeries;
use super::retry::RetryConfig;
use super::schedule::{LoadShape, LoadStep};

/// The clients as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientsConfig {
    /// Mean arrival rate of new requests at multiplier 1 [1/s] (open loop).
    pub rate_rps: f64,
    /// A measured rate series (scaled) that replaces `rate_rps`.
    pub rate_series: Option<RateSeries>,
    /// Multipliers of the rate over time (open loop).
    pub schedule: Vec<LoadStep>,
    /// Closed loop: this many users, each thinking `think` (exponential
    /// mean) between the end of one request and the next.
    pub users: Option<u32>,
    pub think: SimTime,
    /// Per-attempt timeout; `None`: an attempt waits as long as it takes.
    pub timeout: Option<SimTime>,
    pub retry: RetryConfig,
}

impl ClientsConfig {
    /// The open-loop arrival rate over time.
    pub fn load_shape(&self) -> LoadShape {
        match &self.rate_series {
            Some(series) => LoadShape::with_series(series, &self.schedule),
            None => LoadShape::new(self.rate_rps, &self.schedule),
        }
    }
}

/// Open-loop arrivals: a Poisson process whose rate follows the schedule.
#[derive(Debug, Clone)]
pub struct Arrivals {
    pace: Pace,
    rng: Rng,
}

#[derive(Debug, Clone)]
enum Pace {
    /// No schedule and a positive rate: exponential gaps of this mean,
    /// drawn in nanoseconds — one multiplication, where going through
    /// seconds and the schedule's solver costs two divisions in a chain.
    Constant {
        mean_gap_ns: f64,
    },
    Shaped(LoadShape),
}

impl Arrivals {
    pub fn new(config: &ClientsConfig, rng: Rng) -> Self {
        let shape = config.load_shape();
        let pace = match shape.constant_rate() {
            Some(rate) if rate > 0.0 => Pace::Constant { mean_gap_ns: SimTime::NS_PER_S / rate },
            _ => Pace::Shaped(shape),
        };
        Arrivals { pace, rng }
    }

    /// The next arrival after `now`; `None` if none ever comes. At least
    /// 1 ns later, so that time always advances between arrivals.
    #[inline(always)]
    pub fn next_after(&mut self, now: SimTime) -> Option<SimTime> {
        let e: f64 = Exp1.sample(&mut self.rng);
        match &self.pace {
            Pace::Constant { mean_gap_ns } => {
                Some(now + SimTime::from_ns_f64(e * mean_gap_ns).max(SimTime(1)))
            }
            Pace::Shaped(shape) => {
                let t = shape.next_arrival(now.as_secs(), e)?;
                Some(SimTime::from_secs(t).max(now + SimTime(1)))
            }
        }
    }
}

/// Closed-loop users' think times: exponential with mean `think`.
#[derive(Debug, Clone)]
pub struct Thinking {
    mean_ns: f64,
    rng: Rng,
}

impl Thinking {
    pub fn new(config: &ClientsConfig, rng: Rng) -> Self {
        Thinking { mean_ns: config.think.as_nanos() as f64, rng }
    }

    pub fn next(&mut self) -> SimTime {
        let unit: f64 = Exp1.sample(&mut self.rng);
        SimTime::from_ns_f64(unit * self.mean_ns)
    }
}
