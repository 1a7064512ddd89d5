//! A client request: one key, one operation, one or more attempts.

use crate::engine::SimTime;

use super::workload::Op;

/// A request in flight. It lives in the system's slab from its first
/// attempt to its final answer. What only some tiers need (the app worker
/// it holds, the page a part belongs to) lives in their side tables, so
/// that a request stays 40 bytes for every model.
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
}

/// `Request::attempt` while no attempt is live (waiting to retry).
pub const NO_ATTEMPT: u32 = u32::MAX;
/// `Request::user` of an open-loop request.
pub const NO_USER: u32 = u32::MAX;

impl Request {
    /// A user's request that arrives at `arrived`.
    pub fn new(key: u32, op: Op, arrived: SimTime, measured: bool, user: u32) -> Self {
        Request { key, op, arrived, attempt: NO_ATTEMPT, attempts: 0, measured, user, backoff: SimTime::ZERO }
    }

    /// Whether `attempt` is this request's live attempt.
    pub fn is_live(&self, attempt: u32) -> bool {
        self.attempt == attempt
    }
}
