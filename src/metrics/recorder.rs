//! The recorder: turns the model's observations into windows and a summary.
//!
//! The model reports what happens (arrivals, outcomes, lookups, queries)
//! and, at each window boundary and at the end of warm-up, the integrals of
//! its levels. It never formats anything; [`Recorder::finish`] hands back
//! plain rows for `report` to write.

use crate::engine::SimTime;

use super::backlog::Backlog;
use super::histogram::LatencyHistogram;
use super::level::time_average;
use super::nodes::{Component, NodeGauge, NodeRow, NodeTelemetry};
use super::recovery::{Disturbed, Recovery, Slo, WindowHealth, recovery_time};
use super::summary::{Status, Summary};
use super::tally::{Counter, FailureCause, Tally, ratio};
use super::timeseries::WindowRow;

/// Integrals of the model's levels at one instant [level·ns], the
/// cache's size then, and the cache's cumulative eviction counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gauges {
    /// Busy application workers.
    pub app_busy: u128,
    pub db_busy: u128,
    pub db_queue: u128,
    pub cache_queue: u128,
    pub in_flight: u128,
    /// Busy lookup servers, and time with every database connection busy.
    pub cache_busy: u128,
    pub db_saturated: u128,
    pub cache_entries: u64,
    pub evictions: u64,
    pub expirations: u64,
    /// Lookups that reached a cache node, and the hits among them: counted
    /// by the nodes, read here at each mark, so that a lookup is counted
    /// once, for its node and its tier alike.
    pub lookups: u64,
    pub hits: u64,
}

/// What a successful read returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOutcome {
    pub stale: bool,
    /// For a stale read, how long ago the first newer version committed.
    pub age: SimTime,
}

/// Recording settings.
#[derive(Debug, Clone, Copy)]
pub struct RecorderConfig {
    pub window: SimTime,
    pub warmup: SimTime,
    pub duration: SimTime,
    pub db_servers: u32,
    /// Database nodes (the primary and its replicas): pool saturation is
    /// their mean.
    pub db_nodes: u32,
    /// Application workers over every instance; 0: no application tier.
    pub app_workers: u32,
    /// Lookup servers; `None`: unlimited (no utilisation to report).
    pub cache_servers: Option<u32>,
    /// A success within this latency is good (`slo.p99_ms`).
    pub good_within: SimTime,
}

/// Facts about the run that only the model knows at its end.
#[derive(Debug, Clone, Copy)]
pub struct RunEnd {
    pub seed: u64,
    pub status: Status,
    pub end: SimTime,
    pub gauges: Gauges,
    pub events: u64,
    pub unfinished: u64,
    pub in_flight_max: u64,
    /// When the faults and spikes were, if there were any.
    pub disturbed: Option<Disturbed>,
    /// The most cache nodes down at once.
    pub cache_nodes_lost: u64,
}

/// Accumulates windows and the post-warm-up summary.
///
/// Observations land in the *segment*: the stretch since the last mark.
/// Marks include the end of warm-up, so a segment is wholly before or
/// wholly after it; at each mark the segment is added to its window and,
/// after warm-up, to the totals. An observation is thus counted once, not
/// once per window and once for the run. The one exception: a request that
/// arrived during warm-up and ends after it counts in its window only.
#[derive(Debug)]
pub struct Recorder {
    config: RecorderConfig,
    /// From when on the database and cache had how many servers, after
    /// configuration changes (empty: `config`'s throughout).
    servers_log: Vec<(SimTime, u32, Option<u32>)>,
    window_start: SimTime,
    next_mark: SimTime,
    window_gauges: Gauges,
    segment: Tally,
    segment_latency: LatencyHistogram,
    window: Tally,
    window_latency: LatencyHistogram,
    /// Failed requests. With `window_latency`, every finished request:
    /// the response times a web tier's dashboard shows (merged when the
    /// window closes, so a success is recorded once, not twice).
    window_failed: LatencyHistogram,
    rows: Vec<WindowRow>,
    /// The components' rows of each window.
    nodes: NodeTelemetry,
    /// Requests in flight by arrival window: the stuck ones count in a
    /// window's user view.
    backlog: Backlog,
    /// Warm-up is over: observations count in the totals too. A flag of
    /// its own because every observation asks (see `counts_for`).
    measuring: bool,
    /// The level integrals when warm-up ended (zero until then).
    warmup_gauges: Gauges,
    /// Each component's gauge at the end of warm-up.
    warmup_nodes: Vec<NodeGauge>,
    /// The gauges at the last mark: the segment's lookups are the counts
    /// since.
    mark_gauges: Gauges,
    total: Tally,
    total_latency: LatencyHistogram,
    stale_age: LatencyHistogram,
    replica_lag: LatencyHistogram,
}

