//! Transfers: an agent hands an accepted live chat to a colleague or a team.
//!
//! One behaviour per unit test, then a property test over random operation sequences: a chat
//! always has exactly one holder, a transfer never counts an engagement, never falls back and
//! never reaches the agent who holds the chat, and every transfer ends exactly once (moved,
//! ended with the chat kept, or cancelled because the chat ended).

use std::collections::BTreeMap;

use parlor_core::routing::{
    AuditOutcome, AuditTrigger, Plan, Router, Routing, RoutingEffect, RoutingSettings, RuleTarget,
    SkipReason, TransferError, VisitorFacts, WithdrawReason,
};
use parlor_core::{AgentId, ConversationId, Millis, TeamId};
use proptest::prelude::*;

const T0: Millis = Millis(1_000_000);

fn a(s: &str) -> AgentId {
    AgentId::new(s)
}
fn c(s: &str) -> ConversationId {
    ConversationId::new(s)
}
fn at(ms: u64) -> Millis {
    Millis(T0.0 + ms)
}
fn to_agent(s: &str) -> RuleTarget {
    RuleTarget::Agent { agent: a(s) }
}
fn to_team(s: &str) -> RuleTarget {
    RuleTarget::Team {
        team: TeamId::new(s),
    }
}

/// Agents online and available; `ann` holds chat `c1`, accepted at T0.
fn with_chat(settings: RoutingSettings, agents: &[(&str, &[&str])]) -> Router {
    let mut r = Router::new(settings);
    for (id, teams) in agents {
        let teams = teams.iter().map(|t| TeamId::new(*t)).collect();
        r.upsert_agent(a(id), true, teams, T0);
        r.set_presence(&a(id), true, true, T0);
    }
    let routing = Routing::Agent { agent: a("ann") };
    let mut facts = VisitorFacts::default();
    facts.fields.insert("name".into(), "Vera".into());
    let fx = r.request_numbered(c("c1"), &routing, &facts, 1, T0);
    let offer = offered(&fx).expect("offered to ann").0;
    r.accept(&a("ann"), offer, T0).expect("accepted");
    assert_eq!(r.agent_of(&c("c1")), Some(&a("ann")));
    r
}

fn offered(fx: &[RoutingEffect]) -> Option<(u64, AgentId)> {
    fx.iter().find_map(|e| match e {
        RoutingEffect::Offered { offer, agent, .. } => Some((*offer, agent.clone())),
        _ => None,
    })
}

fn ended(fx: &[RoutingEffect]) -> Option<(AgentId, WithdrawReason)> {
    fx.iter().find_map(|e| match e {
        RoutingEffect::TransferEnded { agent, reason, .. } => Some((agent.clone(), *reason)),
        _ => None,
    })
}

fn no_fallback(fx: &[RoutingEffect]) {
    assert!(
        !fx.iter()
            .any(|e| matches!(e, RoutingEffect::FellBack { .. })),
        "a transfer fell back: {fx:?}"
    );
}

#[test]
fn an_accepted_transfer_moves_the_chat_and_counts_no_engagement() {
    let mut r = with_chat(RoutingSettings::default(), &[("ann", &[]), ("bob", &[])]);
    let fx = r
        .transfer(&c("c1"), &a("ann"), &to_agent("bob"), at(10))
        .expect("transfer starts");
    let (offer, to) = offered(&fx).expect("bob is offered the chat");
    assert_eq!(to, a("bob"));
    assert!(r.is_transfer(offer));
    assert_eq!(r.transfer_from(offer), Some(&a("ann")));
    // Until bob accepts, the chat is ann's; bob's offer counts against his capacity.
    assert_eq!(r.agent_of(&c("c1")), Some(&a("ann")));
    assert_eq!((r.load(&a("ann")), r.load(&a("bob"))), (1, 1));
    // The Accept banner knows what the visitor told the bot.
    let facts = r.offer_facts(offer).expect("facts");
    assert_eq!(facts.fields.get("name").map(String::as_str), Some("Vera"));
    let engagements = r.engagements();

    let fx = r.accept(&a("bob"), offer, at(20)).expect("accepted");
    assert!(fx.iter().any(|e| matches!(e,
        RoutingEffect::Transferred { from, to, request: 1, .. } if *from == a("ann") && *to == a("bob"))));
    assert!(!fx
        .iter()
        .any(|e| matches!(e, RoutingEffect::Accepted { .. })));
    assert!(fx.iter().any(|e| matches!(e, RoutingEffect::Audit(entry)
        if matches!(entry.outcome, AuditOutcome::Transferred { .. }))));
    assert_eq!(r.agent_of(&c("c1")), Some(&a("bob")));
    assert_eq!((r.load(&a("ann")), r.load(&a("bob"))), (0, 1));
    assert_eq!(r.engagements(), engagements);
    assert_eq!(r.request_of(&c("c1")), Some(1));
    assert_eq!(r.chat_since(&c("c1")), Some(T0), "the chat keeps its start");
    r.check_invariants().expect("invariants");
}

