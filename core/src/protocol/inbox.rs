//! The agent's inbox socket: inbox ↔ WorkspaceDO. Presence, offers, accept/decline.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::identity::VisitorIdentity;
use crate::{AgentId, ConversationId, Millis};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Available,
    Away,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum InboxClientMsg {
    Hello { v: u16 },
    SetPresence { presence: Presence },
    Accept { offer: u64 },
    Decline { offer: u64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum InboxServerMsg {
    /// Reply to `hello`: the agent's current state.
    Welcome {
        agent: AgentId,
        presence: Presence,
        offers: Vec<OfferView>,
        chats: Vec<ChatSummary>,
        capacity: u32,
    },
    /// A chat is offered; accept before `deadline`.
    Offered {
        offer: OfferView,
    },
    /// The offer is gone (expired, declined, taken back).
    OfferWithdrawn {
        offer: u64,
        reason: String,
    },
    /// The agent now holds this live chat.
    ChatStarted {
        chat: ChatSummary,
    },
    /// The live chat is over and its capacity slot is free.
    ChatClosed {
        conversation: ConversationId,
        reason: EndReason,
    },
    Error {
        code: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferView {
    pub offer: u64,
    pub conversation: ConversationId,
    pub deadline: Millis,
    /// What the visitor told the bot (captured fields), for the banner.
    pub visitor: BTreeMap<String, String>,
    pub page_url: String,
    /// The identity the site gave, verified or a claim (`crate::identity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<VisitorIdentity>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatSummary {
    pub conversation: ConversationId,
    pub started_at: Millis,
    pub visitor: BTreeMap<String, String>,
    pub page_url: String,
    /// The identity the site gave, verified or a claim (`crate::identity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<VisitorIdentity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    EndedByAgent,
    EndedByVisitor,
    Expired,
    /// The agent left or was removed; the chat was routed to someone else.
    AgentLeft,
    /// An admin erased the conversation (the visitor's right to be forgotten): drop it.
    Erased,
}
