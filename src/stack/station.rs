//! A queueing station: servers, a waiting line, and the jobs in service.
//!
//! The station does the bookkeeping; its owner draws service times and
//! schedules completions, so one station type serves the cache and the
//! database alike.

use std::collections::VecDeque;

use crate::engine::{SimTime, Slab};
use crate::metrics::Level;

/// What happened to a job that arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A server took it: it is in service in this slot.
    Started(u32),
    /// It waits for a server.
    Queued,
    /// The waiting line was full.
    Rejected,
}

/// A job that left the waiting line for a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Started {
    pub slot: u32,
    /// How long it waited.
    pub waited: SimTime,
}

/// Servers, a first-come-first-served waiting line (bounded or not), and
/// the jobs in service.
#[derive(Debug, Clone)]
pub struct Station<J> {
    /// `None`: unlimited servers, no job ever waits.
    servers: Option<u32>,
    queue_limit: Option<u64>,
    waiting: VecDeque<(J, SimTime)>,
    in_service: Slab<J>,
    /// Paused: no job starts service.
    paused: bool,
    busy: Level,
    queued: Level,
}

impl<J> Station<J> {
    pub fn new(servers: Option<u32>, queue_limit: Option<u64>) -> Self {
        Station {
            servers,
            queue_limit,
            waiting: VecDeque::new(),
            in_service: Slab::new(),
            paused: false,
            busy: Level::default(),
            queued: Level::default(),
        }
    }

    /// Busy servers over time.
    pub fn busy(&self) -> &Level {
        &self.busy
    }

    /// Waiting jobs over time.
    pub fn queued(&self) -> &Level {
        &self.queued
    }

    pub fn queue_len(&self) -> usize {
        self.waiting.len()
    }

    /// A job arrives at `now`.
    pub fn arrive(&mut self, job: J, now: SimTime) -> Admission {
        if !self.paused && self.has_free_server() {
            self.busy.add(1, now);
            return Admission::Started(self.in_service.insert(job));
        }
        if self
            .queue_limit
            .is_some_and(|limit| self.waiting.len() as u64 >= limit)
        {
            return Admission::Rejected;
        }
        self.waiting.push_back((job, now));
        self.queued.add(1, now);
        Admission::Queued
    }

    fn has_free_server(&self) -> bool {
        self.servers
            .is_none_or(|c| (self.in_service.len() as u64) < u64::from(c))
    }

    /// Stops starting jobs; jobs in service are not affected.
    pub fn pause(&mut self) {
        self.paused = true;
    }

    /// Starts jobs again: as many waiting jobs as there are free servers
    /// take one now.
    pub fn resume(&mut self, now: SimTime) -> Vec<Started> {
        self.paused = false;
        let mut started = Vec::new();
        while self.has_free_server() {
            let Some(next) = self.start_next(now) else {
                break;
            };
            self.busy.add(1, now);
            started.push(next);
        }
        started
    }

    fn start_next(&mut self, now: SimTime) -> Option<Started> {
        let (job, since) = self.waiting.pop_front()?;
        self.queued.sub(1, now);
        Some(Started {
            slot: self.in_service.insert(job),
            waited: now - since,
        })
    }

    /// The job in service in `slot`.
    pub fn job_mut(&mut self, slot: u32) -> &mut J {
        self.in_service
            .get_mut(slot)
            .expect("a job is in service in this slot")
    }

    /// The job in `slot` completes at `now`. Returns it, and the next
    /// waiting job if one takes the freed server.
    pub fn finish(&mut self, slot: u32, now: SimTime) -> (J, Option<Started>) {
        let job = self
            .in_service
            .remove(slot)
            .expect("a job is in service in this slot");
        let next = if self.paused {
            None
        } else {
            self.start_next(now)
        };
        if next.is_none() {
            self.busy.sub(1, now);
        }
        (job, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_in_arrival_order_and_rejects_past_the_limit() {
        let mut station = Station::new(Some(1), Some(1));
        let Admission::Started(first) = station.arrive('a', SimTime(0)) else {
            panic!("an idle server takes the job")
        };
        assert_eq!(station.arrive('b', SimTime(1)), Admission::Queued);
        assert_eq!(station.arrive('c', SimTime(2)), Admission::Rejected);
        let (done, next) = station.finish(first, SimTime(5));
        assert_eq!(done, 'a');
        let next = next.expect("b takes the server");
        assert_eq!(next.waited, SimTime(4));
        assert_eq!(*station.job_mut(next.slot), 'b');
        assert_eq!(station.queued().area_at(SimTime(5)), 4);
        assert_eq!(station.busy().area_at(SimTime(10)), 10);
    }

    #[test]
    fn a_paused_station_queues_and_resumes_up_to_its_servers() {
        let mut station = Station::new(Some(2), None);
        let Admission::Started(first) = station.arrive('a', SimTime(0)) else {
            panic!()
        };
        station.pause();
        assert_eq!(
            station.arrive('b', SimTime(1)),
            Admission::Queued,
            "a free server, but paused"
        );
        assert_eq!(station.arrive('c', SimTime(1)), Admission::Queued);
        assert_eq!(station.arrive('d', SimTime(1)), Admission::Queued);
        let (_, next) = station.finish(first, SimTime(2));
        assert_eq!(next, None, "paused: the freed server stays idle");
        let started = station.resume(SimTime(5));
        assert_eq!(started.len(), 2);
        assert_eq!(started[0].waited, SimTime(4));
        assert_eq!(station.queue_len(), 1);
        assert_eq!(station.busy().value(), 2);
    }

    #[test]
    fn unlimited_servers_never_queue() {
        let mut station = Station::new(None, Some(0));
        for t in 0..100 {
            assert!(matches!(
                station.arrive(t, SimTime(t)),
                Admission::Started(_)
            ));
        }
        assert_eq!(station.busy().value(), 100);
    }
}
