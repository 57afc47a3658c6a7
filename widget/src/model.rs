//! The widget's state, and the messages and effects of its update loop. Pure data: no DOM.

use std::collections::BTreeMap;
use std::mem;

use parlor_core::client::ChatSession;
use parlor_core::dialogue::{Card, CardKind, FieldSpec};
use parlor_core::protocol::{
    AgentProfile, ChatClientMsg, ChatServerMsg, FieldError, TranscriptEntry, TranscriptEvent,
};
use parlor_core::{ButtonId, CardId, ConversationId, Millis};

use crate::i18n::Lang;

/// Which side of the page the launcher sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Left,
    Right,
}

/// Where the widget is in starting its conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Nothing asked of the server yet (the visitor has not opened the widget).
    Idle,
    /// `POST /api/visitor/conversations` is in flight.
    Starting,
    /// A start failed for a passing reason (the server busy, or a gateway that could not reach
    /// it): it is tried again by itself when the `ScheduleReconnect` timer fires
    /// (`Msg::Reconnect`).
    Retrying,
    /// The conversation exists; the socket carries it.
    Ready,
    /// No dialogue for this page (404).
    Unavailable,
    /// Starting failed; the visitor may retry. `rate_limited` picks the message.
    Failed { rate_limited: bool },
}

/// The widget settings that come back with the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WidgetSettings {
    pub color: Option<String>,
    pub position: Option<String>,
    pub language: Option<String>,
}

/// Where keyboard focus should go after an update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Focus {
    Launcher,
    /// The panel's most useful control: the latest open card, else the composer, else close.
    Panel,
    /// The first control of this card.
    Card(CardId),
    /// A field of an info capture card.
    Field(CardId, String),
    Composer,
}

/// Everything that can happen to the widget.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// Mounted: resume a stored conversation, or open if the visitor clicked the launcher.
    Init,
    /// A second of the wait that began at this time has passed.
    Second(Millis),
    Toggle,
    Close,
    Started {
        conversation: ConversationId,
        token: String,
        widget: WidgetSettings,
    },
    StartFailed {
        status: u16,
    },
    Retry,
    /// The public availability read answered.
    Availability {
        can_chat: bool,
    },
    SocketOpened,
    SocketClosed {
        code: u16,
    },
    /// The reconnect timer set by `ScheduleReconnect` fired.
    Reconnect,
    Server(ChatServerMsg),
    Answer {
        card: CardId,
        button: ButtonId,
    },
    Submit {
        card: CardId,
        values: BTreeMap<String, String>,
    },
    /// The composer's text changed; `empty` when it holds only whitespace.
    Draft {
        empty: bool,
    },
    /// The typing debounce timer fired for generation `gen`.
    TypingIdle {
        gen: u32,
    },
    Say {
        text: String,
    },
    End,
    /// Leave a finished conversation and start a new one.
    Restart,
}

/// What the shell must do after an update. The update function never does I/O itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// `POST /api/visitor/conversations`, resuming with this token if any; `key` names this
    /// start, the same in each of its retries (`parlor_core::start_key`).
    Start {
        token: Option<String>,
        key: String,
    },
    /// `GET /api/visitor/availability`: can someone chat now (answers `Msg::Availability`).
    FetchAvailability,
    /// Open the socket with the model's token (closing any previous one).
    Connect,
    CloseSocket,
    Send(ChatClientMsg),
    /// Call `Msg::Reconnect` at this time.
    ScheduleReconnect {
        at: Millis,
    },
    /// Call `Msg::TypingIdle { gen }` after the typing debounce delay.
    TypingTimer {
        gen: u32,
    },
    /// `Msg::Second` in a second, to redraw the time waited.
    Second(Millis),
    StoreToken(String),
    ClearToken,
    /// The start was answered: its key (kept by `Effect::Start` for the next page) is dropped.
    ForgetStartKey,
    Focus(Focus),
    /// Say this through the polite live region.
    Announce(String),
    ClearComposer,
    /// Tell the host page (`window.Parlor` listeners and a `parlor:<name>` DOM event): an
    /// event name and a detail (`agent`/`visitor` for a message; else empty). Never chat text.
    Emit(&'static str, &'static str),
}

