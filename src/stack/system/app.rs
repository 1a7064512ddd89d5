//! The application tier's step of the request path: the balancer picks an
//! instance, a worker takes the attempt (or it waits in the accept queue,
//! or is turned away), does the app's own work and then holds on while the
//! cache and the database answer. The worker is free when the attempt
//! ends, whichever way.

use crate::engine::SimTime;
use crate::metrics::FailureCause;
use crate::stack::app::AppJob;
use crate::stack::station::Admission;

use super::{Event, System};

/// The app worker a request's live attempt holds: its instance and its
/// slot there (`System::held`, by the request's slot).
pub(super) type Held = (u16, u32);

/// `Held` of a request that holds no worker.
pub(super) const NO_WORKER: Held = (0, u32::MAX);

impl<const SINGLE: bool> System<'_, SINGLE> {
    /// A live attempt reaches the balancer.
    pub(super) fn enter_app(&mut self, request: u32, attempt: u32, now: SimTime) {
        let app = self.topology.app.as_mut().expect("an app tier");
        let Some(id) = app.pick() else {
            return self.attempt_failed(request, FailureCause::AppDown, now);
        };
        let instance = &mut app.instances[usize::from(id)];
        let job = AppJob { request, attempt };
        match instance.arrive(job, now) {
            Admission::Started(slot) => self.start_work(id, slot, job, now),
            Admission::Queued { .. } => {}
            Admission::Rejected => {
                let cause = if instance.down { FailureCause::AppDown } else { FailureCause::Rejected };
                self.attempt_failed(request, cause, now)
            }
        }
    }

    /// A worker of instance `id` takes `job` (in `slot`): the app's own
    /// work begins.
    fn start_work(&mut self, id: u16, slot: u32, job: AppJob, now: SimTime) {
        self.held.set(job.request, (id, slot));
        let app = self.topology.app.as_mut().expect("an app tier");
        let done = app.instances[usize::from(id)].work_end(now);
        self.queue.schedule(done, Event::WorkDone { request: job.request, attempt: job.attempt });
    }

    /// The app's own work is done: on to the cache (and the database).
    pub(super) fn on_work_done(&mut self, request: u32, attempt: u32, now: SimTime) {
        if let Some(r) = self.requests.get(request)
            && r.is_live(attempt)
        {
            let (key, op) = (r.key, r.op);
            self.downstream(request, attempt, key, op, now);
        }
    }

    /// The request's attempt ended: its worker (if it holds one) is free
    /// and takes the next waiting attempt whose client still waits.
    pub(super) fn release_worker(&mut self, request: u32, now: SimTime) {
        let (id, slot) = self.held.take(request);
        if (id, slot) == NO_WORKER {
            return;
        }
        let requests = &self.requests;
        let gone = |job: &AppJob| !requests.get(job.request).is_some_and(|r| r.is_live(job.attempt));
        let app = self.topology.app.as_mut().expect("a worker belongs to an app instance");
        if let Some((job, started)) = app.instances[usize::from(id)].release(slot, now, gone) {
            self.start_work(id, started.slot, job, now);
        }
    }

    /// Instance `id` went down: every attempt it held fails at once (its
    /// connections reset); the balancer notices at its next health check.
    pub(super) fn app_instance_lost(&mut self, id: u16, now: SimTime) {
        let app = self.topology.app.as_mut().expect("an app tier");
        for job in app.instances[usize::from(id)].crash(now) {
            if self.is_live(job.request, job.attempt) {
                self.attempt_failed(job.request, FailureCause::AppDown, now);
            }
        }
        self.schedule_health_check(id, now);
    }

    /// Instance `id` is back, empty; the balancer sends to it again after
    /// its next health check.
    pub(super) fn app_instance_back(&mut self, id: u16, now: SimTime) {
        self.topology.app.as_mut().expect("an app tier").instances[usize::from(id)].restart();
        self.schedule_health_check(id, now);
    }

    fn schedule_health_check(&mut self, id: u16, now: SimTime) {
        let every = self.model.app.as_ref().expect("an app tier").health_check;
        self.queue.schedule(now + every, Event::HealthCheck { instance: id });
    }
}
