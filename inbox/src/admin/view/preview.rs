//! The live preview dock: the real widget in a frame (`/preview.html`) that runs the draft
//! with core's conversation machine in the page — no conversation, offer or lead is created.
//! Outside the tab panel, so redrawing the designer never restarts the walk-through.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlIFrameElement};

use parlor_core::dialogue::Dialogue;

use crate::dom::{button, document, el, show, text_el, window, Res, SetAttr};

pub struct Dock {
    dock: Element,
    body: Element,
    framed: bool,
}

const FRAME_ID: &str = "preview-frame";

impl Dock {
    pub fn build(parent: &Element) -> Dock {
        let dock = el("aside", "preview-dock", parent);
        crate::dom::aria(&dock, "Live preview");
        show(&dock, false);
        let head = el("header", "", &dock);
        text_el("strong", "", "Preview", &head);
        text_el(
            "span",
            "muted",
            "Runs the draft here: nothing reaches agents or the server.",
            &head,
        );
        button("ghost", "Close preview", "toggle-preview", &head);
        let body = el("div", "preview-body", &dock);
        Dock {
            dock,
            body,
            framed: false,
        }
    }

    pub fn render(&mut self, visible: bool) {
        show(&self.dock, visible);
        if visible && !self.framed {
            let f = el("iframe", "", &self.body);
            f.set_attr("id", FRAME_ID);
            crate::dom::say(&f, "title", "Live preview of the draft dialogue");
            f.set_attr("src", "/preview.html");
            self.framed = true;
        }
    }
}

/// Hands the draft to the preview page (same origin only).
pub fn post(d: &Dialogue, restart: bool) -> Res<()> {
    let Some(frame) = document()?
        .get_element_by_id(FRAME_ID)
        .and_then(|f| f.dyn_into::<HtmlIFrameElement>().ok())
    else {
        return Ok(());
    };
    let Some(target) = frame.content_window() else {
        return Ok(());
    };
    let msg = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&msg, &JsValue::from_str(k), v);
    set("type", &JsValue::from_str("parlor-preview-dialogue"))?;
    set("dialogue", &crate::admin::wire::dialogue_js(d))?;
    set("restart", &JsValue::from_bool(restart))?;
    let origin = window()?.location().origin()?;
    target.post_message(&msg, &origin)?;
    Ok(())
}
