//! Simulation: 1,000 agents and 100,000 live chat requests on a simulated clock, driven the way
//! the WorkspaceDO drives the router (inputs + alarm at `next_deadline`), with random accepts,
//! declines, timeouts, presence changes, inbox disconnections with a grace period, cancellations
//! and (sometimes duplicated) releases. Invariants are checked throughout: capacity (offers
//! included) per agent, one end state per request, no agent offered a request twice, at most one
//! accept timeout per offer and at most two timeouts per request, and the router's own
//! bookkeeping.
//!
//! The same full-size run is used in debug and release builds (it takes a few seconds in debug).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Instant;

use parlor_core::routing::{
    Condition, Operator, Plan, Router, Routing, RoutingEffect, RoutingError, RoutingSettings, Rule,
    RuleTarget, Subject, VisitorFacts, WithdrawReason,
};
use parlor_core::{AgentId, ConversationId, Millis, TeamId};

const AGENTS: usize = 1_000;
const TEAMS: usize = 10;
const REQUESTS: usize = 100_000;
const TIMEOUT: Millis = Millis::from_secs(100);

/// splitmix64: small, fast, deterministic.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Request(u32),
    Answer {
        offer: u64,
        agent: u32,
        accept: bool,
    },
    Release(u32),
    VisitorLeaves(u32),
    Presence {
        agent: u32,
        online: bool,
        available: bool,
    },
    /// The agent's inbox socket drops or comes back.
    Connection {
        agent: u32,
        connected: bool,
    },
    /// The grace period after a disconnection ran out.
    Grace(u32),
    /// A compensation release arriving again, late.
    LateRelease {
        conv: u32,
        agent: u32,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum End {
    Accepted,
    FellBack,
    Cancelled,
}

struct Sim {
    r: Router,
    rng: Rng,
    now: Millis,
    queue: BinaryHeap<Reverse<(Millis, u64, Event)>>,
    seq: u64,
    agent_ids: Vec<AgentId>,
    agent_of: HashMap<AgentId, u32>,
    conv_ids: Vec<ConversationId>,
    requested_at: Vec<Millis>,
    ends: Vec<Option<(End, Millis)>>,
    /// Agents offered each request so far (cleared when it ends).
    offered_to: Vec<Vec<u32>>,
    /// Offers made and offers timed out, per request.
    offers: Vec<u32>,
    expired: Vec<u32>,
    /// Mirror of each agent's load, maintained from effects only.
    load: Vec<u32>,
    /// Open offers mirrored from effects: offer → (agent, conversation index, deadline).
    open: HashMap<u64, (u32, u32, Millis)>,
    calls: u64,
    stats: HashMap<&'static str, u64>,
    routings: Vec<Routing>,
}

impl Sim {
    fn new(seed: u64) -> Self {
        let settings = RoutingSettings {
            plan: Plan::Prime,
            accept_timeout: TIMEOUT,
            ..RoutingSettings::default()
        };
        let mut r = Router::new(settings);
        let agent_ids: Vec<AgentId> = (0..AGENTS)
            .map(|i| AgentId::new(format!("agent-{i}")))
            .collect();
        let teams: Vec<TeamId> = (0..TEAMS)
            .map(|i| TeamId::new(format!("team-{i}")))
            .collect();
        let mut agent_of = HashMap::new();
        for (i, a) in agent_ids.iter().enumerate() {
            // Every 50th agent has no live-chat permission.
            let fx = r.upsert_agent(
                a.clone(),
                i % 50 != 7,
                vec![teams[i % TEAMS].clone()],
                Millis::ZERO,
            );
            assert!(fx.is_empty());
            r.set_presence(a, true, true, Millis::ZERO);
            agent_of.insert(a.clone(), i as u32);
        }
        let rule = |country: &str, target: RuleTarget| Rule {
            conditions: vec![Condition {
                subject: Subject::Country,
                op: Operator::Equals,
                values: vec![country.into()],
            }],
            target,
        };
        let routings = vec![
            Routing::RoundRobin,
            Routing::Team {
                team: teams[3].clone(),
            },
            Routing::Agent {
                agent: agent_ids[42].clone(),
            },
            Routing::Rules {
                rules: vec![
                    rule(
                        "de",
                        RuleTarget::Team {
                            team: teams[5].clone(),
                        },
                    ),
                    rule(
                        "fr",
                        RuleTarget::Agent {
                            agent: agent_ids[500].clone(),
                        },
                    ),
                    Rule {
                        conditions: vec![Condition {
                            subject: Subject::Field("email".into()),
                            op: Operator::EmailDomain,
                            values: vec!["acme.com".into()],
                        }],
                        target: RuleTarget::Team {
                            team: teams[7].clone(),
                        },
                    },
                ],
            },
        ];
        Sim {
            r,
            rng: Rng(seed),
            now: Millis::ZERO,
            queue: BinaryHeap::new(),
            seq: 0,
            agent_ids,
            agent_of,
            conv_ids: Vec::with_capacity(REQUESTS),
            requested_at: Vec::with_capacity(REQUESTS),
            ends: Vec::with_capacity(REQUESTS),
            offered_to: Vec::with_capacity(REQUESTS),
            offers: Vec::with_capacity(REQUESTS),
            expired: Vec::with_capacity(REQUESTS),
            load: vec![0; AGENTS],
            open: HashMap::new(),
            calls: 0,
            stats: HashMap::new(),
            routings,
        }
    }

    fn schedule(&mut self, at: Millis, e: Event) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, e)));
    }

    fn stat(&mut self, k: &'static str) {
        *self.stats.entry(k).or_default() += 1;
    }

    fn conv_index(&self, c: &ConversationId) -> u32 {
        c.as_str()[1..].parse().unwrap()
    }

    fn end(&mut self, conv: u32, how: End) {
        let slot = &mut self.ends[conv as usize];
        assert!(
            slot.is_none(),
            "conversation {conv} ended twice: {slot:?} then {how:?}"
        );
        *slot = Some((how, self.now));
        let c = conv as usize;
        let waited = self.now.since(self.requested_at[c]);
        // Each offer lasts at most one accept timeout; they follow one another.
        let bound = Millis(TIMEOUT.0 * u64::from(self.offers[c].max(1)));
        assert!(
            how == End::Cancelled || waited <= bound,
            "conversation {conv} ended after {waited:?} > {bound:?}"
        );
        // One timeout, plus the Prime team's extra attempt.
        assert!(
            self.expired[c] <= 2,
            "conversation {conv} timed out {} times",
            self.expired[c]
        );
        self.offered_to[c] = Vec::new();
    }

    fn apply(&mut self, fx: Vec<RoutingEffect>) {
        let cap = self.r.settings().capacity;
        // Agents whose load changed; compared with the router once the whole batch is applied.
        let mut touched: Vec<u32> = Vec::new();
        for e in fx {
            match e {
                RoutingEffect::Offered {
                    offer,
                    conversation,
                    agent,
                    deadline,
                } => {
                    self.stat("offered");
                    assert_eq!(deadline, self.now.after(TIMEOUT));
                    let a = self.agent_of[&agent];
                    let c = self.conv_index(&conversation);
                    assert!(
                        self.ends[c as usize].is_none(),
                        "offer for an ended conversation"
                    );
                    let tried = &mut self.offered_to[c as usize];
                    assert!(!tried.contains(&a), "{agent} offered c{c} twice");
                    if !tried.is_empty() {
                        self.stats
                            .entry("reoffered")
                            .and_modify(|n| *n += 1)
                            .or_insert(1);
                    }
                    tried.push(a);
                    self.offers[c as usize] += 1;
                    self.load[a as usize] += 1;
                    assert!(self.load[a as usize] <= cap, "{agent} over capacity");
                    touched.push(a);
                    self.open.insert(offer, (a, c, deadline));
                    // The agent's reaction: accept (sometimes too late), decline, or ignore.
                    let roll = self.rng.below(100);
                    if roll < 70 {
                        let after = Millis(1_000 + self.rng.below(110_000));
                        self.schedule(
                            self.now.after(after),
                            Event::Answer {
                                offer,
                                agent: a,
                                accept: true,
                            },
                        );
                    } else if roll < 85 {
                        let after = Millis(1_000 + self.rng.below(60_000));
                        self.schedule(
                            self.now.after(after),
                            Event::Answer {
                                offer,
                                agent: a,
                                accept: false,
                            },
                        );
                    }
                }
                RoutingEffect::OfferWithdrawn {
                    offer,
                    agent,
                    reason,
                    ..
                } => {
                    self.stat("withdrawn");
                    let (a, c, _) = self.open.remove(&offer).expect("withdrawn offer was open");
                    if reason == WithdrawReason::Expired {
                        self.expired[c as usize] += 1;
                    }
                    assert_eq!(self.agent_ids[a as usize], agent);
                    self.load[a as usize] -= 1;
                    touched.push(a);
                }
                RoutingEffect::Accepted {
                    offer,
                    conversation,
                    agent,
                    ..
                } => {
                    self.stat("accepted");
                    let (a, c, _) = self.open.remove(&offer).expect("accepted offer was open");
                    assert_eq!(self.agent_ids[a as usize], agent);
                    assert_eq!(c, self.conv_index(&conversation));
                    self.end(c, End::Accepted);
                    let after = Millis(1_000 + self.rng.below(600_000));
                    self.schedule(self.now.after(after), Event::Release(c));
                }
                RoutingEffect::FellBack { conversation, .. } => {
                    self.stat("fell_back");
                    let c = self.conv_index(&conversation);
                    self.end(c, End::FellBack);
                }
                RoutingEffect::Released { agent, .. } => {
                    self.stat("released");
                    let a = self.agent_of[&agent];
                    self.load[a as usize] -= 1;
                }
                // No transfers here (routing_transfer.rs covers them).
                RoutingEffect::Audit(_)
                | RoutingEffect::Transferred { .. }
                | RoutingEffect::TransferEnded { .. } => {}
            }
        }
        for a in touched {
            assert_eq!(
                self.r.load(&self.agent_ids[a as usize]),
                self.load[a as usize]
            );
        }
    }

    /// Fires the router's alarm at each deadline up to `t`, then moves the clock to `t`.
    fn advance_to(&mut self, t: Millis) {
        while let Some(d) = self.r.next_deadline() {
            if d > t {
                break;
            }
            self.now = self.now.max(d);
            self.calls += 1;
            let fx = self.r.on_timer(self.now);
            self.apply(fx);
        }
        self.now = self.now.max(t);
    }

    fn handle(&mut self, e: Event) {
        self.calls += 1;
        let now = self.now;
        match e {
            Event::Request(c) => {
                let conv = ConversationId::new(format!("c{c}"));
                self.conv_ids.push(conv.clone());
                self.requested_at.push(now);
                self.ends.push(None);
                self.offered_to.push(Vec::new());
                self.offers.push(0);
                self.expired.push(0);
                let mut facts = VisitorFacts {
                    country: ["de", "fr", "us", "gb"][self.rng.below(4) as usize].into(),
                    ..VisitorFacts::default()
                };
                if self.rng.chance(30) {
                    facts.fields.insert("email".into(), "lead@ACME.com".into());
                }
                let routing = match self.rng.below(10) {
                    0..=4 => 0,
                    5 | 6 => 1,
                    7 => 2,
                    _ => 3,
                };
                let routing = self.routings[routing].clone();
                let fx = self.r.request(conv, &routing, &facts, now);
                self.apply(fx);
                if self.rng.chance(5) {
                    let after = Millis(self.rng.below(150_000));
                    self.schedule(now.after(after), Event::VisitorLeaves(c));
                }
            }
            Event::Answer {
                offer,
                agent,
                accept,
            } => {
                let id = self.agent_ids[agent as usize].clone();
                let open = self.open.get(&offer).copied();
                let res = if accept {
                    self.r.accept(&id, offer, now)
                } else {
                    self.r.decline(&id, offer, now)
                };
                match (open, res) {
                    (Some((_, _, deadline)), Ok(fx)) => {
                        assert!(now < deadline);
                        self.apply(fx);
                    }
                    (Some(_), Err(e)) => panic!("answer to an open offer failed: {e}"),
                    (None, Err(RoutingError::OfferClosed(o))) => {
                        assert_eq!(o, offer);
                        self.stat("late_answer");
                    }
                    (None, other) => panic!("answer to a closed offer: {other:?}"),
                }
            }
            Event::Release(c) => {
                let conv = self.conv_ids[c as usize].clone();
                if self.rng.chance(20) {
                    // A compensation message naming the agent, delivered twice.
                    let holder = self.r.agent_of(&conv).cloned().expect("an accepted chat");
                    let fx = self.r.release_if(&conv, &holder, now);
                    assert_eq!(fx.len(), 1, "release_if of an accepted chat");
                    self.apply(fx);
                    let agent = self.agent_of[&holder];
                    let after = Millis(self.rng.below(10_000));
                    self.schedule(now.after(after), Event::LateRelease { conv: c, agent });
                } else {
                    let fx = self.r.release(&conv, now);
                    assert_eq!(fx.len(), 1, "release of an accepted chat");
                    self.apply(fx);
                    assert!(self.r.release(&conv, now).is_empty(), "release twice");
                }
            }
            Event::LateRelease { conv, agent } => {
                let conv = self.conv_ids[conv as usize].clone();
                let id = self.agent_ids[agent as usize].clone();
                assert!(self.r.release_if(&conv, &id, now).is_empty());
                self.stat("late_release");
            }
            Event::VisitorLeaves(c) => {
                let conv = self.conv_ids[c as usize].clone();
                let fx = self.r.cancel(&conv, now);
                if !fx.is_empty() {
                    self.stat("cancelled");
                    self.end(c, End::Cancelled);
                }
                self.apply(fx);
            }
            Event::Presence {
                agent,
                online,
                available,
            } => {
                let id = self.agent_ids[agent as usize].clone();
                let fx = self.r.set_presence(&id, online, available, now);
                self.apply(fx);
            }
            Event::Connection { agent, connected } => {
                let id = self.agent_ids[agent as usize].clone();
                let offers = self.r.offers_of(&id).len();
                let fx = self.r.set_connected(&id, connected, now);
                assert!(fx.is_empty());
                assert_eq!(self.r.offers_of(&id).len(), offers, "offers kept");
                if !connected {
                    self.stat("disconnected");
                    self.schedule(now.after(Millis(30_000)), Event::Grace(agent));
                }
            }
            Event::Grace(agent) => {
                let id = self.agent_ids[agent as usize].clone();
                if self.r.agent(&id).is_some_and(|v| !v.online) {
                    let fx = self.r.withdraw_offers(&id, now);
                    if !fx.is_empty() {
                        self.stat("grace_withdrew");
                    }
                    self.apply(fx);
                    assert!(self.r.offers_of(&id).is_empty());
                }
            }
        }
    }

    fn full_check(&self) {
        self.r.check_invariants().unwrap();
        let cap = self.r.settings().capacity;
        for (i, a) in self.agent_ids.iter().enumerate() {
            let load = self.r.load(a);
            assert_eq!(load, self.load[i], "{a}");
            assert!(load <= cap);
        }
        assert_eq!(self.r.pending_count(), self.open.len());
    }

    fn run(&mut self) {
        // Requests arrive every 0-100 ms (about 20/s); presence changes about once a second.
        let mut t = Millis::ZERO;
        for c in 0..REQUESTS as u32 {
            t = t.after(Millis(self.rng.below(100)));
            self.schedule(t, Event::Request(c));
        }
        let mut p = Millis::ZERO;
        while p < t {
            p = p.after(Millis(self.rng.below(2_000)));
            let agent = self.rng.below(AGENTS as u64) as u32;
            let roll = self.rng.below(100);
            let (online, available) = match roll {
                0..=79 => (true, true),
                80..=91 => (true, false),
                _ => (false, false),
            };
            self.schedule(
                p,
                Event::Presence {
                    agent,
                    online,
                    available,
                },
            );
        }
        // An inbox socket drops about every 3 s and comes back within 5-90 s.
        let mut d = Millis::ZERO;
        while d < t {
            d = d.after(Millis(self.rng.below(6_000)));
            let agent = self.rng.below(AGENTS as u64) as u32;
            self.schedule(
                d,
                Event::Connection {
                    agent,
                    connected: false,
                },
            );
            let back = Millis(5_000 + self.rng.below(85_000));
            self.schedule(
                d.after(back),
                Event::Connection {
                    agent,
                    connected: true,
                },
            );
        }
        let mut n = 0u64;
        while let Some(Reverse((at, _, e))) = self.queue.pop() {
            self.advance_to(at);
            self.handle(e);
            n += 1;
            if n.is_multiple_of(25_000) {
                self.full_check();
            }
            if n.is_multiple_of(100_000) {
                let json = serde_json::to_string(&self.r).unwrap();
                self.r = serde_json::from_str(&json).unwrap();
                self.full_check();
            }
        }
        let end = self.now.after(Millis(TIMEOUT.0 * 3));
        self.advance_to(end);
        self.full_check();
    }
}

