//! Small DOM helpers. Text always goes in as text nodes (`textContent`), never as HTML, and in
//! the admin's language (`i18n::tr`: the views are written in English).
//!
//! Building views calls `createElement`, `setAttribute` and `appendChild` with constant tag and
//! attribute names on elements just made, where the DOM never throws. So they are bound here
//! without web-sys's `catch`, as the widget binds them: no `Result` per call, whose error paths
//! (dropping every element made so far at each `?`) were kilobytes of each bundle.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

use crate::error::InboxError;

pub type Res<T> = Result<T, InboxError>;

/// The agent inbox is English only; the admin's words pass through its catalogue.
#[cfg(feature = "admin")]
pub use crate::i18n::tr;

#[wasm_bindgen]
extern "C" {
    /// Any DOM node, for the calls below.
    type Dom;
    #[wasm_bindgen(method, js_name = createElement)]
    fn create_element(this: &Dom, tag: &str) -> Element;
    #[wasm_bindgen(method, js_name = createElementNS)]
    fn create_element_ns(this: &Dom, namespace: &str, tag: &str) -> Element;
    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set_attribute(this: &Dom, name: &str, value: &str);
    #[wasm_bindgen(method, js_name = appendChild)]
    fn append_child(this: &Dom, child: &Dom);
    /// The page's document (the inbox and admin are pages of their own: it is always there).
    #[wasm_bindgen(thread_local_v2, js_name = document)]
    static DOCUMENT: Dom;
}

pub fn window() -> Res<web_sys::Window> {
    web_sys::window().ok_or(InboxError::Missing("window"))
}

pub fn document() -> Res<Document> {
    window()?.document().ok_or(InboxError::Missing("document"))
}

/// Sets an attribute whose name is a constant (so `setAttribute` cannot throw).
pub trait SetAttr {
    fn set_attr(&self, name: &str, value: &str);
}

impl SetAttr for Element {
    fn set_attr(&self, name: &str, value: &str) {
        self.unchecked_ref::<Dom>().set_attribute(name, value);
    }
}

/// Appends a new element to `parent` (a new element never makes a cycle: cannot throw).
fn append(parent: &Element, e: Element) -> Element {
    parent
        .unchecked_ref::<Dom>()
        .append_child(e.unchecked_ref());
    e
}

/// `<tag>` in the SVG namespace, appended to `parent`.
#[cfg(feature = "admin")]
pub fn svg_el(tag: &str, parent: &Element) -> Element {
    const SVG: &str = "http://www.w3.org/2000/svg";
    append(parent, DOCUMENT.with(|d| d.create_element_ns(SVG, tag)))
}

/// `<tag class="class">`, appended to `parent`.
pub fn el(tag: &str, class: &str, parent: &Element) -> Element {
    let e = DOCUMENT.with(|d| d.create_element(tag));
    if !class.is_empty() {
        e.set_class_name(class);
    }
    append(parent, e)
}

/// `<tag class>` with text content: words of the interface, in the admin's language.
pub fn text_el(tag: &str, class: &str, text: &str, parent: &Element) -> Element {
    #[cfg(feature = "admin")]
    let text: &str = &tr(text);
    data_el(tag, class, text, parent)
}

/// `<tag class>` with someone's words (a visitor's message, a name, a card's text): shown as
/// written, never translated.
pub fn data_el(tag: &str, class: &str, text: &str, parent: &Element) -> Element {
    let e = el(tag, class, parent);
    e.set_text_content(Some(text));
    e
}

/// A `<button type="button" data-act=act>` with a label.
pub fn button(class: &str, label: &str, act: &str, parent: &Element) -> Element {
    let b = text_el("button", class, label, parent);
    b.set_attr("type", "button");
    b.set_attr("data-act", act);
    b
}

/// A labelled control: `<label>text <input|select|textarea></label>`; returns the control.
pub fn field(label: &str, tag: &str, name: &str, value: &str, parent: &Element) -> Element {
    let l = el("label", "field", parent);
    text_el("span", "field-label", label, &l);
    let c = el(tag, "", &l);
    c.set_attr("name", name);
    set_value(&c, value);
    c
}

#[cfg(feature = "admin")]
/// A `<select>` with `(value, label)` options, `selected` chosen.
pub fn select(
    label: &str,
    name: &str,
    options: &[(String, String)],
    selected: &str,
    parent: &Element,
) -> Element {
    let s = field(label, "select", name, "", parent);
    for (v, l) in options {
        text_el("option", "", l, &s).set_attr("value", v);
    }
    // The chosen one: by value once the options are there.
    set_value(&s, selected);
    s
}

