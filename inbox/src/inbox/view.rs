//! Keeps the inbox DOM in step with the model. Regions are redrawn only when their revision
//! changed; the composer is built once so typing is never interrupted.

use std::collections::BTreeMap;

use parlor_core::protocol::{Presence, TranscriptEvent};
use web_sys::Element;

use super::model::{list_sub, visitor_line, visitor_name, Conn, Model, Revs};
use crate::dom::{self, button, clear, el, set_text, show, text_el, Res, SetAttr};
use crate::fmt::{clock, entry_line, field_label};

pub struct View {
    signin: Element,
    signin_error: Element,
    signin_button: Element,
    shell: Element,
    who: Element,
    avatar: Element,
    profile: Element,
    presence: [Element; 2],
    conn: Element,
    notif: Element,
    notif_text: Element,
    notif_button: Element,
    hint: Element,
    hint_text: Element,
    offers: Element,
    note: Element,
    cap: Element,
    list: Element,
    pane_title: Element,
    pane_status: Element,
    end: Element,
    transfer_button: Element,
    transfer: Element,
    transcript: Element,
    typing: Element,
    composer: Element,
    composer_form: Element,
    note_toggle: Element,
    send: Element,
    empty: Element,
    details: Element,
    canned: super::canned_view::Parts,
    countdowns: BTreeMap<u64, Element>,
    /// (conversation, entries drawn) of the transcript on screen.
    shown: Option<(String, usize)>,
    /// [`Model::list_print`] of the chat list on screen (drawn again only when it changes); 0
    /// before the first drawing (an empty list's print is FNV's non-zero offset basis).
    list_print: u64,
    revs: Option<Revs>,
}

