//! Reference results from queueing and caching theory, computed from their
//! formulas (../shared/VALIDATION.md), so any parameter can be checked.

/// Erlang B for `c` servers and offered load `a`, by the stable recursion.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

/// M/M/c: probability an arrival waits (Erlang C).
pub fn erlang_c(c: u32, lambda: f64, mu: f64) -> f64 {
    let a = lambda / mu;
    let b = erlang_b(c, a);
    let c = f64::from(c);
    c * b / (c - a * (1.0 - b))
}

/// M/M/c mean response time [s].
pub fn mmc_mean(c: u32, lambda: f64, mu: f64) -> f64 {
    erlang_c(c, lambda, mu) / (f64::from(c) * mu - lambda) + 1.0 / mu
}

/// M/M/c response-time tail P(W > t).
pub fn mmc_tail(c: u32, lambda: f64, mu: f64, t: f64) -> f64 {
    let pw = erlang_c(c, lambda, mu);
    let theta = f64::from(c) * mu - lambda;
    if (theta - mu).abs() < 1e-12 {
        // The limit theta → mu: C·(1 + mu t)e^{-mu t} + (1 − C)e^{-mu t}.
        return (1.0 - pw) * (-mu * t).exp() + pw * (1.0 + mu * t) * (-mu * t).exp();
    }
    (1.0 - pw) * (-mu * t).exp() + pw * (theta * (-mu * t).exp() - mu * (-theta * t).exp()) / (theta - mu)
}

/// M/M/c response-time quantile [s], by bisection on the tail.
pub fn mmc_quantile(c: u32, lambda: f64, mu: f64, q: f64) -> f64 {
    bisect(|t| mmc_tail(c, lambda, mu, t) - (1.0 - q), 0.0, 1e4)
}

/// M/M/c/K blocking probability with `c` servers and `k` places in all.
pub fn mmck_blocking(c: u32, k: u32, lambda: f64, mu: f64) -> f64 {
    let a = lambda / mu;
    let mut terms = Vec::new();
    let mut term = 1.0;
    for n in 0..=k {
        if n > 0 {
            term *= if n <= c { a / f64::from(n) } else { a / f64::from(c) };
        }
        terms.push(term);
    }
    terms[k as usize] / terms.iter().sum::<f64>()
}

/// Root of a function that increases through zero on [lo, hi]... or
/// decreases: the sign at `lo` decides.
pub fn bisect(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    let rising = f(lo) < 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if (f(mid) < 0.0) == rising {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Zipf probabilities p_i ∝ i^(−s), i = 1..n.
pub fn zipf(n: usize, s: f64) -> Vec<f64> {
    let w: Vec<f64> = (1..=n).map(|i| (i as f64).powf(-s)).collect();
    let total: f64 = w.iter().sum();
    w.into_iter().map(|x| x / total).collect()
}

/// LRU hit ratio by Che's approximation.
pub fn che_lru(p: &[f64], capacity: f64) -> f64 {
    let t = bisect(|t| p.iter().map(|pi| 1.0 - (-pi * t).exp()).sum::<f64>() - capacity, 0.0, 1e12);
    p.iter().map(|pi| pi * (1.0 - (-pi * t).exp())).sum()
}

/// FIFO / RANDOM hit ratio by the TTL approximation.
pub fn ttl_approx_fifo(p: &[f64], capacity: f64) -> f64 {
    let t = bisect(|t| p.iter().map(|pi| pi * t / (1.0 + pi * t)).sum::<f64>() - capacity, 0.0, 1e12);
    p.iter().map(|pi| pi * pi * t / (1.0 + pi * t)).sum()
}

/// Exact LRU hit ratio under the independent reference model (King's
/// formula): the cache's contents in recency order are a sequence of
/// distinct keys drawn without replacement, weighted by popularity.
pub fn exact_lru(p: &[f64], capacity: usize) -> f64 {
    fn walk(p: &[f64], left: usize, used: &mut Vec<usize>, prob: f64, mass: f64) -> f64 {
        if left == 0 {
            return prob * used.iter().map(|&i| p[i]).sum::<f64>();
        }
        let mut total = 0.0;
        for i in 0..p.len() {
            if used.contains(&i) {
                continue;
            }
            used.push(i);
            total += walk(p, left - 1, used, prob * p[i] / (1.0 - mass), mass + p[i]);
            used.pop();
        }
        total
    }
    walk(p, capacity, &mut Vec::new(), 1.0, 0.0)
}

/// Exact FIFO / RANDOM hit ratio: P(set S) ∝ Π_{i∈S} p_i over sets of size C.
pub fn exact_fifo(p: &[f64], capacity: usize) -> f64 {
    fn walk(p: &[f64], from: usize, left: usize, weight: f64, hits: f64, acc: &mut (f64, f64)) {
        if left == 0 {
            acc.0 += weight;
            acc.1 += weight * hits;
            return;
        }
        for i in from..p.len() {
            walk(p, i + 1, left - 1, weight * p[i], hits + p[i], acc);
        }
    }
    let mut acc = (0.0, 0.0);
    walk(p, 0, capacity, 1.0, 0.0, &mut acc);
    acc.1 / acc.0
}

#[test]
fn references_match_the_published_values() {
    // The tables of VALIDATION.md, to their printed precision.
    assert!((mmc_mean(8, 640.0, 100.0) - 0.01286).abs() < 5e-6);
    assert!((erlang_c(8, 760.0, 100.0) - 0.8442).abs() < 5e-5);
    assert!((mmc_quantile(1, 80.0, 100.0, 0.99) - 0.2303).abs() < 5e-5);
    assert!((mmc_quantile(8, 400.0, 100.0, 0.99) - 0.04625).abs() < 5e-6);
    assert!((mmck_blocking(8, 16, 800.0, 100.0) - 0.08167).abs() < 5e-6);
    let p = zipf(10_000, 0.8);
    assert!((che_lru(&p, 100.0) - 0.1566).abs() < 5e-5);
    assert!((ttl_approx_fifo(&p, 1000.0) - 0.3942).abs() < 5e-5);
    let small = zipf(10, 0.8);
    assert!((exact_lru(&small, 3) - 0.4078).abs() < 5e-5);
    assert!((exact_fifo(&small, 3) - 0.3920).abs() < 5e-5);
}
