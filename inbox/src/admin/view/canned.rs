//! Canned replies: the workspace-wide ones (every agent sees them in the composer's `/` list),
//! each deletable, and a form to add one. Agents keep their own in the inbox.

use web_sys::Element;

use crate::admin::model::Model;
use crate::dom::{button, data_el, el, field, text_el, SetAttr};

pub fn render(m: &Model, panel: &Element) {
    text_el("h2", "", "Canned replies", panel);
    text_el(
        "p",
        "muted",
        "Every agent can insert these by typing / in the message box. {first_name} becomes the \
         visitor's first name and {agent_name} the agent's. Agents add their own in the inbox.",
        panel,
    );
    if m.canned.is_empty() {
        text_el(
            "p",
            "muted",
            "No workspace-wide replies yet. Add one below.",
            panel,
        );
    } else {
        let table = el("table", "", panel);
        crate::dom::aria(&table, "Workspace-wide canned replies");
        let head = el("tr", "", &el("thead", "", &table));
        for h in ["Shortcut", "Text", ""] {
            text_el("th", "", h, &head);
        }
        let body = el("tbody", "", &table);
        for r in &m.canned {
            let tr = el("tr", "", &body);
            let shortcut = format!("/{}", r.shortcut);
            text_el("td", "", &shortcut, &tr);
            data_el("td", "pre", &r.text, &tr);
            let d = button("danger", "Delete", "delete-canned", &el("td", "", &tr));
            d.set_attr("data-id", &r.id);
            crate::dom::aria(&d, &format!("Delete {shortcut}"));
        }
    }
    let form = el("form", "panel", panel);
    form.set_attr("data-form", "new-canned");
    form.set_attr("aria-labelledby", "new-canned-title");
    text_el("h3", "", "Add a reply", &form).set_attr("id", "new-canned-title");
    let s = field(
        "Shortcut (a-z, 0-9, - and _)",
        "input",
        "shortcut",
        "",
        &form,
    );
    s.set_attr("maxlength", "32");
    s.set_attr("required", "");
    field("Text", "textarea", "text", "", &form).set_attr("rows", "3");
    text_el("button", "primary", "Add reply", &form).set_attr("type", "submit");
}
