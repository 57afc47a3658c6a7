//! What goes into a conversation and what comes out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::link::{ConversationToWorkspace, WorkspaceToConversation};
use crate::protocol::{ChatServerMsg, FallbackKind, Side, TranscriptEntry};
use crate::{ButtonId, CardId};

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
        /// Who the site says the visitor is, as the workspace checked it.
        #[serde(default)]
        identity: Option<crate::identity::VisitorIdentity>,
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
    /// The agent holding the chat writes an internal note (never shown to the visitor).
    Note {
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
    /// The visitor leaves a message after a fallback (the offline form).
    LeaveMessage {
        client_id: String,
        #[serde(default)]
        email: Option<String>,
        text: String,
    },
    /// The visitor asks for the transcript by email.
    EmailTranscript,
    /// The site said who the visitor is after the conversation began (a resume after signing
    /// in); the workspace checked it (`crate::identity`).
    Identify {
        identity: crate::identity::VisitorIdentity,
    },
    /// A message from the workspace (see [`crate::link`]).
    FromWorkspace(WorkspaceToConversation),
    /// A socket of this side opened.
    SocketOpened {
        side: Side,
    },
    /// A socket of this side closed.
    SocketClosed {
        side: Side,
    },
    /// After the object reloads: how many sockets per side are still open.
    Sockets {
        visitor: u32,
        agent: u32,
    },
    /// The alarm fired. Early, late or repeated ticks are harmless.
    Tick,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Store the entry, then send it (as `ChatServerMsg::Entry`) to every agent socket as it
    /// is, and to the visitor's sockets only as [`super::Conversation::to_visitors`] gives it:
    /// never an internal note, and numbered in the visitor's own sequence.
    Append(TranscriptEntry),
    /// Store the state ([`super::Conversation::stored_state`]), in the same commit as this
    /// input's entries. Emitted, last, only when the stored state and the entries after it would
    /// no longer load back as this machine: never for typing, a resend or a tick with nothing
    /// due, and for a chat message only every [`super::CHECKPOINT_EVERY`] messages or when it
    /// changes more than its entry records (the first agent reply, a preview sent).
    Persist,
    /// Send to the socket the input came from only (`ack`, `invalid`, `error`).
    Reply(ChatServerMsg),
    /// Send to every socket without storing (typing indicators).
    Relay(ChatServerMsg),
    /// Send to the agent's sockets only, without storing (the visitor left the page / is back).
    ToAgents(ChatServerMsg),
    /// Send to the visitor's sockets only, without storing (the agent is reconnecting / back).
    ToVisitors(ChatServerMsg),
    /// Close the agent's sockets (code 4001): the chat is no longer theirs.
    CloseAgentSockets,
    /// Send to the workspace object (see [`crate::link`]).
    ToWorkspace(ConversationToWorkspace),
    /// The conversation takes no more input; the edge may clear its alarm.
    Closed { reason: CloseReason },
    /// Render the stored transcript as an email to `to` and hand it to the workspace
    /// ([`crate::link::ConversationToWorkspace::MailVisitor`]) with the other messages.
    MailTranscript { to: String },
}

/// Where the live chat part of a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveState {
    /// No live chat card reached (yet).
    #[default]
    None,
    /// Waiting for an agent. Offers are the workspace's business: to the conversation an
    /// offered request is still waiting (`offered` is what older snapshots called it).
    #[serde(alias = "offered")]
    Requested,
    Accepted,
    Ended,
    Expired,
    FellBack,
}

impl LiveState {
    /// Waiting for an agent.
    pub fn is_pending(self) -> bool {
        self == LiveState::Requested
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum CloseReason {
    Ended { by: Side },
    Expired,
    FellBack { kind: FallbackKind },
}
