//! Unit tests of the routing engine, one behaviour per test, through the public API.

use parlor_core::protocol::FallbackKind;
use parlor_core::routing::{
    AuditOutcome, AuditTrigger, Condition, FallbackReason, Operator, Plan, Router, Routing,
    RoutingEffect, RoutingError, RoutingMode, RoutingSettings, Rule, RuleTarget, SkipReason,
    Subject, VisitorFacts, WithdrawReason,
};
use parlor_core::{AgentId, ConversationId, Millis, TeamId};

const T0: Millis = Millis(1_000_000);

fn a(s: &str) -> AgentId {
    AgentId::new(s)
}
fn c(s: &str) -> ConversationId {
    ConversationId::new(s)
}
fn team(s: &str) -> TeamId {
    TeamId::new(s)
}
fn at(ms: u64) -> Millis {
    Millis(T0.0 + ms)
}

/// A router with the given agents online and available, with live-chat permission.
fn router(settings: RoutingSettings, agents: &[(&str, &[&str])]) -> Router {
    let mut r = Router::new(settings);
    for (id, teams) in agents {
        let teams = teams.iter().map(|t| team(t)).collect();
        assert!(r.upsert_agent(a(id), true, teams, T0).is_empty());
        assert!(r.set_presence(&a(id), true, true, T0).is_empty());
    }
    r
}

fn std_router(agents: &[&str]) -> Router {
    let v: Vec<(&str, &[&str])> = agents.iter().map(|x| (*x, &[][..])).collect();
    router(RoutingSettings::default(), &v)
}

fn offered(effects: &[RoutingEffect]) -> Option<(u64, AgentId, Millis)> {
    effects.iter().find_map(|e| match e {
        RoutingEffect::Offered {
            offer,
            agent,
            deadline,
            ..
        } => Some((*offer, agent.clone(), *deadline)),
        _ => None,
    })
}

fn fell_back(effects: &[RoutingEffect]) -> Option<(FallbackKind, FallbackReason)> {
    effects.iter().find_map(|e| match e {
        RoutingEffect::FellBack { kind, reason, .. } => Some((*kind, *reason)),
        _ => None,
    })
}

fn withdrawn(effects: &[RoutingEffect]) -> Vec<(u64, WithdrawReason)> {
    effects
        .iter()
        .filter_map(|e| match e {
            RoutingEffect::OfferWithdrawn { offer, reason, .. } => Some((*offer, *reason)),
            _ => None,
        })
        .collect()
}

fn audits(effects: &[RoutingEffect]) -> Vec<&parlor_core::routing::AuditEntry> {
    effects
        .iter()
        .filter_map(|e| match e {
            RoutingEffect::Audit(x) => Some(x),
            _ => None,
        })
        .collect()
}

fn req(r: &mut Router, conv: &str, routing: &Routing, now: Millis) -> Vec<RoutingEffect> {
    r.request(c(conv), routing, &VisitorFacts::default(), now)
}

/// Requests and returns the agent offered.
fn offer_to(r: &mut Router, conv: &str, routing: &Routing, now: Millis) -> (u64, AgentId) {
    let fx = req(r, conv, routing, now);
    let (o, ag, _) = offered(&fx).unwrap_or_else(|| panic!("no offer: {fx:?}"));
    (o, ag)
}

#[test]
fn round_robin_goes_in_sequential_order_and_wraps() {
    let mut r = std_router(&["a1", "a2", "a3"]);
    let got: Vec<String> = (0..7)
        .map(|i| {
            let (o, ag) = offer_to(&mut r, &format!("c{i}"), &Routing::RoundRobin, T0);
            r.accept(&ag, o, T0).unwrap();
            r.release(&c(&format!("c{i}")), T0);
            ag.0
        })
        .collect();
    assert_eq!(got, ["a1", "a2", "a3", "a1", "a2", "a3", "a1"]);
}

#[test]
fn round_robin_cursor_persists_across_serde() {
    let mut r = std_router(&["a1", "a2", "a3"]);
    offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let json = serde_json::to_string(&r).unwrap();
    let mut r2: Router = serde_json::from_str(&json).unwrap();
    r2.check_invariants().unwrap();
    assert_eq!(
        serde_json::to_string(&r2).unwrap(),
        json,
        "deterministic serialisation"
    );
    let (_, ag) = offer_to(&mut r2, "c2", &Routing::RoundRobin, T0);
    assert_eq!(ag, a("a2"));
    assert_eq!(r2.load(&a("a1")), 1);
    assert_eq!(r2.next_deadline(), r.next_deadline());
}

#[test]
fn round_robin_skips_offline_away_no_permission_and_full_agents_and_audits_why() {
    let mut r = router(
        RoutingSettings {
            capacity: 1,
            ..RoutingSettings::default()
        },
        &[
            ("a1", &[]),
            ("a2", &[]),
            ("a3", &[]),
            ("a4", &[]),
            ("a5", &[]),
        ],
    );
    r.set_presence(&a("a1"), false, false, T0);
    r.set_presence(&a("a2"), true, false, T0);
    r.upsert_agent(a("a3"), false, vec![], T0);
    offer_to(&mut r, "busy", &Routing::Agent { agent: a("a4") }, T0);
    let fx = req(&mut r, "c1", &Routing::RoundRobin, T0);
    assert_eq!(offered(&fx).unwrap().1, a("a5"));
    let audit = audits(&fx)[0];
    let why: Vec<(&str, SkipReason)> = audit
        .skipped
        .iter()
        .map(|s| (s.agent.as_str(), s.reason))
        .collect();
    assert_eq!(
        why,
        [
            ("a1", SkipReason::Offline),
            ("a2", SkipReason::Away),
            ("a3", SkipReason::NoPermission),
            ("a4", SkipReason::AtCapacity)
        ]
    );
    assert_eq!(audit.skipped_total, 4);
    assert_eq!(audit.mode, RoutingMode::RoundRobin);
}

#[test]
fn no_eligible_agent_falls_back_to_live_chat_at_once() {
    let mut r = std_router(&["a1"]);
    r.set_presence(&a("a1"), true, false, T0);
    let fx = req(&mut r, "c1", &Routing::RoundRobin, T0);
    assert_eq!(
        fell_back(&fx),
        Some((FallbackKind::LiveChat, FallbackReason::NoEligibleAgent))
    );
    assert!(offered(&fx).is_none());
    assert_eq!(r.next_deadline(), None);
    let mut empty = Router::default();
    let fx = req(&mut empty, "c2", &Routing::RoundRobin, T0);
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::NoEligibleAgent);
}

