//! The load shape: how the arrival rate varies over time.
//!
//! A schedule is a list of non-overlapping entries over `[at, until)`, each
//! a constant multiplier of the base rate or a linear ramp from one
//! multiplier to another; outside every entry the multiplier is 1. Spikes,
//! sales, surges and diurnal curves are written this way.
//!
//! Arrivals are drawn by inversion: the time to the next arrival solves
//! Λ(now, next) = E for a unit exponential E, Λ the integrated rate. One
//! draw per arrival, whatever the shape, so two schedules compared under the
//! same seed see matched arrivals (common random numbers).

use super::rate_series::RateSeries;

/// One entry: the multiplier goes linearly from `from` at `at_s` to `to`
/// at `until_s` (`from == to`: constant).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadStep {
    pub at_s: f64,
    pub until_s: f64,
    pub from: f64,
    pub to: f64,
}

impl LoadStep {
    /// Whether this entry raises the load above the base rate somewhere:
    /// its end is a disturbance's end, for recovery detection.
    pub fn is_surge(&self) -> bool {
        self.from > 1.0 || self.to > 1.0
    }
}

/// The base rate and its multipliers over time.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadShape {
    rate_rps: f64,
    /// Pieces covering [0, ∞) in order, gaps at multiplier 1 made explicit.
    pieces: Vec<LoadStep>,
}

impl LoadShape {
    /// `steps` must be in order and must not overlap (validated).
    pub fn new(rate_rps: f64, steps: &[LoadStep]) -> Self {
        let mut pieces = Vec::with_capacity(2 * steps.len() + 1);
        let mut t = 0.0;
        for step in steps {
            if step.at_s > t {
                pieces.push(LoadStep { at_s: t, until_s: step.at_s, from: 1.0, to: 1.0 });
            }
            pieces.push(*step);
            t = step.until_s;
        }
        pieces.push(LoadStep { at_s: t, until_s: f64::INFINITY, from: 1.0, to: 1.0 });
        LoadShape { rate_rps, pieces }
    }

    /// A measured rate series (already scaled) with the schedule's
    /// multipliers on top: one piece per interval between the series'
    /// points and the steps' ends, linear from the product at its start
    /// to the product at its end (exact for constant multipliers; a ramp
    /// over a sloped series is taken linear between the two).
    pub fn with_series(series: &RateSeries, steps: &[LoadStep]) -> Self {
        let mut cuts: Vec<f64> = series.points.iter().map(|p| p.0).collect();
        cuts.extend(steps.iter().flat_map(|s| [s.at_s, s.until_s]));
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        let times = Self::new(1.0, steps);
        let factor = |t: f64, right: bool| {
            // The multiplier just after (`right`) or just before `t`.
            let i = if right {
                times.piece_at(t)
            } else {
                times.pieces.partition_point(|p| p.until_s < t).min(times.pieces.len() - 1)
            };
            multiplier(&times.pieces[i], t)
        };
        let mut pieces = Vec::with_capacity(cuts.len() + 1);
        let mut t = 0.0;
        for &cut in cuts.iter().filter(|&&c| c > 0.0) {
            let from = series.rate_at(t) * factor(t, true);
            let to = series.rate_at(cut) * factor(cut, false);
            pieces.push(LoadStep { at_s: t, until_s: cut, from, to });
            t = cut;
        }
        let last = series.rate_at(t) * factor(t, true);
        pieces.push(LoadStep { at_s: t, until_s: f64::INFINITY, from: last, to: last });
        LoadShape { rate_rps: 1.0, pieces }
    }

    /// Expected arrivals over `[0, until_s)`.
    pub fn mass(&self, until_s: f64) -> f64 {
        self.pieces
            .iter()
            .filter(|p| p.at_s < until_s)
            .map(|p| {
                let end = p.until_s.min(until_s);
                let to = multiplier(p, end);
                self.rate_rps * (p.from + to) / 2.0 * (end - p.at_s)
            })
            .sum()
    }

    /// The rate when it never changes (no schedule) [1/s].
    pub fn constant_rate(&self) -> Option<f64> {
        match self.pieces.as_slice() {
            [only] => Some(self.rate_rps * only.from),
            _ => None,
        }
    }

