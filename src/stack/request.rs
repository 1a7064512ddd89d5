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
}

impl Request {
    /// Whether `attempt` is this request's live attempt.
    pub fn is_live(&self, attempt: u32) -> bool {
        self.attempt == attempt
    }
}
