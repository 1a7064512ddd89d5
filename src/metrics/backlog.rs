//! Requests in flight by the window they arrived in, so that a window can
//! count the requests still unanswered long after they arrived.
//!
//! A window's user view (good ratio, user percentiles) counts the requests
//! that ended in it — and the ones stuck: a database that answers nothing
//! for 30 s ends no miss at all, and a window that saw only the cache hits
//! end would look perfect. A request counts as stuck at a window's end
//! when it arrived in a window that ended at least the SLO's latency
//! before: it is in flight for longer than the SLO (by up to one window
//! more, the granularity kept here), so it can no longer be good.
//!
//! Counts per arrival window live in a deque from the oldest window with a
//! request still in flight; the stuck ones are kept as a running sum, so
//! the cost is O(1) per request and amortised O(1) per window.

use std::collections::VecDeque;

use crate::engine::SimTime;

#[derive(Debug)]
pub struct Backlog {
    window_ns: u64,
    /// Requests in flight that arrived in the current window: a field of
    /// its own, since every arrival and nearly every end touch it.
    current: u64,
    /// Requests in flight per earlier arrival window, from window `first`;
    /// the current window is `first + counts.len()`.
    counts: VecDeque<u64>,
    first: u64,
    /// Windows below this one are old enough that their requests are stuck.
    stuck_below: u64,
    /// Requests in flight that arrived in windows below `stuck_below`.
    stuck: u64,
    /// Start of the current (last) window.
    current_start: SimTime,
}

impl Backlog {
    pub fn new(window: SimTime) -> Self {
        Backlog {
            window_ns: window.as_nanos().max(1),
            current: 0,
            counts: VecDeque::new(),
            first: 0,
            stuck_below: 0,
            stuck: 0,
            current_start: SimTime::ZERO,
        }
    }

    /// A request arrived (in the current window).
    #[inline(always)]
    pub fn arrive(&mut self) {
        self.current += 1;
    }

    /// A request that arrived at `arrived` ended.
    #[inline(always)]
    pub fn depart(&mut self, arrived: SimTime) {
        if arrived >= self.current_start {
            self.current -= 1;
            return;
        }
        self.depart_old(arrived);
    }

    #[cold]
    fn depart_old(&mut self, arrived: SimTime) {
        let window = arrived.as_nanos() / self.window_ns;
        let index = (window - self.first) as usize;
        self.counts[index] -= 1;
        if window < self.stuck_below {
            self.stuck -= 1;
        }
    }

    /// Forgets the oldest windows once none of their requests is in flight.
    fn drop_empty(&mut self) {
        while self.counts.front() == Some(&0) {
            self.counts.pop_front();
            self.first += 1;
        }
    }

    /// The current window closes at `at`, the next starts: returns the
    /// requests stuck at `at`, those that arrived in windows ending at or
    /// before `at − slo`.
    pub fn close_window(&mut self, at: SimTime, slo: SimTime) -> u64 {
        let horizon = at.as_nanos().saturating_sub(slo.as_nanos());
        self.counts.push_back(std::mem::take(&mut self.current));
        let last = self.first + self.counts.len() as u64;
        while self.stuck_below < last && (self.stuck_below + 1).saturating_mul(self.window_ns) <= horizon {
            if self.stuck_below >= self.first {
                self.stuck += self.counts[(self.stuck_below - self.first) as usize];
            }
            self.stuck_below += 1;
        }
        let stuck = self.stuck;
        self.drop_empty();
        self.current_start = at;
        stuck
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: f64) -> SimTime {
        SimTime::from_secs(secs)
    }

    /// Windows of 1 s, an SLO of 0.5 s: a request that arrived in window
    /// k counts as stuck from the end of window k + 1 on, until it ends.
    #[test]
    fn counts_requests_in_flight_past_the_slo() {
        let mut b = Backlog::new(s(1.0));
        let slo = s(0.5);
        b.arrive(); // A at 0.2 s
        b.arrive(); // B at 0.7 s
        b.depart(s(0.7)); // B ends at once
        assert_eq!(b.close_window(s(1.0), slo), 0, "window 0 ended 0 s ago");
        b.arrive(); // C at 1.5 s
        assert_eq!(b.close_window(s(2.0), slo), 1, "A, from window 0");
        b.depart(s(0.2)); // A ends at 2.5 s
        assert_eq!(b.close_window(s(3.0), slo), 1, "C, from window 1");
        b.depart(s(1.5));
        assert_eq!(b.close_window(s(4.0), slo), 0);
        assert!(b.counts.is_empty(), "empty old windows are dropped");
    }

    /// Against a plain list of the requests in flight: at every window's
    /// end, the stuck count is the number that arrived in windows ending
    /// at or before `at − slo`, over random arrivals and ends.
    #[test]
    fn matches_a_list_of_requests_in_flight() {
        use rand::RngExt;
        let mut rng = crate::engine::RandomStreams::new(5).stream(1);
        for (window_s, slo_s) in [(1.0, 0.5), (1.0, 2.5), (0.1, 0.3), (2.0, 0.0)] {
            let (window, slo) = (s(window_s), s(slo_s));
            let mut b = Backlog::new(window);
            let mut in_flight: Vec<SimTime> = Vec::new();
            let mut now = SimTime::ZERO;
            let mut next_close = window;
            for _ in 0..20_000 {
                now = now + SimTime::from_secs(rng.random_range(0.0..0.02));
                while next_close <= now {
                    let horizon = next_close.as_nanos().saturating_sub(slo.as_nanos());
                    let w = window.as_nanos();
                    let expected =
                        in_flight.iter().filter(|a| (a.as_nanos() / w + 1) * w <= horizon).count() as u64;
                    assert_eq!(b.close_window(next_close, slo), expected, "window {window_s} slo {slo_s}");
                    next_close = next_close + window;
                }
                if in_flight.is_empty() || rng.random_bool(0.5) {
                    b.arrive();
                    in_flight.push(now);
                } else {
                    let i = rng.random_range(0..in_flight.len());
                    b.depart(in_flight.swap_remove(i));
                }
            }
        }
    }

    /// An SLO longer than a window: only windows that ended an SLO ago.
    #[test]
    fn a_long_slo_waits_several_windows() {
        let mut b = Backlog::new(s(1.0));
        b.arrive();
        let stuck: Vec<u64> = (1..=4).map(|t| b.close_window(s(f64::from(t)), s(2.5))).collect();
        assert_eq!(stuck, [0, 0, 0, 1]);
    }
}
