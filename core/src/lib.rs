//! Parlor's core: every rule of the product as deterministic, sans-IO code.
//!
//! Nothing here reads a clock, a socket or storage. Callers pass the current time
//! ([`time::Millis`]) and inputs in, and get decisions and effects out. The edge, the
//! widget and the inbox are thin adapters around these types.

pub mod canned;
pub mod client;
pub mod conversation;
pub mod dialogue;
pub mod failed_action;
pub mod guard;
pub mod hash;
pub mod hours;
pub mod hours_text;
pub mod identity;
pub mod ids;
pub mod keys;
pub mod lead;
pub mod link;
pub mod mail_digest;
pub mod network;
pub mod owed;
pub mod password;
pub mod picture;
pub mod privacy;
pub mod protocol;
pub mod rate;
pub mod report;
pub mod routing;
pub mod settings;
pub mod signin;
pub mod sites;
pub mod start_key;
pub mod time;
pub mod transcript_mail;
pub mod webhooks;
pub mod workspace;

pub use ids::{AgentId, ButtonId, CardId, ConversationId, DialogueId, TeamId, WorkspaceId};
pub use time::Millis;
