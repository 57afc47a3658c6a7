//! [`ChatSession`]: one client of a conversation socket, as a state machine.

use super::backoff::{refused, seed_from, Backoff, UNSUPPORTED_VERSION};
use super::ids::ClientIds;
use super::outbox::{Outbox, Outgoing};
use super::sequencer::Sequencer;
use crate::protocol::{
    ChatClientMsg, ChatServerMsg, TranscriptEntry, TranscriptEvent, PROTOCOL_VERSION,
};
use crate::Millis;

/// The socket as the session sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// No socket, and none wanted (not started, refused, or nothing left to do).
    Offline,
    /// Opening, or open and waiting for `welcome`.
    Connecting,
    /// `welcome` received: messages flow.
    Open,
    /// Dropped; reconnect attempt `attempt` (from 1) is due at `at`.
    Waiting { attempt: u32, at: Millis },
}

/// What happened, told to [`ChatSession::handle`].
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    /// The app wants the socket (opened now, whatever the state).
    Connect,
    /// The socket opened.
    Opened,
    /// The socket closed, or could not be opened (code 1006).
    SocketClosed { code: u16 },
    /// A frame from the server. `welcome`, `entry` and `ack` matter here; the app handles the rest.
    Frame(ChatServerMsg),
    /// The user wrote this (the app has trimmed and checked it).
    Say { text: String },
    /// A one-off request the server answers with an entry or an error. Kept, and sent again
    /// after each `welcome`, until it is answered; a session with one waiting reconnects even
    /// to a closed conversation.
    Act(Action),
    /// The conversation is over, learned elsewhere (the inbox socket's `chat_closed`).
    Ended,
    /// The timer set for [`ChatSession::next_deadline`] fired.
    Tick,
}

/// What a closed conversation still takes (docs/protocol.md, "After live chat").
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The offline form: stored once per conversation, under `client_id`.
    LeaveMessage {
        client_id: String,
        email: Option<String>,
        text: String,
    },
    EmailTranscript,
}

impl Action {
    fn msg(&self) -> ChatClientMsg {
        match self {
            Action::LeaveMessage {
                client_id,
                email,
                text,
            } => ChatClientMsg::LeaveMessage {
                client_id: client_id.clone(),
                email: email.clone(),
                text: text.clone(),
            },
            Action::EmailTranscript => ChatClientMsg::EmailTranscript,
        }
    }
}

/// What the app must do.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEffect {
    /// Open the socket, dropping any previous one; report `Opened` or `SocketClosed`.
    Connect,
    Send(ChatClientMsg),
    /// Send `Tick` at this time (it is `next_deadline()`).
    WakeAt(Millis),
    /// Show this entry. Each seq comes once, in order.
    Deliver(TranscriptEntry),
    /// The server stored this message (said once per message).
    Stored {
        client_id: String,
        seq: u64,
    },
    /// This message will never be stored: the token was refused or the conversation closed first.
    /// `text` is what was typed, so a client can offer it again (the widget puts it in the
    /// offline form after a fallback).
    Failed {
        client_id: String,
        text: String,
    },
    /// The server refused this token for good (close code 4001–4999 or 1008): forget it.
    Refused,
    /// The server speaks another protocol version (close code 4000): this page must be
    /// reloaded. The token stays good: the reloaded page resumes the same conversation.
    Outdated,
}

/// The client side of a conversation socket, shared by the widget and the inbox.
///
/// Sans-IO: events and the current time in, [`ClientEffect`]s out. It keeps the highest seq
/// applied (sent in `hello`), applies entries once and in order, keeps an outbox of `say`s
/// under fresh client ids and sends the unacknowledged ones again after each `welcome`, and
/// reconnects with [`Backoff`] (reset by `welcome`) unless the close code refuses the token.
///
/// Once the conversation is closed and every entry the server has is applied, the messages
/// still unacknowledged were refused by the server: they fail, and a dropped socket is not
/// reopened. No `say` is resent to a closed conversation: a stored one comes back in the replay.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatSession {
    link: Link,
    entries: Sequencer,
    outbox: Outbox,
    ids: ClientIds,
    backoff: Backoff,
    /// Closed, and its last entry is at most this seq (from `welcome` or the closing entry).
    closed_at: Option<u64>,
    /// The app said it is over; the entries saying so may still be on their way.
    ended: bool,
    /// The `leave_message` not answered yet.
    leaving: Option<Action>,
    /// An `email_transcript` not answered yet.
    emailing: bool,
}

