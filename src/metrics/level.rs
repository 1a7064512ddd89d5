//! A quantity that changes at events and is averaged over time (queue
//! length, busy servers, requests in flight).

use crate::engine::SimTime;

/// A level and its running integral over time [level·ns].
///
/// The integral up to `at` is `value·at − Σ δ·t` over the changes δ made
/// at times t, so a change costs one multiply-add and no read of the
/// previous change's time. The sum is kept modulo 2^128 (a lowering adds
/// a wrapped negative): the difference is the true, non-negative area.
#[derive(Debug, Clone, Copy, Default)]
pub struct Level {
    value: u64,
    /// `Σ δ·t`, wrapping.
    weighted: u128,
    max: u64,
}

impl Level {
    pub fn value(&self) -> u64 {
        self.value
    }

    /// The highest value seen.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Sets the level at `now` (not earlier than the previous change).
    pub fn set(&mut self, value: u64, now: SimTime) {
        if value >= self.value {
            self.add(value - self.value, now);
        } else {
            self.sub(self.value - value, now);
        }
    }

    pub fn add(&mut self, delta: u64, now: SimTime) {
        self.value += delta;
        self.weighted = self.weighted.wrapping_add(u128::from(delta) * u128::from(now.as_nanos()));
        self.max = self.max.max(self.value);
    }

    pub fn sub(&mut self, delta: u64, now: SimTime) {
        self.value -= delta;
        self.weighted = self.weighted.wrapping_sub(u128::from(delta) * u128::from(now.as_nanos()));
    }

    /// The integral from time zero to `at` (not earlier than the last
    /// change): the time average over an interval is the difference of two
    /// readings divided by its length.
    pub fn area_at(&self, at: SimTime) -> u128 {
        (u128::from(self.value) * u128::from(at.as_nanos())).wrapping_sub(self.weighted)
    }
}

/// The mean of a level between two readings of its area.
pub fn time_average(area_from: u128, area_to: u128, from: SimTime, to: SimTime) -> f64 {
    let span = to.saturating_sub(from).as_nanos();
    if span == 0 {
        return 0.0;
    }
    (area_to - area_from) as f64 / span as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_piecewise_constant_levels() {
        let mut level = Level::default();
        level.set(2, SimTime(10));
        level.add(1, SimTime(20)); // 3 from t = 20
        level.sub(3, SimTime(30)); // 0 from t = 30
        assert_eq!(level.area_at(SimTime(40)), 2 * 10 + 3 * 10);
        assert_eq!(time_average(0, level.area_at(SimTime(40)), SimTime(10), SimTime(40)), 50.0 / 30.0);
        assert_eq!(level.max(), 3);
    }
}