#[test]
fn fallback_carries_the_visitor_facts() {
    let mut r = Router::default();
    let mut facts = VisitorFacts::default();
    facts.fields.insert("email".into(), "x@y.z".into());
    let fx = r.request(c("c1"), &Routing::RoundRobin, &facts, T0);
    assert!(fx.iter().any(
        |e| matches!(e, RoutingEffect::FellBack { facts: f, conversation, .. } if *f == facts && *conversation == c("c1"))
    ));
}

#[test]
fn agent_mode_offers_to_that_agent_only() {
    let mut r = std_router(&["a1", "a2"]);
    let routing = Routing::Agent { agent: a("a2") };
    for i in 0..3 {
        let (_, ag) = offer_to(&mut r, &format!("c{i}"), &routing, T0);
        assert_eq!(ag, a("a2"));
    }
    r.set_presence(&a("a2"), false, false, at(1));
    let fx = req(&mut r, "c9", &routing, at(1));
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::NoEligibleAgent);
    assert_eq!(audits(&fx)[0].skipped[0].reason, SkipReason::Offline);
    let fx = req(&mut r, "c10", &Routing::Agent { agent: a("nobody") }, at(1));
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::UnknownAgent);
}

#[test]
fn team_mode_round_robins_within_the_team_with_its_own_cursor() {
    let mut r = router(
        RoutingSettings::default(),
        &[
            ("a1", &["sales"]),
            ("a2", &["support"]),
            ("a3", &["sales"]),
            ("a4", &["sales", "support"]),
        ],
    );
    let sales = Routing::Team {
        team: team("sales"),
    };
    let support = Routing::Team {
        team: team("support"),
    };
    let mut got = vec![];
    for i in 0..4 {
        got.push(offer_to(&mut r, &format!("s{i}"), &sales, T0).1 .0);
        got.push(offer_to(&mut r, &format!("p{i}"), &support, T0).1 .0);
    }
    assert_eq!(got, ["a1", "a2", "a3", "a4", "a4", "a2", "a1", "a4"]);
    // The workspace round-robin cursor was not moved by team routing.
    assert_eq!(offer_to(&mut r, "rr", &Routing::RoundRobin, T0).1, a("a1"));
    let fx = req(&mut r, "x", &Routing::Team { team: team("nope") }, T0);
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::UnknownTeam);
    assert_eq!(audits(&fx)[0].mode, RoutingMode::Team);
}

#[test]
fn team_membership_changes_keep_the_cursor_sane() {
    let mut r = router(
        RoutingSettings::default(),
        &[("a1", &["t"]), ("a2", &["t"]), ("a3", &["t"])],
    );
    let t = Routing::Team { team: team("t") };
    assert_eq!(offer_to(&mut r, "c1", &t, T0).1, a("a1"));
    assert_eq!(offer_to(&mut r, "c2", &t, T0).1, a("a2"));
    r.upsert_agent(a("a1"), true, vec![], T0); // a1 leaves the team
    assert_eq!(offer_to(&mut r, "c3", &t, T0).1, a("a3"));
    assert_eq!(offer_to(&mut r, "c4", &t, T0).1, a("a2"));
    r.remove_agent(&a("a3"), T0);
    assert_eq!(offer_to(&mut r, "c5", &t, T0).1, a("a2"));
    assert_eq!(r.agent(&a("a1")).unwrap().teams, Vec::<TeamId>::new());
}

fn country_rule(country: &str, target: RuleTarget) -> Rule {
    Rule {
        conditions: vec![Condition {
            subject: Subject::Country,
            op: Operator::Equals,
            values: vec![country.into()],
        }],
        target,
    }
}

#[test]
fn rules_first_match_wins_and_routes_to_agent_or_team() {
    let mut r = router(
        RoutingSettings::default(),
        &[("a1", &[]), ("a2", &["fr"]), ("a3", &["fr"])],
    );
    let routing = Routing::Rules {
        rules: vec![
            country_rule("de", RuleTarget::Agent { agent: a("a1") }),
            country_rule("fr", RuleTarget::Team { team: team("fr") }),
            country_rule("fr", RuleTarget::Agent { agent: a("a1") }),
        ],
    };
    let fr = VisitorFacts {
        country: " FR ".into(),
        ..VisitorFacts::default()
    };
    let fx = r.request(c("c1"), &routing, &fr, T0);
    assert_eq!(offered(&fx).unwrap().1, a("a2"));
    let audit = audits(&fx)[0];
    assert_eq!((audit.mode, audit.rule), (RoutingMode::Rules, Some(1)));
    assert_eq!(audit.team, Some(team("fr")));
    assert_eq!(
        offered(&r.request(c("c2"), &routing, &fr, T0)).unwrap().1,
        a("a3")
    );
    let de = VisitorFacts {
        country: "de".into(),
        ..VisitorFacts::default()
    };
    assert_eq!(
        offered(&r.request(c("c3"), &routing, &de, T0)).unwrap().1,
        a("a1")
    );
}

#[test]
fn no_rule_matches_falls_back_to_live_chat() {
    let mut r = std_router(&["a1"]);
    let routing = Routing::Rules {
        rules: vec![country_rule("de", RuleTarget::Agent { agent: a("a1") })],
    };
    let fx = req(&mut r, "c1", &routing, T0);
    assert_eq!(
        fell_back(&fx),
        Some((FallbackKind::LiveChat, FallbackReason::NoRuleMatched))
    );
    assert_eq!(r.load(&a("a1")), 0);
}

#[test]
fn capacity_counts_accepted_chats_and_outstanding_offers() {
    let mut r = router(
        RoutingSettings {
            capacity: 3,
            ..RoutingSettings::default()
        },
        &[("a1", &[])],
    );
    let (o1, _) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    r.accept(&a("a1"), o1, T0).unwrap();
    offer_to(&mut r, "c2", &Routing::RoundRobin, T0);
    offer_to(&mut r, "c3", &Routing::RoundRobin, T0);
    assert_eq!(r.load(&a("a1")), 3);
    assert_eq!(r.offers_of(&a("a1")).len(), 2);
    assert_eq!(r.chats_of(&a("a1")), vec![(c("c1"), T0)]);
    let fx = req(&mut r, "c4", &Routing::RoundRobin, T0);
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::NoEligibleAgent);
    assert_eq!(audits(&fx)[0].skipped[0].reason, SkipReason::AtCapacity);
    r.check_invariants().unwrap();
}

