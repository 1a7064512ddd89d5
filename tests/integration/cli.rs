//! The command line as a user meets it.

use std::fs;

use crate::support::{cli, root};

const SUMMARY_COLUMNS: &str = "seed,status,requests,successes,errors,error_rate,timeouts,rejected,\
attempts,hit_ratio,stale_ratio,mean_ms,p50_ms,p90_ms,p99_ms,p999_ms,max_ms,db_utilization,\
recovered,recovery_s,events,good_ratio,user_p50_ms,user_p99_ms,user_p999_ms,recovery";

const TIMESERIES_COLUMNS: [&str; 11] = [
    "requests",
    "successes",
    "errors",
    "error_rate",
    "hit_ratio",
    "stale_ratio",
    "p50_ms",
    "p99_ms",
    "db_queue",
    "db_utilization",
    "in_flight",
];

#[test]
fn run_writes_summary_and_timeseries_and_prints_a_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("webshop");
    let assert = cli()
        .args(["run", "models/webshop.toml", "--set", "run.duration_s=20", "--set", "run.warmup_s=2"])
        .arg("--out")
        .arg(&out)
        .current_dir(root())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    for needle in ["status ok", "hit ratio", "p99", "summary.csv"] {
        assert!(stdout.contains(needle), "stdout lacks {needle:?}:\n{stdout}");
    }
    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut lines = summary.lines();
    assert!(lines.next().unwrap().starts_with(SUMMARY_COLUMNS));
    let row = lines.next().unwrap();
    assert!(row.starts_with("42,ok,"), "{row}");
    assert_eq!(lines.next(), None, "one row");
    let timeseries = fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header: Vec<&str> = timeseries.lines().next().unwrap().split(',').collect();
    assert_eq!(header[0], "t_s");
    for column in TIMESERIES_COLUMNS {
        assert!(header.contains(&column), "timeseries.csv lacks {column}");
    }
    assert_eq!(timeseries.lines().count(), 1 + 20, "a header and one row per 1 s window");
    let mut files: Vec<_> =
        fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(
        files,
        [
            ".outage-sim.lock",
            "alerts.csv",
            "nodes.csv",
            "run.json",
            "summary.csv",
            "timeline.png",
            "timeseries.csv"
        ],
        "no temporary files left (the lock file stays: deleting it would race the next writer)"
    );
}

#[test]
fn seed_flag_overrides_the_model_seed() {
    let tmp = tempfile::tempdir().unwrap();
    cli()
        .args([
            "run",
            "models/webshop.toml",
            "--set",
            "run.duration_s=5",
            "--set",
            "run.warmup_s=1",
            "--seed",
            "9",
        ])
        .arg("--out")
        .arg(tmp.path())
        .current_dir(root())
        .assert()
        .success();
    let summary = fs::read_to_string(tmp.path().join("summary.csv")).unwrap();
    assert!(summary.lines().nth(1).unwrap().starts_with("9,ok,"));
}

#[test]
fn check_prints_the_resolved_model_with_defaults() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("m.toml");
    fs::write(&path, "[clients]\nrate_rps = 123.0\n").unwrap();
    let assert = cli().arg("check").arg(&path).args(["--set", "cache.eviction=fifo"]).assert().success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    for needle in ["valid", "rate_rps = 123.0", "eviction = \"fifo\"", "duration_s = 300.0", "[db.read]"] {
        assert!(stdout.contains(needle), "stdout lacks {needle:?}:\n{stdout}");
    }
    // What check prints is itself a valid model.
    let body: String = stdout.lines().skip(1).collect::<Vec<_>>().join("\n");
    let again = tmp.path().join("resolved.toml");
    fs::write(&again, body).unwrap();
    cli().arg("check").arg(&again).assert().success();
}

#[test]
fn usage_errors_exit_2() {
    cli().assert().code(2);
    cli().args(["run"]).assert().code(2);
    cli().args(["frobnicate"]).assert().code(2);
}

/// `run` and `plan` check their output directory before simulating: a file
/// is bad input (2), a directory that cannot be made a failed run (1).
#[test]
fn run_and_plan_check_the_output_directory_first() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let root = root();
    for (command, input) in [("run", "models/webshop.toml"), ("plan", "experiments/capacity-plan.toml")] {
        let stderr = |out: &std::path::Path, code: i32| {
            let assert =
                cli().current_dir(&root).args([command, input]).arg("--out").arg(out).assert().code(code);
            String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
        };
        let started = std::time::Instant::now();
        let e = stderr(&file, 2);
        assert!(e.contains("a-file: is a file, not a directory"), "{command}: {e}");
        let e = stderr(&file.join("sub"), 1);
        assert!(e.contains("cannot write to") && e.contains("Not a directory"), "{command}: {e}");
        assert!(started.elapsed().as_secs_f64() < 2.0, "{command}: before simulating");
    }
}

