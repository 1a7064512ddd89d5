//! Sweeps: determinism across threads and shards, confidence intervals,
//! common random numbers, interruption and resumption, bad experiments.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::cli;
use crate::theory::mmc_mean;

/// An M/M/1 database (μ = 100/s) behind a cache that is off.
const MODEL: &str = r#"
[run]
duration_s = 60.0
warmup_s = 10.0
window_s = 10.0
[workload]
keys = 100
read_fraction = 1.0
[clients]
rate_rps = 50.0
[cache]
capacity = 0
lookup = { dist = "deterministic", mean_ms = 0.0 }
[db]
servers = 1
read = { dist = "exponential", mean_ms = 10.0 }
"#;

/// A folder with `model.toml` and `experiment.toml` (`experiment` is the
/// body after the `model = ...` line).
fn setup(experiment: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("model.toml"), MODEL).unwrap();
    let path = dir.path().join("experiment.toml");
    fs::write(&path, format!("model = \"model.toml\"\n{experiment}")).unwrap();
    (dir, path)
}

const GRID: &str = r#"
replications = 3
seed = 7
[axes]
"clients.rate_rps" = { from = 20, to = 80, steps = 4 }
"db.servers" = [1, 2]
[[variants]]
name = "fifo"
[[variants]]
name = "lifo"
set = { "db.discipline" = "lifo" }
"#;

fn sweep(experiment: &Path, out: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    cli().arg("sweep").arg(experiment).arg("--out").arg(out).arg("--quiet").args(args).assert()
}

fn outputs(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    (fs::read(dir.join("runs.csv")).unwrap(), fs::read(dir.join("summary.csv")).unwrap())
}

#[test]
fn threads_and_shards_give_the_same_bytes() {
    let (dir, experiment) = setup(GRID);
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    sweep(&experiment, &one, &["--threads", "1"]).success();
    sweep(&experiment, &two, &["--threads", "2"]).success();
    assert_eq!(outputs(&one), outputs(&two), "1 and 2 threads");
    let runs = String::from_utf8(outputs(&one).0).unwrap();
    assert_eq!(runs.lines().count(), 1 + 2 * 4 * 2 * 3, "a header and 48 jobs");
    assert!(runs.starts_with("job,variant,clients.rate_rps,db.servers,replication,config_hash,seed,status,"));

    let mut shards = Vec::new();
    for k in 0..3 {
        let shard = dir.path().join(format!("shard{k}"));
        sweep(&experiment, &shard, &["--shard", &format!("{k}/3")]).success();
        shards.push(shard);
    }
    let merged = dir.path().join("merged");
    cli().arg("merge").args(&shards).arg("--out").arg(&merged).assert().success();
    assert_eq!(outputs(&one), outputs(&merged), "three shards merged");
    let manifest = fs::read_to_string(merged.join("experiment.json")).unwrap();
    assert!(manifest.contains("\"shard\": null") && manifest.contains("\"version\""));
}

#[test]
fn slurm_array_variables_pick_the_shard() {
    let (dir, experiment) = setup(GRID);
    let out = dir.path().join("task1");
    cli()
        .arg("sweep")
        .arg(&experiment)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "4")
        .assert()
        .success();
    let runs = fs::read_to_string(out.join("runs.csv")).unwrap();
    let jobs: Vec<usize> =
        runs.lines().skip(1).map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
    assert_eq!(jobs, (0..48).filter(|j| j % 4 == 1).collect::<Vec<_>>());
}