pub fn clear(e: &Element) {
    e.set_text_content(None);
}

pub fn set_text(e: &Element, s: &str) {
    #[cfg(feature = "admin")]
    let s: &str = &tr(s);
    if e.text_content().as_deref() != Some(s) {
        e.set_text_content(Some(s));
    }
}

/// An attribute a person reads (`title`, `placeholder`), in the admin's language.
#[cfg(feature = "admin")]
pub fn say(e: &Element, name: &str, text: &str) {
    e.set_attr(name, &tr(text));
}

/// The `aria-label` a screen reader says, in the admin's language.
#[cfg(feature = "admin")]
pub fn aria(e: &Element, text: &str) {
    say(e, "aria-label", text)
}

pub fn show(e: &Element, visible: bool) {
    if let Some(h) = e.dyn_ref::<HtmlElement>() {
        if h.hidden() == visible {
            h.set_hidden(!visible);
        }
    }
}

pub fn focus(e: &Element) {
    if let Some(h) = e.dyn_ref::<HtmlElement>() {
        let _ = h.focus();
    }
}

/// The value of an input, select or textarea ("" otherwise).
pub fn value(e: &Element) -> String {
    if let Some(i) = e.dyn_ref::<web_sys::HtmlInputElement>() {
        if i.type_() == "checkbox" {
            return if i.checked() { "true" } else { "false" }.into();
        }
        i.value()
    } else if let Some(t) = e.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        t.value()
    } else if let Some(s) = e.dyn_ref::<web_sys::HtmlSelectElement>() {
        s.value()
    } else {
        String::new()
    }
}

pub fn set_value(e: &Element, v: &str) {
    if let Some(i) = e.dyn_ref::<web_sys::HtmlInputElement>() {
        i.set_value(v);
    } else if let Some(t) = e.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        t.set_value(v);
    } else if let Some(s) = e.dyn_ref::<web_sys::HtmlSelectElement>() {
        s.set_value(v);
    }
}

#[cfg(feature = "admin")]
/// A checkbox with a label; returns the input.
pub fn checkbox(label: &str, name: &str, checked: bool, parent: &Element) -> Element {
    let l = el("label", "check", parent);
    let i = el("input", "", &l);
    i.set_attr("type", "checkbox");
    i.set_attr("name", name);
    if let Some(i) = i.dyn_ref::<web_sys::HtmlInputElement>() {
        i.set_checked(checked);
    }
    text_el("span", "", label, &l);
    i
}

/// The element an event happened on.
pub fn target(e: &web_sys::Event) -> Option<Element> {
    e.target().and_then(|t| t.dyn_into::<Element>().ok())
}

/// The closest ancestor (or self) with `data-act`, and its action.
pub fn action(e: &web_sys::Event) -> Option<(Element, String)> {
    let t = target(e)?.closest("[data-act]").ok().flatten()?;
    let act = t.get_attribute("data-act")?;
    Some((t, act))
}

pub fn attr(e: &Element, name: &str) -> String {
    e.get_attribute(name).unwrap_or_default()
}

/// Adds an event listener that lives as long as the page.
pub fn on(
    target: &web_sys::EventTarget,
    kind: &str,
    f: impl FnMut(web_sys::Event) + 'static,
) -> Res<()> {
    let c = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::Event)>::new(f);
    target.add_event_listener_with_callback(kind, c.as_ref().unchecked_ref())?;
    c.forget();
    Ok(())
}

/// Runs `f` after `ms` milliseconds.
pub fn later(ms: i32, f: impl FnOnce() + 'static) -> Res<()> {
    let c = wasm_bindgen::closure::Closure::once_into_js(f);
    window()?.set_timeout_with_callback_and_timeout_and_arguments_0(c.unchecked_ref(), ms)?;
    Ok(())
}

#[cfg(feature = "agent")]
/// Runs `f` every `ms` milliseconds for the page's life.
pub fn every(ms: i32, f: impl FnMut() + 'static) -> Res<()> {
    let c = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(f);
    window()?
        .set_interval_with_callback_and_timeout_and_arguments_0(c.as_ref().unchecked_ref(), ms)?;
    c.forget();
    Ok(())
}

#[cfg(feature = "agent")]
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
