//! Fuzzing the input path: the shipped model and experiment files, mutated
//! at random (values swapped for huge, tiny, NaN, infinite, negative,
//! mistyped or unicode ones; lines deleted, duplicated, inserted, keys
//! renamed, text cut short), must load or fail with located problems —
//! never panic. A model that loads is also run, capped at a few thousand
//! events, so that odd but valid values reach the engine too. `--set`
//! arguments and request traces are fuzzed the same way, with values at
//! and past the guarded limits (windows, requests in flight, keys, jobs);
//! every message is short and free of raw control bytes.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use proptest::prelude::*;

use outage_sim::scenario::{Location, ScenarioError, load_experiment, load_model_text};
use outage_sim::stack;

/// Values a hand-edited file might hold where a number, word or table
/// belongs.
const VALUES: &[&str] = &[
    "0",
    "-1",
    "1",
    "0.0",
    "-0.0",
    "1e308",
    "-1e308",
    "1e-320",
    "nan",
    "inf",
    "-inf",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967295",
    "1e9",
    "0.5",
    "\"\"",
    "\"zipf\"",
    "\"ünïcødé 🚀\"",
    "true",
    "[]",
    "[1, -2, 1e400]",
    "{}",
    "{ dist = \"exponential\", mean_ms = -1 }",
    "{ dist = \"lognormal\", mean_ms = 1e300, cv = nan }",
    "{ dist = \"pareto\" }",
    "1979-05-27T07:32:00Z",
    "null",
    "[\"cache.ttl_s\"]",
    "[\"cache.tll_s\", \"faults\"]",
    // At and just past the guarded limits.
    "100000",
    "100001",
    "1000000",
    "1000001",
    "10000000",
    "10000001",
    "4294967296",
    "1e-6",
    "9.9e-7",
    "{ dist = \"gamma\", mean_ms = 1, cv = 1e-160 }",
    "{ dist = \"lognormal\", mean_ms = 1, cv = 1e-7 }",
    "\"a\\u0000b\"",
    "\"gutter\"",
    "\"modulo\"",
    "\"primary\"",
    "64",
    "1024",
    "1025",
    "1048576.1",
    "{ dist = \"pareto\", mean_bytes = 1e9, cv = 1e-7 }",
    "{ dist = \"lognormal\", mean_bytes = 1, cv = 100 }",
    "\"least-connections\"",
    "\"round-robin\"",
    "\"zone-down\"",
    "\"app-down\"",
    "\"db-down\"",
    "\"replica-lag\"",
    "4096",
    "4097",
    "\"traffic/incident-day.csv\"",
    "\"traces/shop-access.csv\"",
    "\"twitter\"",
    "\"skip\"",
    "{ \"db.queue_limit\" = 0 }",
    "{ \"cache.servers\" = 3 }",
    "\"cache-node\"",
    "[\"zone\", \"replica\", \"app-instance\"]",
    "[\"disk\"]",
    "[0.5, 1.0, 0.5]",
    "{ good_ratio = 0.99, stale_ratio = 2 }",
];

/// Keys and sections to insert: real ones (so the validator sees them) and
/// made-up ones.
const KEYS: &[&str] = &[
    "duration_s",
    "warmup_s",
    "window_s",
    "max_in_flight",
    "rate_rps",
    "users",
    "timeout_ms",
    "keys",
    "zipf_s",
    "capacity",
    "ttl_s",
    "servers",
    "queue_limit",
    "read",
    "start_s",
    "[run]",
    "[[faults]]",
    "[[surges]]",
    "[cache]",
    "[db]",
    "clé",
    "a.b.c",
    "unset",
    "good_ratio",
    "user_p99_ms",
    "node",
    "factor",
    "nodes",
    "hashing",
    "vnodes",
    "memory_mb",
    "on_node_loss",
    "gutter_nodes",
    "gutter_ttl_s",
    "size",
    "hot_keys",
    "hot_key_replicas",
    "replicas",
    "replica_lag",
    "read_from",
    "remote_markers",
    "failover_s",
    "[app]",
    "instances",
    "workers",
    "queue_limit",
    "balancer",
    "work",
    "health_check_s",
    "[topology]",
    "zones",
    "fanout",
    "replica",
    "instance",
    "zone",
    "[[faults]]\nkind = \"zone-down\"\nat_s = 1.0\nduration_s = 1.0\nzone = 0",
    "[[faults]]\nkind = \"app-down\"\nat_s = 1.0\nduration_s = 1.0",
    "[[faults]]\nkind = \"db-down\"\nat_s = 1.0\nduration_s = 1.0",
    "rate_file",
    "rate_scale",
    "trace_format",
    "trace_bad_rows",
    "[[changes]]\nat_s = 1.0\nset = { \"cache.ttl_s\" = 1.0, \"db.servers\" = 1 }",
    "[[changes]]\nat_s = 0.5\nset = { \"cache.eviction\" = \"lru\", \"clients.timeout_ms\" = 5.0 }",
    "[[changes]]\nat_s = 2.0\nset = { \"workload.keys\" = 3 }",
    "at_s",
    "set",
    "[review]",
    "peak_rps",
    "growth",
    "losses",
    "k",
    "loss_at_s",
    "curve",
    "tolerance",
    "low_rps",
    "high_rps",
    "confidence",
];