#[test]
fn default_capacity_is_ten() {
    let mut r = std_router(&["a1"]);
    for i in 0..10 {
        offer_to(&mut r, &format!("c{i}"), &Routing::RoundRobin, T0);
    }
    let fx = req(&mut r, "c10", &Routing::RoundRobin, T0);
    assert!(fell_back(&fx).is_some());
    assert_eq!(r.load(&a("a1")), 10);
}

#[test]
fn accept_before_deadline_counts_an_engagement() {
    let mut r = std_router(&["a1"]);
    let (o, _) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let fx = r.accept(&a("a1"), o, at(99_999)).unwrap();
    assert!(
        matches!(&fx[0], RoutingEffect::Accepted { offer, agent, .. } if *offer == o && *agent == a("a1"))
    );
    assert!(matches!(
        audits(&fx)[0].outcome,
        AuditOutcome::Accepted { .. }
    ));
    assert_eq!(r.engagements(), 1);
    assert_eq!(r.load(&a("a1")), 1);
    assert_eq!(r.agent_of(&c("c1")), Some(&a("a1")));
    assert_eq!(r.next_deadline(), None);
    assert!(
        r.on_timer(at(200_000)).is_empty(),
        "accepted offers never expire"
    );
    assert_eq!(
        r.accept(&a("a1"), o, at(1)),
        Err(RoutingError::OfferClosed(o))
    );
}

#[test]
fn accept_errors_change_nothing() {
    let mut r = std_router(&["a1", "a2"]);
    let (o, _) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    assert_eq!(
        r.accept(&a("a2"), o, T0),
        Err(RoutingError::NotYourOffer(o))
    );
    assert_eq!(
        r.accept(&a("a1"), 999, T0),
        Err(RoutingError::UnknownOffer(999))
    );
    assert_eq!(
        r.accept(&a("zz"), o, T0),
        Err(RoutingError::UnknownAgent(a("zz")))
    );
    assert_eq!(
        r.decline(&a("a2"), o, T0),
        Err(RoutingError::NotYourOffer(o))
    );
    assert_eq!(r.pending_count(), 1);
    assert_eq!(r.load(&a("a1")), 1);
}

#[test]
fn accept_at_or_after_the_deadline_is_rejected() {
    let mut r = std_router(&["a1"]);
    let (o, _, deadline) = offered(&req(&mut r, "c1", &Routing::RoundRobin, T0)).unwrap();
    assert_eq!(deadline, at(100_000));
    assert_eq!(
        r.accept(&a("a1"), o, deadline),
        Err(RoutingError::Expired { offer: o, deadline })
    );
    let fx = r.on_timer(deadline);
    assert_eq!(withdrawn(&fx), [(o, WithdrawReason::Expired)]);
    assert_eq!(
        r.accept(&a("a1"), o, deadline),
        Err(RoutingError::OfferClosed(o))
    );
    assert_eq!(r.engagements(), 0);
}

#[test]
fn expiry_frees_the_slot_and_falls_back() {
    let mut r = std_router(&["a1"]);
    let (o, _) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    assert!(r.on_timer(at(99_999)).is_empty(), "early timer is harmless");
    let fx = r.on_timer(at(100_000));
    assert_eq!(withdrawn(&fx), [(o, WithdrawReason::Expired)]);
    assert_eq!(
        fell_back(&fx),
        Some((FallbackKind::LiveChat, FallbackReason::OfferExpired))
    );
    assert_eq!(r.load(&a("a1")), 0);
    assert_eq!(r.pending_count(), 0);
}

#[test]
fn on_timer_is_idempotent_and_handles_late_calls() {
    let mut r = std_router(&["a1", "a2"]);
    offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    offer_to(&mut r, "c2", &Routing::RoundRobin, at(10));
    assert_eq!(r.next_deadline(), Some(at(100_000)));
    let late = r.on_timer(at(500_000));
    assert_eq!(withdrawn(&late).len(), 2);
    assert_eq!(
        late.iter()
            .filter(|e| matches!(e, RoutingEffect::FellBack { .. }))
            .count(),
        2
    );
    assert!(r.on_timer(at(500_000)).is_empty(), "twice");
    assert!(r.on_timer(at(600_000)).is_empty());
    assert_eq!(r.next_deadline(), None);
}

#[test]
fn team_decline_offers_the_next_member_on_any_plan_then_falls_back() {
    for plan in [Plan::Select, Plan::Standard, Plan::Prime] {
        let mut r = router(
            RoutingSettings::with_plan(plan),
            &[("a1", &["t"]), ("x", &[]), ("a2", &["t"])],
        );
        let (o, ag) = offer_to(&mut r, "c1", &Routing::Team { team: team("t") }, T0);
        assert_eq!(ag, a("a1"));
        let fx = r.decline(&ag, o, at(5)).unwrap();
        assert_eq!(withdrawn(&fx), [(o, WithdrawReason::Declined)]);
        assert!(fell_back(&fx).is_none(), "{plan:?}");
        let (o2, ag2, deadline) = offered(&fx).unwrap();
        assert_eq!((ag2.clone(), deadline), (a("a2"), at(100_005)));
        assert_eq!(audits(&fx)[0].team, Some(team("t")));
        assert_eq!(r.load(&a("a1")), 0);
        let fx = r.decline(&ag2, o2, at(6)).unwrap();
        assert_eq!(withdrawn(&fx), [(o2, WithdrawReason::Declined)]);
        assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::OfferDeclined);
        assert!(offered(&fx).is_none());
        let skipped: Vec<_> = audits(&fx)[0].skipped.iter().map(|s| s.reason).collect();
        assert_eq!(
            skipped,
            [SkipReason::AlreadyTried, SkipReason::AlreadyTried]
        );
        assert_eq!(r.pending_count(), 0);
    }
}

#[test]
fn standard_team_timeout_falls_back_although_others_are_free() {
    let mut r = router(
        RoutingSettings::with_plan(Plan::Standard),
        &[("a1", &["t"]), ("a2", &["t"])],
    );
    let (o, _) = offer_to(&mut r, "c1", &Routing::Team { team: team("t") }, T0);
    let fx = r.on_timer(at(100_000));
    assert_eq!(withdrawn(&fx), [(o, WithdrawReason::Expired)]);
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::OfferExpired);
    assert!(offered(&fx).is_none());
}

