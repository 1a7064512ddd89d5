//! From the file as written to a model the simulator can run: every range
//! and cross-field check, all problems collected before any is reported.

use std::ops::Range;

use crate::engine::SimTime;
use crate::metrics::Slo;
use crate::stack::{
    CacheConfig, ClientsConfig, DbConfig, EvictionKind, Invalidation, Model, Popularity, RunConfig,
    ServiceTime, TtlMode, WorkloadConfig,
};

use super::raw::*;
use super::source::{Problem, SourceMap};
use toml::Spanned;

/// Longest run accepted [s]: about 3 years, far below the ~584 years that
/// nanosecond time can count, so no sum of times can overflow.
const MAX_DURATION_S: f64 = 1e8;
/// Most windows per run: each keeps one row in memory.
const MAX_WINDOWS: f64 = 1e7;

/// Checks `raw` and converts it, or returns every problem found.
pub fn validate(raw: &RawModel, sources: &SourceMap) -> Result<Model, Vec<Problem>> {
    let mut c = Checker {
        sources,
        problems: Vec::new(),
    };
    let model = Model {
        run: run(&mut c, &raw.run),
        workload: workload(&mut c, &raw.workload),
        clients: clients(&mut c, &raw.clients),
        cache: cache(&mut c, &raw.cache),
        db: db(&mut c, &raw.db),
        slo: slo(&mut c, &raw.slo),
    };
    if c.problems.is_empty() {
        Ok(model)
    } else {
        Err(c.problems)
    }
}

fn run(c: &mut Checker, r: &RawRun) -> RunConfig {
    let duration_s = c.checked(
        "run.duration_s",
        &r.duration_s,
        Bound::Above(0.0),
        Bound::AtMost(MAX_DURATION_S),
    );
    let warmup_s = c.checked(
        "run.warmup_s",
        &r.warmup_s,
        Bound::AtLeast(0.0),
        Bound::AtMost(MAX_DURATION_S),
    );
    let window_s = c.checked(
        "run.window_s",
        &r.window_s,
        Bound::AtLeast(1e-6),
        Bound::AtMost(MAX_DURATION_S),
    );
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
        c.report(
            "run.window_s",
            r.window_s.span(),
            format!(
                "gives more than {MAX_WINDOWS} windows over {duration_s} s; use a longer window"
            ),
        );
    }
    RunConfig {
        duration: SimTime::from_secs(duration_s.unwrap_or(1.0)),
        warmup: SimTime::from_secs(warmup_s.unwrap_or(0.0)),
        window: SimTime::from_secs(window_s.unwrap_or(1.0)),
        seed: *r.seed.get_ref(),
        max_in_flight: c.integer_in(
            "run.max_in_flight",
            &r.max_in_flight,
            1,
            u64::from(u32::MAX),
        ),
    }
}

fn workload(c: &mut Checker, w: &RawWorkload) -> WorkloadConfig {
    let keys = c.integer_in("workload.keys", &w.keys, 1, u64::from(u32::MAX - 1)) as u32;
    let s = c.real_in(
        "workload.zipf_s",
        &w.zipf_s,
        Bound::AtLeast(0.0),
        Bound::AtMost(100.0),
    );
    WorkloadConfig {
        keys,
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
    }
}

fn clients(c: &mut Checker, k: &RawClients) -> ClientsConfig {
    ClientsConfig {
        rate_rps: c.real_in(
            "clients.rate_rps",
            &k.rate_rps,
            Bound::Above(0.0),
            Bound::AtMost(1e9),
        ),
        timeout: k.timeout_ms.as_ref().map(|t| {
            SimTime::from_millis(c.real_in(
                "clients.timeout_ms",
                t,
                Bound::Above(0.0),
                Bound::AtMost(MAX_DURATION_S * 1e3),
            ))
        }),
        max_attempts: c.integer_in("clients.max_attempts", &k.max_attempts, 1, 1000) as u32,
    }
}