/// One edit of a file's text; the numbers pick lines, values and keys.
#[derive(Debug, Clone)]
enum Edit {
    ReplaceValue(usize, usize),
    ReplaceValueWith(usize, String),
    DeleteLine(usize),
    DuplicateLine(usize),
    InsertLine(usize, usize, usize),
    RenameKey(usize, String),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let index = any::<u16>().prop_map(usize::from);
    prop_oneof![
        4 => (index.clone(), index.clone()).prop_map(|(l, v)| Edit::ReplaceValue(l, v)),
        1 => (index.clone(), "\\PC{0,12}").prop_map(|(l, s)| Edit::ReplaceValueWith(l, s)),
        1 => index.clone().prop_map(Edit::DeleteLine),
        1 => index.clone().prop_map(Edit::DuplicateLine),
        2 => (index.clone(), index.clone(), index.clone()).prop_map(|(l, k, v)| Edit::InsertLine(l, k, v)),
        1 => (index.clone(), "\\PC{0,8}").prop_map(|(l, s)| Edit::RenameKey(l, s)),
        1 => index.prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for edit in edits {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let n = lines.len();
        match edit {
            Edit::ReplaceValue(l, v) => set_value(&mut lines[l % n], VALUES[v % VALUES.len()]),
            Edit::ReplaceValueWith(l, s) => set_value(&mut lines[l % n], s),
            Edit::DeleteLine(l) => {
                lines.remove(l % n);
            }
            Edit::DuplicateLine(l) => lines.insert(l % n, lines[l % n].clone()),
            Edit::InsertLine(l, k, v) => {
                let key = KEYS[k % KEYS.len()];
                let line = if key.starts_with('[') {
                    key.to_owned()
                } else {
                    format!("{key} = {}", VALUES[v % VALUES.len()])
                };
                lines.insert(l % (n + 1), line);
            }
            Edit::RenameKey(l, s) => {
                if let Some((_, value)) = lines[l % n].split_once('=') {
                    lines[l % n] = format!("{s} ={value}");
                }
            }
            Edit::Truncate(at) => {
                let text = lines.join("\n");
                let cut =
                    text.char_indices().nth(at % (text.chars().count() + 1)).map_or(text.len(), |(i, _)| i);
                lines = text[..cut].lines().map(str::to_owned).collect();
            }
        }
    }
    lines.join("\n")
}

/// Replaces what follows the first `=` of `line` (if any) by `value`.
fn set_value(line: &mut String, value: &str) {
    if let Some((key, _)) = line.split_once('=') {
        *line = format!("{key}= {value}");
    }
}

/// The files a user starts from.
fn shipped(folder: &str) -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files.into_iter().map(|p| (p.clone(), fs::read_to_string(&p).unwrap())).collect()
}

/// Every problem points into `path` (or at a default, naming its key) and
/// says something.
fn assert_located(e: &ScenarioError, path: &Path) {
    assert!(!e.problems().is_empty(), "an error with no problems: {e}");
    for p in e.problems() {
        match &p.location {
            Location::File { path: at, line, column } => {
                assert!(at == path && *line >= 1 && *column >= 1, "badly located: {p}");
            }
            Location::Default => assert!(p.key.is_some(), "a default problem names its key: {p}"),
            Location::Argument(_) => panic!("no arguments were given: {p}"),
        }
        assert!(!p.message.trim().is_empty(), "an empty message: {p}");
        assert_bounded(&p.to_string());
    }
}

/// A message quotes input in short, escaped excerpts.
fn assert_bounded(message: &str) {
    assert!(message.len() < 2000, "{} bytes: {}", message.len(), &message[..200]);
    assert!(!message.chars().any(|c| c.is_control() && c != '\n'), "a raw control byte: {message:?}");
}

