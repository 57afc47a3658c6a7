//! The two-machine simulation harness of `system_simulation.rs` (not a test target of its own).

pub mod fixtures;
pub mod rng;
#[path = "../support/stored.rs"]
pub mod stored;
pub mod world;
