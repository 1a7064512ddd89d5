//! The modelled web stack: workload, clients, cache and database, and the
//! system that wires them into one discrete-event simulation.

mod app;
mod balancer;
mod cache;
mod cache_node;
mod clients;
mod database;
mod eviction;
mod faults;
mod ids;
mod item_size;
mod lease;
mod model;
mod placement;
mod rate_series;
mod request;
mod retry;
mod schedule;
mod service_time;
mod stampede;
mod station;
mod stream;
mod system;
mod topology;
mod trace;
mod workload;

pub use app::AppConfig;
pub use balancer::Balancer;
pub use cache::{CacheConfig, CacheStore, Invalidation, Lookup, Stored, TtlMode};
pub use clients::ClientsConfig;
pub use database::{DbConfig, ReadFrom};
pub use eviction::EvictionKind;
pub use faults::{Fault, FaultKind, FaultTier, Target};
pub use item_size::{ItemSize, KeySizes, SizeDist};
pub use model::{Change, Disturbance, Model, RunConfig};
pub use placement::{ClusterConfig, Hashing, OnNodeLoss, Placement};
pub use rate_series::{RateFileError, RateSeries};
pub use retry::{Jitter, RetryConfig};
pub use schedule::LoadStep;
pub use service_time::ServiceTime;
pub use stampede::Stampede;
pub use station::Discipline;
pub use system::{RunError, RunResult, run};
pub use trace::{
    BadRows, TraceError, TraceFormat, TraceKeys, TraceReader, TraceRow, TraceScan, TraceSpec,
    scan as scan_trace,
};
pub use workload::{Op, Popularity, Workload, WorkloadConfig};