/// Dotted keys a `--set` may name, real and not.
const SET_KEYS: &[&str] = &[
    "run.duration_s",
    "run.warmup_s",
    "run.window_s",
    "run.max_in_flight",
    "run.max_events",
    "run.seed",
    "clients.rate_rps",
    "clients.users",
    "clients.think_ms",
    "clients.timeout_ms",
    "clients.max_attempts",
    "clients.schedule",
    "workload.keys",
    "workload.zipf_s",
    "workload.read_fraction",
    "workload.trace",
    "cache.capacity",
    "cache.ttl_s",
    "cache.eviction",
    "cache.lookup",
    "cache.servers",
    "db.servers",
    "db.read",
    "db.write",
    "db.queue_limit",
    "faults",
    "slo.p99_ms",
    "slo.recovery_windows",
    "cache",
    "faults.0.node",
    "cache.nodes",
    "cache.hashing",
    "cache.vnodes",
    "cache.memory_mb",
    "cache.on_node_loss",
    "cache.gutter_nodes",
    "cache.gutter_ttl_s",
    "workload.size",
    "workload.size.mean_bytes",
    "cache.hot_keys",
    "cache.hot_key_replicas",
    "db.replicas",
    "db.replica_lag",
    "db.read_from",
    "cache.remote_markers",
    "db.failover_s",
    "app.instances",
    "app.workers",
    "app.queue_limit",
    "app.balancer",
    "app.work",
    "app.health_check_s",
    "topology.zones",
    "workload.fanout",
    "workload.trace_format",
    "workload.trace_bad_rows",
    "clients.rate_file",
    "clients.rate_scale",
    "changes",
    "changes.0.at_s",
    "changes.0.set",
    "run.seed.x",
    "nö.such",
    "",
];

/// Model cases per run: 4000 by default, bounded so CI stays fast (each case
/// is a load and at most a few thousand events, ≈ 1 ms); set
/// `OUTAGE_SIM_FUZZ_CASES` for a longer hunt. Experiments get a fifth.
fn cases() -> u32 {
    std::env::var("OUTAGE_SIM_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(4000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_models_load_or_fail_located(file in any::<u16>(), edits in prop::collection::vec(edit(), 1..5)) {
        let models = shipped("models");
        let (path, text) = &models[usize::from(file) % models.len()];
        let mutated = apply(text, &edits);
        let outcome = catch_unwind(AssertUnwindSafe(|| match load_model_text(path, &mutated, &[]) {
            Ok(mut loaded) => {
                loaded.model.run.max_events = 5_000;
                // A run may fail (a trace that ends too soon, say) but not panic.
                let _ = stack::run(&loaded.model);
            }
            Err(e) => assert_located(&e, path),
        }));
        prop_assert!(outcome.is_ok(), "panicked on {}:\n{mutated}", path.display());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases() / 5, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_experiments_load_or_fail_located(file in any::<u16>(), edits in prop::collection::vec(edit(), 1..5)) {
        let experiments = shipped("experiments");
        let (path, text) = &experiments[usize::from(file) % experiments.len()];
        let mutated = apply(text, &edits);
        // Beside the original, so that its relative model path resolves.
        let copy = path.with_file_name(format!(".fuzz-{}.toml", std::process::id()));
        fs::write(&copy, &mutated).unwrap();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if let Err(e) = load_experiment(&copy).and_then(|x| outage_sim::sweep::expand(x, &[]).map(drop)) {
                assert_located(&e, &copy);
            }
            // A review's probes (the forecast, each loss) load or are
            // reported at the file, too.
            if let Ok(x) = load_experiment(&copy)
                && x.review.is_some()
            {
                match outage_sim::sweep::check_review(&x, &[], |_| {}) {
                    Ok(_) => {}
                    Err(outage_sim::sweep::ReviewError::Model(e)) => assert_located(&e, &copy),
                    Err(e) => panic!("checking a review: {e}"),
                }
            }
        }));
        fs::remove_file(&copy).unwrap();
        prop_assert!(outcome.is_ok(), "panicked on {}:\n{mutated}", path.display());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases() / 4, failure_persistence: None, ..ProptestConfig::default() })]

    /// `--set KEY=VALUE` with real and made-up keys and odd values, on
    /// every shipped model: the same rule as the file itself, located at
    /// the argument.
    #[test]
    fn odd_set_arguments_load_or_fail_located(
        file in any::<u16>(),
        sets in prop::collection::vec((any::<u16>(), any::<u16>(), "\\PC{0,10}", any::<bool>()), 1..4),
    ) {
        let models = shipped("models");
        let (path, text) = &models[usize::from(file) % models.len()];
        let sets: Vec<String> = sets
            .iter()
            .map(|(k, v, free, odd)| {
                let key = SET_KEYS[usize::from(*k) % SET_KEYS.len()];
                if *odd { format!("{key}={free}") } else { format!("{key}={}", VALUES[usize::from(*v) % VALUES.len()]) }
            })
            .collect();
        let outcome = catch_unwind(AssertUnwindSafe(|| match load_model_text(path, text, &sets) {
            Ok(mut loaded) => {
                loaded.model.run.max_events = 5_000;
                if let Err(e) = stack::run(&loaded.model) {
                    assert_bounded(&e.to_string());
                }
            }
            Err(e) => {
                assert!(!e.problems().is_empty(), "an error with no problems: {e}");
                for p in e.problems() {
                    assert_bounded(&p.to_string());
                }
            }
        }));
        prop_assert!(outcome.is_ok(), "panicked on {} with {sets:?}", path.display());
    }
}

