//! The missed-chat report: facts folded from the workspace machine's effects, local days in
//! the workspace's zone (DST included), the aggregation and its invariants.

use std::collections::BTreeMap;

use jiff::civil::datetime;
use jiff::tz::TimeZone;
use parlor_core::hours::{BusinessHours, Weekly};
use parlor_core::link::{ConversationToWorkspace, FromConversation};
use parlor_core::protocol::{ConversationRecord, ConversationStatus};
use parlor_core::report::{
    aggregate, events_of, median, ChatFacts, DayRange, FactEvent, MissedReason, OfferOutcome,
    RangeError, ReportZone, MAX_DAYS,
};
use parlor_core::routing::{
    FallbackReason, Plan, Routing, RoutingSettings, VisitorFacts, WithdrawReason,
};
use parlor_core::workspace::{Workspace, WorkspaceEffect, WorkspaceInput};
use parlor_core::{AgentId, ConversationId, Millis, WorkspaceId};
use proptest::prelude::*;

#[path = "support/online.rs"]
mod online;

/// The instant of a wall time in a zone.
fn at(zone: &str, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> Millis {
    let tz = TimeZone::get(zone).unwrap();
    let ts = tz
        .to_ambiguous_timestamp(datetime(y, mo, d, h, mi, 0, 0))
        .compatible()
        .unwrap();
    Millis(u64::try_from(ts.as_millisecond()).unwrap())
}

fn paris() -> ReportZone {
    ReportZone::named("Europe/Paris").unwrap()
}

// ---- facts from the machine ------------------------------------------------------------

struct Sim {
    w: Workspace,
    facts: BTreeMap<ConversationId, ChatFacts>,
}

impl Sim {
    fn new(settings: RoutingSettings, agents: &[&str]) -> Sim {
        let mut w = Workspace::new(WorkspaceId::new("ws"), settings);
        for a in agents {
            online::sign_in(&mut w, a);
        }
        Sim {
            w,
            facts: BTreeMap::new(),
        }
    }

    /// Feeds an input and folds the report's events out of its effects, as the edge does.
    fn feed(&mut self, input: WorkspaceInput, now: Millis) -> Vec<WorkspaceEffect> {
        let fx = self.w.handle(input, now);
        let mut events = Vec::new();
        for e in &fx {
            events_of(e, &mut events);
        }
        for (conversation, event) in events {
            let f = self
                .facts
                .entry(conversation)
                .or_insert_with(|| ChatFacts::new(now));
            f.apply(&event);
        }
        fx
    }

    fn start(&mut self, c: &str, now: Millis) {
        let record = row(c, now, None);
        self.say(
            c,
            ConversationToWorkspace::Index {
                record,
                preview_every: Millis(2_000),
            },
            now,
        );
    }

    fn request(&mut self, c: &str, now: Millis) -> Vec<WorkspaceEffect> {
        self.say(
            c,
            ConversationToWorkspace::RequestLiveChat {
                routing: Routing::RoundRobin,
                facts: VisitorFacts::default(),
                request: 1,
            },
            now,
        )
    }

    fn say(&mut self, c: &str, msg: ConversationToWorkspace, now: Millis) -> Vec<WorkspaceEffect> {
        self.feed(
            WorkspaceInput::FromConversation(FromConversation {
                conversation: ConversationId::new(c),
                messages: vec![msg],
            }),
            now,
        )
    }

    fn get(&self, c: &str) -> &ChatFacts {
        &self.facts[&ConversationId::new(c)]
    }
}

fn row(id: &str, created: Millis, first_reply: Option<Millis>) -> ConversationRecord {
    ConversationRecord {
        identity: None,
        id: id.into(),
        created_at: created.0,
        updated_at: created.0,
        dialogue: "d1".into(),
        page_url: String::new(),
        status: ConversationStatus::Automated,
        agent: None,
        captured: BTreeMap::new(),
        last_message: None,
        revision: 1,
        first_agent_reply_at: first_reply.map(|t| t.0),
    }
}

fn offer_of(fx: &[WorkspaceEffect]) -> u64 {
    fx.iter()
        .find_map(|e| match e {
            WorkspaceEffect::ToAgent {
                msg: parlor_core::protocol::InboxServerMsg::Offered { offer },
                ..
            } => Some(offer.offer),
            _ => None,
        })
        .expect("an offer")
}

#[test]
fn the_machine_s_effects_fold_into_each_outcome() {
    let t0 = Millis(1_000_000);
    let mut s = Sim::new(RoutingSettings::default(), &["ann"]);
    let ann = AgentId::new("ann");

    // Accepted, then the agent's first reply arrives on a later index row.
    s.start("ok", t0);
    let offer = offer_of(&s.request("ok", Millis(t0.0 + 1_000)));
    s.feed(
        WorkspaceInput::Accept {
            agent: ann.clone(),
            offer,
        },
        Millis(t0.0 + 4_000),
    );
    s.say(
        "ok",
        ConversationToWorkspace::Index {
            record: row("ok", t0, Some(Millis(t0.0 + 9_000))),
            preview_every: Millis(2_000),
        },
        Millis(t0.0 + 9_000),
    );
    let f = s.get("ok");
    assert_eq!(f.created_at, t0);
    assert_eq!(f.requested_at, Some(Millis(t0.0 + 1_000)));
    assert_eq!(f.accepted_at, Some(Millis(t0.0 + 4_000)));
    assert_eq!(f.accepted_by.as_ref(), Some(&ann));
    assert_eq!(f.first_reply_at, Some(Millis(t0.0 + 9_000)));
    assert_eq!(f.missed, None);
    assert_eq!(f.offers.len(), 1);
    assert_eq!(f.offers[0].outcome, OfferOutcome::Accepted);
    // The chat is over: the only agent is free again for the next one.
    s.say(
        "ok",
        ConversationToWorkspace::ChatClosed {
            agent: ann.clone(),
            reason: parlor_core::protocol::EndReason::EndedByVisitor,
            request: 1,
        },
        Millis(t0.0 + 10_000),
    );

    // Declined by the only agent: missed, declined.
    s.start("no", t0);
    let offer = offer_of(&s.request("no", Millis(t0.0 + 11_000)));
    s.feed(
        WorkspaceInput::Decline {
            agent: ann.clone(),
            offer,
        },
        Millis(t0.0 + 12_000),
    );
    assert_eq!(s.get("no").missed, Some(MissedReason::Declined));
    assert_eq!(s.get("no").offers[0].outcome, OfferOutcome::Declined);

    // Unanswered until the deadline: missed, expired.
    s.start("late", t0);
    s.request("late", Millis(t0.0 + 20_000));
    let deadline = s.w.next_deadline().expect("an offer deadline");
    s.feed(WorkspaceInput::Tick, deadline);
    assert_eq!(s.get("late").missed, Some(MissedReason::Expired));
    assert_eq!(s.get("late").offers[0].outcome, OfferOutcome::Expired);

    // The agent goes away with the offer pending: her offer "went away", the chat is missed
    // with nobody available.
    s.start("away", deadline);
    s.request("away", Millis(deadline.0 + 1_000));
    s.feed(
        WorkspaceInput::SetPresence {
            agent: ann.clone(),
            presence: parlor_core::protocol::Presence::Away,
        },
        Millis(deadline.0 + 2_000),
    );
    assert_eq!(s.get("away").missed, Some(MissedReason::NobodyAvailable));
    assert_eq!(s.get("away").offers[0].outcome, OfferOutcome::WentAway);

    // Nobody online: missed, nobody available; no offer.
    s.feed(WorkspaceInput::InboxClosed { agent: ann.clone() }, deadline);
    s.start("empty", deadline);
    s.request("empty", Millis(deadline.0 + 60_000));
    assert_eq!(s.get("empty").missed, Some(MissedReason::NobodyAvailable));
    assert!(s.get("empty").offers.is_empty());
}

#[test]
fn outside_hours_and_the_engagement_limit_are_their_own_reasons() {
    let closed = RoutingSettings {
        business_hours: Some(BusinessHours {
            time_zone: "Europe/Paris".into(),
            weekly: Weekly::default(),
            exceptions: Vec::new(),
        }),
        ..RoutingSettings::default()
    };
    let mut s = Sim::new(closed, &["ann"]);
    s.start("night", Millis(5_000));
    s.request("night", Millis(6_000));
    assert_eq!(s.get("night").missed, Some(MissedReason::OutsideHours));

    let select = RoutingSettings {
        plan: Plan::Select,
        engagement_limit: 0,
        ..RoutingSettings::default()
    };
    let mut s = Sim::new(select, &["ann"]);
    s.start("trial", Millis(5_000));
    s.request("trial", Millis(6_000));
    assert_eq!(s.get("trial").missed, Some(MissedReason::EngagementLimit));
}

#[test]
fn a_repeated_or_late_event_changes_nothing_and_outcomes_exclude_each_other() {
    let mut f = ChatFacts::new(Millis(10));
    let ann = AgentId::new("ann");
    assert!(f.apply(&FactEvent::Requested { at: Millis(20) }));
    assert!(!f.apply(&FactEvent::Requested { at: Millis(30) }));
    let fell = FactEvent::FellBack {
        reason: FallbackReason::NoEligibleAgent,
        at: Millis(40),
    };
    assert!(f.apply(&fell));
    assert!(!f.apply(&fell));
    // A later acceptance of a new request does not turn a miss into an acceptance.
    f.apply(&FactEvent::Accepted {
        offer: 9,
        agent: ann,
        at: Millis(50),
    });
    assert_eq!(f.accepted_at, None);
    assert_eq!(f.missed, Some(MissedReason::NobodyAvailable));
    // Every index row after the first reply writes nothing.
    let indexed = FactEvent::Indexed {
        created_at: Millis(10),
        first_agent_reply_at: None,
    };
    assert!(!f.apply(&indexed));
}

#[test]
fn every_fallback_reason_maps_to_a_missed_reason() {
    use FallbackReason::*;
    let cases = [
        (EngagementLimitReached, MissedReason::EngagementLimit),
        (NoRuleMatched, MissedReason::NobodyAvailable),
        (UnknownAgent, MissedReason::NobodyAvailable),
        (UnknownTeam, MissedReason::NobodyAvailable),
        (NoEligibleAgent, MissedReason::NobodyAvailable),
        (OfferExpired, MissedReason::Expired),
        (OfferDeclined, MissedReason::Declined),
        (AgentUnavailable, MissedReason::NobodyAvailable),
        (OutsideHours, MissedReason::OutsideHours),
    ];
    for (reason, missed) in cases {
        assert_eq!(MissedReason::of(reason), missed, "{reason:?}");
    }
}

#[test]
fn the_stored_row_is_small_and_reads_back() {
    let mut f = ChatFacts::new(Millis(1_700_000_000_000));
    f.apply(&FactEvent::Offered {
        offer: 3,
        agent: AgentId::new("ann"),
        at: Millis(1_700_000_001_000),
    });
    let json = serde_json::to_string(&f).unwrap();
    assert!(json.len() < 200, "{json}");
    let back: ChatFacts = serde_json::from_str(&json).unwrap();
    assert_eq!(back, f);
    let bare: ChatFacts = serde_json::from_str(r#"{"created_at":5}"#).unwrap();
    assert_eq!(bare, ChatFacts::new(Millis(5)));
}

// ---- days in the workspace's zone -------------------------------------------------------

#[test]
fn paris_spring_forward_day_lasts_23_hours_and_autumn_back_25() {
    let z = paris();
    let spring = DayRange::parse("2026-03-29", "2026-03-29", &z).unwrap();
    assert_eq!(spring.start, at("UTC", 2026, 3, 28, 23, 0));
    assert_eq!(spring.end, at("UTC", 2026, 3, 29, 22, 0));
    assert_eq!(spring.end.0 - spring.start.0, 23 * 3_600_000);
    let autumn = DayRange::parse("2026-10-25", "2026-10-25", &z).unwrap();
    assert_eq!(autumn.end.0 - autumn.start.0, 25 * 3_600_000);
}

#[test]
fn an_instant_counts_on_its_local_paris_date_across_dst() {
    let z = paris();
    let date = |m: Millis| z.date_of(m).unwrap().to_string();
    // 23:30 UTC on the 28th is 00:30 on the 29th in Paris (winter time, UTC+1).
    assert_eq!(date(at("UTC", 2026, 3, 28, 23, 30)), "2026-03-29");
    assert_eq!(date(at("UTC", 2026, 3, 28, 22, 59)), "2026-03-28");
    // After the change (UTC+2): 22:30 UTC on the 29th is already the 30th.
    assert_eq!(date(at("UTC", 2026, 3, 29, 22, 30)), "2026-03-30");
    assert_eq!(date(at("UTC", 2026, 3, 29, 21, 59)), "2026-03-29");
    // The repeated hour of the autumn change stays on the 25th; 23:00 UTC is the 26th.
    assert_eq!(date(at("UTC", 2026, 10, 25, 0, 30)), "2026-10-25");
    assert_eq!(date(at("UTC", 2026, 10, 25, 1, 30)), "2026-10-25");
    assert_eq!(date(at("UTC", 2026, 10, 25, 22, 59)), "2026-10-25");
    assert_eq!(date(at("UTC", 2026, 10, 25, 23, 0)), "2026-10-26");

    // Two conversations around the spring change, aggregated over the 28th–30th.
    let range = DayRange::parse("2026-03-28", "2026-03-30", &z).unwrap();
    let facts = [
        ChatFacts::new(at("UTC", 2026, 3, 28, 23, 30)),
        ChatFacts::new(at("UTC", 2026, 3, 29, 22, 30)),
        ChatFacts::new(at("Europe/Paris", 2026, 3, 29, 2, 30)), // in the gap: 03:30 CEST
    ];
    let report = aggregate(&facts, &range, &z);
    let per_day: Vec<(String, u64)> = report
        .days
        .iter()
        .map(|d| (d.date.clone(), d.counts.conversations))
        .collect();
    assert_eq!(
        per_day,
        [
            ("2026-03-28".to_owned(), 0),
            ("2026-03-29".to_owned(), 2),
            ("2026-03-30".to_owned(), 1)
        ]
    );
    assert_eq!(report.time_zone, "Europe/Paris");
}

#[test]
fn ranges_are_checked_with_words_a_person_understands() {
    let z = ReportZone::utc();
    assert_eq!(
        DayRange::parse("2026-02-30", "2026-03-01", &z),
        Err(RangeError::BadDate("2026-02-30".into()))
    );
    assert!(matches!(
        DayRange::parse("yesterday", "2026-03-01", &z),
        Err(RangeError::BadDate(_))
    ));
    assert!(matches!(
        DayRange::parse("2026-03-02", "2026-03-01", &z),
        Err(RangeError::Reversed { .. })
    ));
    assert_eq!(
        DayRange::parse("2026-01-01", "2026-04-03", &z),
        Err(RangeError::TooLong { days: 93 })
    );
    let ok = DayRange::parse("2026-01-01", "2026-04-02", &z).unwrap();
    assert_eq!(ok.dates().len(), MAX_DAYS as usize);
    let msg = RangeError::TooLong { days: 93 }.to_string();
    assert!(msg.contains("at most 92 days"), "{msg}");
}

#[test]
fn the_last_days_end_today_in_the_workspace_zone() {
    // 23:30 UTC on 2026-06-10 is already the 11th in Paris.
    let now = at("UTC", 2026, 6, 10, 23, 30);
    let r = DayRange::last(7, now, &paris()).unwrap();
    assert_eq!(
        (r.from.to_string(), r.to.to_string()),
        ("2026-06-05".into(), "2026-06-11".into())
    );
    let r = DayRange::last(7, now, &ReportZone::utc()).unwrap();
    assert_eq!(r.to.to_string(), "2026-06-10");
    assert_eq!(DayRange::last(0, now, &paris()), Err(RangeError::BadLength));
    assert_eq!(
        DayRange::last(93, now, &paris()),
        Err(RangeError::BadLength)
    );
}

#[test]
fn the_zone_is_the_business_hours_zone_or_utc() {
    let mut settings = parlor_core::settings::WorkspaceSettings::default();
    assert_eq!(ReportZone::of(&settings).name, "UTC");
    settings.business_hours = Some(BusinessHours {
        time_zone: "America/New_York".into(),
        weekly: Weekly::default(),
        exceptions: Vec::new(),
    });
    assert_eq!(ReportZone::of(&settings).name, "America/New_York");
}

// ---- aggregation --------------------------------------------------------------------------

#[test]
fn medians_are_exact() {
    assert_eq!(median(&mut []), None);
    assert_eq!(median(&mut [7]), Some(7));
    assert_eq!(median(&mut [9, 1, 5]), Some(5));
    assert_eq!(median(&mut [4, 1, 3, 2]), Some(2)); // (2 + 3) / 2, rounded down
    assert_eq!(median(&mut [u64::MAX, u64::MAX - 2]), Some(u64::MAX - 1));
}

#[test]
fn one_day_with_every_outcome() {
    let z = ReportZone::utc();
    let range = DayRange::parse("2026-05-04", "2026-05-04", &z).unwrap();
    let t = at("UTC", 2026, 5, 4, 10, 0);
    let plus = |ms: u64| Millis(t.0 + ms);
    let ann = AgentId::new("ann");
    let mut ok = ChatFacts::new(t);
    ok.apply(&FactEvent::Requested { at: plus(1_000) });
    ok.apply(&FactEvent::Offered {
        offer: 1,
        agent: ann.clone(),
        at: plus(1_000),
    });
    ok.apply(&FactEvent::Accepted {
        offer: 1,
        agent: ann.clone(),
        at: plus(5_000),
    });
    ok.apply(&FactEvent::Indexed {
        created_at: t,
        first_agent_reply_at: Some(plus(12_000)),
    });
    let mut declined = ChatFacts::new(t);
    declined.apply(&FactEvent::Offered {
        offer: 2,
        agent: ann.clone(),
        at: plus(2_000),
    });
    declined.apply(&FactEvent::OfferEnded {
        offer: 2,
        reason: WithdrawReason::Declined,
    });
    declined.apply(&FactEvent::FellBack {
        reason: FallbackReason::OfferDeclined,
        at: plus(3_000),
    });
    let mut nobody = ChatFacts::new(t);
    nobody.apply(&FactEvent::FellBack {
        reason: FallbackReason::NoEligibleAgent,
        at: plus(1_000),
    });
    let browsing = ChatFacts::new(t);
    let report = aggregate(&[ok, declined, nobody, browsing], &range, &z);
    let c = &report.totals;
    assert_eq!((c.conversations, c.requests, c.accepted), (4, 3, 1));
    assert_eq!(c.missed.total, 2);
    assert_eq!(c.missed.declined, 1);
    assert_eq!(c.missed.nobody_available, 1);
    assert_eq!(c.median_accept_ms, Some(4_000));
    assert_eq!(c.median_first_response_ms, Some(11_000));
    assert_eq!(report.days[0].counts, *c);
    assert_eq!(report.agents.len(), 1);
    let a = &report.agents[0];
    assert_eq!((a.offers, a.accepted, a.declined, a.expired), (2, 1, 1, 0));
    assert_eq!(a.median_accept_ms, Some(4_000));
    assert_eq!(a.median_first_response_ms, Some(7_000));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["days"][0]["date"], "2026-05-04");
    assert_eq!(json["days"][0]["missed"]["declined"], 1);
    assert_eq!(json["totals"]["median_accept_ms"], 4_000);
}

// ---- properties ---------------------------------------------------------------------------

const AGENTS: [&str; 3] = ["ann", "bob", "cy"];

fn event() -> impl Strategy<Value = (u8, u8, u8, u32)> {
    (0u8..6, 0u8..3, 0u8..9, 0u32..600_000)
}

/// A conversation's facts from a random event sequence, created within the 4 days around
/// the Paris spring change (a day of margin each side falls outside the range).
fn conversation() -> impl Strategy<Value = ChatFacts> {
    let start = at("UTC", 2026, 3, 27, 0, 0).0;
    (0u64..5 * 86_400_000, prop::collection::vec(event(), 0..8)).prop_map(move |(t, evs)| {
        let created = Millis(start + t);
        let mut f = ChatFacts::new(created);
        for (i, (kind, agent, reason, dt)) in evs.into_iter().enumerate() {
            let when = Millis(created.0 + u64::from(dt));
            let agent = AgentId::new(AGENTS[agent as usize]);
            let offer = i as u64 / 2;
            let fallback = [
                FallbackReason::EngagementLimitReached,
                FallbackReason::NoRuleMatched,
                FallbackReason::UnknownAgent,
                FallbackReason::UnknownTeam,
                FallbackReason::NoEligibleAgent,
                FallbackReason::OfferExpired,
                FallbackReason::OfferDeclined,
                FallbackReason::AgentUnavailable,
                FallbackReason::OutsideHours,
            ][reason as usize];
            let withdraw = [
                WithdrawReason::Expired,
                WithdrawReason::Declined,
                WithdrawReason::AgentUnavailable,
                WithdrawReason::Cancelled,
                WithdrawReason::EngagementLimit,
            ][reason as usize % 5];
            let e = match kind {
                0 => FactEvent::Requested { at: when },
                1 => FactEvent::Offered {
                    offer,
                    agent,
                    at: when,
                },
                2 => FactEvent::OfferEnded {
                    offer,
                    reason: withdraw,
                },
                3 => FactEvent::Accepted {
                    offer,
                    agent,
                    at: when,
                },
                4 => FactEvent::FellBack {
                    reason: fallback,
                    at: when,
                },
                _ => FactEvent::Indexed {
                    created_at: created,
                    first_agent_reply_at: Some(when),
                },
            };
            f.apply(&e);
        }
        f
    })
}

proptest! {
    #[test]
    fn report_invariants(facts in prop::collection::vec(conversation(), 0..60)) {
        let z = paris();
        let range = DayRange::parse("2026-03-28", "2026-03-30", &z).unwrap();
        let r = aggregate(&facts, &range, &z);
        let t = &r.totals;

        // Each conversation counted on exactly one day: the one its creation falls on.
        let inside: Vec<&ChatFacts> = facts
            .iter()
            .filter(|f| range.start <= f.created_at && f.created_at < range.end)
            .collect();
        prop_assert_eq!(t.conversations, inside.len() as u64);
        for day in &r.days {
            let on_day = inside
                .iter()
                .filter(|f| z.date_of(f.created_at).unwrap().to_string() == day.date)
                .count() as u64;
            prop_assert_eq!(day.counts.conversations, on_day);
        }

        // Totals equal the sum over days.
        let sum = |g: fn(&parlor_core::report::Counts) -> u64| r.days.iter().map(|d| g(&d.counts)).sum::<u64>();
        prop_assert_eq!(sum(|c| c.conversations), t.conversations);
        prop_assert_eq!(sum(|c| c.requests), t.requests);
        prop_assert_eq!(sum(|c| c.accepted), t.accepted);
        prop_assert_eq!(sum(|c| c.missed.total), t.missed.total);
        for reason in MissedReason::ALL {
            let by_day: u64 = r.days.iter().map(|d| d.counts.missed.of(reason)).sum();
            prop_assert_eq!(by_day, t.missed.of(reason));
        }

        // …and over agents: every acceptance and every offer belongs to one agent.
        prop_assert_eq!(r.agents.iter().map(|a| a.accepted).sum::<u64>(), t.accepted);
        let offers: u64 = inside.iter().map(|f| f.offers.len() as u64).sum();
        prop_assert_eq!(r.agents.iter().map(|a| a.offers).sum::<u64>(), offers);
        for a in &r.agents {
            prop_assert!(a.declined + a.expired + a.went_away <= a.offers);
        }

        // Accepted and missed never exceed the requests; reasons add up to the total missed.
        for c in r.days.iter().map(|d| &d.counts).chain([t]) {
            prop_assert!(c.accepted + c.missed.total <= c.requests);
            prop_assert!(c.requests <= c.conversations);
            let by_reason: u64 = MissedReason::ALL.iter().map(|&m| c.missed.of(m)).sum();
            prop_assert_eq!(by_reason, c.missed.total);
        }

        // Medians lie within the samples' range.
        let within = |m: Option<u64>, samples: Vec<u64>| match m {
            None => samples.is_empty(),
            Some(m) => !samples.is_empty()
                && *samples.iter().min().unwrap() <= m
                && m <= *samples.iter().max().unwrap(),
        };
        let accept = |fs: &[&ChatFacts]| -> Vec<u64> {
            fs.iter()
                .filter_map(|f| Some(f.accepted_at?.0 - f.requested_at?.0))
                .collect()
        };
        let reply = |fs: &[&ChatFacts]| -> Vec<u64> {
            fs.iter()
                .filter_map(|f| Some(f.first_reply_at?.0.saturating_sub(f.requested_at?.0)))
                .collect()
        };
        prop_assert!(within(t.median_accept_ms, accept(&inside)));
        prop_assert!(within(t.median_first_response_ms, reply(&inside)));
        for day in &r.days {
            let on_day: Vec<&ChatFacts> = inside
                .iter()
                .copied()
                .filter(|f| z.date_of(f.created_at).unwrap().to_string() == day.date)
                .collect();
            prop_assert!(within(day.counts.median_accept_ms, accept(&on_day)));
            prop_assert!(within(day.counts.median_first_response_ms, reply(&on_day)));
        }
    }

    #[test]
    fn a_median_is_a_middle_value(mut xs in prop::collection::vec(0u64..1_000_000, 1..50)) {
        let m = median(&mut xs.clone()).unwrap();
        xs.sort_unstable();
        let below = xs.iter().filter(|&&x| x <= m).count();
        let above = xs.iter().filter(|&&x| x >= m).count();
        prop_assert!(below * 2 >= xs.len() && above * 2 >= xs.len());
        prop_assert!(xs[0] <= m && m <= xs[xs.len() - 1]);
    }
}

// ---- the machine under random inputs ------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Request(u8),
    Accept(u8),
    Decline(u8),
    Presence(u8, bool),
    Close(u8),
    Wait(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..4).prop_map(Op::Request),
        (0u8..2).prop_map(Op::Accept),
        (0u8..2).prop_map(Op::Decline),
        (0u8..2, any::<bool>()).prop_map(|(a, on)| Op::Presence(a, on)),
        (0u8..4).prop_map(Op::Close),
        (0u32..150_000).prop_map(Op::Wait),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever happens, the facts folded from the machine's effects stay consistent: a
    /// conversation is accepted or missed, never both; acceptance follows the request and names
    /// the agent whose offer it was; each offer is recorded once.
    #[test]
    fn facts_from_the_machine_stay_consistent(ops in prop::collection::vec(op(), 1..60)) {
        let agents = ["ann", "bob"];
        let mut s = Sim::new(RoutingSettings::default(), &agents);
        let mut now = Millis(1_000);
        let mut offers: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        let mut requested = [0u32; 4];
        for o in ops {
            now = Millis(now.0 + 100);
            let fx = match o {
                Op::Request(c) => {
                    let id = format!("c{c}");
                    requested[c as usize] += 1;
                    s.start(&id, now);
                    s.say(&id, ConversationToWorkspace::RequestLiveChat {
                        routing: Routing::RoundRobin,
                        facts: VisitorFacts::default(),
                        request: requested[c as usize],
                    }, now)
                }
                Op::Accept(a) | Op::Decline(a) => {
                    let agent = agents[a as usize];
                    let Some(offer) = offers.get(agent).and_then(|v| v.first().copied()) else { continue };
                    let agent = AgentId::new(agent);
                    let input = if matches!(o, Op::Accept(_)) {
                        WorkspaceInput::Accept { agent, offer }
                    } else {
                        WorkspaceInput::Decline { agent, offer }
                    };
                    s.feed(input, now)
                }
                Op::Presence(a, on) => s.feed(WorkspaceInput::SetPresence {
                    agent: AgentId::new(agents[a as usize]),
                    presence: if on { parlor_core::protocol::Presence::Available } else { parlor_core::protocol::Presence::Away },
                }, now),
                Op::Close(c) => {
                    let id = format!("c{c}");
                    let holder = s.w.router().agent_of(&ConversationId::new(id.as_str())).cloned();
                    match holder {
                        Some(agent) => s.say(&id, ConversationToWorkspace::ChatClosed {
                            agent,
                            reason: parlor_core::protocol::EndReason::EndedByVisitor,
                            request: requested[c as usize],
                        }, now),
                        None => s.say(&id, ConversationToWorkspace::CancelLiveChat { request: requested[c as usize] }, now),
                    }
                }
                Op::Wait(ms) => {
                    now = Millis(now.0 + u64::from(ms));
                    s.feed(WorkspaceInput::Tick, now)
                }
            };
            // Track each agent's outstanding offers, as their inbox would.
            for e in &fx {
                let WorkspaceEffect::ToAgent { agent, msg } = e else { continue };
                let Some(name) = agents.iter().copied().find(|a| *a == agent.as_str()) else { continue };
                let list = offers.entry(name).or_default();
                match msg {
                    parlor_core::protocol::InboxServerMsg::Offered { offer } => list.push(offer.offer),
                    parlor_core::protocol::InboxServerMsg::OfferWithdrawn { offer, .. } => list.retain(|o| o != offer),
                    _ => {}
                }
            }
            // An answered offer is no longer outstanding.
            for list in offers.values_mut() {
                list.retain(|o| s.facts.values().all(|f| f.offers.iter().all(|x| x.offer != *o || x.outcome == OfferOutcome::Pending)));
            }
        }
        for (c, f) in &s.facts {
            prop_assert!(!(f.accepted_at.is_some() && f.missed.is_some()), "{c}: accepted and missed");
            prop_assert_eq!(f.accepted_at.is_some(), f.accepted_by.is_some());
            if let (Some(r), Some(a)) = (f.requested_at, f.accepted_at) {
                prop_assert!(r <= a);
            }
            if f.accepted_at.is_some() || f.missed.is_some() {
                prop_assert!(f.requested_at.is_some());
            }
            if let Some(by) = &f.accepted_by {
                prop_assert!(f.offers.iter().any(|o| &o.agent == by && o.outcome == OfferOutcome::Accepted));
            }
            let mut ids: Vec<u64> = f.offers.iter().map(|o| o.offer).collect();
            ids.sort_unstable();
            ids.dedup();
            prop_assert_eq!(ids.len(), f.offers.len());
        }
        let facts: Vec<ChatFacts> = s.facts.values().cloned().collect();
        let zone = ReportZone::utc();
        let range = DayRange::parse("1970-01-01", "1970-01-02", &zone).unwrap();
        let r = aggregate(&facts, &range, &zone);
        prop_assert_eq!(r.totals.conversations, facts.len() as u64);
        prop_assert!(r.totals.accepted + r.totals.missed.total <= r.totals.requests);
        prop_assert_eq!(r.agents.iter().map(|a| a.accepted).sum::<u64>(), r.totals.accepted);
    }
}
