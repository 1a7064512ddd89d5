//! Across replications: the mean and the 95 % confidence half-width
//! (Student t) of every summary metric, per variant and point — read from
//! the typed `Summary` by the aggregation its declaration gives
//! ([`Summary::AGGREGATES`]), never from its CSV text.

use csv::StringRecord;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::files::RunRow;
use crate::metrics::row::Aggregate;
use crate::metrics::{Status, Summary};

/// One metric across a point's replications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Aggregated {
    /// The share of replications where it held.
    Share(f64),
    /// Mean and 95 % half-width of the replications that have a value.
    Mean { mean: Option<f64>, ci95: Option<f64> },
}

/// One (variant, point) across its replications: a row of the sweep's
/// `summary.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct PointSummary {
    pub variant: String,
    /// One label per axis.
    pub axes: Vec<String>,
    pub replications: usize,
    pub diverged_share: f64,
    /// In the order of [`metrics`].
    pub values: Vec<Aggregated>,
}

impl PointSummary {
    /// The value of a summary metric `name` (`recovered`, `p99_ms`, …).
    pub fn get(&self, name: &str) -> Option<Aggregated> {
        metrics().position(|(m, _)| m == name).map(|i| self.values[i])
    }

    /// The row as `summary.csv` writes it, under [`summary_header`].
    pub fn record(&self) -> StringRecord {
        let mut record = StringRecord::new();
        record.push_field(&self.variant);
        for a in &self.axes {
            record.push_field(a);
        }
        record.push_field(&self.replications.to_string());
        record.push_field(&format_number(self.diverged_share));
        let cell = |x: Option<f64>| x.map(format_number).unwrap_or_default();
        for value in &self.values {
            match *value {
                Aggregated::Share(share) => record.push_field(&format_number(share)),
                Aggregated::Mean { mean, ci95 } => {
                    record.push_field(&cell(mean));
                    record.push_field(&cell(ci95));
                }
            }
        }
        record
    }
}

/// The summary's aggregated metrics, in column order.
fn metrics() -> impl Iterator<Item = (&'static str, Aggregate)> {
    Summary::AGGREGATES.iter().copied().filter(|(_, how)| *how != Aggregate::Not)
}

/// The header of `summary.csv` for these axes.
pub fn summary_header(axes: &[String]) -> StringRecord {
    let mut h = StringRecord::new();
    h.push_field("variant");
    for a in axes {
        h.push_field(a);
    }
    h.push_field("replications");
    h.push_field("diverged_share");
    for (name, how) in metrics() {
        match how {
            Aggregate::Share => h.push_field(&format!("{name}_share")),
            Aggregate::Mean => {
                h.push_field(&format!("{name}_mean"));
                h.push_field(&format!("{name}_ci95"));
            }
            Aggregate::Not => unreachable!("filtered out"),
        }
    }
    h
}

/// One summary per (variant, point), in job order. `rows` must be sorted
/// by job; consecutive rows of one variant and point form a group.
pub fn summarize(rows: &[RunRow]) -> Vec<PointSummary> {
    let readers: Vec<_> = metrics()
        .map(|(name, how)| (how, Summary::reader(name).expect("every column has a reader")))
        .collect();
    let mut out = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let key = (&rows[start].variant, &rows[start].axes);
        let end = start + rows[start..].iter().take_while(|r| (&r.variant, &r.axes) == key).count();
        let group = &rows[start..end];
        let n = group.len() as f64;
        let diverged = group.iter().filter(|r| r.summary.status == Status::Diverged).count();
        let values = readers
            .iter()
            .map(|&(how, read)| {
                let values = group.iter().filter_map(|r| read(&r.summary));
                match how {
                    Aggregate::Share => Aggregated::Share(values.filter(|v| *v == 1.0).count() as f64 / n),
                    _ => {
                        let (mean, ci95) = mean_ci95(&values.collect::<Vec<f64>>());
                        Aggregated::Mean { mean, ci95 }
                    }
                }
            })
            .collect();
        out.push(PointSummary {
            variant: key.0.clone(),
            axes: key.1.clone(),
            replications: group.len(),
            diverged_share: diverged as f64 / n,
            values,
        });
        start = end;
    }
    out
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