impl Recorder {
    /// A recorder of a run of `components` (cache and database nodes).
    pub fn new(config: RecorderConfig, components: Vec<Component>) -> Self {
        let highest = config.duration;
        let mut recorder = Recorder {
            config,
            servers_log: Vec::new(),
            window_start: SimTime::ZERO,
            next_mark: SimTime::ZERO,
            window_gauges: Gauges::default(),
            segment: Tally::default(),
            segment_latency: LatencyHistogram::new(highest),
            window: Tally::default(),
            window_latency: LatencyHistogram::new(highest),
            window_failed: LatencyHistogram::new(highest),
            rows: Vec::new(),
            nodes: NodeTelemetry::new(components),
            backlog: Backlog::new(config.window),
            measuring: config.warmup == SimTime::ZERO,
            warmup_gauges: Gauges::default(),
            warmup_nodes: Vec::new(),
            mark_gauges: Gauges::default(),
            total: Tally::default(),
            total_latency: LatencyHistogram::new(highest),
            stale_age: LatencyHistogram::new(highest),
            replica_lag: LatencyHistogram::new(highest),
        };
        recorder.next_mark = recorder.compute_next_mark();
        recorder.warmup_nodes = recorder.nodes.zero_gauges();
        recorder
    }

    /// Whether `at` is in the measured part of the run.
    pub fn measures(&self, at: SimTime) -> bool {
        at >= self.config.warmup
    }

    /// The next instant at which the model must call [`mark`](Self::mark):
    /// a window boundary or the end of warm-up. Asked before every event.
    pub fn next_mark(&self) -> SimTime {
        self.next_mark
    }

    fn compute_next_mark(&self) -> SimTime {
        let boundary = self.window_start.saturating_add(self.config.window);
        if self.measuring { boundary } else { boundary.min(self.config.warmup) }
    }

    /// Passes the instant [`next_mark`](Self::next_mark) with the level
    /// integrals at that instant, the tier's and each component's.
    pub fn mark(&mut self, at: SimTime, gauges: Gauges, nodes: &[NodeGauge]) {
        self.close_segment(&gauges);
        if !self.measuring && at >= self.config.warmup {
            self.warmup_gauges = gauges;
            self.warmup_nodes = nodes.to_vec();
            self.measuring = true;
        }
        if at >= self.window_start.saturating_add(self.config.window) {
            self.close_window(at, gauges, nodes);
        }
        self.next_mark = self.compute_next_mark();
    }

    /// Adds the segment, which ends with `gauges`, to its window and, after
    /// warm-up, to the totals.
    fn close_segment(&mut self, gauges: &Gauges) {
        self.segment.lookups = gauges.lookups - self.mark_gauges.lookups;
        self.segment.hits = gauges.hits - self.mark_gauges.hits;
        self.mark_gauges = *gauges;
        self.window.add(&self.segment);
        self.window_latency.merge(&self.segment_latency);
        if self.measuring {
            self.total.add(&self.segment);
            self.total_latency.merge(&self.segment_latency);
        }
        self.segment = Tally::default();
        self.segment_latency.reset();
    }

    /// Where a request's outcome is counted, tally and latencies: the
    /// segment, or (a request from warm-up ending after it) its window only.
    fn counts_for(&mut self, measured: bool) -> (&mut Tally, &mut LatencyHistogram) {
        debug_assert!(!measured || self.measuring, "a measured request ends after warm-up");
        if measured == self.measuring {
            (&mut self.segment, &mut self.segment_latency)
        } else {
            (&mut self.window, &mut self.window_latency)
        }
    }