impl View {
    pub fn build(root: &Element) -> Res<View> {
        clear(root);
        let app = el("div", "app", root);
        // Sign-in.
        let signin = el("form", "signin card", &app);
        signin.set_attr("data-form", "signin");
        signin.set_attr("aria-labelledby", "signin-title");
        let h = text_el("h1", "", "Sign in to the Parlor inbox", &signin);
        h.set_attr("id", "signin-title");
        let ws = dom::field("Workspace", "input", "workspace", "", &signin);
        ws.set_attr("autocomplete", "organization");
        ws.set_attr("required", "");
        let email = dom::field("Email", "input", "email", "", &signin);
        email.set_attr("type", "email");
        email.set_attr("autocomplete", "username");
        email.set_attr("required", "");
        let pw = dom::field("Password", "input", "password", "", &signin);
        pw.set_attr("type", "password");
        pw.set_attr("autocomplete", "current-password");
        pw.set_attr("required", "");
        let signin_error = el("p", "error", &signin);
        signin_error.set_attr("role", "alert");
        let signin_button = text_el("button", "primary", "Sign in", &signin);
        signin_button.set_attr("type", "submit");

        // Signed in.
        let shell = el("div", "shell", &app);
        let top = el("header", "topbar", &shell);
        text_el("strong", "brand", "Parlor inbox", &top);
        let avatar = el("span", "avatar", &top);
        avatar.set_attr("aria-hidden", "true");
        let who = el("span", "who", &top);
        button("ghost", "Profile", "profile", &top).set_attr("aria-haspopup", "dialog");
        let group = el("div", "presence", &top);
        group.set_attr("role", "group");
        group.set_attr("aria-label", "Your presence");
        let avail = button("seg", "Available", "presence", &group);
        avail.set_attr("data-value", "available");
        let away = button("seg", "Away", "presence", &group);
        away.set_attr("data-value", "away");
        let conn = el("span", "conn", &top);
        conn.set_attr("role", "status");
        button("ghost", "Sign out", "signout", &top);

        let profile = el("div", "profile", &shell);
        profile.set_attr("role", "dialog");
        profile.set_attr("aria-labelledby", "profile-title");
        let notif = el("div", "banner notif", &shell);
        notif.set_attr("role", "region");
        notif.set_attr("aria-label", "Browser notifications");
        let notif_text = el("span", "", &notif);
        let notif_button = button("primary", "Enable", "enable-notifications", &notif);
        let hint = el("div", "banner hint", &shell);
        hint.set_attr("role", "note");
        let hint_text = el("span", "", &hint);
        button("", "Got it", "dismiss-tip", &hint);
        let offers = el("div", "offers", &shell);
        offers.set_attr("aria-live", "assertive");
        let note = el("div", "note", &shell);
        note.set_attr("role", "status");

        let layout = el("div", "layout", &shell);
        let nav = el("nav", "chatlist", &layout);
        nav.set_attr("aria-label", "Live chats");
        let head = el("div", "list-head", &nav);
        text_el("h2", "", "Live chats", &head);
        let cap = el("span", "cap", &head);
        cap.set_attr("data-testid", "capacity");
        cap.set_attr("title", "Live chats you hold / your capacity");
        let list = el("ul", "chats", &nav);

        let pane = el("section", "pane", &layout);
        pane.set_attr("aria-label", "Chat");
        let ph = el("header", "pane-head", &pane);
        let pane_title = el("h2", "", &ph);
        let pane_status = el("span", "pane-status", &ph);
        let transfer_button = button("ghost", "Transfer", "transfer", &ph);
        transfer_button.set_attr("aria-haspopup", "dialog");
        let end = button("danger", "End chat", "end", &ph);
        let transfer = el("div", "transfer", &pane);
        transfer.set_attr("role", "dialog");
        transfer.set_attr("aria-labelledby", "transfer-title");
        let empty = text_el(
            "p",
            "empty",
            "No live chat open. Accepted chats appear on the left; new offers appear at the top of the page.",
            &pane,
        );
        let transcript = el("ol", "transcript", &pane);
        transcript.set_attr("aria-label", "Transcript");
        transcript.set_attr("aria-live", "polite");
        let typing = text_el("p", "typing", "The visitor is typing…", &pane);
        let composer_form = el("form", "composer", &pane);
        composer_form.set_attr("data-form", "say");
        let composer = dom::field(
            "Message (Enter sends, Shift+Enter for a new line)",
            "textarea",
            "message",
            "",
            &composer_form,
        );
        composer.set_attr("id", "composer");
        composer.set_attr("rows", "2");
        composer.set_attr("maxlength", "4000");
        // Note mode: what is written goes to the team only (an internal note).
        let note_toggle = button("note-toggle", "Note", "note-mode", &composer_form);
        note_toggle.set_attr("aria-pressed", "false");
        note_toggle.set_attr("title", "Write an internal note: only your team sees it");
        let send = text_el("button", "primary", "Send", &composer_form);
        send.set_attr("type", "submit");
        let details = el("aside", "details", &layout);
        details.set_attr("aria-label", "Visitor details");
        let canned = super::canned_view::Parts::build(&top, &composer_form, &composer);

        Ok(View {
            signin,
            signin_error,
            signin_button,
            shell,
            who,
            avatar,
            profile,
            presence: [avail, away],
            conn,
            notif,
            notif_text,
            notif_button,
            hint,
            hint_text,
            offers,
            note,
            cap,
            list,
            pane_title,
            pane_status,
            end,
            transfer_button,
            transfer,
            transcript,
            typing,
            composer,
            composer_form,
            note_toggle,
            send,
            empty,
            details,
            canned,
            countdowns: BTreeMap::new(),
            shown: None,
            list_print: 0,
            revs: None,
        })
    }

    pub fn composer(&self) -> &Element {
        &self.composer
    }

    pub fn render(&mut self, m: &Model) -> Res<()> {
        let old = self.revs.unwrap_or(Revs {
            top: u32::MAX,
            offers: u32::MAX,
            list: u32::MAX,
            chat: u32::MAX,
        });
        if old.top != m.revs.top {
            self.render_top(m)?;
        }
        if old.offers != m.revs.offers {
            self.render_offers(m);
        }
        self.tick(m);
        if old.list != m.revs.list {
            self.render_list(m);
        }
        if old.chat != m.revs.chat {
            self.render_chat(m);
        }
        self.canned.render(m, &self.composer);
        self.revs = Some(m.revs);
        Ok(())
    }

