//! Eviction policies against direct, slow reference implementations run on
//! the same key sequence (identical hits required), and their hit ratios on
//! Zipf workloads against LRU.

use std::collections::VecDeque;

use outage_sim::engine::{RandomStreams, SimTime};
use outage_sim::stack::{CacheConfig, CacheStore, EvictionKind, KeySizes, Lookup};
use rand_distr::{Distribution, Zipf};

fn keys(n: u32, s: f64, requests: usize, seed: u64) -> Vec<u32> {
    let mut rng = RandomStreams::new(seed).stream(99);
    let zipf = Zipf::new(f64::from(n), s).unwrap();
    (0..requests).map(|_| zipf.sample(&mut rng) as u32 - 1).collect()
}

/// Hits, request by request, of the simulator's cache store.
fn store_hits(kind: EvictionKind, capacity: u32, n: u32, sequence: &[u32]) -> Vec<bool> {
    let config = CacheConfig::store_only(capacity, kind);
    let streams = RandomStreams::new(1);
    let mut store = CacheStore::new(&config, n, streams.stream(6), streams.stream(7));
    let now = SimTime::ZERO;
    sequence
        .iter()
        .map(|&key| match store.lookup(key, now) {
            Lookup::Hit { .. } => true,
            Lookup::Miss { .. } => {
                store.store(key, 0, now, now, &KeySizes::default());
                false
            }
            Lookup::Stale { .. } => unreachable!("no stale window"),
        })
        .collect()
}

/// The reference policies: plain vectors, linear scans, no cleverness.
trait Reference {
    /// Looks `key` up, inserting it on a miss; returns whether it hit.
    fn access(&mut self, key: u32) -> bool;
}

struct RefLru {
    cap: usize,
    order: Vec<u32>, // most recent last
}

impl Reference for RefLru {
    fn access(&mut self, key: u32) -> bool {
        if let Some(i) = self.order.iter().position(|&k| k == key) {
            self.order.remove(i);
            self.order.push(key);
            return true;
        }
        if self.order.len() == self.cap {
            self.order.remove(0);
        }
        self.order.push(key);
        false
    }
}

struct RefFifo {
    cap: usize,
    queue: VecDeque<u32>,
}

impl Reference for RefFifo {
    fn access(&mut self, key: u32) -> bool {
        if self.queue.contains(&key) {
            return true;
        }
        if self.queue.len() == self.cap {
            self.queue.pop_front();
        }
        self.queue.push_back(key);
        false
    }
}

struct RefLfu {
    cap: usize,
    entries: Vec<(u32, u64, u64)>, // key, count, last access tick
    tick: u64,
}

impl Reference for RefLfu {
    fn access(&mut self, key: u32) -> bool {
        self.tick += 1;
        if let Some(e) = self.entries.iter_mut().find(|e| e.0 == key) {
            e.1 += 1;
            e.2 = self.tick;
            return true;
        }
        if self.entries.len() == self.cap {
            let i = (0..self.entries.len()).min_by_key(|&i| (self.entries[i].1, self.entries[i].2)).unwrap();
            self.entries.remove(i);
        }
        self.entries.push((key, 1, self.tick));
        false
    }
}

struct RefSieve {
    cap: usize,
    queue: Vec<(u32, bool)>, // oldest first
    hand: Option<u32>,       // the key the next search starts at
}

impl Reference for RefSieve {
    fn access(&mut self, key: u32) -> bool {
        if let Some(e) = self.queue.iter_mut().find(|e| e.0 == key) {
            e.1 = true;
            return true;
        }
        if self.queue.len() == self.cap {
            let mut i = self.hand.map_or(0, |h| self.queue.iter().position(|e| e.0 == h).unwrap());
            while self.queue[i].1 {
                self.queue[i].1 = false;
                i = (i + 1) % self.queue.len();
            }
            self.hand = self.queue.get(i + 1).map(|e| e.0);
            self.queue.remove(i);
        }
        self.queue.push((key, false));
        false
    }
}

struct RefS3Fifo {
    small_cap: usize,
    cap: usize,
    small: VecDeque<(u32, u8)>, // oldest first
    main: VecDeque<(u32, u8)>,
    ghost: VecDeque<Option<u32>>, // the last entries into G; None: readmitted since
    ghost_cap: usize,
}

impl RefS3Fifo {
    fn new(cap: usize) -> Self {
        let small_cap = ((cap as f64 * 0.1).round() as usize).max(1);
        RefS3Fifo {
            small_cap,
            cap,
            small: VecDeque::new(),
            main: VecDeque::new(),
            ghost: VecDeque::new(),
            ghost_cap: cap.saturating_sub(small_cap).max(1),
        }
    }

    fn evict(&mut self) {
        loop {
            if !self.small.is_empty() && (self.small.len() >= self.small_cap || self.main.is_empty()) {
                let (key, count) = self.small.pop_front().unwrap();
                if count >= 2 {
                    self.main.push_back((key, 0));
                    continue;
                }
                self.ghost.push_back(Some(key));
                if self.ghost.len() > self.ghost_cap {
                    self.ghost.pop_front();
                }
                return;
            }
            let (key, count) = self.main.pop_front().unwrap();
            if count > 0 {
                self.main.push_back((key, count - 1));
                continue;
            }
            return;
        }
    }
}

