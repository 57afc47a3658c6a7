//! Every message on the wire between the widget, the inbox and the edge.
//!
//! JSON, one object per WebSocket frame, tagged by `type`. The widget, the inbox and the
//! edge all use these types, so the format is defined once. Snapshot tests pin the JSON.

mod admin;
mod chat;
mod inbox;
mod push;

pub use admin::{AdminServerMsg, ConversationRecord, ConversationStatus};
pub use chat::{
    AgentChatMsg, AgentProfile, ChatClientMsg, ChatServerMsg, ConversationView, FallbackKind,
    FieldError, Side, TranscriptEntry, TranscriptEvent,
};
pub use inbox::{
    ChatSummary, Colleague, EndReason, InboxClientMsg, InboxServerMsg, OfferView, Presence,
    TeamAvailability,
};
pub use push::{PushMsg, PUSH_BODY_CHARS};

/// Bumped on any incompatible change; clients send it in their `hello`.
pub const PROTOCOL_VERSION: u16 = 1;

/// Longest chat message a visitor or agent may send, in bytes of UTF-8.
pub const MAX_MESSAGE_BYTES: usize = 4_000;

/// Largest WebSocket frame the edge accepts, in bytes.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
