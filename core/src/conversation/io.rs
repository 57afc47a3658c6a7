//! What goes into a conversation and what comes out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::protocol::{
    AgentProfile, ChatServerMsg, EndReason, FallbackKind, Side, TranscriptEntry,
};
use crate::routing::{Routing, VisitorFacts};
use crate::{AgentId, ButtonId, CardId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum Input {
    /// The visitor opened the widget: show the first cards.
    Start {
        page_url: String,
        #[serde(default)]
        language: String,
        #[serde(default)]
        country: String,
        /// UTM parameters by name without the `utm_` prefix.
        #[serde(default)]
        utm: BTreeMap<String, String>,
    },
    /// The visitor clicked a button of the current question card.
    Answer {
        card: CardId,
        button: ButtonId,
    },
    /// The visitor submitted the current info capture card.
    Capture {
        card: CardId,
        values: BTreeMap<String, String>,
    },
    Say {
        from: Side,
        client_id: String,
        text: String,
    },
    Typing {
        from: Side,
        on: bool,
    },
    End {
        by: Side,
    },
    /// The workspace offered the chat to an agent (not yet accepted).
    Offered {
        agent: AgentId,
    },
    /// An agent accepted; `profile` is the snapshot the visitor keeps seeing.
    Accepted {
        agent: AgentId,
        profile: AgentProfile,
    },
    /// Nobody can take the chat. An empty `text` uses the settings' text for `kind`.
    FellBack {
        kind: FallbackKind,
        text: String,
    },
    /// The alarm fired. Early, late or repeated ticks are harmless.
    Tick,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Store the entry, then send it (as `ChatServerMsg::Entry`) to every socket.
    Append(TranscriptEntry),
    /// Send to the socket the input came from only (`ack`, `invalid`, `error`).
    Reply(ChatServerMsg),
    /// Send to every socket without storing (typing indicators).
    Relay(ChatServerMsg),
    /// Ask the workspace to route this live chat.
    RequestLiveChat {
        routing: Routing,
        facts: VisitorFacts,
    },
    /// The live chat request is void (ended, expired): withdraw offers, free the slot.
    CancelLiveChat,
    /// The accepted live chat is over: the agent's capacity slot is free.
    ReleaseAgent { agent: AgentId, reason: EndReason },
    /// The conversation takes no more input; the edge may clear its alarm.
    Closed { reason: CloseReason },
}

/// Where the live chat part of a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveState {
    /// No live chat card reached (yet).
    #[default]
    None,
    Requested,
    Offered,
    Accepted,
    Ended,
    Expired,
    FellBack,
}

impl LiveState {
    /// Requested or offered: waiting for an agent.
    pub fn is_pending(self) -> bool {
        matches!(self, LiveState::Requested | LiveState::Offered)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum CloseReason {
    Ended { by: Side },
    Expired,
    FellBack { kind: FallbackKind },
}
