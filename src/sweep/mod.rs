//! Sweeps: an experiment expanded into jobs (`jobs.rs`), run in parallel
//! and resumably (`execute.rs`), aggregated across replications
//! (`aggregate.rs`), and sharded runs merged back (`merge.rs`); the
//! output directory is checked before any job runs (`out_dir.rs`); the
//! capacity search (`capacity.rs`) journals its probes (`probe_journal.rs`).

mod aggregate;
mod capacity;
mod execute;
mod gate;
mod jobs;
mod merge;
mod out_dir;
mod outputs;
mod probe_journal;
mod review;

pub use aggregate::{Aggregated, PointSummary, mean_ci95, summarize, summary_header};
pub use capacity::{
    CheckedPlan, PlanError, PlanRun, Probe, Search, VariantPlan, VariantSettings, Verdict, check_plan,
    key_settings, run_plan,
};
pub use execute::{JOURNAL, Shard, SweepError, SweepOptions, SweepOutcome, run_sweep};
pub use gate::{GateResult, check};
pub use jobs::{Job, JobList, expand};
pub use merge::{MergeError, merge_rows};
pub use out_dir::{
    LOCK, OutDirError, OutLock, ensure_writable_dir, lock_out_dir, prepare_out_dir, prepare_run_dir,
};
pub use outputs::{MergeFailure, merge_dirs, write_summary, write_sweep_files};
pub use probe_journal::{JournalError, PLAN_JOURNAL, ProbeJournal};
pub use review::{
    CheckedReview, ColdAnswer, CurvePoint, LoadProbe, LossAnswer, PROBES, ProbeStore, Question,
    Recommendation, ReviewAnswers, ReviewError, ReviewRun, StoreError, Task, TierUse, VariantAnswers,
    VariantFacts, VariantProbes, answer, broken, check_review, percent, run_review,
};