#[test]
fn prime_team_tries_one_other_agent_with_a_fresh_timeout_then_falls_back() {
    let mut r = router(
        RoutingSettings::with_plan(Plan::Prime),
        &[("a1", &["t"]), ("a2", &["t"]), ("a3", &["t"])],
    );
    let routing = Routing::Team { team: team("t") };
    let (o1, ag1) = offer_to(&mut r, "c1", &routing, T0);
    assert_eq!(ag1, a("a1"));
    let fx = r.on_timer(at(100_000));
    assert_eq!(withdrawn(&fx), [(o1, WithdrawReason::Expired)]);
    let (o2, ag2, d2) = offered(&fx).unwrap();
    assert_eq!(ag2, a("a2"));
    assert_eq!(d2, at(200_000), "fresh full timeout");
    assert!(fell_back(&fx).is_none());
    let audit = audits(&fx)[0];
    assert!(
        matches!(&audit.trigger, AuditTrigger::OfferEnded { reason: WithdrawReason::Expired, agent, offer } if *agent == a("a1") && *offer == o1)
    );
    assert!(matches!(
        audit.outcome,
        AuditOutcome::Offered { attempt: 1, .. }
    ));
    assert_eq!(r.load(&a("a1")), 0);
    // Only one extra attempt.
    let fx = r.on_timer(d2);
    assert_eq!(withdrawn(&fx), [(o2, WithdrawReason::Expired)]);
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::OfferExpired);
    assert!(offered(&fx).is_none());
}

#[test]
fn prime_team_declines_use_no_extra_attempt_timeouts_do() {
    let mut r = router(
        RoutingSettings::with_plan(Plan::Prime),
        &[
            ("a1", &["t"]),
            ("a2", &["t"]),
            ("a3", &["t"]),
            ("a4", &["t"]),
        ],
    );
    let (o1, _) = offer_to(&mut r, "c1", &Routing::Team { team: team("t") }, T0);
    let fx = r.decline(&a("a1"), o1, at(10)).unwrap();
    let (o2, ag2, d2) = offered(&fx).unwrap();
    assert_eq!(ag2, a("a2"));
    // a2 times out: the one extra attempt goes to a3.
    let fx = r.on_timer(d2);
    assert_eq!(withdrawn(&fx), [(o2, WithdrawReason::Expired)]);
    let (o3, ag3, d3) = offered(&fx).unwrap();
    assert_eq!((ag3, d3), (a("a3"), d2.after(Millis(100_000))));
    // a3 declines: declines always move on, to a4.
    let fx = r.decline(&a("a3"), o3, d3.since(Millis(1))).unwrap();
    let (_, ag4, d4) = offered(&fx).unwrap();
    assert_eq!(ag4, a("a4"));
    assert_eq!(r.tried(&c("c1")), [a("a1"), a("a2"), a("a3"), a("a4")]);
    // a4 times out: the extra attempt is used up.
    let fx = r.on_timer(d4);
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::OfferExpired);
    assert!(offered(&fx).is_none());
    assert!(r.tried(&c("c1")).is_empty());
}

#[test]
fn prime_team_expiry_tries_a_different_agent_even_when_the_cursor_wraps() {
    let mut r = router(
        RoutingSettings::with_plan(Plan::Prime),
        &[("a1", &["t"]), ("a2", &["t"])],
    );
    let routing = Routing::Team { team: team("t") };
    offer_to(&mut r, "c0", &routing, T0); // a1; cursor now at a2
    let (_, ag) = offer_to(&mut r, "c1", &routing, T0); // a2; cursor wraps to a1
    assert_eq!(ag, a("a2"));
    r.cancel(&c("c0"), T0);
    let fx = r.on_timer(at(100_000));
    assert_eq!(offered(&fx).unwrap().1, a("a1"));
}

#[test]
fn prime_team_without_another_eligible_agent_falls_back() {
    let mut r = router(
        RoutingSettings::with_plan(Plan::Prime),
        &[("a1", &["t"]), ("a2", &["t"])],
    );
    r.set_presence(&a("a2"), true, false, T0);
    let (o, _) = offer_to(&mut r, "c1", &Routing::Team { team: team("t") }, T0);
    let fx = r.on_timer(at(100_000));
    assert_eq!(withdrawn(&fx), [(o, WithdrawReason::Expired)]);
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::OfferExpired);
    let skipped: Vec<_> = audits(&fx)[0].skipped.iter().map(|s| s.reason).collect();
    // The team cursor sits at a2 after offering to a1.
    assert_eq!(skipped, [SkipReason::Away, SkipReason::AlreadyTried]);
}

#[test]
fn prime_extra_attempts_do_not_apply_to_round_robin_or_agent_mode() {
    let mut r = router(
        RoutingSettings::with_plan(Plan::Prime),
        &[("a1", &["t"]), ("a2", &["t"])],
    );
    offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let fx = r.on_timer(at(100_000));
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::OfferExpired);
    assert!(offered(&fx).is_none());
    offer_to(
        &mut r,
        "c2",
        &Routing::Agent { agent: a("a2") },
        at(100_000),
    );
    let fx = r.on_timer(at(200_000));
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::OfferExpired);
    assert!(offered(&fx).is_none());
}

#[test]
fn extra_team_attempts_is_a_setting() {
    let settings = RoutingSettings {
        plan: Plan::Prime,
        extra_team_attempts: 2,
        ..RoutingSettings::default()
    };
    let mut r = router(
        settings,
        &[
            ("a1", &["t"]),
            ("a2", &["t"]),
            ("a3", &["t"]),
            ("a4", &["t"]),
        ],
    );
    let (_, ag) = offer_to(&mut r, "c1", &Routing::Team { team: team("t") }, T0);
    let mut seen = vec![ag];
    let mut now = T0;
    for _ in 0..2 {
        now = r.next_deadline().unwrap();
        let fx = r.on_timer(now);
        seen.push(offered(&fx).unwrap().1);
    }
    assert_eq!(seen, [a("a1"), a("a2"), a("a3")]);
    let fx = r.on_timer(now.after(Millis(100_000)));
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::OfferExpired);
    assert_eq!(r.load(&a("a4")), 0, "a4 was never tried");
}

