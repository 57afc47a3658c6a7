//! The admin views' socket (Conversations in real time) and the conversation index rows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where a conversation stands, as the Conversations view shows it.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// The visitor is going through the dialogue's cards.
    Automated,
    /// Waiting for an agent (routing, offer outstanding).
    Waiting,
    /// An agent accepted: a live chat.
    Live,
    Ended,
    Expired,
    /// Nobody could take the live chat; the visitor saw a fallback message.
    FellBack,
}

/// One row of the Conversations view.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationRecord {
    pub id: String,
    pub created_at: u64,
    pub updated_at: u64,
    pub dialogue: String,
    pub page_url: String,
    pub status: ConversationStatus,
    #[serde(default)]
    pub agent: Option<String>,
    #[serde(default)]
    pub captured: BTreeMap<String, String>,
    #[serde(default)]
    pub last_message: Option<String>,
    /// Grows with every row the conversation sends: a store keeps the highest, so a row that
    /// arrives late never replaces a newer one.
    #[serde(default)]
    pub revision: u64,
    /// When an agent first wrote in the conversation (ms since the epoch), once one has: the
    /// missed-chat report's first response time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_agent_reply_at: Option<u64>,
    /// Who the site says the visitor is; a verified identity's id links the conversations of
    /// one person (`?person=` on the conversations list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<crate::identity::VisitorIdentity>,
}

impl ConversationRecord {
    /// The person this conversation is linked to: a verified identity's id (a claim links
    /// nothing).
    pub fn person(&self) -> Option<&str> {
        self.identity.as_ref().and_then(|i| i.person())
    }
}

/// What the edge pushes to an open admin view. (A frame is built, sent and dropped at once:
/// the size of its largest variant costs nothing worth a box.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AdminServerMsg {
    /// A conversation was created or changed.
    Conversation { record: ConversationRecord },
    /// These conversations were erased (by an admin or the retention period): drop their rows.
    Erased { conversations: Vec<String> },
}
