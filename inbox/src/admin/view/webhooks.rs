//! Webhooks: add an endpoint (its secret shown once, with a copy button), the endpoints with
//! their status and events, enable/disable, test, rotate, delete, and a delivery log with
//! "Send again". Every value from the server is inserted as text.

use web_sys::Element;

use crate::admin::hooks::{Hook, OpenLog, EVENTS};
use crate::admin::model::Model;
use crate::dom::{button, checkbox, el, field, text_el, SetAttr};
use crate::fmt::date_time;

pub fn render(m: &Model, panel: &Element) {
    text_el("h2", "", "Webhooks", panel);
    text_el(
        "p",
        "muted",
        "Parlor sends signed HTTPS requests to these endpoints when chats are requested, \
         accepted, missed or ended, and when a visitor becomes a lead. Failed deliveries are \
         retried for 24 hours.",
        panel,
    );
    if let Some(fresh) = &m.fresh_secret {
        secret_box(m, &fresh.endpoint, &fresh.secret, panel);
    }
    if m.webhooks.is_empty() {
        text_el("p", "muted", "No endpoints yet. Add one below.", panel);
    } else {
        endpoints(&m.webhooks, panel);
    }
    if let Some(log) = &m.hook_log {
        let url = m
            .webhooks
            .iter()
            .find(|h| h.id == log.endpoint)
            .map(|h| h.url.as_str())
            .unwrap_or("");
        delivery_log(log, url, panel);
    }
    new_form(panel);
}

fn secret_box(m: &Model, endpoint: &str, secret: &str, panel: &Element) {
    let url = m
        .webhooks
        .iter()
        .find(|h| h.id == endpoint)
        .map(|h| h.url.as_str())
        .unwrap_or("");
    let box_ = el("div", "panel secret", panel);
    box_.set_attr("role", "region");
    crate::dom::aria(&box_, "Signing secret");
    text_el("h3", "", "Signing secret", &box_);
    text_el(
        "p",
        "",
        &format!(
            "For {url}. It is shown only this once: store it where your receiver can read it, \
             and use it to verify the webhook-signature header."
        ),
        &box_,
    );
    let code = text_el("code", "snippet", secret, &box_);
    code.set_attr("id", "webhook-secret");
    let bar = el("p", "toolbar", &box_);
    let b = button("primary", "Copy", "copy-secret", &bar);
    b.set_attr("id", "copy-secret");
    let st = el("span", "muted", &bar);
    st.set_attr("role", "status");
    st.set_attr("id", "secret-status");
}

fn endpoints(hooks: &[Hook], panel: &Element) {
    let table = el("table", "", panel);
    crate::dom::aria(&table, "Webhook endpoints");
    let head = el("tr", "", &el("thead", "", &table));
    for h in ["Endpoint", "Events", "Status", "Waiting", ""] {
        text_el("th", "", h, &head);
    }
    let body = el("tbody", "", &table);
    for h in hooks {
        let tr = el("tr", "", &body);
        tr.set_attr("data-endpoint", &h.id);
        let td = el("td", "", &tr);
        text_el("strong", "", &h.url, &td);
        if !h.description.is_empty() {
            text_el("div", "muted", &h.description, &td);
        }
        text_el("td", "", &h.events.join(", "), &tr);
        text_el("td", if h.enabled { "" } else { "error" }, &h.status(), &tr);
        text_el("td", "", &h.pending.to_string(), &tr);
        let td = el("td", "actions", &tr);
        for (label, act) in [
            ("Delivery log", "hook-log"),
            ("Send test event", "hook-test"),
            ("New secret", "hook-rotate"),
        ] {
            button("", label, act, &td).set_attr("data-id", &h.id);
        }
        let toggle = button(
            "",
            if h.enabled { "Disable" } else { "Enable" },
            "hook-toggle",
            &td,
        );
        toggle.set_attr("data-id", &h.id);
        toggle.set_attr("data-enable", if h.enabled { "false" } else { "true" });
        button("danger", "Delete", "hook-delete", &td).set_attr("data-id", &h.id);
    }
}

fn delivery_log(log: &OpenLog, url: &str, panel: &Element) {
    let h = text_el("h3", "", &format!("Delivery log — {url}"), panel);
    h.set_attr("id", "delivery-log-title");
    if log.lines.is_empty() {
        text_el("p", "muted", "No attempts yet.", panel);
        return;
    }
    let table = el("table", "log", panel);
    table.set_attr("aria-labelledby", "delivery-log-title");
    let head = el("tr", "", &el("thead", "", &table));
    for c in [
        "Time",
        "Event",
        "Webhook id",
        "Attempt",
        "Result",
        "Took",
        "Next retry",
        "",
    ] {
        text_el("th", "", c, &head);
    }
    let body = el("tbody", "", &table);
    for l in &log.lines {
        let tr = el("tr", "", &body);
        text_el("td", "", &date_time(l.at), &tr);
        text_el("td", "", &l.event, &tr);
        text_el("td", "mono", &l.message, &tr);
        let attempt = if l.manual {
            format!("{} (sent again)", l.attempt)
        } else {
            l.attempt.to_string()
        };
        text_el("td", "", &attempt, &tr);
        let ok = l.result.starts_with("delivered");
        text_el("td", if ok { "ok" } else { "error" }, &l.result, &tr);
        text_el("td", "", &format!("{} ms", l.duration_ms), &tr);
        let next = l.next_retry.map(date_time).unwrap_or_else(|| "—".into());
        text_el("td", "", &next, &tr);
        let td = el("td", "", &tr);
        let b = button("", "Send again", "hook-again", &td);
        b.set_attr("data-id", &log.endpoint);
        b.set_attr("data-delivery", &l.delivery.to_string());
    }
}

fn new_form(panel: &Element) {
    let form = el("form", "panel", panel);
    form.set_attr("data-form", "new-webhook");
    form.set_attr("aria-labelledby", "new-webhook-title");
    let h = text_el("h3", "", "Add an endpoint", &form);
    h.set_attr("id", "new-webhook-title");
    let url = field("URL (https://…)", "input", "url", "", &form);
    url.set_attr("type", "url");
    url.set_attr("required", "");
    url.set_attr("maxlength", "2048");
    url.set_attr("id", "webhook-url");
    let d = field("Description (optional)", "input", "description", "", &form);
    d.set_attr("maxlength", "200");
    let set = el("fieldset", "", &form);
    text_el("legend", "", "Events", &set);
    for (value, label) in EVENTS {
        let c = checkbox(label, "event", true, &set);
        c.set_attr("value", value);
    }
    let b = text_el("button", "primary", "Add endpoint", &form);
    b.set_attr("type", "submit");
}