#[test]
fn agent_going_offline_or_away_with_a_pending_offer_moves_routing_on_at_once() {
    let mut r = router(
        RoutingSettings::with_plan(Plan::Prime),
        &[("a1", &["t"]), ("a2", &["t"])],
    );
    let (o1, _) = offer_to(&mut r, "c1", &Routing::Team { team: team("t") }, T0);
    let (o2, _) = offer_to(&mut r, "c2", &Routing::RoundRobin, T0);
    assert_eq!(r.load(&a("a1")), 2);
    let fx = r.set_presence(&a("a1"), true, false, at(10));
    assert_eq!(
        withdrawn(&fx),
        [
            (o1, WithdrawReason::AgentUnavailable),
            (o2, WithdrawReason::AgentUnavailable)
        ]
    );
    assert_eq!(r.load(&a("a1")), 0);
    // c1 (team) and c2 (round robin) both moved to a2 with a fresh timeout.
    let moved: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            RoutingEffect::Offered {
                conversation,
                agent,
                deadline,
                ..
            } => Some((conversation.clone(), agent.clone(), *deadline)),
            _ => None,
        })
        .collect();
    assert_eq!(
        moved,
        [
            (c("c1"), a("a2"), at(100_010)),
            (c("c2"), a("a2"), at(100_010))
        ]
    );
    assert!(fell_back(&fx).is_none());
    // Offline with offers: nobody is left, both fall back.
    let fx = r.set_presence(&a("a2"), false, false, at(20));
    assert_eq!(withdrawn(&fx).len(), 2);
    let reasons: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            RoutingEffect::FellBack { reason, .. } => Some(*reason),
            _ => None,
        })
        .collect();
    assert_eq!(reasons, [FallbackReason::AgentUnavailable; 2]);
    assert!(offered(&fx).is_none());
    r.check_invariants().unwrap();
}

#[test]
fn going_away_keeps_accepted_chats() {
    let mut r = std_router(&["a1"]);
    let (o, _) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    r.accept(&a("a1"), o, T0).unwrap();
    assert!(r.set_presence(&a("a1"), false, false, at(1)).is_empty());
    assert_eq!(r.load(&a("a1")), 1);
}

#[test]
fn removing_an_agent_or_its_permission_withdraws_offers() {
    let mut r = std_router(&["a1", "a2"]);
    let (o1, _) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let (o2, _) = offer_to(&mut r, "c2", &Routing::RoundRobin, T0);
    let fx = r.upsert_agent(a("a1"), false, vec![], at(1));
    assert_eq!(withdrawn(&fx), [(o1, WithdrawReason::AgentUnavailable)]);
    let (o3, ag, _) = offered(&fx).unwrap();
    assert_eq!(ag, a("a2"), "c1 moved on to a2");
    let fx = r.remove_agent(&a("a2"), at(1));
    assert_eq!(
        withdrawn(&fx),
        [
            (o2, WithdrawReason::AgentUnavailable),
            (o3, WithdrawReason::AgentUnavailable)
        ]
    );
    assert!(offered(&fx).is_none(), "a1 has no permission any more");
    assert_eq!(r.agents().count(), 1);
    let fx = req(&mut r, "c3", &Routing::Agent { agent: a("a2") }, at(2));
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::UnknownAgent);
    // Coming back keeps the original round-robin place.
    r.upsert_agent(a("a2"), true, vec![], at(3));
    r.upsert_agent(a("a1"), true, vec![], at(3));
    assert_eq!(r.agents().cloned().collect::<Vec<_>>(), [a("a1"), a("a2")]);
}

#[test]
fn select_plan_engagement_limit_gives_global_fallback() {
    let settings = RoutingSettings {
        plan: Plan::Select,
        engagement_limit: 2,
        ..RoutingSettings::default()
    };
    let mut r = router(settings, &[("a1", &[])]);
    for i in 0..2 {
        let (o, _) = offer_to(&mut r, &format!("c{i}"), &Routing::RoundRobin, T0);
        r.accept(&a("a1"), o, T0).unwrap();
    }
    assert_eq!(r.engagements(), 2);
    let fx = req(&mut r, "c2", &Routing::RoundRobin, T0);
    assert_eq!(
        fell_back(&fx),
        Some((FallbackKind::Global, FallbackReason::EngagementLimitReached))
    );
    // Releasing chats does not give engagements back: the limit is for life.
    r.release(&c("c0"), T0);
    let fx = req(&mut r, "c3", &Routing::Agent { agent: a("a1") }, T0);
    assert_eq!(fell_back(&fx).unwrap().0, FallbackKind::Global);
}

#[test]
fn select_plan_outstanding_offers_reserve_engagements() {
    let settings = RoutingSettings {
        plan: Plan::Select,
        engagement_limit: 1,
        ..RoutingSettings::default()
    };
    let mut r = router(settings, &[("a1", &[]), ("a2", &[])]);
    let (o, _) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let fx = req(&mut r, "c2", &Routing::RoundRobin, T0);
    assert_eq!(fell_back(&fx).unwrap().0, FallbackKind::Global);
    // The decline moves c1 on to a2; it still holds the one engagement left.
    let (o2, ag, _) = offered(&r.decline(&a("a1"), o, T0).unwrap()).unwrap();
    assert_eq!(ag, a("a2"));
    let fx = req(&mut r, "c3", &Routing::RoundRobin, T0);
    assert_eq!(fell_back(&fx).unwrap().0, FallbackKind::Global);
    let fx = r.decline(&a("a2"), o2, T0).unwrap();
    assert_eq!(
        fell_back(&fx),
        Some((FallbackKind::LiveChat, FallbackReason::OfferDeclined))
    );
    offer_to(&mut r, "c4", &Routing::RoundRobin, T0);
}

#[test]
fn select_plan_lowered_limit_stops_a_decline_from_moving_on() {
    let settings = RoutingSettings {
        plan: Plan::Select,
        engagement_limit: 2,
        ..RoutingSettings::default()
    };
    let mut r = router(settings, &[("a1", &[]), ("a2", &[])]);
    let (o1, _) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    offer_to(&mut r, "c2", &Routing::RoundRobin, T0);
    r.set_settings(RoutingSettings {
        engagement_limit: 1,
        ..r.settings().clone()
    });
    let fx = r.decline(&a("a1"), o1, T0).unwrap();
    assert_eq!(
        fell_back(&fx),
        Some((FallbackKind::Global, FallbackReason::EngagementLimitReached))
    );
    assert!(offered(&fx).is_none());
}

#[test]
fn engagement_limit_applies_on_select_only() {
    for plan in [Plan::Standard, Plan::Prime] {
        let settings = RoutingSettings {
            plan,
            engagement_limit: 1,
            ..RoutingSettings::default()
        };
        let mut r = router(settings, &[("a1", &[])]);
        for i in 0..3 {
            let (o, _) = offer_to(&mut r, &format!("c{i}"), &Routing::RoundRobin, T0);
            r.accept(&a("a1"), o, T0).unwrap();
        }
        assert_eq!(r.engagements(), 3);
    }
}

