//! `view(model)`: keeps the shadow root's DOM in step with the model.
//!
//! The frame (header, log, composer) is built once. Transcript entries are append-only, so each
//! is rendered once, keyed by its position; the few things that change afterwards (disabled
//! buttons, form errors, status lines) are patched from the model on every render.

mod cards;

use parlor_core::client::Link;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlImageElement, HtmlTextAreaElement, ShadowRoot};

use crate::dom::{button, el, hel, set_attr, set_text, show, Res};
use crate::error::WidgetError;
use crate::i18n::Lang;
use crate::model::{Focus, Model, Phase, Position};
use crate::style::CSS;
use crate::text::{is_safe_link, text_on, valid_color};

pub use cards::CardRefs;

const LAUNCHER_ICON: &str = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z";

pub struct View {
    doc: Document,
    wrap: HtmlElement,
    panel: HtmlElement,
    launcher: HtmlElement,
    title: Element,
    /// "Typically replies in a few minutes" / "We're away", until an agent joins.
    reply_time: HtmlElement,
    avatar: HtmlImageElement,
    close: HtmlElement,
    status: HtmlElement,
    log: HtmlElement,
    items: Element,
    pending: Element,
    waiting: HtmlElement,
    waiting_text: Element,
    typing: HtmlElement,
    message: HtmlElement,
    message_text: Element,
    retry: HtmlElement,
    live: Element,
    composer: HtmlElement,
    textarea: HtmlTextAreaElement,
    send: HtmlElement,
    end: HtmlElement,
    restart: HtmlElement,
    /// How many transcript entries are in the DOM.
    rendered: usize,
    cards: Vec<CardRefs>,
    /// The outbox as last drawn (client ids), to redraw pending bubbles only when it changes.
    pending_drawn: Vec<String>,
    lang: Option<Lang>,
    /// Element ids inside the shadow root are unique thanks to this counter.
    next_id: u32,
}

impl View {
    /// Takes over the shadow root: clears what the loader drew and builds the frame.
    pub fn build(root: &ShadowRoot) -> Res<View> {
        let doc = crate::dom::document()?;
        root.set_text_content(None);
        let style = el(&doc, "style", "", None)?;
        style.set_text_content(Some(CSS));
        root.append_child(&style)?;
        let wrap = hel(&doc, "div", "pw right", None)?;
        root.append_child(&wrap)?;

        let panel = hel(&doc, "section", "pn", Some(&wrap))?;
        panel.set_id("parlor-panel");
        panel.set_hidden(true);
        panel.set_attribute("role", "dialog")?;
        panel.set_attribute("aria-labelledby", "parlor-title")?;
        let head = el(&doc, "header", "hd", Some(&panel))?;
        let avatar: HtmlImageElement = el(&doc, "img", "", Some(&head))?
            .dyn_into()
            .map_err(|_| WidgetError::Missing("img"))?;
        avatar.set_hidden(true);
        let titles = el(&doc, "div", "tb", Some(&head))?;
        let title = el(&doc, "h2", "tt", Some(&titles))?;
        title.set_id("parlor-title");
        let reply_time = hel(&doc, "p", "rt", Some(&titles))?;
        reply_time.set_hidden(true);
        let close = button(&doc, "x", "×", "close", &head)?;

        let status = hel(&doc, "div", "st", Some(&panel))?;
        status.set_attribute("role", "status")?;
        status.set_hidden(true);
        let log = hel(&doc, "div", "lg", Some(&panel))?;
        let message = hel(&doc, "div", "ms", Some(&log))?;
        message.set_hidden(true);
        let message_text = el(&doc, "p", "", Some(&message))?;
        let retry = button(&doc, "pr", "", "retry", &message)?;
        let items = el(&doc, "div", "it", Some(&log))?;
        let pending = el(&doc, "div", "it", Some(&log))?;
        let waiting = hel(&doc, "div", "wt", Some(&log))?;
        waiting.set_hidden(true);
        el(&doc, "span", "sp", Some(&waiting))?.set_attribute("aria-hidden", "true")?;
        let waiting_text = el(&doc, "span", "", Some(&waiting))?;
        let typing = hel(&doc, "div", "ty", Some(&log))?;
        typing.set_hidden(true);
        let live = el(&doc, "div", "sr", Some(&panel))?;
        live.set_attribute("aria-live", "polite")?;

        let foot = el(&doc, "div", "ft", Some(&panel))?;
        let composer = hel(&doc, "div", "cp", Some(&foot))?;
        composer.set_hidden(true);
        let textarea: HtmlTextAreaElement = el(&doc, "textarea", "", Some(&composer))?
            .dyn_into()
            .map_err(|_| WidgetError::Missing("textarea"))?;
        textarea.set_rows(1);
        textarea.set_attribute("data-act", "draft")?;
        let send = button(&doc, "pr", "", "send", &composer)?;
        let end = button(&doc, "lk", "", "end", &foot)?;
        end.set_hidden(true);
        let restart = button(&doc, "lk", "", "restart", &foot)?;
        restart.set_hidden(true);

        let launcher = button(&doc, "ln", "", "toggle", &wrap)?;
        launcher.set_attribute("aria-controls", "parlor-panel")?;
        let svg = doc.create_element_ns(Some("http://www.w3.org/2000/svg"), "svg")?;
        svg.set_attribute("viewBox", "0 0 24 24")?;
        svg.set_attribute("aria-hidden", "true")?;
        let path = doc.create_element_ns(Some("http://www.w3.org/2000/svg"), "path")?;
        path.set_attribute("d", LAUNCHER_ICON)?;
        svg.append_child(&path)?;
        launcher.append_child(&svg)?;

        Ok(View {
            doc,
            wrap,
            panel,
            launcher,
            title,
            reply_time,
            avatar,
            close,
            status,
            log,
            items,
            pending,
            waiting,
            waiting_text,
            typing,
            message,
            message_text,
            retry,
            live,
            composer,
            textarea,
            send,
            end,
            restart,
            rendered: 0,
            cards: Vec::new(),
            pending_drawn: Vec::new(),
            lang: None,
            next_id: 0,
        })
    }

