//! The modelled web stack: workload, clients, cache and database, and the
//! system that wires them into one discrete-event simulation.

mod cache;
mod clients;
mod database;
mod eviction;
mod model;
mod request;
mod service_time;
mod station;
mod system;
mod workload;

pub use cache::{CacheConfig, CacheStore, Invalidation, Lookup, TtlMode};
pub use clients::ClientsConfig;
pub use database::DbConfig;
pub use eviction::EvictionKind;
pub use model::{Model, RunConfig};
pub use service_time::ServiceTime;
pub use system::{RunResult, run};
pub use workload::{Op, Popularity, WorkloadConfig};
