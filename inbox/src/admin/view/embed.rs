//! The snippet a marketer pastes into their pages.

use web_sys::Element;

use crate::admin::model::Model;
use crate::dom::{button, el, text_el, window, Res};

pub fn snippet(ws: &str) -> String {
    let origin = window()
        .and_then(|w| Ok(w.location().origin()?))
        .unwrap_or_default();
    format!("<script src=\"{origin}/widget.js\" data-workspace=\"{ws}\" async></script>")
}

pub fn render(m: &Model, panel: &Element) -> Res<()> {
    let ws = m
        .session
        .as_ref()
        .map(|s| s.workspace.as_str())
        .unwrap_or("");
    text_el("h2", "", "Embed the widget", panel)?;
    text_el(
        "p",
        "",
        "Paste this tag into every page where the chat should appear, just before </body>.",
        panel,
    )?;
    let code = text_el("code", "snippet", &snippet(ws), panel)?;
    code.set_attribute("id", "snippet")?;
    let bar = el("p", "toolbar", panel)?;
    let b = button("primary", "Copy", "copy-snippet", &bar)?;
    b.set_attribute("id", "copy-snippet")?;
    let st = el("span", "muted", &bar)?;
    st.set_attribute("role", "status")?;
    st.set_attribute("id", "copy-status")?;
    Ok(())
}
