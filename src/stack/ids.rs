//! The ids of the stack's components: small numbers the `Copy` events and
//! jobs carry, each an index into its tier of the topology.

/// A cache node's id: its index in the topology's cache tier (owners,
/// then the gutter pool).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheNodeId(pub u16);

/// A database node's id: 0 is the primary, `r + 1` the replica at index
/// `r`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbNodeId(pub u16);

impl DbNodeId {
    /// Where writes commit.
    pub const PRIMARY: DbNodeId = DbNodeId(0);
}
