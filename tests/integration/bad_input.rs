//! Bad input: each kind exits with code 2 and a message naming the file,
//! the key and the line, and what is allowed. Nothing is written.

use std::fs;

use crate::support::cli;

/// Runs `outage-sim run` on a model with `text` (plus `args`), expects exit
/// code 2, no panic, no output directory, and every `needles` in stderr.
fn rejects(text: &str, args: &[&str], needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.toml");
    fs::write(&path, text).unwrap();
    let out = dir.path().join("out");
    let assert = cli().arg("run").arg(&path).args(args).arg("--out").arg(&out).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        let needle = needle.replace("{file}", &path.display().to_string());
        assert!(stderr.contains(&needle), "stderr lacks {needle:?}:\n{stderr}");
    }
    assert!(!out.exists(), "bad input must not create output");
}

#[test]
fn unknown_key_names_the_key_and_the_valid_ones() {
    rejects(
        "[cache]\ncapacity = 10\nttll_s = 5\n",
        &[],
        &["{file}:3:1", "cache.ttll_s", "unknown field `ttll_s`", "`ttl_s`"],
    );
}

#[test]
fn unknown_section_is_an_error() {
    rejects("[cahce]\ncapacity = 10\n", &[], &["{file}:1:2", "unknown field `cahce`", "`cache`"]);
}

#[test]
fn wrong_type_names_the_expected_type() {
    rejects(
        "[workload]\nkeys = \"many\"\n",
        &[],
        &["{file}:2:8", "workload.keys", "expected a whole number (0 or more)"],
    );
}

#[test]
fn unknown_policy_lists_the_valid_names() {
    rejects(
        "[cache]\neviction = \"lur\"\n",
        &[],
        &[
            "{file}:2:12",
            "cache.eviction",
            "unknown variant `lur`",
            "`lru`, `fifo`, `random`, `lfu`, `sieve`, `s3fifo`, `none`",
        ],
    );
}

#[test]
fn negative_or_zero_rate_is_out_of_range() {
    for rate in ["-5.0", "0", "0.0"] {
        rejects(
            &format!("[clients]\nrate_rps = {rate}\n"),
            &[],
            &["{file}:2:12", "clients.rate_rps", "must be a number > 0"],
        );
    }
}

#[test]
fn not_a_number_is_out_of_range() {
    rejects("[clients]\nrate_rps = nan\n", &[], &["{file}:2:12", "clients.rate_rps", "got NaN"]);
    rejects("[cache]\nttl_s = inf\n", &[], &["{file}:2:9", "cache.ttl_s", "got inf"]);
}

#[test]
fn read_fraction_outside_the_unit_interval() {
    for value in ["1.5", "-0.1"] {
        rejects(
            &format!("[workload]\nread_fraction = {value}\n"),
            &[],
            &["{file}:2:17", "workload.read_fraction", ">= 0 and <= 1"],
        );
    }
}

#[test]
fn warmup_not_shorter_than_the_run() {
    rejects(
        "[run]\nduration_s = 100.0\nwarmup_s = 100.0\n",
        &[],
        &["{file}:3:12", "run.warmup_s", "must be shorter than run.duration_s"],
    );
}

#[test]
fn all_problems_of_a_file_are_reported_at_once() {
    rejects(
        "[run]\nwarmup_s = 400.0\n[clients]\nrate_rps = -1\n[db]\nservers = 0\n",
        &[],
        &["{file}:2:12: run.warmup_s", "{file}:4:12: clients.rate_rps", "{file}:6:11: db.servers"],
    );
}

#[test]
fn service_time_parameters_are_checked() {
    rejects(
        "[db]\nread = { dist = \"gamma\", mean_ms = 3.0 }\nwrite = { dist = \"exponential\", mean_ms = 3.0, cv = 2.0 }\n",
        &[],
        &["{file}:2:8: db.read: gamma needs `cv`", "{file}:3:", "db.write.cv"],
    );
}

#[test]
fn syntax_errors_are_located() {
    rejects("[db\nservers = 3\n", &[], &["{file}:1:4", "expected `]`"]);
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let assert = cli().arg("run").arg(dir.path().join("nope.toml")).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("cannot read") && stderr.contains("nope.toml"), "{stderr}");
}

