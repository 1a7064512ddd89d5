//! Simulated time: an integer count of nanoseconds.
//!
//! Integer time makes ties and orderings exact: two events scheduled for the
//! same instant compare equal on every machine, and the queue's sequence
//! number decides between them.

use std::fmt;
use std::ops::{Add, Sub};

/// 2^63 as `f64`: below it, times convert through `i64`.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// A point in simulated time [ns since the start of the run].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const NS_PER_S: f64 = 1e9;
    const NS_PER_MS: f64 = 1e6;

    /// Converts seconds to time, rounding to the nearest nanosecond and
    /// saturating at the representable range (about 584 years).
    pub fn from_secs(secs: f64) -> SimTime {
        SimTime::from_ns_f64(secs * Self::NS_PER_S)
    }

    /// Converts milliseconds to time, rounding to the nearest nanosecond.
    pub fn from_millis(ms: f64) -> SimTime {
        SimTime::from_ns_f64(ms * Self::NS_PER_MS)
    }

    /// Converts nanoseconds to time: `ns.round() as u64` (half away from
    /// zero; negative and NaN give 0, too large saturates), without the
    /// libm call `round` is on x86-64 without SSE4.1. Every drawn delay
    /// passes here, so it is on the hot path.
    pub fn from_ns_f64(ns: f64) -> SimTime {
        // For 0 <= ns < 2^63, `ns - truncated` is exact, so comparing the
        // fraction with 0.5 rounds exactly as `round` does; the signed
        // conversions are single instructions on x86-64. Anything else
        // (negative, NaN, huge) takes the saturating path.
        if (0.0..TWO_POW_63).contains(&ns) {
            // SAFETY: `ns` is finite and in `0..2^63`, so truncating it
            // fits `i64`; `as` would add the saturation checks again.
            let truncated: i64 = unsafe { ns.to_int_unchecked() };
            let round_up = ns - truncated as f64 >= 0.5;
            SimTime(truncated as u64 + u64::from(round_up))
        } else {
            SimTime(ns.round() as u64)
        }
    }

    pub fn as_nanos(self) -> u64 {
        self.0
    }

    pub fn as_secs(self) -> f64 {
        self.as_f64() / Self::NS_PER_S
    }

    pub fn as_millis(self) -> f64 {
        self.as_f64() / Self::NS_PER_MS
    }

    /// Nanoseconds as `f64`, exactly as `as f64` rounds them; below 2^63
    /// (every time but "never") through the one-instruction signed
    /// conversion, which x86-64 has and the unsigned one lacks.
    fn as_f64(self) -> f64 {
        match i64::try_from(self.0) {
            Ok(signed) => signed as f64,
            Err(_) => self.0 as f64,
        }
    }

    /// `self + d`, saturating at [`SimTime::MAX`] ("never").
    pub fn saturating_add(self, d: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }

    /// `self - earlier`, or zero when `earlier` is later.
    pub fn saturating_sub(self, earlier: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(earlier.0))
    }
}

impl Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0 + rhs.0)
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    fn sub(self, rhs: SimTime) -> SimTime {
        SimTime(self.0 - rhs.0)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6} s", self.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_to_the_nearest_nanosecond() {
        assert_eq!(SimTime::from_secs(1.5).as_nanos(), 1_500_000_000);
        assert_eq!(SimTime::from_millis(0.2).as_nanos(), 200_000);
        assert_eq!(SimTime::from_millis(1e-7).as_nanos(), 0);
        assert_eq!(SimTime::from_secs(2.0).as_millis(), 2000.0);
    }

    #[test]
    fn from_ns_f64_rounds_exactly_as_round_does() {
        let edge = [
            0.0,
            -0.0,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            -0.4,
            -0.5,
            -3.7,
            4503599627370495.5,
            4503599627370497.0,
            9007199254740993.0,
            1.8446744073709552e19,
            1e30,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
            123456789.49999999,
        ];
        let mut x = 0.37_f64;
        let spread = (0..100_000).map(|_| {
            // A deterministic walk over many magnitudes and fractions.
            x = (x * 7.31 + 0.123) % 1.0;
            x * 10f64.powi((x * 1000.0) as i32 % 19)
        });
        for ns in edge.into_iter().chain(spread) {
            assert_eq!(SimTime::from_ns_f64(ns).as_nanos(), ns.round() as u64, "{ns:e}");
        }
    }

    #[test]
    fn saturating_arithmetic_never_wraps() {
        assert_eq!(SimTime::MAX.saturating_add(SimTime(5)), SimTime::MAX);
        assert_eq!(SimTime(3).saturating_sub(SimTime(5)), SimTime::ZERO);
    }
}
