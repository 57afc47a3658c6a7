//! The inbox's state, its messages and the effects `update` asks the shell to run.

use std::collections::BTreeMap;

use parlor_core::client::{seed_from, Backoff, ChatSession, ClientIds};
use parlor_core::protocol::{
    AgentChatMsg, ChatClientMsg, ChatServerMsg, ChatSummary, InboxClientMsg, InboxServerMsg,
    OfferView, Presence, TranscriptEntry, TranscriptEvent,
};
use parlor_core::routing::RuleTarget;

pub use crate::fmt::visitor_line;
use crate::session::{AgentInfo, Session};

/// The inbox socket's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conn {
    Offline,
    Connecting,
    Online,
}

/// One accepted live chat.
#[derive(Debug, Clone, PartialEq)]
pub struct Chat {
    pub summary: ChatSummary,
    pub entries: Vec<TranscriptEntry>,
    /// The chat socket's protocol: seq, outbox, resends, reconnects (core's).
    pub client: ChatSession,
    /// Why the chat is over, once it is (kept in the list, greyed, until dismissed).
    pub closed: Option<String>,
    pub visitor_typing: bool,
    /// The visitor's page has been gone for a few seconds (they may come back).
    pub visitor_gone: bool,
    pub unread: u32,
    /// Internal notes written and not yet acked: (client id, text), resent after `welcome`.
    pub notes: Vec<(String, String)>,
    /// Client ids for notes: `<nonce>n-1`, … (the server keeps notes' ids apart from messages').
    pub note_ids: ClientIds,
    /// A transfer of this chat waits for an answer: what the agent is told meanwhile.
    pub transfer: Option<String>,
    /// Lines for what the agent wrote that the chat closed before storing, messages and
    /// internal notes (the first [`MAX_UNSENT`]): shown after the transcript, so none vanishes
    /// unsaid.
    pub unsent: Vec<String>,
}

/// How many unsent messages and notes a chat keeps to show.
pub const MAX_UNSENT: usize = 5;

impl Chat {
    /// Keeps the line for something the chat closed before storing (`what` says which kind).
    pub fn unsent(&mut self, what: &str, text: &str) {
        if self.unsent.len() < MAX_UNSENT {
            self.unsent.push(format!("{what}: {text}"));
        }
    }

    /// The chat closed: internal notes not stored by now never will be (a note stored before
    /// the end has its entry or ack before the closing entry).
    pub fn notes_unsaved(&mut self) {
        for (_, text) in std::mem::take(&mut self.notes) {
            self.unsent(NOTE_NOT_SAVED, &text);
        }
    }
}

/// What the pane says of an agent's message the chat closed before storing.
pub const NOT_SENT: &str = "Not sent to the visitor";
/// What the pane says of an internal note the chat closed before storing.
pub const NOTE_NOT_SAVED: &str = "Note not saved";

impl Chat {
    /// `nonce` is the page's random client id prefix.
    pub fn new(summary: ChatSummary, nonce: &str) -> Chat {
        Chat {
            summary,
            entries: Vec::new(),
            client: ChatSession::new(nonce.to_owned()),
            closed: None,
            visitor_typing: false,
            visitor_gone: false,
            unread: 0,
            notes: Vec::new(),
            note_ids: ClientIds::new(format!("{nonce}n")),
            transfer: None,
            unsent: Vec::new(),
        }
    }

    pub fn id(&self) -> &str {
        self.summary.conversation.as_str()
    }
}

/// The Transfer dialog of one chat: who it could go to (once the server said).
#[derive(Debug, Clone, PartialEq)]
pub struct TransferPick {
    pub conversation: String,
    pub targets: Option<Vec<TransferTarget>>,
}

/// A colleague or a team in the Transfer dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferTarget {
    pub to: RuleTarget,
    pub label: String,
    /// Why it cannot be picked now (none: it can).
    pub why_not: Option<&'static str>,
}

/// The Profile panel, while open.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileForm {
    /// A change is on its way to the server.
    pub busy: bool,
    pub error: Option<String>,
    /// The last change was stored.
    pub saved: bool,
}

/// Counters bumped when a region of the page must be drawn again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Revs {
    pub top: u32,
    pub offers: u32,
    pub list: u32,
    pub chat: u32,
}

/// A tip about notifications, shown once it applies until the agent says "Got it".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tip {
    NoPush,
    OsSettings,
}

