//! The load balancer in front of the application instances: which one a
//! request goes to, among those it believes healthy.

use rand::RngExt;

use crate::engine::Rng;

crate::names::named_enum! {
    /// How the balancer picks an instance.
    pub enum Balancer {
        /// Uniformly: each of I instances sees Poisson λ/I.
        Random = "random",
        /// In turn.
        RoundRobin = "round-robin",
        /// The one with the fewest requests held (working or queued);
        /// ties to the lowest id.
        LeastConnections = "least-connections",
    }
}

/// The balancer's state: its turn and its random stream.
#[derive(Debug)]
pub struct Balancing {
    pub balancer: Balancer,
    next: usize,
    rng: Rng,
}

impl Balancing {
    pub fn new(balancer: Balancer, rng: Rng) -> Self {
        Balancing { balancer, next: 0, rng }
    }

    /// The instance for the next request among `n`, of which `live` are
    /// in the balancer's rotation (`in_rotation`), each holding `held`
    /// requests; `None` if none is in rotation. O(1) for a random pick
    /// while every instance is in rotation, O(n) otherwise.
    pub fn pick(
        &mut self,
        n: usize,
        live: usize,
        in_rotation: impl Fn(usize) -> bool,
        held: impl Fn(usize) -> usize,
    ) -> Option<usize> {
        if live == 0 {
            return None;
        }
        match self.balancer {
            Balancer::Random if live == n => Some(self.rng.random_range(0..n)),
            Balancer::Random => {
                let k = self.rng.random_range(0..live);
                (0..n).filter(|&id| in_rotation(id)).nth(k)
            }
            Balancer::RoundRobin => {
                let id = (0..n).map(|step| (self.next + step) % n).find(|&id| in_rotation(id))?;
                self.next = (id + 1) % n;
                Some(id)
            }
            Balancer::LeastConnections => {
                (0..n).filter(|&id| in_rotation(id)).min_by_key(|&id| (held(id), id))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;

    fn balancing(b: Balancer) -> Balancing {
        Balancing::new(b, RandomStreams::new(3).stream(1))
    }

    #[test]
    fn each_balancer_skips_instances_out_of_rotation() {
        let instances = [(true, 5), (false, 0), (true, 2), (true, 9)];
        let pick = |b: &mut Balancing| b.pick(4, 3, |i| instances[i].0, |i| instances[i].1);
        let mut rr = balancing(Balancer::RoundRobin);
        let turns: Vec<_> = (0..4).map(|_| pick(&mut rr).unwrap()).collect();
        assert_eq!(turns, vec![0, 2, 3, 0]);
        assert_eq!(pick(&mut balancing(Balancer::LeastConnections)), Some(2));
        let mut random = balancing(Balancer::Random);
        let mut seen = [0u32; 4];
        for _ in 0..3000 {
            seen[pick(&mut random).unwrap()] += 1;
        }
        assert_eq!(seen[1], 0);
        assert!(seen.iter().enumerate().all(|(i, &n)| i == 1 || (900..1100).contains(&n)), "{seen:?}");
        assert_eq!(random.pick(2, 0, |_| false, |_| 0), None);
    }
}
