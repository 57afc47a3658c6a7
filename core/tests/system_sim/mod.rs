//! The two-machine simulation harness of `system_simulation.rs` (not a test target of its own).

pub mod fixtures;
pub mod rng;
pub mod world;