/// Slurm's array variables set but malformed are bad input, never a
/// silent run of the whole sweep in every task.
#[test]
fn malformed_slurm_array_variables_are_refused() {
    let (dir, experiment) = setup(GRID);
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[("SLURM_ARRAY_TASK_ID", "one"), ("SLURM_ARRAY_TASK_COUNT", "4")],
            "SLURM_ARRAY_TASK_ID is set to \"one\"",
        ),
        (
            &[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "4x")],
            "SLURM_ARRAY_TASK_COUNT is set to \"4x\"",
        ),
        (&[("SLURM_ARRAY_TASK_ID", "1")], "SLURM_ARRAY_TASK_COUNT is not"),
        (&[("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_COUNT", "4")], "from SLURM_ARRAY_TASK_ID/COUNT"),
    ];
    for (vars, message) in cases {
        let out = dir.path().join("never");
        let mut command = cli();
        command.arg("sweep").arg(&experiment).arg("--out").arg(&out).arg("--quiet");
        for (name, value) in vars {
            command.env(name, value);
        }
        let assert = command.assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains(message), "{vars:?}: {stderr}");
        assert!(!out.join("runs.csv").exists(), "nothing ran");
    }
}

/// 20 replications of an M/M/1 point (λ = 80, μ = 100, 4 000 requests
/// each): the 95 % interval of the mean response time covers the exact
/// 50 ms; and s/√n — the half-width without its t factor — halves when
/// replications quadruple (5 → 20; the band allows for the sampling error of
/// s at n = 5).
#[test]
fn confidence_intervals_cover_the_reference_and_shrink() {
    let interval = |replications: u32| {
        let (dir, experiment) = setup(&format!(
            "replications = {replications}\nseed = 3\nset = {{ \"clients.rate_rps\" = 80.0 }}\n"
        ));
        let out = dir.path().join("out");
        sweep(&experiment, &out, &[]).success();
        let mut reader = csv::Reader::from_path(out.join("summary.csv")).unwrap();
        let header = reader.headers().unwrap().clone();
        let row = reader.records().next().unwrap().unwrap();
        let get = |name: &str| row[header.iter().position(|h| h == name).unwrap()].parse::<f64>().unwrap();
        (get("mean_ms_mean"), get("mean_ms_ci95"))
    };
    let t = |df: f64| {
        use statrs::distribution::{ContinuousCDF, StudentsT};
        StudentsT::new(0.0, 1.0, df).unwrap().inverse_cdf(0.975)
    };
    let reference_ms = mmc_mean(1, 80.0, 100.0) * 1e3;
    let (mean20, half20) = interval(20);
    eprintln!("20 replications: {mean20:.2} ± {half20:.2} ms (reference {reference_ms:.2})");
    assert!((mean20 - reference_ms).abs() <= half20, "the interval covers the reference");
    let (_, half5) = interval(5);
    let ratio = (half5 / t(4.0)) / (half20 / t(19.0));
    eprintln!("standard error ratio n=5 / n=20: {ratio:.2} (1/√n predicts 2)");
    assert!((1.3..3.0).contains(&ratio), "{ratio}");
}

/// Two variants that differ only by a setting with no effect (a retry
/// budget's burst with no budget) share their random numbers: identical
/// results, row for row.
#[test]
fn common_random_numbers_make_identical_variants_identical() {
    let (dir, experiment) = setup(
        "replications = 2\n[axes]\n\"clients.rate_rps\" = [40, 80]\n[[variants]]\nname = \"a\"\n[[variants]]\nname = \"b\"\nset = { \"clients.retry_budget_burst\" = 99.0 }\n",
    );
    let out = dir.path().join("out");
    sweep(&experiment, &out, &[]).success();
    let (_, rows) = outage_sim::files::read_runs(&out.join("runs.csv")).unwrap();
    let (a, b): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.variant == "a");
    assert_eq!(a.len(), 4);
    for (a, b) in a.iter().zip(&b) {
        assert_eq!(a.summary, b.summary);
        assert_ne!(a.config_hash, b.config_hash, "the configurations differ");
    }
}

/// Jobs slow enough (≈ 0.1 s each) to interrupt a sweep between them, all
/// of one size (the same load), so that the longest-first order is the job
/// order and the last jobs are not the quickest.
const SLOW: &str = "replications = 4\nseed = 5\nset = { \"run.duration_s\" = 1500.0, \"clients.rate_rps\" = 60 }\n[axes]\n\"db.servers\" = [1, 2, 3]\n";

