//! Recovery detection: after the last disturbance ends, when do the
//! windows hold the SLO again — and do they at all, and can the run tell?

use serde::{Deserialize, Serialize};

/// Service-level objective per window.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    /// Windowed p99 latency of all requests (failed and stuck ones counting
    /// as slower than any success) must stay at or below this [ms]; a
    /// request answered within it is *good*.
    pub p99_ms: f64,
    /// Windowed error rate must stay at or below this, in [0, 1].
    pub error_rate: f64,
    /// Consecutive windows within the SLO that count as recovered.
    pub recovery_windows: u32,
}

/// One window's figures, as recovery detection needs them.
#[derive(Debug, Clone, Copy)]
pub struct WindowHealth {
    pub start_s: f64,
    /// The user's p99: over every request of the window, failures and
    /// stuck requests included.
    pub p99_ms: Option<f64>,
    pub error_rate: Option<f64>,
}

impl WindowHealth {
    /// What recovery detection reads of a window.
    pub fn of(w: &super::timeseries::WindowRow) -> Self {
        WindowHealth { start_s: w.t_s, p99_ms: w.user_p99_ms, error_rate: w.error_rate }
    }
}

impl Slo {
    /// Whether a window meets the SLO. A window with no completed request
    /// does not: silence is not health.
    pub fn holds(&self, w: &WindowHealth) -> bool {
        match (w.p99_ms, w.error_rate) {
            (Some(p99), Some(errors)) => p99 <= self.p99_ms && errors <= self.error_rate,
            _ => false,
        }
    }
}

/// What the run can say about recovery.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recovery {
    /// Healthy again after the last disturbance (or, without one, healthy).
    #[default]
    Recovered,
    /// Healthy before the disturbance, not after it, though the run went
    /// on long enough to tell: a metastable failure.
    NotRecovered,
    /// Never held the SLO for `recovery_windows` windows in a row: a
    /// steady overload, not a failure to recover.
    NeverHealthy,
    /// The run ended fewer than `recovery_windows` windows after the last
    /// disturbance (or measured fewer windows than that): too short to tell.
    TooShort,
}

impl Recovery {
    pub fn name(self) -> &'static str {
        match self {
            Recovery::Recovered => "recovered",
            Recovery::NotRecovered => "not-recovered",
            Recovery::NeverHealthy => "never-healthy",
            Recovery::TooShort => "too-short",
        }
    }
}

impl std::fmt::Display for Recovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// When the disturbances were, for recovery detection [s].
#[derive(Debug, Clone, Copy)]
pub struct Disturbed {
    pub first_start_s: f64,
    pub last_end_s: f64,
}

/// The recovery case and, when recovered, the seconds from the end of the
/// last disturbance to the first of `recovery_windows` consecutive healthy
/// windows (0 without a disturbance). `windows` are the measured ones
/// (after warm-up) — `before` those of warm-up, which only tell whether
/// the stack was healthy before a disturbance that started early.
pub fn recovery_time(
    slo: &Slo,
    before: &[WindowHealth],
    windows: &[WindowHealth],
    disturbed: Option<Disturbed>,
) -> (Recovery, Option<f64>) {
    let needed = slo.recovery_windows.max(1) as usize;
    let Some(d) = disturbed else {
        return if healthy_streak(slo, windows, needed).is_some() {
            (Recovery::Recovered, Some(0.0))
        } else if windows.len() < needed {
            (Recovery::TooShort, None)
        } else {
            (Recovery::NeverHealthy, None)
        };
    };
    let after: Vec<WindowHealth> = windows.iter().filter(|w| w.start_s >= d.last_end_s).copied().collect();
    if let Some(start) = healthy_streak(slo, &after, needed) {
        return (Recovery::Recovered, Some(start - d.last_end_s));
    }
    if after.len() < needed {
        return (Recovery::TooShort, None);
    }
    let earlier: Vec<WindowHealth> =
        before.iter().chain(windows).filter(|w| w.start_s < d.first_start_s).copied().collect();
    if healthy_streak(slo, &earlier, needed).is_some() {
        (Recovery::NotRecovered, None)
    } else {
        (Recovery::NeverHealthy, None)
    }
}

/// The start of the first `needed` consecutive windows that hold the SLO.
fn healthy_streak(slo: &Slo, windows: &[WindowHealth], needed: usize) -> Option<f64> {
    let mut run = 0;
    let mut run_start = 0.0;
    for w in windows {
        if slo.holds(w) {
            if run == 0 {
                run_start = w.start_s;
            }
            run += 1;
            if run >= needed {
                return Some(run_start);
            }
        } else {
            run = 0;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows(p99s: &[f64]) -> Vec<WindowHealth> {
        p99s.iter()
            .enumerate()
            .map(|(i, p99)| WindowHealth { start_s: i as f64, p99_ms: Some(*p99), error_rate: Some(0.0) })
            .collect()
    }

    const SLO: Slo = Slo { p99_ms: 100.0, error_rate: 0.01, recovery_windows: 2 };

    fn disturbed(first_start_s: f64, last_end_s: f64) -> Option<Disturbed> {
        Some(Disturbed { first_start_s, last_end_s })
    }

    #[test]
    fn finds_the_first_run_of_healthy_windows_after_the_disturbance() {
        let w = windows(&[50.0, 50.0, 900.0, 50.0, 900.0, 50.0, 50.0, 50.0]);
        assert_eq!(recovery_time(&SLO, &[], &w, None), (Recovery::Recovered, Some(0.0)));
        assert_eq!(recovery_time(&SLO, &[], &w, disturbed(2.0, 2.0)), (Recovery::Recovered, Some(3.0)));
    }

    #[test]
    fn each_case_arises() {
        // Healthy before the disturbance at 2 s, never after: not recovered.
        let down = windows(&[50.0, 50.0, 900.0, 900.0, 900.0, 900.0]);
        assert_eq!(recovery_time(&SLO, &[], &down, disturbed(2.0, 3.0)), (Recovery::NotRecovered, None));
        // Never healthy, with or without a disturbance.
        let overload = windows(&[900.0; 6]);
        assert_eq!(recovery_time(&SLO, &[], &overload, None), (Recovery::NeverHealthy, None));
        assert_eq!(recovery_time(&SLO, &[], &overload, disturbed(2.0, 3.0)), (Recovery::NeverHealthy, None));
        // One window after the disturbance: too short to tell.
        assert_eq!(recovery_time(&SLO, &[], &down, disturbed(2.0, 5.0)), (Recovery::TooShort, None));
        assert_eq!(recovery_time(&SLO, &[], &overload[..1], None), (Recovery::TooShort, None));
        // Healthy only during warm-up, before a disturbance at its end.
        let (warm, measured) = down.split_at(2);
        assert_eq!(recovery_time(&SLO, warm, measured, disturbed(2.0, 3.0)), (Recovery::NotRecovered, None));
    }

    #[test]
    fn a_window_without_answers_is_not_healthy() {
        let silent = WindowHealth { start_s: 0.0, p99_ms: None, error_rate: None };
        assert!(!SLO.holds(&silent));
        let failing = WindowHealth { start_s: 0.0, p99_ms: Some(f64::INFINITY), error_rate: Some(0.5) };
        assert!(!SLO.holds(&failing));
    }
}
