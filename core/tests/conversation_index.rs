//! The conversation's row in the Conversations view: what is sent, when, and in which order.

use std::collections::BTreeMap;

use parlor_core::conversation::{Conversation, ConversationSettings, Effect, Input};
use parlor_core::dialogue::Dialogue;
use parlor_core::link::{ConversationToWorkspace, WorkspaceToConversation};
use parlor_core::protocol::{AgentProfile, ConversationRecord, ConversationStatus, Side};
use parlor_core::{AgentId, Millis};

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

/// A conversation in a live chat with agent a1, accepted at 2 s.
fn live() -> Conversation {
    live_as("c1")
}

fn live_as(id: &str) -> Conversation {
    let mut c = Conversation::new(
        id.into(),
        dialogue(),
        ConversationSettings::default(),
        Millis(0),
    );
    c.handle(
        Input::Start {
            identity: None,
            page_url: "https://ex.com/".into(),
            language: String::new(),
            country: String::new(),
            utm: BTreeMap::new(),
        },
        Millis(0),
    );
    c.handle(
        Input::Capture {
            card: "ic1".into(),
            values: BTreeMap::from([("email".into(), "ada@example.com".into())]),
        },
        Millis(1_000),
    );
    c.handle(
        Input::FromWorkspace(WorkspaceToConversation::Accepted {
            request: 0,
            agent: AgentId::new("a1"),
            profile: AgentProfile {
                name: "Bob".into(),
                avatar_url: None,
            },
        }),
        Millis(2_000),
    );
    // The agent's chat pane connects, as the inbox does right after accepting.
    c.handle(
        Input::SocketOpened {
            side: parlor_core::protocol::Side::Agent,
        },
        Millis(2_050),
    );
    c
}

fn say(c: &mut Conversation, n: u32, at: u64) -> Vec<Effect> {
    c.handle(
        Input::Say {
            from: Side::Visitor,
            client_id: format!("m{n}"),
            text: format!("message {n}"),
        },
        Millis(at),
    )
}

/// Runs the alarm whenever it is due up to `until`, collecting the rows sent.
fn tick_until(c: &mut Conversation, until: u64) -> Vec<ConversationRecord> {
    let mut out = Vec::new();
    while let Some(d) = c.next_deadline().filter(|d| d.0 <= until) {
        out.extend(rows(&c.handle(Input::Tick, d)));
    }
    out
}

#[test]
fn status_and_captured_fields_go_at_once_with_growing_revisions() {
    let mut c = Conversation::new(
        "c1".into(),
        dialogue(),
        ConversationSettings::default(),
        Millis(0),
    );
    let start = rows(&c.handle(
        Input::Start {
            identity: None,
            page_url: "https://ex.com/".into(),
            language: String::new(),
            country: String::new(),
            utm: BTreeMap::new(),
        },
        Millis(0),
    ));
    assert_eq!(start.len(), 1);
    assert_eq!(start[0].status, ConversationStatus::Automated);
    let captured = rows(&c.handle(
        Input::Capture {
            card: "ic1".into(),
            values: BTreeMap::from([("email".into(), "ada@example.com".into())]),
        },
        Millis(100),
    ));
    assert_eq!(captured.len(), 1);
    assert_eq!(captured[0].status, ConversationStatus::Waiting);
    assert_eq!(captured[0].captured["email"], "ada@example.com");
    assert!(captured[0].revision > start[0].revision);
    // Nothing new to show: nothing sent.
    assert!(rows(&c.handle(Input::Tick, Millis(200))).is_empty());
}

#[test]
fn a_single_message_shows_within_the_pace() {
    let mut c = live();
    let fx = say(&mut c, 1, 2_500);
    // The accept's row went at 2 s: the preview waits for the pace (2 s), the conversation's
    // own extra (under half the pace) and the trailing slack (a quarter), then is flushed.
    assert!(rows(&fx).is_empty());
    let due = c.next_deadline().expect("a flush is owed");
    assert!((4_500..5_500).contains(&due.0), "{due:?}");
    let flushed = tick_until(&mut c, 5_500);
    assert_eq!(flushed.len(), 1);
    assert_eq!(flushed[0].last_message.as_deref(), Some("message 1"));
}

#[test]
fn the_last_message_of_a_burst_is_always_shown_and_previews_are_paced() {
    let mut c = live();
    let mut sent = Vec::new();
    // 12 messages 3 s apart (the 2 s pace and this conversation's extra wait, under 1 s),
    // then 20 messages 100 ms apart.
    for n in 0..12u32 {
        let at = 10_000 + u64::from(n) * 3_000;
        sent.extend(tick_until(&mut c, at));
        sent.extend(rows(&say(&mut c, n, at)));
    }
    for n in 12..32u32 {
        let at = 50_000 + u64::from(n - 12) * 100;
        sent.extend(tick_until(&mut c, at));
        sent.extend(rows(&say(&mut c, n, at)));
    }
    sent.extend(tick_until(&mut c, 70_000));
    let previews: Vec<&str> = sent
        .iter()
        .filter_map(|r| r.last_message.as_deref())
        .collect();
    // Every message of the slow burst is shown (one per 3 s), the fast burst is coalesced, and
    // the view ends on the very last message.
    for n in 0..12 {
        assert!(
            previews.contains(&format!("message {n}").as_str()),
            "{previews:?}"
        );
    }
    assert_eq!(previews.last(), Some(&"message 31"));
    assert!(previews.len() <= 12 + 2 + 1, "{previews:?}");
    let mut revisions: Vec<u64> = sent.iter().map(|r| r.revision).collect();
    let sorted = revisions.clone();
    revisions.dedup();
    assert_eq!(revisions, sorted, "revisions grow strictly");
}

