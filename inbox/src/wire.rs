//! JSON ↔ the shared protocol types (`parlor_core::protocol`) and the session, by hand over
//! `js_sys`, like the widget's `wire.rs`.
//!
//! Why not serde here: the core types are internally tagged and flattened, and serde's derive
//! for those buffers every frame through its generic `Content` tree, one copy of that code per
//! type: some 100 KB of wasm before optimisation for the inbox's two sockets. Decoding with
//! `JSON.parse` + `Reflect` builds the very same core types (so a field added to them fails to
//! compile here, and the browser tests check that what core's serde writes decodes back equal).

use std::collections::BTreeMap;

use js_sys::{Array, Object, Reflect, JSON};
use parlor_core::canned::{CannedReply, Scope};
use parlor_core::dialogue::{Button, Card, CardKind, FieldKind, FieldSpec};
use parlor_core::identity::VisitorIdentity;
use parlor_core::protocol::{AgentProfile, FallbackKind, Side, TranscriptEntry, TranscriptEvent};
use parlor_core::routing::Routing;
use parlor_core::{ButtonId, CardId, Millis};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::InboxError;
use crate::session::{AgentInfo, Session};

type Res<T> = Result<T, InboxError>;

/// `o[k]`, or `undefined` when `o` is not an object or has no such key.
pub fn get(o: &JsValue, k: &str) -> JsValue {
    if !o.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

pub(crate) fn opt_string(o: &JsValue, k: &str) -> Option<String> {
    get(o, k).as_string()
}

/// Reads fields without returning early: a missing or mistyped field gives a default and is
/// remembered, and the frame is refused at the end. (A `?` per field would make the compiler
/// emit, at each one, the drops of everything read before it.)
#[derive(Default)]
pub struct Reader {
    bad: Option<&'static str>,
}

impl Reader {
    pub fn fail(&mut self, k: &'static str) {
        self.bad.get_or_insert(k);
    }

    pub fn string(&mut self, o: &JsValue, k: &'static str) -> String {
        get(o, k).as_string().unwrap_or_else(|| {
            self.fail(k);
            String::new()
        })
    }

    pub fn number(&mut self, o: &JsValue, k: &'static str) -> u64 {
        match get(o, k).as_f64() {
            Some(f) if (0.0..=9_007_199_254_740_991.0).contains(&f) && f == (f as u64) as f64 => {
                f as u64
            }
            _ => {
                self.fail(k);
                0
            }
        }
    }

    pub fn boolean(&mut self, o: &JsValue, k: &'static str) -> bool {
        get(o, k).as_bool().unwrap_or_else(|| {
            self.fail(k);
            false
        })
    }

    pub fn list<T>(
        &mut self,
        o: &JsValue,
        k: &'static str,
        mut f: impl FnMut(&mut Reader, &JsValue) -> T,
    ) -> Vec<T> {
        let v = get(o, k);
        let mut out = Vec::new();
        if Array::is_array(&v) {
            for x in v.unchecked_into::<Array>().iter() {
                out.push(f(self, &x));
            }
        } else {
            self.fail(k);
        }
        out
    }

    /// `identity` (`parlor_core::identity`), absent for a visitor the site did not identify.
    pub fn identity(&mut self, o: &JsValue) -> Option<VisitorIdentity> {
        let v = get(o, "identity");
        if v.is_undefined() || v.is_null() {
            return None;
        }
        Some(VisitorIdentity {
            id: self.string(&v, "id"),
            email: opt_string(&v, "email"),
            name: opt_string(&v, "name"),
            verified: self.boolean(&v, "verified"),
        })
    }

    pub fn string_map(&mut self, o: &JsValue, k: &'static str) -> BTreeMap<String, String> {
        let v = get(o, k);
        let mut out = BTreeMap::new();
        if !v.is_object() {
            self.fail(k);
            return out;
        }
        for pair in Object::entries(v.unchecked_ref::<Object>()).iter() {
            let pair: Array = pair.unchecked_into();
            match (pair.get(0).as_string(), pair.get(1).as_string()) {
                (Some(key), Some(val)) => {
                    out.insert(key, val);
                }
                _ => self.fail(k),
            }
        }
        out
    }

    fn side(&mut self, o: &JsValue, k: &'static str) -> Side {
        match self.string(o, k).as_str() {
            "visitor" => Side::Visitor,
            "agent" => Side::Agent,
            "bot" => Side::Bot,
            _ => {
                self.fail(k);
                Side::Bot
            }
        }
    }

    /// `value`, unless a field was missing or mistyped.
    pub fn done<T>(self, value: T) -> Res<T> {
        match self.bad {
            Some(k) => Err(InboxError::Data(k.into())),
            None => Ok(value),
        }
    }
}

/// A transcript entry: `{seq, at, event, …event fields}`.
pub fn entry(r: &mut Reader, o: &JsValue) -> TranscriptEntry {
    let event = match r.string(o, "event").as_str() {
        "card" => TranscriptEvent::Card {
            // What the visitor's form started with: the inbox shows what they submitted.
            prefill: Default::default(),
            card: card(r, &get(o, "card")),
        },
        "answered" => TranscriptEvent::Answered {
            card: CardId(r.string(o, "card")),
            button: ButtonId(r.string(o, "button")),
            label: r.string(o, "label"),
        },
        "captured" => TranscriptEvent::Captured {
            card: CardId(r.string(o, "card")),
            values: r.string_map(o, "values"),
        },
        "live_chat_requested" => TranscriptEvent::LiveChatRequested,
        "live_chat_unavailable" => TranscriptEvent::LiveChatUnavailable,
        "agent_joined" => TranscriptEvent::AgentJoined {
            agent: profile(r, o),
        },
        "agent_left" => TranscriptEvent::AgentLeft {
            agent: profile(r, o),
        },
        "message" => TranscriptEvent::Message {
            from: r.side(o, "from"),
            text: r.string(o, "text"),
            client_id: r.string(o, "client_id"),
        },
        "fallback" => TranscriptEvent::Fallback {
            kind: match r.string(o, "kind").as_str() {
                "global" => FallbackKind::Global,
                "live_chat" => FallbackKind::LiveChat,
                _ => {
                    r.fail("kind");
                    FallbackKind::LiveChat
                }
            },
            text: r.string(o, "text"),
            // Absent unless true.
            visitor_away: get(o, "visitor_away").as_bool().unwrap_or(false),
        },
        "expired" => TranscriptEvent::Expired,
        "ended" => TranscriptEvent::Ended {
            by: r.side(o, "by"),
            // Absent unless true.
            visitor_away: get(o, "visitor_away").as_bool().unwrap_or(false),
        },
        "left_message" => TranscriptEvent::LeftMessage {
            email: r.string(o, "email"),
            text: r.string(o, "text"),
            client_id: r.string(o, "client_id"),
        },
        "transcript_emailed" => TranscriptEvent::TranscriptEmailed {
            to: r.string(o, "to"),
        },
        "note" => TranscriptEvent::Note {
            by: r.string(o, "by"),
            text: r.string(o, "text"),
            client_id: r.string(o, "client_id"),
        },
        _ => {
            r.fail("event");
            TranscriptEvent::Expired
        }
    };
    fn profile(r: &mut Reader, o: &JsValue) -> AgentProfile {
        let a = get(o, "agent");
        if !a.is_object() {
            r.fail("agent");
        }
        AgentProfile {
            name: r.string(&a, "name"),
            avatar_url: opt_string(&a, "avatar_url"),
        }
    }
    TranscriptEntry {
        seq: r.number(o, "seq"),
        at: Millis(r.number(o, "at")),
        event,
    }
}

/// A card as shown in a transcript: `{id, kind, …kind fields}`. Only its words are shown, so a
/// live chat card's routing and a card's branch for when nobody can chat are not read (the
/// dialogue editor reads whole dialogues with serde).
fn card(r: &mut Reader, o: &JsValue) -> Card {
    let text = r.string(o, "text");
    let kind = match r.string(o, "kind").as_str() {
        "message" => CardKind::Message { text },
        "question" => CardKind::Question {
            when_unavailable: None,
            text,
            buttons: r.list(o, "buttons", |r, b| Button {
                id: ButtonId(r.string(b, "id")),
                label: r.string(b, "label"),
                goto: None,
            }),
        },
        "info_capture" => CardKind::InfoCapture {
            text,
            fields: r.list(o, "fields", |r, f| FieldSpec {
                key: r.string(f, "key"),
                kind: FieldKind::from_key(&r.string(f, "kind")).unwrap_or(FieldKind::Custom),
                label: r.string(f, "label"),
                required: get(f, "required").as_bool().unwrap_or(false),
            }),
        },
        "live_chat" => CardKind::LiveChat {
            text,
            routing: Routing::RoundRobin,
            when_unavailable: None,
        },
        _ => {
            r.fail("kind");
            CardKind::Message { text }
        }
    };
    Card {
        id: CardId(r.string(o, "id")),
        kind,
    }
}

/// The signed-in agent (`POST …/sessions`, `GET …/me`, the stored session). Every field is
/// optional, as the server leaves out what it does not know.
pub fn agent_info(o: &JsValue) -> AgentInfo {
    let s = |k: &str| opt_string(o, k).unwrap_or_default();
    let teams = get(o, "teams");
    AgentInfo {
        id: s("id"),
        email: s("email"),
        name: s("name"),
        avatar_url: opt_string(o, "avatar_url"),
        live_chat: get(o, "live_chat").as_bool().unwrap_or(false),
        role: s("role"),
        teams: match Array::is_array(&teams) {
            true => teams
                .unchecked_ref::<Array>()
                .iter()
                .filter_map(|t| t.as_string())
                .collect(),
            false => Vec::new(),
        },
    }
}

/// `{replies: [CannedReply]}` (`GET …/canned-replies`), for both pages.
pub fn canned_replies(v: &JsValue) -> Res<Vec<CannedReply>> {
    let mut r = Reader::default();
    let list = r.list(v, "replies", read_canned);
    r.done(list)
}

fn read_canned(r: &mut Reader, o: &JsValue) -> CannedReply {
    let scope = match r.string(o, "scope").as_str() {
        "personal" => Scope::Personal,
        "workspace" => Scope::Workspace,
        _ => {
            r.fail("scope");
            Scope::Workspace
        }
    };
    CannedReply {
        id: r.string(o, "id"),
        shortcut: r.string(o, "shortcut"),
        text: r.string(o, "text"),
        scope,
    }
}

/// The session stored in localStorage, if it is one.
pub fn session(text: &str) -> Option<Session> {
    let o = JSON::parse(text).ok()?;
    let mut r = Reader::default();
    let a = get(&o, "agent");
    let s = Session {
        workspace: r.string(&o, "workspace"),
        token: r.string(&o, "token"),
        agent: a.is_object().then(|| agent_info(&a)),
    };
    r.done(s).ok()
}

/// Builds a JSON object from string keys and JS values.
pub struct Obj(Object);

impl Obj {
    pub fn new() -> Obj {
        Obj(Object::new())
    }

    pub fn set(self, k: &str, v: impl Into<JsValue>) -> Obj {
        let _ = Reflect::set(&self.0, &JsValue::from_str(k), &v.into());
        self
    }

    pub fn strings<'a>(mut self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Obj {
        for (k, v) in pairs {
            self = self.set(k, v);
        }
        self
    }

    pub fn into_js(self) -> JsValue {
        self.0.into()
    }

    pub fn into_json(self) -> Res<String> {
        crate::json::stringify_js(&self.0)
    }
}

