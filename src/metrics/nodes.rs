//! Per-component telemetry: one `nodes.csv` row per window per component
//! (a cache node, a database node), even when a tier has one of each —
//! the tier's columns in `timeseries.csv` are their sums.

use serde::Serialize;

use crate::engine::SimTime;

use super::level::time_average;

/// The tier a component belongs to: the `tier` column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    /// An application instance: utilisation is of its workers, queue its
    /// accept queue.
    App,
    #[default]
    Cache,
    /// A spare cache node that takes a lost node's keys.
    Gutter,
    Db,
}

/// A component as the telemetry sees it: where it sits, and the servers
/// its utilisation is a share of (`None`: unlimited, no utilisation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    pub tier: Tier,
    pub node: u16,
    pub zone: u16,
    pub servers: Option<u32>,
}

/// A component's level integrals [level·ns] and cumulative counts at one
/// instant; `None` where the component has no such thing (a database
/// holds no cache entries).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeGauge {
    pub busy: u128,
    pub queued: u128,
    pub entries: Option<u64>,
    /// Bytes held, where items have sizes.
    pub bytes: Option<u64>,
    pub lookups: Option<u64>,
    pub hits: Option<u64>,
    /// A replica's lag: the sum over the writes sent to it [ns], and
    /// their number.
    pub lag: Option<(u128, u64)>,
}

/// One row of `nodes.csv`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NodeRow {
    pub t_s: f64,
    pub tier: Tier,
    pub node: u16,
    pub zone: u16,
    /// Busy servers over servers, time-averaged.
    pub utilization: Option<f64>,
    /// Waiting jobs, time-averaged.
    pub queue: f64,
    /// Entries held at the window's end.
    pub entries: Option<u64>,
    /// Bytes held: known once items have sizes.
    pub bytes: Option<u64>,
    pub hits: Option<u64>,
    pub misses: Option<u64>,
    /// How far behind the primary a replica applies writes.
    pub lag_ms: Option<f64>,
}

/// The components' gauges at the last window boundary, and the rows so far.
#[derive(Debug)]
pub struct NodeTelemetry {
    components: Vec<Component>,
    last: Vec<NodeGauge>,
    rows: Vec<NodeRow>,
}

impl NodeTelemetry {
    pub fn new(components: Vec<Component>) -> Self {
        let last = vec![NodeGauge::default(); components.len()];
        NodeTelemetry { components, last, rows: Vec::new() }
    }

    /// The window `[from, at)` closes with the components' `gauges` at `at`
    /// (in the order of the components).
    pub fn close_window(&mut self, from: SimTime, at: SimTime, gauges: &[NodeGauge]) {
        debug_assert_eq!(gauges.len(), self.components.len(), "one gauge per component");
        for ((c, g0), g) in self.components.iter().zip(&self.last).zip(gauges) {
            let avg = |a: u128, b: u128| time_average(a, b, from, at);
            let delta = |a: Option<u64>, b: Option<u64>| Some(b? - a.unwrap_or(0));
            let lookups = delta(g0.lookups, g.lookups);
            let hits = delta(g0.hits, g.hits);
            self.rows.push(NodeRow {
                t_s: from.as_secs(),
                tier: c.tier,
                node: c.node,
                zone: c.zone,
                utilization: c.servers.map(|s| avg(g0.busy, g.busy) / f64::from(s)),
                queue: avg(g0.queued, g.queued),
                entries: g.entries,
                bytes: g.bytes,
                hits,
                misses: lookups.zip(hits).map(|(l, h)| l - h),
                lag_ms: mean_lag_ms(g0.lag, g.lag),
            });
        }
        self.last.copy_from_slice(gauges);
    }

    pub fn into_rows(self) -> Vec<NodeRow> {
        self.rows
    }

    /// Zeroed gauges, one per component: the start of a run.
    pub fn zero_gauges(&self) -> Vec<NodeGauge> {
        vec![NodeGauge::default(); self.components.len()]
    }

    /// The cache tier between the gauges `from` and `to`: the share of
    /// lookups the busiest cache node took, and the gutter pool's hit
    /// ratio (`None` without a gutter pool or lookups).
    pub fn cache_shares(&self, from: &[NodeGauge], to: &[NodeGauge]) -> CacheShares {
        let (mut total, mut hottest, mut gutter_lookups, mut gutter_hits) = (0, 0, 0, 0);
        let mut has_gutter = false;
        for ((c, a), b) in self.components.iter().zip(from).zip(to) {
            let delta = |x: Option<u64>, y: Option<u64>| y.unwrap_or(0) - x.unwrap_or(0);
            let lookups = delta(a.lookups, b.lookups);
            match c.tier {
                Tier::Cache => {
                    total += lookups;
                    hottest = hottest.max(lookups);
                }
                Tier::Gutter => {
                    has_gutter = true;
                    total += lookups;
                    gutter_lookups += lookups;
                    gutter_hits += delta(a.hits, b.hits);
                }
                Tier::Db | Tier::App => {}
            }
        }
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        CacheShares {
            hottest_node_share: ratio(hottest, total),
            gutter_hit_ratio: if has_gutter { ratio(gutter_hits, gutter_lookups) } else { None },
        }
    }
}

/// The mean lag of the writes sent to a replica between two gauges
/// [ms]; `None` when none was.
fn mean_lag_ms(from: Option<(u128, u64)>, to: Option<(u128, u64)>) -> Option<f64> {
    let (sum, n) = to?;
    let (sum0, n0) = from.unwrap_or((0, 0));
    (n > n0).then(|| (sum - sum0) as f64 / (n - n0) as f64 / 1e6)
}

/// How the cache tier's lookups spread over its nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CacheShares {
    pub hottest_node_share: Option<f64>,
    pub gutter_hit_ratio: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_per_window_differences_and_time_averages() {
        let cache = Component { tier: Tier::Cache, node: 0, zone: 0, servers: Some(2) };
        let db = Component { tier: Tier::Db, node: 0, zone: 0, servers: Some(4) };
        let mut t = NodeTelemetry::new(vec![cache, db]);
        let s = SimTime::from_secs;
        let g = |busy_s: f64, lookups, hits| NodeGauge {
            busy: s(busy_s).as_nanos().into(),
            queued: 0,
            entries: Some(3),
            bytes: None,
            lookups: Some(lookups),
            hits: Some(hits),
            lag: None,
        };
        let db_gauge = |busy_s: f64| NodeGauge { busy: s(busy_s).as_nanos().into(), ..NodeGauge::default() };
        t.close_window(s(0.0), s(1.0), &[g(1.0, 10, 7), db_gauge(2.0)]);
        t.close_window(s(1.0), s(2.0), &[g(3.0, 30, 17), db_gauge(2.0)]);
        let rows = t.into_rows();
        assert_eq!(rows.len(), 4);
        assert_eq!((rows[0].utilization, rows[0].hits, rows[0].misses), (Some(0.5), Some(7), Some(3)));
        assert_eq!(rows[1].utilization, Some(0.5), "2 busy of 4 over 1 s");
        assert_eq!((rows[1].hits, rows[1].entries), (None, None));
        assert_eq!(
            (rows[2].t_s, rows[2].utilization, rows[2].hits, rows[2].misses),
            (1.0, Some(1.0), Some(10), Some(10))
        );
        assert_eq!(rows[3].utilization, Some(0.0), "idle in the second window");
    }
}
