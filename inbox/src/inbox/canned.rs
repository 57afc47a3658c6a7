//! Canned replies in the inbox: the composer's `/` list and the agent's own replies. The rules
//! are core's (`parlor_core::canned`: `search`, `fill`, `first_name`); this holds the list's
//! state and what the keys do. Pure, so it is tested natively; `canned_view.rs` draws it and
//! runs its effects.

use std::collections::BTreeMap;

use parlor_core::canned::{fill, first_name, search, CannedReply, FillContext};

use super::model::{Effect, Model};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Canned {
    /// What the agent sees (workspace-wide and their own), by shortcut, as the server said.
    pub replies: Vec<CannedReply>,
    /// What follows the `/` the composer starts with; `None` when it does not.
    pub query: Option<String>,
    /// The highlighted option.
    pub active: usize,
    /// Escape closed the list: it stays closed until the `/` is gone.
    pub dismissed: bool,
    /// Bumped when the list (or the agent's own, in the manager) must be drawn again.
    pub rev: u32,
    /// Bumped when a change was saved: the manager's form is emptied.
    pub saved: u32,
}

impl Canned {
    /// The options the list shows now (none when it is closed).
    pub fn options(&self) -> Vec<&CannedReply> {
        match &self.query {
            Some(q) if !self.dismissed => search(&self.replies, q),
            _ => Vec::new(),
        }
    }

    pub fn is_open(&self) -> bool {
        !self.options().is_empty()
    }

    /// The composer was emptied (a message sent): no list.
    pub fn composer_cleared(&mut self) {
        self.query = None;
        self.dismissed = false;
        self.rev += 1;
    }
}

