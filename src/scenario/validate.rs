//! From the file as written to a model the simulator can run: every range
//! and cross-field check, all problems collected before any is reported.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::engine::SimTime;
use crate::metrics::{AlertRule, Comparison, Slo, alert_metrics};
use crate::stack::{
    AppConfig, BadRows, CacheConfig, ClientsConfig, ClusterConfig, DbConfig, Fault, FaultKind, FaultTier,
    Invalidation, ItemSize, LoadStep, Model, OnNodeLoss, Popularity, RateSeries, ReadFrom, RetryConfig,
    RunConfig, ServiceTime, SizeDist, Stampede, Target, TraceFormat, TraceKeys, TraceSpec, WorkloadConfig,
    scan_trace,
};

use super::raw::*;
use super::source::{Location, Problem, SourceMap};
use toml::Spanned;

/// Longest run accepted [s]: about 3 years, far below the ~584 years that
/// nanosecond time can count, so no sum of times can overflow.
const MAX_DURATION_S: f64 = 1e8;
/// The most keys (and cache entries) a model may have.
const MAX_KEYS: u64 = 100_000_000;
/// The same [ms], for timeouts and delays.
const MAX_MS: f64 = MAX_DURATION_S * 1e3;
/// The smallest coefficient of variation a lognormal or gamma may have.
pub const MIN_CV: f64 = 1e-6;
/// Most windows per run: each keeps one row in memory until the run
/// ends (≈ 560 B), writes one row of `timeseries.csv` (≈ 90 B)
/// and is read back for the timeline chart (≈ 2.4 kB a row as text):
/// 10⁵ windows peak at ≈ 0.3 GB (measured), 10⁶ at 2.5 GB.
const MAX_WINDOWS: f64 = 1e5;
/// Peak memory per window over a run and its chart [bytes], measured.
const WINDOW_PEAK_BYTES: f64 = 2500.0;
/// Most requests in flight a run may allow: each costs ≈ 104 bytes in
/// flight and more queued (measured), so 10⁷ is ~1 GB — what a sweep of a
/// few threads can hold.
const MAX_IN_FLIGHT: u64 = 10_000_000;
/// Most cache nodes (owners, and gutter nodes apart): each keeps a slot
/// per key (4 B) beside its entries, so 1024 nodes of 10⁶ keys take 4 GB.
const MAX_CACHE_NODES: u64 = 1024;
/// Most (cache node, key) pairs: a node's per-key tables (its slot of the
/// key, leases, flights, S3-FIFO's ghost) cost up to ≈ 20 B a key.
const MAX_NODE_KEYS: u64 = 200_000_000;
const NODE_KEY_BYTES: f64 = 20.0;
/// Most read replicas: each keeps a version per key (4 B).
const MAX_REPLICAS: u64 = 64;
/// Most hot keys with copies: each keeps its list of copies.
const MAX_HOT_KEYS: u64 = 1_000_000;
/// Most memory per cache node [MiB]: 1 TiB.
const MAX_MEMORY_MB: f64 = 1048576.0;
/// Most application instances, and workers per instance (each worker a
/// slot of ≈ 40 B).
const MAX_INSTANCES: u64 = 4096;
const MAX_WORKERS: u64 = 1_000_000;
/// Most zones.
const MAX_ZONES: u64 = 64;
/// Most keys one page reads.
const MAX_FANOUT: u64 = 1024;

/// Checks `raw` and converts it, or returns every problem found.
/// `reuse`: a model of the same trace already read (a change's model
/// takes the base model's trace rather than reading it again).
pub fn validate(
    raw: &RawModel,
    sources: &SourceMap,
    reuse: Option<&Model>,
) -> Result<(Model, Vec<Problem>), Vec<Problem>> {
    let reuse_trace = reuse.and_then(|m| m.workload.trace.clone().map(|t| (t, m.workload.keys)));
    let mut c = Checker { sources, problems: Vec::new(), notes: Vec::new(), reuse_trace };
    let run = run(&mut c, &raw.run);
    let needs_size = raw.cache.memory_mb.is_some() && raw.workload.size.is_none();
    let workload = workload(&mut c, &raw.workload, &run, needs_size);
    let cache = cache(&mut c, &raw.cache, &raw.workload, &workload);
    let db = db(&mut c, &raw.db);
    let app = raw.app.as_ref().map(|a| app(&mut c, a));
    let zones = raw
        .topology
        .as_ref()
        .map_or(1, |t| c.integer_in("topology.zones", &t.get_ref().zones, 1, MAX_ZONES) as u16);
    let tiers = Tiers { cache: &cache, db: &db, app: app.as_ref(), zones };
    let model = Model {
        clients: clients(&mut c, &raw.clients, &run, &workload),
        faults: faults(&mut c, &raw.faults, &run, &workload, &tiers),
        db,
        app,
        zones,
        cache,
        alerts: alerts(&mut c, &raw.alerts),
        slo: slo(&mut c, &raw.slo),
        changes: Vec::new(),
        run,
        workload,
    };
    if model.cache.memory.is_none() && model.cache.capacity > model.workload.keys {
        c.notes.push(Problem {
            location: sources.locate(&raw.cache.capacity.span()),
            key: Some("cache.capacity".into()),
            message: format!(
                "{} entries is more than workload.keys ({}): every key fits, so nothing is ever evicted",
                model.cache.capacity, model.workload.keys
            ),
        });
    }
    if let Some(m) = &raw.cache.remote_markers
        && model.db.replicas == 0
    {
        c.problems.push(Problem {
            location: sources.locate(&m.span()),
            key: Some("cache.remote_markers".into()),
            message: "marks keys whose writes are still reaching the replicas: set db.replicas".into(),
        });
    }
    let tables = u64::from(model.cache.cluster.all_nodes()) * u64::from(model.workload.keys);
    if tables > MAX_NODE_KEYS {
        c.problems.push(Problem {
            location: sources.locate(&raw.cache.nodes.as_ref().map_or(0..1, |n| n.span())),
            key: Some("cache.nodes".into()),
            message: format!(
                "{} cache nodes × {} keys: each node keeps a slot per key (≈ {:.1} GB in all): at most {MAX_NODE_KEYS} \
                 node-keys; use fewer nodes or keys",
                model.cache.cluster.all_nodes(),
                model.workload.keys,
                tables as f64 * NODE_KEY_BYTES / 1e9
            ),
        });
    }
    let unbounded = model.db.queue_limit.is_none() && model.db.queue_timeout.is_none();
    if model.clients.timeout.is_none() && unbounded {
        c.notes.push(Problem {
            // Nothing is written to point at: the model's first line.
            location: sources.locate(&(0..1)),
            key: Some("clients.timeout_ms".into()),
            message: "no client timeout and an unbounded database queue (no db.queue_limit or \
                      db.queue_timeout_ms): overload shows as unfinished requests and a growing queue, never \
                      as errors — read `unfinished` and good_ratio, not error_rate"
                .into(),
        });
    }
    if c.problems.is_empty() { Ok((model, c.notes)) } else { Err(c.problems) }
}

