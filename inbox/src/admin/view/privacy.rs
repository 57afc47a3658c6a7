//! Privacy: erase one visitor's data (by email or conversation id) after a confirmation, and
//! how long ended conversations are kept.

use web_sys::Element;

use crate::admin::model::Model;
use crate::dom::{button, el, field, select, text_el, SetAttr};

pub fn render(m: &Model, panel: &Element) {
    text_el("h2", "", "Privacy", panel);
    text_el(
        "p",
        "",
        "When a visitor asks to be forgotten, erase their data: the messages and captured details of their conversations, their rows in Conversations, failed-action emails and routing audit. The routing audit keeps one line saying how many conversations were erased, by whom and when, without naming the visitor.",
        panel,
    );
    let form = el("form", "panel", panel);
    form.set_attr("data-form", "erase");
    crate::dom::aria(&form, "Erase a visitor's data");
    let (by, value) = m.erase_ask.as_ref().map_or(("email", ""), |t| t.fields());
    let grid = el("div", "grid2", &form);
    let s = select(
        "Find the visitor by",
        "by",
        &super::opts(&[
            ("email", "Email address"),
            ("conversation", "Conversation id"),
        ]),
        by,
        &grid,
    );
    s.set_attr("id", "erase-by");
    let t = field(
        "Email address or conversation id",
        "input",
        "target",
        value,
        &grid,
    );
    t.set_attr("id", "erase-target");
    t.set_attr("autocomplete", "off");
    let b = text_el("button", "", "Erase…", &form);
    b.set_attr("type", "submit");
    b.set_attr("id", "erase-submit");
    if let Some(target) = &m.erase_ask {
        let ask = el("div", "confirm", panel);
        ask.set_attr("role", "alertdialog");
        crate::dom::aria(&ask, "Confirm the erasure");
        // The email is what the admin typed: inserted as text, never as HTML.
        text_el("p", "", &target.question(), &ask);
        let yes = button("danger", "Yes, erase for good", "erase-confirm", &ask);
        yes.set_attr("id", "erase-confirm");
        button("ghost", "Cancel", "erase-cancel", &ask);
    }
    if m.erasing {
        let p = text_el("p", "muted", "Erasing…", panel);
        p.set_attr("role", "status");
    }
    let keep = match m.settings.as_ref().and_then(|s| s.retention_days) {
        Some(d) => format!("Ended conversations are deleted {d} days after their last change."),
        None => "Ended conversations are kept until erased. Set a retention period in Settings to delete them automatically.".into(),
    };
    text_el("p", "muted", &keep, panel);
}
