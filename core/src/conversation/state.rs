//! The conversation's state. The edge stores it in three parts (see `stored.rs`): the dialogue
//! once, this state without it when [`Effect::Persist`] says so, and the transcript.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::index::{Indexed, DEFAULT_PREVIEW_EVERY};
use super::io::{CloseReason, Effect, LiveState};
use super::log::ChatLog;
use super::settings::ConversationSettings;
use crate::dialogue::Dialogue;
use crate::protocol::{AgentProfile, ConversationView, TranscriptEntry, TranscriptEvent};
use crate::routing::{FallbackReason, VisitorFacts};
use crate::{AgentId, ButtonId, CardId, ConversationId, DialogueId, Millis};

/// Where the visitor is in the dialogue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum Position {
    #[default]
    NotStarted,
    /// Waiting on this card (question, info capture) or on the live chat it requested.
    Card { card: CardId },
    /// Waiting for the workspace to say whether someone can chat before showing this
    /// question card (`availability.rs`).
    Checking { card: CardId, since: Millis },
    /// The bot has nothing more to show.
    Finished,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub(super) id: ConversationId,
    /// A copy taken at creation: editing the dialogue never changes a running conversation.
    /// Stored once, apart from the state: not serialized with it. Snapshots of earlier
    /// versions embed it and still load ([`super::WholeSnapshot`]).
    #[serde(skip_serializing, default = "no_dialogue")]
    pub(super) dialogue: Dialogue,
    pub(super) settings: ConversationSettings,
    pub(super) position: Position,
    /// Page, language, country, UTM and captured fields (`facts.fields`).
    pub(super) facts: VisitorFacts,
    pub(super) answers: BTreeMap<CardId, ButtonId>,
    pub(super) live: LiveState,
    /// The agent offered or holding the chat.
    pub(super) agent: Option<AgentId>,
    pub(super) profile: Option<AgentProfile>,
    /// Sequence numbers, activity, the preview text and the resend memory: what chat messages
    /// change, rebuilt on load from their entries.
    #[serde(flatten)]
    pub(super) log: ChatLog,
    pub(super) closed: Option<CloseReason>,
    /// When the conversation was created (for its index row).
    #[serde(default)]
    pub(super) created_at: Millis,
    /// What the workspace's index last heard, and when (see `index.rs`).
    #[serde(default)]
    pub(super) indexed: Option<Indexed>,
    /// How often, at most, previews go to the workspace (the workspace sets the pace).
    #[serde(default = "default_preview_every")]
    pub(super) preview_every: Millis,
    /// Open sockets per side (the edge corrects them after a reload, see `Input::Sockets`).
    #[serde(default)]
    pub(super) visitor_sockets: u32,
    #[serde(default)]
    pub(super) agent_sockets: u32,
    /// The visitor's last socket closed at this time.
    #[serde(default)]
    pub(super) visitor_gone_since: Option<Millis>,
    /// The agent was told the visitor left (and will be told when they are back).
    #[serde(default)]
    pub(super) visitor_announced_gone: bool,
    /// Live chat requests made so far; the current one's number (see [`crate::link`]).
    #[serde(default)]
    pub(super) request: u32,
    /// The workspace reported the agent gone while their chat pane was still open.
    #[serde(default)]
    pub(super) agent_reported_gone: bool,
    /// …and that pane closed at this time (the chat is handed back after a short grace).
    #[serde(default)]
    pub(super) agent_pane_gone_since: Option<Millis>,
    /// The agent holding the chat has had no chat socket since this time (a reload, a drop).
    #[serde(default)]
    pub(super) agent_away_since: Option<Millis>,
    /// The visitor was told the agent is reconnecting (and will be told when they are back).
    #[serde(default)]
    pub(super) agent_announced_away: bool,
    /// Agents removed while this conversation was theirs or on its way to them: an acceptance
    /// from one of them that arrives late is turned into a hand back (bounded, see `live.rs`).
    #[serde(default)]
    pub(super) barred: Vec<AgentId>,
    /// When an agent first wrote here (sent once, urgently, on the index row: the report's
    /// first response time).
    #[serde(default)]
    pub(super) first_agent_reply_at: Option<Millis>,
    /// Why live chat could not happen (for the lead of a message left afterwards).
    #[serde(default)]
    pub(super) fell_back_for: Option<FallbackReason>,
    /// The offline message stored: its client id and sequence number.
    #[serde(default)]
    pub(super) left_message: Option<(String, u64)>,
    /// The name of the agent who chatted with the visitor (the first to accept).
    #[serde(default)]
    pub(super) chatted_with: Option<String>,
    /// Where the transcript was emailed (once).
    #[serde(default)]
    pub(super) transcript_to: Option<String>,
    /// This state as last stored, without the dialogue and the message log (see `stored.rs`):
    /// what tells whether an input changed anything that must be stored again.
    #[serde(skip)]
    pub(super) stored: Option<Box<Conversation>>,
}

fn default_preview_every() -> Millis {
    DEFAULT_PREVIEW_EVERY
}

/// Stands in for the dialogue while a stored state is decoded (`restore` puts the real one in)
/// and while the state is compared with the stored one. Allocates nothing.
pub(super) fn no_dialogue() -> Dialogue {
    Dialogue {
        id: DialogueId::new(""),
        name: String::new(),
        targeting: Vec::new(),
        branches: Vec::new(),
    }
}

