//! The agent inbox: sign-in, notifications, offers, accepted live chats.

mod app;
pub mod canned;
mod canned_view;
pub mod model;
pub mod update;
mod view;

pub use app::{live_count, start, App};