/// A sweep in the background, its stderr captured.
fn spawn_sweep(experiment: &Path, out: &Path, threads: &str) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("outage-sim"))
        .arg("sweep")
        .arg(experiment)
        .args(["--threads", threads, "--quiet", "--out"])
        .arg(out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Sends `signal` (a `kill` option such as `-TERM`) to `child` once its
/// journal holds `rows` rows, `times` times.
fn signal_after(child: &std::process::Child, journal: &Path, rows: usize, signal: &str, times: usize) {
    let started = Instant::now();
    while fs::read_to_string(journal).map_or(0, |t| t.lines().count()) < rows + 1 {
        assert!(started.elapsed() < Duration::from_secs(60), "the sweep makes progress");
        std::thread::sleep(Duration::from_millis(2));
    }
    for _ in 0..times {
        let status = std::process::Command::new("kill").arg(signal).arg(child.id().to_string()).status();
        assert!(status.unwrap().success());
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A sweep killed mid-way (SIGKILL: no chance to tidy up) leaves only
/// complete files (finished rows in the journal, nothing else); `--resume`
/// then produces the same outputs as a run never interrupted.
#[test]
fn a_killed_sweep_resumes_to_the_same_outputs() {
    let (dir, experiment) = setup(SLOW);
    let whole = dir.path().join("whole");
    sweep(&experiment, &whole, &["--threads", "1"]).success();

    let cut = dir.path().join("cut");
    let journal = cut.join(outage_sim::sweep::JOURNAL);
    let mut child = spawn_sweep(&experiment, &cut, "1");
    signal_after(&child, &journal, 3, "-KILL", 1);
    child.wait().unwrap();
    assert!(!cut.join("runs.csv").exists() && !cut.join("summary.csv").exists());
    let text = fs::read_to_string(&journal).unwrap();
    let (_, rows) = outage_sim::files::read_runs(&journal).unwrap();
    assert!(rows.len() >= 3 && rows.len() < 12, "interrupted after {} jobs", rows.len());
    assert_eq!(text.lines().count(), 1 + rows.len() + usize::from(!text.ends_with('\n')));

    let assert = sweep(&experiment, &cut, &["--resume"]).success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(stdout.contains(&format!("{} reused", rows.len())), "{stdout}");
    assert_eq!(outputs(&whole), outputs(&cut));
    assert!(!journal.exists(), "the journal is gone once runs.csv is whole");
}

/// SIGTERM (once: stop starting jobs; twice: quit at once) at several
/// points of a sweep: it exits with 130 and a hint to resume, leaves only
/// whole files, and `--resume` gives the bytes of an uninterrupted run.
#[test]
fn a_terminated_sweep_resumes_to_the_same_outputs() {
    let (dir, experiment) = setup(SLOW);
    let whole = dir.path().join("whole");
    sweep(&experiment, &whole, &["--threads", "2"]).success();
    for (k, (rows, times)) in [(1, 1), (4, 1), (7, 1), (3, 2)].into_iter().enumerate() {
        let cut = dir.path().join(format!("cut{k}"));
        let journal = cut.join(outage_sim::sweep::JOURNAL);
        let child = spawn_sweep(&experiment, &cut, "2");
        signal_after(&child, &journal, rows, "-TERM", times);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(130), "{stderr}");
        if times == 1 {
            assert!(stderr.contains("--resume"), "says how to resume: {stderr}");
        }
        assert!(!cut.join("runs.csv").exists(), "no results before every job is done");
        let (_, kept) = outage_sim::files::read_runs(&journal).unwrap();
        assert!(kept.len() >= rows && kept.len() < 12, "stopped after {} jobs", kept.len());
        sweep(&experiment, &cut, &["--resume", "--threads", "1"]).success();
        assert_eq!(outputs(&whole), outputs(&cut), "kill point {rows} rows, {times} signal(s)");
    }
}

/// The output directory is checked before any job runs.
#[test]
fn output_directory_problems_are_reported_up_front() {
    let (dir, experiment) = setup(GRID);
    let err = |assert: assert_cmd::assert::Assert| {
        String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
    };

    let file = dir.path().join("a-file");
    fs::write(&file, "x").unwrap();
    let e = err(sweep(&experiment, &file, &[]).code(2));
    assert!(e.contains("a-file: is a file, not a directory"), "{e}");
    let e = err(sweep(&experiment, &file.join("sub"), &[]).code(1));
    assert!(e.contains("cannot write to") && e.contains("a-file/sub"), "{e}");

    let stranger = dir.path().join("stranger");
    fs::create_dir(&stranger).unwrap();
    fs::write(stranger.join("notes.txt"), "mine").unwrap();
    let e = err(sweep(&experiment, &stranger, &[]).code(2));
    assert!(e.contains("holds no sweep results") && e.contains("--force"), "{e}");

    // Another experiment's results: refused unless --force.
    let other = dir.path().join("other.toml");
    fs::write(&other, "model = \"model.toml\"\nreplications = 1\n").unwrap();
    let theirs = dir.path().join("theirs");
    sweep(&other, &theirs, &[]).success();
    let e = err(sweep(&experiment, &theirs, &[]).code(2));
    assert!(e.contains("holds the results of") && e.contains("other.toml") && e.contains("--force"), "{e}");
    sweep(&other, &theirs, &[]).success();
    sweep(&experiment, &theirs, &["--force"]).success();

    // An interrupted sweep: refused unless --resume (or --force).
    let cut = dir.path().join("cut");
    fs::create_dir(&cut).unwrap();
    fs::write(cut.join(outage_sim::sweep::JOURNAL), "").unwrap();
    let e = err(sweep(&experiment, &cut, &[]).code(2));
    assert!(e.contains("interrupted sweep") && e.contains("--resume"), "{e}");

    // Unwritable: found before simulating (root ignores permissions).
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    let mut permissions = fs::metadata(&locked).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o555);
    fs::set_permissions(&locked, permissions).unwrap();
    if fs::write(locked.join("probe"), "").is_err() {
        let started = Instant::now();
        let e = err(sweep(&experiment, &locked.join("out"), &[]).code(1));
        assert!(e.contains("cannot write to") && e.contains("locked"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(5), "before the simulations");
    }
}

#[test]
fn dry_run_lists_the_jobs() {
    let (_dir, experiment) = setup(GRID);
    let assert = cli().arg("sweep").arg(&experiment).arg("--dry-run").assert().success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "job\tvariant\tclients.rate_rps\tdb.servers\treplication\tseed");
    assert_eq!(lines.len(), 49);
    assert!(lines[1].starts_with("0\tfifo\t20\t1\t0\t"));
}

fn rejects(experiment: &str, needles: &[&str]) {
    let (dir, path) = setup(experiment);
    let out = dir.path().join("out");
    let assert = sweep(&path, &out, &[]).code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for needle in needles {
        let needle = needle.replace("{file}", &path.display().to_string());
        assert!(stderr.contains(&needle), "stderr lacks {needle:?}:\n{stderr}");
    }
    assert!(!out.exists(), "bad input writes nothing");
}

#[test]
fn bad_experiments_are_located() {
    rejects(
        "[axes]\n\"cache.capacty\" = [1, 2]\n",
        &["{file}:3:20", "cache.capacty", "unknown field `capacty`"],
    );
    rejects(
        "[axes]\n\"clients.rate_rps\" = { from = 10, to = 20, steps = 1 }\n",
        &["{file}:3:22", "steps >= 2"],
    );
    rejects(
        "[axes]\n\"clients.rate_rps\" = { from = 0, to = 20, steps = 3, scale = \"log\" }\n",
        &["{file}:3:22", "log range needs from and to > 0"],
    );
    rejects(
        "[axes]\n\"clients.rate_rps\" = [10, 20]\n[[variants]]\nname = \"x\"\nset = { \"clients.rate_rps\" = 5 }\n",
        &["{file}:6:30", "is an axis: a variant may not override it"],
    );
    rejects(
        "[axes]\n\"clients.rate_rps\" = [10, -20]\n",
        &["{file}:3:27", "clients.rate_rps", "must be a number > 0"],
    );
    rejects(
        "[[variants]]\nname = \"x\"\nset = { \"cache.eviction\" = \"lur\" }\n",
        &["{file}:4:28", "cache.eviction", "unknown variant `lur`"],
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.toml");
    fs::write(&path, "model = \"nowhere.toml\"\n").unwrap();
    let assert = cli().arg("sweep").arg(&path).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains(&format!("{}:1:9: model: cannot read", path.display())), "{stderr}");
}

#[test]
fn merge_refuses_outputs_of_different_experiments() {
    let (dir, a) = setup(GRID);
    let out_a = dir.path().join("a");
    sweep(&a, &out_a, &["--shard", "0/2"]).success();
    let (dir_b, b) = setup("[axes]\n\"db.servers\" = [1, 2]\n");
    let out_b = dir_b.path().join("b");
    sweep(&b, &out_b, &[]).success();
    let assert =
        cli().arg("merge").arg(&out_a).arg(&out_b).arg("--out").arg(dir.path().join("m")).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("not shards of one experiment"), "{stderr}");
}

