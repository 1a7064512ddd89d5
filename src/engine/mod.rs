//! The discrete-event engine: simulated time, the event queue, the slab
//! and seeded random streams.
//!
//! Nothing here knows what is being simulated. A model defines its own small
//! `Copy` event type, owns an [`EventQueue`] of it and runs its own loop:
//! pop the next event, handle it, schedule what follows.

mod alias;
mod heap;
mod queue;
mod random;
mod slab;
mod time;

pub use alias::AliasTable;
pub use queue::{EventQueue, Lane};
pub use random::{RandomStreams, Rng};
pub use slab::{SideTable, Slab};
pub use time::SimTime;