#[test]
fn lowering_the_limit_while_an_offer_is_out_refuses_the_accept_with_global_fallback() {
    let mut r = router(RoutingSettings::with_plan(Plan::Select), &[("a1", &[])]);
    let (o, _) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    r.set_settings(RoutingSettings {
        engagement_limit: 0,
        ..r.settings().clone()
    });
    let fx = r.accept(&a("a1"), o, T0).unwrap();
    assert_eq!(withdrawn(&fx), [(o, WithdrawReason::EngagementLimit)]);
    assert_eq!(fell_back(&fx).unwrap().0, FallbackKind::Global);
    assert_eq!(r.engagements(), 0);
}

#[test]
fn release_frees_the_slot() {
    let mut r = router(
        RoutingSettings {
            capacity: 1,
            ..RoutingSettings::default()
        },
        &[("a1", &[])],
    );
    let (o, _) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    r.accept(&a("a1"), o, T0).unwrap();
    assert!(fell_back(&req(&mut r, "c2", &Routing::RoundRobin, T0)).is_some());
    let fx = r.release(&c("c1"), at(1));
    assert_eq!(
        fx,
        [RoutingEffect::Released {
            conversation: c("c1"),
            agent: a("a1")
        }]
    );
    assert_eq!(r.load(&a("a1")), 0);
    assert!(r.release(&c("c1"), at(1)).is_empty(), "twice is harmless");
    offer_to(&mut r, "c3", &Routing::RoundRobin, at(2));
}

#[test]
fn cancel_withdraws_the_offer_without_fallback() {
    let mut r = router(
        RoutingSettings::with_plan(Plan::Prime),
        &[("a1", &["t"]), ("a2", &["t"])],
    );
    let (o, _) = offer_to(&mut r, "c1", &Routing::Team { team: team("t") }, T0);
    let fx = r.cancel(&c("c1"), at(5));
    assert_eq!(withdrawn(&fx), [(o, WithdrawReason::Cancelled)]);
    assert!(
        fell_back(&fx).is_none() && offered(&fx).is_none(),
        "no extra attempt either"
    );
    assert!(matches!(
        audits(&fx)[0].outcome,
        AuditOutcome::Cancelled { .. }
    ));
    assert_eq!(r.load(&a("a1")), 0);
    assert_eq!(r.next_deadline(), None);
    assert!(r.cancel(&c("c1"), at(6)).is_empty());
    assert!(r.on_timer(at(200_000)).is_empty());
    // release on a pending conversation cancels too
    let (o, _) = offer_to(&mut r, "c2", &Routing::RoundRobin, T0);
    assert_eq!(
        withdrawn(&r.release(&c("c2"), T0)),
        [(o, WithdrawReason::Cancelled)]
    );
}

#[test]
fn duplicate_request_changes_nothing() {
    let mut r = std_router(&["a1", "a2"]);
    offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let fx = req(&mut r, "c1", &Routing::RoundRobin, T0);
    assert_eq!(fx.len(), 1);
    assert!(matches!(audits(&fx)[0].outcome, AuditOutcome::Duplicate));
    assert_eq!(r.pending_count(), 1);
    assert_eq!(r.load(&a("a2")), 0);
}

#[test]
fn effects_and_audit_serialize_with_type_tags() {
    let mut r = std_router(&["a1"]);
    let fx = req(&mut r, "c1", &Routing::RoundRobin, T0);
    let json = serde_json::to_value(&fx).unwrap();
    assert_eq!(json[0]["type"], "offered");
    assert_eq!(json[0]["agent"], "a1");
    assert_eq!(json[1]["type"], "audit");
    assert_eq!(json[1]["trigger"]["trigger"], "request");
    assert_eq!(json[1]["outcome"]["outcome"], "offered");
    assert_eq!(json[1]["mode"], "round_robin");
    let back: Vec<RoutingEffect> = serde_json::from_value(json).unwrap();
    assert_eq!(back, fx);
}

#[test]
fn corrupt_state_is_rejected_not_panicking() {
    let mut r = std_router(&["a1"]);
    offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let mut v = serde_json::to_value(&r).unwrap();
    v["pending"]["1"]["agent"] = serde_json::json!(7);
    assert!(serde_json::from_value::<Router>(v).is_err());
}

// ---------------------------------------------------------------- nobody left in a dead end

fn offered_attempt(effects: &[RoutingEffect]) -> Option<u32> {
    audits(effects).iter().find_map(|e| match e.outcome {
        AuditOutcome::Offered { attempt, .. } => Some(attempt),
        _ => None,
    })
}

#[test]
fn round_robin_decline_chain_offers_each_agent_once_then_falls_back() {
    let mut r = std_router(&["a1", "a2", "a3"]);
    let (mut o, mut ag) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let mut seen = vec![ag.clone()];
    for (k, now) in [at(1_000), at(2_000)].into_iter().enumerate() {
        let fx = r.decline(&ag, o, now).unwrap();
        assert_eq!(withdrawn(&fx), [(o, WithdrawReason::Declined)]);
        assert!(fell_back(&fx).is_none());
        let (next_o, next_ag, deadline) = offered(&fx).unwrap();
        assert_eq!(deadline, now.after(Millis(100_000)), "fresh full timeout");
        assert_eq!(offered_attempt(&fx), Some(k as u32 + 1));
        let audit = audits(&fx)[0];
        assert_eq!(audit.mode, RoutingMode::RoundRobin);
        assert_eq!(
            audit.trigger,
            AuditTrigger::OfferEnded {
                agent: ag.clone(),
                offer: o,
                reason: WithdrawReason::Declined
            }
        );
        assert_eq!(r.load(&ag), 0);
        (o, ag) = (next_o, next_ag);
        seen.push(ag.clone());
        assert_eq!(r.tried(&c("c1")), seen);
    }
    assert_eq!(seen, [a("a1"), a("a2"), a("a3")]);
    let fx = r.decline(&ag, o, at(3_000)).unwrap();
    assert_eq!(
        fell_back(&fx),
        Some((FallbackKind::LiveChat, FallbackReason::OfferDeclined))
    );
    assert!(offered(&fx).is_none());
    let skipped: Vec<_> = audits(&fx)[0].skipped.iter().map(|s| s.reason).collect();
    assert_eq!(skipped, [SkipReason::AlreadyTried; 3]);
    assert_eq!(r.pending_count(), 0);
    assert!(r.tried(&c("c1")).is_empty());
    // The cursor moved past every agent offered: the next request starts over at a1.
    assert_eq!(
        offer_to(&mut r, "c2", &Routing::RoundRobin, at(4_000)).1,
        a("a1")
    );
    r.check_invariants().unwrap();
}