    /// The database's and the cache's server counts change at `at`
    /// (utilisation is busy time over server time).
    pub fn servers_changed(&mut self, at: SimTime, db_servers: u32, cache_servers: Option<u32>) {
        self.servers_log.push((at, db_servers, cache_servers));
    }

    /// Mean database and cache servers over `[from, to)`.
    fn mean_servers(&self, from: SimTime, to: SimTime) -> (f64, Option<f64>) {
        let (db, cache) = (self.config.db_servers, self.config.cache_servers);
        if self.servers_log.is_empty() || to <= from {
            let current = self.servers_log.iter().rfind(|c| c.0 <= from).map_or((db, cache), |c| (c.1, c.2));
            return (f64::from(current.0), current.1.map(f64::from));
        }
        let span = (to - from).as_nanos() as f64;
        let mut pieces = vec![(SimTime::ZERO, db, cache)];
        pieces.extend(self.servers_log.iter().copied());
        let (mut db_mean, mut cache_mean) = (0.0, Some(0.0));
        for (i, &(start, d, c)) in pieces.iter().enumerate() {
            let end = pieces.get(i + 1).map_or(SimTime::MAX, |p| p.0);
            let overlap = end.min(to).saturating_sub(start.max(from)).as_nanos() as f64 / span;
            db_mean += f64::from(d) * overlap;
            cache_mean = cache_mean.zip(c).map(|(m, c)| m + f64::from(c) * overlap);
        }
        (db_mean, cache_mean)
    }

    fn close_window(&mut self, at: SimTime, gauges: Gauges, nodes: &[NodeGauge]) {
        let (db_servers, cache_servers) = self.mean_servers(self.window_start, at);
        self.nodes.close_window(self.window_start, at, nodes);
        let (from, w, g0) = (self.window_start, &self.window, &self.window_gauges);
        let avg = |a: u128, b: u128| time_average(a, b, from, at);
        let h = &self.window_latency;
        let all = if self.window_failed.count() == 0 {
            h
        } else {
            self.window_failed.merge(h);
            &self.window_failed
        };
        let busy_area = gauges.db_busy - g0.db_busy;
        let span_s = at.saturating_sub(from).as_secs();
        let stuck = self.backlog.close_window(at, self.config.good_within);
        let f = Figures::of(w, h, w.errors + stuck, span_s);
        self.rows.push(WindowRow {
            t_s: from.as_secs(),
            requests: w.requests,
            successes: w.successes,
            errors: w.errors,
            error_rate: w.error_rate(),
            good_ratio: f.good_ratio,
            user_p50_ms: f.user_p50_ms,
            user_p99_ms: f.user_p99_ms,
            user_p999_ms: f.user_p999_ms,
            stuck,
            timeouts: w.timeouts,
            rejected: w.rejected,
            cache_down_errors: w.cache_down,
            shed: w.shed,
            attempts: w.attempts,
            attempts_per_request: f.attempts_per_request,
            goodput_rps: f.goodput_rps,
            hit_ratio: w.hit_ratio(),
            stale_ratio: w.stale_ratio(),
            mean_ms: f.mean_ms,
            p50_ms: f.p50_ms,
            p90_ms: f.p90_ms,
            p99_ms: f.p99_ms,
            max_ms: f.max_ms,
            mean_all_ms: all.mean_ms(),
            p99_all_ms: all.quantile_ms(0.99),
            db_queries: w.db_queries,
            db_queue: avg(g0.db_queue, gauges.db_queue),
            db_utilization: avg(g0.db_busy, gauges.db_busy) / db_servers,
            db_saturation: avg(g0.db_saturated, gauges.db_saturated) / f64::from(self.config.db_nodes),
            db_wasted_share: wasted_share(w.db_wasted_ns, busy_area),
            cache_utilization: cache_servers.map(|c| avg(g0.cache_busy, gauges.cache_busy) / c),
            cache_queue: avg(g0.cache_queue, gauges.cache_queue),
            in_flight: avg(g0.in_flight, gauges.in_flight),
            cache_entries: gauges.cache_entries,
            evictions: gauges.evictions - g0.evictions,
            expirations: gauges.expirations - g0.expirations,
            stale_reads: w.stale_reads,
            stale_fills: w.counters.get(Counter::StaleFill),
            invalidations: w.counters.get(Counter::Invalidation),
            invalidations_lost: w.counters.get(Counter::LostInvalidation),
        });
        self.window_start = at;
        self.window_gauges = gauges;
        self.window = Tally::default();
        self.window_latency.reset();
        self.window_failed.reset();
    }