fn run(c: &mut Checker, r: &RawRun) -> RunConfig {
    let duration_s =
        c.checked("run.duration_s", &r.duration_s, Bound::Above(0.0), Bound::AtMost(MAX_DURATION_S));
    let warmup_s = c.checked("run.warmup_s", &r.warmup_s, Bound::AtLeast(0.0), Bound::AtMost(MAX_DURATION_S));
    let window_s =
        c.checked("run.window_s", &r.window_s, Bound::AtLeast(1e-6), Bound::AtMost(MAX_DURATION_S));
    if let (Some(duration_s), Some(warmup_s)) = (duration_s, warmup_s)
        && warmup_s >= duration_s
    {
        c.report(
            "run.warmup_s",
            r.warmup_s.span(),
            format!("must be shorter than run.duration_s ({duration_s}), got {warmup_s}"),
        );
    }
    if let (Some(duration_s), Some(window_s)) = (duration_s, window_s)
        && duration_s / window_s > MAX_WINDOWS
    {
        let windows = duration_s / window_s;
        c.report(
            "run.window_s",
            r.window_s.span(),
            format!(
                "gives {windows:.0} windows over {duration_s} s, each a row kept in memory, written to \
                 timeseries.csv and drawn (≈ {:.0} MB of memory): at most {MAX_WINDOWS} windows; use a longer \
                 window",
                windows * WINDOW_PEAK_BYTES / 1e6
            ),
        );
    }
    RunConfig {
        duration: SimTime::from_secs(duration_s.unwrap_or(1.0)),
        warmup: SimTime::from_secs(warmup_s.unwrap_or(0.0)),
        window: SimTime::from_secs(window_s.unwrap_or(1.0)),
        seed: *r.seed.get_ref(),
        max_in_flight: {
            let x = *r.max_in_flight.get_ref();
            if x > MAX_IN_FLIGHT {
                c.report(
                    "run.max_in_flight",
                    r.max_in_flight.span(),
                    format!(
                        "{x} requests in flight would need ≈ {:.0} GB before the guard stops the run (≈ 104 B \
                         each): at most {MAX_IN_FLIGHT}",
                        x as f64 * 104.0 / 1e9
                    ),
                );
                1
            } else {
                c.integer_in("run.max_in_flight", &r.max_in_flight, 1, MAX_IN_FLIGHT)
            }
        },
        max_events: c.integer_in("run.max_events", &r.max_events, 1, u64::MAX),
    }
}

fn workload(c: &mut Checker, w: &RawWorkload, run: &RunConfig, needs_size: bool) -> WorkloadConfig {
    // Per-key state costs ≈ 48 B (measured): 10⁸ keys ≈ 5 GB, the most a
    // sweep of a few threads can hold on a workstation.
    let keys = c.integer_in("workload.keys", &w.keys, 1, MAX_KEYS) as u32;
    let s = c.real_in("workload.zipf_s", &w.zipf_s, Bound::AtLeast(0.0), Bound::AtMost(100.0));
    let explicit_keys = w.keys.span() != (0..0);
    let trace = match (&w.trace, c.reuse_trace.take()) {
        (Some(_), Some(read)) => Some(read),
        (Some(t), None) => trace_spec(c, w, t, explicit_keys.then_some(keys), needs_size, run),
        (None, _) => None,
    };
    if w.trace.is_none() {
        for (key, span) in [
            ("workload.trace_format", w.trace_format.as_ref().map(|f| f.span())),
            ("workload.trace_bad_rows", w.trace_bad_rows.as_ref().map(|f| f.span())),
        ] {
            if let Some(span) = span {
                c.report(key, span, "applies only with workload.trace".into());
            }
        }
    }
    WorkloadConfig {
        keys: trace.as_ref().map_or(keys, |(_, keys)| *keys),
        popularity: match w.popularity {
            RawPopularity::Zipf => Popularity::Zipf { s },
            RawPopularity::Uniform => Popularity::Uniform,
        },
        read_fraction: c.real_in(
            "workload.read_fraction",
            &w.read_fraction,
            Bound::AtLeast(0.0),
            Bound::AtMost(1.0),
        ),
        trace: trace.map(|(spec, _)| spec),
        size: w.size.as_ref().map(|s| item_size(c, s)),
        fanout: match &w.fanout {
            None => 1,
            Some(k) => {
                if w.trace.is_some() {
                    c.report(
                        "workload.fanout",
                        k.span(),
                        "a trace's rows are single reads: remove fanout or the trace".into(),
                    );
                }
                c.integer_in("workload.fanout", k, 1, MAX_FANOUT) as u16
            }
        },
    }
}