/// The widget's whole state.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub open: bool,
    /// True once the visitor opened the panel at least once on this page.
    pub opened_once: bool,
    pub lang: Lang,
    /// The page's language (navigator.language); the server's setting wins once known.
    pub page_lang: Lang,
    pub color: Option<String>,
    pub position: Position,
    pub phase: Phase,
    pub token: Option<String>,
    pub conversation: Option<ConversationId>,
    /// The conversation socket's protocol: seq, outbox, resends, reconnects (core's).
    pub chat: ChatSession,
    /// The time of the message being handled, stamped by the shell.
    pub now: Millis,
    /// The server resumed the conversation of a stored token (so its transcript is history).
    pub resuming: bool,
    /// Entries up to this seq are a replay of history (no focus moves, no announcements).
    pub replay_until: u64,
    pub entries: Vec<TranscriptEntry>,
    /// Prefix for client ids, random per page load.
    pub nonce: String,
    pub waiting: bool,
    /// When this wait for an agent began (this page's clock): the panel shows the time waited.
    pub waiting_since: Option<Millis>,
    pub agent: Option<AgentProfile>,
    pub agent_typing: bool,
    /// The agent holding the chat has been disconnected for a few seconds (they may be back).
    pub agent_away: bool,
    pub closed: bool,
    /// Question cards answered, with the chosen button. (Small vectors, not maps: a handful of
    /// cards per conversation, and every map type costs kilobytes of wasm.)
    pub answered: Vec<(CardId, ButtonId)>,
    pub captured: Vec<CardId>,
    pub form_errors: Vec<(CardId, Vec<FieldError>)>,
    pub typing_sent: bool,
    pub typing_gen: u32,
    /// A short notice from the server or about an action (shown in the status line).
    pub notice: Option<String>,
    /// Whether someone could take a live chat now (the public availability read); None until
    /// known. Shown in the header as "typically replies…" or "away".
    pub can_chat: Option<bool>,
    /// Agent messages and joins while the panel was closed (the launcher's badge).
    pub unread: u32,
    /// Starts tried again by themselves since the visitor last asked (see `Phase::Retrying`).
    pub start_retries: u8,
    /// Random per page load, from the browser's CSPRNG: with `starts`, the key of a start
    /// (`Effect::Start`), so every retry of one start sends the same key and a start whose
    /// answer was lost is answered again rather than started twice.
    pub start_base: String,
    /// Starts answered on this page so far.
    pub starts: u32,
    /// The key of the start not answered yet, kept in the page's storage (`Effect::Start`): a
    /// page opened before the answer came (lost on the way, or still coming) sends it again,
    /// so the visitor meets the conversation that start made instead of a second one.
    pub start_key: Option<String>,
}

impl Model {
    pub fn new(token: Option<String>, page_lang: Lang, nonce: String) -> Model {
        Model {
            open: false,
            opened_once: false,
            lang: page_lang,
            page_lang,
            color: None,
            position: Position::Right,
            phase: Phase::Idle,
            token,
            conversation: None,
            chat: ChatSession::new(nonce.clone()),
            now: Millis::ZERO,
            resuming: false,
            replay_until: 0,
            entries: Vec::new(),
            nonce,
            waiting: false,
            waiting_since: None,
            agent: None,
            agent_typing: false,
            agent_away: false,
            closed: false,
            answered: Vec::new(),
            captured: Vec::new(),
            form_errors: Vec::new(),
            typing_sent: false,
            typing_gen: 0,
            notice: None,
            can_chat: None,
            unread: 0,
            start_retries: 0,
            start_base: String::new(),
            starts: 0,
            start_key: None,
        }
    }

    /// Forgets the conversation (keeps the panel and page settings).
    pub fn reset_conversation(&mut self) {
        let fresh = Model::new(None, self.page_lang, self.nonce.clone());
        *self = Model {
            open: self.open,
            opened_once: self.opened_once,
            lang: self.lang,
            color: self.color.take(),
            position: self.position,
            now: self.now,
            can_chat: self.can_chat,
            start_base: mem::take(&mut self.start_base),
            starts: self.starts,
            start_key: self.start_key.take(),
            ..fresh
        };
    }

    /// The card shown by entry `card`, if it is in the transcript.
    pub fn card(&self, id: &CardId) -> Option<&Card> {
        self.entries.iter().find_map(|e| match &e.event {
            TranscriptEvent::Card { card, .. } if &card.id == id => Some(card),
            _ => None,
        })
    }

    /// The fields of an info capture card.
    pub fn fields(&self, id: &CardId) -> Option<&[FieldSpec]> {
        match self.card(id).map(|c| &c.kind) {
            Some(CardKind::InfoCapture { fields, .. }) => Some(fields),
            _ => None,
        }
    }

    /// Whether the visitor can still act on this card (it is unanswered and the chat goes on).
    pub fn card_open(&self, id: &CardId) -> bool {
        (!self.closed || crate::after_chat::is_own(id))
            && self.answer(id).is_none()
            && !self.captured.contains(id)
    }

    /// The button chosen on a question card.
    pub fn answer(&self, id: &CardId) -> Option<&ButtonId> {
        self.answered.iter().find(|(c, _)| c == id).map(|(_, b)| b)
    }

    /// Validation errors shown on an info capture card.
    pub fn errors(&self, id: &CardId) -> Option<&[FieldError]> {
        self.form_errors
            .iter()
            .find(|(c, _)| c == id)
            .map(|(_, e)| e.as_slice())
    }

    pub fn set_errors(&mut self, id: CardId, errors: Vec<FieldError>) {
        self.clear_errors(&id);
        self.form_errors.push((id, errors));
    }

    pub fn clear_errors(&mut self, id: &CardId) {
        self.form_errors.retain(|(c, _)| c != id);
    }

    /// Whether the live chat is on (an agent joined or is being looked for) and not over.
    pub fn live(&self) -> bool {
        !self.closed && (self.waiting || self.agent.is_some())
    }

    /// The visitor can type to an agent.
    pub fn can_chat(&self) -> bool {
        !self.closed && self.agent.is_some()
    }

    /// The latest interactive card the visitor can still act on.
    pub fn open_card(&self) -> Option<&CardId> {
        self.entries.iter().rev().find_map(|e| match &e.event {
            TranscriptEvent::Card { card, .. }
                if matches!(
                    card.kind,
                    CardKind::Question { .. } | CardKind::InfoCapture { .. }
                ) && self.card_open(&card.id) =>
            {
                Some(&card.id)
            }
            _ => None,
        })
    }
}
