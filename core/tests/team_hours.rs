//! Teams' own business hours in routing: a closed team takes no chats, and an agent none of
//! whose teams is open is offered none, whatever the routing mode.

use std::collections::BTreeMap;

use parlor_core::hours::BusinessHours;
use parlor_core::routing::{
    AuditOutcome, FallbackReason, Router, Routing, RoutingEffect, RoutingSettings, SkipReason,
    VisitorFacts,
};
use parlor_core::{AgentId, ConversationId, Millis, TeamId};

/// Monday 2026-11-30, 08:00 in Paris (07:00 UTC).
const MON_8_PARIS: Millis = Millis(1_796_022_000_000);
const HOUR: u64 = 3_600_000;

fn at_hours(h: u64) -> Millis {
    Millis(MON_8_PARIS.0 + h * HOUR)
}

/// Weekdays 09:00–17:00 in `zone`.
fn office(zone: &str) -> BusinessHours {
    let day = serde_json::json!([{"from": "09:00", "to": "17:00"}]);
    serde_json::from_value(serde_json::json!({
        "time_zone": zone,
        "weekly": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day},
    }))
    .expect("valid hours")
}

/// Paris team "sales" (09–17 Paris), New York team "us" (09–17 New York); a1 in sales, a2 in
/// us, a3 in both, a4 in no team.
fn router() -> Router {
    let settings = RoutingSettings {
        team_hours: BTreeMap::from([
            (TeamId::new("sales"), office("Europe/Paris")),
            (TeamId::new("us"), office("America/New_York")),
        ]),
        ..RoutingSettings::default()
    };
    let mut r = Router::new(settings);
    for (id, teams) in [
        ("a1", vec!["sales"]),
        ("a2", vec!["us"]),
        ("a3", vec!["sales", "us"]),
        ("a4", vec![]),
    ] {
        let teams = teams.into_iter().map(TeamId::new).collect();
        r.upsert_agent(AgentId::new(id), true, teams, MON_8_PARIS);
        r.set_presence(&AgentId::new(id), true, true, MON_8_PARIS);
    }
    r
}

fn request(r: &mut Router, conv: &str, routing: Routing, now: Millis) -> Vec<RoutingEffect> {
    r.request(
        ConversationId::new(conv),
        &routing,
        &VisitorFacts::default(),
        now,
    )
}

fn offered_to(fx: &[RoutingEffect]) -> Option<String> {
    fx.iter().find_map(|e| match e {
        RoutingEffect::Offered { agent, .. } => Some(agent.as_str().to_owned()),
        _ => None,
    })
}

fn fell_back(fx: &[RoutingEffect]) -> Option<FallbackReason> {
    fx.iter().find_map(|e| match e {
        RoutingEffect::FellBack { reason, .. } => Some(*reason),
        _ => None,
    })
}

fn team(t: &str) -> Routing {
    Routing::Team {
        team: TeamId::new(t),
    }
}

#[test]
fn a_closed_team_falls_back_at_once_as_outside_hours() {
    let mut r = router();
    // 08:00 Paris: sales opens at 09:00.
    let fx = request(&mut r, "c1", team("sales"), MON_8_PARIS);
    assert_eq!(offered_to(&fx), None);
    assert_eq!(fell_back(&fx), Some(FallbackReason::OutsideHours));
    // 10:00 Paris: open.
    let fx = request(&mut r, "c2", team("sales"), at_hours(2));
    assert!(offered_to(&fx).is_some());
}

#[test]
fn round_robin_skips_agents_whose_every_team_is_closed() {
    let mut r = router();
    // 10:00 Paris = 04:00 New York: sales open, us closed. a2 (us only) is skipped as outside
    // hours; a1, a3 (sales) and a4 (no team) take chats.
    let mut seen = Vec::new();
    let mut a2_outside_hours = 0;
    for i in 0..6 {
        let fx = request(&mut r, &format!("c{i}"), Routing::RoundRobin, at_hours(2));
        seen.push(offered_to(&fx).expect("offered"));
        for e in &fx {
            if let RoutingEffect::Audit(entry) = e {
                a2_outside_hours += entry
                    .skipped
                    .iter()
                    .filter(|s| s.agent.as_str() == "a2" && s.reason == SkipReason::OutsideHours)
                    .count();
            }
        }
    }
    assert!(a2_outside_hours > 0, "a2 passed over as outside hours");
    assert!(!seen.iter().any(|a| a == "a2"), "{seen:?}");
    for a in ["a1", "a3", "a4"] {
        assert!(seen.iter().any(|s| s == a), "{a} in {seen:?}");
    }
}