/// Item sizes [bytes]: a mean from 1 B to 1 GiB (memcached's default
/// item limit is 1 MiB), and a cv for the skewed shapes.
fn item_size(c: &mut Checker, s: &Spanned<RawItemSize>) -> ItemSize {
    let raw = s.get_ref();
    let mean_bytes = c.real_in(
        "workload.size.mean_bytes",
        &raw.mean_bytes,
        Bound::AtLeast(1.0),
        Bound::AtMost(1073741824.0),
    );
    let skewed = raw.dist != SizeDist::Deterministic;
    let shape = Shape { names: "\"lognormal\" or \"pareto\"", example: "2.0" };
    let cv = shape.cv(c, "workload.size", s.span(), raw.dist.name(), skewed, &raw.cv).unwrap_or(0.0);
    ItemSize { dist: raw.dist, mean_bytes, cv }
}

/// The trace, read through once as a run will read it: a bad row is
/// reported now, located, and with it the keys a named-key trace holds.
fn trace_spec(
    c: &mut Checker,
    w: &RawWorkload,
    t: &Spanned<String>,
    ids_below: Option<u32>,
    needs_size: bool,
    run: &RunConfig,
) -> Option<(TraceSpec, u32)> {
    let spec = TraceSpec {
        path: c.relative_path(t),
        format: w.trace_format.as_ref().map_or(TraceFormat::Csv, |f| *f.get_ref()),
        bad_rows: w.trace_bad_rows.as_ref().map_or(BadRows::Error, |b| *b.get_ref()),
        keys: ids_below.map_or(TraceKeys::Names, TraceKeys::Ids),
        needs_size,
    };
    if let Err(e) = std::fs::File::open(&spec.path) {
        c.report("workload.trace", t.span(), format!("cannot open {}: {e}", spec.path.display()));
        return None;
    }
    let scan = match scan_trace(&spec, run.duration) {
        Ok(scan) => scan,
        Err(e) => {
            c.report("workload.trace", t.span(), e.to_string());
            return None;
        }
    };
    let note = |c: &mut Checker, message: String| {
        c.notes.push(Problem {
            location: c.sources.locate(&t.span()),
            key: Some("workload.trace".into()),
            message,
        });
    };
    if let Some(first) = &scan.first_skipped {
        note(
            c,
            format!(
                "{} malformed rows skipped (workload.trace_bad_rows = \"skip\"), the first: {first}",
                scan.skipped
            ),
        );
    }
    if let Some(from) = scan.first_past_end_s {
        note(
            c,
            format!(
                "{} of {} rows (from {from} s on) come after the run ends (run.duration_s = {}): they are not \
                 replayed",
                scan.past_end,
                scan.rows,
                run.duration.as_secs()
            ),
        );
    }
    if scan.keys == 0 {
        c.report("workload.trace", t.span(), format!("{} holds no requests", spec.path.display()));
        return None;
    }
    Some((spec, scan.keys))
}

/// The rate file, read and scaled: its problems located in the file
/// (line) and at the key that names it.
fn rate_series(c: &mut Checker, k: &RawClients, run: &RunConfig) -> Option<RateSeries> {
    let file = k.rate_file.as_ref()?;
    let scale = k
        .rate_scale
        .as_ref()
        .map_or(1.0, |s| c.real_in("clients.rate_scale", s, Bound::AtLeast(0.0), Bound::AtMost(1e6)));
    let path = c.relative_path(file);
    let series = match RateSeries::read(&path) {
        Ok(series) => series.scaled(scale),
        Err(e) => {
            let at = if e.line > 0 {
                format!("{}:{}", path.display(), e.line)
            } else {
                path.display().to_string()
            };
            c.report("clients.rate_file", file.span(), format!("{at}: {}", e.message));
            return None;
        }
    };
    let end_s = series.end_s();
    let duration_s = run.duration.as_secs();
    if end_s < duration_s {
        c.notes.push(Problem {
            location: c.sources.locate(&file.span()),
            key: Some("clients.rate_file".into()),
            message: format!(
                "the series ends at {end_s} s, before the run (run.duration_s = {duration_s}): the rate holds \
                 its last value ({} req/s) from there",
                series.rate_at(end_s)
            ),
        });
    }
    if series.points.iter().filter(|p| p.0 < duration_s).all(|p| p.1 == 0.0)
        && series.rate_at(duration_s) == 0.0
    {
        c.report(
            "clients.rate_file",
            file.span(),
            "the rate is 0 throughout the run: no request would arrive".into(),
        );
    }
    Some(series)
}