/// One edit of a trace: the numbers pick rows, fields and values.
#[derive(Debug, Clone)]
enum TraceEdit {
    Field(usize, usize, usize),
    FieldWith(usize, usize, String),
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    LongRow(usize, usize),
    Bom,
    Truncate(usize),
}

fn trace_edit() -> impl Strategy<Value = TraceEdit> {
    let index = any::<u16>().prop_map(usize::from);
    prop_oneof![
        4 => (index.clone(), index.clone(), index.clone()).prop_map(|(r, f, v)| TraceEdit::Field(r, f, v)),
        2 => (index.clone(), index.clone(), "\\PC{0,10}").prop_map(|(r, f, s)| TraceEdit::FieldWith(r, f, s)),
        1 => index.clone().prop_map(TraceEdit::Delete),
        1 => index.clone().prop_map(TraceEdit::Duplicate),
        1 => (index.clone(), index.clone()).prop_map(|(a, b)| TraceEdit::Swap(a, b)),
        1 => (index.clone(), 0usize..10_000).prop_map(|(r, n)| TraceEdit::LongRow(r, n)),
        1 => Just(TraceEdit::Bom),
        1 => index.prop_map(TraceEdit::Truncate),
    ]
}

fn apply_trace(text: &str, edits: &[TraceEdit]) -> String {
    // The first 300 rows: enough for the 5 000 events a case runs.
    let mut rows: Vec<String> = text.lines().take(300).map(str::to_owned).collect();
    let mut bom = false;
    for edit in edits {
        if rows.is_empty() {
            rows.push(String::new());
        }
        let n = rows.len();
        let set_field = |row: &mut String, f: usize, value: &str| {
            let mut fields: Vec<String> = row.split(',').map(str::to_owned).collect();
            let i = f % fields.len();
            fields[i] = value.to_owned();
            *row = fields.join(",");
        };
        match edit {
            TraceEdit::Field(r, f, v) => set_field(&mut rows[r % n], *f, VALUES[v % VALUES.len()]),
            TraceEdit::FieldWith(r, f, s) => set_field(&mut rows[r % n], *f, s),
            TraceEdit::Delete(r) => {
                rows.remove(r % n);
            }
            TraceEdit::Duplicate(r) => rows.insert(r % n, rows[r % n].clone()),
            TraceEdit::Swap(a, b) => rows.swap(a % n, b % n),
            TraceEdit::LongRow(r, len) => rows[r % n] = format!("1.0,{},get", "7".repeat(*len)),
            TraceEdit::Bom => bom = true,
            TraceEdit::Truncate(at) => {
                let text = rows.join("\n");
                let cut = at % (text.len() + 1);
                let cut = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
                rows = text[..cut].lines().map(str::to_owned).collect();
            }
        }
    }
    format!("{}{}\n", if bom { "\u{feff}" } else { "" }, rows.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases() / 8, failure_persistence: None, ..ProptestConfig::default() })]

    /// A hand-edited or damaged request trace runs or fails with a located,
    /// bounded message (file, line) — never a panic.
    #[test]
    fn mutated_traces_run_or_fail_located(edits in prop::collection::vec(trace_edit(), 1..5)) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let model = root.join("models/trace-replay.toml");
        let text = fs::read_to_string(&model).unwrap();
        let trace = fs::read_to_string(root.join("models/traces/shop-sample.csv")).unwrap();
        let mutated = apply_trace(&trace, &edits);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trace.csv");
        fs::write(&path, &mutated).unwrap();
        let set = format!("workload.trace={:?}", path.display().to_string());
        let outcome = catch_unwind(AssertUnwindSafe(|| match load_model_text(&model, &text, &[set]) {
            Ok(mut loaded) => {
                loaded.model.run.max_events = 5_000;
                if let Err(e) = stack::run(&loaded.model) {
                    let message = e.to_string();
                    assert_bounded(&message);
                    assert!(message.contains("trace.csv:"), "located in the trace: {message}");
                }
            }
            Err(e) => {
                for p in e.problems() {
                    assert_bounded(&p.to_string());
                }
            }
        }));
        prop_assert!(outcome.is_ok(), "panicked on the trace:\n{}", &mutated[..mutated.len().min(2000)]);
    }
}
