//! The client side of the chat protocol, shared by the widget and the inbox.
//!
//! [`ChatSession`] is one conversation socket as a sans-IO state machine: resume by seq,
//! apply each entry once and in order, keep an outbox of `say`s under client ids, resend the
//! unacknowledged ones after `welcome`, and reconnect with the one [`Backoff`] policy. The
//! apps keep only their UI. Nothing here is serde: the widget decodes frames by hand and must
//! not pay for serde code.

mod backoff;
mod ids;
mod outbox;
mod sequencer;
mod session;

pub use backoff::{
    refused, seed_from, Backoff, FIRST_DELAY, MAX_DELAY, SESSION_ENDED, UNSUPPORTED_VERSION,
};
pub use ids::{push_hex, push_hex_bytes, ClientIds};
pub use outbox::{Outbox, Outgoing};
pub use sequencer::Sequencer;
pub use session::{Action, ChatSession, ClientEffect, ClientEvent, Link};
