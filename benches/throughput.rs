//! Engine throughput against a bare-bones baseline.
//!
//! `cargo bench --bench throughput`. Each benchmark reports time per run and,
//! through divan's item counter, events per second. The baseline is the
//! same M/M/c work written as the simplest possible heap loop: arrivals,
//! departures, a FIFO queue and the mean response time, nothing else.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::path::Path;

use divan::Bencher;
use divan::counter::ItemsCount;
use outage_sim::engine::{RandomStreams, Rng};
use outage_sim::scenario::load_model;
use outage_sim::stack::{self, Model};
use rand_distr::{Distribution, Exp1};

fn main() {
    divan::main();
}

/// Requests per benchmark run: a tenth of the closing-note figures, so that
/// divan can take several samples in reasonable time.
const REQUESTS: f64 = 1e6;

fn bench_model(file: &str, rate_rps: f64) -> Model {
    let duration = 1.0 + REQUESTS / rate_rps;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches").join(file);
    load_model(&path, &[format!("run.duration_s={duration}")]).expect("benchmark model is valid").model
}

/// (a) M/M/10 at ρ = 0.9 through the full model, caching off.
#[divan::bench(sample_count = 5)]
fn mmc_model(bencher: Bencher) {
    let model = bench_model("mmc.toml", 900.0);
    let events = stack::run(&model).unwrap().summary.events;
    bencher
        .counter(ItemsCount::new(events))
        .bench(|| stack::run(divan::black_box(&model)).unwrap().summary.events);
}

/// The bare heap loop doing the same M/M/10 work.
#[divan::bench(sample_count = 5)]
fn mmc_baseline(bencher: Bencher) {
    let requests = REQUESTS as u64;
    let events = 2 * requests;
    bencher.counter(ItemsCount::new(events)).bench(|| bare_mmc(divan::black_box(10), 900.0, 100.0, requests));
}

/// (b) Zipf 0.9 over 10^5 keys, LRU 5 000, 64 connections, 50 000 req/s.
#[divan::bench(sample_count = 5)]
fn lru_zipf_model(bencher: Bencher) {
    let model = bench_model("lru-zipf.toml", 50_000.0);
    let events = stack::run(&model).unwrap().summary.events;
    bencher
        .counter(ItemsCount::new(events))
        .bench(|| stack::run(divan::black_box(&model)).unwrap().summary.events);
}

/// M/M/c with a binary heap of (time, sequence, is_departure): returns the
/// mean response time [s] of `requests` requests.
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
