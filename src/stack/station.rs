//! A queueing station: servers, a waiting line, and the jobs in service.
//!
//! The station does the bookkeeping; its owner draws service times and
//! schedules completions, so one station type serves the cache and the
//! database alike.

use std::collections::VecDeque;

use crate::engine::{SimTime, Slab};
use crate::metrics::Level;

crate::names::named_enum! {
    /// Which waiting job a freed server takes.
    pub enum Discipline {
        /// The one that waited longest.
        Fifo = "fifo",
        /// The newest: under overload, fresh work (whose client still waits)
        /// goes first and old work starves.
        Lifo = "lifo",
    }
}

/// What happened to a job that arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A server took it: it is in service in this slot.
    Started(u32),
    /// It waits for a server; `ticket` names it for [`Station::expire`].
    Queued { ticket: u64 },
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

/// A place in the waiting line: the job itself stays in its slot. Two
/// fields, so that it travels in registers: with the arrival time in it
/// too, appending went through memory and `perf` put 4 % of the M/M/10
/// benchmark's time on the store-forwarding stall of that copy.
#[derive(Debug, Clone, Copy)]
struct Waiting {
    slot: u32,
    ticket: u64,
}

/// A job in its slot, with the time it arrived (to tell how long it waited).
#[derive(Debug, Clone)]
struct Held<J> {
    job: J,
    since: SimTime,
}

/// Servers, a waiting line (bounded or not), and the jobs in service.
#[derive(Debug, Clone)]
pub struct Station<J> {
    /// `None`: unlimited servers, no job ever waits.
    servers: Option<u32>,
    queue_limit: Option<u64>,
    discipline: Discipline,
    /// Every job, waiting or in service: a job keeps its slot from
    /// arrival to departure, so starting service moves nothing.
    jobs: Slab<Held<J>>,
    /// Oldest first, whatever the discipline.
    waiting: VecDeque<Waiting>,
    next_ticket: u64,
    /// Paused: no job starts service.
    paused: bool,
    /// Closed (its host is down): every arrival is turned away.
    closed: bool,
    /// More jobs in service than servers, after the pool shrank.
    over: bool,
    /// Paused, closed or over capacity: the one flag the arrival's fast
    /// path reads, so a station that never closes pays nothing for closing.
    halted: bool,
    /// The waiting line's limit now: `queue_limit`, or 0 while closed.
    limit: Option<u64>,
    busy: Level,
    queued: Level,
    /// 1 while every server is busy.
    saturated: Level,
}