#[test]
fn a_declined_transfer_to_one_agent_leaves_the_chat_with_its_holder() {
    let mut r = with_chat(RoutingSettings::default(), &[("ann", &[]), ("bob", &[])]);
    let fx = r
        .transfer(&c("c1"), &a("ann"), &to_agent("bob"), at(10))
        .expect("transfer starts");
    let (offer, _) = offered(&fx).expect("offered");
    let fx = r.decline(&a("bob"), offer, at(20)).expect("declined");
    no_fallback(&fx);
    assert_eq!(ended(&fx), Some((a("ann"), WithdrawReason::Declined)));
    assert_eq!(r.agent_of(&c("c1")), Some(&a("ann")));
    assert_eq!((r.load(&a("ann")), r.load(&a("bob"))), (1, 0));
    // Another transfer may start at once.
    assert!(r
        .transfer(&c("c1"), &a("ann"), &to_agent("bob"), at(30))
        .is_ok());
    r.check_invariants().expect("invariants");
}

#[test]
fn an_unanswered_transfer_ends_at_the_accept_timeout() {
    let settings = RoutingSettings::default();
    let timeout = settings.accept_timeout;
    let mut r = with_chat(
        settings,
        &[("ann", &["sales"]), ("bob", &["sales"]), ("cy", &["sales"])],
    );
    let fx = r
        .transfer(&c("c1"), &a("ann"), &to_team("sales"), at(10))
        .expect("transfer starts");
    assert!(offered(&fx).is_some());
    let deadline = r.next_deadline().expect("a deadline");
    assert_eq!(deadline, at(10).after(timeout));
    assert!(r.on_timer(Millis(deadline.0 - 1)).is_empty());
    let fx = r.on_timer(deadline);
    no_fallback(&fx);
    // Not passed on to the next member: the holder chooses what next.
    assert!(offered(&fx).is_none());
    assert_eq!(ended(&fx), Some((a("ann"), WithdrawReason::Expired)));
    assert_eq!(r.agent_of(&c("c1")), Some(&a("ann")));
    assert_eq!(r.pending_count(), 0);
}

#[test]
fn a_team_transfer_moves_on_past_a_decline_and_never_to_the_holder() {
    let mut r = with_chat(
        RoutingSettings::default(),
        &[("ann", &["sales"]), ("bob", &["sales"]), ("cy", &["sales"])],
    );
    let fx = r
        .transfer(&c("c1"), &a("ann"), &to_team("sales"), at(10))
        .expect("transfer starts");
    let (first, who) = offered(&fx).expect("a member is offered it");
    assert_ne!(who, a("ann"));
    let fx = r.decline(&who, first, at(20)).expect("declined");
    let (second, next) = offered(&fx).expect("the next member is offered it");
    assert!(next != who && next != a("ann"));
    assert!(fx.iter().any(|e| matches!(e, RoutingEffect::Audit(entry)
        if matches!(entry.trigger, AuditTrigger::TransferOfferEnded { .. }))));
    let fx = r.decline(&next, second, at(30)).expect("declined");
    no_fallback(&fx);
    assert_eq!(ended(&fx), Some((a("ann"), WithdrawReason::Declined)));
    assert_eq!(r.agent_of(&c("c1")), Some(&a("ann")));
}

