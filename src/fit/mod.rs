//! Calibration: a workload estimated from an access log, and how close
//! the fitted model comes to the log in the terms a review cares about —
//! the hit ratio a cache gets.
//!
//! One pass over the log (streamed, memory O(distinct keys + seconds))
//! counts each key's reads and writes, notes its first size and the
//! requests per second. From those: the number of keys, the Zipf
//! exponent by maximum likelihood over the keys ranked by accesses (with
//! the largest gap between the two rank CDFs as the goodness of fit), the
//! read fraction, whether writes follow the reads' popularity, a lognormal
//! fit of item sizes, the one-hit-wonder share and the rate per window.
//! Then the log and a request stream drawn from the fit are replayed
//! through the simulator's own store (LRU at a few sizes, a write
//! deleting its key) and their hit ratios compared.

mod zipf;

use crate::engine::{RandomStreams, SimTime};
use crate::stack::{
    CacheConfig, CacheStore, EvictionKind, KeySizes, Lookup, Op, Popularity, TraceError, TraceReader,
    TraceSpec, Workload, WorkloadConfig,
};

pub use zipf::{ZipfFit, fit_zipf};

/// What the log says.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub rows: u64,
    /// Malformed rows skipped (`--bad-rows skip`).
    pub skipped: u64,
    /// From the first row to the last [s].
    pub span_s: f64,
    pub keys: u32,
    pub zipf: ZipfFit,
    pub read_fraction: f64,
    /// Share of writes that go to the most-read 10 % of keys, and of reads:
    /// equal when writes follow the read popularity.
    pub writes_to_top_keys: f64,
    pub reads_to_top_keys: f64,
    /// Lognormal fit of the item sizes (one per key: its first size).
    pub size: Option<SizeFit>,
    /// Keys requested exactly once, as a share of the keys.
    pub one_hit_wonders: f64,
    /// The rate per window: `(window start [s from the first row], requests/s)`.
    pub rate: Vec<(f64, f64)>,
    pub window_s: f64,
}

/// A lognormal fitted to sizes by maximum likelihood (the mean and sd of
/// their logarithms), given as the model's `mean_bytes` and `cv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeFit {
    pub mean_bytes: f64,
    pub cv: f64,
    pub keys_with_size: u32,
}

impl Fit {
    /// Whether writes follow the read popularity: the top keys' share of
    /// writes within a tenth of their share of reads.
    pub fn writes_follow_reads(&self) -> bool {
        (self.writes_to_top_keys - self.reads_to_top_keys).abs() <= 0.1 * self.reads_to_top_keys
    }

    /// The workload the fit describes.
    pub fn workload(&self) -> WorkloadConfig {
        WorkloadConfig {
            keys: self.keys,
            popularity: Popularity::Zipf { s: self.zipf.s },
            read_fraction: self.read_fraction,
            trace: None,
            size: None,
            fanout: 1,
        }
    }
}

/// Per key: reads, writes, first size (0: none).
#[derive(Debug, Clone, Copy, Default)]
struct KeyCounts {
    reads: u32,
    writes: u32,
    size: u32,
}

/// Reads `spec` through and fits it. `progress` is told the bytes read
/// now and then (for a progress bar). `window_s`: `None` picks one that
/// gives at most 1 440 points (a day at one a minute).
pub fn fit(
    spec: &TraceSpec,
    window_s: Option<f64>,
    mut progress: impl FnMut(u64),
) -> Result<Fit, TraceError> {
    let mut reader = TraceReader::open(spec)?;
    let mut counts: Vec<KeyCounts> = Vec::new();
    let mut per_second: Vec<u64> = Vec::new();
    let (mut rows, mut first_s, mut last_s) = (0u64, None, 0.0);
    while let Some(row) = reader.next_row()? {
        rows += 1;
        if rows.is_multiple_of(1 << 16) {
            progress(reader.bytes_read());
        }
        let t = row.at.as_secs();
        let t0 = *first_s.get_or_insert(t);
        last_s = t;
        let second = (t - t0) as usize;
        if second >= per_second.len() {
            per_second.resize(second + 1, 0);
        }
        per_second[second] += 1;
        let key = row.key as usize;
        if key >= counts.len() {
            counts.resize(key + 1, KeyCounts::default());
        }
        let c = &mut counts[key];
        match row.op {
            Op::Read => c.reads += 1,
            Op::Write => c.writes += 1,
        }
        if c.size == 0
            && let Some(size) = row.size
        {
            c.size = size;
        }
    }
    progress(reader.bytes_read());
    if rows == 0 {
        return Err(TraceError {
            path: spec.path.clone(),
            line: reader.line(),
            message: "holds no requests".into(),
        });
    }
    // With integer ids, ids never requested are not keys of the log.
    counts.retain(|c| c.reads + c.writes > 0);
    let keys = counts.len() as u32;
    let reads: u64 = counts.iter().map(|c| u64::from(c.reads)).sum();
    let writes = rows - reads;
    let mut by_accesses: Vec<u64> = counts.iter().map(|c| u64::from(c.reads + c.writes)).collect();
    by_accesses.sort_unstable_by(|a, b| b.cmp(a));
    let zipf = fit_zipf(&by_accesses);
    let (writes_to_top_keys, reads_to_top_keys) = top_shares(&counts, reads, writes);
    let span_s = last_s - first_s.unwrap_or(0.0);
    let window_s = window_s.unwrap_or_else(|| pick_window(span_s));
    let per_window = (window_s.round() as usize).max(1);
    let rate = per_second
        .chunks(per_window)
        .enumerate()
        .map(|(i, c)| ((i * per_window) as f64, c.iter().sum::<u64>() as f64 / per_window as f64))
        .collect();
    Ok(Fit {
        rows,
        skipped: reader.skipped(),
        span_s,
        keys,
        zipf,
        read_fraction: reads as f64 / rows as f64,
        writes_to_top_keys,
        reads_to_top_keys,
        size: size_fit(&counts),
        one_hit_wonders: counts.iter().filter(|c| c.reads + c.writes == 1).count() as f64 / f64::from(keys),
        rate,
        window_s: per_window as f64,
    })
}

