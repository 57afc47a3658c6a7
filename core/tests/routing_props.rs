//! Property tests of the routing engine under random operation sequences.
//!
//! The harness processes timers exactly at each deadline the router reports (as the edge's
//! alarm does), and records every request's end state and offers from the effects.

use std::collections::BTreeMap;

use parlor_core::routing::{
    Condition, Operator, Plan, Router, Routing, RoutingEffect, RoutingSettings, Rule, RuleTarget,
    Subject, VisitorFacts, WithdrawReason,
};
use parlor_core::{AgentId, ConversationId, Millis, TeamId};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    /// Request with routing kind (0 rr, 1 agent, 2 team, 3 rules), agent/team pick, country.
    Request(u8, u8, bool),
    Accept(u8),
    Decline(u8),
    Cancel(u8),
    Release(u8),
    Presence(u8, bool, bool),
    Advance(u32),
    SerdeRoundTrip,
    RemoveAgent(u8),
    ReAddAgent(u8),
    /// The agent's inbox connects or disconnects (offers kept).
    Connected(u8, bool),
    /// The grace period of an agent ran out: its offers are withdrawn.
    WithdrawOffers(u8),
    /// A compensation release naming a chat (by index) and an agent.
    ReleaseIf(u8, u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..4, any::<u8>(), any::<bool>()).prop_map(|(k, i, fr)| Op::Request(k, i, fr)),
        4 => any::<u8>().prop_map(Op::Accept),
        2 => any::<u8>().prop_map(Op::Decline),
        1 => any::<u8>().prop_map(Op::Cancel),
        3 => any::<u8>().prop_map(Op::Release),
        2 => (any::<u8>(), any::<bool>(), any::<bool>()).prop_map(|(a, o, v)| Op::Presence(a, o, v)),
        3 => (0u32..150_000).prop_map(Op::Advance),
        1 => Just(Op::SerdeRoundTrip),
        1 => any::<u8>().prop_map(Op::RemoveAgent),
        1 => any::<u8>().prop_map(Op::ReAddAgent),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(a, c)| Op::Connected(a, c)),
        1 => any::<u8>().prop_map(Op::WithdrawOffers),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(k, a)| Op::ReleaseIf(k, a)),
    ]
}

/// Mostly answers and presence changes: long decline / away chains.
fn answer_heavy_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..4, any::<u8>(), any::<bool>()).prop_map(|(k, i, fr)| Op::Request(k, i, fr)),
        3 => any::<u8>().prop_map(Op::Accept),
        6 => any::<u8>().prop_map(Op::Decline),
        3 => (any::<u8>(), any::<bool>(), any::<bool>()).prop_map(|(a, o, v)| Op::Presence(a, o, v)),
        2 => (any::<u8>(), any::<bool>()).prop_map(|(a, c)| Op::Connected(a, c)),
        2 => any::<u8>().prop_map(Op::WithdrawOffers),
        2 => any::<u8>().prop_map(Op::Release),
        1 => any::<u8>().prop_map(Op::Cancel),
        2 => (0u32..150_000).prop_map(Op::Advance),
    ]
}

fn settings() -> impl Strategy<Value = RoutingSettings> {
    (
        prop_oneof![Just(Plan::Select), Just(Plan::Standard), Just(Plan::Prime)],
        1u64..200_000,
        1u32..4,
        0u32..6,
        0u32..3,
        any::<bool>(),
    )
        .prop_map(
            |(plan, timeout, capacity, limit, extra, team_hours)| RoutingSettings {
                plan,
                accept_timeout: Millis(timeout),
                capacity,
                engagement_limit: limit,
                extra_team_attempts: extra,
                team_hours: if team_hours {
                    BTreeMap::from([(TeamId::new("t1"), t1_hours())])
                } else {
                    BTreeMap::new()
                },
                ..RoutingSettings::default()
            },
        )
}

/// Team t1's hours: every day in UTC, closed from 00:02 to 00:06 and from 00:20 to 00:30 (runs
/// start at 00:00 on 1970-01-01 and advance up to 150 s a step).
fn t1_hours() -> parlor_core::hours::BusinessHours {
    let day = serde_json::json!([
        {"from": "00:00", "to": "00:02"}, {"from": "00:06", "to": "00:20"}, {"from": "00:30", "to": "24:00"}
    ]);
    let week = serde_json::json!({
        "mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day
    });
    serde_json::from_value(
        serde_json::json!({"time_zone": "UTC", "weekly": week, "exceptions": []}),
    )
    .expect("valid hours")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Accepted,
    FellBack,
    Cancelled,
}

