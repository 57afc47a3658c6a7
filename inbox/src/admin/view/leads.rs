//! Leads: every visitor who gave an email, newest first, with filters and the CSV export.

use parlor_core::lead::utm::UTM_KEYS;
use parlor_core::lead::Lead;
use web_sys::Element;

use crate::admin::model::Model;
use crate::dom::{button, data_el, el, field, select, text_el, SetAttr};
use crate::fmt::date_time;

const SOURCES: [(&str, &str); 3] = [
    ("", "Any"),
    ("capture", "Info capture"),
    ("offline_form", "Offline form"),
];

const OUTCOMES: [(&str, &str); 5] = [
    ("", "Any"),
    ("left_message", "Left a message"),
    ("missed", "Missed"),
    ("chatted", "Chatted"),
    ("no_live_chat", "No live chat asked"),
];

/// The value of `key` in the current query string (for refilling the form).
fn current(m: &Model, key: &str) -> String {
    m.lead_query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| js_sys::decode_uri_component(v).ok())
        .map(String::from)
        .unwrap_or_default()
}

pub fn render(m: &Model, panel: &Element) {
    text_el("h2", "", "Leads", panel);
    let form = el("form", "toolbar", panel);
    form.set_attr("data-form", "leads");
    crate::dom::aria(&form, "Filter leads");
    let q = field("Search", "input", "q", &current(m, "q"), &form);
    q.set_attr("type", "search");
    q.set_attr("id", "leads-q");
    q.set_attr("maxlength", "200");
    select(
        "Came via",
        "source",
        &super::opts(&SOURCES),
        &current(m, "source"),
        &form,
    );
    select(
        "Outcome",
        "outcome",
        &super::opts(&OUTCOMES),
        &current(m, "outcome"),
        &form,
    );
    let from = field("Seen from", "input", "from", "", &form);
    from.set_attr("type", "date");
    let to = field("Seen until", "input", "to", "", &form);
    to.set_attr("type", "date");
    let apply = text_el("button", "", "Apply", &form);
    apply.set_attr("type", "submit");
    button("primary", "Export CSV", "export-leads", &form);

    if m.leads.is_empty() {
        text_el(
            "p",
            "muted",
            "No leads yet. A visitor who gives an email (in an info capture or the offline form) appears here.",
            panel,
        );
        return;
    }
    text_el(
        "p",
        "muted",
        &format!("{} lead(s) shown", m.leads.len()),
        panel,
    );
    let table = el("table", "", panel);
    crate::dom::aria(&table, "Leads");
    let head = el("tr", "", &el("thead", "", &table));
    for h in [
        "Email",
        "Name",
        "Came via",
        "Outcome",
        "Message",
        "Last seen",
        "Conversations",
        "Page",
        "Campaign",
    ] {
        text_el("th", "", h, &head);
    }
    let body = el("tbody", "", &table);
    for lead in &m.leads {
        row(lead, &body);
    }
    if m.leads_next.is_some() {
        button("", "Show more", "more-leads", panel);
    }
}

fn row(lead: &Lead, body: &Element) {
    let tr = el("tr", "", body);
    tr.set_attr("data-lead", &lead.key);
    let source = SOURCES
        .iter()
        .find(|(k, _)| *k == lead.source.code())
        .map_or("", |(_, l)| *l);
    let campaign: Vec<String> = UTM_KEYS
        .iter()
        .filter_map(|k| lead.utm.get(*k).map(|v| format!("{k}: {v}")))
        .collect();
    let cells = [
        lead.email.clone(),
        lead.name.clone(),
        source.to_owned(),
        lead.outcome.describe(),
        lead.message.clone().unwrap_or_default(),
        date_time(lead.last_seen.as_u64()),
        lead.conversations.to_string(),
        lead.page_url.clone(),
        campaign.join("\n"),
    ];
    for c in cells {
        // Visitor text is always text (textContent), never markup.
        data_el("td", if c.contains('\n') { "pre" } else { "" }, &c, &tr);
    }
}
