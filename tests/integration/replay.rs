//! Replaying the day: measured rate series, configuration changes at run
//! time, real access logs, and fitting a model to a log.

use std::fs;

use outage_sim::scenario::load_model_text;

use crate::support::{model, run};

/// A rate file's arrivals follow it window by window: each window's count
/// is Poisson with the mean the series integrates to there (linear between
/// points, times the schedule's spike on top), so it lies within 4.5 sd of
/// that mean (a false alarm over 24 windows at < 2·10⁻⁴), and the total
/// within 3 sd.
#[test]
fn a_rate_files_arrivals_follow_it() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("day.csv"), "t_s,rate_rps\n0,100\n60,400\n120,400\n180,100\n240,100\n")
        .unwrap();
    let text = r#"
        [run]
        duration_s = 240.0
        warmup_s = 0.0
        window_s = 10.0
        [workload]
        keys = 1000
        [clients]
        rate_file = "day.csv"
        rate_scale = 2.0
        [[clients.schedule]]
        at_s = 200.0
        until_s = 220.0
        multiplier = 3.0
    "#;
    let path = dir.path().join("m.toml");
    let model = load_model_text(&path, text, &[]).unwrap().model;
    let r = run(&model);
    let rate = |t: f64| {
        let base = if t < 60.0 {
            100.0 + 5.0 * t
        } else if t < 120.0 {
            400.0
        } else if t < 180.0 {
            400.0 - 5.0 * (t - 120.0)
        } else {
            100.0
        };
        2.0 * base * if (200.0..220.0).contains(&t) { 3.0 } else { 1.0 }
    };
    let (mut total, mut expected) = (0.0, 0.0);
    for w in &r.windows {
        // Linear within a window: the midpoint rule is exact.
        let mean = rate(w.t_s + 5.0) * 10.0;
        let got = w.requests as f64;
        assert!(
            (got - mean).abs() < 4.5 * mean.sqrt(),
            "window at {} s: {got} arrivals, expected {mean}",
            w.t_s
        );
        total += got;
        expected += mean;
    }
    assert!((total - expected).abs() < 3.0 * expected.sqrt(), "{total} arrivals, expected {expected}");
    eprintln!("rate file: {total} arrivals over 24 windows, expected {expected}");
}

/// A Prometheus `query_range` answer is a rate file too; more than one
/// series is a located error naming the count.
#[test]
fn prometheus_json_is_a_rate_file() {
    let dir = tempfile::tempdir().unwrap();
    let one = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1687251600,"500"],[1687251660,"500"],[1687251720,"500"]]}]}}"#;
    fs::write(dir.path().join("p.json"), one).unwrap();
    let text = "[run]\nduration_s = 100.0\nwarmup_s = 0.0\n[clients]\nrate_file = \"p.json\"\n";
    let m = load_model_text(&dir.path().join("m.toml"), text, &[]).unwrap().model;
    let requests = run(&m).summary.requests as f64;
    assert!((requests - 50_000.0).abs() < 4.0 * 50_000f64.sqrt(), "{requests}");
    let two = one.replace("]]}]}}", "]]},{\"metric\":{},\"values\":[[1,\"1\"],[2,\"1\"]]}]}}");
    fs::write(dir.path().join("p.json"), two).unwrap();
    let e = load_model_text(&dir.path().join("m.toml"), text, &[]).unwrap_err().to_string();
    assert!(
        e.contains("m.toml:5:") && e.contains("clients.rate_file") && e.contains("holds 2 series"),
        "{e}"
    );
}

/// Runs `text` (a model) with one `[[changes]]` entry at 60 s setting
/// `set`, and returns the mean of `figure` over the windows of 20–60 s and
/// of 80–120 s: before the change and after it has settled.
fn before_after(
    text: &str,
    set: &str,
    figure: impl Fn(&outage_sim::metrics::WindowRow) -> f64,
) -> (f64, f64) {
    let changed = format!("{text}\n[[changes]]\nat_s = 60.0\nset = {{ {set} }}\n");
    let r = run(&model(&changed, &[]));
    let mean = |from: f64, to: f64| {
        let w: Vec<f64> = r.windows.iter().filter(|w| w.t_s >= from && w.t_s < to).map(&figure).collect();
        w.iter().sum::<f64>() / w.len() as f64
    };
    let (before, after) = (mean(20.0, 60.0), mean(80.0, 120.0));
    eprintln!("{set}: {before:.4} before, {after:.4} after");
    (before, after)
}