impl Tip {
    pub const ALL: [Tip; 2] = [Tip::NoPush, Tip::OsSettings];

    pub fn text(self) -> &'static str {
        match self {
            Tip::NoPush => "New chats reach you only while an inbox tab is open: this browser cannot receive push notifications.",
            Tip::OsSettings => "Not seeing notifications? Check your operating system's notification settings for this browser.",
        }
    }

    /// Where this browser remembers it was dismissed.
    pub fn storage_key(self) -> &'static str {
        match self {
            Tip::NoPush => "parlor:inbox:tip:no-push",
            Tip::OsSettings => "parlor:inbox:tip:os-settings",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Model {
    pub session: Option<Session>,
    pub signing_in: bool,
    pub sign_in_error: Option<String>,
    /// Notification permission: granted, denied, default, unsupported.
    pub permission: String,
    /// A notification was shown: offer the operating-system hint.
    pub notified: bool,
    /// Tips the agent closed; this browser remembers them.
    pub tips_dismissed: Vec<Tip>,
    /// This browser was asked to receive offers by Web Push (once per sign-in), and whether
    /// it does (`None` until it answers).
    pub push_asked: bool,
    pub push: Option<bool>,
    /// The offer a push notification opened this page on (`/inbox?offer=`): its Accept button
    /// gets focus once the inbox lists it.
    pub opened_for: Option<u64>,
    pub conn: Conn,
    /// The inbox socket's reconnect delays.
    pub backoff: Backoff,
    pub presence: Presence,
    pub capacity: u32,
    pub offers: Vec<OfferView>,
    /// Offers the agent answered and that wait for the server's word.
    pub answering: Vec<u64>,
    pub note: Option<String>,
    pub chats: Vec<Chat>,
    pub active: Option<String>,
    pub now: u64,
    /// Random per page load: the client id prefix, and the seed of the back-off jitter.
    pub nonce: String,
    pub typing_sent: bool,
    pub typing_gen: u32,
    /// The composer writes internal notes (the team only) instead of messages.
    pub note_mode: bool,
    /// The Transfer dialog, while open.
    pub transfer: Option<TransferPick>,
    /// The Profile panel, while open.
    pub profile: Option<ProfileForm>,
    pub revs: Revs,
    /// Canned replies: the composer's `/` list and the agent's own replies.
    pub canned: super::canned::Canned,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Init,
    /// This browser's push subscription is stored (`true`) or push is not offered here.
    PushReady(bool),
    /// "Got it" on the notification tip.
    DismissTip,
    SignIn {
        workspace: String,
        email: String,
        password: String,
    },
    SignedIn(Session),
    SignInFailed(String),
    SignOut,
    EnableNotifications,
    Permission(String),
    InboxOpened,
    Inbox(InboxServerMsg),
    /// The inbox socket closed with this code.
    /// The inbox socket closed: code and the server's reason (words for a person, or empty).
    InboxClosed(u16, String),
    Reconnect,
    SetPresence(Presence),
    Accept(u64),
    Decline(u64),
    NotificationClicked(u64),
    Tick,
    ChatOpened(String),
    Chat(String, ChatServerMsg),
    /// A chat socket closed with this code.
    ChatSocketClosed(String, u16),
    /// A chat's reconnect timer fired.
    ChatReconnect(String),
    Select(String),
    Dismiss(String),
    Say(String),
    /// The composer's Note switch.
    NoteMode,
    Typed,
    TypingIdle(u32),
    End,
    DismissNote,
    /// The Transfer dialog: open it on the active chat, close it, or pick target `.0` with
    /// an optional note for the colleague.
    OpenTransfer,
    CloseTransfer,
    TransferTo(usize, String),
    /// The Profile panel: open, close, save the name, upload the chosen picture, remove it;
    /// the server's answer.
    OpenProfile,
    CloseProfile,
    SaveName(String),
    UploadPicture,
    RemovePicture,
    ProfileSaved(AgentInfo),
    ProfileFailed(String),
    Canned(super::canned::Msg),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Subscribe this browser to Web Push for the signed-in agent.
    PushOn,
    /// Drop this browser's push subscription (workspace, token of the session signing out).
    PushOff(String, String),
    SignIn {
        workspace: String,
        email: String,
        password: String,
    },
    SaveSession(Session),
    ClearSession,
    OpenInbox,
    CloseInbox,
    SendInbox(InboxClientMsg),
    /// Dispatch this message after this many milliseconds.
    Later(i32, Msg),
    OpenChat(String),
    CloseChat(String),
    SendChat(String, ChatClientMsg),
    /// An agent-only frame (an internal note).
    SendAgent(String, AgentChatMsg),
    Chime,
    Notify(OfferView),
    CloseNotification(u64),
    RequestPermission,
    UnlockSound,
    /// Remember in this browser that this tip was dismissed.
    RememberTipDismissed(Tip),
    FocusAccept(u64),
    FocusComposer,
    ClearComposer,
    /// `PATCH …/me {name}`.
    SaveName(String),
    /// `PATCH …/me {avatar_url: null}`.
    RemovePicture,
    /// `PUT …/me/picture` with the file chosen in the Profile panel.
    UploadPicture,
    Canned(super::canned::Fx),
}

impl Model {
    /// The tip beside the notification banner, when one applies and the agent has not
    /// dismissed it: a browser that cannot get offers with the tab closed, or a notification
    /// shown that the operating system may have silenced.
    pub fn notification_tip(&self) -> Option<Tip> {
        if self.permission != "granted" {
            return None;
        }
        let applies = [self.push == Some(false), self.notified];
        Tip::ALL
            .into_iter()
            .zip(applies)
            .find(|(tip, applies)| *applies && !self.tips_dismissed.contains(tip))
            .map(|(tip, _)| tip)
    }

    pub fn new(session: Option<Session>, permission: String, nonce: String) -> Model {
        Model {
            session,
            signing_in: false,
            sign_in_error: None,
            permission,
            notified: false,
            tips_dismissed: Vec::new(),
            push_asked: false,
            push: None,
            opened_for: None,
            conn: Conn::Offline,
            backoff: Backoff::new(seed_from(&nonce)),
            presence: Presence::Available,
            capacity: 10,
            offers: Vec::new(),
            answering: Vec::new(),
            note: None,
            chats: Vec::new(),
            active: None,
            now: 0,
            nonce,
            typing_sent: false,
            typing_gen: 0,
            note_mode: false,
            transfer: None,
            profile: None,
            revs: Revs::default(),
            canned: Default::default(),
        }
    }

    pub fn chat(&self, id: &str) -> Option<&Chat> {
        self.chats.iter().find(|c| c.id() == id)
    }

    pub fn chat_mut(&mut self, id: &str) -> Option<&mut Chat> {
        self.chats.iter_mut().find(|c| c.id() == id)
    }

    pub fn active_chat(&self) -> Option<&Chat> {
        self.active.as_deref().and_then(|id| self.chat(id))
    }

    /// A fingerprint of what the chat list shows (FNV-1a over each row's words and marks). The
    /// view draws the list again only when it changes: a frame that changes nothing in the list
    /// (typing, a late entry of an ended chat) must not replace a row under the agent's pointer
    /// between the press and the release of a click, which would lose the click.
    pub fn list_print(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |bytes: &[u8]| {
            for &b in bytes.iter().chain(&[0xff]) {
                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
        };
        for c in &self.chats {
            let active = self.active.as_deref() == Some(c.id());
            feed(c.id().as_bytes());
            feed(visitor_name(&c.summary.visitor).as_bytes());
            feed(list_sub(c).as_bytes());
            feed(&[u8::from(c.closed.is_some()), u8::from(active)]);
            feed(&c.unread.to_le_bytes());
        }
        h
    }

    /// Live chats held now (the "n" of "n / 10").
    pub fn live_count(&self) -> usize {
        self.chats.iter().filter(|c| c.closed.is_none()).count()
    }
}

/// The line under a visitor's name in the chat list: the last message, or what became of the chat.
pub fn list_sub(c: &Chat) -> &str {
    let last = c.entries.iter().rev().find_map(|e| match &e.event {
        TranscriptEvent::Message { text, .. } => Some(text.as_str()),
        _ => None,
    });
    match (&c.closed, last) {
        (Some(_), _) => "Ended",
        (None, _) if c.visitor_gone => "The visitor left the page",
        (None, Some(t)) => t,
        (None, None) => "Live chat started",
    }
}

/// The visitor's display name (first + last name, else email, else "Visitor").
pub fn visitor_name(v: &BTreeMap<String, String>) -> String {
    let name = [v.get("first_name"), v.get("last_name")]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if !name.is_empty() {
        name
    } else if let Some(e) = v.get("email").filter(|e| !e.is_empty()) {
        e.clone()
    } else {
        "Visitor".into()
    }
}
