//! Subcommands of the command line too long to sit in `main.rs`, and
//! what they share (`failure.rs`, `output.rs`); nothing here imports
//! `main.rs`.

pub mod failure;
pub mod fit;
pub mod gate;
pub mod interrupt;
pub mod output;
pub mod plan;
pub mod review;
pub mod sweep;
