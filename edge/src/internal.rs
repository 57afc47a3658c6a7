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

/// Conversation → workspace: the visitor reached a live chat card.
#[derive(Debug, Serialize, Deserialize)]
pub struct RouteRequest {
    pub conversation: String,
    pub routing: Routing,
    pub facts: VisitorFacts,
}

/// Workspace → conversation: what routing decided.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RouteOutcome {
    Offered {
        agent: String,
    },
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

#[derive(Debug, Serialize, Deserialize)]
pub struct Ack {
    pub ok: bool,
}
