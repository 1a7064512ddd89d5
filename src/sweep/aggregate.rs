//! Across replications: the mean and the 95 % confidence half-width
//! (Student t) of every summary metric, per variant and point.

use csv::StringRecord;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::files::{RunRow, fields, summary_columns};

/// Columns of the summary that are not averaged.
const NOT_AVERAGED: [&str; 4] = ["seed", "status", "first_alert", "diverged_reason"];

/// The header of `summary.csv` for these axes.
pub fn summary_header(axes: &[String]) -> StringRecord {
    let mut h = StringRecord::new();
    h.push_field("variant");
    for a in axes {
        h.push_field(a);
    }
    h.push_field("replications");
    h.push_field("diverged_share");
    for (name, kind) in metric_kinds() {
        match kind {
            Kind::Share => h.push_field(&format!("{name}_share")),
            Kind::Number => {
                h.push_field(&format!("{name}_mean"));
                h.push_field(&format!("{name}_ci95"));
            }
        }
    }
    h
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// true/false: the share of true.
    Share,
    Number,
}

fn metric_kinds() -> Vec<(String, Kind)> {
    let (header, values) = fields(&Default::default());
    header
        .iter()
        .zip(values.iter())
        .filter(|(name, _)| !NOT_AVERAGED.contains(name))
        .map(|(name, value)| {
            let kind = if value == "true" || value == "false" { Kind::Share } else { Kind::Number };
            (name.to_owned(), kind)
        })
        .collect()
}

/// One `summary.csv` row per (variant, point), in job order. `rows` must
/// be sorted by job; consecutive rows of one variant and point form a
/// group.
pub fn summarize(rows: &[RunRow]) -> Vec<StringRecord> {
    let kinds = metric_kinds();
    let columns = summary_columns();
    let mut out = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let key = (&rows[start].variant, &rows[start].axes);
        let end = start + rows[start..].iter().take_while(|r| (&r.variant, &r.axes) == key).count();
        let group = &rows[start..end];
        let cells: Vec<StringRecord> = group.iter().map(|r| fields(&r.summary).1).collect();
        let mut record = StringRecord::new();
        record.push_field(key.0);
        for a in key.1 {
            record.push_field(a);
        }
        record.push_field(&group.len().to_string());
        let diverged = cells.iter().filter(|c| column(c, &columns, "status") == "diverged").count();
        record.push_field(&format_number(diverged as f64 / group.len() as f64));
        for (name, kind) in &kinds {
            let values: Vec<&str> = cells.iter().map(|c| column(c, &columns, name)).collect();
            match kind {
                Kind::Share => {
                    let yes = values.iter().filter(|v| **v == "true").count();
                    record.push_field(&format_number(yes as f64 / values.len() as f64));
                }
                Kind::Number => {
                    let numbers: Vec<f64> = values.iter().filter_map(|v| v.parse().ok()).collect();
                    let (mean, half) = mean_ci95(&numbers);
                    record.push_field(&mean.map(format_number).unwrap_or_default());
                    record.push_field(&half.map(format_number).unwrap_or_default());
                }
            }
        }
        out.push(record);
        start = end;
    }
    out
}

fn column<'a>(cells: &'a StringRecord, columns: &StringRecord, name: &str) -> &'a str {
    let i = columns.iter().position(|c| c == name).expect("a summary column");
    cells.get(i).unwrap_or_default()
}

/// Mean and 95 % confidence half-width t(0.975, n−1)·s/√n; the half-width
/// needs two values, the mean one. One `inf` (a replication where too many
/// requests failed for the percentile to exist) makes the mean `inf` and
/// leaves no half-width: no average of the others may hide it.
pub fn mean_ci95(values: &[f64]) -> (Option<f64>, Option<f64>) {
    let n = values.len();
    if n == 0 {
        return (None, None);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if !mean.is_finite() {
        return (Some(mean), None);
    }
    if n < 2 {
        return (Some(mean), None);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t =
        StudentsT::new(0.0, 1.0, (n - 1) as f64).expect("n − 1 ≥ 1 degrees of freedom").inverse_cdf(0.975);
    (Some(mean), Some(t * (var / n as f64).sqrt()))
}

/// Numbers as the CSV writer prints them: the shortest exact form.
fn format_number(x: f64) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.serialize(x).expect("writing to memory");
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("ASCII").trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_half_width_uses_student_t() {
        // n = 4, s = 1: t(0.975, 3) = 3.182446 → half-width 1.591223.
        let (mean, half) = mean_ci95(&[1.0, 2.0, 3.0, 2.0]);
        assert_eq!(mean, Some(2.0));
        let s = (2.0f64 / 3.0).sqrt();
        assert!((half.unwrap() - 3.182446 * s / 2.0).abs() < 1e-5);
        assert_eq!(mean_ci95(&[5.0]), (Some(5.0), None));
        assert_eq!(mean_ci95(&[]), (None, None));
        assert_eq!(mean_ci95(&[5.0, f64::INFINITY, 7.0]), (Some(f64::INFINITY), None));
    }
}
