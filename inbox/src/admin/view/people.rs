//! Agents & teams: list, create, change permission/role/teams, reset password.

use web_sys::Element;

use crate::admin::model::Model;
use crate::dom::{button, checkbox, el, field, select, text_el, SetAttr};

const ROLES: [(&str, &str); 2] = [("agent", "Agent"), ("admin", "Admin")];

pub fn render(m: &Model, panel: &Element) {
    text_el("h2", "", "Agents", panel);
    let table = el("table", "", panel);
    crate::dom::aria(&table, "Agents");
    let head = el("tr", "", &el("thead", "", &table));
    for h in ["Agent", "Live chat", "Role", "Teams", "Password", ""] {
        text_el("th", "", h, &head);
    }
    let body = el("tbody", "", &table);
    for a in &m.agents {
        let tr = el("tr", "", &body);
        tr.set_attr("data-agent", &a.id);
        let td = el("td", "", &tr);
        text_el("strong", "", &a.name, &td);
        text_el("div", "muted", &a.email, &td);
        let td = el("td", "", &tr);
        let c = checkbox("Can take live chats", "live_chat", a.live_chat, &td);
        c.set_attr("id", &format!("lc-{}", a.id));
        let td = el("td", "", &tr);
        let r = select("Role", "role", &super::opts(&ROLES), &a.role, &td);
        r.set_attr("id", &format!("role-{}", a.id));
        let td = el("td", "", &tr);
        for t in &m.teams {
            let c = checkbox(&t.name, "team", a.teams.contains(&t.id), &td);
            c.set_attr("value", &t.id);
        }
        let td = el("td", "", &tr);
        let pw = field("New password", "input", "password", "", &td);
        pw.set_attr("type", "password");
        pw.set_attr("autocomplete", "new-password");
        let b = button("", "Reset password", "reset-password", &td);
        b.set_attr("data-id", &a.id);
        let td = el("td", "", &tr);
        let b = button("primary", "Save", "save-agent", &td);
        b.set_attr("data-id", &a.id);
        b.set_attr("id", &format!("save-{}", a.id));
        let b = button("danger", "Delete", "delete-agent", &td);
        b.set_attr("data-id", &a.id);
    }

    let form = el("form", "panel", panel);
    form.set_attr("data-form", "new-agent");
    form.set_attr("aria-labelledby", "new-agent-title");
    let h = text_el("h3", "", "Add an agent", &form);
    h.set_attr("id", "new-agent-title");
    let grid = el("div", "grid2", &form);
    field("Name", "input", "name", "", &grid).set_attr("required", "");
    let e = field("Email", "input", "email", "", &grid);
    e.set_attr("type", "email");
    e.set_attr("required", "");
    let p = field(
        "Password (at least 8 characters)",
        "input",
        "password",
        "",
        &grid,
    );
    p.set_attr("type", "password");
    p.set_attr("autocomplete", "new-password");
    select("Role", "role", &super::opts(&ROLES), "agent", &grid);
    checkbox("Can take live chats", "live_chat", true, &form);
    for t in &m.teams {
        checkbox(&t.name, "team", false, &form).set_attr("value", &t.id);
    }
    let b = text_el("button", "primary", "Add agent", &form);
    b.set_attr("type", "submit");

    text_el("h2", "", "Teams", panel);
    let ul = el("ul", "", panel);
    if m.teams.is_empty() {
        text_el("li", "muted", "No teams yet.", &ul);
    }
    for t in &m.teams {
        let li = el("li", "", &ul);
        let hours = if t.business_hours.is_some() {
            "own hours"
        } else {
            "workspace hours"
        };
        text_el("span", "", &format!("{} ({}) · {hours}", t.name, t.id), &li);
        let b = button("link", "Delete", "delete-team", &li);
        b.set_attr("data-id", &t.id);
        crate::dom::aria(&b, &format!("Delete team {}", t.name));
        let details = el("details", "", &li);
        text_el("summary", "", &format!("Edit {}", t.name), &details);
        let form = el("form", "panel", &details);
        form.set_attr("data-form", "team");
        form.set_attr("data-id", &t.id);
        field("Team name", "input", "name", &t.name, &form).set_attr("required", "");
        super::hours::render(
            t.business_hours.as_ref(),
            "This team has its own hours (outside them it takes no chats)",
            &form,
        );
        let b = text_el("button", "primary", "Save team", &form);
        b.set_attr("type", "submit");
    }
    let form = el("form", "toolbar", panel);
    form.set_attr("data-form", "new-team");
    let id = field("Team id", "input", "id", "", &form);
    id.set_attr("required", "");
    id.set_attr("pattern", "[a-z0-9_-]+");
    crate::dom::say(&id, "title", "Lowercase letters, digits, - and _");
    field("Team name", "input", "name", "", &form).set_attr("required", "");
    let b = text_el("button", "primary", "Create team", &form);
    b.set_attr("type", "submit");
}