    pub fn render(&mut self, m: &Model) -> Res<()> {
        let s = m.lang.strings();
        if self.lang != Some(m.lang) {
            self.lang = Some(m.lang);
            set_attr(&self.close, "aria-label", s.close_chat);
            set_attr(&self.textarea, "aria-label", s.message_label);
            set_attr(&self.textarea, "placeholder", s.message_label);
            set_text(&self.send, s.send);
            set_text(&self.end, s.end_chat);
            set_text(&self.restart, s.restart);
            set_text(&self.retry, s.retry);
            set_text(&self.waiting_text, s.connecting_agent);
            set_attr(
                &self.panel,
                "lang",
                if m.lang == Lang::Fr { "fr" } else { "en" },
            );
        }

        // Frame: theme, position, open state.
        let mut class = String::from(if m.position == Position::Left {
            "pw left"
        } else {
            "pw right"
        });
        if m.open {
            class.push_str(" op");
        }
        set_attr(&self.wrap, "class", &class);
        if let Some(rgb) = m.color.as_deref().and_then(valid_color) {
            let st = self.wrap.style();
            st.set_property("--pa", m.color.as_deref().unwrap_or_default())?;
            st.set_property("--pf", text_on(rgb))?;
        }
        show(&self.panel, m.open);
        set_attr(
            &self.launcher,
            "aria-expanded",
            if m.open { "true" } else { "false" },
        );
        set_attr(
            &self.launcher,
            "aria-label",
            if m.open { s.close_chat } else { s.open_chat },
        );

        // Header: the agent once one joined.
        match &m.agent {
            Some(a) => {
                set_text(&self.title, &a.name);
                match a.avatar_url.as_deref().filter(|u| is_safe_link(u)) {
                    Some(url) => {
                        set_attr(&self.avatar, "src", url);
                        set_attr(&self.avatar, "alt", &a.name);
                        show(&self.avatar, true);
                    }
                    None => show(&self.avatar, false),
                }
            }
            None => {
                set_text(&self.title, s.title);
                show(&self.avatar, false);
            }
        }
        let reply_time = match (m.agent.is_some(), m.can_chat) {
            (false, Some(true)) => Some(s.replies_soon),
            (false, Some(false)) => Some(s.away),
            _ => None,
        };
        set_text(&self.reply_time, reply_time.unwrap_or(""));
        show(&self.reply_time, reply_time.is_some());

        // Status line: reconnecting, else a notice.
        let status = if matches!(m.chat.link(), Link::Waiting { .. }) {
            Some(s.reconnecting)
        } else {
            m.notice.as_deref()
        };
        set_text(&self.status, status.unwrap_or(""));
        show(&self.status, status.is_some());

        // Panel-wide message (loading, unavailable, failed).
        let (msg, retry) = match m.phase {
            Phase::Starting | Phase::Idle if m.entries.is_empty() => (Some(s.loading), false),
            Phase::Ready if m.entries.is_empty() && !m.chat.is_open() => (Some(s.loading), false),
            Phase::Unavailable => (Some(s.unavailable), false),
            Phase::Failed { rate_limited } => (
                Some(if rate_limited {
                    s.rate_limited
                } else {
                    s.failed
                }),
                true,
            ),
            _ => (None, false),
        };
        set_text(&self.message_text, msg.unwrap_or(""));
        show(&self.message, msg.is_some());
        show(&self.retry, retry);

        // Transcript: append what is new, then patch the cards.
        if self.rendered > m.entries.len() {
            self.items.set_text_content(None);
            self.cards.clear();
            self.rendered = 0;
        }
        let appended =
            self.rendered < m.entries.len() || self.pending_drawn.len() != m.chat.pending().len();
        for entry in &m.entries[self.rendered..] {
            if let Some(refs) = cards::entry(&self.doc, &self.items, entry, m, &mut self.next_id)? {
                self.cards.push(refs);
            }
        }
        self.rendered = m.entries.len();
        for c in &self.cards {
            c.sync(m);
        }
        self.render_pending(m)?;

        show(&self.waiting, m.waiting && !m.closed);
        // One status line under the chat: the agent reconnecting, else typing.
        let away = m.agent_away && m.can_chat();
        let typing = (away || m.agent_typing) && m.can_chat();
        if typing {
            let mut t = m
                .agent
                .as_ref()
                .map(|a| a.name.clone())
                .unwrap_or_else(|| s.agent.into());
            t.push(' ');
            t.push_str(if away {
                s.agent_reconnecting
            } else {
                s.agent_typing
            });
            set_text(&self.typing, &t);
        }
        show(&self.typing, typing);

        show(&self.composer, m.can_chat());
        show(&self.end, m.live());
        show(&self.restart, m.closed && m.phase == Phase::Ready);
        if appended || typing {
            self.log.set_scroll_top(self.log.scroll_height());
        }
        Ok(())
    }