#[test]
fn the_offered_agent_going_away_ends_a_transfer_to_them() {
    let mut r = with_chat(RoutingSettings::default(), &[("ann", &[]), ("bob", &[])]);
    r.transfer(&c("c1"), &a("ann"), &to_agent("bob"), at(10))
        .expect("transfer starts");
    let fx = r.set_presence(&a("bob"), true, false, at(20));
    assert_eq!(
        ended(&fx),
        Some((a("ann"), WithdrawReason::AgentUnavailable))
    );
    no_fallback(&fx);
    assert_eq!(r.agent_of(&c("c1")), Some(&a("ann")));
}

#[test]
fn a_chat_that_ends_during_a_transfer_withdraws_it() {
    let mut r = with_chat(RoutingSettings::default(), &[("ann", &[]), ("bob", &[])]);
    let fx = r
        .transfer(&c("c1"), &a("ann"), &to_agent("bob"), at(10))
        .expect("transfer starts");
    let (offer, _) = offered(&fx).expect("offered");
    let fx = r.release(&c("c1"), at(20));
    assert!(fx.iter().any(|e| matches!(e,
        RoutingEffect::OfferWithdrawn { offer: o, reason: WithdrawReason::Cancelled, .. } if *o == offer)));
    assert!(fx.iter().any(|e| matches!(e,
        RoutingEffect::Released { agent, .. } if *agent == a("ann"))));
    assert!(ended(&fx).is_none(), "nobody to tell: the chat is over");
    assert_eq!((r.load(&a("ann")), r.load(&a("bob"))), (0, 0));
    assert!(r.accept(&a("bob"), offer, at(30)).is_err());
    r.check_invariants().expect("invariants");
}

#[test]
fn transfers_that_cannot_start_are_refused_with_nothing_changed() {
    let mut r = with_chat(
        RoutingSettings::default(),
        &[("ann", &["sales"]), ("bob", &[]), ("cy", &["solo"])],
    );
    let t = at(10);
    let e = |r: &mut Router, from: &str, to: RuleTarget| r.transfer(&c("c1"), &a(from), &to, t);
    assert_eq!(
        e(&mut r, "bob", to_agent("cy")),
        Err(TransferError::NotYourChat)
    );
    assert_eq!(
        e(&mut r, "ann", to_agent("ann")),
        Err(TransferError::ToSelf)
    );
    assert_eq!(
        e(&mut r, "ann", to_agent("zed")),
        Err(TransferError::UnknownAgent)
    );
    assert_eq!(
        e(&mut r, "ann", to_team("none")),
        Err(TransferError::UnknownTeam)
    );
    // ann is the only member of sales: nobody else there.
    assert_eq!(
        e(&mut r, "ann", to_team("sales")),
        Err(TransferError::NobodyAvailable)
    );
    r.set_presence(&a("bob"), true, false, t);
    assert_eq!(
        e(&mut r, "ann", to_agent("bob")),
        Err(TransferError::Unavailable(SkipReason::Away))
    );
    assert!(r
        .transfer(&c("nope"), &a("ann"), &to_agent("cy"), t)
        .is_err());
    assert_eq!(r.pending_count(), 0);
    assert!(e(&mut r, "ann", to_team("solo")).is_ok());
    assert_eq!(
        e(&mut r, "ann", to_agent("cy")),
        Err(TransferError::AlreadyTransferring)
    );
    assert!(TransferError::Unavailable(SkipReason::Away)
        .to_string()
        .contains("(away)"));
}

#[test]
fn a_transfer_at_capacity_is_refused_and_counts_against_capacity() {
    let settings = RoutingSettings {
        capacity: 1,
        ..RoutingSettings::default()
    };
    let mut r = with_chat(settings, &[("ann", &[]), ("bob", &[])]);
    r.transfer(&c("c1"), &a("ann"), &to_agent("bob"), at(10))
        .expect("transfer starts");
    // bob's one slot is taken by the transfer: a new visitor is not offered to him.
    let fx = r.request(
        c("c2"),
        &Routing::RoundRobin,
        &VisitorFacts::default(),
        at(20),
    );
    assert!(offered(&fx).is_none());
    let mut r2 = with_chat(
        RoutingSettings {
            capacity: 1,
            ..RoutingSettings::default()
        },
        &[("ann", &[]), ("bob", &[])],
    );
    let fx = r2.request(
        c("c2"),
        &Routing::Agent { agent: a("bob") },
        &VisitorFacts::default(),
        at(5),
    );
    let (o, _) = offered(&fx).expect("bob offered c2");
    r2.accept(&a("bob"), o, at(6)).expect("accepted");
    assert_eq!(
        r2.transfer(&c("c1"), &a("ann"), &to_agent("bob"), at(10)),
        Err(TransferError::Unavailable(SkipReason::AtCapacity))
    );
}