    /// A new request arrived (counted in the totals if after warm-up).
    pub fn arrival(&mut self) {
        self.segment.requests += 1;
        self.backlog.arrive();
    }

    /// An attempt started, for a request that is `measured` or not.
    pub fn attempt(&mut self, measured: bool) {
        self.counts_for(measured).0.attempts += 1;
    }

    /// A request that arrived at `arrived` succeeded at `now`; for a read,
    /// whether its answer was outdated and by how much.
    #[inline(always)]
    pub fn success(&mut self, arrived: SimTime, now: SimTime, read: Option<ReadOutcome>, measured: bool) {
        if measured && let Some(ReadOutcome { stale: true, age }) = read {
            self.stale_age.record(age);
        }
        self.backlog.depart(arrived);
        let latency = now - arrived;
        let good = u64::from(latency <= self.config.good_within);
        let (tally, latencies) = self.counts_for(measured);
        tally.successes += 1;
        tally.good += good;
        if let Some(read) = read {
            tally.reads_ok += 1;
            tally.stale_reads += u64::from(read.stale);
        }
        latencies.record(latency);
    }

    /// A request that arrived at `arrived` failed for good at `now`.
    pub fn failure(&mut self, cause: FailureCause, arrived: SimTime, now: SimTime, measured: bool) {
        self.backlog.depart(arrived);
        self.counts_for(measured).0.fail(cause);
        self.window_failed.record(now - arrived);
    }

    /// A write committed at `now` reaches a replica `lag` later.
    pub fn replica_lag(&mut self, lag: SimTime, now: SimTime) {
        if self.measures(now) {
            self.replica_lag.record(lag);
        }
    }

    /// Counts one `counter` event.
    pub fn count(&mut self, counter: Counter) {
        self.segment.counters.add(counter);
    }

    /// Counts `n` `counter` events at once (an add, not a loop: no branch
    /// on the hot path when `n` is 0).
    pub fn count_n(&mut self, counter: Counter, n: u32) {
        self.segment.counters.add_n(counter, u64::from(n));
    }

    /// The database admitted a query.
    pub fn db_admitted(&mut self) {
        self.segment.db_queries += 1;
    }

    /// A read's `service` ended with nobody waiting for it.
    pub fn db_wasted(&mut self, service: SimTime) {
        self.segment.db_wasted_ns += u128::from(service.as_nanos());
    }

    /// A query started service after waiting `waited`.
    pub fn db_started(&mut self, waited: SimTime) {
        self.segment.db_starts += 1;
        self.segment.db_waits += u64::from(waited > SimTime::ZERO);
        self.segment.db_wait_ns += u128::from(waited.as_nanos());
    }