    fn render_pending(&mut self, m: &Model) -> Res<()> {
        let ids: Vec<String> = m
            .chat
            .pending()
            .iter()
            .map(|o| o.client_id.clone())
            .collect();
        if ids == self.pending_drawn {
            return Ok(());
        }
        self.pending.set_text_content(None);
        for o in m.chat.pending() {
            cards::pending(&self.doc, &self.pending, &o.text, m.lang.strings().sending)?;
        }
        self.pending_drawn = ids;
        Ok(())
    }

    /// Moves keyboard focus (after a render, so the target exists).
    pub fn focus(&self, m: &Model, f: &Focus) {
        let target: Option<HtmlElement> = match f {
            Focus::Launcher => Some(self.launcher.clone()),
            Focus::Composer => Some(self.textarea.clone().unchecked_into()),
            Focus::Card(id) => self
                .cards
                .iter()
                .find(|c| &c.id == id)
                .and_then(CardRefs::first_control),
            Focus::Field(card, key) => self
                .cards
                .iter()
                .find(|c| &c.id == card)
                .and_then(|c| c.field(key)),
            Focus::Panel => {
                if !self.retry.hidden() {
                    Some(self.retry.clone())
                } else if let Some(c) = m
                    .open_card()
                    .and_then(|id| self.cards.iter().find(|c| &c.id == id))
                {
                    c.first_control()
                } else if m.can_chat() {
                    Some(self.textarea.clone().unchecked_into())
                } else {
                    Some(self.close.clone())
                }
            }
        };
        if let Some(t) = target {
            let _ = t.focus();
        }
    }

    /// Announces `s` through the polite live region.
    pub fn announce(&self, s: &str) {
        self.live.set_text_content(Some(s));
    }

    pub fn composer_text(&self) -> String {
        self.textarea.value()
    }

    pub fn clear_composer(&self) {
        self.textarea.set_value("");
    }
}
