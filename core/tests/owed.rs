//! What one object owes another after a failed call (`parlor_core::owed`): kept in order, index
//! rows and paces folded to the newest, stale availability checks and answers dropped, retried
//! with a doubling back-off that a delivered call resets.

use std::collections::BTreeMap;

use parlor_core::link::ConversationToWorkspace as M;
use parlor_core::owed::{Owed, FIRST_RETRY, MAX_ATTEMPTS, MAX_OWED, MAX_RETRY};
use parlor_core::protocol::{ConversationRecord, ConversationStatus};
use parlor_core::{CardId, Millis};

fn cancel(request: u32) -> M {
    M::CancelLiveChat { request }
}

fn index(revision: u64) -> M {
    M::Index {
        record: ConversationRecord {
            id: "c".into(),
            created_at: 0,
            updated_at: revision,
            dialogue: "d".into(),
            page_url: "https://example.com/".into(),
            status: ConversationStatus::Waiting,
            agent: None,
            captured: BTreeMap::new(),
            last_message: None,
            revision,
            first_agent_reply_at: None,
            identity: None,
        },
        preview_every: Millis(2_000),
    }
}

#[test]
fn a_failed_batch_is_owed_before_what_came_after_it() {
    let mut owed: Owed<M> = Owed::default();
    let sent = owed.take();
    assert!(sent.is_empty());
    // A first call fails; meanwhile another failed with newer messages.
    owed.failed(vec![cancel(3)], Millis(0));
    let first = owed.take();
    assert_eq!(first, vec![cancel(3)]);
    owed.failed(vec![cancel(4)], Millis(0));
    owed.failed(first, Millis(0));
    assert_eq!(owed.messages, vec![cancel(3), cancel(4)], "oldest first");
}

#[test]
fn only_the_newest_index_row_and_no_stale_availability_check_is_kept() {
    let mut owed: Owed<M> = Owed::default();
    let check = M::CheckAvailability {
        card: CardId::new("ask"),
    };
    owed.failed(vec![index(1), cancel(1), check, index(2)], Millis(0));
    owed.failed(vec![index(3), cancel(2)], Millis(0));
    assert_eq!(owed.messages, vec![cancel(2), cancel(1), index(2)]);
}

#[test]
fn retries_double_up_to_the_cap_and_a_delivery_starts_over() {
    let mut owed: Owed<M> = Owed::default();
    let mut delays = Vec::new();
    for _ in 0..12 {
        let at = owed.failed(owed.messages.clone(), Millis(1_000));
        delays.push(at.0 - 1_000);
    }
    assert_eq!(delays[0], FIRST_RETRY.0);
    assert_eq!(delays[1], 2 * FIRST_RETRY.0);
    assert_eq!(delays[2], 4 * FIRST_RETRY.0);
    assert!(delays.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(*delays.last().unwrap_or(&0), MAX_RETRY.0);
    owed.delivered();
    assert_eq!(owed.failed(vec![], Millis(0)), FIRST_RETRY);
    // Failing on and on, the receiver counts as gone for good.
    while owed.attempts < MAX_ATTEMPTS {
        assert!(!owed.gave_up());
        owed.failed(vec![cancel(1)], Millis(0));
    }
    assert!(owed.gave_up());
}

#[test]
fn the_owed_messages_are_bounded_and_the_newest_kept() {
    let mut owed: Owed<M> = Owed::default();
    let many: Vec<M> = (0..(MAX_OWED as u32 + 10)).map(cancel).collect();
    owed.failed(many, Millis(0));
    assert_eq!(owed.messages.len(), MAX_OWED);
    assert_eq!(owed.messages.first(), Some(&cancel(10)));
    assert_eq!(owed.messages.last(), Some(&cancel(MAX_OWED as u32 + 9)));
}

#[test]
fn owed_messages_survive_storage_as_json() {
    let mut owed: Owed<M> = Owed::default();
    owed.failed(vec![cancel(1), index(7)], Millis(5));
    let text = serde_json::to_string(&owed).unwrap_or_default();
    let back: Owed<M> = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(back, owed);
    assert_eq!(back.attempts, 1);
}

#[test]
fn what_the_workspace_owes_a_conversation_folds_the_same_way() {
    use parlor_core::link::WorkspaceToConversation as W;
    let mut owed: Owed<W> = Owed::default();
    let fell_back = W::FellBack {
        kind: parlor_core::protocol::FallbackKind::LiveChat,
        reason: parlor_core::routing::FallbackReason::NoEligibleAgent,
    };
    let pace = |ms| W::Pace {
        preview_every: Millis(ms),
    };
    let answer = W::Availability {
        card: CardId::new("ask"),
        can_chat: true,
    };
    owed.failed(
        vec![pace(2_000), fell_back.clone(), answer, pace(4_000)],
        Millis(0),
    );
    assert_eq!(owed.messages, vec![fell_back, pace(4_000)]);
}
