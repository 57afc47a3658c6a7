//! The admin page: sign-in, then a tab bar and the current tab's panel.

mod canned;
mod conversations;
mod designer;
mod dialogue;
mod embed;
mod focus;
pub mod hours;
mod inspector;
mod keep;
mod leads;
mod logs;
mod overview;
mod people;
pub mod preview;
mod privacy;
mod settings;
mod webhooks;

use web_sys::Element;

use super::model::{Model, Tab};
use crate::dom::{self, button, clear, el, set_text, show, text_el, Res, SetAttr};

pub struct View {
    signin: Element,
    signin_error: Element,
    signin_button: Element,
    shell: Element,
    who: Element,
    live: Element,
    tabs: Vec<(Tab, Element)>,
    panel: Element,
    /// The tab the panel shows now, so a redraw of the same tab keeps what was typed.
    panel_tab: Option<Tab>,
    /// The flash of the last redraw: a new success is the one redraw that drops typed values.
    shown_flash: Option<(Tab, String, bool)>,
    rev: Option<u32>,
    flow_rev: Option<u32>,
    preview: preview::Dock,
}

impl View {
    pub fn build(root: &Element) -> Res<View> {
        clear(root);
        let app = el("div", "app", root);
        let signin = el("form", "signin card", &app);
        signin.set_attr("data-form", "signin");
        text_el("h1", "", "Sign in to Parlor admin", &signin);
        let ws = dom::field("Workspace", "input", "workspace", "", &signin);
        ws.set_attr("required", "");
        let email = dom::field("Email", "input", "email", "", &signin);
        email.set_attr("type", "email");
        email.set_attr("autocomplete", "username");
        let pw = dom::field("Password", "input", "password", "", &signin);
        pw.set_attr("type", "password");
        pw.set_attr("autocomplete", "current-password");
        text_el("p", "or", "— or —", &signin);
        let key = dom::field("Workspace admin key (wsk_…)", "input", "key", "", &signin);
        key.set_attr("type", "password");
        key.set_attr("autocomplete", "off");
        let signin_error = el("p", "error", &signin);
        signin_error.set_attr("role", "alert");
        let signin_button = text_el("button", "primary", "Sign in", &signin);
        signin_button.set_attr("type", "submit");

        let shell = el("div", "shell", &app);
        let top = el("header", "topbar", &shell);
        text_el("strong", "brand", "Parlor admin", &top);
        let who = el("span", "who", &top);
        let live = el("span", "conn", &top);
        live.set_attr("role", "status");
        button("ghost", "Sign out", "signout", &top);
        let nav = el("nav", "tabs", &shell);
        nav.set_attr("role", "tablist");
        crate::dom::aria(&nav, "Admin sections");
        let mut tabs = Vec::new();
        for t in Tab::ALL {
            let b = button("", t.label(), "tab", &nav);
            b.set_attr("role", "tab");
            b.set_attr("data-tab", t.key());
            b.set_attr("id", &format!("tab-{}", t.key()));
            b.set_attr("aria-controls", "panel");
            tabs.push((t, b));
        }
        let panel = el("section", "tabpanel", &shell);
        panel.set_attr("id", "panel");
        panel.set_attr("role", "tabpanel");
        let preview = preview::Dock::build(&shell);
        Ok(View {
            signin,
            signin_error,
            signin_button,
            shell,
            who,
            live,
            tabs,
            panel,
            panel_tab: None,
            shown_flash: None,
            rev: None,
            flow_rev: None,
            preview,
        })
    }

    pub fn render(&mut self, m: &Model) -> Res<()> {
        if self.rev == Some(m.rev) {
            if self.flow_rev != Some(m.flow_rev) {
                self.flow_rev = Some(m.flow_rev);
                designer::redraw(m)?;
            }
            return Ok(());
        }
        self.flow_rev = Some(m.flow_rev);
        self.rev = Some(m.rev);
        let previewing =
            m.tab == Some(Tab::Dialogues) && m.editor.as_ref().is_some_and(|e| e.preview);
        self.preview.render(previewing);
        show(&self.signin, m.session.is_none());
        show(&self.shell, m.session.is_some());
        set_text(&self.signin_error, m.sign_in_error.as_deref().unwrap_or(""));
        set_text(
            &self.signin_button,
            if m.signing_in {
                "Signing in…"
            } else {
                "Sign in"
            },
        );
        let Some(s) = &m.session else { return Ok(()) };
        let name = s
            .agent
            .as_ref()
            .map(|a| a.name.as_str())
            .unwrap_or("Workspace admin key");
        set_text(&self.who, &format!("{name} · {}", s.workspace));
        set_text(
            &self.live,
            if m.live {
                "Live updates on"
            } else {
                "Live updates reconnecting…"
            },
        );
        self.live
            .set_class_name(if m.live { "conn on" } else { "conn off" });
        for (t, b) in &self.tabs {
            let sel = m.tab == Some(*t);
            b.set_attr("aria-selected", if sel { "true" } else { "false" });
            b.set_attr("tabindex", if sel { "0" } else { "-1" });
        }
        let Some(tab) = m.tab else { return Ok(()) };
        self.panel
            .set_attr("aria-labelledby", &format!("tab-{}", tab.key()));
        // Redraw the panel, keeping focus on the control that had it.
        let focused = focus::remember();
        // What the admin typed survives every redraw of the same tab (live updates arrive while
        // they type), except the one right after this tab's save succeeded: then the server's
        // values are the truth.
        let saved_now =
            matches!(&m.flash, Some((t, _, false)) if *t == tab) && m.flash != self.shown_flash;
        let same_tab = self.panel_tab == Some(tab);
        let kept = keep::keep(&self.panel, same_tab && !saved_now);
        self.shown_flash = m.flash.clone();
        self.panel_tab = Some(tab);
        clear(&self.panel);
        if let Some((t, text, error)) = &m.flash {
            if *t == tab {
                let p = text_el(
                    "p",
                    if *error { "error flash" } else { "ok flash" },
                    text,
                    &self.panel,
                );
                p.set_attr("role", if *error { "alert" } else { "status" });
            }
        }
        if tab != Tab::Embed {
            embed::refused_warning(m, &self.panel);
        }
        match tab {
            Tab::Overview => overview::render(m, &self.panel),
            Tab::Conversations => conversations::render(m, &self.panel),
            Tab::Leads => leads::render(m, &self.panel),
            Tab::Agents => people::render(m, &self.panel),
            Tab::Canned => canned::render(m, &self.panel),
            Tab::Settings => settings::render(m, &self.panel),
            Tab::Audit => logs::render("Routing audit log", "No routing decisions yet.", &m.audit, &self.panel),
            Tab::Emails => logs::render(
                "Emails",
                "No emails sent yet. Missed live chats, new leads and transcripts visitors ask for are listed here.",
                &m.outbox,
                &self.panel,
            ),
            Tab::Dialogues => dialogue::render(m, &self.panel)?,
            Tab::Embed => embed::render(m, &self.panel),
            Tab::Privacy => privacy::render(m, &self.panel),
            Tab::Webhooks => webhooks::render(m, &self.panel),
        }
        if same_tab {
            keep::restore(&self.panel, &kept);
        }
        focus::restore(focused);
        Ok(())
    }
}

/// `(value, label)` pairs from string slices.
pub(crate) fn opts(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
        .collect()
}
