//! Workspace settings: plan, timeouts, capacity, fallback messages, emails, origins, widget look.

use parlor_core::routing::Plan;
use parlor_core::settings::WidgetPosition;
use web_sys::Element;

use crate::admin::model::Model;
use crate::dom::{checkbox, el, field, select, text_el, SetAttr};

fn num(label: &str, name: &str, v: u64, parent: &Element) {
    let i = field(label, "input", name, &v.to_string(), parent);
    i.set_attr("type", "number");
    i.set_attr("min", "0");
    i.set_attr("id", &format!("set-{name}"));
}

pub fn render(m: &Model, panel: &Element) {
    text_el("h2", "", "Settings", panel);
    let Some(s) = &m.settings else {
        text_el("p", "muted", "Loading…", panel);
        return;
    };
    let form = el("form", "panel", panel);
    form.set_attr("data-form", "settings");
    let grid = el("div", "grid2", &form);
    let plan = match s.plan {
        Plan::Select => "select",
        Plan::Standard => "standard",
        Plan::Prime => "prime",
    };
    select(
        "Plan",
        "plan",
        &super::opts(&[
            ("select", "Select (live chat trial)"),
            ("standard", "Standard"),
            ("prime", "Prime"),
        ]),
        plan,
        &grid,
    );
    num(
        "Time to accept an offer (seconds)",
        "accept_timeout_s",
        s.accept_timeout_ms / 1000,
        &grid,
    );
    num(
        "Inactivity before a chat expires (seconds)",
        "inactivity_timeout_s",
        s.inactivity_timeout_ms / 1000,
        &grid,
    );
    num(
        "A waiting visitor who left the page leaves the line after (seconds)",
        "visitor_gone_waiting_s",
        s.visitor_gone_waiting_ms / 1000,
        &grid,
    );
    num(
        "A live chat whose visitor left the page ends after (seconds)",
        "visitor_gone_chat_s",
        s.visitor_gone_chat_ms / 1000,
        &grid,
    );
    num(
        "An agent who closed the inbox hands chats back after (seconds)",
        "agent_gone_s",
        s.agent_gone_ms / 1000,
        &grid,
    );
    num(
        "Live chats per agent",
        "capacity",
        u64::from(s.capacity),
        &grid,
    );
    num(
        "Engagement limit (Select plan)",
        "engagement_limit",
        u64::from(s.engagement_limit),
        &grid,
    );
    num(
        "Extra team agents tried (Prime plan)",
        "extra_team_attempts",
        u64::from(s.extra_team_attempts),
        &grid,
    );
    let r = field(
        "Delete ended conversations after (days; empty keeps them forever)",
        "input",
        "retention_days",
        &s.retention_days.map(|d| d.to_string()).unwrap_or_default(),
        &grid,
    );
    r.set_attr("type", "number");
    r.set_attr("min", "1");
    r.set_attr("max", &parlor_core::privacy::RETENTION_DAYS_MAX.to_string());
    r.set_attr("id", "set-retention_days");
    super::hours::render(
        s.business_hours.as_ref(),
        "Live chat only during these hours (outside them visitors get the fallback at once)",
        &form,
    );
    let t = field(
        "Live chat fallback message",
        "textarea",
        "live_chat_fallback",
        &s.live_chat_fallback,
        &form,
    );
    t.set_attr("rows", "2");
    let t = field(
        "Global fallback message",
        "textarea",
        "global_fallback",
        &s.global_fallback,
        &form,
    );
    t.set_attr("rows", "2");
    let t = field(
        "Failed-action notification emails (one per line)",
        "textarea",
        "notification_emails",
        &s.notification_emails.join("\n"),
        &form,
    );
    t.set_attr("rows", "2");
    let t = field(
        "Allowed origins (one per line; empty allows any site)",
        "textarea",
        "allowed_origins",
        &s.allowed_origins.join("\n"),
        &form,
    );
    t.set_attr("rows", "2");
    let grid = el("div", "grid2", &form);
    let c = field("Widget colour", "input", "color", &s.widget.color, &grid);
    c.set_attr("type", "color");
    let pos = match s.widget.position {
        WidgetPosition::Left => "left",
        WidgetPosition::Right => "right",
    };
    select(
        "Widget position",
        "position",
        &super::opts(&[("right", "Bottom right"), ("left", "Bottom left")]),
        pos,
        &grid,
    );
    select(
        "Widget language",
        "language",
        &super::opts(&[
            ("auto", "Visitor's browser"),
            ("en", "English"),
            ("fr", "French"),
        ]),
        &s.widget.language,
        &grid,
    );
    checkbox(
        "Refuse signed-in visitors whose identity is not verified (a wrong or missing user_hash; see Embed)",
        "require_verified_identity",
        s.require_verified_identity,
        &form,
    );
    let b = text_el("button", "primary", "Save settings", &form);
    b.set_attr("type", "submit");
}
