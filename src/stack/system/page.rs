//! Page fan-out (`workload.fanout = K`): a user request reads K keys in
//! parallel, each part a request of its own that the page waits for. The
//! page answers when its slowest part does, is stale if any part is, and
//! fails — and is retried as a whole — when any part fails. Parts left
//! behind by a failed attempt run to their end and are ignored.

use crate::engine::SimTime;
use crate::metrics::{FailureCause, ReadOutcome};
use crate::stack::request::{NO_USER, Request};
use crate::stack::workload::Op;

use super::{Source, System};

/// The page a part belongs to: the page's request and the page's attempt
/// that started it (`System::parts`, by the part's slot).
pub(super) type PartOf = (u32, u32);

/// `PartOf` of a request that is not a part: a user's own.
pub(super) const NO_PAGE: PartOf = (u32::MAX, u32::MAX);

/// A page's keys beyond the request's own, and its live attempt's
/// progress. Kept by the page's slot in the request slab.
#[derive(Debug, Clone, Default)]
pub(super) struct Page {
    keys: Vec<u32>,
    /// Parts still to answer.
    left: u16,
    attempt: u32,
    outcome: Option<ReadOutcome>,
}

impl<const SINGLE: bool> System<'_, SINGLE> {
    /// Draws the further keys of the page `request`, from the fan-out's
    /// own stream: the arrivals' key stream stays as without fan-out.
    pub(super) fn draw_page(&mut self, request: u32) {
        let (Source::Open { workload, .. } | Source::Closed { workload, .. }) = &self.source else {
            unreachable!("validated: no fan-out with a trace")
        };
        let slot = request as usize;
        if self.pages.len() <= slot {
            self.pages.resize_with(slot + 1, Page::default);
        }
        let page = &mut self.pages[slot];
        page.keys.clear();
        for _ in 1..self.model.workload.fanout {
            page.keys.push(workload.page_key(&mut self.fanout_rng));
        }
    }

    /// The page's attempt starts its parts, one lookup each.
    pub(super) fn start_parts(&mut self, request: u32, attempt: u32, now: SimTime) {
        let parts = self.model.workload.fanout;
        let page = &mut self.pages[request as usize];
        (page.left, page.attempt, page.outcome) = (parts, attempt, None);
        for i in 0..usize::from(parts) {
            // A part can answer (or fail the page) at once: stop when the
            // attempt is over.
            if !self.is_live(request, attempt) {
                return;
            }
            let key = if i == 0 { self.key_of(request) } else { self.pages[request as usize].keys[i - 1] };
            let part = Request { attempts: 1, ..Request::new(key, Op::Read, now, false, NO_USER) };
            let part = self.requests.insert(part);
            self.parts.set(part, (request, attempt));
            let part_attempt = self.new_attempt();
            self.requests.get_mut(part).expect("just inserted").attempt = part_attempt;
            let node = self.topology.read_owner::<SINGLE>(key);
            self.send_lookup(part, part_attempt, node, now);
        }
    }

    /// Part `part` answered with `outcome`: the page answers when its
    /// last part has.
    pub(super) fn part_answered(&mut self, part: u32, outcome: ReadOutcome, now: SimTime) {
        self.requests.remove(part).expect("a part answers once");
        let (parent, parent_attempt) = self.parts.take(part);
        if !self.is_live(parent, parent_attempt) {
            return;
        }
        let page = &mut self.pages[parent as usize];
        page.left -= 1;
        let so_far = page.outcome.get_or_insert(ReadOutcome { stale: false, age: SimTime::ZERO });
        so_far.stale |= outcome.stale;
        so_far.age = so_far.age.max(outcome.age);
        if page.left == 0 {
            let outcome = *so_far;
            let p = self.finish(parent, now);
            self.recorder.success(p.arrived, now, Some(outcome), p.measured);
        }
    }

    /// Part `part` failed: so does the page's attempt.
    pub(super) fn part_failed(&mut self, part: u32, cause: FailureCause, now: SimTime) {
        self.requests.remove(part).expect("a part fails once");
        let (parent, parent_attempt) = self.parts.take(part);
        if self.is_live(parent, parent_attempt) {
            self.attempt_failed(parent, cause, now);
        }
    }
}