impl Default for Obj {
    fn default() -> Self {
        Obj::new()
    }
}

fn list_js(items: &[String]) -> JsValue {
    items
        .iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

fn agent_info_js(a: &AgentInfo) -> JsValue {
    // Every field named, so one added fails to compile here.
    let AgentInfo {
        id,
        email,
        name,
        avatar_url,
        live_chat,
        role,
        teams,
    } = a;
    let o = Obj::new()
        .strings([
            ("id", id.as_str()),
            ("email", email),
            ("name", name),
            ("role", role),
        ])
        .set("live_chat", *live_chat)
        .set("teams", list_js(teams));
    match avatar_url {
        Some(u) => o.set("avatar_url", u.as_str()),
        None => o.set("avatar_url", JsValue::NULL),
    }
    .into_js()
}

/// The session as stored in localStorage.
pub fn session_json(s: &Session) -> Res<String> {
    let Session {
        workspace,
        token,
        agent,
    } = s;
    Obj::new()
        .strings([("workspace", workspace.as_str()), ("token", token)])
        .set("agent", agent.as_ref().map_or(JsValue::NULL, agent_info_js))
        .into_json()
}

#[cfg(feature = "agent")]
mod agent {
    use parlor_core::protocol::{
        AgentChatMsg, ChatClientMsg, ChatServerMsg, ChatSummary, Colleague, ConversationView,
        EndReason, FieldError, InboxClientMsg, InboxServerMsg, OfferView, Presence,
        TeamAvailability,
    };
    use parlor_core::routing::{RuleTarget, SkipReason};
    use parlor_core::{AgentId, CardId, ConversationId, Millis, TeamId};

    use super::*;

    /// One text frame of a conversation socket.
    pub fn chat_server_msg(text: &str) -> Res<ChatServerMsg> {
        let o = JSON::parse(text)?;
        let mut r = Reader::default();
        let msg = match r.string(&o, "type").as_str() {
            "welcome" => {
                let c = get(&o, "conversation");
                ChatServerMsg::Welcome {
                    conversation: ConversationView {
                        id: ConversationId(r.string(&c, "id")),
                        last_seq: r.number(&c, "last_seq"),
                        closed: r.boolean(&c, "closed"),
                    },
                }
            }
            "entry" => ChatServerMsg::Entry {
                entry: entry(&mut r, &get(&o, "entry")),
            },
            "ack" => ChatServerMsg::Ack {
                client_id: r.string(&o, "client_id"),
                seq: r.number(&o, "seq"),
            },
            "invalid" => ChatServerMsg::Invalid {
                card: CardId(r.string(&o, "card")),
                errors: r.list(&o, "errors", |r, e| FieldError {
                    key: r.string(e, "key"),
                    message: r.string(e, "message"),
                }),
            },
            "typing" => ChatServerMsg::Typing {
                from: r.side(&o, "from"),
                on: r.boolean(&o, "on"),
            },
            "presence" => ChatServerMsg::Presence {
                side: r.side(&o, "side"),
                here: r.boolean(&o, "here"),
            },
            "error" => ChatServerMsg::Error {
                code: r.string(&o, "code"),
                message: r.string(&o, "message"),
            },
            _ => return Err(InboxError::Data("type".into())),
        };
        r.done(msg)
    }

    fn offer(r: &mut Reader, o: &JsValue) -> OfferView {
        OfferView {
            identity: r.identity(o),
            offer: r.number(o, "offer"),
            conversation: ConversationId(r.string(o, "conversation")),
            deadline: Millis(r.number(o, "deadline")),
            visitor: r.string_map(o, "visitor"),
            page_url: r.string(o, "page_url"),
            transfer_from: opt_string(o, "transfer_from"),
        }
    }

    fn summary(r: &mut Reader, o: &JsValue) -> ChatSummary {
        ChatSummary {
            identity: r.identity(o),
            conversation: ConversationId(r.string(o, "conversation")),
            started_at: Millis(r.number(o, "started_at")),
            visitor: r.string_map(o, "visitor"),
            page_url: r.string(o, "page_url"),
        }
    }

    /// One text frame of the inbox socket.
    pub fn inbox_server_msg(text: &str) -> Res<InboxServerMsg> {
        let o = JSON::parse(text)?;
        let mut r = Reader::default();
        let msg = match r.string(&o, "type").as_str() {
            "welcome" => InboxServerMsg::Welcome {
                agent: AgentId(r.string(&o, "agent")),
                presence: match r.string(&o, "presence").as_str() {
                    "available" => Presence::Available,
                    "away" => Presence::Away,
                    _ => {
                        r.fail("presence");
                        Presence::Away
                    }
                },
                offers: r.list(&o, "offers", offer),
                chats: r.list(&o, "chats", summary),
                capacity: match u32::try_from(r.number(&o, "capacity")) {
                    Ok(n) => n,
                    Err(_) => {
                        r.fail("capacity");
                        0
                    }
                },
            },
            "offered" => InboxServerMsg::Offered {
                offer: offer(&mut r, &get(&o, "offer")),
            },
            "offer_withdrawn" => InboxServerMsg::OfferWithdrawn {
                offer: r.number(&o, "offer"),
                reason: r.string(&o, "reason"),
            },
            "chat_started" => InboxServerMsg::ChatStarted {
                chat: summary(&mut r, &get(&o, "chat")),
            },
            "chat_closed" => InboxServerMsg::ChatClosed {
                conversation: ConversationId(r.string(&o, "conversation")),
                reason: match r.string(&o, "reason").as_str() {
                    "ended_by_agent" => EndReason::EndedByAgent,
                    "ended_by_visitor" => EndReason::EndedByVisitor,
                    "expired" => EndReason::Expired,
                    "agent_left" => EndReason::AgentLeft,
                    "erased" => EndReason::Erased,
                    "transferred" => EndReason::Transferred,
                    _ => {
                        r.fail("reason");
                        EndReason::Expired
                    }
                },
            },
            "colleagues" => InboxServerMsg::Colleagues {
                agents: r.list(&o, "agents", |r, a| Colleague {
                    agent: AgentId(r.string(a, "agent")),
                    name: r.string(a, "name"),
                    unavailable: opt_string(a, "unavailable").map(|w| skip_reason(&w)),
                }),
                teams: r.list(&o, "teams", |r, t| TeamAvailability {
                    team: TeamId(r.string(t, "team")),
                    available: r.number(t, "available") as u32,
                }),
            },
            "transfer_started" => InboxServerMsg::TransferStarted {
                conversation: ConversationId(r.string(&o, "conversation")),
                to: r.string(&o, "to"),
                deadline: Millis(r.number(&o, "deadline")),
            },
            "transfer_ended" => InboxServerMsg::TransferEnded {
                conversation: ConversationId(r.string(&o, "conversation")),
                reason: r.string(&o, "reason"),
            },
            "error" => InboxServerMsg::Error {
                code: r.string(&o, "code"),
                message: r.string(&o, "message"),
            },
            _ => return Err(InboxError::Data("type".into())),
        };
        r.done(msg)
    }

    /// Why a colleague cannot take a chat now (unknown words read as "away": not offered).
    fn skip_reason(w: &str) -> SkipReason {
        match w {
            "no_permission" => SkipReason::NoPermission,
            "offline" => SkipReason::Offline,
            "at_capacity" => SkipReason::AtCapacity,
            "already_tried" => SkipReason::AlreadyTried,
            "outside_hours" => SkipReason::OutsideHours,
            _ => SkipReason::Away,
        }
    }

    /// `InboxClientMsg` → one JSON text frame.
    pub fn inbox_client_msg(m: &InboxClientMsg) -> Res<String> {
        let o = Obj::new();
        match m {
            InboxClientMsg::Hello { v } => o.set("type", "hello").set("v", *v),
            InboxClientMsg::SetPresence { presence } => o.set("type", "set_presence").set(
                "presence",
                match presence {
                    Presence::Available => "available",
                    Presence::Away => "away",
                },
            ),
            InboxClientMsg::Accept { offer } => o.set("type", "accept").set("offer", *offer as f64),
            InboxClientMsg::Decline { offer } => {
                o.set("type", "decline").set("offer", *offer as f64)
            }
            InboxClientMsg::Colleagues => o.set("type", "colleagues"),
            InboxClientMsg::Transfer { conversation, to } => {
                let target = match to {
                    RuleTarget::Agent { agent } => {
                        Obj::new().strings([("to", "agent"), ("agent", agent.as_str())])
                    }
                    RuleTarget::Team { team } => {
                        Obj::new().strings([("to", "team"), ("team", team.as_str())])
                    }
                };
                o.strings([
                    ("type", "transfer"),
                    ("conversation", conversation.as_str()),
                ])
                .set("to", target.into_js())
            }
        }
        .into_json()
    }

    /// `AgentChatMsg` (an internal note) → one JSON text frame.
    pub fn agent_chat_msg(m: &AgentChatMsg) -> Res<String> {
        let AgentChatMsg::Note { client_id, text } = m;
        Obj::new()
            .strings([
                ("type", "note"),
                ("client_id", client_id.as_str()),
                ("text", text.as_str()),
            ])
            .into_json()
    }

    /// `ChatClientMsg` → one JSON text frame.
    pub fn chat_client_msg(m: &ChatClientMsg) -> Res<String> {
        let o = Obj::new();
        match m {
            ChatClientMsg::Hello { v, last_seq } => o
                .set("type", "hello")
                .set("v", *v)
                .set("last_seq", *last_seq as f64),
            ChatClientMsg::Answer { card, button } => o
                .strings([("type", "answer"), ("card", card.as_str())])
                .set("button", button.as_str()),
            ChatClientMsg::Capture { card, values } => o
                .strings([("type", "capture"), ("card", card.as_str())])
                .set(
                    "values",
                    Obj::new()
                        .strings(values.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                        .into_js(),
                ),
            ChatClientMsg::Say { client_id, text } => o.strings([
                ("type", "say"),
                ("client_id", client_id.as_str()),
                ("text", text.as_str()),
            ]),
            ChatClientMsg::Typing { on } => o.set("type", "typing").set("on", *on),
            ChatClientMsg::End => o.set("type", "end"),
            ChatClientMsg::LeaveMessage {
                client_id,
                email,
                text,
            } => {
                let o = o.strings([
                    ("type", "leave_message"),
                    ("client_id", client_id.as_str()),
                    ("text", text.as_str()),
                ]);
                match email {
                    Some(e) => o.set("email", e.as_str()),
                    None => o,
                }
            }
            ChatClientMsg::EmailTranscript => o.set("type", "email_transcript"),
        }
        .into_json()
    }
}

#[cfg(feature = "agent")]
pub use agent::*;

#[cfg(feature = "admin")]
/// The items of a JSON array read with `f`, refused if `v` is not an array or an item is
/// malformed.
pub fn items<T>(v: &JsValue, mut f: impl FnMut(&mut Reader, &JsValue) -> T) -> Res<Vec<T>> {
    let mut r = Reader::default();
    let mut out = Vec::new();
    if Array::is_array(v) {
        for x in v.unchecked_ref::<Array>().iter() {
            out.push(f(&mut r, &x));
        }
    } else {
        r.fail("list");
    }
    r.done(out)
}
