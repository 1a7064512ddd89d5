//! The timeline panels drawn from `nodes.csv`: one line per component of a
//! tier where the tier has several (the lost node falling to zero, the
//! busiest app instance, a lagging replica), folded to a mean and a maximum
//! where lines would be too many to tell apart.

use std::path::Path;

use super::chart::timeline::{Line, Panel, Scale};
use crate::files::{Table, TableError};

/// Components of a tier drawn one line each; above this, a mean and the
/// maximum instead.
const MAX_LINES: usize = 4;

/// `nodes.csv` read once, its rows addressed by (tier, node).
pub struct NodeTable {
    tiers: Vec<String>,
    nodes: Vec<Option<f64>>,
    windows: Vec<Option<usize>>,
    table: Table,
    windows_in_run: usize,
}

/// One component's values, window by window.
struct Series {
    tier: String,
    node: u64,
    values: Vec<Option<f64>>,
}

impl NodeTable {
    /// The run's `nodes.csv`, if it has one.
    pub fn read(dir: &Path, t_s: &[f64]) -> Result<Option<NodeTable>, TableError> {
        let path = dir.join("nodes.csv");
        if !path.exists() {
            return Ok(None);
        }
        let table = Table::read(&path)?;
        let windows = table
            .numbers("t_s")?
            .into_iter()
            .map(|t| t.and_then(|t| t_s.iter().position(|&w| w == t)))
            .collect();
        Ok(Some(NodeTable {
            tiers: table.texts("tier")?,
            nodes: table.numbers("node")?,
            windows,
            table,
            windows_in_run: t_s.len(),
        }))
    }

    /// The components of `tiers`, in order of first appearance, with
    /// `value` of each of their rows.
    fn series(&self, tiers: &[&str], value: impl Fn(usize) -> Option<f64>) -> Vec<Series> {
        let mut all: Vec<Series> = Vec::new();
        for row in 0..self.tiers.len() {
            if !tiers.contains(&self.tiers[row].as_str()) {
                continue;
            }
            let node = self.nodes[row].unwrap_or(0.0) as u64;
            let at = match all.iter().position(|s| s.tier == self.tiers[row] && s.node == node) {
                Some(at) => at,
                None => {
                    let values = vec![None; self.windows_in_run];
                    all.push(Series { tier: self.tiers[row].clone(), node, values });
                    all.len() - 1
                }
            };
            if let Some(w) = self.windows[row] {
                all[at].values[w] = value(row);
            }
        }
        all
    }

    /// The components of `tiers`, each with its cells of `column`.
    fn column_series(&self, tiers: &[&str], column: &str) -> Result<Vec<Series>, TableError> {
        let cells = self.table.numbers(column)?;
        Ok(self.series(tiers, |r| cells[r]))
    }

    /// Lookups per second at each cache node (and gutter node), when the
    /// tier has more than one: the hot node, the lost node falling to zero
    /// and the others taking its keys.
    pub fn cache_lookups(&self, window_s: f64) -> Result<Option<Panel>, TableError> {
        let (hits, misses) = (self.table.numbers("hits")?, self.table.numbers("misses")?);
        let all = self.series(&["cache", "gutter"], |r| Some((hits[r]? + misses[r]?) / window_s));
        if all.len() < 2 {
            return Ok(None);
        }
        let lines = all
            .into_iter()
            .map(|s| Line {
                name: if s.tier == "gutter" {
                    format!("gutter {}", s.node)
                } else {
                    format!("node {}", s.node)
                },
                values: s.values,
            })
            .collect();
        Ok(Some(Panel::new("lookups [/s]", Scale::Auto, lines)))
    }

    /// The share of each app instance's workers busy: a slow database
    /// holding every worker shows here before anywhere else.
    pub fn app_workers(&self) -> Result<Option<Panel>, TableError> {
        let all = self.column_series(&["app"], "utilization")?;
        if all.is_empty() {
            return Ok(None);
        }
        let lines = per_component_or_folded(all, "instance", "busiest");
        Ok(Some(Panel::new("workers busy", Scale::Share, lines)))
    }

    /// Each database node's utilisation, when there are replicas, beside
    /// the tier's (`db_utilization`).
    pub fn db_nodes(&self, tier: Line) -> Result<Option<Panel>, TableError> {
        let all = self.column_series(&["db"], "utilization")?;
        if all.len() < 2 {
            return Ok(None);
        }
        let mut lines = vec![Line { name: "all db nodes".into(), values: tier.values }];
        lines.extend(per_component_or_folded(all, "db", "busiest"));
        Ok(Some(Panel::new("db busy", Scale::Share, lines)))
    }

    /// The mean lag of the writes sent to each replica in a window [ms]:
    /// a replica falling behind, and the stale fills that follow it.
    pub fn replica_lag(&self) -> Result<Option<Panel>, TableError> {
        let all: Vec<Series> = self
            .column_series(&["db"], "lag_ms")?
            .into_iter()
            .filter(|s| s.values.iter().any(Option::is_some))
            .collect();
        if all.is_empty() {
            return Ok(None);
        }
        let lines = per_component_or_folded(all, "lag to db", "highest");
        Ok(Some(Panel::new("lag [ms]", Scale::Auto, lines)))
    }

    /// The app instances' accept queues, summed: requests waiting for a
    /// worker.
    pub fn app_queue(&self) -> Result<Option<Line>, TableError> {
        let all = self.column_series(&["app"], "queue")?;
        if all.is_empty() {
            return Ok(None);
        }
        let values =
            (0..self.windows_in_run).map(|w| all.iter().map(|s| s.values[w]).sum::<Option<f64>>()).collect();
        Ok(Some(Line { name: "app queue".into(), values }))
    }
}

/// A line per component (`one` and its number), or — for more than
/// [`MAX_LINES`] — their mean and the highest of them in each window
/// (`highest`); names short enough for the legend.
fn per_component_or_folded(all: Vec<Series>, one: &str, highest: &str) -> Vec<Line> {
    if all.len() <= MAX_LINES {
        return all
            .into_iter()
            .map(|s| Line { name: format!("{one} {}", s.node), values: s.values })
            .collect();
    }
    let windows = all[0].values.len();
    let fold = |w: usize| -> (Option<f64>, Option<f64>) {
        let seen: Vec<f64> = all.iter().filter_map(|s| s.values[w]).collect();
        if seen.is_empty() {
            return (None, None);
        }
        (
            Some(seen.iter().sum::<f64>() / seen.len() as f64),
            Some(seen.iter().copied().fold(f64::MIN, f64::max)),
        )
    };
    let (mean, max): (Vec<_>, Vec<_>) = (0..windows).map(fold).unzip();
    vec![
        Line { name: format!("mean of {}", all.len()), values: mean },
        Line { name: highest.to_owned(), values: max },
    ]
}
