//! The model file as written: serde types that mirror the TOML, with every
//! range-checked number kept with its position (`Spanned`) so that
//! validation can point at it. Defaults live here, next to the keys, and are
//! what `outage-sim check` prints for keys the file leaves out.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::stack::{
    BadRows, Balancer, Discipline, EvictionKind, FaultKind, Hashing, Invalidation, Jitter, OnNodeLoss,
    ReadFrom, SizeDist, TraceFormat, TtlMode,
};

/// A number as written, with its position in the file.
pub type Num<T> = Spanned<T>;

fn num<T>(value: T) -> Num<T> {
    // An empty span at 0 marks a default: validation reports it as such.
    Spanned::new(0..0, value)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    #[serde(default)]
    pub run: RawRun,
    #[serde(default)]
    pub workload: RawWorkload,
    #[serde(default)]
    pub clients: RawClients,
    #[serde(default)]
    pub cache: RawCache,
    #[serde(default)]
    pub db: RawDb,
    /// The application tier; absent: clients talk to the cache and the
    /// database directly. Left out of a resolved model that has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<Spanned<RawApp>>,
    /// Zones; absent: one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology: Option<Spanned<RawTopology>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<Spanned<RawFault>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<Spanned<RawAlert>>,
    /// Configuration changed while running, as the team did on the day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Spanned<RawChange>>,
    #[serde(default)]
    pub slo: RawSlo,
}

/// `{ at_s, set = { "cache.ttl_s" = 60.0, … } }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawChange {
    pub at_s: Num<f64>,
    pub set: indexmap::IndexMap<String, Spanned<toml::Value>>,
}

/// A field left out takes its value from `Default` below: each default
/// is written once.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawRun {
    pub duration_s: Num<f64>,
    pub warmup_s: Num<f64>,
    pub window_s: Num<f64>,
    pub seed: Num<u64>,
    pub max_in_flight: Num<u64>,
    pub max_events: Num<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawPopularity {
    Zipf,
    Uniform,
}

/// A field left out takes its value from `Default` below: each default
/// is written once.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawWorkload {
    pub keys: Num<u64>,
    pub popularity: RawPopularity,
    pub zipf_s: Num<f64>,
    pub read_fraction: Num<f64>,
    /// A CSV access log to replay instead of drawing requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Spanned<String>>,
    /// How the trace's rows are laid out; absent: `csv`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_format: Option<Spanned<TraceFormat>>,
    /// What a malformed trace row does; absent: `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_bad_rows: Option<Spanned<BadRows>>,
    /// Item sizes, one per key; absent: sizes do not matter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<Spanned<RawItemSize>>,
    /// Keys a user request (a page) reads in parallel; absent: 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fanout: Option<Num<u64>>,
}

/// `{ dist = "...", mean_bytes = ..., cv = ... }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawItemSize {
    pub dist: SizeDist,
    pub mean_bytes: Num<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<Num<f64>>,
}

/// A field left out takes its value from `Default` below: each default
/// is written once.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawClients {
    pub rate_rps: Num<f64>,
    /// A measured rate series replacing `rate_rps` (CSV or Prometheus JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_file: Option<Spanned<String>>,
    /// Multiplies the rate file's rates; absent: 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_scale: Option<Num<f64>>,
    /// Load multipliers over time (open loop).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<Spanned<RawLoadStep>>,
    /// Closed loop: this many users instead of `rate_rps`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Num<u64>>,
    /// Closed loop: mean think time; default 1 000 ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub think_ms: Option<Num<f64>>,
    /// Absent: attempts never time out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<Num<f64>>,
    pub max_attempts: Num<u64>,
    pub backoff_base_ms: Num<f64>,
    pub backoff_cap_ms: Num<f64>,
    pub jitter: Jitter,
    /// Absent: no retry budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_budget_ratio: Option<Num<f64>>,
    pub retry_budget_burst: Num<f64>,
}

/// `{ at_s, until_s, multiplier, ramp_to }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoadStep {
    pub at_s: Num<f64>,
    pub until_s: Num<f64>,
    pub multiplier: Num<f64>,
    /// A linear ramp from `multiplier` to this; absent: constant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ramp_to: Option<Num<f64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawStampede {
    None,
    Coalesce,
    EarlyRefresh,
    StaleWhileRevalidate,
}