fn clients(c: &mut Checker, k: &RawClients, run: &RunConfig, workload: &WorkloadConfig) -> ClientsConfig {
    let is_default = |span: std::ops::Range<usize>| span == (0..0);
    let users = k.users.as_ref().map(|u| c.integer_in("clients.users", u, 1, 10_000_000) as u32);
    if let Some(u) = &k.users {
        if !is_default(k.rate_rps.span()) {
            c.report(
                "clients.rate_rps",
                k.rate_rps.span(),
                "applies to open-loop clients: remove it, or remove clients.users".into(),
            );
        }
        if workload.trace.is_some() {
            c.report("clients.users", u.span(), "a trace sets the arrivals: remove clients.users".into());
        }
    } else if let Some(t) = &k.think_ms {
        c.report("clients.think_ms", t.span(), "applies only with clients.users (closed loop)".into());
    }
    if let Some(file) = &k.rate_file {
        if !is_default(k.rate_rps.span()) {
            c.report(
                "clients.rate_rps",
                k.rate_rps.span(),
                "clients.rate_file gives the rate: remove rate_rps, or the rate file".into(),
            );
        }
        if users.is_some() || workload.trace.is_some() {
            let what = if users.is_some() { "closed-loop users" } else { "a trace" };
            c.report(
                "clients.rate_file",
                file.span(),
                format!("shapes open-loop arrivals: it does not apply to {what}"),
            );
        }
    } else if let Some(scale) = &k.rate_scale {
        c.report("clients.rate_scale", scale.span(), "applies only with clients.rate_file".into());
    }
    if let Some(first) = k.schedule.first()
        && (users.is_some() || workload.trace.is_some())
    {
        c.report(
            "clients.schedule",
            first.span(),
            "shapes open-loop arrivals: it does not apply to closed-loop users or a trace".into(),
        );
    }
    let base_ms =
        c.real_in("clients.backoff_base_ms", &k.backoff_base_ms, Bound::AtLeast(0.0), Bound::AtMost(MAX_MS));
    let cap_ms =
        c.real_in("clients.backoff_cap_ms", &k.backoff_cap_ms, Bound::AtLeast(0.0), Bound::AtMost(MAX_MS));
    if cap_ms < base_ms {
        c.report(
            "clients.backoff_cap_ms",
            k.backoff_cap_ms.span(),
            format!("must not be below clients.backoff_base_ms ({base_ms}), got {cap_ms}"),
        );
    }
    ClientsConfig {
        rate_rps: c.real_in("clients.rate_rps", &k.rate_rps, Bound::Above(0.0), Bound::AtMost(1e9)),
        rate_series: rate_series(c, k, run),
        schedule: schedule(c, &k.schedule, run),
        users,
        think: SimTime::from_millis(k.think_ms.as_ref().map_or(1000.0, |t| {
            c.real_in("clients.think_ms", t, Bound::AtLeast(0.0), Bound::AtMost(MAX_MS))
        })),
        timeout: k.timeout_ms.as_ref().map(|t| {
            SimTime::from_millis(c.real_in("clients.timeout_ms", t, Bound::Above(0.0), Bound::AtMost(MAX_MS)))
        }),
        retry: RetryConfig {
            max_attempts: c.integer_in("clients.max_attempts", &k.max_attempts, 1, 1000) as u32,
            backoff_base: SimTime::from_millis(base_ms),
            backoff_cap: SimTime::from_millis(cap_ms),
            jitter: k.jitter,
            budget_ratio: k.retry_budget_ratio.as_ref().map(|r| {
                c.real_in("clients.retry_budget_ratio", r, Bound::AtLeast(0.0), Bound::AtMost(1000.0))
            }),
            budget_burst: c.real_in(
                "clients.retry_budget_burst",
                &k.retry_budget_burst,
                Bound::AtLeast(1.0),
                Bound::AtMost(1e9),
            ),
        },
    }
}

/// Schedule entries: each inside the run, ending after it starts, in order
/// and not overlapping.
fn schedule(c: &mut Checker, raw: &[Spanned<RawLoadStep>], run: &RunConfig) -> Vec<LoadStep> {
    let duration_s = run.duration.as_secs();
    let mut previous_end: Option<f64> = None;
    let mut steps = Vec::new();
    for (i, entry) in raw.iter().enumerate() {
        let key = |name: &str| format!("clients.schedule.{i}.{name}");
        let e = entry.get_ref();
        let at_s = c.checked(&key("at_s"), &e.at_s, Bound::AtLeast(0.0), Bound::AtMost(MAX_DURATION_S));
        let until_s =
            c.checked(&key("until_s"), &e.until_s, Bound::Above(0.0), Bound::AtMost(MAX_DURATION_S));
        let from = c.real_in(&key("multiplier"), &e.multiplier, Bound::AtLeast(0.0), Bound::AtMost(1e6));
        let to = e
            .ramp_to
            .as_ref()
            .map_or(from, |r| c.real_in(&key("ramp_to"), r, Bound::AtLeast(0.0), Bound::AtMost(1e6)));
        let (Some(at_s), Some(until_s)) = (at_s, until_s) else {
            continue;
        };
        if until_s <= at_s {
            c.report(
                &key("until_s"),
                e.until_s.span(),
                format!("must be after at_s ({at_s}), got {until_s}"),
            );
        }
        if at_s >= duration_s {
            c.report(
                &key("at_s"),
                e.at_s.span(),
                format!("must be before the run ends (run.duration_s = {duration_s}), got {at_s}"),
            );
        }
        if let Some(end) = previous_end
            && at_s < end
        {
            c.report(
                &key("at_s"),
                e.at_s.span(),
                format!("entries must be in time order without overlap: the previous entry runs until {end}, this one starts at {at_s}"),
            );
        }
        previous_end = Some(previous_end.map_or(until_s, |end: f64| end.max(until_s)));
        steps.push(LoadStep { at_s, until_s, from, to });
    }
    steps
}

fn cache(c: &mut Checker, k: &RawCache, w: &RawWorkload, workload: &WorkloadConfig) -> CacheConfig {
    let invalidation = *k.invalidation.get_ref();
    let leases = invalidation == Invalidation::Lease;
    CacheConfig {
        capacity: c.integer_in("cache.capacity", &k.capacity, 0, MAX_KEYS) as u32,
        memory: memory(c, k, w),
        cluster: cluster(c, k, workload),
        remote_markers: k.remote_markers.as_ref().is_some_and(|m| *m.get_ref()),
        gutter_ttl: SimTime::from_secs(gutter_setting(c, k, "cache.gutter_ttl_s", &k.gutter_ttl_s, 10.0)),
        eviction: k.eviction,
        ttl: k.ttl_s.as_ref().map(|t| {
            SimTime::from_secs(c.real_in("cache.ttl_s", t, Bound::Above(0.0), Bound::AtMost(MAX_DURATION_S)))
        }),
        ttl_mode: k.ttl_mode,
        ttl_jitter: c.real_in("cache.ttl_jitter", &k.ttl_jitter, Bound::AtLeast(0.0), Bound::AtMost(1.0)),
        invalidation,
        invalidation_delay: SimTime::from_millis(c.real_in(
            "cache.invalidation_delay_ms",
            &k.invalidation_delay_ms,
            Bound::AtLeast(0.0),
            Bound::AtMost(MAX_DURATION_S * 1e3),
        )),
        invalidation_loss: c.real_in(
            "cache.invalidation_loss",
            &k.invalidation_loss,
            Bound::AtLeast(0.0),
            Bound::AtMost(1.0),
        ),
        lease_wait: SimTime::from_millis(lease_setting(
            c,
            "cache.lease_wait_ms",
            &k.lease_wait_ms,
            10.0,
            leases,
        )),
        lease_ttl: SimTime::from_millis(lease_setting(
            c,
            "cache.lease_ttl_ms",
            &k.lease_ttl_ms,
            10_000.0,
            leases,
        )),
        stampede: stampede(c, k),
        fail_open: k.fail_open,
        warm_start: k.warm_start,
        lookup: service_time(c, "cache.lookup", &k.lookup),
        servers: k.servers.as_ref().map(|s| c.integer_in("cache.servers", s, 1, 1_000_000) as u32),
    }
}