#[derive(Debug)]
struct Req {
    at: Millis,
    ends: Vec<(End, Millis)>,
    offers_made: u32,
    /// Agents offered this request, in order.
    offered_to: Vec<AgentId>,
    /// Offers of this request that timed out.
    expired: u32,
}

impl Req {
    fn new(at: Millis) -> Self {
        Req {
            at,
            ends: Vec::new(),
            offers_made: 0,
            offered_to: Vec::new(),
            expired: 0,
        }
    }
}

struct Harness {
    r: Router,
    now: Millis,
    agents: Vec<AgentId>,
    teams: Vec<TeamId>,
    reqs: BTreeMap<ConversationId, Req>,
    next_conv: u64,
    /// Open offers: id → (agent, conversation).
    offers: BTreeMap<u64, (AgentId, ConversationId)>,
    chats: Vec<ConversationId>,
    per_agent_offers: BTreeMap<AgentId, u32>,
    errors: Vec<String>,
}

impl Harness {
    fn new(settings: RoutingSettings, n_agents: usize) -> Self {
        let mut r = Router::new(settings);
        let teams = vec![TeamId::new("t0"), TeamId::new("t1")];
        let agents: Vec<AgentId> = (0..n_agents)
            .map(|i| AgentId::new(format!("a{i}")))
            .collect();
        for (i, a) in agents.iter().enumerate() {
            let t = vec![teams[i % 2].clone()];
            r.upsert_agent(a.clone(), true, t, Millis::ZERO);
            r.set_presence(a, true, true, Millis::ZERO);
        }
        Harness {
            r,
            now: Millis::ZERO,
            agents,
            teams,
            reqs: BTreeMap::new(),
            next_conv: 0,
            offers: BTreeMap::new(),
            chats: Vec::new(),
            per_agent_offers: BTreeMap::new(),
            errors: Vec::new(),
        }
    }

    fn apply(&mut self, fx: Vec<RoutingEffect>) {
        let now = self.now;
        for e in fx {
            match e {
                RoutingEffect::Offered {
                    offer,
                    conversation,
                    agent,
                    deadline,
                } => {
                    if deadline != now.after(self.r.settings().accept_timeout) {
                        self.errors
                            .push(format!("offer {offer} deadline {deadline:?}"));
                    }
                    // Agent a{i} is in team t{i % 2}: never offered while that team is closed.
                    let team =
                        &self.teams[self.agents.iter().position(|x| *x == agent).unwrap_or(0) % 2];
                    if self
                        .r
                        .settings()
                        .team_hours
                        .get(team)
                        .is_some_and(|h| !h.is_open(now))
                    {
                        self.errors.push(format!(
                            "{agent} offered {conversation} while {team} is closed"
                        ));
                    }
                    *self.per_agent_offers.entry(agent.clone()).or_default() += 1;
                    if let Some(q) = self.reqs.get_mut(&conversation) {
                        q.offers_made += 1;
                        if q.offered_to.contains(&agent) {
                            self.errors
                                .push(format!("{agent} offered {conversation} twice"));
                        }
                        if !q.ends.is_empty() {
                            self.errors.push(format!("offer for ended {conversation}"));
                        }
                        q.offered_to.push(agent.clone());
                    }
                    if self.r.tried(&conversation).last() != Some(&agent) {
                        self.errors.push(format!("tried({conversation}) disagrees"));
                    }
                    self.offers.insert(offer, (agent, conversation));
                }
                RoutingEffect::OfferWithdrawn {
                    offer,
                    conversation,
                    reason,
                    ..
                } => {
                    if self.offers.remove(&offer).is_none() {
                        self.errors.push(format!("withdrew unknown offer {offer}"));
                    }
                    if reason == WithdrawReason::Expired {
                        if let Some(q) = self.reqs.get_mut(&conversation) {
                            q.expired += 1;
                        }
                    }
                }
                RoutingEffect::Accepted {
                    offer,
                    conversation,
                    ..
                } => {
                    if self.offers.remove(&offer).is_none() {
                        self.errors.push(format!("accepted unknown offer {offer}"));
                    }
                    self.end(&conversation, End::Accepted);
                    self.chats.push(conversation);
                }
                RoutingEffect::FellBack { conversation, .. } => {
                    self.end(&conversation, End::FellBack)
                }
                // No transfers here (routing_transfer.rs covers them).
                RoutingEffect::Released { .. }
                | RoutingEffect::Audit(_)
                | RoutingEffect::Transferred { .. }
                | RoutingEffect::TransferEnded { .. } => {}
            }
        }
    }

