//! A measured rate series: the load as it was on the day.
//!
//! `clients.rate_file` is a CSV of `t_s,rate_rps` rows — times in seconds,
//! or RFC 3339 timestamps made relative to the first — or the JSON a
//! Prometheus `query_range` returns (`{"data": {"result": [{"values":
//! [unix_s, "rate"], …]}]}}`, exactly one series, its times counted from its
//! first point). Times in seconds are run time. The rate runs linearly
//! between points, holds its first value before the first point and its
//! last after the last one, as a dashboard draws it.

use std::path::Path;

/// Points `(t_s, rate_rps)`, times increasing.
#[derive(Debug, Clone, PartialEq)]
pub struct RateSeries {
    pub points: Vec<(f64, f64)>,
}

/// A problem with a rate file: where (line, or 0 for the whole file) and what.
#[derive(Debug, Clone, PartialEq)]
pub struct RateFileError {
    pub line: u64,
    pub message: String,
}

/// The largest rate file read [bytes]: a day at one point a second is ~30 MB.
const MAX_BYTES: u64 = 256 << 20;
/// The highest rate a point may give [1/s], as `clients.rate_rps`.
pub const MAX_RATE: f64 = 1e9;

impl RateSeries {
    /// Reads `path`: Prometheus JSON when the text starts with `{`, CSV
    /// otherwise.
    pub fn read(path: &Path) -> Result<Self, RateFileError> {
        let whole = |message: String| RateFileError { line: 0, message };
        match std::fs::metadata(path) {
            Ok(meta) if !meta.is_file() => return Err(whole("not a regular file".into())),
            Ok(meta) if meta.len() > MAX_BYTES => {
                return Err(whole(format!("{} bytes: at most {MAX_BYTES} are read", meta.len())));
            }
            Err(e) => return Err(whole(format!("cannot open it: {e}"))),
            Ok(_) => {}
        }
        let bytes = std::fs::read(path).map_err(|e| whole(format!("cannot read it: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|_| whole("is not UTF-8 text".into()))?;
        let text = text.trim_start_matches('\u{feff}');
        if text.trim_start().starts_with('{') { Self::from_prometheus(text) } else { Self::from_csv(text) }
    }

    /// `t_s,rate_rps` rows; a header optional.
    pub fn from_csv(text: &str) -> Result<Self, RateFileError> {
        let mut raw: Vec<(u64, f64, f64)> = Vec::new();
        let mut first_stamp: Option<f64> = None;
        for (i, line) in text.lines().enumerate() {
            let line_no = i as u64 + 1;
            let at = |message: String| RateFileError { line: line_no, message };
            let row = line.trim();
            if row.is_empty() || row.starts_with('#') || (raw.is_empty() && row.starts_with("t_s")) {
                continue;
            }
            let fields: Vec<&str> = row.split(',').map(str::trim).collect();
            let [t, rate] = fields[..] else {
                return Err(at(format!(
                    "expected 2 fields `t_s,rate_rps`, found {}: {}",
                    fields.len(),
                    excerpt(row)
                )));
            };
            let stamped = t.parse::<f64>().is_err();
            if !raw.is_empty() && stamped != first_stamp.is_some() {
                return Err(at("times must all be seconds or all RFC 3339 timestamps".into()));
            }
            let t_s = if stamped {
                let stamp = chrono::DateTime::parse_from_rfc3339(t).map_err(|_| {
                    at(format!(
                        "t_s must be seconds or an RFC 3339 timestamp (2023-06-20T09:00:00Z), got {}",
                        excerpt(t)
                    ))
                })?;
                let secs = stamp.timestamp() as f64 + f64::from(stamp.timestamp_subsec_nanos()) * 1e-9;
                secs - *first_stamp.get_or_insert(secs)
            } else {
                t.parse::<f64>().expect("parsed above")
            };
            raw.push((line_no, t_s, parse_rate(rate).map_err(at)?));
        }
        Self::checked(raw)
    }

    /// A Prometheus `query_range` answer holding one series.
    pub fn from_prometheus(text: &str) -> Result<Self, RateFileError> {
        let whole = |message: String| RateFileError { line: 0, message };
        let json: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| RateFileError { line: e.line() as u64, message: format!("not JSON: {e}") })?;
        let result = json
            .pointer("/data/result")
            .and_then(|r| r.as_array())
            .ok_or_else(|| whole("not a Prometheus query_range answer: no data.result array".into()))?;
        let [series] = result.as_slice() else {
            return Err(whole(format!(
                "data.result holds {} series: a rate file is one series (sum the query, e.g. \
                 sum(rate(http_requests_total[1m])))",
                result.len()
            )));
        };
        let values = series.get("values").and_then(|v| v.as_array()).ok_or_else(|| {
            whole("the series has no `values` (a query_range answer has; query is instant)".into())
        })?;
        let mut raw = Vec::with_capacity(values.len());
        let mut first = None;
        for (i, pair) in values.iter().enumerate() {
            let bad = || {
                whole(format!(
                    "values[{i}] must be [unix_seconds, \"rate\"], got {}",
                    excerpt(&pair.to_string())
                ))
            };
            let (Some(t), Some(rate)) =
                (pair.get(0).and_then(|t| t.as_f64()), pair.get(1).and_then(|r| r.as_str()))
            else {
                return Err(bad());
            };
            let rate = parse_rate(rate).map_err(|m| whole(format!("values[{i}]: {m}")))?;
            raw.push((i as u64, t - *first.get_or_insert(t), rate));
        }
        // Points are located by index, not line, in JSON.
        Self::checked(raw).map_err(|e| RateFileError { line: 0, ..e })
    }

    fn checked(raw: Vec<(u64, f64, f64)>) -> Result<Self, RateFileError> {
        if raw.len() < 2 {
            return Err(RateFileError { line: 0, message: "needs at least 2 points to draw a rate".into() });
        }
        let mut points = Vec::with_capacity(raw.len());
        for (line, t, rate) in raw {
            if !t.is_finite() || t < 0.0 {
                return Err(RateFileError { line, message: format!("t_s must be finite and >= 0, got {t}") });
            }
            if let Some(&(last, _)) = points.last()
                && t <= last
            {
                return Err(RateFileError {
                    line,
                    message: format!("times must increase: {t} s comes after {last} s"),
                });
            }
            points.push((t, rate));
        }
        Ok(RateSeries { points })
    }

    /// The rate at `t_s` [1/s].
    pub fn rate_at(&self, t_s: f64) -> f64 {
        let i = self.points.partition_point(|p| p.0 <= t_s);
        match (i.checked_sub(1).map(|j| self.points[j]), self.points.get(i)) {
            (Some((t0, r0)), Some(&(t1, r1))) => r0 + (r1 - r0) * (t_s - t0) / (t1 - t0),
            (Some((_, r)), None) => r,
            (None, _) => self.points[0].1,
        }
    }

    /// When the file's last point is [s].
    pub fn end_s(&self) -> f64 {
        self.points.last().map_or(0.0, |p| p.0)
    }

    /// The series multiplied by `scale`.
    pub fn scaled(mut self, scale: f64) -> Self {
        self.points.iter_mut().for_each(|p| p.1 *= scale);
        self
    }
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if r.is_finite() && (0.0..=MAX_RATE).contains(&r) => Ok(r),
        // Prometheus writes "NaN" for a gap.
        _ => Err(format!("rate_rps must be a number from 0 to {MAX_RATE}, got {}", excerpt(text))),
    }
}

fn excerpt(text: &str) -> String {
    crate::excerpt::excerpt(text, 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_seconds_or_timestamps() {
        // Seconds are run time: before the first point, the first rate holds.
        let s = RateSeries::from_csv("t_s,rate_rps\n10,100\n20,300\n").unwrap();
        assert_eq!(s.points, vec![(10.0, 100.0), (20.0, 300.0)]);
        assert_eq!((s.rate_at(5.0), s.rate_at(15.0), s.rate_at(50.0)), (100.0, 200.0, 300.0));
        let s = RateSeries::from_csv(
            "2023-06-20T09:00:00Z,5\n2023-06-20T10:00:00+01:00,7\n2023-06-20T09:01:30Z,9",
        )
        .unwrap_err();
        assert!(s.message.contains("increase"), "{s:?}");
        let s = RateSeries::from_csv("2023-06-20T09:00:00Z,5\n2023-06-20T09:01:30.5Z,9\n").unwrap();
        assert_eq!(s.points, vec![(0.0, 5.0), (90.5, 9.0)]);
    }

    #[test]
    fn bad_rows_are_located() {
        for (text, line, needle) in [
            ("0,1\n1\n", 2, "expected 2 fields"),
            ("0,1\nx,1\n", 2, "RFC 3339"),
            ("0,1\n1,-3\n", 2, "rate_rps must be"),
            ("0,1\n0,3\n", 2, "must increase"),
            ("0,1\n", 0, "at least 2 points"),
            ("2023-06-20T09:00:00Z,1\n5,1\n", 2, "all be seconds or all"),
        ] {
            let e = RateSeries::from_csv(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e:?}");
            assert!(e.message.contains(needle), "{text:?}: {e:?}");
        }
    }

    #[test]
    fn prometheus_query_range_answers() {
        let one = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"job":"shop"},"values":[[1687251600,"120.5"],[1687251660,"130"]]}]}}"#;
        let s = RateSeries::from_prometheus(one).unwrap();
        assert_eq!(s.points, vec![(0.0, 120.5), (60.0, 130.0)]);
        let two = r#"{"data":{"result":[{"values":[[1,"1"],[2,"2"]]},{"values":[[1,"1"],[2,"2"]]}]}}"#;
        let e = RateSeries::from_prometheus(two).unwrap_err();
        assert!(e.message.contains("holds 2 series"), "{e:?}");
        let nan = r#"{"data":{"result":[{"values":[[1,"1"],[2,"NaN"]]}]}}"#;
        assert!(RateSeries::from_prometheus(nan).unwrap_err().message.contains("values[1]"));
    }
}