/// Per-node capacity in bytes, from `cache.memory_mb`: instead of
/// `cache.capacity`, and only where items have sizes.
fn memory(c: &mut Checker, k: &RawCache, w: &RawWorkload) -> Option<u64> {
    let m = k.memory_mb.as_ref()?;
    let mb = c.real_in("cache.memory_mb", m, Bound::Above(0.0), Bound::AtMost(MAX_MEMORY_MB));
    if k.capacity.span() != (0..0) {
        c.report(
            "cache.capacity",
            k.capacity.span(),
            "set one of cache.capacity (entries per node) and cache.memory_mb (bytes per node), not both"
                .into(),
        );
    }
    if w.size.is_none() && w.trace.is_none() {
        c.report(
            "cache.memory_mb",
            m.span(),
            "sizes the cache in bytes, but items have no size: add workload.size (e.g. { dist = \"lognormal\", \
             mean_bytes = 2048.0, cv = 2.0 }) or a trace with a size column"
                .into(),
        );
    }
    Some((mb * 1048576.0).round() as u64)
}

/// The cache tier's nodes and hashing.
fn cluster(c: &mut Checker, k: &RawCache, workload: &WorkloadConfig) -> ClusterConfig {
    let single = ClusterConfig::SINGLE;
    let on_node_loss = k.on_node_loss.as_ref().map_or(single.on_node_loss, |l| *l.get_ref());
    let gutter = on_node_loss == OnNodeLoss::Gutter;
    let gutter_nodes = match &k.gutter_nodes {
        Some(g) if gutter => c.integer_in("cache.gutter_nodes", g, 1, MAX_CACHE_NODES) as u16,
        Some(g) => {
            c.report(
                "cache.gutter_nodes",
                g.span(),
                "applies only to cache.on_node_loss = \"gutter\"".into(),
            );
            0
        }
        None if gutter => 1,
        None => 0,
    };
    let nodes =
        k.nodes.as_ref().map_or(single.nodes, |n| c.integer_in("cache.nodes", n, 1, MAX_CACHE_NODES) as u16);
    let (hot_keys, hot_key_replicas) = match (&k.hot_keys, &k.hot_key_replicas) {
        (None, None) => (0, 1),
        (Some(h), Some(r)) => {
            let hot = c.integer_in("cache.hot_keys", h, 1, u64::from(workload.keys).min(MAX_HOT_KEYS)) as u32;
            if nodes < 2 {
                c.report(
                    "cache.hot_key_replicas",
                    r.span(),
                    "copies need several nodes: set cache.nodes".into(),
                );
            }
            (hot, c.integer_in("cache.hot_key_replicas", r, 1, u64::from(nodes.max(1))) as u16)
        }
        (Some(h), None) => {
            c.report(
                "cache.hot_keys",
                h.span(),
                "needs cache.hot_key_replicas (copies of each hot key)".into(),
            );
            (0, 1)
        }
        (None, Some(r)) => {
            c.report(
                "cache.hot_key_replicas",
                r.span(),
                "needs cache.hot_keys (how many keys are hot)".into(),
            );
            (0, 1)
        }
    };
    ClusterConfig {
        nodes,
        hashing: k.hashing.unwrap_or(single.hashing),
        vnodes: k
            .vnodes
            .as_ref()
            .map_or(single.vnodes, |v| c.integer_in("cache.vnodes", v, 1, 10_000) as u32),
        on_node_loss,
        gutter_nodes,
        hot_keys,
        hot_key_replicas,
    }
}

/// A gutter setting: allowed only with `on_node_loss = "gutter"`.
fn gutter_setting(c: &mut Checker, k: &RawCache, key: &str, v: &Option<Num<f64>>, default: f64) -> f64 {
    match v {
        None => default,
        Some(v) if k.on_node_loss.as_ref().is_none_or(|l| *l.get_ref() != OnNodeLoss::Gutter) => {
            c.report(key, v.span(), "applies only to cache.on_node_loss = \"gutter\"".into());
            default
        }
        Some(v) => c.real_in(key, v, Bound::Above(0.0), Bound::AtMost(MAX_DURATION_S)),
    }
}

/// A lease setting: allowed only with leases, default `default_ms`.
fn lease_setting(c: &mut Checker, key: &str, v: &Option<Num<f64>>, default_ms: f64, leases: bool) -> f64 {
    match v {
        None => default_ms,
        Some(v) if !leases => {
            c.report(key, v.span(), "applies only to cache.invalidation = \"lease\"".into());
            default_ms
        }
        Some(v) => c.real_in(key, v, Bound::Above(0.0), Bound::AtMost(MAX_DURATION_S * 1e3)),
    }
}