impl Reference for RefS3Fifo {
    fn access(&mut self, key: u32) -> bool {
        if let Some(e) = self.small.iter_mut().chain(self.main.iter_mut()).find(|e| e.0 == key) {
            e.1 = (e.1 + 1).min(3);
            return true;
        }
        if self.small.len() + self.main.len() == self.cap {
            self.evict();
        }
        if let Some(g) = self.ghost.iter_mut().find(|g| **g == Some(key)) {
            *g = None;
            self.main.push_back((key, 0));
        } else {
            self.small.push_back((key, 0));
        }
        false
    }
}

fn reference(kind: EvictionKind, cap: usize) -> Box<dyn Reference> {
    match kind {
        EvictionKind::Lru => Box::new(RefLru { cap, order: Vec::new() }),
        EvictionKind::Fifo => Box::new(RefFifo { cap, queue: VecDeque::new() }),
        EvictionKind::Lfu => Box::new(RefLfu { cap, entries: Vec::new(), tick: 0 }),
        EvictionKind::Sieve => Box::new(RefSieve { cap, queue: Vec::new(), hand: None }),
        EvictionKind::S3Fifo => Box::new(RefS3Fifo::new(cap)),
        other => unreachable!("no reference for {other:?}"),
    }
}

/// Identical hits, request by request, for every deterministic policy at
/// C/N = 1, 5, 10 % on Zipf 0.8 and 1.0 (N = 2 000, 50 000 requests).
#[test]
fn policies_match_their_reference_implementations_exactly() {
    let n = 2000;
    for kind in
        [EvictionKind::Lru, EvictionKind::Fifo, EvictionKind::Lfu, EvictionKind::Sieve, EvictionKind::S3Fifo]
    {
        for s in [0.8, 1.0] {
            for share in [0.01, 0.05, 0.10] {
                let capacity = (f64::from(n) * share) as u32;
                let sequence = keys(n, s, 50_000, 7);
                let fast = store_hits(kind, capacity, n, &sequence);
                let mut slow = reference(kind, capacity as usize);
                let expected: Vec<bool> = sequence.iter().map(|&k| slow.access(k)).collect();
                let first_difference = fast.iter().zip(&expected).position(|(a, b)| a != b);
                assert_eq!(first_difference, None, "{kind:?} s={s} C={capacity}: hits differ");
            }
        }
    }
}

/// The store under every policy on 10^6 Zipf requests over 10^4 keys. Under
/// the independent reference model frequency wins: LFU, S3-FIFO and SIEVE
/// beat LRU, and LRU beats FIFO and RANDOM (which tie), asserted with
/// margins of 10 standard errors (~0.0005 each). (In-cache LFU forgets
/// counts on eviction, so it is not the optimal static policy and need not
/// beat SIEVE or S3-FIFO.)
#[test]
fn hit_ratios_order_sensibly_against_lru() {
    let n = 10_000;
    for s in [0.8, 1.0] {
        for share in [0.01, 0.05, 0.10] {
            let capacity = (f64::from(n) * share) as u32;
            let sequence = keys(n, s, 1_000_000, 11);
            let warm = 100_000;
            let ratio = |kind| {
                let hits = store_hits(kind, capacity, n, &sequence);
                hits[warm..].iter().filter(|&&h| h).count() as f64 / (hits.len() - warm) as f64
            };
            let [lru, fifo, random, lfu, sieve, s3fifo] = [
                EvictionKind::Lru,
                EvictionKind::Fifo,
                EvictionKind::Random,
                EvictionKind::Lfu,
                EvictionKind::Sieve,
                EvictionKind::S3Fifo,
            ]
            .map(ratio);
            eprintln!(
                "s={s} C/N={share}: lru {lru:.4} fifo {fifo:.4} random {random:.4} lfu {lfu:.4} sieve {sieve:.4} s3fifo {s3fifo:.4}"
            );
            assert!(lfu > lru + 0.005, "LFU beats LRU under IRM");
            assert!(s3fifo > lru + 0.005, "S3-FIFO beats LRU");
            assert!(sieve > lru + 0.005, "SIEVE beats LRU");
            assert!(lru > fifo + 0.005, "LRU beats FIFO");
            assert!((fifo - random).abs() < 0.004, "FIFO and RANDOM tie");
        }
    }
}

/// `none` keeps the first `capacity` keys for ever and rejects the rest.
#[test]
fn none_rejects_newcomers_when_full() {
    let sequence: Vec<u32> = (0..10).chain(0..10).collect();
    let hits = store_hits(EvictionKind::None, 5, 10, &sequence);
    let expected: Vec<bool> = (0..20).map(|i| (10..15).contains(&i)).collect();
    assert_eq!(hits, expected);
}
