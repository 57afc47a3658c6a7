//! Small formatting helpers shared by the inbox and admin views.

use std::collections::BTreeMap;

use parlor_core::dialogue::CardKind;
use parlor_core::protocol::{Side, TranscriptEvent};

/// A number as JavaScript writes it ("36", "12.5"): Rust's float formatting would add ~2 KB
/// gzipped to the bundles.
pub fn num(n: f64) -> String {
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

/// `ms` in the agent's own locale, clock and time zone (`Intl.DateTimeFormat` through
/// `toLocaleString`; "default" is the browser's locale), with these `Intl` options.
fn local(ms: u64, options: &[(&str, &str)]) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let o = js_sys::Object::new();
    for (k, v) in options {
        let _ = js_sys::Reflect::set(&o, &(*k).into(), &(*v).into());
    }
    d.to_locale_string("default", &o).into()
}

/// "14:05" (or "2:05 PM"): hours and minutes as the agent's locale writes them.
pub fn clock(ms: u64) -> String {
    local(ms, &[("hour", "numeric"), ("minute", "2-digit")])
}

/// "1 May 2024, 14:05:09" (or "May 1, 2024, 2:05:09 PM"), as the agent's locale writes it.
pub fn date_time(ms: u64) -> String {
    local(ms, &[("dateStyle", "medium"), ("timeStyle", "medium")])
}

/// "2024-05-01T12:05:09.000Z": for `datetime` attributes, which machines read.
pub fn iso(ms: u64) -> String {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64))
        .to_iso_string()
        .into()
}

