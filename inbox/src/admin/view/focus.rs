//! Keeping the keyboard's place across a redraw: the element that had focus is found again in
//! the new DOM by its id or, for a node of the flow (which has no id), by its `data-sel`, so a
//! validation answer or a live update arriving mid-keystroke never drops focus to the page.

use wasm_bindgen::JsCast;

use crate::dom;

/// Where focus was, in terms that survive the element being rebuilt.
pub enum Focus {
    Id(String),
    Node(String),
}

/// The focused element, if it can be found again after a redraw.
pub fn remember() -> Option<Focus> {
    let e = dom::document().ok()?.active_element()?;
    let id = e.id();
    if !id.is_empty() {
        return Some(Focus::Id(id));
    }
    let sel = e.get_attribute("data-sel")?;
    e.closest(".flow").ok().flatten()?;
    Some(Focus::Node(sel))
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
    };
    if let Some(h) = found.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = h.focus();
    }
}