#[test]
fn round_robin_decline_skips_ineligible_agents() {
    let mut r = router(
        RoutingSettings {
            capacity: 1,
            ..RoutingSettings::default()
        },
        &[("a1", &[]), ("a2", &[]), ("a3", &[]), ("a4", &[])],
    );
    let (o, ag) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    assert_eq!(ag, a("a1"));
    r.set_presence(&a("a2"), true, false, T0);
    offer_to(&mut r, "busy", &Routing::Agent { agent: a("a3") }, T0);
    let fx = r.decline(&ag, o, at(1)).unwrap();
    assert_eq!(offered(&fx).unwrap().1, a("a4"));
    let why: Vec<_> = audits(&fx)[0]
        .skipped
        .iter()
        .map(|s| (s.agent.as_str(), s.reason))
        .collect();
    assert_eq!(
        why,
        [("a2", SkipReason::Away), ("a3", SkipReason::AtCapacity)]
    );
}

#[test]
fn agent_routing_decline_falls_back_at_once() {
    let mut r = std_router(&["a1", "a2"]);
    let (o, ag) = offer_to(&mut r, "c1", &Routing::Agent { agent: a("a1") }, T0);
    let fx = r.decline(&ag, o, at(5)).unwrap();
    assert_eq!(withdrawn(&fx), [(o, WithdrawReason::Declined)]);
    assert_eq!(
        fell_back(&fx),
        Some((FallbackKind::LiveChat, FallbackReason::OfferDeclined))
    );
    assert!(offered(&fx).is_none());
    assert_eq!(r.load(&a("a2")), 0, "a2 is not asked");
    // Going away also falls back at once.
    let (_, ag) = offer_to(&mut r, "c2", &Routing::Agent { agent: a("a1") }, at(6));
    let fx = r.set_presence(&ag, true, false, at(7));
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::AgentUnavailable);
    assert!(offered(&fx).is_none());
}

#[test]
fn rules_team_target_re_offers_within_the_team_agent_target_falls_back() {
    let mut r = router(
        RoutingSettings::default(),
        &[("a1", &[]), ("a2", &["fr"]), ("a3", &["fr"])],
    );
    let routing = Routing::Rules {
        rules: vec![
            country_rule("fr", RuleTarget::Team { team: team("fr") }),
            country_rule("de", RuleTarget::Agent { agent: a("a2") }),
        ],
    };
    let facts = |country: &str| VisitorFacts {
        country: country.into(),
        ..VisitorFacts::default()
    };
    let (o, ag, _) = offered(&r.request(c("c1"), &routing, &facts("fr"), T0)).unwrap();
    assert_eq!(ag, a("a2"));
    let fx = r.decline(&ag, o, at(1)).unwrap();
    let (o, ag, _) = offered(&fx).unwrap();
    assert_eq!(ag, a("a3"));
    let audit = audits(&fx)[0];
    assert_eq!(
        (audit.mode, audit.rule, audit.team.clone()),
        (RoutingMode::Rules, Some(0), Some(team("fr")))
    );
    let fx = r.decline(&ag, o, at(2)).unwrap();
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::OfferDeclined);
    // A rule naming an agent: nobody else is asked.
    let (o, ag, _) = offered(&r.request(c("c2"), &routing, &facts("de"), at(3))).unwrap();
    assert_eq!(ag, a("a2"));
    let fx = r.decline(&ag, o, at(4)).unwrap();
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::OfferDeclined);
    assert!(offered(&fx).is_none());
}

#[test]
fn agent_going_away_during_an_offer_moves_the_chat_to_the_next_agent() {
    let mut r = std_router(&["a1", "a2", "a3"]);
    let (o, ag) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let fx = r.set_presence(&ag, true, false, at(50_000));
    assert_eq!(withdrawn(&fx), [(o, WithdrawReason::AgentUnavailable)]);
    let (o2, ag2, deadline) = offered(&fx).unwrap();
    assert_eq!((ag2.clone(), deadline), (a("a2"), at(150_000)));
    assert!(matches!(
        &audits(&fx)[0].trigger,
        AuditTrigger::OfferEnded { reason: WithdrawReason::AgentUnavailable, offer, .. } if *offer == o
    ));
    // a1 comes back: still not asked again for c1.
    r.set_presence(&ag, true, true, at(50_001));
    let fx = r.set_presence(&ag2, false, false, at(60_000));
    assert_eq!(withdrawn(&fx), [(o2, WithdrawReason::AgentUnavailable)]);
    let (o3, ag3, _) = offered(&fx).unwrap();
    assert_eq!(ag3, a("a3"));
    assert_eq!(offered_attempt(&fx), Some(2));
    // The last one going away falls back with that reason.
    let fx = r.set_presence(&ag3, false, false, at(70_000));
    assert_eq!(withdrawn(&fx), [(o3, WithdrawReason::AgentUnavailable)]);
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::AgentUnavailable);
}

#[test]
fn a_moved_on_chat_can_be_accepted_by_the_next_agent() {
    let mut r = std_router(&["a1", "a2"]);
    let (o, _) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let (o2, ag2, _) = offered(&r.decline(&a("a1"), o, at(1)).unwrap()).unwrap();
    assert_eq!(
        r.accept(&a("a1"), o, at(2)),
        Err(RoutingError::OfferClosed(o))
    );
    let fx = r.accept(&ag2, o2, at(2)).unwrap();
    assert!(matches!(&fx[0], RoutingEffect::Accepted { agent, .. } if *agent == a("a2")));
    assert_eq!(r.agent_of(&c("c1")), Some(&a("a2")));
    assert_eq!(r.engagements(), 1);
}

#[test]
fn stored_offers_without_tried_still_load() {
    let mut r = std_router(&["a1", "a2"]);
    offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let mut v = serde_json::to_value(&r).unwrap();
    v["pending"]["1"]
        .as_object_mut()
        .unwrap()
        .remove("tried")
        .unwrap();
    let mut back: Router = serde_json::from_value(v).unwrap();
    back.check_invariants().unwrap();
    let o = back.pending_offer(&c("c1")).unwrap().offer;
    let fx = back.decline(&a("a1"), o, at(1)).unwrap();
    assert_eq!(offered(&fx).unwrap().1, a("a2"));
}

#[test]
fn corrupt_state_with_a_repeated_agent_is_rejected_by_the_checks() {
    let mut r = std_router(&["a1", "a2"]);
    offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let mut v = serde_json::to_value(&r).unwrap();
    v["pending"]["1"]["tried"] = serde_json::json!([0]);
    let back: Router = serde_json::from_value(v).unwrap();
    assert!(back.check_invariants().is_err());
}