    fn render_top(&self, m: &Model) -> Res<()> {
        let signed_in = m.session.is_some();
        show(&self.signin, !signed_in);
        show(&self.shell, signed_in);
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
        let name = s.agent.as_ref().map(|a| a.name.as_str()).unwrap_or("Admin");
        set_text(&self.who, &format!("{name} · {}", s.workspace));
        let picture = s.agent.as_ref().and_then(|a| a.avatar_url.as_deref());
        draw_avatar(&self.avatar, name, picture)?;
        self.render_profile(m, name, picture)?;
        for (b, p) in self
            .presence
            .iter()
            .zip([Presence::Available, Presence::Away])
        {
            b.set_attr(
                "aria-pressed",
                if m.presence == p { "true" } else { "false" },
            );
        }
        let (conn, class) = match m.conn {
            Conn::Online if m.presence == Presence::Available => {
                ("Online — receiving chats", "conn on")
            }
            Conn::Online => ("Away — not receiving new chats", "conn away"),
            Conn::Connecting => ("Connecting…", "conn off"),
            Conn::Offline => ("Offline — reconnecting…", "conn off"),
        };
        set_text(&self.conn, conn);
        self.conn.set_class_name(class);
        let (text, button) = match m.permission.as_str() {
            "granted" => ("", false),
            "denied" => ("Notifications are blocked for this site. Allow them in your browser's site settings to be told about new chats.", false),
            "unsupported" => ("This browser cannot show notifications. Keep this tab open: you will hear a sound for each new chat.", false),
            _ => ("Please enable browser notifications to receive live chat notifications.", true),
        };
        set_text(&self.notif_text, text);
        show(&self.notif, !text.is_empty());
        show(&self.notif_button, button);
        let tip = m.notification_tip();
        set_text(&self.hint_text, tip.map(|t| t.text()).unwrap_or_default());
        show(&self.hint, tip.is_some());
        Ok(())
    }

    fn render_offers(&mut self, m: &Model) {
        clear(&self.offers);
        self.countdowns.clear();
        for o in &m.offers {
            let b = el("div", "banner offer", &self.offers);
            let title_id = format!("offer-{}-title", o.offer);
            b.set_attr("role", "alertdialog");
            b.set_attr("aria-labelledby", &title_id);
            b.set_attr("data-offer", &o.offer.to_string());
            let info = el("div", "offer-info", &b);
            let title = match &o.transfer_from {
                Some(from) => format!("{from} transfers a live chat to you"),
                None => "New live chat".into(),
            };
            let t = text_el("strong", "offer-title", &title, &info);
            t.set_attr("id", &title_id);
            text_el("span", "offer-visitor", &visitor_line(&o.visitor), &info);
            if !o.page_url.is_empty() {
                text_el("span", "offer-page", &format!("on {}", o.page_url), &info);
            }
            let cd = el("span", "countdown", &b);
            cd.set_attr("aria-live", "off");
            self.countdowns.insert(o.offer, cd);
            let busy = m.answering.contains(&o.offer);
            let acc = button("accept", "Accept", "accept", &b);
            acc.set_attr("data-offer", &o.offer.to_string());
            let dec = button("decline", "Decline", "decline", &b);
            dec.set_attr("data-offer", &o.offer.to_string());
            if busy {
                acc.set_attr("disabled", "");
                dec.set_attr("disabled", "");
            }
        }
        set_text(&self.note, m.note.as_deref().unwrap_or(""));
        show(&self.note, m.note.is_some());
        if m.note.is_some() {
            button("link", "Dismiss", "dismiss-note", &self.note);
        }
    }

    /// Updates the countdowns in place (every second).
    pub fn tick(&self, m: &Model) {
        for o in &m.offers {
            if let Some(cd) = self.countdowns.get(&o.offer) {
                let left = o.deadline.0.saturating_sub(m.now).div_ceil(1000);
                set_text(cd, &format!("{left} s left to accept"));
            }
        }
    }

