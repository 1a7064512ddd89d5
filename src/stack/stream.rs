//! The random stream of each (purpose, component).
//!
//! A purpose's id is fixed forever: changing one changes every published
//! result. Component 0 of every tier draws from the purpose's own id, as the
//! single cache and database always did, so a model of one node of each
//! gives the outputs it gave before components had ids; component `c > 0`
//! draws from `purpose + c·2³²`, a stream of its own.

use crate::engine::{RandomStreams, Rng};

/// Why numbers are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Arrivals = 1,
    Keys = 2,
    Ops = 3,
    DbService = 4,
    CacheService = 5,
    Eviction = 6,
    TtlJitter = 7,
    Invalidation = 8,
    Refresh = 9,
    Faults = 10,
    Backoff = 11,
    Think = 12,
    ItemSize = 13,
    HotKeyRead = 14,
    ReplicaLag = 15,
    AppWork = 16,
    Balancer = 17,
    Fanout = 18,
}

/// The stream of `purpose` for `component` (0 for the purposes no
/// component owns: arrivals, keys, backoff …).
pub fn stream(streams: &RandomStreams, purpose: Purpose, component: u16) -> Rng {
    streams.stream(purpose as u64 | u64::from(component) << 32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn component_zero_keeps_the_purpose_stream_and_others_differ() {
        let streams = RandomStreams::new(7);
        let draw = |mut rng: Rng| -> u64 { rng.random() };
        assert_eq!(draw(stream(&streams, Purpose::DbService, 0)), draw(streams.stream(4)));
        let first = draw(stream(&streams, Purpose::DbService, 1));
        assert_ne!(first, draw(streams.stream(4)));
        assert_ne!(first, draw(stream(&streams, Purpose::CacheService, 1)));
        assert_ne!(first, draw(stream(&streams, Purpose::DbService, 2)));
    }
}