#[test]
fn bad_set_arguments_name_the_argument() {
    rejects("", &["--set", "cache.ttll_s=5"], &["--set cache.ttll_s=5", "unknown field `ttll_s`"]);
    rejects(
        "",
        &["--set", "cache.ttl_s=-5"],
        &["--set cache.ttl_s=-5", "cache.ttl_s", "must be a number > 0"],
    );
    rejects("", &["--set", "cache.ttl_s=abc"], &["--set cache.ttl_s=abc", "expected a number"]);
    rejects(
        "",
        &["--set", "run.seed.x=1"],
        &["--set run.seed.x=1: run.seed.x: invalid type: map, expected a whole number (0 or more)"],
    );
    rejects(
        "[run]\nseed = 3\n",
        &["--set", "run.seed.x=1"],
        &["--set run.seed.x=1", "`run.seed` is not a table"],
    );
    rejects("", &["--set", "capacity"], &["--set capacity", "expected PATH=VALUE"]);
    rejects("", &["--set", "=5"], &["--set =5", "not a dotted key path"]);
}

/// Messages quote input bounded and escaped: a 100 kB key, value or
/// `--set` argument is named in a short excerpt, and a control byte in it
/// never reaches the terminal raw.
#[test]
fn messages_quote_long_or_raw_input_in_short_excerpts() {
    let long = "k".repeat(100_000);
    for (text, set) in [
        (format!("[run]\n{long} = 1\n"), None),
        (format!("[cache]\neviction = \"{long}\\u0001\"\n"), None),
        (String::new(), Some(format!("cache.eviction=\"{long}\\u001b[31m\""))),
        (String::new(), Some(format!("cache.{long}=1"))),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.toml");
        fs::write(&path, text).unwrap();
        let mut command = cli();
        command.arg("check").arg(&path);
        if let Some(set) = &set {
            command.args(["--set", set]);
        }
        let assert = command.assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.len() < 1000, "{} bytes: {}", stderr.len(), &stderr[..300]);
        assert!(stderr.contains("kkkk…"), "{stderr}");
        assert!(!stderr.chars().any(|c| c.is_control() && c != '\n'), "{stderr:?}");
    }
}

#[test]
fn no_input_panics_on_odd_values() {
    // Extremes that are valid TOML: each must be a clean error or a clean run.
    for text in [
        "[workload]\nkeys = 0\n",
        "[workload]\nkeys = 99999999999999\n",
        "[run]\nwindow_s = 1e-300\n",
        "[run]\nduration_s = 1e300\n",
        "[clients]\nmax_attempts = 0\n",
        "[cache]\ncapacity = -1\n",
        "[db]\nread = { dist = \"lognormal\", mean_ms = 1.0, cv = 0.0 }\n",
        "[slo]\nerror_rate = 2.0\n",
        "[run]\nseed = -1\n",
    ] {
        rejects(text, &[], &["{file}:"]);
    }
}

#[test]
fn cache_semantics_values_are_checked() {
    rejects("[cache]\nttl_s = -5.0\n", &[], &["{file}:2:9", "cache.ttl_s", "must be a number > 0"]);
    rejects("[cache]\ninvalidation_loss = 1.5\n", &[], &["{file}:2:21", "cache.invalidation_loss", "<= 1"]);
    rejects("[cache]\nttl_jitter = -0.1\n", &[], &["{file}:2:14", "cache.ttl_jitter", ">= 0"]);
    rejects("[cache]\nstampede = \"herd\"\n", &[], &["{file}:2:12", "unknown variant `herd`", "`coalesce`"]);
    rejects(
        "[cache]\nlease_wait_ms = 5.0\n",
        &[],
        &["{file}:2:17", "cache.lease_wait_ms", "applies only to cache.invalidation = \"lease\""],
    );
    rejects(
        "[cache]\nstale_window_s = 5.0\n",
        &[],
        &[
            "{file}:2:18",
            "cache.stale_window_s",
            "applies only to cache.stampede = \"stale-while-revalidate\"",
        ],
    );
    rejects(
        "[cache]\nstampede = \"early-refresh\"\n",
        &[],
        &["{file}:2:12", "cache.stampede", "set cache.ttl_s"],
    );
    rejects(
        "[cache]\ninvalidation = \"lease\"\nstampede = \"coalesce\"\n",
        &[],
        &["{file}:3:12", "redundant"],
    );
}