#[test]
fn an_agent_in_two_teams_works_the_hours_of_either() {
    let mut r = router();
    // 18:00 Paris = 12:00 New York: sales closed, us open; a3 is in both.
    let now = at_hours(10);
    assert!(!r.is_eligible(&AgentId::new("a1"), now));
    assert!(r.is_eligible(&AgentId::new("a2"), now));
    assert!(r.is_eligible(&AgentId::new("a3"), now));
    assert!(r.is_eligible(&AgentId::new("a4"), now));
    // Routed to the US team, a3 may take it; to sales, nobody.
    let fx = request(&mut r, "c1", team("sales"), now);
    assert_eq!(fell_back(&fx), Some(FallbackReason::OutsideHours));
    // Agent routing to a1 (sales only): passed over as outside hours.
    let fx = request(
        &mut r,
        "c2",
        Routing::Agent {
            agent: AgentId::new("a1"),
        },
        now,
    );
    assert_eq!(fell_back(&fx), Some(FallbackReason::NoEligibleAgent));
    let reason = fx.iter().find_map(|e| match e {
        RoutingEffect::Audit(entry) => entry.skipped.first().map(|s| s.reason),
        _ => None,
    });
    assert_eq!(reason, Some(SkipReason::OutsideHours));
}

#[test]
fn a_team_that_closes_while_an_offer_is_out_takes_no_next_offer() {
    let mut r = router();
    // 16:59:30 Paris: sales open; offered, then declined at 17:00:30 when sales has closed.
    let now = Millis(at_hours(9).0 - 30_000);
    let fx = request(&mut r, "c1", team("sales"), now);
    let (offer, agent) = fx
        .iter()
        .find_map(|e| match e {
            RoutingEffect::Offered { offer, agent, .. } => Some((*offer, agent.clone())),
            _ => None,
        })
        .expect("offered");
    let fx = r
        .decline(&agent, offer, Millis(at_hours(9).0 + 30_000))
        .expect("declined");
    assert_eq!(offered_to(&fx), None);
    assert_eq!(fell_back(&fx), Some(FallbackReason::OutsideHours));
    let outcome = fx.iter().find_map(|e| match e {
        RoutingEffect::Audit(entry) => Some(entry.outcome.clone()),
        _ => None,
    });
    assert!(matches!(outcome, Some(AuditOutcome::FellBack { .. })));
}

#[test]
fn availability_counts_only_agents_within_their_teams_hours() {
    let mut r = router();
    for a in ["a3", "a4"] {
        r.set_presence(&AgentId::new(a), true, false, MON_8_PARIS);
    }
    // 08:00 Paris = 02:00 New York: a1 (sales) and a2 (us) both outside hours.
    assert!(!r.availability(MON_8_PARIS).can_chat);
    // 10:00 Paris: a1 is in.
    assert!(r.availability(at_hours(2)).can_chat);
}

/// A transfer to a team that closes while it is out ends (the chat stays with its holder)
/// rather than moving on to members who are on only through another team's hours.
#[test]
fn a_transfer_to_a_team_that_closed_meanwhile_ends_with_the_holder() {
    use parlor_core::routing::{RuleTarget, WithdrawReason};
    let mut r = router();
    let (a1, a2, a3) = (AgentId::new("a1"), AgentId::new("a2"), AgentId::new("a3"));
    let c1 = ConversationId::new("c1");
    // 16:00 in Paris (10:00 in New York): a2, of the "us" team, takes the chat.
    let fx = request(
        &mut r,
        "c1",
        Routing::Agent { agent: a2.clone() },
        at_hours(8),
    );
    let Some(RoutingEffect::Offered { offer, .. }) = fx
        .iter()
        .find(|e| matches!(e, RoutingEffect::Offered { .. }))
    else {
        panic!("a2 is offered the chat: {fx:?}")
    };
    r.accept(&a2, *offer, at_hours(8)).expect("a2 accepts");
    // 16:59:30: a2 hands it to sales; a3 is away, so a1 is offered it.
    let half_past = Millis(at_hours(9).0 - 30_000);
    r.set_presence(&a3, true, false, half_past);
    let to_sales = RuleTarget::Team {
        team: TeamId::new("sales"),
    };
    let fx = r
        .transfer(&c1, &a2, &to_sales, half_past)
        .expect("sales is open");
    assert_eq!(offered_to(&fx).as_deref(), Some("a1"));
    let transfer = r.offers_of(&a1)[0].offer;
    // 17:00:30: sales has closed; a3 is back (open through "us"); a1 declines.
    let ten_past = Millis(at_hours(9).0 + 30_000);
    r.set_presence(&a3, true, true, ten_past);
    let fx = r.decline(&a1, transfer, ten_past).expect("declined");
    assert_eq!(offered_to(&fx), None, "not offered on to a3: {fx:?}");
    assert!(fx.iter().any(|e| matches!(
        e,
        RoutingEffect::TransferEnded { agent, reason: WithdrawReason::Declined, .. } if agent == &a2
    )));
    assert_eq!(fell_back(&fx), None, "a transfer never falls back");
    assert_eq!(r.agent_of(&c1), Some(&a2), "the chat stays with a2");
}