    /// The arrival rate at `t_s` [1/s].
    #[cfg(test)]
    pub fn rate_at(&self, t_s: f64) -> f64 {
        let p = &self.pieces[self.piece_at(t_s)];
        self.rate_rps * multiplier(p, t_s)
    }

    fn piece_at(&self, t_s: f64) -> usize {
        self.pieces.partition_point(|p| p.until_s <= t_s).min(self.pieces.len() - 1)
    }

    /// The time of the next arrival after `now_s`, given a unit-exponential
    /// draw `e`; `None` if the rate stays zero for ever.
    pub fn next_arrival(&self, now_s: f64, mut e: f64) -> Option<f64> {
        let mut t = now_s;
        for p in &self.pieces[self.piece_at(now_s)..] {
            let start = self.rate_rps * multiplier(p, t);
            let end_rate = self.rate_rps * multiplier(p, p.until_s.min(f64::MAX));
            let slope = if p.until_s.is_finite() {
                (end_rate - start) / (p.until_s - t).max(f64::MIN_POSITIVE)
            } else {
                0.0
            };
            let span = p.until_s - t;
            let mass = if span.is_finite() { (start + end_rate) / 2.0 * span } else { f64::INFINITY };
            if e <= mass {
                if start <= 0.0 && slope <= 0.0 {
                    return None;
                }
                // Solve start·d + slope·d²/2 = e, in the form that is stable
                // for slopes of either sign.
                let d = 2.0 * e / (start + (start * start + 2.0 * slope * e).max(0.0).sqrt());
                return Some(t + d);
            }
            e -= mass;
            t = p.until_s;
        }
        None
    }
}

fn multiplier(p: &LoadStep, t_s: f64) -> f64 {
    if p.from == p.to || !p.until_s.is_finite() {
        return p.from;
    }
    let x = ((t_s - p.at_s) / (p.until_s - p.at_s)).clamp(0.0, 1.0);
    p.from + (p.to - p.from) * x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;
    use rand_distr::{Distribution, Exp1};

    fn shape() -> LoadShape {
        LoadShape::new(
            100.0,
            &[
                LoadStep { at_s: 10.0, until_s: 20.0, from: 3.0, to: 3.0 },
                LoadStep { at_s: 30.0, until_s: 40.0, from: 0.0, to: 2.0 },
            ],
        )
    }

    #[test]
    fn rate_follows_steps_ramps_and_the_base() {
        let s = shape();
        assert_eq!(s.rate_at(5.0), 100.0);
        assert_eq!(s.rate_at(15.0), 300.0);
        assert_eq!(s.rate_at(25.0), 100.0);
        assert!((s.rate_at(35.0) - 100.0).abs() < 1e-9);
        assert_eq!(s.rate_at(45.0), 100.0);
    }

    #[test]
    fn arrival_counts_match_the_integrated_rate() {
        // Λ over [0, 50) = 100·10 + 300·10 + 100·10 + 100·10 + 100·10 = 7000;
        // a Poisson count: 20 runs give 140 000 ± 374, ±1 % is 3.7 sd.
        let s = shape();
        let mut rng = RandomStreams::new(1).stream(0);
        let mut in_spike = 0u64;
        let mut total = 0u64;
        for _ in 0..20 {
            let mut t = 0.0;
            loop {
                let e: f64 = Exp1.sample(&mut rng);
                t = s.next_arrival(t, e).unwrap();
                if t >= 50.0 {
                    break;
                }
                total += 1;
                in_spike += u64::from((10.0..20.0).contains(&t));
            }
        }
        assert!((total as f64 / 140_000.0 - 1.0).abs() < 0.01, "{total}");
        assert!((in_spike as f64 / 60_000.0 - 1.0).abs() < 0.015, "{in_spike}");
    }

    #[test]
    fn a_zero_rate_for_ever_has_no_next_arrival() {
        let s = LoadShape::new(0.0, &[]);
        assert_eq!(s.next_arrival(0.0, 1.0), None);
        let ramp_down = LoadShape::new(10.0, &[LoadStep { at_s: 0.0, until_s: 1.0, from: 1.0, to: 0.0 }]);
        // Mass of the ramp is 5: a draw of 2 lands inside it.
        let t = ramp_down.next_arrival(0.0, 2.0).unwrap();
        assert!((10.0 * t - 5.0 * t * t - 2.0).abs() < 1e-9);
    }
}