    fn end(&mut self, conv: &ConversationId, how: End) {
        let now = self.now;
        match self.reqs.get_mut(conv) {
            Some(q) => q.ends.push((how, now)),
            None => self.errors.push(format!("end state for unknown {conv}")),
        }
    }

    /// Moves the clock to `t`, firing timers exactly at each deadline on the way.
    fn advance_to(&mut self, t: Millis) {
        while let Some(d) = self.r.next_deadline() {
            if d > t {
                break;
            }
            self.now = self.now.max(d);
            let fx = self.r.on_timer(self.now);
            self.apply(fx);
        }
        self.now = self.now.max(t);
    }

    fn nth_offer(&self, k: u8) -> Option<(u64, AgentId, ConversationId)> {
        if self.offers.is_empty() {
            return None;
        }
        let i = k as usize % self.offers.len();
        self.offers
            .iter()
            .nth(i)
            .map(|(o, (a, c))| (*o, a.clone(), c.clone()))
    }

    fn routing(&self, kind: u8, pick: u8) -> Routing {
        let agent = self.agents[pick as usize % self.agents.len()].clone();
        let team = self.teams[pick as usize % 2].clone();
        match kind {
            0 => Routing::RoundRobin,
            1 => Routing::Agent { agent },
            2 => Routing::Team { team },
            _ => Routing::Rules {
                rules: vec![
                    Rule {
                        conditions: vec![Condition {
                            subject: Subject::Country,
                            op: Operator::Equals,
                            values: vec!["fr".into()],
                        }],
                        target: RuleTarget::Team { team },
                    },
                    Rule {
                        conditions: vec![Condition {
                            subject: Subject::Field("email".into()),
                            op: Operator::EmailDomain,
                            values: vec!["acme.com".into()],
                        }],
                        target: RuleTarget::Agent { agent },
                    },
                ],
            },
        }
    }

    fn step(&mut self, op: &Op) {
        let now = self.now;
        match *op {
            Op::Request(kind, pick, fr) => {
                let conv = ConversationId::new(format!("c{}", self.next_conv));
                self.next_conv += 1;
                self.reqs.insert(conv.clone(), Req::new(now));
                let mut facts = VisitorFacts::default();
                if fr {
                    facts.country = "FR".into();
                }
                if pick % 3 == 0 {
                    facts.fields.insert("email".into(), "x@Acme.com".into());
                }
                let routing = self.routing(kind, pick);
                let fx = self.r.request(conv, &routing, &facts, now);
                self.apply(fx);
            }
            Op::Accept(k) => {
                if let Some((o, a, _)) = self.nth_offer(k) {
                    match self.r.accept(&a, o, now) {
                        Ok(fx) => self.apply(fx),
                        Err(e) => self.errors.push(format!("accept failed: {e}")),
                    }
                }
            }
            Op::Decline(k) => {
                if let Some((o, a, _)) = self.nth_offer(k) {
                    match self.r.decline(&a, o, now) {
                        Ok(fx) => self.apply(fx),
                        Err(e) => self.errors.push(format!("decline failed: {e}")),
                    }
                }
            }
            Op::Cancel(k) => {
                if let Some((_, _, c)) = self.nth_offer(k) {
                    let fx = self.r.cancel(&c, now);
                    self.end(&c, End::Cancelled);
                    self.apply(fx);
                }
            }
            Op::Release(k) => {
                if !self.chats.is_empty() {
                    let c = self.chats.swap_remove(k as usize % self.chats.len());
                    let fx = self.r.release(&c, now);
                    if fx.len() != 1 {
                        self.errors.push(format!("release gave {fx:?}"));
                    }
                    self.apply(fx);
                }
            }
            Op::Presence(a, online, available) => {
                let a = self.agents[a as usize % self.agents.len()].clone();
                let fx = self.r.set_presence(&a, online, available, now);
                self.apply(fx);
            }
            Op::Advance(dt) => self.advance_to(now.after(Millis(u64::from(dt)))),
            Op::SerdeRoundTrip => {
                let json = serde_json::to_string(&self.r).unwrap();
                let back: Router = serde_json::from_str(&json).unwrap();
                assert_eq!(serde_json::to_string(&back).unwrap(), json);
                self.r = back;
            }
            Op::RemoveAgent(a) => {
                let a = self.agents[a as usize % self.agents.len()].clone();
                let fx = self.r.remove_agent(&a, now);
                self.apply(fx);
            }
            Op::ReAddAgent(a) => {
                let i = a as usize % self.agents.len();
                let a = self.agents[i].clone();
                let fx = self
                    .r
                    .upsert_agent(a, true, vec![self.teams[i % 2].clone()], now);
                self.apply(fx);
            }
            Op::Connected(a, connected) => {
                let a = self.agents[a as usize % self.agents.len()].clone();
                let before = self.r.offers_of(&a);
                let fx = self.r.set_connected(&a, connected, now);
                if !fx.is_empty() || self.r.offers_of(&a) != before {
                    self.errors
                        .push(format!("set_connected changed offers: {fx:?}"));
                }
                if !connected && self.r.is_eligible(&a, now) {
                    self.errors.push(format!("{a} eligible while disconnected"));
                }
            }
            Op::WithdrawOffers(a) => {
                let a = self.agents[a as usize % self.agents.len()].clone();
                let fx = self.r.withdraw_offers(&a, now);
                self.apply(fx);
                if !self.r.offers_of(&a).is_empty() {
                    self.errors.push(format!("{a} kept offers"));
                }
            }
            Op::ReleaseIf(k, a) => {
                if !self.chats.is_empty() {
                    let i = k as usize % self.chats.len();
                    let c = self.chats[i].clone();
                    let a = self.agents[a as usize % self.agents.len()].clone();
                    let holds = self.r.agent_of(&c) == Some(&a);
                    let fx = self.r.release_if(&c, &a, now);
                    if fx.len() != usize::from(holds) {
                        self.errors.push(format!("release_if gave {fx:?}"));
                    }
                    if holds {
                        self.chats.swap_remove(i);
                        if !self.r.release_if(&c, &a, now).is_empty() {
                            self.errors.push("release_if twice".into());
                        }
                    }
                    self.apply(fx);
                }
            }
        }
    }