impl ChatSession {
    /// `prefix` is random per page load: it makes client ids unique and seeds the jitter.
    pub fn new(prefix: String) -> ChatSession {
        ChatSession {
            link: Link::Offline,
            entries: Sequencer::default(),
            outbox: Outbox::default(),
            backoff: Backoff::new(seed_from(&prefix)),
            ids: ClientIds::new(prefix),
            closed_at: None,
            ended: false,
            leaving: None,
            emailing: false,
        }
    }

    pub fn link(&self) -> Link {
        self.link
    }

    pub fn is_open(&self) -> bool {
        self.link == Link::Open
    }

    /// The highest seq delivered.
    pub fn last_seq(&self) -> u64 {
        self.entries.last_seq()
    }

    /// Messages not yet delivered as entries, oldest first (the UI shows them as pending).
    pub fn pending(&self) -> &[Outgoing] {
        self.outbox.items()
    }

    /// The conversation can take no more input.
    pub fn is_closed(&self) -> bool {
        self.ended || self.closed_at.is_some()
    }

    /// When to send `Tick`: the reconnect time, if one is scheduled.
    pub fn next_deadline(&self) -> Option<Millis> {
        match self.link {
            Link::Waiting { at, .. } => Some(at),
            _ => None,
        }
    }

    pub fn handle(&mut self, event: ClientEvent, now: Millis) -> Vec<ClientEffect> {
        let mut fx = Vec::new();
        match event {
            ClientEvent::Connect => self.connect(&mut fx),
            ClientEvent::Opened => {
                self.link = Link::Connecting;
                fx.push(ClientEffect::Send(ChatClientMsg::Hello {
                    v: PROTOCOL_VERSION,
                    last_seq: self.last_seq(),
                }));
            }
            ClientEvent::SocketClosed { code } => self.socket_closed(code, now, &mut fx),
            ClientEvent::Frame(frame) => self.frame(frame, &mut fx),
            ClientEvent::Say { text } => {
                let client_id = self.ids.next_id();
                if self.is_closed() {
                    // The server would refuse it: no point queueing it.
                    fx.push(ClientEffect::Failed { client_id, text });
                } else {
                    if self.link == Link::Open {
                        fx.push(ClientEffect::Send(ChatClientMsg::Say {
                            client_id: client_id.clone(),
                            text: text.clone(),
                        }));
                    }
                    self.outbox.push(client_id, text);
                }
            }
            ClientEvent::Act(msg) => self.act(msg, &mut fx),
            ClientEvent::Ended => self.ended = true,
            ClientEvent::Tick => {
                if let Link::Waiting { at, .. } = self.link {
                    if now >= at {
                        self.connect(&mut fx);
                    } else {
                        // Woken early: wait on.
                        fx.push(ClientEffect::WakeAt(at));
                    }
                }
            }
        }
        fx
    }

    /// Whether an after-chat request is waiting for the server's answer.
    pub fn acting(&self) -> bool {
        self.leaving.is_some() || self.emailing
    }

    fn act(&mut self, action: Action, fx: &mut Vec<ClientEffect>) {
        match self.link {
            Link::Open => fx.push(ClientEffect::Send(action.msg())),
            // The visitor acts now: no reason to wait out the back-off.
            Link::Offline | Link::Waiting { .. } => self.connect(fx),
            Link::Connecting => {}
        }
        match action {
            Action::EmailTranscript => self.emailing = true,
            leave => self.leaving = Some(leave),
        }
    }

    /// The requests still owed to the server, as frames.
    fn send_actions(&self, fx: &mut Vec<ClientEffect>) {
        if let Some(a) = &self.leaving {
            fx.push(ClientEffect::Send(a.msg()));
        }
        if self.emailing {
            fx.push(ClientEffect::Send(ChatClientMsg::EmailTranscript));
        }
    }

