//! The snippet a marketer pastes into their pages.

use web_sys::Element;

use crate::admin::model::Model;
use crate::dom::{button, data_el, el, text_el, window, SetAttr};

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
    installed(m, panel);
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

/// Where the tag runs: the sites whose pages read the workspace's availability, and the ones
/// the allowed origins leave out, each with the one click that lets it in.
fn installed(m: &Model, panel: &Element) {
    text_el("h3", "", "Where it is installed", panel);
    if m.sites.is_empty() {
        text_el(
            "p",
            "muted",
            "No page with the tag has been seen yet. Open a page of your site where you pasted it, then come back here.",
            panel,
        );
        return;
    }
    let list = el("ul", "sites", panel);
    list.set_attr("id", "sites");
    for site in &m.sites {
        let li = el("li", "", &list);
        data_el("code", "", &site.origin, &li);
        let seen = format!("Last seen {}", crate::fmt::date_time(site.last_seen));
        text_el("div", "muted", &seen, &li);
        if !site.allowed {
            text_el(
                "div",
                "error",
                "Not in the allowed origins: no chat button shows on its pages.",
                &li,
            );
            button("", "Allow this site", "allow-site", &li).set_attr("data-origin", &site.origin);
        }
        // A site that no longer runs the tag (an old staging host) leaves the list, and the
        // warning of every view; a page of it that loads the chat again lists it again.
        button("", "Remove from the list", "forget-site", &li)
            .set_attr("data-origin", &site.origin);
    }
}

/// Sites whose pages load the widget but that the allowed origins leave out: their visitors get
/// no chat button, so every view but this one names them, with the way here.
pub fn refused_warning(m: &Model, panel: &Element) {
    let refused: Vec<&str> = m
        .sites
        .iter()
        .filter(|s| !s.allowed)
        .map(|s| s.origin.as_str())
        .collect();
    if refused.is_empty() {
        return;
    }
    let note = el("div", "error flash", panel);
    note.set_attr("id", "refused-sites");
    note.set_attr("role", "status");
    text_el(
        "p",
        "",
        &format!(
            "No chat button shows on {}: not in the allowed origins.",
            refused.join(", ")
        ),
        &note,
    );
    button("", "Review in Embed", "tab", &note).set_attr("data-tab", "embed");
}