/// The command line's `--set` wins over the experiment's `set` and its
/// variants' (the short version of a big experiment), and a `--set` of an
/// axis is refused: it would give every point the same value.
#[test]
fn command_line_overrides_win_over_the_experiment() {
    let (dir, path) = setup(
        "set = { \"run.duration_s\" = 60.0 }\n[axes]\n\"clients.rate_rps\" = [20, 40]\n\
         [[variants]]\nname = \"slow\"\nset = { \"run.duration_s\" = 50.0 }\n",
    );
    let out = dir.path().join("out");
    sweep(&path, &out, &["--set", "run.duration_s=15", "--set", "run.warmup_s=5"]).success();
    let runs = fs::read_to_string(out.join("runs.csv")).unwrap();
    let mut lines = runs.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let end = header.iter().position(|c| *c == "end_s").unwrap();
    for line in lines {
        let end_s: f64 = line.split(',').nth(end).unwrap().parse().unwrap();
        assert_eq!(end_s, 15.0, "every job runs 15 s: {line}");
    }
    let refused = sweep(&path, &dir.path().join("out2"), &["--set", "clients.rate_rps=30"]).code(2);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(
        stderr.contains("--set clients.rate_rps=30: clients.rate_rps: is an axis of the experiment"),
        "{stderr}"
    );
}

