//! One conversation between a visitor and the workspace, as the edge's ConversationDO drives it.
//!
//! Sans-IO: [`Conversation::handle`] takes an [`Input`] and the current time and returns
//! [`Effect`]s; [`Conversation::next_deadline`] says when to call it again with
//! [`Input::Tick`]. The edge persists the whole [`Conversation`] (it is serde) plus every
//! [`Effect::Append`]ed entry, and never decides anything itself.
//!
//! Decisions worth knowing:
//! - The visitor may write as soon as a live chat is requested (also while it is offered):
//!   the messages wait in the transcript and the agent reads them on accepting. Before that
//!   (the bot is still asking) and after the conversation closed, messages are refused.
//!   The agent may write only once they accepted.
//! - Activity = start, answers, captures, messages and the agent's acceptance. Typing and
//!   the workspace's offers are not activity. Inactivity applies to every open conversation,
//!   whatever its stage, so every conversation ends.
//! - Any input first expires an overdue conversation: a late alarm never lets a message
//!   revive a conversation that should be over.
//! - A resent `say` (same side and `client_id`) is answered with the original `ack`, even
//!   after the conversation closed; nothing is stored twice.
//! - A refused `Offered`/`Accepted` is answered with `Reply(Error)`: the workspace must then
//!   withdraw the offer / free the slot it reserved for this conversation.

mod chat;
mod flow;
mod handle;
mod io;
mod live;
mod refusal;
mod resume;
mod settings;
mod state;

pub use chat::RESEND_WINDOW;
pub use io::{CloseReason, Effect, Input, LiveState};
pub use refusal::Refusal;
pub use resume::{replay_after, resume_frames};
pub use settings::{ConversationSettings, DEFAULT_INACTIVITY_TIMEOUT, MAX_CLIENT_ID_CHARS};
pub use state::{Conversation, Position};