#[test]
fn set_addresses_an_entry_of_an_array_of_tables_by_number() {
    let text = "[run]\nduration_s = 100.0\n\
                [[faults]]\nkind = \"cache-flush\"\nat_s = 10.0\n\
                [[faults]]\nkind = \"cache-flush\"\nat_s = 50.0\n";
    let at = |overrides: &[&str]| -> Vec<f64> {
        let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        crate::support::model(text, &overrides).faults.iter().map(|f| f.at.as_secs()).collect()
    };
    assert_eq!(at(&["faults.0.at_s=20"]), [20.0, 50.0], "numbered from 0");
    assert_eq!(at(&["faults.1.at_s=60"]), [10.0, 60.0]);
    assert_eq!(at(&["faults.at_s=70"]), [10.0, 70.0], "no number: the last entry");
    assert_eq!(at(&["faults.0={ kind = \"cache-flush\", at_s = 5.0 }"]), [5.0, 50.0], "a whole entry");

    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("m.toml");
    fs::write(&path, text).unwrap();
    for (set, message) in [
        ("faults.2.at_s=1", "`faults` has 2 entries; entries are numbered from 0, so 2 is out of range"),
        ("faults.7=1", "`faults` has 2 entries; entries are numbered from 0, so 7 is out of range"),
        ("faults.0=1", "faults.0: invalid type: integer `1`, expected a table"),
    ] {
        let assert = cli().arg("check").arg(&path).args(["--set", set]).assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains(message), "--set {set}: {stderr}");
    }
}

/// `--set KEY=null` takes an optional key out, and `check` shows it as
/// absent; a key the model does not have is located bad input. In an
/// experiment, a variant's `unset` does the same.
#[test]
fn null_removes_an_optional_key() {
    let webshop = root().join("models/webshop.toml");
    let out = cli().arg("check").arg(&webshop).args(["--set", "cache.ttl_s=null"]).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("# ttl_s — absent: entries never expire"), "{stdout}");
    assert!(!stdout.contains("ttl_s = "), "{stdout}");
    let bad = cli().arg("check").arg(&webshop).args(["--set", "cache.tll_s=null"]).assert().code(2);
    let stderr = String::from_utf8_lossy(&bad.get_output().stderr).into_owned();
    assert!(stderr.contains("--set cache.tll_s=null: `cache.tll_s` is not a model key"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let experiment = dir.path().join("e.toml");
    fs::write(
        &experiment,
        format!(
            "model = \"{}\"\n[[variants]]\nname = \"no-ttl\"\nunset = [\"cache.ttl_s\", \"cache.tll\"]\n",
            webshop.display()
        ),
    )
    .unwrap();
    let bad = cli().args(["sweep", "--dry-run"]).arg(&experiment).assert().code(2);
    let stderr = String::from_utf8_lossy(&bad.get_output().stderr).into_owned();
    assert!(stderr.contains(&format!("{}:4:", experiment.display())), "located: {stderr}");
    assert!(stderr.contains("`cache.tll` is not a model key"), "{stderr}");
}

/// `run --out` into a sweep's or a plan's results refuses, as `sweep`
/// does, unless `--force`; a previous run's folder is simply replaced.
#[test]
fn run_does_not_write_into_a_sweeps_results() {
    let dir = tempfile::tempdir().unwrap();
    let model = root().join("models/webshop.toml");
    let short = ["--set", "run.duration_s=2", "--set", "run.warmup_s=1"];
    for (file, what) in [("experiment.json", "a sweep's results"), ("plan.csv", "a plan's results")] {
        let out = dir.path().join(file);
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join(file), "{}").unwrap();
        let refused = cli().arg("run").arg(&model).args(short).arg("--out").arg(&out).assert().code(2);
        let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
        assert!(stderr.contains(&format!("holds {what} ({file})")) && stderr.contains("--force"), "{stderr}");
        assert!(!out.join("summary.csv").exists(), "nothing written");
        cli().arg("run").arg(&model).args(short).arg("--out").arg(&out).arg("--force").assert().success();
        assert!(out.join("summary.csv").exists());
    }
    let out = dir.path().join("run");
    for _ in 0..2 {
        cli().arg("run").arg(&model).args(short).arg("--out").arg(&out).assert().success();
    }
}

/// A run replaces its folder's files as one set, and the next run clears
/// what a killed one left (temporaries) before writing.
#[test]
fn a_run_replaces_its_files_as_a_set_and_clears_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    let model = root().join("models/webshop.toml");
    let out = dir.path().join("run");
    let short = ["--set", "run.duration_s=3", "--set", "run.warmup_s=1"];
    cli().arg("run").arg(&model).args(short).arg("--out").arg(&out).assert().success();
    let leftover = out.join(".timeseries.csv.tmp-99999");
    fs::write(&leftover, "half a file").unwrap();
    cli().arg("run").arg(&model).args(short).args(["--seed", "9"]).arg("--out").arg(&out).assert().success();
    assert!(!leftover.exists(), "a killed run's temporary is cleared");
    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.lines().nth(1).unwrap().starts_with("9,"), "the new run's summary: {summary}");
    let meta = fs::read_to_string(out.join("run.json")).unwrap();
    assert!(!meta.is_empty() && out.join("timeline.png").exists());
}

/// A run a guard stops before its first window closes (10⁷ users who do
/// not think) still writes whole files with their headers, says it
/// diverged and did not recover — never "no column t_s".
#[test]
fn a_run_stopped_at_once_writes_headers_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let assert = cli()
        .arg("run")
        .arg(root().join("models/webshop.toml"))
        .args([
            "--set",
            "clients.rate_rps=null",
            "--set",
            "clients.users=2000000",
            "--set",
            "clients.think_ms=0",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        stdout.contains("status diverged") && stdout.contains("NOT recovered: a guard stopped the run"),
        "{stdout}"
    );
    let timeseries = fs::read_to_string(out.join("timeseries.csv")).unwrap();
    assert!(timeseries.starts_with("t_s,"), "{timeseries}");
    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.contains(",diverged,") && summary.contains("not-recovered"), "{summary}");
}
