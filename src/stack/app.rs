//! The application tier: instances behind a balancer, each with a pool of
//! workers and an accept queue.
//!
//! A request takes a worker for its whole life at the instance: the app's
//! own `work`, then the cache, then the database — the worker waits while
//! they do. A slow database therefore holds workers, the accept queues
//! fill, and even requests that would hit the cache are turned away. The
//! app propagates the client's deadline: when the client's attempt ends
//! (answered, failed or timed out) its worker is free; downstream work it
//! started goes on, wasted. A request whose client left while it waited in
//! the accept queue is dropped when a worker reaches it.

use crate::engine::{RandomStreams, Rng, SimTime};
use crate::metrics::NodeGauge;

use super::balancer::{Balancer, Balancing};
use super::service_time::{ServiceSampler, ServiceTime};
use super::station::{Admission, Discipline, Started, Station};
use super::stream::{Purpose, stream};

/// `[app]` as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct AppConfig {
    pub instances: u16,
    /// Per instance.
    pub workers: u32,
    /// Per instance accept queue beyond the workers; `None`: unbounded.
    pub queue_limit: Option<u64>,
    pub balancer: Balancer,
    /// The app's own time per request.
    pub work: ServiceTime,
    /// How long the balancer takes to notice an instance went down (or
    /// came back).
    pub health_check: SimTime,
}

/// A request at an instance: which attempt.
#[derive(Debug, Clone, Copy)]
pub struct AppJob {
    pub request: u32,
    pub attempt: u32,
}

/// One application instance.
#[derive(Debug)]
pub struct AppInstance {
    workers: Station<AppJob>,
    work: ServiceSampler,
    rng: Rng,
    /// The process is gone.
    pub down: bool,
    /// The balancer sends to it: it follows `down` a health check late.
    pub in_rotation: bool,
}

impl AppInstance {
    /// Instance `id` of a tier configured by `config`.
    pub fn new(config: &AppConfig, id: u16, streams: &RandomStreams) -> Self {
        AppInstance {
            workers: Station::new(Some(config.workers), config.queue_limit, Discipline::Fifo),
            work: config.work.sampler(),
            rng: stream(streams, Purpose::AppWork, id),
            down: false,
            in_rotation: true,
        }
    }

    /// A request arrives: a free worker takes it (its slot), it waits, or
    /// it is turned away (queue full, or the instance is down).
    pub fn arrive(&mut self, job: AppJob, now: SimTime) -> Admission {
        self.workers.arrive(job, now)
    }

    /// A worker takes the request in `slot` at `now`: when its own work ends.
    pub fn work_end(&mut self, now: SimTime) -> SimTime {
        now + self.work.sample(&mut self.rng)
    }

    /// The request in `slot` frees its worker; returns the next request
    /// the worker takes, skipping those whose client left (`gone`).
    pub fn release(
        &mut self,
        slot: u32,
        now: SimTime,
        gone: impl Fn(&AppJob) -> bool,
    ) -> Option<(AppJob, Started)> {
        let (_, next, _) = self.workers.finish(slot, now, gone);
        next.map(|n| (*self.workers.job_mut(n.slot), n))
    }

    /// The process died: every request it held is lost (returned); it
    /// turns requests away until [`restart`](Self::restart).
    pub fn crash(&mut self, now: SimTime) -> Vec<AppJob> {
        self.workers.close(now, |_| true)
    }

    pub fn restart(&mut self) {
        self.workers.reopen();
    }

    /// Requests held: working (or waiting downstream) and queued.
    pub fn held(&self) -> usize {
        self.workers.in_service() + self.workers.queue_len()
    }

    /// The instance's levels at `at`: busy workers and its accept queue.
    pub fn gauge(&self, at: SimTime) -> NodeGauge {
        NodeGauge {
            busy: self.workers.busy().area_at(at),
            queued: self.workers.queued().area_at(at),
            ..NodeGauge::default()
        }
    }
}

/// The instances and the balancer in front of them.
#[derive(Debug)]
pub struct AppTier {
    pub instances: Vec<AppInstance>,
    balancing: Balancing,
    /// Instances in the balancer's rotation.
    live: usize,
}

impl AppTier {
    pub fn new(config: &AppConfig, streams: &RandomStreams) -> Self {
        let instances: Vec<AppInstance> =
            (0..config.instances).map(|id| AppInstance::new(config, id, streams)).collect();
        AppTier {
            live: instances.len(),
            instances,
            balancing: Balancing::new(config.balancer, stream(streams, Purpose::Balancer, 0)),
        }
    }

    /// The instance the balancer sends the next request to; `None` when
    /// it believes none is healthy.
    #[inline]
    pub fn pick(&mut self) -> Option<u16> {
        let instances = &self.instances;
        let id = self.balancing.pick(
            instances.len(),
            self.live,
            |i| instances[i].in_rotation,
            |i| instances[i].held(),
        );
        id.map(|i| i as u16)
    }

    /// A health check of instance `id`: the balancer's rotation follows
    /// whether it is up.
    pub fn health_check(&mut self, id: u16) {
        let instance = &mut self.instances[usize::from(id)];
        let up = !instance.down;
        if instance.in_rotation != up {
            instance.in_rotation = up;
            if up {
                self.live += 1;
            } else {
                self.live -= 1;
            }
        }
    }
}