/// Whole seconds giving at most 1 440 windows.
fn pick_window(span_s: f64) -> f64 {
    (span_s / 1440.0).ceil().max(1.0)
}

/// The shares of writes and of reads that go to the most-read 10 % of keys.
fn top_shares(counts: &[KeyCounts], reads: u64, writes: u64) -> (f64, f64) {
    let mut order: Vec<&KeyCounts> = counts.iter().collect();
    order.sort_unstable_by_key(|c| std::cmp::Reverse(c.reads));
    let top = &order[..order.len().div_ceil(10)];
    let share = |part: u64, whole: u64| if whole == 0 { 0.0 } else { part as f64 / whole as f64 };
    (
        share(top.iter().map(|c| u64::from(c.writes)).sum(), writes),
        share(top.iter().map(|c| u64::from(c.reads)).sum(), reads),
    )
}

fn size_fit(counts: &[KeyCounts]) -> Option<SizeFit> {
    let logs: Vec<f64> = counts.iter().filter(|c| c.size > 0).map(|c| f64::from(c.size).ln()).collect();
    if logs.len() < 2 {
        return None;
    }
    let n = logs.len() as f64;
    let mu = logs.iter().sum::<f64>() / n;
    let var = logs.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / n;
    Some(SizeFit {
        mean_bytes: (mu + var / 2.0).exp(),
        cv: (var.exp() - 1.0).sqrt(),
        keys_with_size: logs.len() as u32,
    })
}

/// The hit ratios of the log and of the fitted workload through one store.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HitComparison {
    /// Entries, and as a share of the keys.
    pub capacity: u32,
    pub share_of_keys: f64,
    pub log: f64,
    pub fitted: f64,
}

/// Replays the log and as many requests drawn from `fit` through an LRU
/// store of each capacity share: a read looks its key up and stores it on
/// a miss, a write deletes it (look-aside with delete-on-write, no TTL).
/// The fitted stream is drawn with `seed`.
pub fn compare_hit_ratios(
    spec: &TraceSpec,
    fit: &Fit,
    shares: &[f64],
    seed: u64,
) -> Result<Vec<HitComparison>, TraceError> {
    let capacities: Vec<u32> =
        shares.iter().map(|s| ((f64::from(fit.keys) * s).round() as u32).max(1)).collect();
    let streams = RandomStreams::new(seed);
    let new_stores = || -> Vec<Replay> {
        capacities.iter().enumerate().map(|(i, &c)| Replay::new(c, fit.keys, &streams, i as u64)).collect()
    };
    let mut log = new_stores();
    let mut reader = TraceReader::open(spec)?;
    // Keys seen in the fit's pass were dense; ids in `Ids` mode may not
    // be, so they are renumbered here in order of first appearance too.
    let mut dense: Vec<u32> = Vec::new();
    let mut next = 0u32;
    while let Some(row) = reader.next_row()? {
        let key = row.key as usize;
        if key >= dense.len() {
            dense.resize(key + 1, u32::MAX);
        }
        if dense[key] == u32::MAX {
            dense[key] = next;
            next += 1;
        }
        log.iter_mut().for_each(|r| r.request(dense[key], row.op));
    }
    let mut fitted = new_stores();
    let mut workload = Workload::new(&fit.workload(), streams.stream(100), streams.stream(101));
    for _ in 0..fit.rows {
        let (key, op) = (workload.next_key(), workload.next_op());
        fitted.iter_mut().for_each(|r| r.request(key, op));
    }
    Ok(capacities
        .iter()
        .zip(shares)
        .zip(log.iter().zip(&fitted))
        .map(|((&capacity, &share), (l, f))| HitComparison {
            capacity,
            share_of_keys: share,
            log: l.hit_ratio(),
            fitted: f.hit_ratio(),
        })
        .collect())
}

/// A store and its hit count.
struct Replay {
    store: CacheStore,
    reads: u64,
    hits: u64,
}

impl Replay {
    fn new(capacity: u32, keys: u32, streams: &RandomStreams, i: u64) -> Self {
        let config = CacheConfig::store_only(capacity, EvictionKind::Lru);
        Replay {
            store: CacheStore::new(&config, keys, streams.stream(2 * i), streams.stream(2 * i + 1)),
            reads: 0,
            hits: 0,
        }
    }

    fn request(&mut self, key: u32, op: Op) {
        match op {
            Op::Read => {
                self.reads += 1;
                match self.store.lookup(key, SimTime::ZERO) {
                    Lookup::Hit { .. } => self.hits += 1,
                    _ => {
                        self.store.store(key, 0, SimTime::ZERO, SimTime::ZERO, &KeySizes::default());
                    }
                }
            }
            Op::Write => self.store.delete(key),
        }
    }

    fn hit_ratio(&self) -> f64 {
        if self.reads == 0 { 0.0 } else { self.hits as f64 / self.reads as f64 }
    }
}
