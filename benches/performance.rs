//! The performance report: `cargo bench --bench performance`.
//!
//! Prints, as Markdown, the tables of `docs/performance.md`: each workload
//! against a bare-bones heap M/M/c loop doing the same work; peak memory
//! against the number of requests, keys and requests in flight; sweeps on
//! one and two threads and what starting and writing a job costs; and the
//! SimPy peer when python3 and simpy are installed. Each measurement runs
//! in a child process of its own, so that its peak RSS is its own, and the
//! speed figures are medians of several runs (`--runs N`, default 5).
//! `--quick` skips the 10^8-request memory run (~40 s).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use outage_sim::engine::{RandomStreams, Rng};
use outage_sim::scenario::load_model;
use outage_sim::stack;
use rand_distr::{Distribution, Exp1};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    if args.first().map(String::as_str) == Some("child") {
        return child(&args[1..]);
    }
    let runs = flag_value(&args, "--runs").unwrap_or(5);
    let quick = args.iter().any(|a| a == "--quick");
    report(runs, quick);
}

fn flag_value(args: &[String], flag: &str) -> Option<usize> {
    let at = args.iter().position(|a| a == flag)?;
    args.get(at + 1)?.parse().ok()
}

// ---------------------------------------------------------------- children

/// What one child measured.
#[derive(Debug, Clone, Copy)]
struct Measured {
    events: u64,
    requests: u64,
    /// Simulation only, model loading and output excluded [s].
    wall_s: f64,
    /// Peak resident set of the child process [bytes].
    peak_rss: u64,
    in_flight_max: u64,
    mean_ms: f64,
}

/// `child baseline REQUESTS` or `child model FILE [PATH=VALUE ...]`: runs
/// once and prints one line of `Measured` fields.
fn child(args: &[String]) {
    let (events, requests, wall_s, in_flight_max, mean_ms) = match args[0].as_str() {
        "baseline" => {
            let requests: u64 = args[1].parse().expect("a request count");
            let start = Instant::now();
            let mean_s = bare_mmc(10, 900.0, 100.0, requests);
            (2 * requests, requests, start.elapsed().as_secs_f64(), 0, mean_s * 1e3)
        }
        "model" => {
            let model =
                load_model(&root().join(&args[1]), &args[2..]).expect("a valid benchmark model").model;
            let start = Instant::now();
            let summary = stack::run(&model).expect("the benchmark model runs").summary;
            let wall_s = start.elapsed().as_secs_f64();
            (summary.events, summary.requests, wall_s, summary.in_flight_max, summary.mean_ms.unwrap_or(0.0))
        }
        other => panic!("unknown child workload {other}"),
    };
    let peak_rss = peak_rss_bytes().unwrap_or(0);
    println!("{events} {requests} {wall_s} {peak_rss} {in_flight_max} {mean_ms}");
}

