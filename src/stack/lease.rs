//! Memcache-style leases (Nishtala et al., NSDI 2013).
//!
//! A miss on a key nobody holds a lease for takes one: a token. The fill
//! that follows is accepted only with a token still valid; a delete voids
//! the key's lease, so a fill carrying a value read before the write is
//! dropped instead of installing it. A miss on a key whose lease is held
//! waits and reads the cache again rather than going to the database. A
//! lease lapses after `ttl`, so a holder that gave up cannot block a key.

use crate::engine::SimTime;

/// What a miss gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// A lease: fetch, then fill with this token.
    Token(u32),
    /// Another reader holds the lease: wait and read again.
    Wait,
}

/// Outstanding leases, one per key at most.
#[derive(Debug, Clone)]
pub struct Leases {
    token: Vec<u32>,
    lapses: Vec<SimTime>,
    next_token: u32,
    ttl: SimTime,
}

const NO_LEASE: u32 = 0;

impl Leases {
    pub fn new(keys: u32, ttl: SimTime) -> Self {
        Leases {
            token: vec![NO_LEASE; keys as usize],
            lapses: vec![SimTime::ZERO; keys as usize],
            next_token: 1,
            ttl,
        }
    }

    /// A miss on `key` at `now`.
    pub fn on_miss(&mut self, key: u32, now: SimTime) -> Grant {
        let k = key as usize;
        if self.token[k] != NO_LEASE && now < self.lapses[k] {
            return Grant::Wait;
        }
        let token = self.next_token;
        self.next_token = self.next_token.wrapping_add(1).max(1);
        self.token[k] = token;
        self.lapses[k] = now.saturating_add(self.ttl);
        Grant::Token(token)
    }

    /// A delete voids the key's lease.
    pub fn void(&mut self, key: u32) {
        self.token[key as usize] = NO_LEASE;
    }

    /// A fill with `token`: accepted (and the lease released) only if the
    /// token is the key's valid lease.
    pub fn redeem(&mut self, key: u32, token: u32, now: SimTime) -> bool {
        let k = key as usize;
        let valid = token != NO_LEASE && self.token[k] == token && now < self.lapses[k];
        if valid {
            self.token[k] = NO_LEASE;
        }
        valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delete_voids_the_lease_and_the_late_fill_is_dropped() {
        let mut leases = Leases::new(2, SimTime(100));
        let Grant::Token(t) = leases.on_miss(0, SimTime(0)) else { panic!() };
        assert_eq!(leases.on_miss(0, SimTime(1)), Grant::Wait);
        leases.void(0);
        assert!(!leases.redeem(0, t, SimTime(2)), "voided by the delete");
        let Grant::Token(t2) = leases.on_miss(0, SimTime(3)) else { panic!() };
        assert!(leases.redeem(0, t2, SimTime(4)));
        assert!(!leases.redeem(0, t2, SimTime(5)), "a token is redeemed once");
    }

    #[test]
    fn leases_lapse() {
        let mut leases = Leases::new(1, SimTime(10));
        let Grant::Token(t) = leases.on_miss(0, SimTime(0)) else { panic!() };
        assert!(matches!(leases.on_miss(0, SimTime(10)), Grant::Token(_)), "lapsed: a new lease");
        assert!(!leases.redeem(0, t, SimTime(11)));
    }
}