#[test]
fn simulation_1000_agents_100000_requests() {
    let started = Instant::now();
    let mut sim = Sim::new(0x5EED_2024);
    sim.run();
    let elapsed = started.elapsed();

    assert_eq!(sim.ends.len(), REQUESTS);
    let mut by_end = HashMap::new();
    for (i, e) in sim.ends.iter().enumerate() {
        let (how, _) = e.unwrap_or_else(|| panic!("request {i} never ended"));
        *by_end.entry(how).or_insert(0u32) += 1;
    }
    assert_eq!(sim.r.pending_count(), 0);
    assert_eq!(sim.r.next_deadline(), None);
    assert_eq!(sim.r.chat_count(), 0, "every accepted chat was released");
    assert!(sim.load.iter().all(|&l| l == 0));
    assert_eq!(
        u64::from(sim.r.engagements()),
        u64::from(by_end[&End::Accepted])
    );
    // The mix really exercised every path.
    for k in [
        "offered",
        "withdrawn",
        "accepted",
        "fell_back",
        "released",
        "late_answer",
        "cancelled",
        "reoffered",
        "disconnected",
        "grace_withdrew",
        "late_release",
    ] {
        assert!(
            sim.stats.get(k).copied().unwrap_or(0) > 100,
            "too few {k}: {:?}",
            sim.stats
        );
    }
    eprintln!(
        "simulation: {} router calls in {:.2?} ({:.0} events/s, {} build); ends {:?}; {:?}",
        sim.calls,
        elapsed,
        sim.calls as f64 / elapsed.as_secs_f64(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        by_end,
        sim.stats
    );
}