    fn render_list(&mut self, m: &Model) {
        set_text(&self.cap, &format!("{} / {}", m.live_count(), m.capacity));
        let print = m.list_print();
        if self.list_print == print {
            return;
        }
        self.list_print = print;
        clear(&self.list);
        if m.chats.is_empty() {
            text_el("li", "muted", "No live chats yet.", &self.list);
        }
        for c in &m.chats {
            let li = el("li", "", &self.list);
            let mut class = String::from("chat-item");
            if c.closed.is_some() {
                class.push_str(" closed");
            }
            if m.active.as_deref() == Some(c.id()) {
                class.push_str(" active");
            }
            li.set_class_name(&class);
            let b = button("chat-open", "", "select", &li);
            b.set_attr("data-chat", c.id());
            if m.active.as_deref() == Some(c.id()) {
                b.set_attr("aria-current", "true");
            }
            let name = visitor_name(&c.summary.visitor);
            text_el("span", "chat-name", &name, &b);
            text_el("span", "chat-last", list_sub(c), &b);
            if c.unread > 0 {
                let n = c.unread.to_string();
                let u = text_el("span", "unread", &n, &b);
                u.set_attr("aria-label", &(n + " unread"));
            }
            if c.closed.is_some() {
                let d = button("link", "Dismiss", "dismiss", &li);
                d.set_attr("data-chat", c.id());
                d.set_attr("aria-label", &format!("Dismiss chat with {name}"));
            }
        }
    }

