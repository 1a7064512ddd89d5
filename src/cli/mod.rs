//! Subcommands of the command line too long to sit in `main.rs`.

pub mod gate;
pub mod interrupt;
pub mod plan;
pub mod sweep;