/// A field left out takes its value from `Default` below: each default
/// is written once.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawCache {
    pub capacity: Num<u64>,
    pub eviction: EvictionKind,
    /// Absent: entries never expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_s: Option<Num<f64>>,
    pub ttl_mode: TtlMode,
    pub ttl_jitter: Num<f64>,
    pub invalidation: Spanned<Invalidation>,
    pub invalidation_delay_ms: Num<f64>,
    pub invalidation_loss: Num<f64>,
    /// Leases only; default 10 ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_wait_ms: Option<Num<f64>>,
    /// Leases only; default 10 s, as memcache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_ttl_ms: Option<Num<f64>>,
    pub stampede: Spanned<RawStampede>,
    /// Early refresh only; default 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub early_refresh_beta: Option<Num<f64>>,
    /// Stale-while-revalidate only; default 10 s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale_window_s: Option<Num<f64>>,
    pub fail_open: bool,
    pub warm_start: bool,
    pub lookup: Spanned<RawServiceTime>,
    /// Parallel lookups; absent: unlimited (a lookup never waits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub servers: Option<Num<u64>>,
    /// Nodes; capacity, memory and servers are per node. The cluster keys
    /// are left out of a resolved model that does not name them, so a
    /// model of one node keeps its resolved text (and digest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Num<u64>>,
    /// Default consistent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hashing: Option<Hashing>,
    /// Ring points per node (consistent hashing); default 160.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vnodes: Option<Num<u64>>,
    /// Per node [MiB]: capacity in bytes instead of `capacity` entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<Num<f64>>,
    /// Default rehash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_node_loss: Option<Spanned<OnNodeLoss>>,
    /// Gutter only; default 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gutter_nodes: Option<Num<u64>>,
    /// Gutter only; default 10 s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gutter_ttl_s: Option<Num<f64>>,
    /// The most popular keys kept on `hot_key_replicas` nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hot_keys: Option<Num<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hot_key_replicas: Option<Num<u64>>,
    /// With database replicas: reads of a key being replicated go to the
    /// primary. Default false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_markers: Option<Spanned<bool>>,
}

/// A field left out takes its value from `Default` below: each default
/// is written once.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawDb {
    pub servers: Num<u64>,
    /// Absent: the queue is unbounded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_limit: Option<Num<u64>>,
    pub read: Spanned<RawServiceTime>,
    pub write: Spanned<RawServiceTime>,
    pub discipline: Discipline,
    /// Absent: queries wait as long as it takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_timeout_ms: Option<Num<f64>>,
    pub cancel_on_timeout: bool,
    pub contention: Num<f64>,
    /// Read replicas beside the primary; absent: none. Left out of a
    /// resolved model that does not name them, like the cluster keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Num<u64>>,
    /// Replicas only; default exponential 100 ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_lag: Option<Spanned<RawServiceTime>>,
    /// Replicas only; default replicas.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_from: Option<Spanned<ReadFrom>>,
    /// Replicas only: how long after the primary goes down a replica is
    /// promoted [s]; default 30.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failover_s: Option<Num<f64>>,
}

/// `[app]`: instances behind a balancer, each with workers held for a
/// request's whole life.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawApp {
    pub instances: Num<u64>,
    /// Per instance.
    pub workers: Num<u64>,
    /// Per instance accept queue; absent: unbounded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_limit: Option<Num<u64>>,
    pub balancer: Balancer,
    /// The app's own time per request, before the cache.
    pub work: Spanned<RawServiceTime>,
    /// How long the balancer keeps sending to an instance that went down.
    pub health_check_s: Num<f64>,
}

/// `[topology]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawTopology {
    /// App instances, cache nodes and database nodes are placed round
    /// robin over this many zones.
    pub zones: Num<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawDist {
    Exponential,
    Deterministic,
    Lognormal,
    Gamma,
}

