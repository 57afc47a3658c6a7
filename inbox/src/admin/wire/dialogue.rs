//! Dialogues as the editor reads and writes them: whole, routing and branches included.

use js_sys::Array;
use parlor_core::dialogue::{
    Branch, Button, Card, CardKind, Dialogue, FieldKind, FieldSpec, UrlMatch,
};
use parlor_core::routing::{Condition, Operator, Routing, Rule, RuleTarget, Subject};
use parlor_core::{AgentId, ButtonId, CardId, DialogueId, TeamId};
use wasm_bindgen::JsValue;

use crate::error::InboxError;
use crate::wire::{get, items, opt_string, Obj, Reader};

type Res<T> = Result<T, InboxError>;

fn strings(r: &mut Reader, o: &JsValue, k: &'static str) -> Vec<String> {
    r.list(o, k, |r, v| {
        v.as_string().unwrap_or_else(|| {
            r.fail(k);
            String::new()
        })
    })
}

/// A field that may be missing or null.
fn optional(o: &JsValue, k: &str) -> Option<String> {
    opt_string(o, k)
}

pub fn dialogue(r: &mut Reader, o: &JsValue) -> Dialogue {
    let targeting = get(o, "targeting");
    Dialogue {
        id: DialogueId(r.string(o, "id")),
        name: r.string(o, "name"),
        targeting: match targeting.is_undefined() {
            true => Vec::new(),
            false => r.list(o, "targeting", |r, t| {
                let value = r.string(t, "value");
                match r.string(t, "match").as_str() {
                    "exact" => UrlMatch::Exact(value),
                    "prefix" => UrlMatch::Prefix(value),
                    "contains" => UrlMatch::Contains(value),
                    _ => {
                        r.fail("match");
                        UrlMatch::Exact(value)
                    }
                }
            }),
        },
        branches: r.list(o, "branches", |r, b| Branch {
            id: r.string(b, "id"),
            cards: r.list(b, "cards", card),
        }),
    }
}