impl<J> Station<J> {
    pub fn new(servers: Option<u32>, queue_limit: Option<u64>, discipline: Discipline) -> Self {
        Station {
            servers,
            queue_limit,
            discipline,
            jobs: Slab::new(),
            waiting: VecDeque::new(),
            next_ticket: 0,
            paused: false,
            closed: false,
            over: false,
            halted: false,
            limit: queue_limit,
            busy: Level::default(),
            queued: Level::default(),
            saturated: Level::default(),
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

    /// Whether every server is busy, over time (0 or 1).
    pub fn saturated(&self) -> &Level {
        &self.saturated
    }

    /// One more server busy at `now`, and with it perhaps saturation.
    fn occupy_server(&mut self, now: SimTime) {
        self.busy.add(1, now);
        self.note_saturation(now);
    }

    /// One server fewer busy at `now`.
    fn free_server(&mut self, now: SimTime) {
        self.busy.sub(1, now);
        self.note_saturation(now);
    }

    fn note_saturation(&mut self, now: SimTime) {
        let full = self.servers.is_some_and(|c| self.busy.value() >= u64::from(c));
        if u64::from(full) != self.saturated.value() {
            self.saturated.set(u64::from(full), now);
        }
    }

    pub fn queue_len(&self) -> usize {
        self.waiting.len()
    }

    /// Jobs in service.
    pub fn in_service(&self) -> usize {
        self.busy.value() as usize
    }

    /// A job arrives at `now`.
    #[inline(always)]
    pub fn arrive(&mut self, job: J, now: SimTime) -> Admission {
        if !self.halted && self.has_free_server() {
            self.occupy_server(now);
            return Admission::Started(self.jobs.insert(Held { job, since: now }));
        }
        if self.limit.is_some_and(|limit| self.waiting.len() as u64 >= limit) {
            return Admission::Rejected;
        }
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        let slot = self.jobs.insert(Held { job, since: now });
        self.waiting.push_back(Waiting { slot, ticket });
        self.queued.add(1, now);
        Admission::Queued { ticket }
    }

    fn has_free_server(&self) -> bool {
        self.servers.is_none_or(|c| self.busy.value() < u64::from(c))
    }

    /// Stops starting jobs; jobs in service are not affected.
    pub fn pause(&mut self) {
        self.paused = true;
        self.halted = true;
    }

    /// Its host is down: every job is lost and arrivals are turned away
    /// until [`reopen`](Self::reopen). The waiting jobs leave now; the jobs
    /// in service keep their servers until their completions come (the
    /// owner discards them then), `lose` marking each and saying whether
    /// it was not lost already. Returns the jobs lost now.
    pub fn close(&mut self, now: SimTime, mut lose: impl FnMut(&mut J) -> bool) -> Vec<J>
    where
        J: Clone,
    {
        (self.closed, self.halted, self.limit) = (true, true, Some(0));
        let mut lost = Vec::new();
        while let Some(w) = self.waiting.pop_front() {
            self.queued.sub(1, now);
            lost.push(self.jobs.remove(w.slot).expect("a waiting job is in its slot").job);
        }
        for held in self.jobs.iter_mut() {
            let job = held.job.clone();
            if lose(&mut held.job) {
                lost.push(job);
            }
        }
        lost
    }

    /// The host is back: arrivals are admitted again (as far as a pause
    /// lets them start).
    pub fn reopen(&mut self) {
        (self.closed, self.halted, self.limit) = (false, self.paused || self.over, self.queue_limit);
    }

    /// Starts jobs again: as many waiting jobs as there are free servers
    /// take one now. Jobs for which `dropped` holds are discarded on the way
    /// and counted.
    pub fn resume(&mut self, now: SimTime, dropped: impl Fn(&J) -> bool) -> (Vec<Started>, u32) {
        self.paused = false;
        self.halted = self.closed || self.over;
        let (mut started, mut discarded) = (Vec::new(), 0);
        while self.has_free_server() {
            let Some(next) = self.start_next(now, &dropped, &mut discarded) else {
                break;
            };
            self.occupy_server(now);
            started.push(next);
        }
        (started, discarded)
    }

    /// The next waiting job by the discipline, skipping (and counting)
    /// those for which `dropped` holds.
    fn start_next(
        &mut self,
        now: SimTime,
        dropped: &impl Fn(&J) -> bool,
        discarded: &mut u32,
    ) -> Option<Started> {
        loop {
            let next = match self.discipline {
                Discipline::Fifo => self.waiting.pop_front(),
                Discipline::Lifo => self.waiting.pop_back(),
            }?;
            self.queued.sub(1, now);
            let held = self.jobs.get(next.slot).expect("a waiting job is in its slot");
            if dropped(&held.job) {
                self.jobs.remove(next.slot);
                *discarded += 1;
                continue;
            }
            return Some(Started { slot: next.slot, waited: now - held.since });
        }
    }

    /// The pool is resized to `servers` at `now` (a configuration change).
    /// More servers start as many waiting jobs now (returned, with the
    /// count of those `dropped` discarded on the way); fewer let the jobs
    /// in service finish, and no waiting job starts until the busy
    /// servers are below the new count — the extra servers are released
    /// as their jobs end, not cut.
    pub fn resize(
        &mut self,
        servers: u32,
        now: SimTime,
        dropped: impl Fn(&J) -> bool,
    ) -> (Vec<Started>, u32) {
        self.servers = Some(servers);
        self.note_saturation(now);
        self.over_capacity_check();
        let (mut started, mut discarded) = (Vec::new(), 0);
        while !self.halted && self.has_free_server() {
            let Some(next) = self.start_next(now, &dropped, &mut discarded) else {
                break;
            };
            self.occupy_server(now);
            started.push(next);
        }
        (started, discarded)
    }

    /// The waiting line's limit from now on; jobs already waiting beyond
    /// a lower limit stay (they were admitted).
    pub fn set_queue_limit(&mut self, queue_limit: Option<u64>) {
        self.queue_limit = queue_limit;
        if !self.closed {
            self.limit = queue_limit;
        }
    }

    /// More jobs in service than servers (after a shrink): halt starts
    /// until enough have finished; the one flag the fast paths read.
    fn over_capacity_check(&mut self) {
        self.over = self.servers.is_some_and(|c| self.busy.value() > u64::from(c));
        self.halted = self.paused || self.closed || self.over;
    }

    /// The job in `slot`.
    pub fn job_mut(&mut self, slot: u32) -> &mut J {
        &mut self.jobs.get_mut(slot).expect("a job is in this slot").job
    }

    /// The job in `slot` completes at `now`. Returns it, the next waiting
    /// job if one takes the freed server, and how many waiting jobs were
    /// discarded on the way because `dropped` held for them.
    pub fn finish(
        &mut self,
        slot: u32,
        now: SimTime,
        dropped: impl Fn(&J) -> bool,
    ) -> (J, Option<Started>, u32) {
        let job = self.jobs.remove(slot).expect("a job is in service in this slot").job;
        if self.halted {
            self.free_server(now);
            // Over capacity after a shrink: this server was one too many.
            if self.over {
                self.over_capacity_check();
            }
            return (job, None, 0);
        }
        let mut discarded = 0;
        let next = self.start_next(now, &dropped, &mut discarded);
        if next.is_none() {
            self.free_server(now);
        }
        (job, next, discarded)
    }

    /// The job with `ticket` has waited too long: if it still waits, it
    /// leaves unserved and is returned. Tickets expire oldest first, so it
    /// is the oldest waiting job if it is there at all.
    pub fn expire(&mut self, ticket: u64, now: SimTime) -> Option<J> {
        if self.waiting.front()?.ticket != ticket {
            return None;
        }
        self.queued.sub(1, now);
        let waiting = self.waiting.pop_front()?;
        self.jobs.remove(waiting.slot).map(|held| held.job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_in_arrival_order_and_rejects_past_the_limit() {
        let mut station = Station::new(Some(1), Some(1), Discipline::Fifo);
        let Admission::Started(first) = station.arrive('a', SimTime(0)) else {
            panic!("an idle server takes the job")
        };
        assert_eq!(station.arrive('b', SimTime(1)), Admission::Queued { ticket: 0 });
        assert_eq!(station.arrive('c', SimTime(2)), Admission::Rejected);
        let (done, next, _) = station.finish(first, SimTime(5), |_| false);
        assert_eq!(done, 'a');
        let next = next.expect("b takes the server");
        assert_eq!(next.waited, SimTime(4));
        assert_eq!(*station.job_mut(next.slot), 'b');
        assert_eq!(station.queued().area_at(SimTime(5)), 4);
        assert_eq!(station.busy().area_at(SimTime(10)), 10);
    }

    #[test]
    fn a_paused_station_queues_and_resumes_up_to_its_servers() {
        let mut station = Station::new(Some(2), None, Discipline::Fifo);
        let Admission::Started(first) = station.arrive('a', SimTime(0)) else { panic!() };
        station.pause();
        let queued = |a| matches!(a, Admission::Queued { .. });
        assert!(queued(station.arrive('b', SimTime(1))), "a free server, but paused");
        assert!(queued(station.arrive('c', SimTime(1))));
        assert!(queued(station.arrive('d', SimTime(1))));
        let (_, next, _) = station.finish(first, SimTime(2), |_| false);
        assert_eq!(next, None, "paused: the freed server stays idle");
        let (started, _) = station.resume(SimTime(5), |_| false);
        assert_eq!(started.len(), 2);
        assert_eq!(started[0].waited, SimTime(4));
        assert_eq!(station.queue_len(), 1);
        assert_eq!(station.busy().value(), 2);
    }

    #[test]
    fn lifo_serves_the_newest_and_expiry_takes_the_oldest() {
        let mut station = Station::new(Some(1), None, Discipline::Lifo);
        let Admission::Started(first) = station.arrive('a', SimTime(0)) else { panic!() };
        let Admission::Queued { ticket: b } = station.arrive('b', SimTime(1)) else { panic!() };
        station.arrive('c', SimTime(2));
        station.arrive('d', SimTime(3));
        assert_eq!(station.expire(b, SimTime(4)), Some('b'), "b waited longest");
        let (_, next, discarded) = station.finish(first, SimTime(5), |j| *j == 'd');
        assert_eq!(discarded, 1, "an abandoned job is dropped at the head");
        assert_eq!(*station.job_mut(next.unwrap().slot), 'c');
        assert_eq!(station.expire(b, SimTime(6)), None, "already gone");
        assert_eq!(station.queue_len(), 0);
    }

    #[test]
    fn a_closed_station_loses_its_jobs_and_turns_arrivals_away_until_it_reopens() {
        let mut station = Station::new(Some(1), Some(5), Discipline::Fifo);
        let Admission::Started(first) = station.arrive(('a', false), SimTime(0)) else { panic!() };
        station.arrive(('b', false), SimTime(1));
        let lose = |j: &mut (char, bool)| !std::mem::replace(&mut j.1, true);
        let lost = station.close(SimTime(2), lose);
        assert_eq!(lost, vec![('b', false), ('a', false)], "the waiting, then those in service");
        assert_eq!(station.arrive(('c', false), SimTime(3)), Admission::Rejected);
        assert!(station.close(SimTime(3), lose).is_empty(), "lost once");
        let (done, next, _) = station.finish(first, SimTime(4), |_| false);
        assert_eq!((done, next), (('a', true), None), "its completion still comes, marked lost");
        station.reopen();
        assert!(matches!(station.arrive(('d', false), SimTime(5)), Admission::Started(_)));
        assert_eq!(station.queued().area_at(SimTime(5)), 1, "b waited 1..2");
    }

    #[test]
    fn unlimited_servers_never_queue() {
        let mut station = Station::new(None, Some(0), Discipline::Fifo);
        for t in 0..100 {
            assert!(matches!(station.arrive(t, SimTime(t)), Admission::Started(_)));
        }
        assert_eq!(station.busy().value(), 100);
    }
}
