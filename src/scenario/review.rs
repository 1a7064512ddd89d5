//! `[review]`: what `outage-sim review` asks of every variant — the
//! forecast peak, the objective, which losses to try and how many at once.
//!
//! ```toml
//! [review]
//! peak_rps = 9000.0      # or: growth = 1.5 (× the model's clients.rate_rps)
//! slo = { good_ratio = 0.99, error_rate = 0.01 }
//! losses = ["cache-node", "replica", "app-instance", "zone"]
//! k = 2
//! ```

use serde::{Deserialize, Serialize};

use super::experiment::PlanSlo;

crate::names::named_enum! {
    /// A kind of component the review takes away.
    pub enum LossKind {
        /// `cache-down` of nodes 0..k: their keys move as `on_node_loss` says.
        CacheNode = "cache-node",
        /// `db-down` of replicas 0..k: their reads move to the others.
        Replica = "replica",
        /// `app-down` of instances 0..k, until the balancer's health check.
        AppInstance = "app-instance",
        /// `zone-down` of zone 0 (it holds the primary): one loss only.
        Zone = "zone",
    }
}

impl LossKind {
    /// The component's name, singular and plural.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            LossKind::CacheNode => ("cache node", "cache nodes"),
            LossKind::Replica => ("replica", "replicas"),
            LossKind::AppInstance => ("app instance", "app instances"),
            LossKind::Zone => ("zone", "zones"),
        }
    }

    /// What a row of the N−k matrix calls `n` of these.
    pub fn noun(self, n: usize) -> String {
        let (one, many) = self.names();
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

/// `[review]` as written.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSpec {
    /// The forecast peak [requests/s].
    #[serde(default)]
    pub peak_rps: Option<f64>,
    /// Or the forecast as growth over today's `clients.rate_rps`.
    #[serde(default)]
    pub growth: Option<f64>,
    /// The objective; absent: `good_ratio` at least 0.99 (99 % of requests
    /// answered within the model's `slo.p99_ms`) and `error_rate` at most
    /// the model's `slo.error_rate`.
    #[serde(default)]
    pub slo: Option<PlanSlo>,
    /// Hold the objective at the pessimistic end of the 95 % confidence
    /// interval over replications (default true).
    #[serde(default = "yes")]
    pub confidence: bool,
    /// Replications of every probe; absent: the experiment's.
    #[serde(default)]
    pub replications: Option<u32>,
    /// The losses to try; absent: every kind the model has.
    #[serde(default)]
    pub losses: Option<Vec<String>>,
    /// Lose 1..k components of each kind (a zone: one).
    #[serde(default = "two")]
    pub k: u32,
    /// When the loss (or the cold cache's flush) happens; absent: at the
    /// end of warm-up, so that the summary measures the stack without it.
    #[serde(default)]
    pub loss_at_s: Option<f64>,
    /// The headroom search's range [requests/s]; absent: peak / 8 and
    /// peak × 8.
    #[serde(default)]
    pub low_rps: Option<f64>,
    #[serde(default)]
    pub high_rps: Option<f64>,
    /// Relative width of the headroom's final bracket (default 3 %).
    #[serde(default = "tolerance")]
    pub tolerance: f64,
    /// Loads of the goodput curve, as multiples of the peak.
    #[serde(default = "curve")]
    pub curve: Vec<f64>,
}

fn yes() -> bool {
    true
}

fn two() -> u32 {
    2
}

fn tolerance() -> f64 {
    0.03
}

fn curve() -> Vec<f64> {
    vec![0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0]
}

/// Most components of one kind a review loses at once: every `k` is a
/// probe per kind and variant.
pub const MAX_K: u32 = 16;

impl ReviewSpec {
    /// The loss kinds asked for, parsed.
    pub fn loss_kinds(&self) -> Result<Option<Vec<LossKind>>, String> {
        let Some(names) = &self.losses else { return Ok(None) };
        let mut kinds = Vec::new();
        for name in names {
            let kind = LossKind::from_name(name).ok_or_else(|| {
                format!("losses: unknown loss `{name}`; expected one of {}", LossKind::NAMES.join(", "))
            })?;
            if kinds.contains(&kind) {
                return Err(format!("losses: `{name}` is listed twice"));
            }
            kinds.push(kind);
        }
        Ok(Some(kinds))
    }

    /// What is wrong with the section, if anything.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let positive = |x: f64| x.is_finite() && x > 0.0;
        match (self.peak_rps, self.growth) {
            (None, None) => out.push("needs the forecast: peak_rps, or growth over clients.rate_rps".into()),
            (Some(_), Some(_)) => out.push("set one of peak_rps and growth, not both".into()),
            (Some(p), None) if !positive(p) => out.push(format!("peak_rps must be > 0, got {p}")),
            (None, Some(g)) if !positive(g) => out.push(format!("growth must be > 0, got {g}")),
            _ => {}
        }
        if let Some(slo) = &self.slo {
            out.extend(slo.problems());
        }
        if self.replications.is_some_and(|r| !(1..=1000).contains(&r)) {
            out.push(format!("replications must be from 1 to 1000, got {}", self.replications.unwrap_or(0)));
        }
        if let Err(e) = self.loss_kinds() {
            out.push(e);
        }
        if !(1..=MAX_K).contains(&self.k) {
            out.push(format!("k must be from 1 to {MAX_K}, got {}", self.k));
        }
        if self.loss_at_s.is_some_and(|t| !(t.is_finite() && t >= 0.0)) {
            out.push(format!("loss_at_s must be >= 0, got {}", self.loss_at_s.unwrap_or(0.0)));
        }
        for (name, value) in [("low_rps", self.low_rps), ("high_rps", self.high_rps)] {
            if value.is_some_and(|v| !positive(v)) {
                out.push(format!("{name} must be > 0, got {}", value.unwrap_or(0.0)));
            }
        }
        if let (Some(low), Some(high)) = (self.low_rps, self.high_rps)
            && low >= high
        {
            out.push(format!("needs low_rps < high_rps, got {low} and {high}"));
        }
        if !(self.tolerance > 0.0 && self.tolerance < 1.0) {
            out.push(format!("tolerance is relative and must be in (0, 1), got {}", self.tolerance));
        }
        if self.curve.is_empty() || self.curve.len() > 64 {
            out.push(format!("curve needs 1 to 64 multiples of the peak, got {}", self.curve.len()));
        }
        if self.curve.iter().any(|&m| !positive(m)) {
            out.push("curve: every multiple of the peak must be > 0".into());
        }
        if self.curve.windows(2).any(|w| w[0] >= w[1]) {
            out.push("curve: the multiples must increase".into());
        }
        out
    }
}
