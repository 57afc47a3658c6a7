//! `view(model)`: keeps the shadow root's DOM in step with the model.
//!
//! The frame (header, log, composer) is built once. Transcript entries are append-only, so each
//! is rendered once, keyed by its position; the few things that change afterwards (disabled
//! buttons, form errors, status lines) are patched from the model on every render.

mod cards;

use parlor_core::client::Link;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, HtmlImageElement, HtmlTextAreaElement, ShadowRoot};

use crate::dom::{set_attr, set_text, show, Res};
use crate::error::WidgetError;
use crate::i18n::Lang;
use crate::model::{Focus, Model, Phase, Position};
use crate::style::css;
use crate::text::{picture_src, text_on, valid_color};

pub use cards::CardRefs;

/// How many elements of FRAME are marked `data-r`: counted when compiling, so adding one to
/// the template cannot leave this behind.
const FRAME_REFS: u32 = count_refs(FRAME.as_bytes());

const fn count_refs(html: &[u8]) -> u32 {
    let mut n = 0;
    let mut i = 0;
    while i + 7 <= html.len() {
        if html[i] == b' '
            && html[i + 1] == b'd'
            && html[i + 2] == b'a'
            && html[i + 3] == b't'
            && html[i + 4] == b'a'
            && html[i + 5] == b'-'
            && html[i + 6] == b'r'
            && (i + 7 == html.len() || html[i + 7] == b' ' || html[i + 7] == b'>')
        {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The frame: header, log, composer and launcher. Every element `View` keeps is marked
/// `data-r`, in the order of `View::build`'s fields; text comes later, from `render`.
const FRAME: &str = concat!(
    "<style>",
    css!(),
    "</style>",
    r#"<div data-r class="pw right">"#,
    r#"<section data-r class="pn" id="parlor-panel" hidden role="dialog" aria-labelledby="parlor-title">"#,
    r#"<header class="hd"><img data-r hidden><div class="tb"><h2 data-r class="tt" id="parlor-title"></h2>"#,
    r#"<p data-r class="rt" hidden></p></div>"#,
    r#"<button data-r class="x" type="button" data-act="close">×</button></header>"#,
    r#"<div data-r class="st" role="status" hidden></div>"#,
    r#"<div data-r class="lg"><div data-r class="ms" hidden><p data-r></p>"#,
    r#"<button data-r class="pr" type="button" data-act="retry"></button></div>"#,
    r#"<div data-r class="it"></div><div data-r class="it"></div>"#,
    r#"<div data-r class="wt" hidden><span class="sp" aria-hidden="true"></span><span data-r></span> <span data-r></span></div>"#,
    r#"<div data-r class="ty" hidden></div></div>"#,
    r#"<div data-r class="sr" aria-live="polite"></div>"#,
    r#"<div class="ft"><div data-r class="cp" hidden><textarea data-r rows="1" data-act="draft"></textarea>"#,
    r#"<button data-r class="pr" type="button" data-act="send"></button></div>"#,
    r#"<button data-r class="lk" type="button" data-act="end" hidden></button>"#,
    r#"<button data-r class="lk" type="button" data-act="restart" hidden></button></div></section>"#,
    r#"<button data-r class="ln" type="button" data-act="toggle" aria-controls="parlor-panel">"#,
    r#"<svg viewBox="0 0 24 24" aria-hidden="true">"#,
    r#"<path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>"#,
    r#"<span data-r class="ub" hidden></span></button></div>"#,
);

pub struct View {
    doc: Document,
    /// The Parlor host, for agents' pictures stored there (`picture_src`).
    base: String,
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
    /// The time waited, beside it.
    waited: Element,
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
    /// The launcher's count of agent messages the visitor has not seen.
    badge: HtmlElement,
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
    /// Takes over the shadow root: replaces what the loader drew with the frame.
    pub fn build(root: &ShadowRoot, base: &str) -> Res<View> {
        let doc = crate::dom::document()?;
        // A constant with no data in it, so HTML is safe here; it costs far less wasm than
        // building the same ~25 elements call by call.
        root.set_inner_html(FRAME);
        let refs = crate::dom::all(root, "[data-r]");
        if refs.length() != FRAME_REFS {
            return Err(WidgetError::Missing("frame"));
        }
        // Checked once above, so no field can fail: a `?` per field would make the compiler
        // emit the drops of every element taken before it (300 calls).
        let mut i = 0;
        let mut next = || {
            i += 1;
            refs.get(i - 1).map(JsValue::from).unwrap_or_default()
        };
        // In document order (see FRAME).
        Ok(View {
            wrap: next().unchecked_into(),
            panel: next().unchecked_into(),
            avatar: next().unchecked_into(),
            title: next().unchecked_into(),
            reply_time: next().unchecked_into(),
            close: next().unchecked_into(),
            status: next().unchecked_into(),
            log: next().unchecked_into(),
            message: next().unchecked_into(),
            message_text: next().unchecked_into(),
            retry: next().unchecked_into(),
            items: next().unchecked_into(),
            pending: next().unchecked_into(),
            waiting: next().unchecked_into(),
            waiting_text: next().unchecked_into(),
            waited: next().unchecked_into(),
            typing: next().unchecked_into(),
            live: next().unchecked_into(),
            composer: next().unchecked_into(),
            textarea: next().unchecked_into(),
            send: next().unchecked_into(),
            end: next().unchecked_into(),
            restart: next().unchecked_into(),
            launcher: next().unchecked_into(),
            badge: next().unchecked_into(),
            doc,
            rendered: 0,
            cards: Vec::new(),
            pending_drawn: Vec::new(),
            lang: None,
            next_id: 0,
            base: base.to_owned(),
        })
    }

    /// Theme, side and open state. Also run right after `build`, before the first render (a
    /// task later), so the launcher stays where and as the loader drew it.
    pub fn frame(&self, m: &Model) {
        let mut class = String::from(if m.position == Position::Left {
            "pw left"
        } else {
            "pw right"
        });
        if m.open {
            class.push_str(" op");
        }
        set_attr(&self.wrap, "class", &class);
        if let Some(color) = m.color.as_deref() {
            if let Some(rgb) = valid_color(color) {
                // The two custom properties as the inline style (a checked colour: nothing
                // else can get in), through the one setAttribute binding.
                let mut st = String::from("--pa:");
                st.push_str(color);
                st.push_str(";--pf:");
                st.push_str(text_on(rgb));
                set_attr(&self.wrap, "style", &st);
            }
        }
    }

    /// The launcher's badge while agent messages wait unread. (The page's title is the
    /// loader's: it also counts what arrives while the tab is hidden, and blinks.)
    fn unread(&mut self, n: u32) {
        let shown = !crate::dom::hidden(&self.badge);
        if n == 0 && !shown {
            return;
        }
        show(&self.badge, n > 0);
        // One digit or "9+": no integer formatting code in the bundle.
        let count = if n > 9 {
            String::from("9+")
        } else {
            char::from(b'0' + n as u8).to_string()
        };
        set_text(&self.badge, &count);
    }

    pub fn render(&mut self, m: &Model) {
        let s = m.lang.strings();
        if self.lang != Some(m.lang) {
            self.lang = Some(m.lang);
            set_attr(&self.close, "aria-label", s.close_chat);
            set_attr(&self.textarea, "aria-label", s.message_label);
            set_text(&self.waiting_text, s.connecting_agent);
            set_attr(&self.textarea, "placeholder", s.message_label);
            set_text(&self.send, s.send);
            set_text(&self.end, s.end_chat);
            set_text(&self.restart, s.restart);
            set_text(&self.retry, s.retry);
            set_attr(
                &self.panel,
                "lang",
                if m.lang == Lang::Fr { "fr" } else { "en" },
            );
        }

        self.frame(m);
        self.unread(m.unread);
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
                match a
                    .avatar_url
                    .as_deref()
                    .and_then(|u| picture_src(&self.base, u))
                {
                    Some(url) => {
                        set_attr(&self.avatar, "src", &url);
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
            Phase::Starting | Phase::Retrying | Phase::Idle if m.entries.is_empty() => {
                (Some(s.loading), false)
            }
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
            if let Some(refs) = cards::entry(
                &self.doc,
                &self.items,
                entry,
                m,
                &self.base,
                &mut self.next_id,
            ) {
                self.cards.push(refs);
            }
        }
        self.rendered = m.entries.len();
        for c in &self.cards {
            c.sync(m);
        }
        self.render_pending(m);

        show(&self.waiting, m.waiting && !m.closed);
        if let Some(since) = m.waiting_since {
            set_text(
                &self.waited,
                &crate::text::elapsed(m.now.0.saturating_sub(since.0)),
            );
        }
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

        // Open while waiting too: what the visitor writes goes to whoever accepts.
        show(&self.composer, m.live());
        show(&self.end, m.live());
        show(&self.restart, m.closed && m.phase == Phase::Ready);
        if appended || typing {
            self.log.set_scroll_top(self.log.scroll_height());
        }
    }

    fn render_pending(&mut self, m: &Model) {
        let ids: Vec<String> = m
            .chat
            .pending()
            .iter()
            .map(|o| o.client_id.clone())
            .collect();
        if ids == self.pending_drawn {
            return;
        }
        self.pending.set_text_content(None);
        for o in m.chat.pending() {
            cards::pending(&self.doc, &self.pending, &o.text, m.lang.strings().sending);
        }
        self.pending_drawn = ids;
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
                if !crate::dom::hidden(&self.retry) {
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
            crate::dom::focus(&t);
        }
    }

    /// Announces `s` through the polite live region.
    pub fn announce(&self, s: &str) {
        self.live.set_text_content(Some(s));
    }

    pub fn composer_text(&self) -> String {
        crate::wire::field(&self.textarea, "value").unwrap_or_default()
    }

    pub fn clear_composer(&self) {
        crate::dom::set_value(&self.textarea, "");
    }
}

#[cfg(test)]
mod frame_tests {
    #[test]
    fn the_frame_names_each_element_view_keeps() {
        // 25 fields of `View` are read from the frame, in order.
        assert_eq!(super::FRAME_REFS, 25);
        assert_eq!(
            super::count_refs(b"<p data-r><b data-role></b><i data-r class=x>"),
            2
        );
    }
}