/// `merge` never writes into one of its inputs, checks `--out` as `sweep`
/// does (another experiment's results are refused without `--force`), and
/// keeps each timeline's `alerts.csv`.
#[test]
fn merge_protects_its_inputs_and_other_results() {
    let (dir, experiment) = setup(GRID);
    let shard = |k: usize| {
        let out = dir.path().join(format!("shard-{k}"));
        sweep(&experiment, &out, &["--shard", &format!("{k}/2")]).success();
        out
    };
    let (s0, s1) = (shard(0), shard(1));
    let before: Vec<(PathBuf, Vec<u8>)> =
        walk(&s0).into_iter().map(|p| (p.clone(), fs::read(&p).unwrap())).collect();
    let merge = |out: &Path, extra: &[&str]| {
        cli().arg("merge").arg(&s0).arg(&s1).arg("--out").arg(out).args(extra).assert()
    };
    let refused = merge(&s0, &[]).code(2);
    assert!(
        String::from_utf8_lossy(&refused.get_output().stderr).contains("is one of the shards being merged")
    );
    for (path, bytes) in &before {
        assert_eq!(&fs::read(path).unwrap(), bytes, "{} unchanged", path.display());
    }
    let merged = dir.path().join("merged");
    merge(&merged, &[]).success();
    assert!(walk(&merged).iter().any(|p| p.ends_with("alerts.csv")), "timelines keep alerts.csv");
    // Another experiment's results in the way: refused, then --force.
    let (other_dir, other) = setup("[axes]\n\"clients.rate_rps\" = [20]\n");
    let theirs = other_dir.path().join("out");
    sweep(&other, &theirs, &[]).success();
    let refused = merge(&theirs, &[]).code(2);
    assert!(String::from_utf8_lossy(&refused.get_output().stderr).contains("holds the results of"));
    merge(&theirs, &["--force"]).success();
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out.sort();
    out
}

