//! Release gates: `[[assert]]` entries checked against a sweep's summary,
//! on the confidence bound that makes them hardest to pass — the upper end
//! of the 95 % interval for an upper limit, the lower end for a lower one.

use crate::scenario::AssertSpec;

use super::aggregate::{Aggregated, PointSummary};

/// One assertion and where it failed.
#[derive(Debug, Clone, PartialEq)]
pub struct GateResult {
    /// `variant: metric op value` (variant `all` when unrestricted).
    pub name: String,
    /// One line per (variant, point) that failed: what was measured.
    pub failures: Vec<String>,
    /// (variant, point) pairs checked.
    pub checked: usize,
}

impl GateResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.checked > 0
    }
}

/// Checks `asserts` against the sweep's points, for the given axis names.
pub fn check(asserts: &[AssertSpec], points: &[PointSummary], axes: &[String]) -> Vec<GateResult> {
    asserts
        .iter()
        .map(|a| {
            // `recovered` is a share: the name its column has.
            let (metric, op, value) = if a.metric == "recovered" {
                (
                    "recovered_share".to_owned(),
                    a.op.clone().unwrap_or_else(|| ">=".into()),
                    a.value.unwrap_or(1.0),
                )
            } else {
                (a.metric.clone(), a.op.clone().unwrap_or_default(), a.value.unwrap_or_default())
            };
            let variant = a.variant.clone().unwrap_or_else(|| "all".into());
            let name = format!("{variant}: {} {op} {value}", a.metric);
            let mut failures = Vec::new();
            let mut checked = 0;
            for row in points {
                let row_variant = row.variant.as_str();
                if a.variant.as_deref().is_some_and(|v| v != row_variant) {
                    continue;
                }
                checked += 1;
                let point: Vec<String> =
                    axes.iter().zip(&row.axes).map(|(axis, label)| format!("{axis} = {label}")).collect();
                let at = if point.is_empty() {
                    row_variant.to_owned()
                } else {
                    format!("{row_variant} at {}", point.join(", "))
                };
                let (mean, half) = match row.get(&a.metric) {
                    Some(Aggregated::Share(share)) => (Some(share), None),
                    Some(Aggregated::Mean { mean, ci95 }) => (mean, ci95),
                    None => (None, None),
                };
                let Some(mean) = mean else {
                    failures.push(format!("{at}: no value of {metric}"));
                    continue;
                };
                let half = half.unwrap_or(0.0);
                let (bound, which) = match op.as_str() {
                    "<" | "<=" => (mean + half, "upper 95 % bound"),
                    _ => (mean - half, "lower 95 % bound"),
                };
                let holds = match op.as_str() {
                    "<" => bound < value,
                    "<=" => bound <= value,
                    ">" => bound > value,
                    _ => bound >= value,
                };
                if !holds {
                    failures.push(format!(
                        "{at}: {metric} {which} {bound:.6} (mean {mean:.6}) is not {op} {value}"
                    ));
                }
            }
            GateResult { name, failures, checked }
        })
        .collect()
}