    fn render_chat(&mut self, m: &Model) {
        let chat = m.active_chat();
        show(&self.empty, chat.is_none());
        show(&self.transcript, chat.is_some());
        show(
            &self.composer_form,
            chat.is_some_and(|c| c.closed.is_none()),
        );
        show(&self.end, chat.is_some_and(|c| c.closed.is_none()));
        show(
            &self.transfer_button,
            chat.is_some_and(|c| c.closed.is_none() && c.transfer.is_none()),
        );
        self.render_transfer(m);
        show(&self.typing, chat.is_some_and(|c| c.visitor_typing));
        let noting = m.note_mode;
        self.composer_form.set_class_name(if noting {
            "composer noting"
        } else {
            "composer"
        });
        self.note_toggle
            .set_attr("aria-pressed", if noting { "true" } else { "false" });
        self.composer.set_attr(
            "placeholder",
            if noting {
                "Internal note: only your team sees this"
            } else {
                ""
            },
        );
        set_text(&self.send, if noting { "Add note" } else { "Send" });
        let Some(c) = chat else {
            set_text(&self.pane_title, "");
            set_text(&self.pane_status, "");
            clear(&self.details);
            self.shown = None;
            return;
        };
        set_text(&self.pane_title, &visitor_name(&c.summary.visitor));
        let status = match (&c.closed, &c.transfer, c.visitor_gone) {
            (Some(closed), _, _) => closed.as_str(),
            (None, Some(t), _) => t.as_str(),
            (None, None, true) => "Live — the visitor left the page",
            (None, None, false) => "Live",
        };
        set_text(&self.pane_status, status);
        let from = match &self.shown {
            // Unsent messages close the transcript: with any, it is drawn anew under them.
            Some((id, n)) if id == c.id() && *n <= c.entries.len() && c.unsent.is_empty() => *n,
            _ => {
                clear(&self.transcript);
                0
            }
        };
        // An agent's message is signed with the name of the agent who held the chat then (a
        // transferred chat has had more than one).
        let mut agent = c.entries[..from].iter().rev().find_map(joined_name);
        for e in &c.entries[from..] {
            let (class, mut who, text) = entry_line(&e.event);
            if let Some(name) = joined_name(e) {
                agent = Some(name);
            }
            if class == "msg-agent" {
                if let Some(name) = agent {
                    who = name.to_owned();
                }
            }
            let li = el("li", class, &self.transcript);
            li.set_attr("data-seq", &e.seq.to_string());
            if class.starts_with("msg") || class == "bot" || class == "note" {
                let meta = el("span", "meta", &li);
                text_el("span", "from", &who, &meta);
                let t = text_el("time", "", &clock(e.at.0), &meta);
                t.set_attr("datetime", &crate::fmt::iso(e.at.0));
            }
            text_el("span", "text", &text, &li);
        }
        for line in &c.unsent {
            let li = el("li", "event", &self.transcript);
            text_el("span", "text", line, &li);
        }
        self.shown = Some((c.id().to_owned(), c.entries.len()));
        if let Some(h) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&self.transcript) {
            self.transcript.set_scroll_top(h.scroll_height());
        }
        self.render_details(m);
    }

    /// The Profile panel: the name and picture visitors see in the chats accepted from now on.
    /// Built once per opening, so a chosen file and a typed name survive the redraws.
    fn render_profile(&self, m: &Model, name: &str, picture: Option<&str>) -> Res<()> {
        show(&self.profile, m.profile.is_some());
        let Some(form) = &m.profile else {
            clear(&self.profile);
            return Ok(());
        };
        if self.profile.first_child().is_none() {
            let h = text_el("h2", "", "Your profile", &self.profile);
            h.set_attr("id", "profile-title");
            text_el(
                "p",
                "hint",
                "Visitors see your name and picture in the chats you accept from now on.",
                &self.profile,
            );
            el("span", "avatar big", &self.profile);
            let input = dom::field("Name", "input", "profile-name", name, &self.profile);
            input.set_attr("maxlength", "100");
            button("primary", "Save name", "profile-name", &self.profile);
            let file = dom::field(
                "Picture (PNG, JPEG or WebP, up to 1 MB)",
                "input",
                "picture",
                "",
                &self.profile,
            );
            file.set_attr("type", "file");
            file.set_attr("accept", "image/png,image/jpeg,image/webp");
            button("primary", "Upload picture", "profile-upload", &self.profile);
            button("ghost", "Remove picture", "profile-remove", &self.profile);
            el("p", "status", &self.profile).set_attr("role", "status");
            button("ghost", "Close", "profile-close", &self.profile);
        }
        let find = |sel: &str| self.profile.query_selector(sel).ok().flatten();
        if let Some(big) = find(".avatar.big") {
            draw_avatar(&big, name, picture)?;
        }
        if let Some(remove) = find("[data-act=profile-remove]") {
            show(&remove, picture.is_some());
        }
        if let Some(status) = find(".status") {
            let words = match (&form.error, form.busy, form.saved) {
                (Some(e), _, _) => e.as_str(),
                (None, true, _) => "Saving…",
                (None, false, true) => "Saved.",
                _ => "",
            };
            set_text(&status, words);
        }
        Ok(())
    }

    /// The file chosen in the Profile panel, if any (a `File`).
    pub fn chosen_picture(&self) -> Option<wasm_bindgen::JsValue> {
        let input = self.profile.query_selector("input[name=picture]").ok()??;
        let files = js_sys::Reflect::get(&input, &"files".into()).ok()?;
        let file = js_sys::Reflect::get(&files, &"0".into()).ok()?;
        (!file.is_undefined() && !file.is_null()).then_some(file)
    }

    /// The Transfer dialog: colleagues and teams, those who cannot take a chat now greyed
    /// with the reason, an optional note for the colleague.
    fn render_transfer(&self, m: &Model) {
        clear(&self.transfer);
        let pick = m
            .transfer
            .as_ref()
            .filter(|p| m.active.as_deref() == Some(p.conversation.as_str()));
        show(&self.transfer, pick.is_some());
        let Some(pick) = pick else { return };
        let h = text_el("h3", "", "Transfer this chat", &self.transfer);
        h.set_attr("id", "transfer-title");
        text_el(
            "p",
            "hint",
            "The chat stays yours until your colleague accepts it. They see the whole conversation.",
            &self.transfer,
        );
        let note = dom::field(
            "Note for your colleague (optional, the visitor never sees it)",
            "textarea",
            "transfer-note",
            "",
            &self.transfer,
        );
        note.set_attr("maxlength", "1000");
        let list = el("ul", "targets", &self.transfer);
        match &pick.targets {
            None => {
                text_el("li", "hint", "Finding who is available…", &list);
            }
            Some(t) if t.is_empty() => {
                text_el(
                    "li",
                    "hint",
                    "Nobody else in this workspace takes live chats.",
                    &list,
                );
            }
            Some(targets) => {
                for (i, t) in targets.iter().enumerate() {
                    let li = el("li", "", &list);
                    let b = button("target", &t.label, "transfer-to", &li);
                    b.set_attr("data-i", &i.to_string());
                    if let Some(why) = t.why_not {
                        b.set_attr("disabled", "");
                        text_el("span", "why", why, &li);
                    }
                }
            }
        }
        button("ghost", "Cancel", "transfer-cancel", &self.transfer);
    }

    fn render_details(&self, m: &Model) {
        clear(&self.details);
        let Some(c) = m.active_chat() else {
            return;
        };
        text_el("h2", "", "Visitor", &self.details);
        if let Some(who) = &c.summary.identity {
            // The site's server vouched for a verified id; anything else is the page's word.
            let (class, line) = crate::fmt::identity_line(who);
            text_el("p", class, &line, &self.details);
        }
        let mut fields = c.summary.visitor.clone();
        let mut questions = BTreeMap::new();
        let mut answers = Vec::new();
        for e in &c.entries {
            match &e.event {
                TranscriptEvent::Captured { values, .. } => {
                    fields.extend(values.iter().map(|(k, v)| (k.clone(), v.clone())))
                }
                TranscriptEvent::Card { card, .. } => {
                    questions.insert(
                        card.id.as_str().to_owned(),
                        crate::fmt::card_text(&card.kind).to_owned(),
                    );
                }
                TranscriptEvent::Answered { card, label, .. } => {
                    answers.push((card.as_str().to_owned(), label.clone()))
                }
                _ => {}
            }
        }
        let dl = el("dl", "facts", &self.details);
        if fields.is_empty() {
            text_el("dd", "muted", "No details captured.", &dl);
        }
        for (k, v) in crate::fmt::ordered_fields(&fields) {
            text_el("dt", "", &field_label(k), &dl);
            text_el("dd", "", v, &dl);
        }
        text_el("dt", "", "Page", &dl);
        text_el("dd", "url", &c.summary.page_url, &dl);
        text_el("dt", "", "Chat started", &dl);
        text_el("dd", "", &clock(c.summary.started_at.0), &dl);
        if !answers.is_empty() {
            text_el("h3", "", "Answers", &self.details);
            let dl = el("dl", "facts", &self.details);
            for (card, label) in answers {
                let q = questions.get(&card).cloned().unwrap_or(card);
                text_el("dt", "", &q, &dl);
                text_el("dd", "", &label, &dl);
            }
        }
    }

    /// Focuses the Accept button of `offer`, if it is on screen.
    pub fn focus_accept(&self, offer: u64) {
        let sel = format!("button.accept[data-offer=\"{offer}\"]");
        if let Ok(Some(b)) = self.offers.query_selector(&sel) {
            dom::focus(&b);
        }
    }

    pub fn focus_composer(&self) {
        dom::focus(&self.composer);
    }

    pub fn clear_composer(&self) {
        dom::set_value(&self.composer, "");
    }
}

/// The agent's picture, or their initials on a colour of their own.
fn draw_avatar(e: &Element, name: &str, picture: Option<&str>) -> Res<()> {
    clear(e);
    match picture {
        Some(url) => {
            let img = el("img", "", e);
            img.set_attr("src", url);
            img.set_attr("alt", "");
            e.remove_attribute("style")?;
        }
        None => {
            set_text(e, &crate::fmt::initials(name));
            let hue = crate::fmt::name_hue(name);
            e.set_attr("style", &format!("background:hsl({hue} 55% 42%)"));
        }
    }
    Ok(())
}

/// The agent's name an `agent_joined` entry carries.
fn joined_name(e: &parlor_core::protocol::TranscriptEntry) -> Option<&str> {
    match &e.event {
        parlor_core::protocol::TranscriptEvent::AgentJoined { agent } => Some(agent.name.as_str()),
        _ => None,
    }
}