fn stampede(c: &mut Checker, k: &RawCache) -> Stampede {
    let chosen = *k.stampede.get_ref();
    let mut only_for = |key: &str, v: &Option<Num<f64>>, wanted: RawStampede, name: &str| {
        if let Some(v) = v
            && chosen != wanted
        {
            c.report(key, v.span(), format!("applies only to cache.stampede = \"{name}\""));
        }
    };
    only_for("cache.early_refresh_beta", &k.early_refresh_beta, RawStampede::EarlyRefresh, "early-refresh");
    only_for(
        "cache.stale_window_s",
        &k.stale_window_s,
        RawStampede::StaleWhileRevalidate,
        "stale-while-revalidate",
    );
    let needs_ttl = matches!(chosen, RawStampede::EarlyRefresh | RawStampede::StaleWhileRevalidate);
    if needs_ttl && k.ttl_s.is_none() {
        c.report(
            "cache.stampede",
            k.stampede.span(),
            "early refresh and stale-while-revalidate act on expiry: set cache.ttl_s".into(),
        );
    }
    if chosen == RawStampede::Coalesce && *k.invalidation.get_ref() == Invalidation::Lease {
        c.report(
            "cache.stampede",
            k.stampede.span(),
            "\"coalesce\" is redundant with cache.invalidation = \"lease\": leases already make concurrent misses wait".into(),
        );
    }
    match chosen {
        RawStampede::None => Stampede::None,
        RawStampede::Coalesce => Stampede::Coalesce,
        RawStampede::EarlyRefresh => Stampede::EarlyRefresh {
            beta: k.early_refresh_beta.as_ref().map_or(1.0, |b| {
                c.real_in("cache.early_refresh_beta", b, Bound::Above(0.0), Bound::AtMost(1e3))
            }),
        },
        RawStampede::StaleWhileRevalidate => Stampede::StaleWhileRevalidate {
            window: SimTime::from_secs(k.stale_window_s.as_ref().map_or(10.0, |w| {
                c.real_in("cache.stale_window_s", w, Bound::Above(0.0), Bound::AtMost(MAX_DURATION_S))
            })),
        },
    }
}

/// What a fault's target may name.
struct Tiers<'a> {
    cache: &'a CacheConfig,
    db: &'a DbConfig,
    app: Option<&'a AppConfig>,
    zones: u16,
}

fn app(c: &mut Checker, a: &Spanned<RawApp>) -> AppConfig {
    let a = a.get_ref();
    AppConfig {
        instances: c.integer_in("app.instances", &a.instances, 1, MAX_INSTANCES) as u16,
        workers: c.integer_in("app.workers", &a.workers, 1, MAX_WORKERS) as u32,
        queue_limit: a.queue_limit.as_ref().map(|q| c.integer_in("app.queue_limit", q, 0, MAX_KEYS)),
        balancer: a.balancer,
        work: service_time(c, "app.work", &a.work),
        health_check: SimTime::from_secs(c.real_in(
            "app.health_check_s",
            &a.health_check_s,
            Bound::AtLeast(0.0),
            Bound::AtMost(MAX_DURATION_S),
        )),
    }
}

/// A fault's target: which key it takes (by the tier its kind acts on),
/// checked against the tier's size; every other target key is refused.
fn fault_target(c: &mut Checker, i: usize, f: &Spanned<RawFault>, tiers: &Tiers) -> Target {
    let r = f.get_ref();
    let kind = r.kind;
    let key = |name: &str| format!("faults.{i}.{name}");
    let given = [
        ("node", "a cache node", &r.node),
        ("replica", "a database replica", &r.replica),
        ("instance", "an app instance", &r.instance),
        ("zone", "a zone", &r.zone),
    ];
    let wanted = kind.target_key();
    for (name, names, value) in given {
        if let Some(v) = value
            && Some(name) != wanted
        {
            let takes = wanted.map_or("no target".to_owned(), |w| format!("`{w}`"));
            c.report(&key(name), v.span(), format!("{name} names {names}: a {kind} fault takes {takes}"));
        }
    }
    let plural = |n: u64, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    // `name` is the key; the message calls a cache node a cache node.
    let within = |c: &mut Checker, name: &str, v: &Num<u64>, range: Range<u64>, what: String| {
        let n = *v.get_ref();
        if !range.contains(&n) {
            let noun = if name == "node" { "cache node" } else { name };
            c.report(&key(name), v.span(), format!("{noun} {n} does not exist: {what}"));
        }
        Target::Node(n.min(u64::from(u16::MAX)) as u16)
    };
    match kind.tier() {
        None => Target::Tier,
        Some(FaultTier::Cache) => match &r.node {
            None => Target::Tier,
            Some(v) => {
                let cluster = tiers.cache.cluster;
                let nodes = u64::from(cluster.all_nodes());
                let gutter = match cluster.gutter_nodes {
                    0 => String::new(),
                    g => format!(" ({} owners, then {g} gutter)", cluster.nodes),
                };
                let what = format!("the cache tier has {}{gutter}, numbered from 0", plural(nodes, "node"));
                within(c, "node", v, 0..nodes, what)
            }
        },
        Some(FaultTier::Db) => {
            let replicas = u64::from(tiers.db.replicas);
            if kind == FaultKind::ReplicaLag && replicas == 0 {
                c.report(&key("kind"), f.span(), "replica-lag needs db.replicas".into());
            }
            match &r.replica {
                // Without `replica`: the primary, or for a lag every replica.
                None if kind == FaultKind::ReplicaLag => Target::Tier,
                None => Target::Node(0),
                Some(v) => {
                    let what = match replicas {
                        0 => "the database has no replicas (db.replicas); without `replica` a fault takes the                               primary"
                            .to_owned(),
                        n => format!("replicas are numbered 1 to {n}; without `replica` a fault takes the primary"),
                    };
                    within(c, "replica", v, 1..replicas + 1, what)
                }
            }
        }
        Some(FaultTier::App) => {
            let Some(app) = tiers.app else {
                c.report(&key("kind"), f.span(), "app-down needs an application tier ([app])".into());
                return Target::Tier;
            };
            match &r.instance {
                None => Target::Tier,
                Some(v) => {
                    let n = u64::from(app.instances);
                    let what = format!("the app tier has {}, numbered from 0", plural(n, "instance"));
                    within(c, "instance", v, 0..n, what)
                }
            }
        }
        Some(FaultTier::Zone) => match &r.zone {
            None => {
                c.report(&key("zone"), f.span(), "a zone-down fault needs zone (numbered from 0)".into());
                Target::Tier
            }
            Some(v) => {
                let n = u64::from(tiers.zones);
                let what = format!("the model has {} (topology.zones), numbered from 0", plural(n, "zone"));
                within(c, "zone", v, 0..n, what)
            }
        },
    }
}

