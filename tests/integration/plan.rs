//! `outage-sim plan`: the capacity search against queueing theory, its
//! determinism, and what it says when the answer is outside the range.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{assert_rel, cli};
use crate::theory::{bisect, mmc_mean, mmc_quantile};

/// M/M/4, μ = 100/s, caching off: the database is the whole system.
const MODEL: &str = r#"
[run]
duration_s = 320.0
warmup_s = 20.0
window_s = 10.0
[workload]
keys = 10
read_fraction = 1.0
[clients]
rate_rps = 100.0
[cache]
capacity = 0
lookup = { dist = "deterministic", mean_ms = 0.0 }
[db]
servers = 4
read = { dist = "exponential", mean_ms = 10.0 }
"#;

fn setup(plan: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("model.toml"), MODEL).unwrap();
    let path = dir.path().join("plan.toml");
    fs::write(&path, format!("model = \"model.toml\"\nreplications = 4\nseed = 2\n{plan}")).unwrap();
    (dir, path)
}

fn plan(experiment: &Path, out: &Path, args: &[&str]) -> csv::StringRecord {
    cli().arg("plan").arg(experiment).arg("--out").arg(out).args(args).assert().success();
    let mut reader = csv::Reader::from_path(out.join("plan.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    header.iter().zip(row.iter()).map(|(h, v)| format!("{h}={v}")).collect()
}

fn field(row: &csv::StringRecord, name: &str) -> String {
    row.iter().find_map(|f| f.strip_prefix(&format!("{name}="))).unwrap().to_owned()
}

/// An SLO on the mean response time, judged on the mean (no confidence
/// margin, to compare with theory): the rate found is within 2 % of the
/// Erlang-C inversion W(λ) = 30 ms. Each probe runs 4 × ~90 000 requests;
/// the mean's error (~1 %) moves λ by less, W being steep in λ here.
#[test]
fn the_largest_rate_for_a_mean_slo_matches_erlang_c() {
    let (dir, experiment) = setup(
        "[plan]\nsearch = \"clients.rate_rps\"\nlow = 100.0\nhigh = 399.0\ntolerance = 0.005\nconfidence = false\nslo = { mean_ms = 30.0 }\n",
    );
    let row = plan(&experiment, &dir.path().join("out"), &[]);
    let found: f64 = field(&row, "max_value").parse().unwrap();
    let reference = bisect(|l| mmc_mean(4, l, 100.0) - 0.030, 100.0, 399.9);
    assert_eq!(field(&row, "verdict"), "found");
    assert_rel("largest λ with W ≤ 30 ms", found, reference, 0.02);
    let probes: usize = field(&row, "probes").parse().unwrap();
    // Two ends, then log2(ln(high/low)/ln(1 + tolerance)) halvings.
    let bound = 2 + ((399.0f64 / 100.0).ln() / 1.005f64.ln()).log2().ceil() as usize;
    assert!(probes <= bound, "{probes} probes, bound {bound}");
    assert_eq!(field(&row, "runs"), (4 * probes).to_string());
}

/// An SLO on p99: within 3 % of the inversion of the M/M/4 response-time
/// tail, P(W > 100 ms) = 1 %.
#[test]
fn the_largest_rate_for_a_p99_slo_matches_the_tail() {
    let (dir, experiment) = setup(
        "[plan]\nsearch = \"clients.rate_rps\"\nlow = 100.0\nhigh = 399.0\ntolerance = 0.005\nconfidence = false\nslo = { p99_ms = 100.0 }\n",
    );
    let row = plan(&experiment, &dir.path().join("out"), &[]);
    let found: f64 = field(&row, "max_value").parse().unwrap();
    let reference = bisect(|l| mmc_quantile(4, l, 100.0, 0.99) - 0.100, 100.0, 399.9);
    assert_rel("largest λ with p99 ≤ 100 ms", found, reference, 0.03);
}

#[test]
fn plans_are_the_same_on_one_and_two_threads() {
    let spec = "[plan]\nsearch = \"clients.rate_rps\"\nlow = 100.0\nhigh = 399.0\ntolerance = 0.02\ncurrent = 150.0\nslo = { p99_ms = 100.0 }\nspike = { multiplier_low = 1.1, multiplier_high = 4.0, duration_s = 20.0 }\n[[variants]]\nname = \"fifo\"\n[[variants]]\nname = \"lifo\"\nset = { \"db.discipline\" = \"lifo\" }\n";
    let (dir, experiment) = setup(spec);
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    plan(&experiment, &one, &["--threads", "1"]);
    plan(&experiment, &two, &["--threads", "2"]);
    for file in ["plan.csv", "probes.csv"] {
        assert_eq!(fs::read(one.join(file)).unwrap(), fs::read(two.join(file)).unwrap(), "{file}");
    }
    let report = fs::read_to_string(one.join("report.md")).unwrap();
    for needle in
        ["# Capacity plan", "| fifo |", "| lifo |", "![capacity per variant](capacity.png)", "## Reproduce"]
    {
        assert!(report.contains(needle), "report.md lacks {needle:?}");
    }
    assert!(one.join("capacity.png").exists());
}

/// A search whose low end already fails, or whose high end still holds,
/// says so, in the CSV and in the report, instead of passing off a bound
/// as the answer.
#[test]
fn a_range_that_misses_the_answer_says_so() {
    let (dir, experiment) = setup(
        "[plan]\nsearch = \"clients.rate_rps\"\nlow = 380.0\nhigh = 399.0\nconfidence = false\nslo = { mean_ms = 30.0 }\n",
    );
    let out = dir.path().join("below");
    let row = plan(&experiment, &out, &[]);
    assert_eq!(field(&row, "verdict"), "below-range");
    assert_eq!(field(&row, "max_value"), "");
    assert_eq!(field(&row, "probes"), "1");
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("fails already at the search's low end"), "{report}");

    let (dir, experiment) = setup(
        "[plan]\nsearch = \"clients.rate_rps\"\nlow = 50.0\nhigh = 120.0\nconfidence = false\nslo = { mean_ms = 30.0 }\n",
    );
    let out = dir.path().join("above");
    let row = plan(&experiment, &out, &[]);
    assert_eq!(field(&row, "verdict"), "above-range");
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("at least 120 (searched range too low)"), "{report}");
}

