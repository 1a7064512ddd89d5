//! Stampede control: what happens when many readers miss the same key at
//! once (a hot key expires, a cache restarts).
//!
//! - `coalesce`: single flight per key — the first miss fetches, later
//!   misses of the same key wait for that fetch's answer.
//! - `early-refresh`: probabilistic early expiration (XFetch, Vattani et
//!   al., VLDB 2015) — a reader refreshes the entry before it expires with
//!   a probability that grows as expiry nears.
//! - `stale-while-revalidate`: for a window after expiry the old value is
//!   served while one background fetch refreshes it.

use rand::RngExt;

use crate::engine::{Rng, SimTime, Slab};

/// The stampede-control policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stampede {
    None,
    Coalesce,
    /// XFetch with parameter `beta` (> 0; 1 is the paper's default, larger
    /// refreshes earlier).
    EarlyRefresh {
        beta: f64,
    },
    /// Serve an expired entry for up to `window` while refreshing it.
    StaleWhileRevalidate {
        window: SimTime,
    },
}

/// XFetch's test: refresh now if `now − δ·β·ln(u) ≥ expiry`, u uniform in
/// (0, 1], δ the time the last fetch took.
pub fn xfetch_triggers(
    now: SimTime,
    expires: SimTime,
    fetch_time: SimTime,
    beta: f64,
    rng: &mut Rng,
) -> bool {
    let u = 1.0 - rng.random::<f64>(); // (0, 1]
    let lead_ns = fetch_time.as_nanos() as f64 * beta * -u.ln();
    now.as_nanos() as f64 + lead_ns >= expires.as_nanos() as f64
}

/// An attempt waiting for another's fetch.
#[derive(Debug, Clone, Copy)]
pub struct Waiter {
    pub request: u32,
    pub attempt: u32,
    next: u32,
}

const NONE: u32 = u32::MAX;

/// Fetches in flight per key, and who waits for them (single flight).
#[derive(Debug, Clone)]
pub struct Flights {
    in_flight: Vec<bool>,
    first_waiter: Vec<u32>,
    waiters: Slab<Waiter>,
    /// Whether new misses join flights: off after a change away from
    /// `coalesce`, while the flights under way still land.
    pub accepting: bool,
}

impl Flights {
    pub fn new(keys: u32) -> Self {
        Flights {
            in_flight: vec![false; keys as usize],
            first_waiter: vec![NONE; keys as usize],
            waiters: Slab::new(),
            accepting: true,
        }
    }

    /// Starts a flight for `key` unless one is under way; returns whether
    /// the caller leads (and must fetch).
    pub fn lead(&mut self, key: u32) -> bool {
        !std::mem::replace(&mut self.in_flight[key as usize], true)
    }

    /// Makes an attempt wait for the flight of `key`.
    pub fn wait(&mut self, key: u32, request: u32, attempt: u32) {
        let next = self.first_waiter[key as usize];
        self.first_waiter[key as usize] = self.waiters.insert(Waiter { request, attempt, next });
    }

    /// Ends the flight of `key`; returns its waiters, longest-waiting first.
    pub fn land(&mut self, key: u32) -> Vec<Waiter> {
        self.in_flight[key as usize] = false;
        let mut landed = Vec::new();
        let mut at = std::mem::replace(&mut self.first_waiter[key as usize], NONE);
        while at != NONE {
            let waiter = self.waiters.remove(at).expect("a listed waiter");
            at = waiter.next;
            landed.push(waiter);
        }
        landed.reverse();
        landed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;

    #[test]
    fn one_flight_per_key_and_waiters_in_arrival_order() {
        let mut f = Flights::new(4);
        assert!(f.lead(2));
        assert!(!f.lead(2));
        f.wait(2, 10, 1);
        f.wait(2, 11, 2);
        let landed: Vec<u32> = f.land(2).iter().map(|w| w.request).collect();
        assert_eq!(landed, [10, 11]);
        assert!(f.lead(2), "a landed flight frees the key");
        assert!(f.land(3).is_empty());
    }

    #[test]
    fn xfetch_probability_matches_its_definition() {
        // P(trigger) = exp(−(expiry − now) / (δβ)).
        let mut rng = RandomStreams::new(5).stream(0);
        let (delta, beta, gap) = (SimTime::from_secs(1.0), 1.0, SimTime::from_secs(2.0));
        let n = 200_000;
        let hits = (0..n).filter(|_| xfetch_triggers(SimTime::ZERO, gap, delta, beta, &mut rng)).count();
        let p = hits as f64 / n as f64;
        assert!((p - (-2.0f64).exp()).abs() < 0.003, "{p}");
    }
}
