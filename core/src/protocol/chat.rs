//! A conversation's socket: the visitor (widget) or the agent (inbox chat pane) ↔ ConversationDO.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::dialogue::Card;
use crate::{ButtonId, CardId, ConversationId, Millis};

/// Who said something in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Visitor,
    Agent,
    Bot,
}

/// What a client sends on a conversation socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ChatClientMsg {
    /// First frame after connecting: resume after `last_seq` (0 for a new client).
    Hello {
        v: u16,
        last_seq: u64,
    },
    /// The visitor clicked a button of a question card.
    Answer {
        card: CardId,
        button: ButtonId,
    },
    /// The visitor submitted an info capture form.
    Capture {
        card: CardId,
        values: BTreeMap<String, String>,
    },
    /// A chat message. `client_id` is chosen by the client; a resend with the same id is stored once.
    Say {
        client_id: String,
        text: String,
    },
    Typing {
        on: bool,
    },
    /// The sender ends the live chat.
    End,
    /// The visitor leaves a message after live chat could not happen (any fallback). `email`
    /// is required unless one was captured already. Stored once per conversation; a resend
    /// with the same `client_id` is answered with the original `ack`.
    LeaveMessage {
        client_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
        text: String,
    },
    /// The visitor asks for the transcript of a finished chat with an agent, by email to the
    /// address they gave. Sent at most once per conversation.
    EmailTranscript,
}

/// What only the agent's chat pane sends on a conversation socket, besides [`ChatClientMsg`]
/// (the same `type`-tagged JSON; kept apart so the visitor's side cannot even name it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AgentChatMsg {
    /// The agent holding the chat writes an internal note: stored in the transcript, seen by
    /// agents and admins, never sent to the visitor. Same bounds and resend rule as `say`.
    Note { client_id: String, text: String },
}

/// What the edge sends on a conversation socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ChatServerMsg {
    /// Reply to `hello`: the conversation, then every entry after `last_seq` follows as `entry`.
    Welcome {
        conversation: ConversationView,
    },
    /// One transcript entry, in sequence order.
    Entry {
        entry: TranscriptEntry,
    },
    /// A `say` was stored as entry `seq` (sent again for a resent `client_id`).
    Ack {
        client_id: String,
        seq: u64,
    },
    /// An info capture was refused; nothing was stored.
    Invalid {
        card: CardId,
        errors: Vec<FieldError>,
    },
    Typing {
        from: Side,
        on: bool,
    },
    /// The other side's page is gone (`here: false`, after a few seconds, so a page
    /// navigation does not flicker) or back. Sent to the agent about the visitor.
    Presence {
        side: Side,
        here: bool,
    },
    /// A request could not be served; the socket stays open unless the code says otherwise.
    Error {
        code: String,
        message: String,
    },
}

/// The state a (re)connecting client needs besides the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationView {
    pub id: ConversationId,
    /// Highest sequence number stored so far.
    pub last_seq: u64,
    /// True once the conversation can take no more input (ended, expired, fell back).
    pub closed: bool,
}

/// A stored, numbered transcript entry. Sequence numbers start at 1 and have no gaps.
///
/// The visitor never sees an internal note ([`TranscriptEvent::Note`]) and counts its own
/// entries: on the visitor's socket `seq` (and `ack`, `welcome.last_seq`, `hello.last_seq`)
/// is the visitor's number, the transcript's `seq` minus the notes before it, so it is
/// contiguous from 1 too (`crate::conversation::for_visitor`). Without notes both are equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    pub seq: u64,
    pub at: Millis,
    #[serde(flatten)]
    pub event: TranscriptEvent,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TranscriptEvent {
    /// The bot showed a card. An info capture card's fields may start filled with what the
    /// site said of the visitor (`Parlor('identify')`): `prefill` maps field keys to values.
    Card {
        card: Card,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        prefill: BTreeMap<String, String>,
    },
    /// The visitor answered a question card.
    Answered {
        card: CardId,
        button: ButtonId,
        label: String,
    },
    /// The visitor submitted valid details.
    Captured {
        card: CardId,
        values: BTreeMap<String, String>,
    },
    /// The visitor reached a live chat card; routing has started.
    LiveChatRequested,
    /// Nobody could chat when the visitor asked, and the live chat card sends such visitors on
    /// to another branch (its cards follow); the visitor no longer waits.
    LiveChatUnavailable,
    /// An agent accepted. The profile is a snapshot taken at that moment.
    AgentJoined { agent: AgentProfile },
    Message {
        from: Side,
        text: String,
        client_id: String,
    },
    /// The agent left (signed out, closed the inbox, was removed); routing looks for someone
    /// else and the visitor keeps waiting.
    AgentLeft { agent: AgentProfile },
    /// Nobody could take the chat; the visitor sees this text instead, and may leave a message.
    Fallback {
        kind: FallbackKind,
        text: String,
        /// The visitor's page was gone past `visitor_gone_waiting_ms` while they waited: the
        /// request was withdrawn (not missed by the team), and this is what they find on return.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        visitor_away: bool,
    },
    /// Nothing happened for the inactivity timeout.
    Expired,
    /// After a fallback, the visitor left a message; the team answers by email at `email`.
    LeftMessage {
        email: String,
        text: String,
        client_id: String,
    },
    /// An internal note by the agent named `by` (their profile's name in this chat): agents
    /// and admins see it; it is never sent to the visitor, mailed to them or in webhooks.
    Note {
        by: String,
        text: String,
        client_id: String,
    },
    /// The transcript was emailed to the visitor at `to` (the address they gave).
    TranscriptEmailed { to: String },
    /// The conversation ended: `visitor` clicked End, the `agent` ended the chat, or the `bot`
    /// ran out of cards.
    Ended {
        by: Side,
        /// `by: visitor` only: the visitor did not click End, their page was gone past
        /// `visitor_gone_chat_ms` during a live chat (what they find on return).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        visitor_away: bool,
    },
}

impl TranscriptEvent {
    /// For the team only (an internal note): never on a visitor's socket, in the visitor's
    /// transcript email, a webhook or a lead.
    pub fn is_internal(&self) -> bool {
        matches!(self, TranscriptEvent::Note { .. })
    }
}

impl TranscriptEntry {
    /// Whether a socket of `side` may receive this entry.
    pub fn visible_to(&self, side: Side) -> bool {
        side != Side::Visitor || !self.event.is_internal()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FallbackKind {
    /// No rule matched, no agent available, offers expired.
    LiveChat,
    /// Live chat not allowed at all (engagement limit reached).
    Global,
}

/// An agent as a visitor sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentProfile {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub key: String,
    pub message: String,
}
