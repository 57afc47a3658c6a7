//! The agent's inbox socket: inbox ↔ WorkspaceDO. Presence, offers, accept/decline.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::identity::VisitorIdentity;
use crate::routing::{RuleTarget, SkipReason};
use crate::{AgentId, ConversationId, Millis, TeamId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Available,
    Away,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum InboxClientMsg {
    Hello {
        v: u16,
    },
    SetPresence {
        presence: Presence,
    },
    Accept {
        offer: u64,
    },
    Decline {
        offer: u64,
    },
    /// Who could take a chat handed on now: answered with `colleagues`.
    Colleagues,
    /// Hand an accepted chat to another agent or a team: answered with `transfer_started`
    /// (or `error {code: transfer_refused}`), later `transfer_ended` or `chat_closed
    /// {reason: transferred}`.
    Transfer {
        conversation: ConversationId,
        to: RuleTarget,
    },
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
    /// Reply to `colleagues`: every other agent with live chat, whether they could take a chat
    /// now (and why not), and the teams with how many members could.
    Colleagues {
        agents: Vec<Colleague>,
        teams: Vec<TeamAvailability>,
    },
    /// The transfer is offered to `to` (a name: the agent's, or the team member's offered
    /// first); the chat stays yours until they accept, at the latest until `deadline`.
    TransferStarted {
        conversation: ConversationId,
        to: String,
        deadline: Millis,
    },
    /// Nobody took the transfer (`reason` as in `offer_withdrawn`): the chat is still yours.
    TransferEnded {
        conversation: ConversationId,
        reason: String,
    },
    Error {
        code: String,
        message: String,
    },
}

/// An agent a chat could be handed to (see `colleagues`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Colleague {
    pub agent: AgentId,
    pub name: String,
    /// `None`: could take a chat now; otherwise why not (`away`, `offline`, `at_capacity`,
    /// `outside_hours`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<SkipReason>,
}

/// A team a chat could be handed to, and how many of its members could take it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamAvailability {
    pub team: TeamId,
    pub available: u32,
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
    /// A transfer: the name of the agent handing this chat on (the transcript, with any note
    /// they wrote, comes with the chat once accepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_from: Option<String>,
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
    /// The agent handed the chat to a colleague, who accepted.
    Transferred,
}