/// How agents see who the site said the visitor is: its class (`idv ok` when the site's server
/// vouched for it, `idv claim` otherwise) and the line. The site's `user_hash` covers the id
/// only, so a verified line vouches for the id and shows name and email as the page gave them:
/// "✓ Verified: id · as given: name · email"; a claim is "Unverified claim: name · email · id".
pub fn identity_line(who: &parlor_core::identity::VisitorIdentity) -> (&'static str, String) {
    let given: Vec<&str> = [who.name.as_deref(), who.email.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !who.verified {
        let all: Vec<&str> = given.into_iter().chain([who.id.as_str()]).collect();
        return (
            "idv claim",
            format!("Unverified claim: {}", all.join(" · ")),
        );
    }
    let id = format!("✓ Verified: {}", who.id);
    if given.is_empty() {
        return ("idv ok", id);
    }
    ("idv ok", format!("{id} · as given: {}", given.join(" · ")))
}

/// "first_name" → "First name".
pub fn field_label(key: &str) -> String {
    let mut s = key.replace('_', " ");
    if let Some(first) = s.get(0..1) {
        let up = first.to_uppercase();
        s.replace_range(0..1, &up);
    }
    s
}

/// Visitor details in the order an agent reads them: who they are, how to reach them, then
/// the rest alphabetically.
pub fn ordered_fields(fields: &BTreeMap<String, String>) -> Vec<(&str, &str)> {
    const FIRST: [&str; 7] = [
        "name",
        "full_name",
        "first_name",
        "last_name",
        "email",
        "company",
        "phone",
    ];
    // No sort: a stable sort's code would weigh ~3 KB in the bundle.
    let mut out: Vec<(&str, &str)> = FIRST
        .iter()
        .filter_map(|k| fields.get_key_value(*k))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    out.extend(
        fields
            .iter()
            .filter(|(k, _)| !FIRST.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    out
}

pub fn card_text(kind: &CardKind) -> &str {
    match kind {
        CardKind::Message { text }
        | CardKind::Question { text, .. }
        | CardKind::InfoCapture { text, .. }
        | CardKind::LiveChat { text, .. } => text,
    }
}

/// One transcript entry as (css class, who, text); messages use class `msg-<side>`.
pub fn entry_line(e: &TranscriptEvent) -> (&'static str, String, String) {
    match e {
        TranscriptEvent::Card { card, .. } => ("bot", "Bot".into(), card_text(&card.kind).into()),
        TranscriptEvent::Answered { label, .. } => {
            ("event", String::new(), format!("Visitor chose “{label}”"))
        }
        TranscriptEvent::Captured { values, .. } => {
            let list: Vec<String> = values
                .iter()
                .map(|(k, v)| format!("{}: {v}", field_label(k)))
                .collect();
            (
                "event",
                String::new(),
                format!("Visitor shared their details — {}", list.join(", ")),
            )
        }
        TranscriptEvent::LiveChatRequested => (
            "event",
            String::new(),
            "Visitor asked to talk to someone".into(),
        ),
        TranscriptEvent::LiveChatUnavailable => (
            "event",
            String::new(),
            "Nobody could chat; the dialogue went on".into(),
        ),
        TranscriptEvent::AgentJoined { agent } => (
            "event",
            String::new(),
            format!("{} joined the chat", agent.name),
        ),
        TranscriptEvent::AgentLeft { agent } => (
            "event",
            String::new(),
            format!("{} left the chat; finding someone else…", agent.name),
        ),
        TranscriptEvent::Message { from, text, .. } => match from {
            Side::Visitor => ("msg-visitor", "Visitor".into(), text.clone()),
            Side::Agent => ("msg-agent", "Agent".into(), text.clone()),
            Side::Bot => ("bot", "Bot".into(), text.clone()),
        },
        TranscriptEvent::Fallback {
            text,
            visitor_away: true,
            ..
        } => (
            "event",
            String::new(),
            format!(
                "The visitor left while waiting, so the request was withdrawn; back, they see: “{text}”"
            ),
        ),
        TranscriptEvent::Fallback { text, .. } => (
            "event",
            String::new(),
            format!("No agent took the chat; the visitor saw: “{text}”"),
        ),
        TranscriptEvent::Expired => (
            "event",
            String::new(),
            "The conversation expired after a period of inactivity".into(),
        ),
        TranscriptEvent::Ended { by, visitor_away } => (
            "event",
            String::new(),
            match by {
                Side::Agent => "The agent ended the chat",
                Side::Visitor if *visitor_away => {
                    "The visitor's page was gone too long: the chat ended"
                }
                Side::Visitor => "The visitor ended the chat",
                Side::Bot => "The dialogue ended: the bot had nothing more to show",
            }
            .into(),
        ),
        TranscriptEvent::LeftMessage { email, text, .. } => (
            "msg-visitor",
            format!("Visitor left a message (reply to {email})"),
            text.clone(),
        ),
        // The team's own: drawn apart (class `note`), the visitor never sees it.
        TranscriptEvent::Note { by, text, .. } => (
            "note",
            format!("Internal note · only your team sees this · {by}"),
            text.clone(),
        ),
        TranscriptEvent::TranscriptEmailed { to } => (
            "event",
            String::new(),
            format!("The transcript was emailed to the visitor at {to}"),
        ),
    }
}

/// "Jane Doe · jane@acme.com · Acme" from captured fields (what is known).
pub fn visitor_line(v: &BTreeMap<String, String>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut name = String::new();
    for s in [v.get("first_name"), v.get("last_name")]
        .into_iter()
        .flatten()
    {
        let s = s.trim();
        if !s.is_empty() {
            if !name.is_empty() {
                name.push(' ');
            }
            name.push_str(s);
        }
    }
    if !name.is_empty() {
        parts.push(name);
    }
    for k in ["email", "company"] {
        if let Some(s) = v.get(k).filter(|s| !s.trim().is_empty()) {
            parts.push(s.trim().to_owned());
        }
    }
    if parts.is_empty() {
        "Anonymous visitor".into()
    } else {
        parts.join(" · ")
    }
}

/// Up to two initials of a name, for an agent without a picture ("Alice Martin" → "AM").
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .take(2)
        .collect()
}

/// A hue (0–359) that stays the same for a name: the colour behind its initials.
pub fn name_hue(name: &str) -> u32 {
    name.bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 360
}

#[cfg(test)]
mod avatar_tests {
    use super::*;

    #[test]
    fn visitor_details_read_name_email_company_phone_then_the_rest() {
        let fields: BTreeMap<String, String> = [
            "budget",
            "phone",
            "company",
            "email",
            "last_name",
            "first_name",
            "area",
        ]
        .iter()
        .map(|k| (k.to_string(), format!("v-{k}")))
        .collect();
        let keys: Vec<&str> = ordered_fields(&fields).iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            [
                "first_name",
                "last_name",
                "email",
                "company",
                "phone",
                "area",
                "budget"
            ]
        );
        assert_eq!(ordered_fields(&fields)[2], ("email", "v-email"));
    }

    #[test]
    fn initials_and_colour_are_stable() {
        assert_eq!(initials("Alice Martin"), "AM");
        assert_eq!(initials("  bob  "), "B");
        assert_eq!(initials("Émile Zola Jr"), "ÉZ");
        assert_eq!(initials(""), "");
        assert_eq!(name_hue("Alice Martin"), name_hue("Alice Martin"));
        assert!(name_hue("x") < 360);
    }
}
