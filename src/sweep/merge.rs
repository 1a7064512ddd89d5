//! Merging the `runs.csv` of sharded runs into the rows of one run.

use std::path::PathBuf;

use crate::files::{RowsError, RunRow, read_runs};

/// Why shard outputs could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Rows(#[from] RowsError),
    #[error("{}: its axes ({}) differ from {}'s ({}): not shards of one experiment", .path.display(), .axes.join(", "), .first.display(), .first_axes.join(", "))]
    Axes { path: PathBuf, axes: Vec<String>, first: PathBuf, first_axes: Vec<String> },
    #[error("job {job} is in two shards with different configurations ({}, {})", .first.display(), .second.display())]
    Conflict { job: usize, first: PathBuf, second: PathBuf },
}

/// The rows of every `runs.csv` in `runs`, sorted by job, with their axes.
pub fn merge_rows(runs: &[PathBuf]) -> Result<(Vec<String>, Vec<RunRow>), MergeError> {
    let mut axes: Option<(PathBuf, Vec<String>)> = None;
    let mut rows: Vec<(RunRow, PathBuf)> = Vec::new();
    for path in runs {
        let (their_axes, their_rows) = read_runs(path)?;
        match &axes {
            Some((first, first_axes)) if *first_axes != their_axes => {
                return Err(MergeError::Axes {
                    path: path.clone(),
                    axes: their_axes,
                    first: first.clone(),
                    first_axes: first_axes.clone(),
                });
            }
            Some(_) => {}
            None => axes = Some((path.clone(), their_axes)),
        }
        rows.extend(their_rows.into_iter().map(|r| (r, path.clone())));
    }
    rows.sort_by_key(|(r, _)| r.job);
    let mut merged: Vec<RunRow> = Vec::with_capacity(rows.len());
    let mut from: Vec<PathBuf> = Vec::with_capacity(rows.len());
    for (row, path) in rows {
        if let Some(last) = merged.last()
            && last.job == row.job
        {
            if last.config_hash != row.config_hash || *last != row {
                return Err(MergeError::Conflict {
                    job: row.job,
                    first: from.last().cloned().unwrap_or_default(),
                    second: path,
                });
            }
            continue;
        }
        merged.push(row);
        from.push(path);
    }
    Ok((axes.map(|(_, a)| a).unwrap_or_default(), merged))
}
