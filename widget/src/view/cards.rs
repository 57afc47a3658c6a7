//! One transcript entry → DOM. Every piece of server text goes in through text nodes.

use parlor_core::client::push_hex;
use parlor_core::dialogue::{CardKind, FieldKind};
use parlor_core::protocol::{Side, TranscriptEntry, TranscriptEvent};
use parlor_core::{ButtonId, CardId};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, HtmlInputElement};

use crate::dom::{attr, el, set_attr, set_disabled, set_text, text};
use crate::model::Model;
use crate::text::{linkify, Segment};

/// The parts of a rendered card that change after it is drawn.
pub struct CardRefs {
    pub id: CardId,
    kind: RefKind,
}

enum RefKind {
    Buttons(Vec<(ButtonId, HtmlElement)>),
    Form {
        fields: Vec<FieldRefs>,
        submit: HtmlElement,
    },
}

struct FieldRefs {
    key: String,
    input: HtmlInputElement,
    error: HtmlElement,
}

impl CardRefs {
    /// Patches the card from the model: answered / captured / closed cards are disabled;
    /// form errors are shown next to their fields.
    pub fn sync(&self, m: &Model) {
        let open = m.card_open(&self.id);
        match &self.kind {
            RefKind::Buttons(buttons) => {
                let chosen = m.answer(&self.id);
                for (id, b) in buttons {
                    set_disabled(b, !open);
                    set_attr(
                        b,
                        "aria-pressed",
                        if chosen == Some(id) { "true" } else { "false" },
                    );
                }
            }
            RefKind::Form { fields, submit } => {
                set_disabled(submit, !open);
                let errors = m.errors(&self.id);
                for f in fields {
                    set_disabled(&f.input, !open);
                    let err = errors
                        .and_then(|es| es.iter().find(|e| e.key == f.key))
                        .map(|e| e.message.as_str());
                    set_text(&f.error, err.unwrap_or(""));
                    set_attr(
                        &f.input,
                        "aria-invalid",
                        if err.is_some() { "true" } else { "false" },
                    );
                }
            }
        }
    }

    pub fn first_control(&self) -> Option<HtmlElement> {
        match &self.kind {
            RefKind::Buttons(b) => b.first().map(|(_, b)| b.clone()),
            RefKind::Form { fields, submit } => Some(
                fields
                    .first()
                    .map(|f| f.input.clone().unchecked_into())
                    .unwrap_or_else(|| submit.clone()),
            ),
        }
    }

    pub fn field(&self, key: &str) -> Option<HtmlElement> {
        match &self.kind {
            RefKind::Form { fields, .. } => fields
                .iter()
                .find(|f| f.key == key)
                .map(|f| f.input.clone().unchecked_into()),
            RefKind::Buttons(_) => None,
        }
    }
}

/// A chat bubble: `me` for the visitor's side.
fn bubble(doc: &Document, parent: &Element, me: bool) -> HtmlElement {
    el(doc, "div", if me { "b me" } else { "b" }, parent)
}

fn system(doc: &Document, parent: &Element, s: &str) {
    let e = el(doc, "p", "sy", parent);
    text(doc, &e, s);
}

/// The time of an entry in the visitor's own locale and clock (`Intl.DateTimeFormat`, through
/// `toLocaleTimeString`): hours and minutes. "default" is the browser's locale.
fn time(doc: &Document, parent: &Element, at: u64) {
    let d = js_sys::Date::new(&JsValue::from_f64(at as f64));
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"hour".into(), &"numeric".into());
    let _ = js_sys::Reflect::set(&opts, &"minute".into(), &"2-digit".into());
    let t = el(doc, "span", "tm", parent);
    text(
        doc,
        &t,
        &String::from(d.to_locale_time_string_with_options("default", &opts)),
    );
}

fn new_id(next: &mut u32) -> String {
    *next += 1;
    let mut s = String::from("p");
    push_hex(&mut s, u64::from(*next));
    s
}