#[test]
fn faults_are_checked() {
    rejects(
        "[run]\nduration_s = 100.0\n[[faults]]\nkind = \"cache-flush\"\nat_s = 150.0\n",
        &[],
        &["{file}:5:8", "faults.0.at_s", "must be before the run ends"],
    );
    rejects(
        "[[faults]]\nkind = \"cache-down\"\nat_s = 10.0\n",
        &[],
        &["{file}:1:1", "faults.0.duration_s", "needs duration_s"],
    );
    rejects(
        "[[faults]]\nkind = \"db-slowdown\"\nat_s = 10.0\nduration_s = 5.0\n",
        &[],
        &["faults.0.factor", "needs factor"],
    );
    rejects(
        "[[faults]]\nkind = \"cache-flush\"\nat_s = 10.0\nfactor = 2.0\n",
        &[],
        &["{file}:4:10", "faults.0.factor", "applies only to"],
    );
    rejects("[[faults]]\nkind = \"meteor\"\nat_s = 1.0\n", &[], &["{file}:2:8", "unknown variant `meteor`"]);
}

#[test]
fn a_missing_trace_is_located() {
    rejects(
        "[workload]\ntrace = \"no-such-trace.csv\"\n",
        &[],
        &["{file}:2:9", "workload.trace", "cannot open", "no-such-trace.csv"],
    );
}

#[test]
fn a_malformed_trace_row_is_located() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("t.csv"), "t_s,key,op\n0.1,3,get\n0.2,x,get\n").unwrap();
    let model = dir.path().join("model.toml");
    fs::write(&model, "[workload]\nkeys = 10\ntrace = \"t.csv\"\n").unwrap();
    let out = dir.path().join("out");
    let assert = cli().arg("run").arg(&model).arg("--out").arg(&out).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("t.csv:3: key must be an integer from 0 to 9"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn schedules_are_checked() {
    rejects(
        "[[clients.schedule]]\nat_s = 100.0\nuntil_s = 50.0\nmultiplier = 2.0\n",
        &[],
        &["{file}:3:11", "clients.schedule.0.until_s", "must be after at_s (100)"],
    );
    rejects(
        "[[clients.schedule]]\nat_s = 10.0\nuntil_s = 50.0\nmultiplier = 2.0\n[[clients.schedule]]\nat_s = 40.0\nuntil_s = 60.0\nmultiplier = 3.0\n",
        &[],
        &["{file}:6:8", "clients.schedule.1.at_s", "without overlap", "until 50"],
    );
    rejects(
        "[[clients.schedule]]\nat_s = 10.0\nuntil_s = 50.0\nmultiplier = -2.0\n",
        &[],
        &["{file}:4:14", "clients.schedule.0.multiplier", ">= 0"],
    );
    rejects(
        "[run]\nduration_s = 100.0\n[[clients.schedule]]\nat_s = 150.0\nuntil_s = 200.0\nmultiplier = 2.0\n",
        &[],
        &["{file}:4:8", "clients.schedule.0.at_s", "before the run ends"],
    );
}

#[test]
fn retry_settings_are_checked() {
    rejects("[clients]\nbackoff_base_ms = -5.0\n", &[], &["{file}:2:19", "clients.backoff_base_ms", ">= 0"]);
    rejects(
        "[clients]\nbackoff_base_ms = 500.0\nbackoff_cap_ms = 100.0\n",
        &[],
        &["{file}:3:18", "clients.backoff_cap_ms", "must not be below clients.backoff_base_ms"],
    );
    rejects(
        "[clients]\njitter = \"some\"\n",
        &[],
        &["{file}:2:10", "unknown variant `some`", "`decorrelated`"],
    );
    rejects("[clients]\nretry_budget_ratio = -0.1\n", &[], &["{file}:2:22", "clients.retry_budget_ratio"]);
    rejects(
        "[clients]\nusers = 10\nrate_rps = 100.0\n",
        &[],
        &["{file}:3:12", "clients.rate_rps", "applies to open-loop clients"],
    );
    rejects(
        "[clients]\nthink_ms = 100.0\n",
        &[],
        &["{file}:2:12", "clients.think_ms", "only with clients.users"],
    );
    rejects("[db]\ndiscipline = \"random\"\n", &[], &["{file}:2:14", "unknown variant `random`", "`lifo`"]);
    rejects("[db]\nqueue_timeout_ms = 0.0\n", &[], &["{file}:2:20", "db.queue_timeout_ms", "> 0"]);
}

#[test]
fn alert_rules_are_checked() {
    let rule = |body: &str| format!("[[alerts]]\nname = \"x\"\n{body}");
    rejects(
        &rule("metric = \"latency\"\nop = \">\"\nthreshold = 1.0\n"),
        &[],
        &["{file}:3:10", "alerts.0.metric", "not a time-series column", "p99_ms"],
    );
    rejects(&rule("metric = \"p99_ms\"\nop = \">\"\n"), &[], &["{file}:1:1", "missing field `threshold`"]);
    rejects(
        &rule("metric = \"p99_ms\"\nop = \">\"\nthreshold = 1.0\nfor_s = -5.0\n"),
        &[],
        &["{file}:6:9", "alerts.0.for_s", ">= 0"],
    );
    rejects(
        &rule("metric = \"p99_ms\"\nop = \">=\"\nthreshold = 1.0\n"),
        &[],
        &["{file}:4:6", "alerts.0.op", "\">\" or \"<\""],
    );
}

/// The corpus under `tests/fixtures/bad/`: each `NAME.toml` (a model, an
/// experiment when its name starts with `experiment-`, a review checked
/// against its models by `review` when `review-`) must fail with exit
/// code 2, print nothing on stdout, and print exactly `NAME.stderr`.
#[test]
fn the_bad_file_corpus_gives_its_exact_messages() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let folder = root.join("tests/fixtures/bad");
    let mut checked = 0;
    for entry in fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let relative = format!("tests/fixtures/bad/{name}");
        let mut command = cli();
        command.current_dir(root);
        let out = tempfile::tempdir().unwrap();
        if name.starts_with("experiment-") {
            command.args(["sweep", &relative, "--dry-run"]);
        } else if name.starts_with("review-") {
            command.args(["review", &relative, "--out"]).arg(out.path().join("never-written"));
        } else {
            command.args(["check", &relative]);
        }
        let output = command.assert().code(2).get_output().clone();
        let expected = fs::read_to_string(path.with_extension("stderr")).unwrap();
        assert_eq!(String::from_utf8_lossy(&output.stderr), expected, "{name}");
        assert!(output.stdout.is_empty(), "{name}: nothing on stdout");
        assert!(!out.path().join("never-written").exists(), "{name}: bad input writes nothing");
        checked += 1;
    }
    assert!(checked >= 10, "the corpus is there: {checked} files");
}

