//! JSON ↔ the shared protocol types (`parlor_core::protocol`), by hand over `js_sys`.
//!
//! Why not serde here: the core types are internally tagged and flattened, and serde's derive
//! for those buffers everything through its generic `Content` tree — over 100 KB of wasm for a
//! widget that must stay tiny. Decoding with `JSON.parse` + `Reflect` builds the very same core
//! types (so a field added to them fails to compile here, and the wasm tests check that what
//! core's serde writes decodes back equal), at a fraction of the size.

use std::collections::BTreeMap;

use js_sys::{Array, Object, Reflect, JSON};
use parlor_core::dialogue::{Button, Card, CardKind, FieldKind, FieldSpec};
use parlor_core::protocol::{
    AgentProfile, ChatClientMsg, ChatServerMsg, ConversationView, FallbackKind, FieldError, Side,
    TranscriptEntry, TranscriptEvent,
};
use parlor_core::routing::Routing;
use parlor_core::{ButtonId, CardId, ConversationId, Millis};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::WidgetError;

type Res<T> = Result<T, WidgetError>;

fn bad(what: &'static str) -> WidgetError {
    WidgetError::Data(what)
}

fn get(o: &JsValue, k: &str) -> JsValue {
    if !o.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

fn opt_string(o: &JsValue, k: &str) -> Option<String> {
    get(o, k).as_string()
}

/// Reads fields without returning early: a missing or mistyped field gives a default and is
/// remembered, and the frame is refused at the end. (A `?` per field would make the compiler
/// emit, at each one, the drops of everything read before it: kilobytes in all.)
#[derive(Default)]
struct Reader {
    bad: Option<&'static str>,
}

impl Reader {
    fn fail(&mut self, k: &'static str) {
        self.bad.get_or_insert(k);
    }

    fn string(&mut self, o: &JsValue, k: &'static str) -> String {
        get(o, k).as_string().unwrap_or_else(|| {
            self.fail(k);
            String::new()
        })
    }

    fn number(&mut self, o: &JsValue, k: &'static str) -> u64 {
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

    fn boolean(&mut self, o: &JsValue, k: &'static str) -> bool {
        get(o, k).as_bool().unwrap_or_else(|| {
            self.fail(k);
            false
        })
    }

    fn list<T>(
        &mut self,
        o: &JsValue,
        k: &'static str,
        mut f: impl FnMut(&mut Reader, &JsValue) -> T,
    ) -> Vec<T> {
        let v = get(o, k);
        let mut out = Vec::new();
        if Array::is_array(&v) {
            // By index with `get`, the binding `string_map` uses too.
            let a: Array = v.unchecked_into();
            for i in 0..a.length() {
                out.push(f(self, &a.get(i)));
            }
        } else {
            self.fail(k);
        }
        out
    }

    fn string_map(&mut self, o: &JsValue, k: &'static str) -> BTreeMap<String, String> {
        let v = get(o, k);
        let mut out = BTreeMap::new();
        if !v.is_object() {
            self.fail(k);
            return out;
        }
        for pair in Object::entries(v.unchecked_ref::<Object>()).iter() {
            let pair: Array = pair.unchecked_into();
            if let (Some(key), Some(val)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                out.insert(key, val);
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
    fn done<T>(self, value: T) -> Res<T> {
        match self.bad {
            Some(k) => Err(bad(k)),
            None => Ok(value),
        }
    }
}

/// Parses one text frame from the conversation socket.
pub fn server_msg(text: &str) -> Res<ChatServerMsg> {
    let o = JSON::parse(text)?;
    let mut r = Reader::default();
    let msg = match r.string(&o, "type").as_str() {
        "welcome" => {
            let c = get(&o, "conversation");
            ChatServerMsg::Welcome {
                conversation: ConversationView {
                    id: ConversationId(r.string(&c, "id")),
                    last_seq: r.number(&c, "last_seq"),
                    closed: get(&c, "closed").as_bool().unwrap_or(false),
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
            message: opt_string(&o, "message").unwrap_or_default(),
        },
        _ => return Err(bad("type")),
    };
    r.done(msg)
}

/// A transcript entry: `{seq, at, event, …event fields}`.
fn entry(r: &mut Reader, o: &JsValue) -> TranscriptEntry {
    let event = match r.string(o, "event").as_str() {
        "card" => TranscriptEvent::Card {
            // Absent unless the site identified the visitor.
            prefill: match get(o, "prefill").is_undefined() {
                true => BTreeMap::new(),
                false => r.string_map(o, "prefill"),
            },
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
            client_id: opt_string(o, "client_id").unwrap_or_default(),
        },
        "fallback" => TranscriptEvent::Fallback {
            kind: if opt_string(o, "kind").as_deref() == Some("global") {
                FallbackKind::Global
            } else {
                FallbackKind::LiveChat
            },
            text: r.string(o, "text"),
            visitor_away: false,
        },
        "expired" => TranscriptEvent::Expired,
        "ended" => TranscriptEvent::Ended {
            by: r.side(o, "by"),
            // Absent unless true.
            visitor_away: get(o, "visitor_away").as_bool() == Some(true),
        },
        "left_message" => TranscriptEvent::LeftMessage {
            email: r.string(o, "email"),
            text: r.string(o, "text"),
            client_id: opt_string(o, "client_id").unwrap_or_default(),
        },
        "transcript_emailed" => TranscriptEvent::TranscriptEmailed {
            to: r.string(o, "to"),
        },
        _ => {
            r.fail("event");
            TranscriptEvent::Expired
        }
    };
    fn profile(r: &mut Reader, o: &JsValue) -> AgentProfile {
        let a = get(o, "agent");
        AgentProfile {
            name: r.string(&a, "name"),
            avatar_url: opt_string(&a, "avatar_url"),
        }
    }
    TranscriptEntry {
        seq: r.number(o, "seq"),
        // Optional: 0 when missing or not a whole number (a reader of its own, so not refused).
        at: Millis(Reader::default().number(o, "at")),
        event,
    }
}

/// A card: `{id, kind, …kind fields}`. The live chat card's routing is the server's business;
/// the widget never reads it and keeps a placeholder.
fn card(r: &mut Reader, o: &JsValue) -> Card {
    let text = opt_string(o, "text").unwrap_or_default();
    let kind = match r.string(o, "kind").as_str() {
        "message" => CardKind::Message { text },
        "question" => CardKind::Question {
            when_unavailable: None,
            text,
            buttons: r.list(o, "buttons", |r, b| Button {
                id: ButtonId(r.string(b, "id")),
                label: r.string(b, "label"),
                goto: opt_string(b, "goto"),
            }),
        },
        "info_capture" => CardKind::InfoCapture {
            text,
            fields: r.list(o, "fields", |r, f| FieldSpec {
                key: r.string(f, "key"),
                kind: opt_string(f, "kind")
                    .and_then(|k| FieldKind::from_key(&k))
                    .unwrap_or(FieldKind::Custom),
                label: r.string(f, "label"),
                required: get(f, "required").as_bool().unwrap_or(false),
            }),
        },
        // Routing and the branch for when nobody can chat are the server's business.
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

/// Builds a JSON object from string keys and JS values, then stringifies it.
pub struct Obj(Object);

impl Obj {
    pub fn new() -> Obj {
        Obj(Object::new())
    }

    pub fn set(self, k: &str, v: impl Into<JsValue>) -> Obj {
        let _ = Reflect::set(&self.0, &JsValue::from_str(k), &v.into());
        self
    }

    pub fn into_js(self) -> JsValue {
        self.0.into()
    }

    pub fn into_json(self) -> Res<String> {
        JSON::stringify(&self.0)?.as_string().ok_or(bad("json"))
    }
}

impl Default for Obj {
    fn default() -> Self {
        Obj::new()
    }
}

/// `ChatClientMsg` → one JSON text frame.
pub fn client_msg(m: &ChatClientMsg) -> Res<String> {
    let o = Obj::new();
    match m {
        ChatClientMsg::Hello { v, last_seq } => o
            .set("type", "hello")
            .set("v", *v as f64)
            .set("last_seq", *last_seq as f64),
        ChatClientMsg::Answer { card, button } => o
            .set("type", "answer")
            .set("card", card.as_str())
            .set("button", button.as_str()),
        ChatClientMsg::Capture { card, values } => {
            let mut vals = Obj::new();
            for (k, v) in values {
                vals = vals.set(k, v.as_str());
            }
            o.set("type", "capture")
                .set("card", card.as_str())
                .set("values", vals.0)
        }
        ChatClientMsg::Say { client_id, text } => o
            .set("type", "say")
            .set("client_id", client_id.as_str())
            .set("text", text.as_str()),
        ChatClientMsg::Typing { on } => o.set("type", "typing").set("on", *on),
        ChatClientMsg::End => o.set("type", "end"),
        ChatClientMsg::LeaveMessage {
            client_id,
            email,
            text,
        } => {
            let o = o
                .set("type", "leave_message")
                .set("client_id", client_id.as_str())
                .set("text", text.as_str());
            match email {
                Some(e) => o.set("email", e.as_str()),
                None => o,
            }
        }
        ChatClientMsg::EmailTranscript => o.set("type", "email_transcript"),
    }
    .into_json()
}

/// Reads `field` of a parsed JSON object as a string (for the HTTP and mount payloads).
pub fn field(o: &JsValue, k: &str) -> Option<String> {
    opt_string(o, k)
}

/// Reads a nested object.
pub fn object(o: &JsValue, k: &str) -> JsValue {
    get(o, k)
}
