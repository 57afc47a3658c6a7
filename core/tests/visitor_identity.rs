//! A visitor the site identified (`Parlor('identify')`): the identity reaches the index row,
//! the live chat request and the agent; a later identify updates it, and a claim never
//! replaces what the site's server verified.

use std::collections::BTreeMap;

use parlor_core::conversation::{Conversation, ConversationSettings, Effect, Input};
use parlor_core::dialogue::Dialogue;
use parlor_core::identity::{check, user_hash, IdentityClaim, VisitorIdentity};
use parlor_core::link::{ConversationToWorkspace, WorkspaceToConversation};
use parlor_core::protocol::{AgentProfile, ConversationRecord, TranscriptEvent};
use parlor_core::{AgentId, Millis};

const SECRET: &str = "idv_test_secret";

fn dialogue() -> Dialogue {
    serde_json::from_value(serde_json::json!({
        "id": "d1", "name": "Sales",
        "branches": [{"id": "main", "cards": [
            {"id": "ic1", "kind": "info_capture", "text": "Who are you?", "fields": [
                {"key": "email", "kind": "email", "label": "Email", "required": true}
            ]},
            {"id": "lc1", "kind": "live_chat", "text": "Connecting…", "routing": {"mode": "round_robin"}}
        ]}]
    }))
    .expect("dialogue")
}

fn identity(id: &str, hash: Option<String>) -> VisitorIdentity {
    let claim = IdentityClaim {
        id: id.into(),
        email: Some("ada@example.com".into()),
        name: Some("Ada Lovelace".into()),
        user_hash: hash,
    };
    check(&claim, SECRET, false).expect("well-formed")
}

fn verified(id: &str) -> VisitorIdentity {
    identity(id, Some(user_hash(SECRET, id)))
}

fn rows(fx: &[Effect]) -> Vec<ConversationRecord> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::ToWorkspace(ConversationToWorkspace::Index { record, .. }) => {
                Some(record.clone())
            }
            _ => None,
        })
        .collect()
}

fn started(identity: Option<VisitorIdentity>) -> (Conversation, Vec<Effect>) {
    let mut c = Conversation::new(
        "c1".into(),
        dialogue(),
        ConversationSettings::default(),
        Millis(0),
    );
    let fx = c.handle(
        Input::Start {
            page_url: "https://ex.com/".into(),
            language: String::new(),
            country: String::new(),
            utm: BTreeMap::new(),
            identity,
        },
        Millis(0),
    );
    (c, fx)
}

#[test]
fn a_verified_identity_reaches_the_row_the_request_and_the_agent() {
    let who = verified("user-42");
    let (mut c, fx) = started(Some(who.clone()));
    let row = rows(&fx).pop().expect("first row");
    assert_eq!(row.identity.as_ref(), Some(&who));
    assert_eq!(row.person(), Some("user-42"));

    let fx = c.handle(
        Input::Capture {
            card: "ic1".into(),
            values: BTreeMap::from([("email".into(), "ada@example.com".into())]),
        },
        Millis(1_000),
    );
    let request = fx.iter().find_map(|e| match e {
        Effect::ToWorkspace(ConversationToWorkspace::RequestLiveChat { facts, .. }) => {
            Some(facts.identity.clone())
        }
        _ => None,
    });
    assert_eq!(request, Some(Some(who.clone())), "routing sees who it is");

    let fx = c.handle(
        Input::FromWorkspace(WorkspaceToConversation::Accepted {
            request: 1,
            agent: AgentId::new("a1"),
            profile: AgentProfile {
                name: "Bob".into(),
                avatar_url: None,
            },
        }),
        Millis(2_000),
    );
    let joined = fx.iter().find_map(|e| match e {
        Effect::ToWorkspace(ConversationToWorkspace::AgentJoined { identity, .. }) => {
            Some(identity.clone())
        }
        _ => None,
    });
    assert_eq!(joined, Some(Some(who)), "the agent's chat list shows it");
}

#[test]
fn the_capture_card_starts_filled_with_what_the_site_said() {
    let shown = |fx: &[Effect]| {
        fx.iter().find_map(|e| match e {
            Effect::Append(entry) => match &entry.event {
                TranscriptEvent::Card { card, prefill } if card.id.as_str() == "ic1" => {
                    Some(prefill.clone())
                }
                _ => None,
            },
            _ => None,
        })
    };
    let (_, fx) = started(Some(verified("user-42")));
    let email = BTreeMap::from([("email".to_owned(), "ada@example.com".to_owned())]);
    assert_eq!(shown(&fx), Some(email.clone()));
    // A claim fills the form too: the page is the visitor's own; agents see it as a claim.
    let (_, fx) = started(Some(identity("user-42", None)));
    assert_eq!(shown(&fx), Some(email));
    let (_, fx) = started(None);
    assert_eq!(shown(&fx), Some(BTreeMap::new()));
}

#[test]
fn a_claim_links_no_one() {
    let (_, fx) = started(Some(identity("user-42", None)));
    let row = rows(&fx).pop().expect("first row");
    assert_eq!(row.identity.as_ref().map(|i| i.verified), Some(false));
    assert_eq!(row.person(), None);
}

#[test]
fn identified_later_the_row_follows_and_a_claim_never_undoes_a_verification() {
    let (mut c, _) = started(None);
    // A claim first: stored and indexed at once.
    let fx = c.handle(
        Input::Identify {
            identity: identity("user-42", None),
        },
        Millis(500),
    );
    assert!(fx.contains(&Effect::Persist));
    assert_eq!(rows(&fx).len(), 1);
    // Then verified: replaces the claim.
    let fx = c.handle(
        Input::Identify {
            identity: verified("user-42"),
        },
        Millis(600),
    );
    assert_eq!(rows(&fx)[0].person(), Some("user-42"));
    // A later claim (a page without the hash) is ignored: nothing to store or send.
    let fx = c.handle(
        Input::Identify {
            identity: identity("someone-else", None),
        },
        Millis(700),
    );
    assert!(rows(&fx).is_empty());
    assert!(!fx.contains(&Effect::Persist));
    assert_eq!(
        c.facts().identity.as_ref().map(|i| i.id.as_str()),
        Some("user-42")
    );
    // The same identity again changes nothing either.
    let fx = c.handle(
        Input::Identify {
            identity: verified("user-42"),
        },
        Millis(800),
    );
    assert!(rows(&fx).is_empty());
}
