//! Generic log tables (routing audit, outbox): one column per key seen.

use web_sys::Element;

use crate::admin::model::Row;
use crate::dom::{el, text_el};

pub fn render(title: &str, empty: &str, rows: &[Row], panel: &Element) {
    text_el("h2", "", title, panel);
    if rows.is_empty() {
        text_el("p", "muted", empty, panel);
        return;
    }
    let mut cols: Vec<&str> = Vec::new();
    for r in rows {
        for (k, _) in r {
            if !cols.contains(&k.as_str()) {
                cols.push(k);
            }
        }
    }
    let table = el("table", "", panel);
    crate::dom::aria(&table, title);
    let head = el("tr", "", &el("thead", "", &table));
    for c in &cols {
        text_el("th", "", &crate::fmt::field_label(c), &head);
    }
    let body = el("tbody", "", &table);
    for r in rows {
        let tr = el("tr", "", &body);
        for c in &cols {
            let v = r
                .iter()
                .find(|(k, _)| k == c)
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            text_el("td", if v.contains('\n') { "pre" } else { "" }, v, &tr);
        }
    }
}