#[test]
fn an_experiment_without_a_plan_is_bad_input() {
    let (_dir, experiment) = setup("");
    let assert = cli().arg("plan").arg(&experiment).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("no [plan] section"), "{stderr}");
    let (dir, experiment) = setup("[plan]\nsearch = \"clients.rate_rps\"\nlow = 10.0\nhigh = 5.0\n");
    let out = dir.path().join("out");
    let assert = cli().arg("plan").arg(&experiment).arg("--out").arg(&out).assert().code(2);
    assert!(!out.exists(), "bad input writes nothing, not even the folder");
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("plan: needs finite low < high"), "{stderr}");
    let (_dir, experiment) = setup("[plan]\nsearch = \"clients.rate\"\nlow = 10.0\nhigh = 50.0\n");
    let assert = cli().arg("plan").arg(&experiment).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("unknown field `rate`"), "{stderr}");
}

/// A plan stopped by Ctrl-C keeps its finished probes in a journal and
/// exits 130; the same folder is then refused without `--resume` or
/// `--force`, and `--resume` runs only the probes left, to the same bytes
/// as a plan never interrupted.
#[test]
fn an_interrupted_plan_resumes_to_the_same_outputs() {
    use std::time::{Duration, Instant};
    let spec = "[plan]\nsearch = \"clients.rate_rps\"\nlow = 100.0\nhigh = 399.0\ntolerance = 0.02\ncurrent = 150.0\nslo = { p99_ms = 100.0 }\nspike = { multiplier_low = 1.1, multiplier_high = 4.0, duration_s = 20.0 }\n[[variants]]\nname = \"fifo\"\n[[variants]]\nname = \"lifo\"\nset = { \"db.discipline\" = \"lifo\" }\n";
    let (dir, experiment) = setup(spec);
    let whole = dir.path().join("whole");
    plan(&experiment, &whole, &["--threads", "1"]);

    let cut = dir.path().join("cut");
    let journal = cut.join(outage_sim::sweep::PLAN_JOURNAL);
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("outage-sim"))
        .arg("plan")
        .arg(&experiment)
        .args(["--threads", "1", "--out"])
        .arg(&cut)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while fs::read_to_string(&journal).map_or(0, |t| t.lines().count()) < 3 {
        assert!(started.elapsed() < Duration::from_secs(60), "the plan makes progress");
        std::thread::sleep(Duration::from_millis(2));
    }
    let status = std::process::Command::new("kill").arg("-INT").arg(child.id().to_string()).status();
    assert!(status.unwrap().success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("run the same command with --resume"), "{stderr}");
    assert!(!cut.join("plan.csv").exists(), "no half result");
    let kept = fs::read_to_string(&journal).unwrap().lines().count();

    let refused = cli().arg("plan").arg(&experiment).arg("--out").arg(&cut).assert().code(2);
    let message = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(message.contains("holds an interrupted plan") && message.contains("--resume"), "{message}");

    let resumed =
        cli().arg("plan").arg(&experiment).arg("--out").arg(&cut).arg("--resume").assert().success();
    let stdout = String::from_utf8_lossy(&resumed.get_output().stdout).into_owned();
    assert!(stdout.contains(&format!("({kept} probes reused from the journal)")), "{stdout}");
    for file in ["plan.csv", "probes.csv", "capacity.png"] {
        assert_eq!(fs::read(whole.join(file)).unwrap(), fs::read(cut.join(file)).unwrap(), "{file}");
    }
    assert!(!journal.exists(), "the journal goes once the plan is written");

    // --force discards a journal: nothing is reused.
    fs::write(&journal, "not a probe\n").unwrap();
    let forced = cli().arg("plan").arg(&experiment).arg("--out").arg(&cut).arg("--force").assert().success();
    assert!(!String::from_utf8_lossy(&forced.get_output().stdout).contains("reused"));
    assert_eq!(fs::read(whole.join("plan.csv")).unwrap(), fs::read(cut.join("plan.csv")).unwrap());
}
