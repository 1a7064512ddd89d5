//! Service-time distributions of the queueing stations (cache lookups,
//! database reads and writes), each given by its mean and, where it has
//! one, its coefficient of variation (standard deviation / mean).

use rand_distr::{Distribution, Exp1, Gamma, LogNormal};

use crate::engine::{Rng, SimTime};

/// A service-time distribution [ms].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServiceTime {
    Exponential { mean_ms: f64 },
    Deterministic { mean_ms: f64 },
    Lognormal { mean_ms: f64, cv: f64 },
    Gamma { mean_ms: f64, cv: f64 },
}

impl ServiceTime {
    pub fn mean_ms(&self) -> f64 {
        match *self {
            ServiceTime::Exponential { mean_ms }
            | ServiceTime::Deterministic { mean_ms }
            | ServiceTime::Lognormal { mean_ms, .. }
            | ServiceTime::Gamma { mean_ms, .. } => mean_ms,
        }
    }

    /// True when every draw is zero: the station adds no delay at all.
    pub fn is_zero(&self) -> bool {
        self.mean_ms() == 0.0
    }

    /// A sampler for this distribution. Parameters must have been validated
    /// (finite mean ≥ 0, cv > 0).
    pub fn sampler(&self) -> ServiceSampler {
        let mean_ns = self.mean_ms() * 1e6;
        let kind = match *self {
            _ if mean_ns == 0.0 => Kind::Fixed(SimTime::ZERO),
            ServiceTime::Deterministic { .. } => Kind::Fixed(SimTime::from_millis(self.mean_ms())),
            ServiceTime::Exponential { .. } => Kind::Exponential { mean_ns },
            ServiceTime::Lognormal { cv, .. } => {
                // mean = exp(mu + sigma^2/2), cv^2 = exp(sigma^2) - 1
                let sigma2 = (1.0 + cv * cv).ln();
                let mu = mean_ns.ln() - sigma2 / 2.0;
                Kind::Skewed(Skewed::Lognormal(
                    LogNormal::new(mu, sigma2.sqrt()).expect("validated lognormal"),
                ))
            }
            ServiceTime::Gamma { cv, .. } => {
                // shape k = 1/cv^2, scale = mean * cv^2
                let shape = 1.0 / (cv * cv);
                Kind::Skewed(Skewed::Gamma(Gamma::new(shape, mean_ns / shape).expect("validated gamma")))
            }
        };
        ServiceSampler { kind }
    }
}

/// Draws service times; see [`ServiceTime::sampler`].
#[derive(Debug, Clone)]
pub struct ServiceSampler {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Fixed(SimTime),
    Exponential { mean_ns: f64 },
    Skewed(Skewed),
}

/// The distributions with a shape of their own: drawn out of line.
#[derive(Debug, Clone)]
enum Skewed {
    Lognormal(LogNormal<f64>),
    Gamma(Gamma<f64>),
}

impl ServiceSampler {
    /// A draw. The common kinds are drawn inline at the caller (a service
    /// time is drawn for nearly every event), the others out of line.
    #[inline(always)]
    pub fn sample(&self, rng: &mut Rng) -> SimTime {
        match &self.kind {
            Kind::Fixed(t) => *t,
            Kind::Exponential { mean_ns } => {
                let unit: f64 = Exp1.sample(rng);
                SimTime::from_ns_f64(unit * mean_ns)
            }
            Kind::Skewed(skewed) => skewed.sample(rng),
        }
    }
}

impl Skewed {
    /// Kept out of line so that the common kinds' inline path stays small.
    #[inline(never)]
    fn sample(&self, rng: &mut Rng) -> SimTime {
        let ns: f64 = match self {
            Skewed::Lognormal(d) => d.sample(rng),
            Skewed::Gamma(d) => d.sample(rng),
        };
        SimTime::from_ns_f64(ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;

    fn moments(service: ServiceTime) -> (f64, f64) {
        let sampler = service.sampler();
        let mut rng = RandomStreams::new(3).stream(0);
        let n = 400_000;
        let draws: Vec<f64> = (0..n).map(|_| sampler.sample(&mut rng).as_millis()).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, var.sqrt() / mean)
    }

    /// Every mean and cv validation accepts builds a sampler and draws a
    /// finite time: the extremes included (cv 1e-160 once panicked here).
    #[test]
    fn every_accepted_parameter_samples() {
        let mut rng = crate::engine::RandomStreams::new(3).stream(1);
        for mean_ms in [0.0, 1e-9, 1.0, 1e11] {
            for cv in [1e-6, 1e-3, 1.0, 100.0] {
                for service in [ServiceTime::Gamma { mean_ms, cv }, ServiceTime::Lognormal { mean_ms, cv }] {
                    let sampler = service.sampler();
                    for _ in 0..100 {
                        let _ = sampler.sample(&mut rng);
                    }
                }
            }
        }
    }

    #[test]
    fn means_and_cvs_match_their_parameters() {
        // 4e5 draws: the mean's standard error is cv/sqrt(n) <= 0.32 %, so 1.5 %
        // is ~5 standard errors; the sample cv of a cv-2 lognormal converges
        // slowly (heavy tail), hence 8 %.
        let cases = [
            (ServiceTime::Exponential { mean_ms: 2.0 }, 1.0, 0.02),
            (ServiceTime::Deterministic { mean_ms: 2.0 }, 0.0, 1e-9),
            (ServiceTime::Gamma { mean_ms: 2.0, cv: 0.5 }, 0.5, 0.02),
            (ServiceTime::Lognormal { mean_ms: 2.0, cv: 2.0 }, 2.0, 0.08),
        ];
        for (service, cv, cv_tol) in cases {
            let (mean, sample_cv) = moments(service);
            assert!((mean / 2.0 - 1.0).abs() < 0.015, "{service:?}: mean {mean}");
            assert!((sample_cv - cv).abs() <= cv_tol * cv.max(1.0), "{service:?}: cv {sample_cv}");
        }
    }

    #[test]
    fn zero_mean_is_instant() {
        let mut rng = RandomStreams::new(3).stream(0);
        let s = ServiceTime::Exponential { mean_ms: 0.0 };
        assert!(s.is_zero());
        assert_eq!(s.sampler().sample(&mut rng), SimTime::ZERO);
    }
}
