//! Small DOM helpers. Text always goes in as text nodes, never as HTML.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

use crate::error::WidgetError;

pub type Res<T> = Result<T, WidgetError>;

pub fn document() -> Res<Document> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or(WidgetError::Missing("document"))
}

/// `<tag class="class">`, appended to `parent` when given.
pub fn el(doc: &Document, tag: &str, class: &str, parent: Option<&Element>) -> Res<Element> {
    let e = doc.create_element(tag)?;
    if !class.is_empty() {
        e.set_class_name(class);
    }
    if let Some(p) = parent {
        p.append_child(&e)?;
    }
    Ok(e)
}

/// Like [`el`], typed as an `HtmlElement` (for focus, hidden, style).
pub fn hel(doc: &Document, tag: &str, class: &str, parent: Option<&Element>) -> Res<HtmlElement> {
    el(doc, tag, class, parent)?
        .dyn_into::<HtmlElement>()
        .map_err(|_| WidgetError::Missing("html element"))
}

/// Appends `s` as a text node.
pub fn text(doc: &Document, parent: &Element, s: &str) -> Res<()> {
    parent.append_child(&doc.create_text_node(s))?;
    Ok(())
}

/// A `<button type="button">` with a label and a `data-act` action.
pub fn button(
    doc: &Document,
    class: &str,
    label: &str,
    act: &str,
    parent: &Element,
) -> Res<HtmlElement> {
    let b = hel(doc, "button", class, Some(parent))?;
    b.set_attribute("type", "button")?;
    b.set_attribute("data-act", act)?;
    b.set_text_content(Some(label));
    Ok(b)
}

pub fn set_attr(e: &Element, name: &str, value: &str) {
    if e.get_attribute(name).as_deref() != Some(value) {
        let _ = e.set_attribute(name, value);
    }
}

pub fn set_text(e: &Element, s: &str) {
    if e.text_content().as_deref() != Some(s) {
        e.set_text_content(Some(s));
    }
}

pub fn show(e: &HtmlElement, visible: bool) {
    if e.hidden() == visible {
        e.set_hidden(!visible);
    }
}

pub fn set_disabled(e: &Element, disabled: bool) {
    if disabled {
        set_attr(e, "disabled", "");
    } else if e.has_attribute("disabled") {
        let _ = e.remove_attribute("disabled");
    }
}
