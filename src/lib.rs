//! # outage-sim
//!
//! A discrete-event simulator of a web stack — clients → cache → database —
//! that reproduces cache-driven outages and answers capacity-planning
//! questions: how much load can this stack take under this cache
//! configuration, and does it recover?
//!
//! ## Architecture
//!
//! Dependencies flow one way (no file or folder imports one that imports
//! it back):
//! `main / cli → report → sweep → files → scenario → fit → stack / metrics → engine`.
//!
//! - [`engine`]: simulated time (integer nanoseconds), the event queue
//!   (ordered by time, then by scheduling order), a slab for request state
//!   and seeded random streams. It knows nothing of caches.
//! - [`stack`]: the modelled components — a topology built once from the
//!   model (cache nodes, database nodes, addressed by ids the events
//!   carry), workload, clients, stations, faults with targets — and the
//!   system that runs them as one event loop ([`stack::run`]), the request
//!   path a protocol over the components (`system/read.rs`, `query.rs`,
//!   `write.rs`).
//! - [`metrics`]: latency histograms, time-averaged levels, per-window and
//!   per-component rows, the run summary (each metric declared once with
//!   `metric_row!`) and recovery detection.
//! - [`scenario`]: model files (TOML) and `--set` overrides, validated into
//!   a [`stack::Model`] with located error messages.
//! - [`fit`]: calibration — a workload estimated from an access log, and
//!   its hit ratio against the log's through the same store.
//! - [`files`]: output files — CSV tables, `runs.csv` rows and journal,
//!   manifests — each written atomically.
//! - [`sweep`]: experiments expanded into jobs, run in parallel, resumed,
//!   merged; the capacity search and its journal; release gates.
//! - [`report`]: what a reader sees — charts, the plan's report, JUnit XML.
//! - [`excerpt`]: how messages quote input — bounded and escaped;
//!   [`names`]: enums whose model-file names are written once.
//!
//! `docs/architecture.md` has the request's path and where a new policy,
//! fault kind, metric or component goes.
//!
//! A run is a pure function of its model and seed:
//!
//! ```
//! use std::path::Path;
//! let model = outage_sim::scenario::load_model_text(
//!     Path::new("inline.toml"),
//!     "[run]\nduration_s = 2.0\nwarmup_s = 0.5\n[clients]\nrate_rps = 500.0\n",
//!     &[],
//! )
//! .unwrap()
//! .model;
//! let a = outage_sim::stack::run(&model).unwrap();
//! let b = outage_sim::stack::run(&model).unwrap();
//! assert_eq!(a.summary, b.summary);
//! ```

pub mod engine;
pub mod excerpt;
pub mod files;
pub mod fit;
pub mod metrics;
pub mod names;
pub mod report;
pub mod scenario;
pub mod stack;
pub mod sweep;
