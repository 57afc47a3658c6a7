//! "Can someone chat now?": open hours and one agent who could take a chat.

use parlor_core::hours::BusinessHours;
use parlor_core::routing::{Availability, Router, Routing, RoutingSettings, VisitorFacts};
use parlor_core::{AgentId, ConversationId, Millis};

const NOW: Millis = Millis(1_000_000);

fn router(capacity: u32, hours: Option<BusinessHours>) -> Router {
    Router::new(RoutingSettings {
        capacity,
        business_hours: hours,
        ..RoutingSettings::default()
    })
}

fn hours(closed_now: bool) -> BusinessHours {
    // 1970-01-01 is a Thursday; NOW is 00:16:40 UTC.
    let ranges = if closed_now {
        serde_json::json!([{"from": "09:00", "to": "17:00"}])
    } else {
        serde_json::json!([{"from": "00:00", "to": "24:00"}])
    };
    serde_json::from_value(serde_json::json!({"time_zone": "UTC", "weekly": {"thu": ranges}}))
        .expect("hours")
}

#[test]
fn someone_can_chat_only_when_open_and_an_agent_is_free() {
    let alice = AgentId::new("alice");
    let mut r = router(1, None);
    assert_eq!(
        r.availability(NOW),
        Availability {
            open: true,
            can_chat: false
        },
        "nobody online"
    );
    r.upsert_agent(alice.clone(), true, vec![], NOW);
    r.set_connected(&alice, true, NOW);
    r.set_presence(&alice, true, true, NOW);
    assert!(r.availability(NOW).can_chat);
    // Away: nobody to chat with.
    r.set_presence(&alice, true, false, NOW);
    assert!(!r.availability(NOW).can_chat);
    r.set_presence(&alice, true, true, NOW);
    // At capacity (an offer holds the one slot): nobody free.
    r.request(
        ConversationId::new("c1"),
        &Routing::RoundRobin,
        &VisitorFacts::default(),
        NOW,
    );
    assert!(!r.availability(NOW).can_chat);
}

#[test]
fn closed_hours_mean_nobody_whoever_is_online() {
    let alice = AgentId::new("alice");
    for closed in [true, false] {
        let mut r = router(10, Some(hours(closed)));
        r.upsert_agent(alice.clone(), true, vec![], NOW);
        r.set_connected(&alice, true, NOW);
        r.set_presence(&alice, true, true, NOW);
        assert_eq!(
            r.availability(NOW),
            Availability {
                open: !closed,
                can_chat: !closed
            }
        );
    }
}