    fn connect(&mut self, fx: &mut Vec<ClientEffect>) {
        self.link = Link::Connecting;
        fx.push(ClientEffect::Connect);
    }

    fn socket_closed(&mut self, code: u16, now: Millis, fx: &mut Vec<ClientEffect>) {
        if self.link == Link::Offline {
            return;
        }
        if refused(code) {
            self.link = Link::Offline;
            self.leaving = None;
            self.emailing = false;
            self.fail_unacked(fx);
            self.outbox = Outbox::default();
            fx.push(if code == UNSUPPORTED_VERSION {
                ClientEffect::Outdated
            } else {
                ClientEffect::Refused
            });
            return;
        }
        if self.is_closed() && self.outbox.is_empty() && !self.acting() {
            // A finished conversation has nothing more to say: no socket for it (until the
            // visitor asks for something it still takes: see `Act`).
            self.link = Link::Offline;
            return;
        }
        let at = now.after(self.backoff.next_delay());
        self.link = Link::Waiting {
            attempt: self.backoff.attempt(),
            at,
        };
        fx.push(ClientEffect::WakeAt(at));
    }

    fn frame(&mut self, frame: ChatServerMsg, fx: &mut Vec<ClientEffect>) {
        match frame {
            ChatServerMsg::Welcome { conversation } => {
                self.link = Link::Open;
                self.backoff.reset();
                // Answered ones are dropped by the replay's entries or the server's errors.
                self.send_actions(fx);
                if conversation.closed {
                    self.close_at(conversation.last_seq);
                } else {
                    // The server stores each client id once: resending is safe.
                    for o in self.outbox.unacked() {
                        fx.push(ClientEffect::Send(ChatClientMsg::Say {
                            client_id: o.client_id.clone(),
                            text: o.text.clone(),
                        }));
                    }
                }
                self.settle(fx);
            }
            ChatServerMsg::Entry { entry } => {
                let mut ready = Vec::new();
                self.entries.push(entry, &mut ready);
                for entry in ready {
                    self.apply(entry, fx);
                }
                self.settle(fx);
            }
            ChatServerMsg::Ack { client_id, seq } => {
                let first = self.outbox.ack(&client_id, seq, self.last_seq());
                if first {
                    fx.push(ClientEffect::Stored { client_id, seq });
                }
            }
            // After a chat, what the client sends is these requests: an error answers them
            // (the app shows it; the visitor may try again).
            ChatServerMsg::Error { .. } => {
                self.leaving = None;
                self.emailing = false;
            }
            _ => {}
        }
    }

    fn apply(&mut self, entry: TranscriptEntry, fx: &mut Vec<ClientEffect>) {
        match &entry.event {
            TranscriptEvent::Message { client_id, .. } => {
                let first = self.outbox.entry_applied(client_id);
                if first {
                    fx.push(ClientEffect::Stored {
                        client_id: client_id.clone(),
                        seq: entry.seq,
                    });
                }
            }
            TranscriptEvent::Ended { .. }
            | TranscriptEvent::Expired
            | TranscriptEvent::Fallback { .. } => {
                self.close_at(entry.seq);
            }
            TranscriptEvent::LeftMessage { .. } => self.leaving = None,
            TranscriptEvent::TranscriptEmailed { .. } => self.emailing = false,
            _ => {}
        }
        fx.push(ClientEffect::Deliver(entry));
    }

    fn close_at(&mut self, seq: u64) {
        self.closed_at = Some(self.closed_at.map_or(seq, |s| s.max(seq)));
    }

    /// A closed conversation whose entries are all applied will store nothing more.
    fn settle(&mut self, fx: &mut Vec<ClientEffect>) {
        if self.closed_at.is_some_and(|s| self.last_seq() >= s) {
            self.fail_unacked(fx);
        }
    }

    fn fail_unacked(&mut self, fx: &mut Vec<ClientEffect>) {
        for o in self.outbox.drain_unacked() {
            fx.push(ClientEffect::Failed {
                client_id: o.client_id,
                text: o.text,
            });
        }
    }
}
