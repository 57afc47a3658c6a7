//! The typed link between the two machines: a [`crate::conversation::Conversation`] and its
//! [`crate::workspace::Workspace`]. Both machines emit these messages as effects and take
//! them as inputs; the edge only carries them (one internal endpoint per object, a batch per
//! call, the reverse direction's messages in the reply) and never looks inside.
//!
//! Delivery may be late, reordered or repeated (a call retried after it failed, see
//! [`crate::owed`]; a restart between two sends). Every message is therefore safe to apply twice
//! and in any order:
//! - `Accepted` for an agent the conversation already has changes nothing; for a closed
//!   conversation it is refused and answered with `ChatClosed`, which frees the slot.
//! - `FellBack` to a closed conversation is refused, and only an applied fallback produces the
//!   failed-action record, so a repeated fallback never sends a second email.
//! - Requests are numbered per conversation. The workspace remembers the latest settled request
//!   of recent conversations, so a `RequestLiveChat` repeated after its end, or overtaken by
//!   its own cancel, is not routed again; one the router still holds is a duplicate.
//! - `CancelLiveChat` and `ChatClosed` free what is still held for that request or an older
//!   one, and nothing newer. An `Accepted` for an older request is refused.
//! - `Index` rows carry a revision; the workspace keeps the newest.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::failed_action::{Email, FailedAction};
use crate::lead::LeadUpdate;
use crate::protocol::{AgentProfile, ConversationRecord, EndReason, FallbackKind};
use crate::routing::{FallbackReason, Routing, VisitorFacts};
use crate::{AgentId, CardId, ConversationId, Millis};

/// Conversation → workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConversationToWorkspace {
    /// The visitor reached a live chat card: find an agent. `request` numbers the
    /// conversation's requests (1, then 2 after an agent left…), so a repeated or overtaken
    /// message is recognised.
    RequestLiveChat {
        routing: Routing,
        facts: VisitorFacts,
        #[serde(default)]
        request: u32,
    },
    /// The request is void (the visitor ended or the conversation expired while waiting).
    CancelLiveChat {
        #[serde(default)]
        request: u32,
    },
    /// The conversation took `Accepted` from this agent: the agent may open the chat. Carries
    /// what the agent's chat list shows of the visitor.
    AgentJoined {
        agent: AgentId,
        #[serde(default)]
        visitor: BTreeMap<String, String>,
        #[serde(default)]
        page_url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identity: Option<crate::identity::VisitorIdentity>,
    },
    /// The live chat with this agent, for request `request` or an older one, is over (or
    /// was refused): free the agent's slot.
    ChatClosed {
        agent: AgentId,
        reason: EndReason,
        #[serde(default)]
        request: u32,
    },
    /// The agent holding the chat left it: free their slot and route the chat again, in one
    /// step (so a reordered delivery can never see the new request before the release).
    AgentLeft {
        agent: AgentId,
        routing: Routing,
        facts: VisitorFacts,
        /// The new request's number.
        #[serde(default)]
        request: u32,
    },
    /// The conversation's row in the Conversations view changed.
    Index {
        record: ConversationRecord,
        /// The preview pace the conversation uses now; the workspace answers `Pace` only
        /// when it wants another.
        #[serde(default)]
        preview_every: Millis,
    },
    /// A lead who asked for a human reached nobody: store it and email the workspace's users.
    FailedAction { action: FailedAction },
    /// What the conversation knows of a visitor who gave an email: folded into the
    /// workspace's lead of that email (see [`crate::lead::merge`]; safe to repeat).
    Lead { update: LeadUpdate },
    /// An email for the visitor (their transcript), to record in the outbox and send.
    /// The conversation sends it at most once. `site` is the host of the page the visitor's
    /// start named: the workspace names it in the subject only when it is one of its allowed
    /// origins (a visitor chooses their page URL, and could choose someone else's site).
    MailVisitor {
        to: String,
        email: Email,
        #[serde(default)]
        site: String,
    },
    /// The visitor reached a question card that branches on availability: can someone chat
    /// now? Answered at once with [`WorkspaceToConversation::Availability`]; nothing is stored.
    CheckAvailability { card: CardId },
}

/// Workspace → conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WorkspaceToConversation {
    /// An agent accepted request `request`; `profile` is the snapshot the visitor keeps seeing.
    Accepted {
        agent: AgentId,
        profile: AgentProfile,
        #[serde(default)]
        request: u32,
    },
    /// `from` handed the live chat of request `request` to `agent` (a transfer was accepted);
    /// `profile` is the new snapshot the visitor keeps seeing.
    Transferred {
        from: AgentId,
        agent: AgentId,
        profile: AgentProfile,
        request: u32,
    },
    /// Nobody can take the chat: show the fallback message of this kind.
    FellBack {
        kind: FallbackKind,
        reason: FallbackReason,
    },
    /// The agent holding the chat is gone (no inbox past the grace; `removed`: deleted, or lost
    /// the live chat permission). Unless the agent is still on the chat's own socket (never
    /// when removed), the conversation routes the chat again.
    AgentLeft { agent: AgentId, removed: bool },
    /// How often, at most, the conversation should send its last-message preview. The
    /// workspace widens it as it holds more live chats, so previews never flood it.
    Pace { preview_every: Millis },
    /// The answer to `CheckAvailability` for this card: open hours and an eligible agent
    /// below capacity (the public availability read's `can_chat`).
    Availability { card: CardId, can_chat: bool },
}

/// What one conversation sends in one call: its messages, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FromConversation {
    pub conversation: ConversationId,
    pub messages: Vec<ConversationToWorkspace>,
}

/// What the workspace sends one conversation in one call (or in the reply to its call).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToConversation {
    pub messages: Vec<WorkspaceToConversation>,
}

impl WorkspaceToConversation {
    /// Advice (the preview pace): rides in the reply to the conversation's own call, or in a
    /// call made for something else, and is never worth a call of its own. A call is an event
    /// and a commit in the conversation object; the advice can wait for the conversation's
    /// next call, which is when it matters (a preview is such a call).
    pub fn is_advice(&self) -> bool {
        matches!(self, WorkspaceToConversation::Pace { .. })
    }
}

impl ToConversation {
    /// Whether this batch, sent as a call of its own, carries more than advice.
    pub fn worth_a_call(&self) -> bool {
        self.messages.iter().any(|m| !m.is_advice())
    }
}
