//! Small DOM helpers. Text always goes in as text nodes, never as HTML.
//!
//! Building cards calls `createElement`, `setAttribute` and `appendChild` with constant tag and
//! attribute names on elements just made, where the DOM never throws. So they are bound here
//! without web-sys's `catch`: no `Result` per call, whose error paths (dropping every element
//! made so far at each `?`) were kilobytes of the bundle. Likewise listeners and timers.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, Event, HtmlElement, NodeList};

use crate::error::WidgetError;

pub type Res<T> = Result<T, WidgetError>;

#[wasm_bindgen]
extern "C" {
    /// Any DOM node, for the three calls below.
    type Dom;
    #[wasm_bindgen(method, js_name = createElement)]
    fn create_element(this: &Dom, tag: &str) -> HtmlElement;
    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set_attribute(this: &Dom, name: &str, value: &str);
    #[wasm_bindgen(method, js_name = appendChild)]
    fn append_child(this: &Dom, child: &Dom);
    /// An input's or a textarea's `value` (one binding for both).
    #[wasm_bindgen(method, setter, js_name = value)]
    fn set_value(this: &Dom, value: &str);
    /// With a constant, valid selector it never throws (on an element or the shadow root).
    #[wasm_bindgen(method, js_name = querySelectorAll)]
    fn query_selector_all(this: &Dom, selectors: &str) -> NodeList;
    /// Never throws for a name that is a constant.
    #[wasm_bindgen(method, js_name = removeAttribute)]
    fn remove_attribute(this: &Dom, name: &str);
    /// Never throws for a constant, valid selector on an element.
    #[wasm_bindgen(method)]
    fn closest(this: &Dom, selectors: &str) -> Option<Element>;
    /// `focus()` never throws.
    #[wasm_bindgen(method)]
    fn focus(this: &Dom);
    /// Never throws for a function listener.
    #[wasm_bindgen(method, js_name = addEventListener)]
    fn add_event_listener(this: &Dom, kind: &str, f: &JsValue);
    /// The loader's `emit(name, detail)`, which catches what the page's handlers throw.
    type Emit;
    #[wasm_bindgen(method, js_name = call)]
    fn call(this: &Emit, this_arg: &JsValue, name: &str, detail: &str);
    /// The global `setTimeout`: never throws for a function.
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(f: &JsValue, ms: i32);
    /// The global `fetch`: a failure rejects its promise, it never throws.
    #[wasm_bindgen(js_name = fetch)]
    pub fn fetch(url: &str, init: &JsValue) -> js_sys::Promise;
    /// The page's `window` (the widget only ever runs in a page).
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: JsValue;
}

/// `window[name]` (`document`, `navigator`, `location`, `localStorage`), read through the one
/// `Reflect.get` binding; undefined when reading it throws. (web-sys's `window()` looks for the
/// global object four ways, and each property is a binding of its own.)
pub fn global(name: &str) -> JsValue {
    WINDOW.with(|w| crate::wire::object(w, name))
}

/// Calls `f` with each `kind` event on `target`, for as long as the page lives.
pub fn on(target: &JsValue, kind: &str, mut f: impl FnMut(Event) + 'static) {
    // One closure signature (JsValue) for every callback of the widget: each signature costs
    // its own shims in the wasm and the glue.
    let c = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| f(e.unchecked_into()));
    target
        .unchecked_ref::<Dom>()
        .add_event_listener(kind, c.as_ref());
    c.forget();
}

pub fn document() -> Res<Document> {
    let doc = global("document");
    if !doc.is_object() {
        return Err(WidgetError::Missing("document"));
    }
    Ok(doc.unchecked_into())
}

/// `<tag class="class">` appended to `parent`. (`tag` is a constant: createElement cannot throw.)
pub fn el(doc: &Document, tag: &str, class: &str, parent: &Element) -> HtmlElement {
    let e = doc.unchecked_ref::<Dom>().create_element(tag);
    if !class.is_empty() {
        attr(&e, "class", class);
    }
    parent
        .unchecked_ref::<Dom>()
        .append_child(e.unchecked_ref());
    e
}

/// Sets an attribute whose name is a constant (so setAttribute cannot throw).
pub fn attr(e: &Element, name: &str, value: &str) {
    e.unchecked_ref::<Dom>().set_attribute(name, value);
}

/// Appends `s` as a text node.
pub fn text(doc: &Document, parent: &Element, s: &str) {
    parent
        .unchecked_ref::<Dom>()
        .append_child(doc.create_text_node(s).unchecked_ref());
}

/// A `<button type="button">` with a label and a `data-act` action.
pub fn button(
    doc: &Document,
    class: &str,
    label: &str,
    act: &str,
    parent: &Element,
) -> HtmlElement {
    let b = el(doc, "button", class, parent);
    attr(&b, "type", "button");
    attr(&b, "data-act", act);
    b.set_text_content(Some(label));
    b
}

pub fn set_attr(e: &Element, name: &str, value: &str) {
    if e.get_attribute(name).as_deref() != Some(value) {
        attr(e, name, value);
    }
}

/// The elements under `root` matching `selectors` (a constant).
pub fn all(root: &JsValue, selectors: &str) -> NodeList {
    root.unchecked_ref::<Dom>().query_selector_all(selectors)
}

/// The closest ancestor of `e` (or `e`) matching `selectors` (a constant).
pub fn closest(e: &Element, selectors: &str) -> Option<Element> {
    e.unchecked_ref::<Dom>().closest(selectors)
}

/// Moves keyboard focus to `e`.
pub fn focus(e: &Element) {
    e.unchecked_ref::<Dom>().focus();
}

/// Sets the value of an input or a textarea.
pub fn set_value(e: &Element, value: &str) {
    e.unchecked_ref::<Dom>().set_value(value);
}

pub fn set_text(e: &Element, s: &str) {
    if e.text_content().as_deref() != Some(s) {
        e.set_text_content(Some(s));
    }
}

/// Shows or hides `e` by its `hidden` attribute.
pub fn show(e: &Element, visible: bool) {
    flag(e, "hidden", !visible);
}

pub fn set_disabled(e: &Element, disabled: bool) {
    flag(e, "disabled", disabled);
}

/// Sets or removes a boolean attribute (`hidden`, `disabled`), touching the DOM only on a change.
/// (Attributes rather than each property's own binding: `setAttribute` is bound already.)
fn flag(e: &Element, name: &str, on: bool) {
    if on {
        set_attr(e, name, "");
    } else if e.has_attribute(name) {
        e.unchecked_ref::<Dom>().remove_attribute(name);
    }
}

/// Whether `e` is hidden (its `hidden` attribute).
pub fn hidden(e: &Element) -> bool {
    e.has_attribute("hidden")
}

/// Calls the loader's `emit` (when it gave one) with an event for the host page.
pub fn emit(f: &JsValue, name: &str, detail: &str) {
    if f.is_function() {
        f.unchecked_ref::<Emit>().call(&JsValue::NULL, name, detail);
    }
}