impl Conversation {
    /// A new conversation, which the edge stores at once: its dialogue and its state.
    pub fn new(
        id: ConversationId,
        dialogue: Dialogue,
        settings: ConversationSettings,
        now: Millis,
    ) -> Self {
        let mut c = Conversation {
            id,
            dialogue,
            settings,
            position: Position::NotStarted,
            facts: VisitorFacts::default(),
            answers: BTreeMap::new(),
            live: LiveState::None,
            agent: None,
            profile: None,
            log: ChatLog {
                last_activity: now,
                ..ChatLog::default()
            },
            closed: None,
            created_at: now,
            indexed: None,
            preview_every: DEFAULT_PREVIEW_EVERY,
            visitor_sockets: 0,
            agent_sockets: 0,
            visitor_gone_since: None,
            visitor_announced_gone: false,
            request: 0,
            agent_reported_gone: false,
            agent_away_since: None,
            agent_announced_away: false,
            barred: Vec::new(),
            first_agent_reply_at: None,
            agent_pane_gone_since: None,
            fell_back_for: None,
            left_message: None,
            chatted_with: None,
            transcript_to: None,
            stored: None,
        };
        // The edge stores a new conversation whole (dialogue and state) when it creates it.
        c.remember_stored();
        c
    }

    pub fn id(&self) -> &ConversationId {
        &self.id
    }

    pub fn dialogue(&self) -> &Dialogue {
        &self.dialogue
    }

    pub fn settings(&self) -> &ConversationSettings {
        &self.settings
    }

    /// How often, at most, a last-message preview goes to the workspace (its advice).
    pub fn preview_every(&self) -> Millis {
        self.preview_every
    }

    /// This machine with another preview pace and nothing else changed: what a restart that
    /// lost an unsaved pace gives (tests compare a load with the live machine through it).
    #[doc(hidden)]
    pub fn with_preview_every(mut self, preview_every: Millis) -> Self {
        self.preview_every = preview_every;
        self
    }

    /// When to tick next: [`Conversation::alarm_deadline`] or [`Conversation::timer_due`], the
    /// earlier.
    pub fn next_deadline(&self) -> Option<Millis> {
        crate::time::earliest(self.alarm_deadline(), self.timer_due())
    }

    /// The ticks that need not survive a restart (the edge keeps them in a timer in memory, so
    /// they cost no storage write): an owed preview ([`Conversation::preview_due`]), whose loss
    /// leaves a view's preview behind until the next input, and the visitor's "reconnecting…"
    /// notice when the agent's chat pane is not connected, whose loss leaves it unsaid. Every
    /// acceptance owes that notice until the pane connects, a moment later: as a durable alarm
    /// it cost each routed chat an alarm moved earlier, fired with nothing due, and set again.
    pub fn timer_due(&self) -> Option<Millis> {
        crate::time::earliest(self.preview_due(), self.away_announce_due())
    }

    /// The deadlines that must hold across a restart (the edge keeps them in a durable
    /// alarm): the inactivity deadline while open, and when the visitor's or the reported-gone
    /// agent's absence decides where the chat goes. [`Conversation::timer_due`] is not one of
    /// them.
    pub fn alarm_deadline(&self) -> Option<Millis> {
        let open = crate::time::earliest(self.inactivity_deadline(), self.presence_deadline());
        crate::time::earliest(open, self.check_deadline())
    }

    /// Whether a visitor's page is connected.
    pub fn visitor_here(&self) -> bool {
        self.visitor_sockets > 0
    }

    /// Last activity + inactivity timeout while open; `None` once closed.
    pub fn inactivity_deadline(&self) -> Option<Millis> {
        match self.closed {
            Some(_) => None,
            None => Some(
                self.log
                    .last_activity
                    .after(self.settings.inactivity_timeout),
            ),
        }
    }

    pub fn live_state(&self) -> LiveState {
        self.live
    }

    /// Fields the visitor gave in info capture cards (trimmed, validated).
    pub fn captured(&self) -> &BTreeMap<String, String> {
        &self.facts.fields
    }

    /// Everything known of the visitor, as sent with a live chat request.
    pub fn facts(&self) -> &VisitorFacts {
        &self.facts
    }

    /// Buttons the visitor clicked, by question card.
    pub fn answers(&self) -> &BTreeMap<CardId, ButtonId> {
        &self.answers
    }

    pub fn position(&self) -> &Position {
        &self.position
    }

    /// The agent offered the chat (while offered) or holding it (once accepted).
    pub fn agent(&self) -> Option<&AgentId> {
        self.agent.as_ref()
    }

    /// The accepting agent's profile as snapshotted at acceptance.
    pub fn agent_profile(&self) -> Option<&AgentProfile> {
        self.profile.as_ref()
    }

    /// Highest sequence number appended so far (0 before the first entry).
    pub fn last_seq(&self) -> u64 {
        self.log.last_seq
    }

    pub fn last_activity(&self) -> Millis {
        self.log.last_activity
    }

    pub fn is_closed(&self) -> bool {
        self.closed.is_some()
    }

    pub fn close_reason(&self) -> Option<CloseReason> {
        self.closed
    }

    pub fn view(&self) -> ConversationView {
        ConversationView {
            id: self.id.clone(),
            last_seq: self.log.last_seq,
            closed: self.is_closed(),
        }
    }

    /// Numbers and emits one transcript entry. Sequence numbers never skip.
    pub(super) fn append(
        &mut self,
        event: TranscriptEvent,
        now: Millis,
        fx: &mut Vec<Effect>,
    ) -> u64 {
        self.log.last_seq = self.log.last_seq.saturating_add(1);
        fx.push(Effect::Append(TranscriptEntry {
            seq: self.log.last_seq,
            at: now,
            event,
        }));
        self.log.last_seq
    }

    /// Something a person did: pushes the inactivity deadline back.
    pub(super) fn touch(&mut self, now: Millis) {
        self.log.touch(now);
    }

    /// Remembers a message for the preview.
    pub(super) fn note_message(&mut self, text: &str) {
        self.log.note_message(text);
    }
}