fn cache(c: &mut Checker, k: &RawCache) -> CacheConfig {
    CacheConfig {
        capacity: c.integer_in("cache.capacity", &k.capacity, 0, u64::from(u32::MAX - 1)) as u32,
        eviction: match k.eviction {
            RawEviction::Lru => EvictionKind::Lru,
            RawEviction::Fifo => EvictionKind::Fifo,
            RawEviction::Random => EvictionKind::Random,
            RawEviction::Lfu => EvictionKind::Lfu,
            RawEviction::Sieve => EvictionKind::Sieve,
            RawEviction::S3fifo => EvictionKind::S3Fifo,
            RawEviction::None => EvictionKind::None,
        },
        ttl: k.ttl_s.as_ref().map(|t| {
            SimTime::from_secs(c.real_in(
                "cache.ttl_s",
                t,
                Bound::Above(0.0),
                Bound::AtMost(MAX_DURATION_S),
            ))
        }),
        ttl_mode: match k.ttl_mode {
            RawTtlMode::Insertion => TtlMode::Insertion,
            RawTtlMode::Idle => TtlMode::Idle,
        },
        ttl_jitter: c.real_in(
            "cache.ttl_jitter",
            &k.ttl_jitter,
            Bound::AtLeast(0.0),
            Bound::AtMost(1.0),
        ),
        invalidation: match k.invalidation {
            RawInvalidation::TtlOnly => Invalidation::TtlOnly,
            RawInvalidation::Delete => Invalidation::Delete,
            RawInvalidation::Update => Invalidation::Update,
        },
        warm_start: k.warm_start,
        lookup: service_time(c, "cache.lookup", &k.lookup),
        servers: k
            .servers
            .as_ref()
            .map(|s| c.integer_in("cache.servers", s, 1, 1_000_000) as u32),
    }
}

fn db(c: &mut Checker, d: &RawDb) -> DbConfig {
    DbConfig {
        servers: c.integer_in("db.servers", &d.servers, 1, 1_000_000) as u32,
        queue_limit: d.queue_limit.as_ref().map(|q| *q.get_ref()),
        read: service_time(c, "db.read", &d.read),
        write: service_time(c, "db.write", &d.write),
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
    let cv = match (&raw.cv, needs_cv) {
        (Some(cv), true) => c.real_in(
            &format!("{key}.cv"),
            cv,
            Bound::Above(0.0),
            Bound::AtMost(100.0),
        ),
        (None, true) => {
            c.report(
                key,
                s.span(),
                format!(
                    "{:?} needs `cv` (standard deviation / mean), e.g. cv = 1.5",
                    raw.dist
                )
                .to_lowercase(),
            );
            1.0
        }
        (Some(cv), false) => {
            c.report(
                &format!("{key}.cv"),
                cv.span(),
                "`cv` applies only to dist = \"lognormal\" or \"gamma\"".into(),
            );
            1.0
        }
        (None, false) => 1.0,
    };
    match raw.dist {
        RawDist::Exponential => ServiceTime::Exponential { mean_ms },
        RawDist::Deterministic => ServiceTime::Deterministic { mean_ms },
        RawDist::Lognormal => ServiceTime::Lognormal { mean_ms, cv },
        RawDist::Gamma => ServiceTime::Gamma { mean_ms, cv },
    }
}

fn slo(c: &mut Checker, s: &RawSlo) -> Slo {
    Slo {
        p99_ms: c.real_in(
            "slo.p99_ms",
            &s.p99_ms,
            Bound::Above(0.0),
            Bound::AtMost(MAX_DURATION_S * 1e3),
        ),
        error_rate: c.real_in(
            "slo.error_rate",
            &s.error_rate,
            Bound::AtLeast(0.0),
            Bound::AtMost(1.0),
        ),
        recovery_windows: c.integer_in("slo.recovery_windows", &s.recovery_windows, 1, 1_000_000)
            as u32,
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
}

impl Checker<'_> {
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
            format!(
                "must be a number {} and {}, got {x}",
                low.describe(),
                high.describe()
            ),
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
        self.report(
            key,
            v.span(),
            format!("must be an integer from {low} to {high}, got {x}"),
        );
        low.max(1)
    }
}