/// Every database read: 1 000 reads/s of 5 ms each offer 5 servers' work.
const DB_BOUND: &str = r#"
    [run]
    duration_s = 120.0
    warmup_s = 0.0
    window_s = 1.0
    [workload]
    keys = 100000
    read_fraction = 1.0
    [clients]
    rate_rps = 1000.0
    [cache]
    capacity = 0
    [db]
    servers = 8
    read = { dist = "exponential", mean_ms = 5.0 }
"#;

/// Each changeable key changes behaviour at `at_s`, measured against
/// theory where there is one: utilisation = offered work / servers
/// (5 / 8 → 5 / 20: ±0.03 over 40 windows of ~1 000 queries), and from
/// zero to plenty (or plenty to zero) for the rest.
#[test]
fn each_changeable_key_changes_behaviour_at_its_time() {
    let (before, after) = before_after(DB_BOUND, r#""db.servers" = 20"#, |w| w.db_utilization);
    assert!((before - 5.0 / 8.0).abs() < 0.03 && (after - 5.0 / 20.0).abs() < 0.03, "{before} → {after}");
    // Four servers cannot serve five servers' work: with a line of 5 the
    // excess is turned away; a larger line and a timeout trade
    // rejections for timeouts.
    let four = DB_BOUND.replace("servers = 8", "servers = 4\nqueue_limit = 100000");
    let (before, after) = before_after(&four, r#""db.queue_limit" = 5"#, |w| w.rejected as f64);
    assert!(before == 0.0 && after > 50.0, "rejected {before} → {after}");
    let (before, after) = before_after(&four, r#""clients.timeout_ms" = 50.0"#, |w| w.timeouts as f64);
    assert!(before == 0.0 && after > 50.0, "timeouts {before} → {after}");
    let limited = four.replace("queue_limit = 100000", "queue_limit = 5");
    let (before, after) =
        before_after(&limited, r#""clients.max_attempts" = 3"#, |w| w.attempts_per_request.unwrap_or(0.0));
    assert!(before == 1.0 && after > 1.1, "attempts per request {before} → {after}");
    let (before, after) = before_after(&four, r#""db.servers" = 10"#, |w| w.db_queue);
    assert!(before > 1000.0 && after < 5.0, "db queue {before} → {after}");
    // A new queue timeout holds for queries that join the line from then
    // on (a FIFO line sheds its oldest first): a short line shows it.
    let short = four.replace("queue_limit = 100000", "queue_limit = 5");
    let (before, after) = before_after(&short, r#""db.queue_timeout_ms" = 2.0"#, |w| w.shed as f64);
    assert!(before == 0.0 && after > 50.0, "shed {before} → {after}");
    // Clients that give up after 50 ms leave the database serving work
    // nobody waits for, unless it is told to cancel it.
    let timing_out = four
        .replace("queue_limit = 100000", "queue_limit = 50")
        .replace("[cache]", "timeout_ms = 10.0\n[cache]");
    let (before, after) =
        before_after(&timing_out, r#""db.cancel_on_timeout" = true"#, |w| w.db_wasted_share.unwrap_or(0.0));
    assert!(before > 0.95 && after < 0.9, "wasted share {before} → {after}");
    let retrying = limited.replace("[cache]", "max_attempts = 5\n[cache]");
    let (before, after) = before_after(&retrying, r#""clients.retry_budget_ratio" = 0.1"#, |w| {
        w.attempts_per_request.unwrap_or(0.0)
    });
    assert!(before > 1.5 && after < 1.15, "attempts per request {before} → {after}");
}

/// Cache keys: a TTL starts expirations (of what is stored too); delete-on-write ends stale reads; single flight collapses the
/// concurrent misses on hot keys; lookup servers resize.
#[test]
fn cache_keys_change_at_their_time() {
    let cached = r#"
        [run]
        duration_s = 120.0
        warmup_s = 0.0
        [workload]
        keys = 1000
        zipf_s = 1.0
        read_fraction = 0.9
        [clients]
        rate_rps = 2000.0
        [cache]
        capacity = 1000
        invalidation = "ttl-only"
        ttl_s = 1000.0
        [db]
        servers = 64
    "#;
    let no_ttl = cached.replace("ttl_s = 1000.0\n", "");
    let (before, after) = before_after(&no_ttl, r#""cache.ttl_s" = 1.0"#, |w| w.expirations as f64);
    assert!(before == 0.0 && after > 100.0, "expirations {before} → {after}");
    let (before, after) =
        before_after(cached, r#""cache.invalidation" = "delete""#, |w| w.stale_ratio.unwrap_or(0.0));
    // Entries stale before the change stay so until their key's next
    // write: the ratio falls by more than 10×, not to zero at once.
    assert!(before > 0.5 && after < 0.05, "stale ratio {before} → {after}");
    let hot =
        DB_BOUND.replace("keys = 100000", "keys = 1000\nzipf_s = 1.2").replace("servers = 8", "servers = 64");
    let (before, after) = before_after(&hot, r#""cache.stampede" = "coalesce""#, |w| w.db_queries as f64);
    // Single flight: key i's fetches form a renewal process — a wait for
    // the next miss (rate λᵢ) then a 5 ms fetch — so it sends
    // λᵢ / (1 + λᵢ·5 ms) queries a second. Over 40 windows ±3 %.
    let h: f64 = (1..=1000).map(|i| f64::from(i).powf(-1.2)).sum();
    let theory: f64 = (1..=1000)
        .map(|i| 1000.0 * f64::from(i).powf(-1.2) / h)
        .map(|rate| rate / (1.0 + rate * 0.005))
        .sum();
    assert!(
        (before - 1000.0).abs() < 15.0 && (after / theory - 1.0).abs() < 0.03,
        "db queries {before} → {after}, theory {theory}"
    );
    let station = cached.replace(
        "capacity = 1000\n",
        "capacity = 1000\nservers = 2\nlookup = { dist = \"exponential\", mean_ms = 0.5 }\n",
    );
    let (before, after) =
        before_after(&station, r#""cache.servers" = 8"#, |w| w.cache_utilization.unwrap_or(0.0));
    // 1 800 lookups/s (the reads) × 0.5 ms = 0.9 servers' work: 0.45 of 2,
    // 0.1125 of 8 (±0.02, ±0.01 over 40 windows).
    assert!(
        (before - 0.45).abs() < 0.02 && (after - 0.1125).abs() < 0.01,
        "cache utilisation {before} → {after}"
    );
}

/// A changed store is a restart: a cache that admits nothing once full,
/// stuck with yesterday's hot set after a shift, comes back empty with
/// LRU and learns today's — the hit ratio at least doubles.
#[test]
fn a_changed_store_restarts_the_cache() {
    let stuck = r#"
        [run]
        duration_s = 120.0
        warmup_s = 0.0
        [workload]
        keys = 1000
        zipf_s = 1.0
        read_fraction = 1.0
        [clients]
        rate_rps = 2000.0
        [cache]
        capacity = 100
        eviction = "none"
        [db]
        servers = 64
        [[faults]]
        kind = "hot-set-shift"
        at_s = 10.0
    "#;
    let (before, after) = before_after(stuck, r#""cache.eviction" = "lru""#, |w| w.hit_ratio.unwrap_or(0.0));
    assert!(after > 2.0 * before && after > 0.5, "hit ratio {before} → {after}");
    let r = run(&model(
        &format!("{stuck}\n[[changes]]\nat_s = 60.0\nset = {{ \"cache.capacity\" = 200 }}\n"),
        &[],
    ));
    let at = |t: f64| r.windows.iter().find(|w| w.t_s == t).unwrap();
    // Full at 100, empty at the restart (the window of it misses most),
    // full again at the new size.
    assert!(
        at(59.0).cache_entries == 100 && at(100.0).cache_entries == 200,
        "{:?} {:?}",
        at(59.0),
        at(100.0)
    );

    assert_eq!(r.summary.recovery, outage_sim::metrics::Recovery::Recovered, "the restart is a disturbance");
}

/// A key the running stack cannot take is refused where the change writes
/// it, with the reason and the keys that can change.
#[test]
fn an_unchangeable_key_is_refused_with_its_reason() {
    let text = format!(
        "{DB_BOUND}\n[[changes]]\nat_s = 10.0\nset = {{ \"cache.lookup\" = {{ dist = \"exponential\", mean_ms = 1.0 }} }}\n"
    );
    let e = load_model_text(std::path::Path::new("m.toml"), &text, &[]).unwrap_err().to_string();
    assert!(e.contains("m.toml:19:") && e.contains("changes.0.set.\"cache.lookup\""), "{e}");
    assert!(e.contains("cannot change while running") && e.contains("cache.ttl_s"), "{e}");
    let late = format!("{DB_BOUND}\n[[changes]]\nat_s = 500.0\nset = {{ \"db.servers\" = 10 }}\n");
    let e = load_model_text(std::path::Path::new("m.toml"), &late, &[]).unwrap_err().to_string();
    assert!(e.contains("changes.0.at_s") && e.contains("before the run's end"), "{e}");
    let bad = format!("{DB_BOUND}\n[[changes]]\nat_s = 5.0\nset = {{ \"db.servers\" = 0 }}\n");
    let e = load_model_text(std::path::Path::new("m.toml"), &bad, &[]).unwrap_err().to_string();
    assert!(e.contains("m.toml:19:") && e.contains("db.servers") && e.contains("must be"), "{e}");
}

/// Writes an access log of `rows` requests drawn from Zipf(`s`) over
/// `keys` keys with `read_fraction`, keys named `product:<id>` (so the
/// fit cannot read ranks off them), ops in mixed case, and returns its path.
fn generated_log(
    dir: &std::path::Path,
    keys: u32,
    s: f64,
    read_fraction: f64,
    rows: u64,
) -> std::path::PathBuf {
    use outage_sim::engine::RandomStreams;
    use outage_sim::stack::{Op, Popularity, Workload, WorkloadConfig};
    use std::io::Write;
    let config = WorkloadConfig {
        keys,
        popularity: Popularity::Zipf { s },
        read_fraction,
        trace: None,
        size: None,
        fanout: 1,
    };
    let streams = RandomStreams::new(7);
    let mut w = Workload::new(&config, streams.stream(1), streams.stream(2));
    let path = dir.join(format!("log-{s}.csv"));
    let mut out = std::io::BufWriter::new(fs::File::create(&path).unwrap());
    writeln!(out, "time,key,op").unwrap();
    for i in 0..rows {
        // 1 000 requests a second; the key scrambled so names carry no rank.
        let key = w.next_key().wrapping_mul(2_654_435_761) % (1 << 31);
        let op = match (w.next_op(), i % 3) {
            (Op::Read, 0) => "GET",
            (Op::Read, _) => "get",
            (Op::Write, 0) => "Set",
            (Op::Write, _) => "update",
        };
        writeln!(out, "{:.3},product:{key},{op}", i as f64 / 1000.0).unwrap();
    }
    path
}

/// `fit` recovers the parameters a log was drawn with — Zipf s within
/// ±0.02, the read fraction within ±0.005, the keys within 2 % — and the
/// fitted model's LRU hit ratio comes within 0.01 of the log's at 1 % and
/// 10 % of the keys.
#[test]
fn fit_recovers_known_parameters() {
    let dir = tempfile::tempdir().unwrap();
    for (s, read_fraction) in [(0.7, 0.95), (1.0, 0.8)] {
        let log = generated_log(dir.path(), 10_000, s, read_fraction, 1_000_000);
        let spec = outage_sim::stack::TraceSpec {
            path: log,
            format: outage_sim::stack::TraceFormat::Csv,
            bad_rows: outage_sim::stack::BadRows::Error,
            keys: outage_sim::stack::TraceKeys::Names,
            needs_size: false,
        };
        let fit = outage_sim::fit::fit(&spec, None, |_| {}).unwrap();
        eprintln!(
            "s = {s}: fitted {:.4} (KS {:.4}), read fraction {:.4}, {} keys",
            fit.zipf.s, fit.zipf.ks_distance, fit.read_fraction, fit.keys
        );
        assert!((fit.zipf.s - s).abs() <= 0.02, "s = {s}: fitted {}", fit.zipf.s);
        assert!((fit.read_fraction - read_fraction).abs() <= 0.005, "{}", fit.read_fraction);
        assert!((f64::from(fit.keys) / 10_000.0 - 1.0).abs() <= 0.02, "{} keys", fit.keys);
        assert!(fit.writes_follow_reads(), "{fit:?}");
        assert_eq!(fit.rows, 1_000_000);
        let compared = outage_sim::fit::compare_hit_ratios(&spec, &fit, &[0.01, 0.1], 42).unwrap();
        for c in compared {
            eprintln!("  LRU at {} entries: log {:.4}, fitted {:.4}", c.capacity, c.log, c.fitted);
            assert!((c.log - c.fitted).abs() <= 0.01, "{c:?}");
        }
    }
}

/// `fit --out` on a Twitter cache trace writes a model and its rate file
/// that load and run; the printed figures come from the log.
#[test]
fn fit_writes_a_model_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = String::new();
    let mut keys = std::collections::HashSet::new();
    for i in 0..3000u32 {
        // Key k of 50 gets requests ∝ 1/(k+1); every 10th a set with a size.
        let k = (i * 7919) % 50;
        let k = k * k / 50;
        keys.insert(k);
        let op = if i % 10 == 0 { "set" } else { "get" };
        let value = if op == "set" { 100 + k } else { 0 };
        rows.push_str(&format!("{},key-{k},8,{value},{},{op},0\n", 1000 + i / 100, i % 4));
    }
    fs::write(dir.path().join("tw.csv"), rows).unwrap();
    let out = crate::support::cli()
        .args(["fit", "tw.csv", "--format", "twitter", "--out", "fitted/m.toml"])
        .current_dir(dir.path())
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("rows            3000") && text.contains(&format!("keys            {}\n", keys.len())),
        "{text}"
    );
    assert!(text.contains("read_fraction   0.9000"), "{text}");
    let model = fs::read_to_string(dir.path().join("fitted/m.toml")).unwrap();
    assert!(
        model.contains("rate_file = \"m-rate.csv\"") && model.contains(&format!("keys = {}\n", keys.len())),
        "{model}"
    );
    assert!(model.contains("trace = \"../tw.csv\""), "{model}");
    let loaded = outage_sim::scenario::load_model(&dir.path().join("fitted/m.toml"), &[]).unwrap();
    assert!(loaded.notes.is_empty(), "{:?}", loaded.notes);
    let r = run(&loaded.model);
    // 100 requests a second for 30 s, as the log: Poisson ±4 sd.
    let expected = 100.0 * loaded.model.run.duration.as_secs() * 0.9;
    let measured = r.summary.requests as f64;
    assert!((measured - expected).abs() < 4.0 * expected.sqrt(), "{measured} vs {expected}");
    // A log that is not one is bad input, located.
    fs::write(dir.path().join("bad.csv"), "1,a,get\n2,b\n").unwrap();
    let err = crate::support::cli().args(["fit", "bad.csv"]).current_dir(dir.path()).assert().code(2);
    let err = String::from_utf8(err.get_output().stderr.clone()).unwrap();
    assert!(err.contains("bad.csv:2: expected 3 fields"), "{err}");
}

/// A model's trace: named keys give workload.keys; bad rows are located,
/// or with `trace_bad_rows = "skip"` skipped and counted in a note; rows
/// past the run's end are reported in a note.
#[test]
fn trace_rows_are_located_skipped_or_noted() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("t.csv"),
        "t_s,key,op\n0.1,cart:1,GET\n0.2,cart:2,put\n0.3,oops\n0.4,cart:1,Delete\n9.5,cart:3,get\n",
    )
    .unwrap();
    let text = "[run]\nduration_s = 5.0\nwarmup_s = 0.0\n[workload]\ntrace = \"t.csv\"\n";
    let path = dir.path().join("m.toml");
    let e = load_model_text(&path, text, &[]).unwrap_err().to_string();
    assert!(e.contains("m.toml:5:") && e.contains("t.csv:4: expected 3 fields"), "{e}");
    let skip = format!("{text}trace_bad_rows = \"skip\"\n");
    let loaded = load_model_text(&path, &skip, &[]).unwrap();
    assert_eq!(loaded.model.workload.keys, 3);
    let notes: Vec<String> = loaded.notes.iter().map(|n| n.to_string()).collect();
    assert!(
        notes.iter().any(|n| n.contains("1 malformed rows skipped") && n.contains("t.csv:4")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("1 of 4 rows (from 9.5 s on) come after the run ends")),
        "{notes:?}"
    );
    let r = run(&loaded.model);
    assert_eq!(r.summary.requests, 3);
}
