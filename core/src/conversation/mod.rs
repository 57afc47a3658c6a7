//! One conversation between a visitor and the workspace, as the edge's ConversationDO drives it.
//!
//! Sans-IO: [`Conversation::handle`] takes an [`Input`] and the current time and returns
//! [`Effect`]s; [`Conversation::next_deadline`] says when to call it again with
//! [`Input::Tick`]. The edge stores every [`Effect::Append`]ed entry, the dialogue once, and the
//! rest of the state when [`Effect::Persist`] asks (`stored.rs`), and never decides anything
//! itself.
//!
//! Decisions worth knowing:
//! - The visitor may write as soon as a live chat is requested (also while an agent is being offered it):
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
//! - An agent holding an accepted chat may write internal notes while the conversation is
//!   open (`chat.rs`). A note is not activity, not a reply (first response time), not the
//!   preview; it never reaches a visitor's socket, live or replayed (`resume.rs`: the
//!   visitor numbers entries without notes). Once the conversation closed, notes are refused
//!   like every other input (a resent one is still acked).
//! - The conversation talks to its workspace only through [`crate::link`] messages
//!   ([`Effect::ToWorkspace`], [`Input::FromWorkspace`]). A refused `Accepted` is answered
//!   with `ChatClosed`, so the workspace frees the slot it reserved; an applied fallback, or a
//!   visitor with captured details who leaves while waiting, yields one failed-action record.
//! - It computes its own index row and status ([`Conversation::record`]) and decides when the
//!   workspace hears of them (`index.rs`).

mod availability;
mod chat;
mod flow;
mod handle;
mod identity;
mod index;
mod io;
mod lead;
mod live;
mod log;
mod offline;
mod presence;
mod refusal;
mod restate;
mod resume;
mod settings;
mod state;
mod stored;

pub use availability::CHECK_WAIT;
pub use index::{Indexed, DEFAULT_PREVIEW_EVERY, PREVIEW_CHARS};
pub use io::{CloseReason, Effect, Input, LiveState};
pub use log::RESEND_WINDOW;
pub use presence::{AGENT_ANNOUNCE_AFTER, VISITOR_ANNOUNCE_AFTER};
pub use refusal::Refusal;
pub use resume::{for_visitor, replay_after, resume_frames, resume_frames_for};
pub use settings::{ConversationSettings, DEFAULT_INACTIVITY_TIMEOUT, MAX_CLIENT_ID_CHARS};
pub use state::{Conversation, Position};
pub use stored::{StoredState, WholeSnapshot, CHECKPOINT_EVERY};