#[test]
fn the_trial_limit_counts_no_transfer() {
    let settings = RoutingSettings {
        plan: Plan::Select,
        engagement_limit: 2,
        ..RoutingSettings::default()
    };
    let mut r = with_chat(settings, &[("ann", &[]), ("bob", &[]), ("cy", &[])]);
    let fx = r
        .transfer(&c("c1"), &a("ann"), &to_agent("bob"), at(10))
        .expect("transfer starts");
    let (offer, _) = offered(&fx).expect("offered");
    // One engagement used, a transfer out: a second visitor still gets an offer.
    let fx = r.request(
        c("c2"),
        &Routing::Agent { agent: a("cy") },
        &VisitorFacts::default(),
        at(11),
    );
    assert!(offered(&fx).is_some(), "{fx:?}");
    r.accept(&a("bob"), offer, at(12)).expect("accepted");
    assert_eq!(r.engagements(), 1);
}

#[test]
fn a_transfer_survives_storage_whole_and_in_parts() {
    let mut r = with_chat(RoutingSettings::default(), &[("ann", &[]), ("bob", &[])]);
    let fx = r
        .transfer(&c("c1"), &a("ann"), &to_agent("bob"), at(10))
        .expect("transfer starts");
    let (offer, _) = offered(&fx).expect("offered");
    let json = serde_json::to_string(&r).expect("serialise");
    let mut back: Router = serde_json::from_str(&json).expect("deserialise");
    back.check_invariants().expect("invariants");
    assert!(back.is_transfer(offer));
    let head: parlor_core::routing::RouterHead =
        serde_json::from_str(&serde_json::to_string(&r.head()).expect("head")).expect("head back");
    let pending = vec![(offer, r.pending_part(offer).cloned().expect("pending"))];
    let chats = vec![(c("c1"), r.chat_part(&c("c1")).cloned().expect("chat"))];
    let mut parts = Router::from_parts(head, pending, chats).expect("from parts");
    parts.check_invariants().expect("invariants");
    parts
        .accept(&a("bob"), offer, at(20))
        .expect("accepted after a reload");
    assert_eq!(parts.agent_of(&c("c1")), Some(&a("bob")));
    back.accept(&a("bob"), offer, at(20))
        .expect("accepted after a reload");
    // A stored transfer whose chat is missing is refused on load.
    let head: parlor_core::routing::RouterHead =
        serde_json::from_str(&serde_json::to_string(&r.head()).expect("head")).expect("head back");
    let pending = vec![(offer, r.pending_part(offer).cloned().expect("pending"))];
    assert!(Router::from_parts(head, pending, Vec::new()).is_err());
}

#[test]
fn colleagues_say_who_could_take_a_chat_now() {
    let mut r = with_chat(
        RoutingSettings::default(),
        &[
            ("ann", &["sales"]),
            ("bob", &["sales"]),
            ("cy", &["support"]),
        ],
    );
    r.set_presence(&a("cy"), true, false, at(1));
    let (agents, teams) = r.transfer_targets(&a("ann"), at(2));
    assert_eq!(
        agents,
        vec![(a("bob"), None), (a("cy"), Some(SkipReason::Away))]
    );
    assert_eq!(
        teams,
        vec![(TeamId::new("sales"), 1), (TeamId::new("support"), 0)]
    );
}

// ------------------------------------------------------------------------- property test

#[derive(Debug, Clone)]
enum Op {
    Request(u8),
    Answer(u8, bool),
    Transfer(u8, u8, bool),
    Release(u8),
    Presence(u8, bool),
    Advance(u32),
    SerdeRoundTrip,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u8>().prop_map(Op::Request),
        5 => (any::<u8>(), any::<bool>()).prop_map(|(k, yes)| Op::Answer(k, yes)),
        5 => (any::<u8>(), any::<u8>(), any::<bool>()).prop_map(|(k, t, team)| Op::Transfer(k, t, team)),
        2 => any::<u8>().prop_map(Op::Release),
        2 => (any::<u8>(), any::<bool>()).prop_map(|(i, on)| Op::Presence(i, on)),
        2 => (0u32..150_000).prop_map(Op::Advance),
        1 => Just(Op::SerdeRoundTrip),
    ]
}

