//! Release gates: `[[assert]]` entries checked against a sweep's summary,
//! on the confidence bound that makes them hardest to pass — the upper end
//! of the 95 % interval for an upper limit, the lower end for a lower one.

use csv::StringRecord;

use crate::scenario::AssertSpec;

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

/// Checks `asserts` against summary rows (`header` as written by the
/// sweep's summary) for the given axis names.
pub fn check(
    asserts: &[AssertSpec],
    header: &StringRecord,
    rows: &[StringRecord],
    axes: &[String],
) -> Vec<GateResult> {
    let column = |name: &str| header.iter().position(|h| h == name);
    asserts
        .iter()
        .map(|a| {
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
            let (mean_col, ci_col) = match (column(&format!("{metric}_mean")), column(&metric)) {
                (Some(m), _) => (Some(m), column(&format!("{metric}_ci95"))),
                (None, Some(m)) => (Some(m), None),
                (None, None) => (None, None),
            };
            let mut failures = Vec::new();
            let mut checked = 0;
            for row in rows {
                let row_variant = row.get(0).unwrap_or_default();
                if a.variant.as_deref().is_some_and(|v| v != row_variant) {
                    continue;
                }
                checked += 1;
                let point: Vec<String> = axes
                    .iter()
                    .enumerate()
                    .map(|(k, axis)| format!("{axis} = {}", row.get(1 + k).unwrap_or_default()))
                    .collect();
                let at = if point.is_empty() {
                    row_variant.to_owned()
                } else {
                    format!("{row_variant} at {}", point.join(", "))
                };
                let number =
                    |c: Option<usize>| c.and_then(|c| row.get(c)).and_then(|v| v.parse::<f64>().ok());
                let Some(mean) = number(mean_col) else {
                    failures.push(format!("{at}: no value of {metric}"));
                    continue;
                };
                let half = number(ci_col).unwrap_or(0.0);
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
