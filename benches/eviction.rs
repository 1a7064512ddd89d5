//! Eviction policies in isolation: ops/s of the cache store on 10^7 Zipf
//! (s = 0.9) requests over 10^6 keys with room for 10 % of them. One op is
//! a lookup, plus a store on a miss.
//!
//! `cargo bench --bench eviction`

use divan::Bencher;
use divan::counter::ItemsCount;
use outage_sim::engine::{AliasTable, RandomStreams, SimTime};
use outage_sim::stack::{CacheConfig, CacheStore, EvictionKind, KeySizes, Lookup};

fn main() {
    divan::main();
}

const KEYS: u32 = 1_000_000;
const REQUESTS: usize = 10_000_000;

fn sequence() -> Vec<u32> {
    let weights: Vec<f64> = (1..=KEYS).map(|i| f64::from(i).powf(-0.9)).collect();
    let table = AliasTable::new(weights).unwrap();
    let mut rng = RandomStreams::new(1).stream(2);
    (0..REQUESTS).map(|_| table.sample(&mut rng)).collect()
}

#[divan::bench(
    sample_count = 3,
    args = [EvictionKind::Lru, EvictionKind::Fifo, EvictionKind::Random, EvictionKind::Lfu,
            EvictionKind::Sieve, EvictionKind::S3Fifo, EvictionKind::None]
)]
fn policy(bencher: Bencher, eviction: EvictionKind) {
    let keys = sequence();
    let config = CacheConfig::store_only(KEYS / 10, eviction);
    bencher
        .counter(ItemsCount::new(REQUESTS))
        .with_inputs(|| {
            let streams = RandomStreams::new(1);
            CacheStore::new(&config, KEYS, streams.stream(6), streams.stream(7))
        })
        .bench_local_values(|mut store| {
            let mut hits = 0u64;
            for &key in &keys {
                match store.lookup(key, SimTime::ZERO) {
                    Lookup::Hit { .. } => hits += 1,
                    _ => {
                        store.store(key, 0, SimTime::ZERO, SimTime::ZERO, &KeySizes::default());
                    }
                }
            }
            hits
        });
}