    /// Closes the last window (`nodes`: the components' gauges at the end)
    /// and builds the summary.
    pub fn finish(mut self, end: RunEnd, nodes: &[NodeGauge], slo: &Slo) -> Finished {
        self.close_segment(&end.gauges);
        if end.end > self.window_start {
            self.close_window(end.end, end.gauges, nodes);
        }
        let warmup = self.config.warmup;
        let measured = end.end.saturating_sub(warmup);
        let measured_s = measured.as_secs();
        let g0 = if self.measuring { self.warmup_gauges } else { end.gauges };
        let n0 = if self.measuring { self.warmup_nodes.clone() } else { nodes.to_vec() };
        let shares = self.nodes.cache_shares(&n0, nodes);
        let avg = |a: u128, b: u128| time_average(a, b, warmup, end.end);
        let health: Vec<WindowHealth> = self.rows.iter().map(WindowHealth::of).collect();
        let warmup_s = warmup.as_secs();
        let split = health.partition_point(|w| w.start_s < warmup_s);
        let (before, measured_windows) = health.split_at(split);
        let (mut recovery, mut recovery_s) = recovery_time(slo, before, measured_windows, end.disturbed);
        // A run a guard stopped has not recovered, whatever its windows
        // (and is not "too short": it was stopped, not short).
        if end.status == Status::Diverged {
            (recovery, recovery_s) = (Recovery::NotRecovered, None);
        }
        let (t, h) = (&self.total, &self.total_latency);
        // Every measured request that did not succeed: failed or unfinished.
        let f = Figures::of(t, h, t.requests.saturating_sub(t.successes), measured_s);
        let c = |counter| t.counters.get(counter);
        let summary = Summary {
            seed: end.seed,
            status: end.status,
            requests: t.requests,
            successes: t.successes,
            errors: t.errors,
            error_rate: t.error_rate(),
            good_ratio: f.good_ratio,
            user_p50_ms: f.user_p50_ms,
            user_p99_ms: f.user_p99_ms,
            user_p999_ms: f.user_p999_ms,
            timeouts: t.timeouts,
            rejected: t.rejected,
            attempts: t.attempts,
            hit_ratio: t.hit_ratio(),
            stale_ratio: t.stale_ratio(),
            mean_ms: f.mean_ms,
            p50_ms: f.p50_ms,
            p90_ms: f.p90_ms,
            p99_ms: f.p99_ms,
            p999_ms: h.quantile_ms(0.999),
            max_ms: f.max_ms,
            db_utilization: avg(g0.db_busy, end.gauges.db_busy) / self.mean_servers(warmup, end.end).0,
            recovered: recovery == Recovery::Recovered,
            recovery,
            recovery_s,
            events: end.events,
            cache_down_errors: t.cache_down,
            diverged_reason: None,
            first_alert: None,
            time_to_detect_s: None,
            shed: t.shed,
            shed_queries: c(Counter::ShedQuery),
            cancelled_queries: c(Counter::CancelledQuery),
            db_wasted_share: wasted_share(t.db_wasted_ns, end.gauges.db_busy - g0.db_busy),
            unfinished: end.unfinished,
            goodput_rps: f.goodput_rps,
            attempts_per_request: f.attempts_per_request,
            lookups: t.lookups,
            hits: t.hits,
            read_successes: t.reads_ok,
            stale_reads: t.stale_reads,
            stale_age_p50_ms: self.stale_age.quantile_ms(0.5),
            stale_age_p99_ms: self.stale_age.quantile_ms(0.99),
            fills: c(Counter::Fill),
            stale_fills: c(Counter::StaleFill),
            dropped_fills: c(Counter::DroppedFill),
            stale_serves: c(Counter::StaleServe),
            lease_waits: c(Counter::LeaseWait),
            early_refreshes: c(Counter::EarlyRefresh),
            refreshes_before_expiry: c(Counter::RefreshBeforeExpiry),
            invalidations: c(Counter::Invalidation),
            invalidations_lost: c(Counter::LostInvalidation),
            hot_fetches_per_expiry: ratio(c(Counter::HotKeyFetch), c(Counter::HotKeyExpiration)),
            db_jobs: t.db_queries,
            db_queue_mean: avg(g0.db_queue, end.gauges.db_queue),
            db_wait_mean_ms: (t.db_starts > 0).then(|| t.db_wait_ns as f64 / t.db_starts as f64 / 1e6),
            db_wait_share: ratio(t.db_waits, t.db_starts),
            cache_evictions: end.gauges.evictions - g0.evictions,
            cache_expirations: end.gauges.expirations - g0.expirations,
            in_flight_max: end.in_flight_max,
            measured_s,
            end_s: end.end.as_secs(),
            cache_nodes_lost: end.cache_nodes_lost,
            hottest_node_share: shares.hottest_node_share,
            gutter_hit_ratio: shares.gutter_hit_ratio,
            db_down_errors: t.db_down,
            app_down_errors: t.app_down,
            app_utilization: (self.config.app_workers > 0)
                .then(|| avg(g0.app_busy, end.gauges.app_busy) / f64::from(self.config.app_workers)),
            stale_fills_from_lag: c(Counter::StaleFillFromLag),
            replica_lag_p99_ms: self.replica_lag.quantile_ms(0.99),
        };
        Finished { summary, windows: self.rows, nodes: self.nodes.into_rows() }
    }
}

/// What a recorder hands back at the end of a run.
#[derive(Debug)]
pub struct Finished {
    pub summary: Summary,
    pub windows: Vec<WindowRow>,
    pub nodes: Vec<NodeRow>,
}

