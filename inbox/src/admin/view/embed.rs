//! The snippet a marketer pastes into their pages.

use web_sys::Element;

use crate::admin::model::Model;
use crate::dom::{button, el, text_el, window, SetAttr};

pub fn snippet(ws: &str) -> String {
    let origin = window()
        .and_then(|w| Ok(w.location().origin()?))
        .unwrap_or_default();
    format!("<script src=\"{origin}/widget.js\" data-workspace=\"{ws}\" async></script>")
}

pub fn render(m: &Model, panel: &Element) {
    let ws = m
        .session
        .as_ref()
        .map(|s| s.workspace.as_str())
        .unwrap_or("");
    text_el("h2", "", "Embed the widget", panel);
    text_el(
        "p",
        "",
        "Paste this tag into every page where the chat should appear, just before </body>.",
        panel,
    );
    text_el(
        "p",
        "muted",
        "The chat button shows on the pages one of your dialogues targets; a visitor in a conversation keeps it on every page.",
        panel,
    );
    let code = text_el("code", "snippet", &snippet(ws), panel);
    code.set_attr("id", "snippet");
    let bar = el("p", "toolbar", panel);
    let b = button("primary", "Copy", "copy-snippet", &bar);
    b.set_attr("id", "copy-snippet");
    let st = el("span", "muted", &bar);
    st.set_attr("role", "status");
    st.set_attr("id", "copy-status");
    text_el("h3", "", "Signed-in visitors", panel);
    text_el(
        "p",
        "",
        "Your site can say who a signed-in visitor is with Parlor('identify', {id, email, name, user_hash}). \
         Its server computes user_hash = HMAC-SHA256(identity secret, id): keep the secret there, never in a page. \
         Verified visitors' forms start filled in, agents see them as verified, and one person's conversations are linked.",
        panel,
    );
    let bar = el("p", "toolbar", panel);
    button("", "Show the identity secret", "idv-show", &bar);
    button("danger", "Make a new secret", "idv-rotate", &bar);
}
