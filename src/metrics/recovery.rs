//! Recovery detection: after the last disturbance ends, when do the
//! windowed p99 and error rate hold the SLO again — and do they at all?

/// Service-level objective per window.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    /// Windowed p99 latency must stay at or below this [ms].
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
    pub p99_ms: Option<f64>,
    pub error_rate: Option<f64>,
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

/// Recovery after a disturbance that ended at `disturbance_end_s`:
/// `Some(seconds)` from the end until the first of `recovery_windows`
/// consecutive healthy windows, `None` if that never happens.
/// With no disturbance, the run counts as recovered at once.
pub fn recovery_time(slo: &Slo, windows: &[WindowHealth], disturbance_end_s: Option<f64>) -> Option<f64> {
    let Some(end_s) = disturbance_end_s else {
        return Some(0.0);
    };
    let needed = slo.recovery_windows.max(1) as usize;
    let mut run = 0;
    let mut run_start = None;
    for w in windows.iter().filter(|w| w.start_s >= end_s) {
        if slo.holds(w) {
            if run == 0 {
                run_start = Some(w.start_s);
            }
            run += 1;
            if run >= needed {
                return run_start.map(|start| start - end_s);
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

    fn window(start_s: f64, p99_ms: f64) -> WindowHealth {
        WindowHealth { start_s, p99_ms: Some(p99_ms), error_rate: Some(0.0) }
    }

    #[test]
    fn finds_the_first_run_of_healthy_windows_after_the_disturbance() {
        let slo = Slo { p99_ms: 100.0, error_rate: 0.01, recovery_windows: 2 };
        let windows: Vec<_> = [50.0, 900.0, 50.0, 900.0, 50.0, 50.0, 50.0]
            .iter()
            .enumerate()
            .map(|(i, p99)| window(i as f64, *p99))
            .collect();
        assert_eq!(recovery_time(&slo, &windows, None), Some(0.0));
        assert_eq!(recovery_time(&slo, &windows, Some(1.0)), Some(3.0));
        assert_eq!(recovery_time(&slo, &windows[..5], Some(1.0)), None);
    }
}
