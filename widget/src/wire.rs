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

fn string(o: &JsValue, k: &'static str) -> Res<String> {
    get(o, k).as_string().ok_or(bad(k))
}

fn opt_string(o: &JsValue, k: &str) -> Option<String> {
    get(o, k).as_string()
}

fn number(o: &JsValue, k: &'static str) -> Res<u64> {
    let f = get(o, k).as_f64().ok_or(bad(k))?;
    if (0.0..=9_007_199_254_740_991.0).contains(&f) && f == (f as u64) as f64 {
        Ok(f as u64)
    } else {
        Err(bad(k))
    }
}

fn boolean(o: &JsValue, k: &'static str) -> Res<bool> {
    get(o, k).as_bool().ok_or(bad(k))
}

fn list<T>(o: &JsValue, k: &'static str, f: impl Fn(&JsValue) -> Res<T>) -> Res<Vec<T>> {
    let v = get(o, k);
    if !Array::is_array(&v) {
        return Err(bad(k));
    }
    v.unchecked_into::<Array>().iter().map(|x| f(&x)).collect()
}

fn string_map(o: &JsValue, k: &'static str) -> Res<BTreeMap<String, String>> {
    let v = get(o, k);
    if !v.is_object() {
        return Err(bad(k));
    }
    let mut out = BTreeMap::new();
    for pair in Object::entries(v.unchecked_ref::<Object>()).iter() {
        let pair: Array = pair.unchecked_into();
        if let (Some(key), Some(val)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            out.insert(key, val);
        }
    }
    Ok(out)
}

fn side(o: &JsValue, k: &'static str) -> Res<Side> {
    match string(o, k)?.as_str() {
        "visitor" => Ok(Side::Visitor),
        "agent" => Ok(Side::Agent),
        "bot" => Ok(Side::Bot),
        _ => Err(bad(k)),
    }
}

/// Parses one text frame from the conversation socket.
pub fn server_msg(text: &str) -> Res<ChatServerMsg> {
    let o = JSON::parse(text)?;
    Ok(match string(&o, "type")?.as_str() {
        "welcome" => {
            let c = get(&o, "conversation");
            ChatServerMsg::Welcome {
                conversation: ConversationView {
                    id: ConversationId(string(&c, "id")?),
                    last_seq: number(&c, "last_seq")?,
                    closed: boolean(&c, "closed").unwrap_or(false),
                },
            }
        }
        "entry" => ChatServerMsg::Entry {
            entry: entry(&get(&o, "entry"))?,
        },
        "ack" => ChatServerMsg::Ack {
            client_id: string(&o, "client_id")?,
            seq: number(&o, "seq")?,
        },
        "invalid" => ChatServerMsg::Invalid {
            card: CardId(string(&o, "card")?),
            errors: list(&o, "errors", |e| {
                Ok(FieldError {
                    key: string(e, "key")?,
                    message: string(e, "message")?,
                })
            })?,
        },
        "typing" => ChatServerMsg::Typing {
            from: side(&o, "from")?,
            on: boolean(&o, "on")?,
        },
        "presence" => ChatServerMsg::Presence {
            side: side(&o, "side")?,
            here: boolean(&o, "here")?,
        },
        "error" => ChatServerMsg::Error {
            code: string(&o, "code")?,
            message: opt_string(&o, "message").unwrap_or_default(),
        },
        _ => return Err(bad("type")),
    })
}

/// A transcript entry: `{seq, at, event, …event fields}`.
pub fn entry(o: &JsValue) -> Res<TranscriptEntry> {
    let event = match string(o, "event")?.as_str() {
        "card" => TranscriptEvent::Card {
            card: card(&get(o, "card"))?,
        },
        "answered" => TranscriptEvent::Answered {
            card: CardId(string(o, "card")?),
            button: ButtonId(string(o, "button")?),
            label: string(o, "label")?,
        },
        "captured" => TranscriptEvent::Captured {
            card: CardId(string(o, "card")?),
            values: string_map(o, "values")?,
        },
        "live_chat_requested" => TranscriptEvent::LiveChatRequested,
        "live_chat_unavailable" => TranscriptEvent::LiveChatUnavailable,
        "agent_joined" => TranscriptEvent::AgentJoined { agent: profile(o)? },
        "agent_left" => TranscriptEvent::AgentLeft { agent: profile(o)? },
        "message" => TranscriptEvent::Message {
            from: side(o, "from")?,
            text: string(o, "text")?,
            client_id: opt_string(o, "client_id").unwrap_or_default(),
        },
        "fallback" => TranscriptEvent::Fallback {
            kind: if opt_string(o, "kind").as_deref() == Some("global") {
                FallbackKind::Global
            } else {
                FallbackKind::LiveChat
            },
            text: string(o, "text")?,
        },
        "expired" => TranscriptEvent::Expired,
        "ended" => TranscriptEvent::Ended { by: side(o, "by")? },
        "left_message" => TranscriptEvent::LeftMessage {
            email: string(o, "email")?,
            text: string(o, "text")?,
            client_id: opt_string(o, "client_id").unwrap_or_default(),
        },
        "transcript_emailed" => TranscriptEvent::TranscriptEmailed {
            to: string(o, "to")?,
        },
        _ => return Err(bad("event")),
    };
    fn profile(o: &JsValue) -> Res<AgentProfile> {
        let a = get(o, "agent");
        Ok(AgentProfile {
            name: string(&a, "name")?,
            avatar_url: opt_string(&a, "avatar_url"),
        })
    }
    Ok(TranscriptEntry {
        seq: number(o, "seq")?,
        at: Millis(number(o, "at").unwrap_or(0)),
        event,
    })
}

/// A card: `{id, kind, …kind fields}`. The live chat card's routing is the server's business;
/// the widget never reads it and keeps a placeholder.
pub fn card(o: &JsValue) -> Res<Card> {
    let text = opt_string(o, "text").unwrap_or_default();
    let kind = match string(o, "kind")?.as_str() {
        "message" => CardKind::Message { text },
        "question" => CardKind::Question {
            when_unavailable: None,
            text,
            buttons: list(o, "buttons", |b| {
                Ok(Button {
                    id: ButtonId(string(b, "id")?),
                    label: string(b, "label")?,
                    goto: opt_string(b, "goto"),
                })
            })?,
        },
        "info_capture" => CardKind::InfoCapture {
            text,
            fields: list(o, "fields", |f| {
                Ok(FieldSpec {
                    key: string(f, "key")?,
                    kind: field_kind(opt_string(f, "kind").as_deref().unwrap_or("")),
                    label: string(f, "label")?,
                    required: boolean(f, "required").unwrap_or(false),
                })
            })?,
        },
        // Routing and the branch for when nobody can chat are the server's business.
        "live_chat" => CardKind::LiveChat {
            text,
            routing: Routing::RoundRobin,
            when_unavailable: None,
        },
        _ => return Err(bad("kind")),
    };
    Ok(Card {
        id: CardId(string(o, "id")?),
        kind,
    })
}

fn field_kind(k: &str) -> FieldKind {
    match k {
        "first_name" => FieldKind::FirstName,
        "last_name" => FieldKind::LastName,
        "email" => FieldKind::Email,
        "job_title" => FieldKind::JobTitle,
        "company" => FieldKind::Company,
        "phone" => FieldKind::Phone,
        _ => FieldKind::Custom,
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