/// `{ dist = "...", mean_ms = ..., cv = ... }`. A flat table rather than a
/// tagged enum, so that each number keeps its position.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawServiceTime {
    pub dist: RawDist,
    pub mean_ms: Num<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<Num<f64>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    pub kind: FaultKind,
    pub at_s: Num<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<Num<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<Num<f64>>,
    /// One cache node (cache-* kinds); absent: the whole tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<Num<u64>>,
    /// One replica (db-* kinds, `replica-lag`), numbered from 1; absent:
    /// the primary (`replica-lag`: every replica).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica: Option<Num<u64>>,
    /// One application instance (`app-down`); absent: every instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<Num<u64>>,
    /// The zone `zone-down` takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<Num<u64>>,
}

/// `[[alerts]]`: a rule on a time-series column.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlert {
    pub name: String,
    pub metric: Spanned<String>,
    pub op: Spanned<String>,
    pub threshold: Num<f64>,
    #[serde(default = "defaults::for_s")]
    pub for_s: Num<f64>,
    #[serde(default = "defaults::severity")]
    pub severity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_at: Option<RawPointsAt>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawPointsAt {
    Cache,
    Db,
    Clients,
}

/// A field left out takes its value from `Default` below: each default
/// is written once.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawSlo {
    pub p99_ms: Num<f64>,
    pub error_rate: Num<f64>,
    pub recovery_windows: Num<u64>,
}

/// Default values: a mid-sized online shop (see README "Model file").
mod defaults {
    use super::*;

    pub fn duration_s() -> Num<f64> {
        num(300.0)
    }
    pub fn warmup_s() -> Num<f64> {
        num(30.0)
    }
    pub fn window_s() -> Num<f64> {
        num(1.0)
    }
    pub fn seed() -> Num<u64> {
        num(42)
    }
    pub fn max_events() -> Num<u64> {
        num(10_000_000_000)
    }
    pub fn max_in_flight() -> Num<u64> {
        num(1_000_000)
    }
    pub fn keys() -> Num<u64> {
        num(100_000)
    }
    pub fn popularity() -> RawPopularity {
        RawPopularity::Zipf
    }
    pub fn zipf_s() -> Num<f64> {
        num(0.9)
    }
    pub fn read_fraction() -> Num<f64> {
        num(0.95)
    }
    pub fn rate_rps() -> Num<f64> {
        num(2000.0)
    }
    pub fn max_attempts() -> Num<u64> {
        num(1)
    }
    pub fn backoff_base_ms() -> Num<f64> {
        num(0.0)
    }
    pub fn backoff_cap_ms() -> Num<f64> {
        num(10_000.0)
    }
    pub fn jitter() -> Jitter {
        Jitter::None
    }
    pub fn retry_budget_burst() -> Num<f64> {
        num(10.0)
    }
    pub fn discipline() -> Discipline {
        Discipline::Fifo
    }
    pub fn contention() -> Num<f64> {
        num(0.0)
    }
    pub fn for_s() -> Num<f64> {
        num(0.0)
    }
    pub fn severity() -> String {
        "page".into()
    }
    pub fn capacity() -> Num<u64> {
        num(5000)
    }
    pub fn eviction() -> EvictionKind {
        EvictionKind::Lru
    }
    pub fn ttl_mode() -> TtlMode {
        TtlMode::Insertion
    }
    pub fn ttl_jitter() -> Num<f64> {
        num(0.0)
    }
    pub fn invalidation() -> Spanned<Invalidation> {
        Spanned::new(0..0, Invalidation::Delete)
    }
    pub fn invalidation_delay_ms() -> Num<f64> {
        num(0.0)
    }
    pub fn invalidation_loss() -> Num<f64> {
        num(0.0)
    }
    pub fn stampede() -> Spanned<RawStampede> {
        Spanned::new(0..0, RawStampede::None)
    }
    pub fn fail_open() -> bool {
        true
    }
    fn service(dist: RawDist, mean_ms: f64) -> Spanned<RawServiceTime> {
        Spanned::new(0..0, RawServiceTime { dist, mean_ms: num(mean_ms), cv: None })
    }
    pub fn work() -> Spanned<RawServiceTime> {
        service(RawDist::Exponential, 1.0)
    }
    pub fn lookup() -> Spanned<RawServiceTime> {
        service(RawDist::Deterministic, 0.2)
    }
    pub fn db_servers() -> Num<u64> {
        num(32)
    }
    pub fn read() -> Spanned<RawServiceTime> {
        service(RawDist::Exponential, 2.0)
    }
    pub fn write() -> Spanned<RawServiceTime> {
        service(RawDist::Exponential, 5.0)
    }
    pub fn p99_ms() -> Num<f64> {
        num(500.0)
    }
    pub fn error_rate() -> Num<f64> {
        num(0.01)
    }
    pub fn recovery_windows() -> Num<u64> {
        num(5)
    }
}