/// Valid but suspicious: a cache larger than the key space is accepted,
/// with a located note on stderr.
#[test]
fn a_cache_larger_than_the_key_space_is_noted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.toml");
    fs::write(&path, "[workload]\nkeys = 100\n[cache]\ncapacity = 500\n").unwrap();
    let assert = cli().arg("check").arg(&path).assert().success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    let expected = format!(
        "note: {}:4:12: cache.capacity: 500 entries is more than workload.keys (100)",
        path.display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
}

/// Without a client timeout and with an unbounded database queue, overload
/// never shows as errors: a note says where to look instead.
#[test]
fn overload_without_timeouts_is_noted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.toml");
    fs::write(&path, "[db]\nservers = 4\n").unwrap();
    let assert = cli().arg("check").arg(&path).assert().success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    let expected =
        format!("note: {}:1:1: clients.timeout_ms: no client timeout and an unbounded", path.display());
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert!(stderr.contains("unfinished") && stderr.contains("good_ratio"), "{stderr}");
    for bound in ["clients.timeout_ms=1000", "db.queue_limit=100", "db.queue_timeout_ms=500"] {
        let assert = cli().arg("check").arg(&path).args(["--set", bound]).assert().success();
        assert!(assert.get_output().stderr.is_empty(), "{bound} bounds the overload");
    }
}