#[test]
fn the_workspace_sets_the_pace_within_bounds() {
    let mut c = live();
    c.handle(
        Input::FromWorkspace(WorkspaceToConversation::Pace {
            preview_every: Millis(20_000),
        }),
        Millis(2_100),
    );
    assert!(rows(&say(&mut c, 1, 3_000)).is_empty());
    let due = c.next_deadline().expect("a flush is owed").0;
    assert!((27_000..37_000).contains(&due), "{due}");
    c.handle(
        Input::FromWorkspace(WorkspaceToConversation::Pace {
            preview_every: Millis(u64::MAX),
        }),
        Millis(3_100),
    );
    say(&mut c, 2, 3_200);
    // Clamped to two minutes at most (and the extra waits).
    let due = c.next_deadline().expect("a flush is owed").0;
    assert!((152_000..212_000).contains(&due), "{due}");
}

/// In a chat that goes on, the first message past the pace carries the owed preview itself:
/// the trailing flush (an alarm and a commit of its own) is only for a chat that went quiet.
#[test]
fn the_next_message_past_the_pace_carries_the_owed_preview() {
    let mut c = live();
    assert!(rows(&say(&mut c, 1, 2_500)).is_empty());
    let trailing = c.next_deadline().expect("a flush is owed");
    // Past the pace and the conversation's extra wait, before the trailing flush (a quarter of
    // the pace later).
    let at = trailing.0 - 400;
    assert!(
        rows(&say(&mut c, 9, trailing.0 - 600)).is_empty(),
        "not yet due"
    );
    let sent = rows(&say(&mut c, 2, at));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].last_message.as_deref(), Some("message 2"));
    assert!(
        c.next_deadline().is_some_and(|d| d.0 > trailing.0),
        "no flush owed any more"
    );
    // A later message waits for the next pace again.
    assert!(rows(&say(&mut c, 3, at + 100)).is_empty());
    assert!(c.next_deadline().is_some_and(|d| d.0 >= at + 2_000 + 500));
}

/// Conversations whose previews fall due together flush at different instants.
#[test]
fn trailing_flushes_of_different_conversations_are_spread() {
    let dues: std::collections::BTreeSet<u64> = (0..20)
        .map(|i| {
            let mut c = live_as(&format!("conv-{i}"));
            say(&mut c, 1, 2_500);
            c.next_deadline().expect("a flush is owed").0
        })
        .collect();
    assert!(dues.len() >= 15, "{dues:?}");
    assert!(dues.iter().all(|d| (4_500..5_500).contains(d)), "{dues:?}");
}

#[test]
fn a_closed_conversation_still_flushes_its_last_preview() {
    let mut c = live();
    say(&mut c, 1, 2_500);
    let fx = c.handle(Input::End { by: Side::Agent }, Millis(2_600));
    // The status change carries the latest preview at once.
    let sent = rows(&fx);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].status, ConversationStatus::Ended);
    assert_eq!(sent[0].last_message.as_deref(), Some("message 1"));
    assert_eq!(c.next_deadline(), None);
}

fn agent_says(c: &mut Conversation, n: u32, at: u64) -> Vec<Effect> {
    c.handle(
        Input::Say {
            from: Side::Agent,
            client_id: format!("a{n}"),
            text: format!("reply {n}"),
        },
        Millis(at),
    )
}

#[test]
fn the_first_agent_reply_goes_at_once_and_only_once() {
    let mut c = live();
    // Visitor messages carry no reply time and wait for the pace.
    let fx = say(&mut c, 1, 2_100);
    assert!(rows(&fx).is_empty());
    // The agent's first message is sent at once, with its time, though the pace is not over.
    let fx = agent_says(&mut c, 1, 2_200);
    let sent = rows(&fx);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].first_agent_reply_at, Some(2_200));
    // Later agent messages are previews like any other: paced, and the time stays the first.
    let fx = agent_says(&mut c, 2, 2_300);
    assert!(rows(&fx).is_empty());
    let flushed = tick_until(&mut c, 10_000);
    assert_eq!(flushed.len(), 1);
    assert_eq!(flushed[0].first_agent_reply_at, Some(2_200));
    assert_eq!(flushed[0].last_message.as_deref(), Some("reply 2"));
}

/// Owing a preview is derived from what was sent, not stored: a message before the pace is one
/// row (no `Persist`), and its flush is a tick the edge may keep in memory, not an alarm.
#[test]
fn owing_a_preview_stores_nothing_and_is_not_an_alarm_deadline() {
    let mut c = live();
    let fx = say(&mut c, 1, 2_500);
    assert!(rows(&fx).is_empty());
    assert!(!fx.contains(&Effect::Persist), "{fx:?}");
    let due = c.preview_due().expect("a flush is owed");
    assert_eq!(c.next_deadline(), Some(due));
    // The alarm stays at the inactivity deadline.
    assert_eq!(c.alarm_deadline(), Some(Millis(2_500 + 600_000)));
    // The tick at `preview_due` sends it; nothing is owed after.
    let sent = rows(&c.handle(Input::Tick, due));
    assert_eq!(sent.len(), 1);
    assert_eq!(c.preview_due(), None);
}