fn faults(
    c: &mut Checker,
    raw: &[Spanned<RawFault>],
    run: &RunConfig,
    workload: &WorkloadConfig,
    tiers: &Tiers,
) -> Vec<Fault> {
    let duration_s = run.duration.as_secs();
    raw.iter()
        .enumerate()
        .map(|(i, f)| {
            let key = |name: &str| format!("faults.{i}.{name}");
            let r = f.get_ref();
            let kind = r.kind;
            let at_s = c
                .checked(&key("at_s"), &r.at_s, Bound::AtLeast(0.0), Bound::AtMost(MAX_DURATION_S))
                .unwrap_or(0.0);
            if at_s >= duration_s {
                c.report(
                    &key("at_s"),
                    r.at_s.span(),
                    format!("must be before the run ends (run.duration_s = {duration_s}), got {at_s}"),
                );
            }
            let duration = match (&r.duration_s, kind.lasts()) {
                (Some(d), true) => {
                    c.real_in(&key("duration_s"), d, Bound::Above(0.0), Bound::AtMost(MAX_DURATION_S))
                }
                (None, true) => {
                    c.report(&key("duration_s"), f.span(), format!("a {} fault needs duration_s", r.kind));
                    0.0
                }
                (Some(d), false) => {
                    c.report(
                        &key("duration_s"),
                        d.span(),
                        "this fault happens at an instant: remove duration_s".into(),
                    );
                    0.0
                }
                (None, false) => 0.0,
            };
            let factor = match (&r.factor, kind.has_factor()) {
                (Some(x), true) => c.real_in(&key("factor"), x, Bound::Above(0.0), Bound::AtMost(1e6)),
                (None, true) => {
                    c.report(
                        &key("factor"),
                        f.span(),
                        "a slowdown needs factor (service-time multiplier, e.g. 5)".into(),
                    );
                    1.0
                }
                (Some(x), false) => {
                    c.report(
                        &key("factor"),
                        x.span(),
                        "factor applies only to cache-slowdown, db-slowdown and replica-lag".into(),
                    );
                    1.0
                }
                (None, false) => 1.0,
            };
            if kind == FaultKind::HotSetShift && workload.trace.is_some() {
                c.report(
                    &key("kind"),
                    f.span(),
                    "hot-set-shift re-draws popularity, which a trace does not use".into(),
                );
            }
            let target = fault_target(c, i, f, tiers);
            Fault {
                kind,
                target,
                at: SimTime::from_secs(at_s),
                duration: SimTime::from_secs(duration),
                factor,
            }
        })
        .collect()
}

fn alerts(c: &mut Checker, raw: &[Spanned<RawAlert>]) -> Vec<AlertRule> {
    let known = alert_metrics();
    raw.iter()
        .enumerate()
        .map(|(i, a)| {
            let a = a.get_ref();
            let key = |name: &str| format!("alerts.{i}.{name}");
            if !known.contains(a.metric.get_ref()) {
                c.report(
                    &key("metric"),
                    a.metric.span(),
                    format!(
                        "`{}` is not a time-series column; one of: {}",
                        a.metric.get_ref(),
                        known.join(", ")
                    ),
                );
            }
            let comparison = match a.op.get_ref().as_str() {
                ">" => Comparison::Above,
                "<" => Comparison::Below,
                other => {
                    c.report(&key("op"), a.op.span(), format!("must be \">\" or \"<\", got {other:?}"));
                    Comparison::Above
                }
            };
            AlertRule {
                name: a.name.clone(),
                metric: a.metric.get_ref().clone(),
                comparison,
                threshold: c.real_in(
                    &key("threshold"),
                    &a.threshold,
                    Bound::AtLeast(-1e12),
                    Bound::AtMost(1e12),
                ),
                for_s: c.real_in(&key("for_s"), &a.for_s, Bound::AtLeast(0.0), Bound::AtMost(MAX_DURATION_S)),
                severity: a.severity.clone(),
                points_at: a.points_at.map(|p| {
                    match p {
                        RawPointsAt::Cache => "cache",
                        RawPointsAt::Db => "db",
                        RawPointsAt::Clients => "clients",
                    }
                    .to_owned()
                }),
            }
        })
        .collect()
}

fn db(c: &mut Checker, d: &RawDb) -> DbConfig {
    let replicated = d.replicas.as_ref().is_some_and(|r| *r.get_ref() > 0);
    DbConfig {
        servers: c.integer_in("db.servers", &d.servers, 1, 1_000_000) as u32,
        queue_limit: d.queue_limit.as_ref().map(|q| *q.get_ref()),
        read: service_time(c, "db.read", &d.read),
        write: service_time(c, "db.write", &d.write),
        discipline: d.discipline,
        queue_timeout: d.queue_timeout_ms.as_ref().map(|t| {
            SimTime::from_millis(c.real_in(
                "db.queue_timeout_ms",
                t,
                Bound::Above(0.0),
                Bound::AtMost(MAX_MS),
            ))
        }),
        cancel_on_timeout: d.cancel_on_timeout,
        contention: c.real_in("db.contention", &d.contention, Bound::AtLeast(0.0), Bound::AtMost(1e3)),
        replicas: d.replicas.as_ref().map_or(0, |r| c.integer_in("db.replicas", r, 0, MAX_REPLICAS) as u16),
        replica_lag: match &d.replica_lag {
            Some(lag) if replicated => service_time(c, "db.replica_lag", lag),
            Some(lag) => {
                c.report("db.replica_lag", lag.span(), "applies only with db.replicas".into());
                ServiceTime::Deterministic { mean_ms: 0.0 }
            }
            None => ServiceTime::Exponential { mean_ms: 100.0 },
        },
        read_from: match &d.read_from {
            Some(r) if !replicated => {
                c.report("db.read_from", r.span(), "applies only with db.replicas".into());
                ReadFrom::Primary
            }
            Some(r) => *r.get_ref(),
            None => ReadFrom::Replicas,
        },
        failover: SimTime::from_secs(match &d.failover_s {
            Some(f) if replicated => {
                c.real_in("db.failover_s", f, Bound::AtLeast(0.0), Bound::AtMost(MAX_DURATION_S))
            }
            Some(f) => {
                c.report("db.failover_s", f.span(), "applies only with db.replicas".into());
                0.0
            }
            None => 30.0,
        }),
    }
}