/// A sweep and a plan note it too, once, not once per job.
#[test]
fn sweeps_and_plans_note_a_suspicious_setting_once() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("model.toml"),
        "[run]\nduration_s = 2.0\nwarmup_s = 0.5\n[workload]\nkeys = 100\n[cache]\ncapacity = 500\n\
         [clients]\ntimeout_ms = 1000.0\n",
    )
    .unwrap();
    let experiment = dir.path().join("e.toml");
    fs::write(
        &experiment,
        "model = \"model.toml\"\nreplications = 3\n[axes]\n\"clients.rate_rps\" = [10, 20]\n",
    )
    .unwrap();
    let assert = cli().args(["sweep", "--dry-run"]).arg(&experiment).assert().success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    let notes = stderr.matches("note: ").count();
    assert_eq!(notes, 1, "{stderr}");
    assert!(stderr.contains("cache.capacity: 500 entries is more than workload.keys (100)"), "{stderr}");

    // And so does plan, before it searches.
    let planned = dir.path().join("p.toml");
    fs::write(
        &planned,
        "model = \"model.toml\"\nreplications = 1\n\
         [plan]\nsearch = \"clients.rate_rps\"\nlow = 10.0\nhigh = 20.0\ntolerance = 0.5\n",
    )
    .unwrap();
    let out = dir.path().join("plan-out");
    let assert = cli().arg("plan").arg(&planned).arg("--out").arg(&out).assert().success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.matches("note: ").count(), 1, "{stderr}");
}

/// A distribution `check` accepts must run: a cv so small that its square
/// is 0 once panicked in `run`; now `check` refuses it, located.
#[test]
fn a_vanishing_cv_is_refused_before_it_runs() {
    let model = crate::support::root().join("models/webshop.toml");
    let out = tempfile::tempdir().unwrap();
    for command in ["check", "run"] {
        let mut cmd = cli();
        cmd.arg(command).arg(&model).args(["--set", r#"db.read={dist="gamma",mean_ms=1,cv=1e-160}"#]);
        if command == "run" {
            cmd.arg("--out").arg(out.path().join("run"));
        }
        let assert = cmd.assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains("db.read.cv: must be a number >= 0.000001"), "{command}: {stderr}");
    }
}

/// Variant names become folder names: `.`, `..`, empty, a slash, a space
/// or 300 characters would lose or overwrite timelines, so they are
/// refused, located at the name.
#[test]
fn unsafe_variant_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = crate::support::root().join("models/webshop.toml");
    let long = "x".repeat(300);
    for name in [".", "..", "", "a/b", "a b", long.as_str(), "../etc"] {
        let path = dir.path().join("e.toml");
        fs::write(
            &path,
            format!("model = {:?}\n[[variants]]\nname = {name:?}\n", model.display().to_string()),
        )
        .unwrap();
        let assert = cli().args(["sweep", "--dry-run"]).arg(&path).assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.contains(&format!(
                "{}:3:8: variants.0.name: a variant's name is a folder name",
                path.display()
            )),
            "{name:?}: {stderr}"
        );
        assert!(stderr.len() < 400, "the message quotes a short excerpt: {stderr}");
    }
}

/// A model or experiment that is a device, a FIFO, a folder or far too
/// large is refused at once (exit 2), never read until memory runs out
/// or the command hangs.
#[test]
fn inputs_that_are_not_model_files_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    fs::write(&big, vec![b'#'; (outage_sim::scenario::MAX_INPUT_BYTES + 1) as usize]).unwrap();
    let fifo = dir.path().join("fifo.toml");
    let has_fifo = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let mut cases = vec![
        (std::path::PathBuf::from("/dev/zero"), "not a regular file"),
        (dir.path().to_owned(), "not a regular file"),
        (big, "is more than a model or experiment file may have"),
    ];
    if has_fifo {
        cases.push((fifo, "not a regular file"));
    }
    for (path, message) in cases {
        for args in [&["check"][..], &["sweep", "--dry-run"][..]] {
            let started = std::time::Instant::now();
            let assert =
                cli().args(args).arg(&path).timeout(std::time::Duration::from_secs(20)).assert().code(2);
            let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
            assert!(stderr.contains(message), "{}: {stderr}", path.display());
            assert!(started.elapsed().as_secs() < 10, "at once");
        }
    }
}

/// Limits a run can afford, checked before the first event, saying the
/// memory the value would need: more than 10⁵ windows, more than 10⁷
/// requests in flight.
#[test]
fn limits_say_the_memory_they_guard() {
    let model = crate::support::root().join("models/webshop.toml");
    for (set, message) in [
        ("run.window_s=0.0001", "gives 3000000 windows over 300 s"),
        ("run.max_in_flight=4294967295", "4294967295 requests in flight would need ≈ 447 GB"),
    ] {
        let assert = cli().arg("check").arg(&model).args(["--set", set]).assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.contains(message) && (stderr.contains(" MB") || stderr.contains(" GB")),
            "{set}: {stderr}"
        );
    }
}