/// What a window and the whole run both report about their requests, each
/// figure computed here once. `slower`: the requests that count as slower
/// than any success (failed, or stuck and unfinished) — the user's view;
/// `span_s`: the time over which they arrived.
struct Figures {
    good_ratio: Option<f64>,
    user_p50_ms: Option<f64>,
    user_p99_ms: Option<f64>,
    user_p999_ms: Option<f64>,
    attempts_per_request: Option<f64>,
    goodput_rps: f64,
    mean_ms: Option<f64>,
    p50_ms: Option<f64>,
    p90_ms: Option<f64>,
    p99_ms: Option<f64>,
    max_ms: Option<f64>,
}

impl Figures {
    fn of(t: &Tally, h: &LatencyHistogram, slower: u64, span_s: f64) -> Figures {
        Figures {
            good_ratio: ratio(t.good, t.successes + slower),
            user_p50_ms: h.quantile_with_slower_ms(0.50, slower),
            user_p99_ms: h.quantile_with_slower_ms(0.99, slower),
            user_p999_ms: h.quantile_with_slower_ms(0.999, slower),
            attempts_per_request: ratio(t.attempts, t.requests),
            goodput_rps: if span_s > 0.0 { t.successes as f64 / span_s } else { 0.0 },
            mean_ms: h.mean_ms(),
            p50_ms: h.quantile_ms(0.50),
            p90_ms: h.quantile_ms(0.90),
            p99_ms: h.quantile_ms(0.99),
            max_ms: h.max_ms(),
        }
    }
}

