//! One event on its way to one endpoint: attempts on the [`Schedule`], what counts as
//! delivered (a 2xx answer; redirects are not followed and count as failures), the admin's
//! "Send again", and the endpoint's health (disabled after a day of nothing but failures).
//! The edge stores these rows, performs the requests and feeds the outcomes back.

use serde::{Deserialize, Serialize};

use super::event::EventType;
use super::schedule::Schedule;
use crate::Millis;

/// A request that takes longer than this is abandoned and counts as a failure.
pub const TIMEOUT: Millis = Millis(10_000);
/// Attempts kept in an endpoint's delivery log (older ones are dropped).
pub const LOG_LIMIT: usize = 100;
/// The most of a receiver's answer kept in the log.
pub const RESPONSE_EXCERPT_BYTES: usize = 256;

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// The receiver answered with this status.
    Status { code: u16 },
    /// No answer within [`TIMEOUT`].
    Timeout,
    /// No answer at all (DNS, connection refused, TLS…).
    Network { error: String },
}

impl Outcome {
    /// Only a 2xx answer delivers.
    pub fn delivered(&self) -> bool {
        matches!(self, Outcome::Status { code } if (200..300).contains(code))
    }

    /// Words for the log.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Status { code } if (200..300).contains(code) => format!("delivered ({code})"),
            Outcome::Status { code } if (300..400).contains(code) => {
                format!("redirect {code} (not followed: counts as a failure)")
            }
            Outcome::Status { code } => format!("the receiver answered {code}"),
            Outcome::Timeout => "no answer within 10 seconds".into(),
            Outcome::Network { error } => format!("could not connect: {error}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// An attempt is due at `next_at`.
    Pending,
    Delivered,
    /// Every attempt failed, or the endpoint was disabled meanwhile.
    Failed,
}

/// One event for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub endpoint: String,
    /// The `webhook-id`: the same on every attempt and every "Send again".
    pub message: String,
    pub event: EventType,
    /// When the first attempt was due; the schedule counts from here.
    pub first_at: Millis,
    /// Attempts made in all (the log numbers them).
    pub attempts: u32,
    /// Attempts of the automatic schedule made.
    pub scheduled: u32,
    pub state: DeliveryState,
    /// When the next attempt is due (`None` when finished).
    pub next_at: Option<Millis>,
}

/// One line of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub message: String,
    pub event: EventType,
    /// 1 for the first attempt of this delivery.
    pub attempt: u32,
    pub at: Millis,
    pub duration_ms: u64,
    pub outcome: Outcome,
    /// When the next attempt is due; `None` when this one settled the delivery.
    pub next_retry: Option<Millis>,
    /// This attempt was an admin's "Send again".
    pub manual: bool,
}

impl Delivery {
    /// A new delivery whose first attempt is due `now`.
    pub fn new(endpoint: &str, message: &str, event: EventType, now: Millis) -> Delivery {
        Delivery {
            endpoint: endpoint.to_owned(),
            message: message.to_owned(),
            event,
            first_at: now,
            attempts: 0,
            scheduled: 0,
            state: DeliveryState::Pending,
            next_at: Some(now),
        }
    }

    /// An attempt is due (a scheduled one, or an admin's "Send again").
    pub fn is_due(&self, now: Millis) -> bool {
        self.next_at.is_some_and(|t| t <= now)
    }

    /// The admin asked to send it again: one attempt now, recorded with `manual`. A pending
    /// delivery keeps its schedule afterwards; a settled one stays settled unless it delivers.
    pub fn send_again(&mut self, now: Millis) {
        self.next_at = Some(now);
    }

    /// Records the outcome of the attempt started at `at`; returns the log line. `manual`:
    /// an admin's "Send again" (it does not use up a scheduled attempt).
    pub fn record(
        &mut self,
        outcome: Outcome,
        at: Millis,
        duration: Millis,
        manual: bool,
        schedule: &Schedule,
    ) -> Attempt {
        self.attempts += 1;
        if !manual {
            self.scheduled += 1;
        }
        let has_more = self.scheduled < schedule.attempts();
        (self.state, self.next_at) = if outcome.delivered() {
            (DeliveryState::Delivered, None)
        } else if manual && self.state != DeliveryState::Pending {
            // A "Send again" of a settled delivery is one attempt.
            (self.state, None)
        } else if has_more {
            let next = schedule.next_after(self.first_at, self.scheduled);
            (DeliveryState::Pending, next)
        } else {
            (DeliveryState::Failed, None)
        };
        Attempt {
            message: self.message.clone(),
            event: self.event,
            attempt: self.attempts,
            at,
            duration_ms: duration.0,
            outcome,
            next_retry: self.next_at,
            manual,
        }
    }

