//! What a Web Push notification carries to an agent's service worker: an offer made while no
//! inbox of theirs is open, and the end of one. Encrypted end to end (RFC 8291); the push
//! service sees only its size, so the words an agent reads are decided here, once.

use serde::{Deserialize, Serialize};

use super::OfferView;
use crate::{ConversationId, Millis, WorkspaceId};

/// Longest notification body, in characters: enough for a name, an email and a page path,
/// and well inside a push message's 4 KB.
pub const PUSH_BODY_CHARS: usize = 160;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PushMsg {
    /// A chat is offered to the agent: the notification opens the inbox on it, ready to accept.
    Offer {
        workspace: WorkspaceId,
        offer: u64,
        conversation: ConversationId,
        deadline: Millis,
        title: String,
        body: String,
    },
    /// The offer went to someone else, expired or was withdrawn: its notification is closed.
    OfferGone {
        workspace: WorkspaceId,
        offer: u64,
        conversation: ConversationId,
    },
}

impl PushMsg {
    /// The notification for an offer: who the visitor is (as far as they said) and where.
    pub fn offer(workspace: &WorkspaceId, o: &OfferView) -> PushMsg {
        let title = match &o.transfer_from {
            Some(from) => format!("{from} is transferring a chat to you"),
            None => "New live chat request".to_owned(),
        };
        let field = |k: &str| o.visitor.get(k).map_or("", |v| v.trim());
        let name = match field("name") {
            "" => format!("{} {}", field("first_name"), field("last_name")),
            n => n.to_owned(),
        };
        let who = [name.trim(), field("email")]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        let who = if who.is_empty() { "A visitor" } else { &who };
        let page = page_path(&o.page_url);
        let body = if page.is_empty() {
            format!("{who} is waiting. Click to open the inbox and accept.")
        } else {
            format!("{who} on {page}. Click to open the inbox and accept.")
        };
        PushMsg::Offer {
            workspace: workspace.clone(),
            offer: o.offer,
            conversation: o.conversation.clone(),
            deadline: o.deadline,
            title: clip(&title),
            body: clip(&body),
        }
    }
}

impl PushMsg {
    /// How long a push service should hold the message for a device that is off, in seconds
    /// (its `TTL`): an offer is worth delivering only while it stands; the end of one, briefly
    /// (a notification delivered later closes itself at the offer's deadline).
    pub fn ttl_secs(&self, now: Millis) -> u32 {
        match self {
            PushMsg::Offer { deadline, .. } => {
                u32::try_from(deadline.0.saturating_sub(now.0) / 1000).unwrap_or(u32::MAX)
            }
            PushMsg::OfferGone { .. } => 60,
        }
    }

    /// An offer wakes a sleeping phone (`Urgency: high`); its end does not.
    pub fn urgent(&self) -> bool {
        matches!(self, PushMsg::Offer { .. })
    }
}

/// The path of a page URL (what an agent recognises), or the URL itself when it has none.
fn page_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => &rest[i..],
        None => rest,
    }
}

/// At most [`PUSH_BODY_CHARS`] characters, with an ellipsis when cut.
fn clip(s: &str) -> String {
    match s.char_indices().nth(PUSH_BODY_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn view(visitor: &[(&str, &str)], page: &str, from: Option<&str>) -> OfferView {
        OfferView {
            offer: 7,
            conversation: ConversationId("c1".into()),
            deadline: Millis(100_000),
            visitor: visitor
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
            page_url: page.to_owned(),
            identity: None,
            transfer_from: from.map(str::to_owned),
        }
    }

    fn texts(m: PushMsg) -> (String, String) {
        match m {
            PushMsg::Offer { title, body, .. } => (title, body),
            PushMsg::OfferGone { .. } => (String::new(), String::new()),
        }
    }

    #[test]
    fn an_offer_lives_at_the_push_service_until_its_deadline_and_wakes_the_phone() {
        let ws = WorkspaceId("acme".into());
        let offer = PushMsg::offer(&ws, &view(&[], "", None));
        assert_eq!(
            offer.ttl_secs(Millis(10_000)),
            90,
            "deadline 100 s, now 10 s"
        );
        assert_eq!(
            offer.ttl_secs(Millis(100_500)),
            0,
            "past its deadline: now or never"
        );
        assert!(offer.urgent());
        let gone = PushMsg::OfferGone {
            workspace: ws,
            offer: 7,
            conversation: ConversationId("c1".into()),
        };
        assert_eq!(gone.ttl_secs(Millis(0)), 60);
        assert!(!gone.urgent());
    }

    #[test]
    fn an_offer_names_the_visitor_and_the_page_path() {
        let ws = WorkspaceId("acme".into());
        let v = view(
            &[
                ("first_name", "Jane"),
                ("email", "jane@x.io"),
                ("company", "X"),
            ],
            "https://acme.test/pricing?utm=1",
            None,
        );
        let (title, body) = texts(PushMsg::offer(&ws, &v));
        assert_eq!(title, "New live chat request");
        assert_eq!(
            body,
            "Jane · jane@x.io on /pricing?utm=1. Click to open the inbox and accept."
        );
        let (title, body) = texts(PushMsg::offer(&ws, &view(&[], "", Some("Bob"))));
        assert_eq!(title, "Bob is transferring a chat to you");
        assert_eq!(
            body,
            "A visitor is waiting. Click to open the inbox and accept."
        );
    }

    #[test]
    fn long_texts_are_clipped_on_a_character_boundary() {
        let ws = WorkspaceId("acme".into());
        let name = "é".repeat(400);
        let (_, body) = texts(PushMsg::offer(&ws, &view(&[("name", &name)], "/", None)));
        assert_eq!(body.chars().count(), PUSH_BODY_CHARS + 1);
        assert!(body.ends_with('…'));
    }
}