/// Wasted service time over busy time, `None` when the database was idle.
fn wasted_share(wasted_ns: u128, busy_area: u128) -> Option<f64> {
    (busy_area > 0).then(|| (wasted_ns as f64 / busy_area as f64).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: f64) -> SimTime {
        SimTime::from_secs(secs)
    }

    /// Passes every mark up to `t`, as the model's loop does, with the
    /// cache's counts `gauges`.
    fn mark_to(recorder: &mut Recorder, t: SimTime, gauges: Gauges) {
        while recorder.next_mark() <= t {
            let mark = recorder.next_mark();
            recorder.mark(mark, gauges, &[]);
        }
    }

    /// Ends a test run at `end` with `unfinished` requests in flight, SLO
    /// 500 ms and one window to recover.
    fn finish(
        recorder: Recorder,
        end: SimTime,
        unfinished: u64,
        gauges: Gauges,
    ) -> (Summary, Vec<WindowRow>) {
        let run_end = RunEnd {
            seed: 1,
            status: Status::Ok,
            end,
            gauges,
            events: 0,
            unfinished,
            in_flight_max: 2,
            disturbed: None,
            cache_nodes_lost: 0,
        };
        let done =
            recorder.finish(run_end, &[], &Slo { p99_ms: 500.0, error_rate: 0.01, recovery_windows: 1 });
        (done.summary, done.windows)
    }

    /// Warm-up ends inside a window: what happens before it counts in the
    /// window only; a request that arrived during warm-up and ends after it
    /// counts in its window but not in the totals; a request that arrived
    /// after warm-up counts in both.
    #[test]
    fn warm_up_splits_windows_from_totals() {
        let duration = s(12.0);
        let mut recorder = Recorder::new(
            RecorderConfig {
                window: s(4.0),
                warmup: s(6.0),
                duration,
                db_servers: 1,
                db_nodes: 1,
                app_workers: 0,
                cache_servers: None,
                good_within: s(2.0),
            },
            Vec::new(),
        );
        // The cache node's counts: a lookup is counted by its node.
        let mut g = Gauges::default();
        let at = |recorder: &mut Recorder, t: SimTime, g: Gauges| {
            mark_to(recorder, t, g);
            recorder.measures(t)
        };
        // Request A: arrives at 1 s (warm-up), its lookup misses at 5 s
        // (still warm-up), it succeeds at 7 s after 6 s.
        let measured_a = at(&mut recorder, s(1.0), g);
        recorder.arrival();
        recorder.attempt(measured_a);
        at(&mut recorder, s(5.0), g);
        g.lookups += 1;
        // Request B: arrives at 6.5 s, hits at 7 s, succeeds at 7.5 s.
        let measured_b = at(&mut recorder, s(6.5), g);
        recorder.arrival();
        recorder.attempt(measured_b);
        at(&mut recorder, s(7.0), g);
        (g.lookups, g.hits) = (g.lookups + 1, g.hits + 1);
        let read = Some(ReadOutcome { stale: false, age: SimTime::ZERO });
        recorder.success(s(1.0), s(7.0), read, measured_a);
        at(&mut recorder, s(7.5), g);
        recorder.success(s(6.5), s(7.5), read, measured_b);
        at(&mut recorder, duration, g);
        let (summary, windows) = finish(recorder, duration, 0, g);

        assert!(!measured_a && measured_b);
        assert_eq!((summary.requests, summary.attempts, summary.successes), (1, 1, 1));
        assert_eq!((summary.lookups, summary.hits), (1, 1));
        assert_eq!((summary.mean_ms, summary.max_ms), (Some(1000.0), Some(1000.0)));
        // B took 1 s, within the 2 s SLO; A (6 s) counts in its window only.
        assert_eq!((summary.good_ratio, summary.user_p99_ms), (Some(1.0), Some(1000.0)));

        assert_eq!(windows.len(), 3);
        let [first, second, third] = [&windows[0], &windows[1], &windows[2]];
        assert_eq!((first.requests, first.attempts, first.successes), (1, 1, 0));
        assert_eq!((second.requests, second.attempts, second.successes), (1, 1, 2));
        assert_eq!(second.hit_ratio, Some(0.5));
        assert_eq!((second.mean_ms, second.max_ms), (Some(3500.0), Some(6000.0)));
        assert_eq!((second.good_ratio, second.stuck), (Some(0.5), 0));
        assert_eq!((third.requests, third.successes), (0, 0));
    }

    /// A request nobody answers makes every window after the SLO worse
    /// and, unfinished at the end, counts in the summary as slower than
    /// any success; a failure likewise.
    #[test]
    fn stuck_and_failed_requests_count_against_the_user_view() {
        let duration = s(4.0);
        let mut recorder = Recorder::new(
            RecorderConfig {
                window: s(1.0),
                warmup: SimTime::ZERO,
                duration,
                db_servers: 1,
                db_nodes: 1,
                app_workers: 0,
                cache_servers: None,
                good_within: s(0.5),
            },
            Vec::new(),
        );
        // Window 0: a stuck request and 99 fast successes.
        recorder.arrival();
        for i in 0..99 {
            recorder.arrival();
            let at = s(0.001 * f64::from(i));
            recorder.success(at, at + s(0.01), None, true);
        }
        mark_to(&mut recorder, s(1.5), Gauges::default());
        // Window 1: one success, one failure.
        recorder.arrival();
        recorder.success(s(1.5), s(1.6), None, true);
        recorder.arrival();
        recorder.failure(FailureCause::Timeout, s(1.5), s(1.7), true);
        mark_to(&mut recorder, duration, Gauges::default());
        let (summary, windows) = finish(recorder, duration, 1, Gauges::default());
        // 102 requests: 100 good, one failed, one unfinished.
        assert_eq!(summary.good_ratio, Some(100.0 / 102.0));
        assert_eq!(summary.user_p50_ms, summary.p50_ms);
        assert_eq!(summary.user_p99_ms, Some(f64::INFINITY));
        assert!(summary.p99_ms.is_some_and(|p| p < 10.1), "of successes: {:?}", summary.p99_ms);
        let stuck: Vec<u64> = windows.iter().map(|w| w.stuck).collect();
        assert_eq!(stuck, [0, 1, 1, 1]);
        assert_eq!(windows[0].good_ratio, Some(1.0));
        assert_eq!(windows[1].good_ratio, Some(1.0 / 3.0));
        assert_eq!(windows[1].user_p50_ms, Some(f64::INFINITY));
        assert_eq!((windows[2].good_ratio, windows[2].user_p99_ms), (Some(0.0), Some(f64::INFINITY)));
        // Healthy in window 0, and no disturbance to recover from.
        assert_eq!(summary.recovery, Recovery::Recovered);
    }
}