// ---------------------------------------------------------------- connection and compensation

#[test]
fn disconnected_agent_keeps_its_offers_but_gets_no_new_ones() {
    let mut r = std_router(&["a1", "a2"]);
    let (o, _) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let (o2, _) = offer_to(&mut r, "c2", &Routing::RoundRobin, T0);
    r.accept(&a("a2"), o2, T0).unwrap();
    assert!(r.set_connected(&a("a1"), false, at(1)).is_empty());
    assert!(!r.is_eligible(&a("a1"), T0));
    assert_eq!(r.offers_of(&a("a1")).len(), 1, "offer kept");
    assert_eq!(r.load(&a("a1")), 1);
    assert!(!r.agent(&a("a1")).unwrap().online);
    // New requests skip a1 as offline.
    let fx = req(&mut r, "c3", &Routing::RoundRobin, at(2));
    assert_eq!(offered(&fx).unwrap().1, a("a2"));
    let fx = req(&mut r, "c4", &Routing::Agent { agent: a("a1") }, at(2));
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::NoEligibleAgent);
    assert_eq!(audits(&fx)[0].skipped[0].reason, SkipReason::Offline);
    // Accepting within the grace period still works.
    assert!(r.accept(&a("a1"), o, at(3)).is_ok());
    assert!(r.set_connected(&a("a1"), true, at(4)).is_empty());
    assert!(r.is_eligible(&a("a1"), T0));
    // Away and reconnected: still not eligible.
    r.set_presence(&a("a2"), true, false, at(5));
    assert!(r.set_connected(&a("a2"), false, at(6)).is_empty());
    assert!(r.set_connected(&a("a2"), true, at(7)).is_empty());
    assert!(!r.is_eligible(&a("a2"), T0));
    assert!(r.set_connected(&a("nobody"), false, at(8)).is_empty());
    r.check_invariants().unwrap();
}

#[test]
fn withdraw_offers_moves_every_offer_on() {
    let mut r = router(
        RoutingSettings::default(),
        &[("a1", &["t"]), ("a2", &["t"]), ("a3", &[])],
    );
    let (o1, _) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let (o2, _) = offer_to(&mut r, "c2", &Routing::Team { team: team("t") }, T0);
    let (o3, _) = offer_to(&mut r, "c3", &Routing::Agent { agent: a("a1") }, T0);
    let (ox, _) = offer_to(&mut r, "c4", &Routing::Agent { agent: a("a1") }, T0);
    r.accept(&a("a1"), ox, T0).unwrap();
    assert_eq!(r.offers_of(&a("a1")).len(), 3);
    r.set_connected(&a("a1"), false, at(1));
    let fx = r.withdraw_offers(&a("a1"), at(30_000));
    assert_eq!(
        withdrawn(&fx),
        [
            (o1, WithdrawReason::AgentUnavailable),
            (o2, WithdrawReason::AgentUnavailable),
            (o3, WithdrawReason::AgentUnavailable)
        ]
    );
    assert_eq!(r.pending_offer(&c("c1")).unwrap().agent, a("a2"));
    assert_eq!(r.pending_offer(&c("c2")).unwrap().agent, a("a2"));
    assert_eq!(
        r.pending_offer(&c("c2")).unwrap().deadline,
        at(130_000),
        "fresh full timeout"
    );
    assert_eq!(
        fell_back(&fx),
        Some((FallbackKind::LiveChat, FallbackReason::AgentUnavailable))
    );
    assert_eq!(r.load(&a("a1")), 1, "the accepted chat stays");
    assert!(r.withdraw_offers(&a("a1"), at(30_001)).is_empty(), "twice");
    assert!(r.withdraw_offers(&a("nobody"), at(30_001)).is_empty());
    r.check_invariants().unwrap();
}

#[test]
fn withdraw_offers_of_a_connected_agent_never_offers_the_same_chat_back() {
    let mut r = std_router(&["a1"]);
    offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let fx = r.withdraw_offers(&a("a1"), at(1));
    assert!(offered(&fx).is_none());
    assert_eq!(fell_back(&fx).unwrap().1, FallbackReason::AgentUnavailable);
    // A new request may go to a1 again.
    assert_eq!(
        offer_to(&mut r, "c2", &Routing::RoundRobin, at(2)).1,
        a("a1")
    );
}

#[test]
fn release_if_releases_only_the_holders_chat() {
    let mut r = std_router(&["a1", "a2"]);
    let (o, _) = offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    assert!(
        r.release_if(&c("c1"), &a("a1"), T0).is_empty(),
        "pending: not released nor cancelled"
    );
    assert_eq!(r.pending_count(), 1);
    r.accept(&a("a1"), o, T0).unwrap();
    assert!(r.release_if(&c("c1"), &a("a2"), at(1)).is_empty());
    assert!(r.release_if(&c("c1"), &a("zz"), at(1)).is_empty());
    assert!(r.release_if(&c("zz"), &a("a1"), at(1)).is_empty());
    assert_eq!(r.load(&a("a1")), 1);
    assert_eq!(
        r.release_if(&c("c1"), &a("a1"), at(2)),
        [RoutingEffect::Released {
            conversation: c("c1"),
            agent: a("a1")
        }]
    );
    assert!(r.release_if(&c("c1"), &a("a1"), at(3)).is_empty(), "twice");
    assert_eq!(r.load(&a("a1")), 0);
}

#[test]
fn cancel_and_release_are_idempotent() {
    let mut r = std_router(&["a1", "a2"]);
    offer_to(&mut r, "c1", &Routing::RoundRobin, T0);
    let (o2, _) = offer_to(&mut r, "c2", &Routing::RoundRobin, T0);
    r.accept(&a("a2"), o2, T0).unwrap();
    assert_eq!(r.cancel(&c("c1"), at(1)).len(), 2);
    assert!(r.cancel(&c("c1"), at(2)).is_empty());
    assert!(r.release(&c("c1"), at(2)).is_empty());
    assert!(
        r.cancel(&c("c2"), at(2)).is_empty(),
        "cancel leaves chats alone"
    );
    assert_eq!(r.release(&c("c2"), at(3)).len(), 1);
    assert!(r.release(&c("c2"), at(4)).is_empty());
    assert!(r.cancel(&c("c2"), at(4)).is_empty());
    assert!(r.release(&c("nope"), at(4)).is_empty());
    assert_eq!((r.pending_count(), r.chat_count()), (0, 0));
    r.check_invariants().unwrap();
}