/// What a key pressed in the composer does while the list is open (`None`: what it always
/// does). `other` is a modifier held or a composition under way (Shift+Enter stays a new line).
pub fn key(key: &str, other: bool) -> Option<Msg> {
    Some(match key {
        _ if other => return None,
        "ArrowDown" => Msg::Move(1),
        "ArrowUp" => Msg::Move(-1),
        "Enter" | "Tab" => Msg::Pick(None),
        "Escape" => Msg::Close,
        _ => return None,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// The composer's text changed.
    Input(String),
    /// ↓ (1) or ↑ (-1).
    Move(i32),
    /// Enter or Tab: the highlighted option; a click: the reply with this id.
    Pick(Option<String>),
    /// Escape.
    Close,
    Loaded(Vec<CannedReply>),
    /// What the manager asks for as it is: load the replies when it opens (or closes: the
    /// browser's `<details>` keeps that), add one, delete one.
    Do(Fx),
    /// A change was stored: these words, then the replies again.
    Saved(String),
    Failed(String),
}

/// What the shell does for the list and the manager.
#[derive(Debug, Clone, PartialEq)]
pub enum Fx {
    /// `GET …/canned-replies`.
    Load,
    /// `POST` a personal reply: shortcut, text.
    Add(String, String),
    Delete(String),
    /// Replace the composer's text (and put the caret at its end).
    Compose(String),
}

pub fn update(m: &mut Model, msg: Msg, fx: &mut Vec<Effect>) {
    let c = &mut m.canned;
    if let Msg::Input(text) = &msg {
        // Most keystrokes change nothing here: nothing to draw then.
        let query = text.strip_prefix('/').filter(|q| !q.contains('\n'));
        if query == c.query.as_deref() {
            return;
        }
        if c.query.is_none() {
            // Each time the list may open: the replies as they are now.
            fx.push(Effect::Canned(Fx::Load));
        }
        c.dismissed &= query.is_some();
        c.active = 0;
        c.query = query.map(str::to_owned);
        c.rev += 1;
        return;
    }
    c.rev += 1;
    match msg {
        Msg::Input(_) => {}
        Msg::Move(by) => {
            let n = c.options().len() as i32;
            if n > 0 {
                c.active = (c.active as i32 + by).rem_euclid(n) as usize;
            }
        }
        Msg::Pick(id) => {
            let options = c.options();
            let picked = match id {
                Some(id) => options.into_iter().find(|r| r.id == id),
                None => options.get(c.active).copied(),
            };
            if let Some(text) = picked.map(|r| r.text.clone()) {
                c.query = None;
                let text = filled(m, &text);
                fx.push(Effect::Canned(Fx::Compose(text)));
            }
        }
        Msg::Close => c.dismissed = true,
        Msg::Loaded(replies) => {
            // The list opens on the replies already held and these arrive a moment later: the
            // highlighted one stays highlighted (an ↓ pressed meanwhile is kept).
            let active = c.options().get(c.active).map(|r| r.id.clone());
            c.replies = replies;
            c.active = active
                .and_then(|id| c.options().iter().position(|r| r.id == id))
                .unwrap_or(0);
        }
        Msg::Do(f) => fx.push(Effect::Canned(f)),
        Msg::Saved(words) => {
            c.saved += 1;
            fx.push(Effect::Canned(Fx::Load));
            say(m, words);
        }
        // Said where the inbox says everything (the note above the chats).
        Msg::Failed(why) => say(m, why),
    }
}

fn say(m: &mut Model, words: String) {
    m.note = Some(words);
    m.revs.offers += 1;
}

/// A reply's text with its placeholders filled for the open chat: the agent's name, and the
/// visitor's first name from what they gave (the fields captured before the chat, which the
/// chat carries, then the site's identity).
pub fn filled(m: &Model, text: &str) -> String {
    let empty = BTreeMap::new();
    let chat = m.active_chat().map(|c| &c.summary);
    let identified = chat.and_then(|c| c.identity.as_ref()?.name.as_deref());
    let agent = m.session.as_ref().and_then(|s| s.agent.as_ref());
    let ctx = FillContext {
        first_name: first_name(chat.map_or(&empty, |c| &c.visitor), identified),
        agent_name: agent.map_or("", |a| a.name.as_str()),
    };
    fill(text, &ctx)
}

#[cfg(test)]
mod tests {
    use parlor_core::canned::{CannedReply, Scope};
    use parlor_core::identity::VisitorIdentity;
    use parlor_core::protocol::ChatSummary;
    use parlor_core::{ConversationId, Millis};

    use super::{key, Fx, Msg};
    use crate::inbox::model::{Chat, Effect, Model, Msg as InboxMsg};
    use crate::inbox::update::update;
    use crate::session::{AgentInfo, Session};

    fn reply(id: &str, shortcut: &str, text: &str, scope: Scope) -> CannedReply {
        CannedReply {
            id: id.into(),
            shortcut: shortcut.into(),
            text: text.into(),
            scope,
        }
    }

    /// Alice, in a chat with a visitor who gave `visitor` (fields), with three replies loaded
    /// (by shortcut, as the server sends them).
    fn chatting(visitor: &[(&str, &str)]) -> Model {
        let session = Session {
            workspace: "w".into(),
            token: "t".into(),
            agent: Some(AgentInfo {
                name: "Alice Martin".into(),
                ..AgentInfo::default()
            }),
        };
        let mut m = Model::new(Some(session), "granted".into(), "n".into());
        let summary = ChatSummary {
            identity: None,
            conversation: ConversationId("c1".into()),
            started_at: Millis(1),
            visitor: visitor
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            page_url: String::new(),
        };
        m.chats.push(Chat::new(summary, "n"));
        m.active = Some("c1".into());
        canned(
            &mut m,
            Msg::Loaded(vec![
                reply(
                    "w1",
                    "hello",
                    "Hi {first_name}, I'm {agent_name}. How can I help?",
                    Scope::Workspace,
                ),
                reply(
                    "p1",
                    "hello-again",
                    "Welcome back, {first_name}!",
                    Scope::Personal,
                ),
                reply("w2", "help", "Happy to help!", Scope::Workspace),
            ]),
        );
        m
    }

    fn canned(m: &mut Model, msg: Msg) -> Vec<Effect> {
        update(m, InboxMsg::Canned(msg))
    }

    fn shown(m: &Model) -> Vec<&str> {
        m.canned
            .options()
            .iter()
            .map(|r| r.shortcut.as_str())
            .collect()
    }

    fn composed(fx: &[Effect]) -> Option<&str> {
        fx.iter().find_map(|f| match f {
            Effect::Canned(Fx::Compose(t)) => Some(t.as_str()),
            _ => None,
        })
    }

    #[test]
    fn a_slash_loads_the_replies_and_lists_the_matches_best_first() {
        let mut m = chatting(&[("first_name", "Nia")]);
        assert!(!m.canned.is_open());
        let fx = canned(&mut m, Msg::Input("/".into()));
        assert!(
            fx.contains(&Effect::Canned(Fx::Load)),
            "fresh replies each time the list opens"
        );
        assert_eq!(shown(&m), ["hello-again", "hello", "help"]);
        // Typing on: no new load, the list narrows (prefix, personal first).
        assert!(canned(&mut m, Msg::Input("/hel".into())).is_empty());
        assert_eq!(shown(&m), ["hello-again", "hello", "help"]);
        canned(&mut m, Msg::Input("/hello".into()));
        assert_eq!(shown(&m), ["hello-again", "hello"]);
        canned(&mut m, Msg::Input("/can I".into()));
        assert_eq!(shown(&m), ["hello"], "text matches too");
        canned(&mut m, Msg::Input("/zzz".into()));
        assert!(
            !m.canned.is_open(),
            "no match: Enter sends the text as it is"
        );
        // Not at the start, or over several lines: no list.
        canned(&mut m, Msg::Input("see /hel".into()));
        assert!(!m.canned.is_open());
        canned(&mut m, Msg::Input("/hel\nlo".into()));
        assert!(!m.canned.is_open());
    }

    #[test]
    fn the_keys_move_pick_and_close() {
        assert_eq!(key("ArrowDown", false), Some(Msg::Move(1)));
        assert_eq!(key("ArrowUp", false), Some(Msg::Move(-1)));
        assert_eq!(key("Enter", false), Some(Msg::Pick(None)));
        assert_eq!(key("Tab", false), Some(Msg::Pick(None)));
        assert_eq!(key("Escape", false), Some(Msg::Close));
        assert_eq!(key("Enter", true), None, "Shift+Enter is a new line");
        assert_eq!(key("a", false), None);

        let mut m = chatting(&[("first_name", "Nia Grey")]);
        canned(&mut m, Msg::Input("/hel".into()));
        canned(&mut m, Msg::Move(1));
        assert_eq!(m.canned.active, 1);
        canned(&mut m, Msg::Move(-1));
        canned(&mut m, Msg::Move(-1));
        assert_eq!(m.canned.active, 2, "wraps around");
        canned(&mut m, Msg::Move(1));
        canned(&mut m, Msg::Move(1));
        let fx = canned(&mut m, Msg::Pick(None));
        assert_eq!(
            composed(&fx),
            Some("Hi Nia, I'm Alice Martin. How can I help?"),
            "filled: the first word of the captured first name, the agent's name"
        );
        assert!(!m.canned.is_open(), "picked: the list closes");
        // A click picks that reply.
        canned(&mut m, Msg::Input("/".into()));
        let fx = canned(&mut m, Msg::Pick(Some("p1".into())));
        assert_eq!(composed(&fx), Some("Welcome back, Nia!"));
        // Nothing to pick: nothing happens.
        assert!(composed(&canned(&mut m, Msg::Pick(Some("gone".into())))).is_none());
    }

    #[test]
    fn fresh_replies_keep_the_highlighted_one() {
        let mut m = chatting(&[]);
        let fx = canned(&mut m, Msg::Input("/hel".into()));
        assert!(fx.contains(&Effect::Canned(Fx::Load)));
        canned(&mut m, Msg::Move(1));
        assert_eq!(shown(&m)[m.canned.active], "hello");
        // The load answers after the ↓, with one more reply that sorts first.
        let mut replies = m.canned.replies.clone();
        replies.push(reply("p2", "hel", "Hi!", Scope::Personal));
        canned(&mut m, Msg::Loaded(replies.clone()));
        assert_eq!(shown(&m), ["hello-again", "hel", "hello", "help"]);
        assert_eq!(
            shown(&m)[m.canned.active],
            "hello",
            "still the one highlighted"
        );
        // The highlighted one deleted meanwhile: the first.
        replies.retain(|r| r.id != "w1");
        canned(&mut m, Msg::Loaded(replies));
        assert_eq!(m.canned.active, 0);
    }

    #[test]
    fn escape_closes_until_the_slash_is_gone() {
        let mut m = chatting(&[]);
        canned(&mut m, Msg::Input("/he".into()));
        canned(&mut m, Msg::Close);
        assert!(!m.canned.is_open());
        canned(&mut m, Msg::Input("/hel".into()));
        assert!(!m.canned.is_open(), "still closed while typing on");
        canned(&mut m, Msg::Input(String::new()));
        let fx = canned(&mut m, Msg::Input("/".into()));
        assert!(m.canned.is_open());
        assert!(fx.contains(&Effect::Canned(Fx::Load)));
    }

    #[test]
    fn sending_the_message_closes_the_list() {
        let mut m = chatting(&[]);
        canned(&mut m, Msg::Input("/hel".into()));
        let rev = m.canned.rev;
        update(&mut m, InboxMsg::Say("/hel".into()));
        assert!(!m.canned.is_open());
        assert!(m.canned.rev > rev, "drawn again");
    }

    #[test]
    fn the_first_name_comes_from_what_the_visitor_gave_or_is_tidied_away() {
        let hello = "Hi {first_name}, I'm {agent_name}. How can I help?";
        // Nothing known: the name and the space before it go.
        let m = chatting(&[("email", "x@y.z")]);
        assert_eq!(
            super::filled(&m, hello),
            "Hi, I'm Alice Martin. How can I help?"
        );
        // A captured `name` field.
        let m = chatting(&[("name", "Omar Haddad")]);
        assert!(super::filled(&m, hello).starts_with("Hi Omar, "));
        // The site's identity.
        let mut m = chatting(&[]);
        if let Some(c) = m.chat_mut("c1") {
            c.summary.identity = Some(VisitorIdentity {
                id: "u1".into(),
                email: None,
                name: Some("Lea Roux".into()),
                verified: true,
            });
        }
        assert!(super::filled(&m, hello).starts_with("Hi Lea, "));
    }

    #[test]
    fn the_manager_adds_and_deletes_the_agents_own_replies() {
        let mut m = chatting(&[]);
        assert_eq!(
            canned(&mut m, Msg::Do(Fx::Load)),
            [Effect::Canned(Fx::Load)]
        );
        let add = Fx::Add("thanks".into(), "Thanks!".into());
        assert_eq!(canned(&mut m, Msg::Do(add.clone())), [Effect::Canned(add)]);
        canned(&mut m, Msg::Failed("The shortcut must be …".into()));
        assert_eq!(m.note.as_deref(), Some("The shortcut must be …"));
        assert_eq!(m.canned.saved, 0, "what was typed stays");
        // Stored: said, the form emptied, the replies loaded again (the server keeps the order).
        let fx = canned(&mut m, Msg::Saved("Reply added.".into()));
        assert_eq!(fx, [Effect::Canned(Fx::Load)]);
        assert_eq!(m.note.as_deref(), Some("Reply added."));
        assert_eq!(m.canned.saved, 1);
        let delete = Fx::Delete("p1".into());
        assert_eq!(
            canned(&mut m, Msg::Do(delete.clone())),
            [Effect::Canned(delete)]
        );
    }
}
