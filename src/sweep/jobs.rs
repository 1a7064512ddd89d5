//! Expansion: an experiment into jobs — variants × the Cartesian product
//! of the axes × replications, in that order (the last axis varies
//! fastest) — each with its validated model and seed.
//!
//! Seeds: a job's seed depends on the experiment's seed and its
//! replication only. Every variant and every point of one replication
//! therefore draws the same random numbers for arrivals, keys and every
//! other purpose (common random numbers): the difference between two
//! configurations is the configurations', not sampling noise. Replications
//! are independent of each other.

use std::path::Path;

use crate::engine::RandomStreams;
use crate::scenario::{Experiment, Override, Problem, ScenarioError, load_model_with};
use crate::stack::Model;

/// One simulation of a sweep.
#[derive(Debug, Clone)]
pub struct Job {
    /// Position in the expansion order.
    pub index: usize,
    pub variant: usize,
    /// Index into each axis's values.
    pub point: Vec<usize>,
    pub replication: u32,
    pub seed: u64,
    pub model: Model,
    /// Identifies the resolved model (seed included), for `--resume`.
    pub config_hash: String,
}

/// An experiment expanded into jobs.
#[derive(Debug, Clone)]
pub struct JobList {
    pub experiment: Experiment,
    pub jobs: Vec<Job>,
    /// Valid but suspicious settings found in the jobs' models, each once.
    pub notes: Vec<Problem>,
}

impl JobList {
    /// The axis paths, in order.
    pub fn axis_names(&self) -> Vec<String> {
        self.experiment.axes.iter().map(|a| a.path.clone()).collect()
    }

    /// The labels of a job's axis values.
    pub fn axis_labels(&self, job: &Job) -> Vec<String> {
        self.experiment.axes.iter().zip(&job.point).map(|(axis, &i)| axis.values[i].label.clone()).collect()
    }

    pub fn variant_name(&self, job: &Job) -> &str {
        &self.experiment.variants[job.variant].name
    }

    /// Whether `job` draws its variant's timeline: replication 0 at the
    /// experiment's timeline point.
    pub fn draws_timeline(&self, job: &Job) -> bool {
        job.replication == 0 && job.point == self.experiment.timeline
    }
}

/// Expands `experiment`, applying `base` overrides (`--set`) last, so
/// that the command line wins over the experiment's `set` and its
/// variants', and validates every job's model. All problems are reported
/// at once, each once.
pub fn expand(experiment: Experiment, base: &[String]) -> Result<JobList, ScenarioError> {
    let axes: Vec<&str> = experiment.axes.iter().map(|a| a.path.as_str()).collect();
    refuse_fixed_keys(base, &axes, "an axis of the experiment")?;
    let text = crate::scenario::read_input(&experiment.model)?;
    let points = cartesian(&experiment.axes.iter().map(|a| a.values.len()).collect::<Vec<_>>());
    let streams = RandomStreams::new(experiment.seed);
    let mut problems: Vec<Problem> = Vec::new();
    let mut notes: Vec<Problem> = Vec::new();
    let mut jobs = Vec::new();
    for (v, variant) in experiment.variants.iter().enumerate() {
        for point in &points {
            let mut overrides: Vec<Override> = experiment.set.clone();
            overrides.extend(variant.set.iter().cloned());
            for (axis, &i) in experiment.axes.iter().zip(point) {
                let value = &axis.values[i];
                overrides.push(Override {
                    assignment: format!("{}={}", axis.path, value.toml),
                    at: Some(value.at.clone()),
                });
            }
            overrides.extend(base.iter().map(Override::argument));
            let loaded = match load_model_with(Path::new(&experiment.model), &text, &overrides) {
                Ok(loaded) => loaded,
                Err(e) => {
                    // Once per key and message: an unknown axis key is
                    // one problem, not one per axis value.
                    add_once(&mut problems, e.problems());
                    if let ScenarioError::Read { .. } = e {
                        return Err(e);
                    }
                    continue;
                }
            };
            add_once(&mut notes, &loaded.notes);
            let resolved = loaded.resolved_toml();
            for replication in 0..experiment.replications {
                let seed = streams.derive(u64::from(replication));
                let mut model = loaded.model.clone();
                model.run.seed = seed;
                jobs.push(Job {
                    index: jobs.len(),
                    variant: v,
                    point: point.clone(),
                    replication,
                    seed,
                    model,
                    config_hash: format!("{:016x}", fnv1a(format!("{resolved}\nseed={seed}").as_bytes())),
                });
            }
        }
    }
    if !problems.is_empty() {
        return Err(ScenarioError::Invalid(problems));
    }
    Ok(JobList { experiment, jobs, notes })
}

/// A `--set` of a key the experiment varies itself (`what`: an axis, the
/// plan's search) would give every job the same value: bad input.
pub(super) fn refuse_fixed_keys(base: &[String], keys: &[&str], what: &str) -> Result<(), ScenarioError> {
    let problems: Vec<Problem> = base
        .iter()
        .filter_map(|assignment| {
            let path = assignment.split_once('=').map_or(assignment.as_str(), |(p, _)| p).trim();
            keys.contains(&path).then(|| Problem {
                location: crate::scenario::Location::Argument(assignment.clone()),
                key: Some(path.to_owned()),
                message: format!(
                    "is {what}: a --set would give every job the same value; change the experiment instead"
                ),
            })
        })
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(ScenarioError::Invalid(problems)) }
}

/// Adds each of `new` to `list` unless one with the same key and message
/// is there.
pub(super) fn add_once(list: &mut Vec<Problem>, new: &[Problem]) {
    for p in new {
        if !list.iter().any(|q| q.key == p.key && q.message == p.message) {
            list.push(p.clone());
        }
    }
}

/// Every combination of indices `0..sizes[k]`, the last varying fastest.
fn cartesian(sizes: &[usize]) -> Vec<Vec<usize>> {
    sizes.iter().fold(vec![Vec::new()], |acc, &n| {
        acc.iter()
            .flat_map(|prefix| {
                (0..n).map(move |i| {
                    let mut p = prefix.clone();
                    p.push(i);
                    p
                })
            })
            .collect()
    })
}

/// FNV-1a, 64 bits: a stable fingerprint of a configuration (not a
/// cryptographic hash; it only has to notice a changed model).
pub(super) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cartesian_product_varies_the_last_axis_fastest() {
        assert_eq!(cartesian(&[2, 3]), [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
        assert_eq!(cartesian(&[]), [Vec::<usize>::new()]);
    }
}