impl Default for RawRun {
    fn default() -> Self {
        RawRun {
            duration_s: defaults::duration_s(),
            warmup_s: defaults::warmup_s(),
            window_s: defaults::window_s(),
            seed: defaults::seed(),
            max_in_flight: defaults::max_in_flight(),
            max_events: defaults::max_events(),
        }
    }
}

impl Default for RawWorkload {
    fn default() -> Self {
        RawWorkload {
            keys: defaults::keys(),
            popularity: defaults::popularity(),
            zipf_s: defaults::zipf_s(),
            read_fraction: defaults::read_fraction(),
            trace: None,
            trace_format: None,
            trace_bad_rows: None,
            size: None,
            fanout: None,
        }
    }
}

impl Default for RawClients {
    fn default() -> Self {
        RawClients {
            rate_rps: defaults::rate_rps(),
            rate_file: None,
            rate_scale: None,
            schedule: Vec::new(),
            users: None,
            think_ms: None,
            timeout_ms: None,
            max_attempts: defaults::max_attempts(),
            backoff_base_ms: defaults::backoff_base_ms(),
            backoff_cap_ms: defaults::backoff_cap_ms(),
            jitter: defaults::jitter(),
            retry_budget_ratio: None,
            retry_budget_burst: defaults::retry_budget_burst(),
        }
    }
}

impl Default for RawCache {
    fn default() -> Self {
        RawCache {
            capacity: defaults::capacity(),
            eviction: defaults::eviction(),
            ttl_s: None,
            ttl_mode: defaults::ttl_mode(),
            ttl_jitter: defaults::ttl_jitter(),
            invalidation: defaults::invalidation(),
            invalidation_delay_ms: defaults::invalidation_delay_ms(),
            invalidation_loss: defaults::invalidation_loss(),
            lease_wait_ms: None,
            lease_ttl_ms: None,
            stampede: defaults::stampede(),
            early_refresh_beta: None,
            stale_window_s: None,
            fail_open: defaults::fail_open(),
            warm_start: false,
            lookup: defaults::lookup(),
            servers: None,
            nodes: None,
            hashing: None,
            vnodes: None,
            memory_mb: None,
            on_node_loss: None,
            gutter_nodes: None,
            gutter_ttl_s: None,
            hot_keys: None,
            hot_key_replicas: None,
            remote_markers: None,
        }
    }
}

impl Default for RawDb {
    fn default() -> Self {
        RawDb {
            servers: defaults::db_servers(),
            queue_limit: None,
            read: defaults::read(),
            write: defaults::write(),
            discipline: defaults::discipline(),
            queue_timeout_ms: None,
            cancel_on_timeout: false,
            contention: defaults::contention(),
            replicas: None,
            replica_lag: None,
            read_from: None,
            failover_s: None,
        }
    }
}

impl Default for RawApp {
    fn default() -> Self {
        RawApp {
            instances: num(1),
            workers: num(50),
            queue_limit: None,
            balancer: Balancer::Random,
            work: defaults::work(),
            health_check_s: num(5.0),
        }
    }
}

impl Default for RawTopology {
    fn default() -> Self {
        RawTopology { zones: num(1) }
    }
}

impl Default for RawSlo {
    fn default() -> Self {
        RawSlo {
            p99_ms: defaults::p99_ms(),
            error_rate: defaults::error_rate(),
            recovery_windows: defaults::recovery_windows(),
        }
    }
}