/// Renders one entry; returns handles for interactive cards.
pub fn entry(
    doc: &Document,
    parent: &Element,
    e: &TranscriptEntry,
    m: &Model,
    base: &str,
    next_id: &mut u32,
) -> Option<CardRefs> {
    let s = m.lang.strings();
    match &e.event {
        TranscriptEvent::Card { card, prefill } => match &card.kind {
            CardKind::Message { text: t } | CardKind::LiveChat { text: t, .. } => {
                if !t.is_empty() {
                    text(doc, &bubble(doc, parent, false), t);
                }
            }
            CardKind::Question {
                text: t, buttons, ..
            } => {
                let b = bubble(doc, parent, false);
                let p = el(doc, "div", "", &b);
                let q = new_id(next_id);
                attr(&p, "id", &q);
                text(doc, &p, t);
                let row = el(doc, "div", "bt", &b);
                attr(&row, "role", "group");
                attr(&row, "aria-labelledby", &q);
                let mut refs = Vec::with_capacity(buttons.len());
                for btn in buttons {
                    let h = crate::dom::button(doc, "", &btn.label, "answer", &row);
                    attr(&h, "data-card", card.id.as_str());
                    attr(&h, "data-button", btn.id.as_str());
                    refs.push((btn.id.clone(), h));
                }
                return Some(CardRefs {
                    id: card.id.clone(),
                    kind: RefKind::Buttons(refs),
                });
            }
            CardKind::InfoCapture { text: t, fields } => {
                let b = bubble(doc, parent, false);
                let form = el(doc, "form", "fm", &b);
                attr(&form, "novalidate", "");
                attr(&form, "data-card", card.id.as_str());
                if !t.is_empty() {
                    let p = el(doc, "div", "", &form);
                    text(doc, &p, t);
                }
                let mut refs = Vec::with_capacity(fields.len());
                for f in fields {
                    let id = new_id(next_id);
                    let label = el(doc, "label", "", &form);
                    attr(&label, "for", &id);
                    text(doc, &label, &f.label);
                    let input: HtmlInputElement = el(doc, "input", "", &form).unchecked_into();
                    attr(&input, "id", &id);
                    attr(&input, "name", &f.key);
                    let (kind, auto) = match f.kind {
                        FieldKind::FirstName => ("text", "given-name"),
                        FieldKind::LastName => ("text", "family-name"),
                        FieldKind::Email => ("email", "email"),
                        FieldKind::JobTitle => ("text", "organization-title"),
                        FieldKind::Company => ("text", "organization"),
                        FieldKind::Phone => ("tel", "tel"),
                        FieldKind::Custom => ("text", "off"),
                    };
                    attr(&input, "type", kind);
                    attr(&input, "autocomplete", auto);
                    if let Some(v) = prefill.get(f.key.as_str()) {
                        crate::dom::set_value(&input, v);
                    }
                    if f.required {
                        attr(&input, "required", "");
                        attr(&input, "aria-required", "true");
                        let mark = el(doc, "span", "rq", &label);
                        attr(&mark, "aria-hidden", "true");
                        text(doc, &mark, "*");
                        let sr = el(doc, "span", "sr", &label);
                        text(doc, &sr, s.required_mark);
                    }
                    let error = el(doc, "div", "er", &form);
                    let eid = new_id(next_id);
                    attr(&error, "id", &eid);
                    attr(&input, "aria-describedby", &eid);
                    refs.push(FieldRefs {
                        key: f.key.clone(),
                        input,
                        error,
                    });
                }
                let submit = el(doc, "button", "pr", &form);
                attr(&submit, "type", "submit");
                submit.set_text_content(Some(s.submit));
                return Some(CardRefs {
                    id: card.id.clone(),
                    kind: RefKind::Form {
                        fields: refs,
                        submit,
                    },
                });
            }
        },
        TranscriptEvent::Answered { label, .. } => {
            text(doc, &bubble(doc, parent, true), label);
        }
        TranscriptEvent::Captured { card, values } => {
            // The visitor's own details, in the form's field order.
            let order: Vec<&str> = m
                .fields(card)
                .map(|fs| fs.iter().map(|f| f.key.as_str()).collect())
                .unwrap_or_default();
            // Straight into one string (no Vec, no `join`: each brings generic code to the bundle).
            let mut lines = String::new();
            let mut any = false;
            let mut add = |v: &str| {
                if any {
                    lines.push('\n');
                }
                any = true;
                lines.push_str(v);
            };
            for k in &order {
                if let Some(v) = values.get(*k) {
                    add(v);
                }
            }
            for (k, v) in values {
                if !order.contains(&k.as_str()) {
                    add(v);
                }
            }
            if any {
                text(doc, &bubble(doc, parent, true), &lines);
            }
        }
        TranscriptEvent::LiveChatRequested
        | TranscriptEvent::LiveChatUnavailable
        | TranscriptEvent::Note { .. } => {}
        TranscriptEvent::AgentJoined { agent } => {
            let p = el(doc, "p", "sy", parent);
            if let Some(url) = agent
                .avatar_url
                .as_deref()
                .and_then(|u| crate::text::picture_src(base, u))
            {
                let img = el(doc, "img", "", &p);
                attr(&img, "src", &url);
                attr(&img, "alt", &agent.name);
            }
            let mut t = agent.name.clone();
            t.push(' ');
            t.push_str(s.agent_joined);
            text(doc, &p, &t);
        }
        TranscriptEvent::Message { from, text: t, .. } => {
            let b = bubble(doc, parent, *from == Side::Visitor);
            if *from == Side::Agent {
                let who = el(doc, "span", "sr", &b);
                let mut n = m
                    .agent
                    .as_ref()
                    .map(|a| a.name.clone())
                    .unwrap_or_else(|| s.agent.into());
                n.push_str(": ");
                text(doc, &who, &n);
                linked(doc, &b, t);
            } else {
                text(doc, &b, t);
            }
            time(doc, &b, e.at.as_u64());
        }
        TranscriptEvent::AgentLeft { agent } => {
            let mut t = agent.name.clone();
            t.push(' ');
            t.push_str(s.agent_left);
            system(doc, parent, &t);
        }
        TranscriptEvent::Fallback { text: t, .. } => {
            text(doc, &bubble(doc, parent, false), t);
        }
        TranscriptEvent::Expired => {
            system(doc, parent, s.expired);
        }
        TranscriptEvent::LeftMessage { email, text: t, .. } => {
            text(doc, &bubble(doc, parent, true), t);
            system(doc, parent, &crate::after_chat::thanks(m, email));
        }
        TranscriptEvent::TranscriptEmailed { .. } => {
            system(doc, parent, s.transcript_sent);
        }
        TranscriptEvent::Ended { by, visitor_away } => {
            if let Some(t) = s.ended(*by, *visitor_away) {
                system(doc, parent, t);
            }
        }
    }
    None
}

/// Agent text: http(s) links become `<a>` elements; everything else stays text.
fn linked(doc: &Document, parent: &Element, t: &str) {
    for seg in linkify(t) {
        match seg {
            Segment::Text(x) => text(doc, parent, x),
            Segment::Link(url) => {
                let a = el(doc, "a", "", parent);
                attr(&a, "href", url);
                attr(&a, "target", "_blank");
                attr(&a, "rel", "noopener noreferrer nofollow");
                text(doc, &a, url);
            }
        }
    }
}

/// A message the visitor sent that the server has not shown back yet.
pub fn pending(doc: &Document, parent: &Element, t: &str, sending: &str) {
    let b = el(doc, "div", "b me pd", parent);
    text(doc, &b, t);
    let s = el(doc, "span", "tm", &b);
    text(doc, &s, sending);
}