    /// The endpoint was disabled or deleted: no more automatic attempts (the log keeps it,
    /// and "Send again" still works once the endpoint is enabled).
    pub fn give_up(&mut self) {
        if self.state == DeliveryState::Pending {
            self.state = DeliveryState::Failed;
            self.next_at = None;
        }
    }
}

/// An endpoint's run of failures. After [`Schedule::disable_after`] (a day) of failures with
/// no success, it is disabled and the admins are emailed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// The first failure since the last success.
    pub failing_since: Option<Millis>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthVerdict {
    Fine,
    /// Failing for a day: disable the endpoint now.
    Disable,
}

impl Health {
    /// An attempt of a delivery first due at `first_due` came to `delivered` at `now`. A run
    /// of failures starts when its first failed delivery was due, so the last attempt of a
    /// single event (due 24 h after its first) completes a day of failures.
    pub fn observe(
        &mut self,
        delivered: bool,
        first_due: Millis,
        now: Millis,
        schedule: &Schedule,
    ) -> HealthVerdict {
        if delivered {
            self.failing_since = None;
            return HealthVerdict::Fine;
        }
        let since = *self.failing_since.get_or_insert(first_due.min(now));
        if now.since(since) >= schedule.disable_after() {
            HealthVerdict::Disable
        } else {
            HealthVerdict::Fine
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FAIL: Outcome = Outcome::Status { code: 500 };
    const OK: Outcome = Outcome::Status { code: 204 };

    fn run_at(d: &mut Delivery, outcome: Outcome, s: &Schedule) -> Attempt {
        let at = d.next_at.expect("due");
        d.record(outcome, at, Millis(12), false, s)
    }

    #[test]
    fn only_2xx_delivers() {
        for code in [200, 201, 204, 299] {
            assert!(Outcome::Status { code }.delivered());
        }
        for code in [100, 301, 302, 304, 400, 404, 410, 500, 503] {
            assert!(!Outcome::Status { code }.delivered(), "{code}");
        }
        assert!(!Outcome::Timeout.delivered());
        assert!(Outcome::Status { code: 302 }
            .describe()
            .contains("not followed"));
    }

    #[test]
    fn failures_retry_on_schedule_then_fail() {
        let s = Schedule::standard();
        let mut d = Delivery::new("e1", "msg_1", EventType::ChatEnded, Millis(1_000));
        let a = run_at(&mut d, FAIL, &s);
        assert_eq!((a.attempt, a.next_retry), (1, Some(Millis(6_000))));
        let a = run_at(&mut d, Outcome::Timeout, &s);
        assert_eq!(a.next_retry, Some(Millis(306_000)));
        for _ in 2..s.attempts() - 1 {
            run_at(&mut d, FAIL, &s);
        }
        let last = run_at(&mut d, FAIL, &s);
        assert_eq!(last.at, Millis(1_000 + 86_400_000));
        assert_eq!(last.next_retry, None);
        assert_eq!(d.state, DeliveryState::Failed);
        assert_eq!(d.attempts, s.attempts());
    }

    #[test]
    fn send_again_is_one_attempt_with_the_same_id() {
        let s = Schedule::standard();
        let mut d = Delivery::new("e1", "msg_1", EventType::ChatEnded, Millis(0));
        run_at(&mut d, OK, &s);
        assert_eq!(d.state, DeliveryState::Delivered);
        assert!(!d.is_due(Millis(99_000)));
        d.send_again(Millis(99_000));
        assert!(d.is_due(Millis(99_000)));
        let a = d.record(FAIL, Millis(99_000), Millis(5), true, &s);
        assert_eq!(
            (a.attempt, a.manual, a.message.as_str()),
            (2, true, "msg_1")
        );
        assert_eq!((d.state, d.next_at), (DeliveryState::Delivered, None));
        // Of a pending delivery: the schedule goes on afterwards.
        let mut p = Delivery::new("e1", "msg_2", EventType::ChatEnded, Millis(0));
        run_at(&mut p, FAIL, &s);
        p.record(FAIL, Millis(1_000), Millis(5), true, &s);
        assert_eq!(
            (p.state, p.next_at),
            (DeliveryState::Pending, Some(Millis(5_000)))
        );
        assert_eq!(p.scheduled, 1);
        p.give_up();
        assert_eq!((p.state, p.next_at), (DeliveryState::Failed, None));
    }

    #[test]
    fn a_day_of_failures_disables() {
        let s = Schedule::standard();
        let mut h = Health::default();
        let t = |ms| Millis(ms);
        assert_eq!(h.observe(false, t(0), t(10), &s), HealthVerdict::Fine);
        assert_eq!(h.failing_since, Some(t(0)));
        assert_eq!(
            h.observe(false, t(5), t(86_399_999), &s),
            HealthVerdict::Fine
        );
        assert_eq!(
            h.observe(true, t(0), t(86_400_000), &s),
            HealthVerdict::Fine
        );
        assert_eq!(h.failing_since, None);
        assert_eq!(
            h.observe(false, t(90_000_000), t(90_000_100), &s),
            HealthVerdict::Fine
        );
        assert_eq!(
            h.observe(false, t(95_000_000), t(90_000_000 + 86_400_000), &s),
            HealthVerdict::Disable
        );
    }

    #[test]
    fn one_event_failing_every_attempt_disables_at_its_last() {
        let s = Schedule::scaled(Millis(1));
        let mut d = Delivery::new("e", "msg_1", EventType::Test, Millis(1_000));
        let mut h = Health::default();
        let mut verdicts = Vec::new();
        while let Some(at) = d.next_at {
            // Each attempt runs a little late, as alarms do.
            let at = at.after(Millis(3));
            d.record(FAIL, at, Millis(1), false, &s);
            verdicts.push(h.observe(false, d.first_at, at, &s));
        }
        assert_eq!(verdicts.len() as u32, s.attempts());
        assert_eq!(verdicts.last(), Some(&HealthVerdict::Disable));
        assert!(verdicts[..verdicts.len() - 1]
            .iter()
            .all(|v| *v == HealthVerdict::Fine));
    }

    fn outcome() -> impl Strategy<Value = Outcome> {
        prop_oneof![
            (100u16..600).prop_map(|code| Outcome::Status { code }),
            Just(Outcome::Timeout),
            Just(Outcome::Network {
                error: "refused".into()
            }),
        ]
    }

    proptest! {
        /// Driven by its own schedule, every delivery ends delivered or recorded as failed,
        /// never after more attempts than the schedule has, never before the last one unless
        /// delivered, always under the same webhook-id, with no attempt before it was due.
        #[test]
        fn every_event_is_delivered_or_recorded_failed(
            base in 1u64..=5_000,
            outcomes in proptest::collection::vec(outcome(), 1..20),
            lateness in proptest::collection::vec(0u64..100_000, 20),
        ) {
            let s = Schedule::scaled(Millis(base));
            let mut d = Delivery::new("e", "msg_x", EventType::ChatMissed, Millis(1_000));
            let mut log = Vec::new();
            let mut outcomes = outcomes.into_iter();
            let mut late = lateness.into_iter();
            while d.state == DeliveryState::Pending {
                let due = d.next_at.expect("pending has a next attempt");
                let at = due.after(Millis(late.next().unwrap_or(0)));
                prop_assert!(d.is_due(at));
                let o = outcomes.next().unwrap_or(Outcome::Timeout);
                log.push(d.record(o, at, Millis(1), false, &s));
            }
            prop_assert!(log.len() as u32 <= s.attempts());
            prop_assert!(log.iter().all(|a| a.message == "msg_x"));
            let last = log.last().expect("at least one attempt");
            match d.state {
                DeliveryState::Delivered => prop_assert!(last.outcome.delivered()),
                DeliveryState::Failed => {
                    prop_assert_eq!(log.len() as u32, s.attempts());
                    prop_assert!(log.iter().all(|a| !a.outcome.delivered()));
                }
                DeliveryState::Pending => prop_assert!(false),
            }
            prop_assert_eq!(d.next_at, None);
            for w in log.windows(2) {
                prop_assert!(w[0].next_retry.is_some_and(|n| n <= w[1].at));
            }
        }
    }
}