struct World {
    r: Router,
    now: Millis,
    agents: Vec<AgentId>,
    /// Accepted chats and who the effects say holds each.
    holders: BTreeMap<ConversationId, AgentId>,
    /// Open offers: id → (agent, conversation, holder when it is a transfer).
    offers: BTreeMap<u64, (AgentId, ConversationId, Option<AgentId>)>,
    accepted: u32,
    next: u32,
    errors: Vec<String>,
}

impl World {
    fn new(n: usize) -> World {
        let mut r = Router::new(RoutingSettings {
            capacity: 2,
            ..RoutingSettings::default()
        });
        let agents: Vec<AgentId> = (0..n).map(|i| AgentId::new(format!("a{i}"))).collect();
        for (i, x) in agents.iter().enumerate() {
            r.upsert_agent(
                x.clone(),
                true,
                vec![TeamId::new(format!("t{}", i % 2))],
                T0,
            );
            r.set_presence(x, true, true, T0);
        }
        World {
            r,
            now: T0,
            agents,
            holders: BTreeMap::new(),
            offers: BTreeMap::new(),
            accepted: 0,
            next: 0,
            errors: Vec::new(),
        }
    }

    fn apply(&mut self, fx: Vec<RoutingEffect>) {
        for e in fx {
            match e {
                RoutingEffect::Offered {
                    offer,
                    conversation,
                    agent,
                    ..
                } => {
                    let holder = self.holders.get(&conversation).cloned();
                    if holder.as_ref() == Some(&agent) {
                        self.errors
                            .push(format!("{agent} offered the chat they hold"));
                    }
                    if holder.is_some() != self.r.is_transfer(offer) {
                        self.errors
                            .push(format!("offer {offer}: transfer flag disagrees"));
                    }
                    self.offers.insert(offer, (agent, conversation, holder));
                }
                RoutingEffect::OfferWithdrawn { offer, .. } => {
                    if self.offers.remove(&offer).is_none() {
                        self.errors.push(format!("withdrew unknown offer {offer}"));
                    }
                }
                RoutingEffect::Accepted {
                    offer,
                    conversation,
                    agent,
                    ..
                } => {
                    self.accepted += 1;
                    match self.offers.remove(&offer) {
                        Some((_, _, None)) => {}
                        other => self.errors.push(format!("accepted {offer}: {other:?}")),
                    }
                    if self.holders.insert(conversation, agent).is_some() {
                        self.errors.push("a chat accepted twice".into());
                    }
                }
                RoutingEffect::Transferred {
                    offer,
                    conversation,
                    from,
                    to,
                    ..
                } => {
                    match self.offers.remove(&offer) {
                        Some((agent, conv, Some(holder)))
                            if agent == to && conv == conversation && holder == from => {}
                        other => self.errors.push(format!("transferred {offer}: {other:?}")),
                    }
                    if self.holders.get(&conversation) != Some(&from) {
                        self.errors
                            .push(format!("{from} handed on a chat not theirs"));
                    }
                    self.holders.insert(conversation, to);
                }
                RoutingEffect::TransferEnded {
                    conversation,
                    agent,
                    ..
                } => {
                    if self.holders.get(&conversation) != Some(&agent) {
                        self.errors
                            .push(format!("transfer of {conversation} ended for a non-holder"));
                    }
                }
                RoutingEffect::FellBack { conversation, .. } => {
                    if self.holders.contains_key(&conversation) {
                        self.errors
                            .push(format!("{conversation} fell back while held"));
                    }
                }
                RoutingEffect::Released {
                    conversation,
                    agent,
                } => {
                    if self.holders.remove(&conversation) != Some(agent) {
                        self.errors.push("released by a non-holder".into());
                    }
                    if self
                        .offers
                        .values()
                        .any(|(_, c, h)| *c == conversation && h.is_some())
                    {
                        self.errors.push("a transfer outlived its chat".into());
                    }
                }
                RoutingEffect::Audit(_) => {}
            }
        }
    }

