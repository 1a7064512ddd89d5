//! Integration tests: one binary, a module per behaviour.
//!
//! Statistical tests state their tolerance and why next to the assertion.
//! Simulations are built optimised (`[profile.test] opt-level = 3`).

mod alerts;
mod app_tier;
mod bad_input;
mod cache_semantics;
mod cache_theory;
mod charts;
mod cli;
mod cluster;
mod deployed_incidents;
mod determinism;
mod eviction;
mod fanout;
mod fuzz;
mod gate;
mod incident;
mod invariants;
mod overload;
mod plan;
mod queue_theory;
mod replay;
mod replicas;
mod review;
mod scenarios;
mod staleness;
mod support;
mod sweep;
mod theory;
mod topology;
mod zones;
