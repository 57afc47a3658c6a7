//! The Dialogues tab: the list in targeting order (moved up and down), new dialogues from a
//! template, and the designer for the one being edited.

use web_sys::Element;

use crate::admin::model::Model;
use crate::dom::{button, data_el, el, text_el, Res, SetAttr};

pub fn render(m: &Model, panel: &Element) -> Res<()> {
    match &m.editor {
        Some(e) => super::designer::render(m, e, panel),
        None => {
            list(m, panel);
            Ok(())
        }
    }
}

fn list(m: &Model, panel: &Element) {
    text_el("h2", "", "Dialogues", panel);
    text_el(
        "p",
        "muted",
        "A page shows the first dialogue in this order whose page rules match it. Drag a row, or use ↑ and ↓, to change the order.",
        panel,
    );
    let table = el("table", "", panel);
    crate::dom::aria(&table, "Dialogues");
    let head = el("tr", "", &el("thead", "", &table));
    for h in ["Order", "Name", "Pages", "Branches", "Cards", ""] {
        text_el("th", "", h, &head);
    }
    let body = el("tbody", "", &table);
    let n = m.dialogues.len();
    for (i, d) in m.dialogues.iter().enumerate() {
        let tr = el("tr", "", &body);
        let key = format!("o.{i}");
        tr.set_attr("draggable", "true");
        tr.set_attr("data-sel", &key);
        tr.set_attr("data-drop", &key);
        let order = el("td", "order", &tr);
        text_el("span", "", &format!("{} ", i + 1), &order);
        for (label, up, show) in [("↑", true, i > 0), ("↓", false, i + 1 < n)] {
            if !show {
                continue;
            }
            let b = button("ghost", label, "move-dialogue", &order);
            b.set_attr("data-i", &i.to_string());
            b.set_attr("data-up", if up { "1" } else { "0" });
            let dir = if up { "up" } else { "down" };
            crate::dom::aria(&b, &format!("Move {dir} {}", d.name));
        }
        data_el("td", "", &d.name, &tr);
        let pages: Vec<String> = d
            .targeting
            .iter()
            .map(crate::admin::probe::url_rule_text)
            .collect();
        let pages = if pages.is_empty() {
            "Every page".to_owned()
        } else {
            pages.join("; ")
        };
        text_el("td", "", &pages, &tr);
        text_el("td", "", &d.branches.len().to_string(), &tr);
        let cards: usize = d.branches.iter().map(|b| b.cards.len()).sum();
        text_el("td", "", &cards.to_string(), &tr);
        let td = el("td", "", &tr);
        let b = button("primary", "Edit", "edit-dialogue", &td);
        b.set_attr("data-id", d.id.as_str());
        crate::dom::aria(&b, &format!("Edit {}", d.name));
    }
    // Unpublished drafts this browser kept: of a published dialogue (opening it opens them) or
    // of one never published.
    for k in &m.drafts {
        let p = el("p", "note", panel);
        let mut line = String::from("Unpublished changes to “");
        line.push_str(&k.dialogue.name);
        line.push_str("”. ");
        text_el("span", "", &line, &p);
        let b = button("primary", "Continue editing", "continue-draft", &p);
        b.set_attr("data-id", &k.key);
        let b = button("ghost", "Discard", "discard-draft", &p);
        b.set_attr("data-id", &k.key);
        line.insert_str(0, "Discard: ");
        crate::dom::aria(&b, &line);
    }
    let sec = el("section", "templates", panel);
    crate::dom::aria(&sec, "New dialogue");
    text_el("h3", "", "Start a new dialogue", &sec);
    let grid = el("div", "template-grid", &sec);
    let blank = el("div", "template card", &grid);
    text_el("h4", "", "Blank", &blank);
    text_el("p", "muted", "One greeting card to build on.", &blank);
    let b = button("", "New dialogue", "new-dialogue", &blank);
    crate::dom::aria(&b, "New blank dialogue");
    for t in &m.templates {
        let card = el("div", "template card", &grid);
        text_el("h4", "", &t.name, &card);
        text_el("p", "muted", &t.description, &card);
        let b = button("", "Use this template", "new-from", &card);
        b.set_attr("data-template", &t.key);
        crate::dom::aria(&b, &format!("Start from “{}”", t.name));
    }
}