    fn step(&mut self, op: &Op) {
        let now = self.now;
        let agent = |i: u8, w: &World| w.agents[i as usize % w.agents.len()].clone();
        let fx = match *op {
            Op::Request(i) => {
                self.next += 1;
                let conv = ConversationId::new(format!("c{}", self.next));
                let routing = if i % 2 == 0 {
                    Routing::RoundRobin
                } else {
                    Routing::Agent {
                        agent: agent(i, self),
                    }
                };
                self.r
                    .request(conv, &routing, &VisitorFacts::default(), now)
            }
            Op::Answer(k, yes) => {
                let Some((&offer, (who, _, _))) = self
                    .offers
                    .iter()
                    .nth(k as usize % self.offers.len().max(1))
                else {
                    return;
                };
                let who = who.clone();
                let res = if yes {
                    self.r.accept(&who, offer, now)
                } else {
                    self.r.decline(&who, offer, now)
                };
                res.unwrap_or_default()
            }
            Op::Transfer(k, t, team) => {
                let Some((conv, holder)) = self
                    .holders
                    .iter()
                    .nth(k as usize % self.holders.len().max(1))
                    .map(|(c, h)| (c.clone(), h.clone()))
                else {
                    return;
                };
                let to = if team {
                    RuleTarget::Team {
                        team: TeamId::new(format!("t{}", t % 2)),
                    }
                } else {
                    RuleTarget::Agent {
                        agent: agent(t, self),
                    }
                };
                let before = self.r.engagements();
                let res = self.r.transfer(&conv, &holder, &to, now);
                if res.is_err()
                    && self
                        .r
                        .pending_offer(&conv)
                        .is_some_and(|o| !self.r.is_transfer(o.offer))
                {
                    self.errors.push("held chat has a request offer".into());
                }
                if self.r.engagements() != before {
                    self.errors.push("a transfer counted an engagement".into());
                }
                res.unwrap_or_default()
            }
            Op::Release(k) => {
                let Some(conv) = self
                    .holders
                    .keys()
                    .nth(k as usize % self.holders.len().max(1))
                    .cloned()
                else {
                    return;
                };
                self.r.release(&conv, now)
            }
            Op::Presence(i, on) => {
                let who = agent(i, self);
                self.r.set_presence(&who, true, on, now)
            }
            Op::Advance(dt) => {
                let until = now.after(Millis(u64::from(dt)));
                while let Some(d) = self.r.next_deadline().filter(|d| *d <= until) {
                    self.now = self.now.max(d);
                    let fx = self.r.on_timer(self.now);
                    self.apply(fx);
                }
                self.now = until;
                Vec::new()
            }
            Op::SerdeRoundTrip => {
                let json = serde_json::to_string(&self.r).unwrap_or_default();
                match serde_json::from_str::<Router>(&json) {
                    Ok(r) => self.r = r,
                    Err(e) => self.errors.push(format!("round trip: {e}")),
                }
                Vec::new()
            }
        };
        self.apply(fx);
    }

    fn check(&self) -> Result<(), TestCaseError> {
        prop_assert!(self.errors.is_empty(), "{:?}", self.errors);
        prop_assert!(
            self.r.check_invariants().is_ok(),
            "{:?}",
            self.r.check_invariants()
        );
        prop_assert_eq!(self.r.engagements(), self.accepted);
        for (conv, holder) in &self.holders {
            prop_assert_eq!(self.r.agent_of(conv), Some(holder));
        }
        prop_assert_eq!(self.r.chat_count(), self.holders.len());
        for x in &self.agents {
            prop_assert!(self.r.load(x) <= 2, "{} over capacity", x);
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn every_chat_has_one_holder_through_random_transfers(
        n in 2usize..6,
        ops in prop::collection::vec(op(), 1..150),
    ) {
        let mut w = World::new(n);
        for op in &ops {
            w.step(op);
            w.check()?;
        }
        // Every offer ends: transfers keep or move their chat, requests end as always.
        w.step(&Op::Advance(1_000_000));
        w.check()?;
        prop_assert!(w.offers.is_empty(), "{:?}", w.offers);
        prop_assert_eq!(w.r.pending_count(), 0);
    }
}
