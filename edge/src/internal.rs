//! Messages between the two Durable Object classes (never seen by clients).

use parlor_core::dialogue::Dialogue;
use parlor_core::protocol::{AgentProfile, EndReason, FallbackKind};
use parlor_core::routing::{Routing, VisitorFacts};
use parlor_core::settings::WorkspaceSettings;
use serde::{Deserialize, Serialize};

use crate::workspace::index::Record;

/// Workspace → conversation: create the conversation and show its first card.
#[derive(Debug, Serialize, Deserialize)]
pub struct Init {
    pub workspace: String,
    pub conversation: String,
    pub token_hash: String,
    pub dialogue: Dialogue,
    pub settings: WorkspaceSettings,
    pub facts: VisitorFacts,
}

/// Conversation → workspace: the visitor reached a live chat card. Carries the conversation's
/// new index row, so the workspace stores it in the same write as the routing decision.
#[derive(Debug, Serialize, Deserialize)]
pub struct RouteRequest {
    pub conversation: String,
    pub routing: Routing,
    pub facts: VisitorFacts,
    #[serde(default)]
    pub record: Option<Record>,
}

/// Workspace → conversation, replying to `route`: what routing decided for the caller that
/// it must apply (a fallback when nobody can take the chat), instead of being called back.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RouteReply {
    pub outcomes: Vec<RouteOutcome>,
}

/// Workspace → conversation: what routing decided. Offers are not reported: to the
/// conversation an offered request is still waiting for an agent.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RouteOutcome {
    Accepted {
        agent: String,
        profile: AgentProfile,
    },
    FellBack {
        kind: FallbackKind,
        text: String,
    },
}

/// Conversation → workspace: the live chat is over (or the request was withdrawn).
#[derive(Debug, Serialize, Deserialize)]
pub struct Released {
    pub conversation: String,
    pub reason: Option<EndReason>,
}

/// Conversation → workspace: the index row changed.
#[derive(Debug, Serialize, Deserialize)]
pub struct IndexUpdate {
    pub record: Record,
}

/// Conversation → workspace, replying to `init`: the index row to store, and the live chat
/// request when the first card is a live chat card. The workspace (the caller, awaiting this
/// reply) stores and routes it itself instead of being called back.
#[derive(Debug, Serialize, Deserialize)]
pub struct InitReply {
    pub record: Option<Record>,
    pub route: Option<RouteRequest>,
}

/// Conversation → workspace, replying to `outcome`: whether the conversation took it, and the
/// index row to store when it changed (instead of a separate `index` call back).
#[derive(Debug, Serialize, Deserialize)]
pub struct OutcomeReply {
    pub ok: bool,
    #[serde(default)]
    pub record: Option<Record>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Ack {
    pub ok: bool,
}
