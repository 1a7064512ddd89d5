//! A client request: one key, one operation, one or more attempts.

use crate::engine::SimTime;

use super::workload::Op;

/// A request in flight. It lives in the system's slab from its first
/// attempt to its final answer.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    pub key: u32,
    pub op: Op,
    /// When the first attempt was made: user latency runs from here.
    pub arrived: SimTime,
    /// The id of the live attempt. Work left behind by an abandoned attempt
    /// carries an older id and is ignored when it completes.
    pub attempt: u32,
    /// Attempts made so far.
    pub attempts: u32,
    /// Arrived after warm-up: counts in the summary.
    pub measured: bool,
    /// The closed-loop user who sent it, or [`NO_USER`].
    pub user: u32,
    /// The last backoff delay (decorrelated jitter grows from it).
    pub backoff: SimTime,
    /// The app worker the live attempt holds: its instance and its slot
    /// there, or [`NO_WORKER`].
    pub instance: u16,
    pub worker: u32,
    /// A part of a page (fan-out): the page's request and the page's
    /// attempt it belongs to; [`NO_PARENT`] for a user's request.
    pub parent: u32,
    pub parent_attempt: u32,
}

/// `Request::attempt` while no attempt is live (waiting to retry).
pub const NO_ATTEMPT: u32 = u32::MAX;
/// `Request::user` of an open-loop request.
pub const NO_USER: u32 = u32::MAX;
/// `Request::worker` while the request holds no app worker.
pub const NO_WORKER: u32 = u32::MAX;
/// `Request::parent` of a user's own request.
pub const NO_PARENT: u32 = u32::MAX;

impl Request {
    /// A user's request that arrives at `arrived`.
    pub fn new(key: u32, op: Op, arrived: SimTime, measured: bool, user: u32) -> Self {
        Request {
            key,
            op,
            arrived,
            attempt: NO_ATTEMPT,
            attempts: 0,
            measured,
            user,
            backoff: SimTime::ZERO,
            instance: 0,
            worker: NO_WORKER,
            parent: NO_PARENT,
            parent_attempt: NO_ATTEMPT,
        }
    }

    /// Whether `attempt` is this request's live attempt.
    pub fn is_live(&self, attempt: u32) -> bool {
        self.attempt == attempt
    }
}