/// VmHWM of this process (Linux), in bytes.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs one child and parses its line.
fn measure(args: &[&str]) -> Measured {
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let output = Command::new(exe).arg("child").args(args).output().expect("a child process");
    assert!(output.status.success(), "child {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    let line = String::from_utf8(output.stdout).expect("UTF-8");
    let f: Vec<&str> = line.split_whitespace().collect();
    let int = |i: usize| f[i].parse::<u64>().expect("an integer field");
    let real = |i: usize| f[i].parse::<f64>().expect("a real field");
    Measured {
        events: int(0),
        requests: int(1),
        wall_s: real(2),
        peak_rss: int(3),
        in_flight_max: int(4),
        mean_ms: real(5),
    }
}

/// `runs` children; the median by wall time (events and requests are the
/// same in every run: the runs are deterministic).
fn median_of(runs: usize, args: &[&str]) -> Measured {
    median((0..runs).map(|_| measure(args)).collect())
}

/// The median and the fastest of several runs of one workload.
struct Spread {
    median: Measured,
    fastest: Measured,
}

/// Each workload over `runs` rounds, each round running every workload
/// once, in turn.
fn medians_interleaved<const N: usize>(runs: usize, workloads: [&[&str]; N]) -> [Spread; N] {
    let mut all: [Vec<Measured>; N] = std::array::from_fn(|_| Vec::new());
    for _ in 0..runs {
        for (args, measured) in workloads.iter().zip(&mut all) {
            measured.push(measure(args));
        }
    }
    all.map(|mut runs| {
        runs.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
        Spread { median: runs[runs.len() / 2], fastest: runs[0] }
    })
}

fn median(mut all: Vec<Measured>) -> Measured {
    all.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
    all[all.len() / 2]
}

// ---------------------------------------------------------------- baseline

/// The baseline: M/M/c as the simplest heap loop there is — a binary heap
/// of (time, sequence, server), arrivals, departures, a FIFO queue, the
/// mean response time [s] of `requests` requests, nothing else.
fn bare_mmc(servers: u32, lambda: f64, mu: f64, requests: u64) -> f64 {
    let streams = RandomStreams::new(1);
    let (mut arrivals, mut services): (Rng, Rng) = (streams.stream(1), streams.stream(2));
    let exp = |rng: &mut Rng, rate: f64| -> u64 {
        let unit: f64 = Exp1.sample(rng);
        (unit / rate * 1e9) as u64
    };
    let mut heap = BinaryHeap::new();
    let mut seq = 0u64;
    let mut waiting: VecDeque<u64> = VecDeque::new();
    let mut in_service: Vec<u64> = Vec::new();
    let mut free: Vec<u32> = Vec::new();
    let mut busy = 0;
    let (mut arrived, mut done, mut total_ns) = (0u64, 0u64, 0u128);
    heap.push(Reverse((exp(&mut arrivals, lambda), seq, u32::MAX)));
    while let Some(Reverse((now, _, slot))) = heap.pop() {
        seq += 1;
        if slot == u32::MAX {
            arrived += 1;
            if arrived < requests {
                heap.push(Reverse((now + exp(&mut arrivals, lambda), seq, u32::MAX)));
            }
            if busy < servers {
                busy += 1;
                let s = free.pop().unwrap_or_else(|| {
                    in_service.push(0);
                    in_service.len() as u32 - 1
                });
                in_service[s as usize] = now;
                heap.push(Reverse((now + exp(&mut services, mu), seq, s)));
            } else {
                waiting.push_back(now);
            }
        } else {
            done += 1;
            total_ns += u128::from(now - in_service[slot as usize]);
            if let Some(since) = waiting.pop_front() {
                in_service[slot as usize] = since;
                heap.push(Reverse((now + exp(&mut services, mu), seq, slot)));
            } else {
                busy -= 1;
                free.push(slot);
            }
        }
    }
    total_ns as f64 / done as f64 / 1e9
}

// ---------------------------------------------------------------- report

/// `run.duration_s` for `requests` requests at `rate` per second, after 1 s
/// of warm-up.
fn duration_for(requests: f64, rate: f64) -> String {
    format!("run.duration_s={}", 1.0 + requests / rate)
}

/// `10ⁿ` for a power of ten.
fn power_of_ten(x: f64) -> String {
    let digits = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"];
    let n = x.log10().round() as usize;
    let exponent: String = n.to_string().chars().map(|c| digits[c as usize - '0' as usize]).collect();
    format!("10{exponent}")
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn millions(x: f64) -> String {
    format!("{:.1} M", x / 1e6)
}

fn report(runs: usize, quick: bool) {
    println!("{}\n", machine());
    println!(
        "Medians of {runs} runs, one thread, simulation time only (model loading and output excluded); \
         the last two columns are the fastest of the {runs} runs, which is what the code costs when the \
         host leaves the core alone (noise only ever adds time).\n"
    );
    println!(
        "| workload | wall | events/s | requests/s | peak RSS | baseline ÷ this (events/s) | fastest: events/s | \
         fastest: baseline ÷ this |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let mmc_duration = duration_for(1e7, 900.0);
    let zipf_duration = duration_for(2e6, 50_000.0);
    // Round robin, so that the host's minute-to-minute swings fall on every
    // workload alike and the ratios to the baseline stay fair.
    let [baseline, mmc, zipf, incident] = medians_interleaved(
        runs,
        [
            &["baseline", "10000000"],
            &["model", "benches/mmc.toml", mmc_duration.as_str()],
            &["model", "benches/lru-zipf.toml", zipf_duration.as_str()],
            &["model", "models/incident-2023-06-20.toml"],
        ],
    );
    let rate = |m: &Measured| m.events as f64 / m.wall_s;
    let row = |name: &str, spread: &Spread| {
        let (m, best) = (&spread.median, &spread.fastest);
        println!(
            "| {name} | {:.2} s | {} | {} | {} | {:.2} | {} | {:.2} |",
            m.wall_s,
            millions(rate(m)),
            millions(m.requests as f64 / m.wall_s),
            mb(m.peak_rss),
            rate(&baseline.median) / rate(m),
            millions(rate(best)),
            rate(&baseline.fastest) / rate(best),
        );
    };
    row("bare heap M/M/10 loop (baseline), 10⁷ requests", &baseline);
    row("(a) M/M/10, ρ = 0.9, caching off, 10⁷ requests", &mmc);
    row("(b) Zipf 0.9, 10⁵ keys, LRU 5 000, 64 connections, 2·10⁶ requests", &zipf);
    row("(c) the incident model (1 h simulated, 4× sale)", &incident);
    println!(
        "\nPer event, (c) takes {:.2}× the time of (b). Mean response of (a) and the baseline: {:.2} / {:.2} ms \
         (Erlang C: 16.69 ms).",
        rate(&zipf.median) / rate(&incident.median),
        mmc.median.mean_ms,
        baseline.median.mean_ms
    );

    println!("\n### Memory\n");
    println!("| measurement | peak RSS |");
    println!("|---|---|");
    let counts: &[f64] = if quick { &[1e6, 1e7] } else { &[1e6, 1e7, 1e8] };
    let by_requests: Vec<Measured> = counts
        .iter()
        .map(|&n| measure(&["model", "benches/lru-zipf.toml", &duration_for(n, 50_000.0)]))
        .collect();
    for (n, m) in counts.iter().zip(&by_requests) {
        println!("| (b) with {} requests | {} |", power_of_ten(*n), mb(m.peak_rss));
    }
    let (first, last) = (by_requests[0].peak_rss as f64, by_requests[by_requests.len() - 1].peak_rss as f64);
    let short = duration_for(1e5, 50_000.0);
    let keys: Vec<(u64, Measured)> = [1_000_000u64, 10_000_000]
        .iter()
        .map(|&k| (k, measure(&["model", "benches/lru-zipf.toml", &short, &format!("workload.keys={k}")])))
        .collect();
    for (k, m) in &keys {
        println!("| (b) over {} keys, 10⁵ requests | {} |", power_of_ten(*k as f64), mb(m.peak_rss));
    }
    let backlog: Vec<Measured> = ["25", "50", "100"]
        .iter()
        .map(|d| measure(&["model", "benches/backlog.toml", &format!("run.duration_s={d}")]))
        .collect();
    for m in &backlog {
        println!(
            "| `benches/backlog.toml`, {} requests in flight at the end | {} |",
            m.in_flight_max,
            mb(m.peak_rss)
        );
    }
    let per_key = (keys[1].1.peak_rss as f64 - keys[0].1.peak_rss as f64) / (keys[1].0 - keys[0].0) as f64;
    let (b0, b1) = (&backlog[0], &backlog[backlog.len() - 1]);
    let per_request =
        (b1.peak_rss as f64 - b0.peak_rss as f64) / (b1.in_flight_max as f64 - b0.in_flight_max as f64);
    println!(
        "\nPeak RSS at {} vs {} requests: {:+.1} %. Bytes per key: {per_key:.0}. \
         Bytes per request in flight (waiting for the database): {per_request:.0}.",
        power_of_ten(counts[0]),
        power_of_ten(counts[counts.len() - 1]),
        (last / first - 1.0) * 100.0
    );

    println!("\n### Sweeps\n");
    sweeps(zipf_job(runs));
    peer(&mmc.median);
}

/// Median simulation time of one sweep job (model (b), 10^6 requests) [s].
fn zipf_job(runs: usize) -> f64 {
    median_of(runs, &["model", "benches/lru-zipf.toml", "run.duration_s=21", "run.seed=1"]).wall_s
}

fn sweeps(job_s: f64) {
    let exe = env!("CARGO_BIN_EXE_outage-sim");
    let out = std::env::temp_dir().join(format!("outage-sim-bench-sweep-{}", std::process::id()));
    let time_sweep = |threads: &str, set: &[&str]| {
        let start = Instant::now();
        let output = Command::new(exe)
            .args(["sweep", "benches/sweep.toml", "--quiet", "--force", "--threads", threads, "--out"])
            .arg(&out)
            .args(set)
            .current_dir(root())
            .output()
            .expect("the outage-sim binary");
        assert!(
            output.status.success(),
            "the benchmark sweep failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        start.elapsed().as_secs_f64()
    };
    let full = ["--set", "run.duration_s=21"];
    // Medians of three: two threads share this machine's cores with
    // whatever else runs on its host.
    let median3 = |threads: &str| {
        let mut walls = [0.0; 3].map(|_| time_sweep(threads, &full));
        walls.sort_by(f64::total_cmp);
        walls[1]
    };
    let (one, two) = (median3("1"), median3("2"));
    // The same 16 jobs cut to 10 ms without warm-up (500 requests each):
    // what is left is starting, writing and aggregating them.
    let empty = time_sweep("1", &["--set", "run.duration_s=0.01", "--set", "run.warmup_s=0"]);
    let _ = std::fs::remove_dir_all(&out);
    let jobs = 16.0;
    println!("| `benches/sweep.toml`: 16 jobs × 10⁶ requests | wall (median of 3) |");
    println!("|---|---|");
    println!("| 1 thread | {one:.2} s |");
    println!("| 2 threads | {two:.2} s ({:.2}× faster) |", one / two);
    println!("| the same 16 jobs cut to 500 requests, 1 thread | {empty:.2} s |");
    println!(
        "\nStarting, writing and aggregating a job (the whole command with 500-request jobs, process start \
         included, per job: {:.1} ms) costs {:.1} % of a 10⁶-request job ({job_s:.3} s of simulation).",
        empty / jobs * 1e3,
        empty / jobs / job_s * 100.0
    );
}

/// The SimPy version of (a), when python3 has simpy.
fn peer(ours: &Measured) {
    println!("\n### Peer: SimPy\n");
    let has_simpy =
        Command::new("python3").args(["-c", "import simpy"]).output().is_ok_and(|o| o.status.success());
    if !has_simpy {
        println!("python3 with simpy not found: `pip install simpy` to compare.");
        return;
    }
    let script = root().join("benches/peers/simpy_mmc.py");
    let output = Command::new("python3").arg(&script).arg("1000000").output().expect("python3");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let line = String::from_utf8_lossy(&output.stdout);
    let field = |name: &str| -> f64 {
        let at = line.find(&format!("\"{name}\": ")).expect("a field of the peer's line") + name.len() + 4;
        line[at..].split([',', '}']).next().unwrap().trim().parse().unwrap()
    };
    let (mean_ms, wall_s, rate) = (field("mean_ms"), field("wall_s"), field("events_per_s"));
    let our_rate = ours.events as f64 / ours.wall_s;
    println!("| M/M/10, ρ = 0.9 | requests | mean response | wall | events/s |");
    println!("|---|---|---|---|---|");
    println!("| SimPy {} | 10⁶ | {mean_ms:.2} ms | {wall_s:.1} s | {} |", simpy_version(), millions(rate));
    println!(
        "| outage-sim (a) | 10⁷ | {:.2} ms | {:.2} s | {} |",
        ours.mean_ms,
        ours.wall_s,
        millions(our_rate)
    );
    println!("\nErlang C: 16.69 ms. outage-sim runs {:.0}× as many events per second.", our_rate / rate);
}

fn simpy_version() -> String {
    Command::new("python3")
        .args(["-c", "import simpy; print(simpy.__version__)"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("Machine: {cpu}, {cores} cores; {rustc}; outage-sim commit {commit}.")
}