fn card(r: &mut Reader, o: &JsValue) -> Card {
    let text = r.string(o, "text");
    let kind = match r.string(o, "kind").as_str() {
        "message" => CardKind::Message { text },
        "question" => CardKind::Question {
            text,
            buttons: r.list(o, "buttons", |r, b| Button {
                id: ButtonId(r.string(b, "id")),
                label: r.string(b, "label"),
                goto: optional(b, "goto"),
            }),
            when_unavailable: optional(o, "when_unavailable"),
        },
        "info_capture" => CardKind::InfoCapture {
            text,
            fields: r.list(o, "fields", |r, f| FieldSpec {
                key: r.string(f, "key"),
                kind: FieldKind::from_key(&r.string(f, "kind")).unwrap_or_else(|| {
                    r.fail("kind");
                    FieldKind::Custom
                }),
                label: r.string(f, "label"),
                required: get(f, "required").as_bool().unwrap_or(false),
            }),
        },
        "live_chat" => CardKind::LiveChat {
            text,
            routing: routing(r, &get(o, "routing")),
            when_unavailable: optional(o, "when_unavailable"),
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

fn routing(r: &mut Reader, o: &JsValue) -> Routing {
    match r.string(o, "mode").as_str() {
        "round_robin" => Routing::RoundRobin,
        "agent" => Routing::Agent {
            agent: AgentId(r.string(o, "agent")),
        },
        "team" => Routing::Team {
            team: TeamId(r.string(o, "team")),
        },
        "rules" => Routing::Rules {
            rules: r.list(o, "rules", |r, rule| Rule {
                conditions: r.list(rule, "conditions", condition),
                target: {
                    let t = get(rule, "target");
                    match r.string(&t, "to").as_str() {
                        "agent" => RuleTarget::Agent {
                            agent: AgentId(r.string(&t, "agent")),
                        },
                        "team" => RuleTarget::Team {
                            team: TeamId(r.string(&t, "team")),
                        },
                        _ => {
                            r.fail("to");
                            RuleTarget::Team {
                                team: TeamId(String::new()),
                            }
                        }
                    }
                },
            }),
        },
        _ => {
            r.fail("mode");
            Routing::RoundRobin
        }
    }
}

fn condition(r: &mut Reader, c: &JsValue) -> Condition {
    let s = get(c, "subject");
    let subject = match r.string(&s, "of").as_str() {
        "field" => Subject::Field(r.string(&s, "key")),
        "page_url" => Subject::PageUrl,
        "language" => Subject::Language,
        "country" => Subject::Country,
        "utm" => Subject::Utm(r.string(&s, "key")),
        _ => {
            r.fail("subject");
            Subject::PageUrl
        }
    };
    Condition {
        subject,
        op: match r.string(c, "op").as_str() {
            "equals" => Operator::Equals,
            "contains" => Operator::Contains,
            "starts_with" => Operator::StartsWith,
            "ends_with" => Operator::EndsWith,
            "one_of" => Operator::OneOf,
            "email_domain" => Operator::EmailDomain,
            _ => {
                r.fail("op");
                Operator::Equals
            }
        },
        values: strings(r, c, "values"),
    }
}

/// `GET …/dialogues/{id}/versions`: the versions, newest first, and the current one.
pub fn versions(v: &JsValue) -> Res<(Vec<crate::admin::model::Version>, u64)> {
    let current = get(v, "current").as_f64().unwrap_or(0.0) as u64;
    let list = items(&get(v, "versions"), |r, o| crate::admin::model::Version {
        version: r.number(o, "version"),
        saved_at: r.number(o, "saved_at"),
        saved_by: r.string(o, "saved_by"),
        dialogue: dialogue(r, &get(o, "dialogue")),
    })?;
    Ok((list, current))
}

/// `GET …/dialogue-templates`'s `templates`.
pub fn templates(v: &JsValue) -> Res<Vec<crate::admin::model::Template>> {
    items(v, |r, o| crate::admin::model::Template {
        key: r.string(o, "key"),
        name: r.string(o, "name"),
        description: r.string(o, "description"),
        dialogue: dialogue(r, &get(o, "dialogue")),
    })
}

/// The dialogues of `GET …/dialogues`.
pub fn dialogues(v: &JsValue) -> Res<Vec<Dialogue>> {
    items(v, dialogue)
}

fn array(items: impl IntoIterator<Item = JsValue>) -> JsValue {
    items.into_iter().collect::<Array>().into()
}

fn text_list(items: &[String]) -> JsValue {
    array(items.iter().map(|s| JsValue::from_str(s)))
}

fn maybe(o: Obj, k: &str, v: &Option<String>) -> Obj {
    match v {
        Some(v) => o.set(k, v.as_str()),
        None => o,
    }
}

/// A dialogue as a plain JS object, its fields in the order core's serde writes them.
pub fn dialogue_js(d: &Dialogue) -> JsValue {
    // Every field named, so one added to core fails to compile here.
    let Dialogue {
        id,
        name,
        targeting,
        branches,
    } = d;
    let targeting = array(targeting.iter().map(|t| {
        let (m, v) = match t {
            UrlMatch::Exact(v) => ("exact", v),
            UrlMatch::Prefix(v) => ("prefix", v),
            UrlMatch::Contains(v) => ("contains", v),
        };
        Obj::new()
            .strings([("match", m), ("value", v.as_str())])
            .into_js()
    }));
    let branches = array(branches.iter().map(|Branch { id, cards }| {
        Obj::new()
            .set("id", id.as_str())
            .set("cards", array(cards.iter().map(card_js)))
            .into_js()
    }));
    Obj::new()
        .strings([("id", id.as_str()), ("name", name)])
        .set("targeting", targeting)
        .set("branches", branches)
        .into_js()
}

fn card_js(Card { id, kind }: &Card) -> JsValue {
    let o = Obj::new().set("id", id.as_str());
    match kind {
        CardKind::Message { text } => o.strings([("kind", "message"), ("text", text)]),
        CardKind::Question {
            text,
            buttons,
            when_unavailable,
        } => {
            let buttons = array(buttons.iter().map(|Button { id, label, goto }| {
                let o = Obj::new().strings([("id", id.as_str()), ("label", label)]);
                maybe(o, "goto", goto).into_js()
            }));
            let o = o
                .strings([("kind", "question"), ("text", text)])
                .set("buttons", buttons);
            maybe(o, "when_unavailable", when_unavailable)
        }
        CardKind::InfoCapture { text, fields } => {
            let fields = array(fields.iter().map(|f| {
                let FieldSpec {
                    key,
                    kind,
                    label,
                    required,
                } = f;
                let kind = kind.key();
                Obj::new()
                    .strings([("key", key.as_str()), ("kind", kind), ("label", label)])
                    .set("required", *required)
                    .into_js()
            }));
            o.strings([("kind", "info_capture"), ("text", text)])
                .set("fields", fields)
        }
        CardKind::LiveChat {
            text,
            routing,
            when_unavailable,
        } => {
            let o = o
                .strings([("kind", "live_chat"), ("text", text)])
                .set("routing", routing_js(routing));
            maybe(o, "when_unavailable", when_unavailable)
        }
    }
    .into_js()
}

fn routing_js(r: &Routing) -> JsValue {
    match r {
        Routing::RoundRobin => Obj::new().set("mode", "round_robin"),
        Routing::Agent { agent } => {
            Obj::new().strings([("mode", "agent"), ("agent", agent.as_str())])
        }
        Routing::Team { team } => Obj::new().strings([("mode", "team"), ("team", team.as_str())]),
        Routing::Rules { rules } => Obj::new().set("mode", "rules").set(
            "rules",
            array(rules.iter().map(|Rule { conditions, target }| {
                let target = match target {
                    RuleTarget::Agent { agent } => {
                        Obj::new().strings([("to", "agent"), ("agent", agent.as_str())])
                    }
                    RuleTarget::Team { team } => {
                        Obj::new().strings([("to", "team"), ("team", team.as_str())])
                    }
                };
                Obj::new()
                    .set("conditions", array(conditions.iter().map(condition_js)))
                    .set("target", target.into_js())
                    .into_js()
            })),
        ),
    }
    .into_js()
}

fn condition_js(
    Condition {
        subject,
        op,
        values,
    }: &Condition,
) -> JsValue {
    let subject = match subject {
        Subject::Field(k) => Obj::new().strings([("of", "field"), ("key", k.as_str())]),
        Subject::PageUrl => Obj::new().set("of", "page_url"),
        Subject::Language => Obj::new().set("of", "language"),
        Subject::Country => Obj::new().set("of", "country"),
        Subject::Utm(k) => Obj::new().strings([("of", "utm"), ("key", k.as_str())]),
    };
    let op = match op {
        Operator::Equals => "equals",
        Operator::Contains => "contains",
        Operator::StartsWith => "starts_with",
        Operator::EndsWith => "ends_with",
        Operator::OneOf => "one_of",
        Operator::EmailDomain => "email_domain",
    };
    Obj::new()
        .set("subject", subject.into_js())
        .set("op", op)
        .set("values", text_list(values))
        .into_js()
}