/// One writer per output folder: while another process holds its lock, a
/// sweep, a run or a merge into it exits 2 naming the holder, writing
/// nothing; once released, the folder is usable again.
#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_folder() {
    let (dir, experiment) = setup("[axes]\n\"clients.rate_rps\" = [20]\n");
    let out = dir.path().join("out");
    fs::create_dir_all(&out).unwrap();
    let lock_path = out.join(".outage-sim.lock");
    let holder =
        fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&lock_path).unwrap();
    holder.try_lock().unwrap();
    fs::write(&lock_path, "pid 4242: outage-sim sweep other.toml").unwrap();
    let refused = sweep(&experiment, &out, &[]).code(2);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(
        stderr.contains("is being written by another outage-sim (pid 4242: outage-sim sweep other.toml)"),
        "{stderr}"
    );
    let model = dir.path().join("model.toml");
    let run = cli().arg("run").arg(&model).arg("--out").arg(&out).assert().code(2);
    assert!(
        String::from_utf8_lossy(&run.get_output().stderr).contains("is being written by another outage-sim")
    );
    assert!(!out.join("runs.csv").exists() && !out.join("summary.csv").exists(), "nothing written");
    drop(holder);
    sweep(&experiment, &out, &[]).success();
}

/// A non-numeric or table axis runs end to end. By default the load is
/// x and each of the axis's values a line; named as a chart's x, its
/// values are categories in the axis's order. Charts a new configuration
/// no longer draws are removed, not left to be read as its own.
#[test]
fn non_numeric_and_table_axes_are_charted_by_their_values() {
    let (dir, experiment) = setup(
        "[axes]\n\"db.read\" = [{ dist = \"exponential\", mean_ms = 2 }, { dist = \"lognormal\", mean_ms = 2, cv = 3 }]\n\
         \"db.discipline\" = [\"fifo\", \"lifo\"]\n\"clients.rate_rps\" = [20, 40]\n",
    );
    let out = dir.path().join("out");
    sweep(&experiment, &out, &["--format", "svg"]).success();
    let chart = fs::read_to_string(out.join("charts/user_p99_ms-vs-clients.rate_rps-1.svg")).unwrap();
    assert!(chart.contains("database read time"), "the table axis names the legend");
    assert!(
        chart.contains("dist = lognormal,") && chart.contains("mean_ms = 2, cv = 3"),
        "its values are the lines"
    );
    assert!(chart.contains("db.discipline = fifo"), "the other axis's value is in the title");
    assert!(out.join("charts/phase-good_ratio-base.svg").exists());

    let text = fs::read_to_string(&experiment).unwrap();
    fs::write(&experiment, format!("{text}[[charts]]\nx = \"db.discipline\"\ny = [\"good_ratio\"]\n"))
        .unwrap();
    sweep(&experiment, &out, &["--format", "svg"]).success();
    let names: Vec<String> = fs::read_dir(out.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.contains("-vs-clients.rate_rps")), "stale charts removed: {names:?}");
    let chart = fs::read_to_string(out.join("charts/good_ratio-vs-db.discipline-1.svg")).unwrap();
    let texts: Vec<&str> = chart.lines().map(str::trim).collect();
    assert!(texts.contains(&"fifo") && texts.contains(&"lifo"), "categories label the x axis");
}