fn service_time(c: &mut Checker, key: &str, s: &Spanned<RawServiceTime>) -> ServiceTime {
    let raw = s.get_ref();
    let mean_ms = c.real_in(
        &format!("{key}.mean_ms"),
        &raw.mean_ms,
        Bound::AtLeast(0.0),
        Bound::AtMost(MAX_DURATION_S * 1e3),
    );
    let needs_cv = matches!(raw.dist, RawDist::Lognormal | RawDist::Gamma);
    let shape = Shape { names: "\"lognormal\" or \"gamma\"", example: "1.5" };
    let name = format!("{:?}", raw.dist).to_lowercase();
    let cv = shape.cv(c, key, s.span(), &name, needs_cv, &raw.cv).unwrap_or(1.0);
    match raw.dist {
        RawDist::Exponential => ServiceTime::Exponential { mean_ms },
        RawDist::Deterministic => ServiceTime::Deterministic { mean_ms },
        RawDist::Lognormal => ServiceTime::Lognormal { mean_ms, cv },
        RawDist::Gamma => ServiceTime::Gamma { mean_ms, cv },
    }
}

/// The distributions of a table that take a shape (`cv`), for messages.
struct Shape {
    /// Those that take one, as a message names them.
    names: &'static str,
    /// A cv to suggest.
    example: &'static str,
}

impl Shape {
    /// The cv of a distribution `dist` at `key`: required when it `needs`
    /// one, refused otherwise; `None` when it has none (the caller's
    /// default).
    fn cv(
        &self,
        c: &mut Checker,
        key: &str,
        span: Range<usize>,
        dist: &str,
        needs: bool,
        cv: &Option<Num<f64>>,
    ) -> Option<f64> {
        match (cv, needs) {
            // Below 1e-6 the gamma's shape 1/cv² and the lognormal's σ²
            // leave what the samplers take (1e-160 squared is 0): use
            // deterministic.
            (Some(cv), true) => {
                Some(c.real_in(&format!("{key}.cv"), cv, Bound::AtLeast(MIN_CV), Bound::AtMost(100.0)))
            }
            (None, true) => {
                let example = self.example;
                c.report(
                    key,
                    span,
                    format!("{dist} needs `cv` (standard deviation / mean), e.g. cv = {example}"),
                );
                None
            }
            (Some(cv), false) => {
                let message = format!("`cv` applies only to dist = {}", self.names);
                c.report(&format!("{key}.cv"), cv.span(), message);
                None
            }
            (None, false) => None,
        }
    }
}

fn slo(c: &mut Checker, s: &RawSlo) -> Slo {
    Slo {
        p99_ms: c.real_in("slo.p99_ms", &s.p99_ms, Bound::Above(0.0), Bound::AtMost(MAX_DURATION_S * 1e3)),
        error_rate: c.real_in("slo.error_rate", &s.error_rate, Bound::AtLeast(0.0), Bound::AtMost(1.0)),
        recovery_windows: c.integer_in("slo.recovery_windows", &s.recovery_windows, 1, 1_000_000) as u32,
    }
}

/// One end of an allowed range.
#[derive(Clone, Copy)]
enum Bound {
    Above(f64),
    AtLeast(f64),
    AtMost(f64),
}

impl Bound {
    fn admits(self, x: f64) -> bool {
        match self {
            Bound::Above(b) => x > b,
            Bound::AtLeast(b) => x >= b,
            Bound::AtMost(b) => x <= b,
        }
    }

    fn describe(self) -> String {
        match self {
            Bound::Above(b) => format!("> {b}"),
            Bound::AtLeast(b) => format!(">= {b}"),
            Bound::AtMost(b) => format!("<= {b}"),
        }
    }
}

struct Checker<'a> {
    sources: &'a SourceMap,
    problems: Vec<Problem>,
    /// Allowed but likely unintended: shown, not refused.
    notes: Vec<Problem>,
    /// A trace already read, and its keys.
    reuse_trace: Option<(TraceSpec, u32)>,
}

impl Checker<'_> {
    /// A path as written at `t`: relative to the model file's folder when
    /// the file names it, to the working directory when `--set` does.
    fn relative_path(&self, t: &Spanned<String>) -> PathBuf {
        let written = Path::new(t.get_ref());
        match self.sources.locate(&t.span()) {
            Location::File { path, .. } if written.is_relative() => {
                path.parent().unwrap_or(Path::new("")).join(written)
            }
            _ => written.to_owned(),
        }
    }

    fn report(&mut self, key: &str, span: Range<usize>, message: String) {
        self.problems.push(Problem {
            location: self.sources.locate(&span),
            key: Some(key.to_owned()),
            message,
        });
    }

    /// A finite real within `[low, high]`, or `None` after reporting it.
    fn checked(&mut self, key: &str, v: &Num<f64>, low: Bound, high: Bound) -> Option<f64> {
        let x = *v.get_ref();
        if x.is_finite() && low.admits(x) && high.admits(x) {
            return Some(x);
        }
        self.report(
            key,
            v.span(),
            format!("must be a number {} and {}, got {x}", low.describe(), high.describe()),
        );
        None
    }

    /// As [`checked`](Self::checked), with a stand-in after a problem so that
    /// checking can go on (a model with problems is never run).
    fn real_in(&mut self, key: &str, v: &Num<f64>, low: Bound, high: Bound) -> f64 {
        self.checked(key, v, low, high).unwrap_or(1.0)
    }

    fn integer_in(&mut self, key: &str, v: &Num<u64>, low: u64, high: u64) -> u64 {
        let x = *v.get_ref();
        if (low..=high).contains(&x) {
            return x;
        }
        self.report(key, v.span(), format!("must be an integer from {low} to {high}, got {x}"));
        low.max(1)
    }
}
