//! The numbers and texts a conversation needs from its workspace.

use serde::{Deserialize, Serialize};

use crate::settings::WorkspaceSettings;
use crate::Millis;

/// Spec default: 10 minutes without activity by either side.
pub const DEFAULT_INACTIVITY_TIMEOUT: Millis = Millis(600_000);

/// Longest `client_id` of a `say`.
pub const MAX_CLIENT_ID_CHARS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConversationSettings {
    pub inactivity_timeout: Millis,
    /// Shown when nobody could take the chat, if the workspace sends no text.
    pub live_chat_fallback: String,
    /// Shown when live chat is not allowed at all, if the workspace sends no text.
    pub global_fallback: String,
    /// A waiting visitor gone this long leaves the line.
    pub visitor_gone_waiting: Millis,
    /// A live chat whose visitor is gone this long ends.
    pub visitor_gone_chat: Millis,
}

impl Default for ConversationSettings {
    fn default() -> Self {
        ConversationSettings::from(&WorkspaceSettings::default())
    }
}

impl From<&WorkspaceSettings> for ConversationSettings {
    fn from(w: &WorkspaceSettings) -> Self {
        ConversationSettings {
            inactivity_timeout: Millis(w.inactivity_timeout_ms),
            live_chat_fallback: w.live_chat_fallback.clone(),
            global_fallback: w.global_fallback.clone(),
            visitor_gone_waiting: Millis(w.visitor_gone_waiting_ms),
            visitor_gone_chat: Millis(w.visitor_gone_chat_ms),
        }
    }
}
