//! Conversations: every conversation, in real time; a click shows its transcript.

use web_sys::Element;

use crate::admin::model::Model;
use crate::dom::{data_el, el, select, text_el, SetAttr};
use crate::fmt::visitor_line;
use crate::fmt::{clock, date_time, entry_line, field_label, identity_line};

const STATUSES: [(&str, &str); 7] = [
    ("", "All"),
    ("automated", "Automated"),
    ("waiting", "Waiting for an agent"),
    ("live", "Live"),
    ("ended", "Ended"),
    ("expired", "Expired"),
    ("fell_back", "No agent took it"),
];

fn status_key(s: parlor_core::protocol::ConversationStatus) -> &'static str {
    use parlor_core::protocol::ConversationStatus::*;
    match s {
        Automated => "automated",
        Waiting => "waiting",
        Live => "live",
        Ended => "ended",
        Expired => "expired",
        FellBack => "fell_back",
    }
}

fn status_label(k: &str) -> &'static str {
    STATUSES
        .iter()
        .find(|(v, _)| *v == k)
        .map(|(_, l)| *l)
        .unwrap_or("")
}

pub fn render(m: &Model, panel: &Element) {
    text_el("h2", "", "Conversations", panel);
    let bar = el("div", "toolbar", panel);
    let f = select("Status", "filter", &super::opts(&STATUSES), &m.filter, &bar);
    f.set_attr("id", "conv-filter");
    f.set_attr("data-bind-msg", "filter");
    let rows: Vec<_> = m
        .conversations
        .iter()
        .filter(|r| m.filter.is_empty() || status_key(r.status) == m.filter)
        .collect();
    text_el(
        "span",
        "muted",
        &format!("{} conversation(s) · updates live", rows.len()),
        &bar,
    );
    let split = el("div", "split", panel);
    let left = el("div", "", &split);
    let table = el("table", "", &left);
    crate::dom::aria(&table, "Conversations");
    let head = el("tr", "", &el("thead", "", &table));
    for h in [
        "Updated",
        "Status",
        "Visitor",
        "Page",
        "Agent",
        "Last message",
    ] {
        text_el("th", "", h, &head);
    }
    let body = el("tbody", "", &table);
    if rows.is_empty() {
        let tr = el("tr", "", &body);
        let td = text_el("td", "muted", "No conversations yet.", &tr);
        td.set_attr("colspan", "6");
    }
    for r in rows {
        let tr = el("tr", "row-click", &body);
        tr.set_attr("data-act", "open");
        tr.set_attr("data-id", &r.id);
        if m.detail.as_ref().is_some_and(|d| d.record.id == r.id) {
            tr.set_class_name("row-click selected");
        }
        let first = el("td", "", &tr);
        // The row's keyboard entry point.
        let b = text_el("button", "link", &date_time(r.updated_at), &first);
        b.set_attr("type", "button");
        b.set_attr("id", &format!("conv-{}", r.id));
        crate::dom::aria(
            &b,
            &format!("Open conversation of {}", date_time(r.updated_at)),
        );
        let st = status_key(r.status);
        let td = el("td", "", &tr);
        text_el(
            "span",
            &format!("status status-{st}"),
            status_label(st),
            &td,
        );
        text_el("td", "", &visitor_line(&r.captured), &tr);
        data_el("td", "url", &r.page_url, &tr);
        data_el("td", "", r.agent.as_deref().unwrap_or("—"), &tr);
        data_el("td", "", r.last_message.as_deref().unwrap_or(""), &tr);
    }
    let right = el("div", "panel", &split);
    crate::dom::aria(&right, "Conversation detail");
    let Some(d) = &m.detail else {
        text_el(
            "p",
            "muted",
            "Select a conversation to read its transcript.",
            &right,
        );
        return;
    };
    text_el("h3", "", &visitor_line(&d.record.captured), &right);
    if let Some(who) = &d.record.identity {
        let (class, line) = identity_line(who);
        text_el("p", class, &line, &right);
        // One person across devices: the other conversations of this verified id in the list.
        if let Some(person) = d.record.person() {
            let same: Vec<_> = m
                .conversations
                .iter()
                .filter(|r| r.id != d.record.id && r.person() == Some(person))
                .collect();
            if !same.is_empty() {
                let p = text_el("p", "", "Same person: ", &right);
                for r in same {
                    let b = text_el("button", "link", &date_time(r.created_at), &p);
                    b.set_attr("type", "button");
                    b.set_attr("data-act", "open");
                    b.set_attr("data-id", &r.id);
                }
            }
        }
    }
    let dl = el("dl", "facts", &right);
    let mut captured = d.record.captured.clone();
    captured.extend(d.captured.clone());
    for (k, v) in &captured {
        text_el("dt", "", &field_label(k), &dl);
        data_el("dd", "", v, &dl);
    }
    for (k, v) in [
        (
            "Status",
            status_label(status_key(d.record.status)).to_owned(),
        ),
        ("Page", d.record.page_url.clone()),
        ("Dialogue", d.record.dialogue.clone()),
        (
            "Agent",
            d.record.agent.clone().unwrap_or_else(|| "—".into()),
        ),
        ("Started", date_time(d.record.created_at)),
    ] {
        text_el("dt", "", k, &dl);
        data_el("dd", "", &v, &dl);
    }
    text_el("h3", "", "Transcript", &right);
    let ol = el("ol", "transcript", &right);
    for e in &d.entries {
        let (class, who, text) = entry_line(&e.event);
        let li = el("li", class, &ol);
        if !who.is_empty() {
            let meta = el("span", "meta", &li);
            text_el("span", "", &who, &meta);
            text_el("time", "", &clock(e.at.0), &meta);
        }
        // System lines are the interface's; a message or a card is someone's words.
        if class == "event" {
            text_el("span", "text", &text, &li);
        } else {
            data_el("span", "text", &text, &li);
        }
    }
}