    fn check_capacity(&self) -> Result<(), TestCaseError> {
        let cap = self.r.settings().capacity;
        for a in &self.agents {
            let load = self.r.load(a);
            prop_assert!(load <= cap, "{a} holds {load} > capacity {cap}");
            let offers = self.r.offers_of(a).len() as u32;
            let chats = self.r.chats_of(a).len() as u32;
            prop_assert_eq!(load, offers + chats);
        }
        if self.r.settings().plan == Plan::Select {
            prop_assert!(self.r.engagements() <= self.r.settings().engagement_limit);
        }
        prop_assert!(
            self.r.check_invariants().is_ok(),
            "{:?}",
            self.r.check_invariants()
        );
        Ok(())
    }

    /// Drains every deadline, then checks what every request went through.
    fn finish(&mut self, settings: &RoutingSettings) -> Result<(), TestCaseError> {
        // Only timeouts remain: at most 1 + extra attempts each, from any point.
        let horizon = self.now.after(Millis(
            settings.accept_timeout.0 * (2 + u64::from(settings.extra_team_attempts)),
        ));
        self.advance_to(horizon);
        self.check_capacity()?;
        prop_assert_eq!(self.r.pending_count(), 0);
        prop_assert_eq!(self.r.next_deadline(), None);
        prop_assert!(self.offers.is_empty());
        prop_assert!(self.errors.is_empty(), "{:?}", self.errors);
        let extra = settings.effective_extra_team_attempts();
        for (conv, q) in &self.reqs {
            prop_assert_eq!(q.ends.len(), 1, "{} ended {:?}", conv, q.ends);
            let (how, when) = q.ends[0];
            // Each offer lasts at most one accept timeout; they follow one another.
            let bound = settings.accept_timeout.0 * u64::from(q.offers_made.max(1));
            prop_assert!(
                when.since(q.at).0 <= bound,
                "{} ended after {:?} > {}",
                conv,
                when.since(q.at),
                bound
            );
            if how == End::Accepted {
                prop_assert!(q.offers_made >= 1);
            }
            prop_assert!(
                q.expired <= 1 + extra,
                "{} expired {} times",
                conv,
                q.expired
            );
            let mut distinct = q.offered_to.clone();
            distinct.sort();
            distinct.dedup();
            prop_assert_eq!(
                distinct.len(),
                q.offered_to.len(),
                "{} offered to {:?}",
                conv,
                q.offered_to
            );
            prop_assert!(q.offered_to.len() <= self.agents.len());
        }
        if settings.plan == Plan::Select {
            prop_assert!(self.r.engagements() <= settings.engagement_limit);
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Capacity (offers included) is never exceeded, the engagement limit is never exceeded,
    /// every request reaches exactly one end state, no agent is offered a request twice, at most
    /// 1 + extra attempts of a request time out, and a request ends within one accept timeout
    /// per offer made unless cancelled.
    #[test]
    fn invariants_hold_under_random_operations(
        settings in settings(),
        n_agents in 1usize..6,
        ops in prop::collection::vec(op(), 1..120),
    ) {
        let mut h = Harness::new(settings.clone(), n_agents);
        for op in &ops {
            h.step(op);
            h.check_capacity()?;
            prop_assert!(h.errors.is_empty(), "{:?}", h.errors);
        }
        h.finish(&settings)?;
    }

    /// Random accept / decline / away / disconnect / withdraw sequences over every routing kind:
    /// each agent is offered a given chat at most once, capacity is never exceeded, and every
    /// request ends exactly once.
    #[test]
    fn each_agent_is_offered_a_chat_at_most_once(
        settings in settings(),
        n_agents in 1usize..8,
        ops in prop::collection::vec(answer_heavy_op(), 1..150),
    ) {
        let mut h = Harness::new(settings.clone(), n_agents);
        for op in &ops {
            h.step(op);
            h.check_capacity()?;
            prop_assert!(h.errors.is_empty(), "{:?}", h.errors);
        }
        h.finish(&settings)?;
    }

    /// With a stable set of available agents and enough capacity, round-robin (and team)
    /// offer counts (re-offers after a decline included) differ by at most 1 over any run of
    /// requests, whatever happens to the offers (accepted and released, declined, expired,
    /// cancelled).
    #[test]
    fn round_robin_is_fair(
        n_agents in 1usize..8,
        team_mode in any::<bool>(),
        outcomes in prop::collection::vec(0u8..5, 1..200),
    ) {
        let settings = RoutingSettings { capacity: 1_000, ..RoutingSettings::default() };
        let mut h = Harness::new(settings, n_agents);
        let routing = if team_mode { Routing::Team { team: TeamId::new("t0") } } else { Routing::RoundRobin };
        let pool: Vec<AgentId> = if team_mode {
            h.agents.iter().step_by(2).cloned().collect()
        } else {
            h.agents.clone()
        };
        for (i, outcome) in outcomes.iter().enumerate() {
            let conv = ConversationId::new(format!("c{i}"));
            h.reqs.insert(conv.clone(), Req::new(h.now));
            let fx = h.r.request(conv.clone(), &routing, &VisitorFacts::default(), h.now);
            let offer = fx.iter().find_map(|e| match e {
                RoutingEffect::Offered { offer, agent, .. } => Some((*offer, agent.clone())),
                _ => None,
            });
            let Some((o, a)) = offer else {
                return Err(TestCaseError::fail(format!("no offer: {fx:?}")));
            };
            h.apply(fx);
            match outcome {
                0 => { let fx = h.r.accept(&a, o, h.now).unwrap(); h.apply(fx); }
                1 => { let fx = h.r.accept(&a, o, h.now).unwrap(); h.apply(fx); let fx = h.r.release(&conv, h.now); h.apply(fx); }
                2 => { let fx = h.r.decline(&a, o, h.now).unwrap(); h.apply(fx); }
                3 => { let t = h.now.after(h.r.settings().accept_timeout); h.advance_to(t); }
                _ => { let fx = h.r.cancel(&conv, h.now); h.apply(fx); }
            }
            let counts: BTreeMap<&AgentId, u32> = pool
                .iter()
                .map(|a| (a, h.per_agent_offers.get(a).copied().unwrap_or(0)))
                .collect();
            prop_assert_eq!(counts.values().sum::<u32>(), h.per_agent_offers.values().sum::<u32>());
            let max = counts.values().max().copied().unwrap_or(0);
            let min = counts.values().min().copied().unwrap_or(0);
            prop_assert!(max - min <= 1, "unfair after {} requests: {:?}", i + 1, counts);
        }
    }

    /// Persisting and restoring the router between any two inputs changes nothing.
    #[test]
    fn serde_round_trip_is_transparent(
        n_agents in 1usize..5,
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let settings = RoutingSettings { plan: Plan::Prime, capacity: 2, ..RoutingSettings::default() };
        let mut plain = Harness::new(settings.clone(), n_agents);
        let mut persisted = Harness::new(settings, n_agents);
        for op in ops.iter().filter(|o| !matches!(o, Op::SerdeRoundTrip)) {
            plain.step(op);
            persisted.step(&Op::SerdeRoundTrip);
            persisted.step(op);
            prop_assert_eq!(serde_json::to_string(&plain.r).unwrap(), serde_json::to_string(&persisted.r).unwrap());
            prop_assert_eq!(plain.offers.clone(), persisted.offers.clone());
        }
    }
}
