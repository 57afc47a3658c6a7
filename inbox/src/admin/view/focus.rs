//! Keeping the keyboard's place across a redraw: the element that had focus is found again in
//! the new DOM by its id, for a node of the flow (which has no id) by its `data-sel`, and for an
//! action button by its action and accessible name, so a validation answer or a live update
//! arriving mid-keystroke never drops focus to the page.

use wasm_bindgen::JsCast;

use crate::dom;

/// Where focus was, in terms that survive the element being rebuilt.
pub enum Focus {
    Id(String),
    Node(String),
    /// A button without an id: its `data-act` and the name a screen reader says.
    Action {
        act: String,
        name: String,
    },
}

/// What a screen reader calls a button: its `aria-label`, else its text.
fn accessible_name(e: &web_sys::Element) -> String {
    e.get_attribute("aria-label")
        .or_else(|| e.text_content())
        .unwrap_or_default()
}

/// The focused element, if it can be found again after a redraw.
pub fn remember() -> Option<Focus> {
    let e = dom::document().ok()?.active_element()?;
    let id = e.id();
    if !id.is_empty() {
        return Some(Focus::Id(id));
    }
    if let Some(sel) = e.get_attribute("data-sel") {
        e.closest(".flow").ok().flatten()?;
        return Some(Focus::Node(sel));
    }
    let act = e.get_attribute("data-act")?;
    Some(Focus::Action {
        name: accessible_name(&e),
        act,
    })
}

/// Focuses the redrawn twin of what had focus, unless something else took focus meanwhile.
pub fn restore(f: Option<Focus>) {
    let Some(f) = f else { return };
    let Ok(doc) = dom::document() else { return };
    let found = match &f {
        Focus::Id(id) => doc.get_element_by_id(id),
        Focus::Node(sel) => doc
            .query_selector(&format!(".flow [data-sel=\"{sel}\"]"))
            .ok()
            .flatten(),
        // Compared in Rust rather than put in a selector: a name is the admin's text.
        Focus::Action { act, name } => doc.query_selector_all("[data-act]").ok().and_then(|all| {
            (0..all.length())
                .filter_map(|i| all.item(i)?.dyn_into::<web_sys::Element>().ok())
                .find(|e| {
                    e.get_attribute("data-act").as_deref() == Some(act.as_str())
                        && accessible_name(e) == *name
                })
        }),
    };
    if let Some(h) = found.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = h.focus();
    }
}
