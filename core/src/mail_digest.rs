//! Failed-action emails per workspace, throttled: the first [`PER_WINDOW`] in any
//! [`WINDOW`] go out one by one; the rest are held and sent together as one digest when the
//! window allows another email. A flood of fake live chat requests then costs staff a handful
//! of emails, and no lead is dropped (each held action is listed, and all stay in the outbox).

use std::collections::VecDeque;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::failed_action::{iso8601, one_line, truncate_chars, FailedAction};
use crate::{ConversationId, Millis};

/// Emails one workspace sends one by one per [`WINDOW`].
pub const PER_WINDOW: usize = 10;

/// The sliding window of the throttle.
pub const WINDOW: Millis = Millis(10 * 60 * 1000);

/// Most actions one digest lists (the rest are counted; all are in the outbox).
pub const DIGEST_LIST_MAX: usize = 200;

/// What to do with a failed action's email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailDecision {
    /// Send it now.
    Send,
    /// Held for the next digest (at [`MailThrottle::next_deadline`]).
    Held,
}

/// One held action, as the digest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    pub conversation: ConversationId,
    pub at: Millis,
    /// The individual email's subject (fixed words, then the visitor's name or email).
    pub summary: String,
}

/// The throttle's state; small, stored as one JSON value by the workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailThrottle {
    /// When the emails of the current window went out (at most [`PER_WINDOW`]).
    #[serde(default)]
    sent: VecDeque<Millis>,
    #[serde(default)]
    held: Vec<Held>,
    /// Held actions beyond [`DIGEST_LIST_MAX`], counted only.
    #[serde(default)]
    more: u64,
}

impl MailThrottle {
    fn forget_old(&mut self, now: Millis) {
        while self.sent.front().is_some_and(|t| now.since(*t) >= WINDOW) {
            self.sent.pop_front();
        }
    }

    fn room(&mut self, now: Millis) -> bool {
        self.forget_old(now);
        self.sent.len() < PER_WINDOW
    }

    fn record_sent(&mut self, now: Millis) {
        self.sent.push_back(now);
        while self.sent.len() > PER_WINDOW {
            self.sent.pop_front();
        }
    }

    /// Decides for one new failed action. Once anything is held, later actions wait for the
    /// same digest, so emails never overtake one another.
    pub fn offer(&mut self, action: &FailedAction, now: Millis) -> MailDecision {
        self.offer_email(&action.conversation, action.at, action.email().subject, now)
    }

    /// Decides for one email of any kind (`summary` is its subject, listed in the digest).
    pub fn offer_email(
        &mut self,
        conversation: &ConversationId,
        at: Millis,
        summary: String,
        now: Millis,
    ) -> MailDecision {
        if self.held.is_empty() && self.more == 0 && self.room(now) {
            self.record_sent(now);
            return MailDecision::Send;
        }
        if self.held.len() < DIGEST_LIST_MAX {
            self.held.push(Held {
                conversation: conversation.clone(),
                at,
                summary,
            });
        } else {
            self.more += 1;
        }
        MailDecision::Held
    }

    /// When the held digest may go out: when the oldest email of the window leaves it.
    pub fn next_deadline(&self) -> Option<Millis> {
        if self.held.is_empty() && self.more == 0 {
            return None;
        }
        Some(match self.sent.len() {
            n if n < PER_WINDOW => Millis::ZERO,
            _ => self.sent.front().map_or(Millis::ZERO, |t| t.after(WINDOW)),
        })
    }

    /// The digest of missed live chats, once its time has come (it counts as one email of
    /// the window).
    pub fn flush(&mut self, now: Millis) -> Option<crate::failed_action::Email> {
        self.flush_digest(now, Digest::MissedChats)
    }

    /// The digest of this kind, once its time has come.
    pub fn flush_digest(
        &mut self,
        now: Millis,
        kind: Digest,
    ) -> Option<crate::failed_action::Email> {
        if self.held.is_empty() && self.more == 0 {
            return None;
        }
        if !self.room(now) {
            return None;
        }
        self.record_sent(now);
        let held = std::mem::take(&mut self.held);
        let more = std::mem::take(&mut self.more);
        Some(digest(&held, more, kind))
    }
}

/// What a throttle's held emails are about (each kind has its own throttle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    /// Failed actions: live chats nobody took.
    MissedChats,
    /// New leads and offline messages.
    Leads,
}

fn digest(held: &[Held], more: u64, kind: Digest) -> crate::failed_action::Email {
    let total = held.len() as u64 + more;
    let (title, one, many) = match kind {
        Digest::MissedChats => ("Missed live chats digest", "visitor", "visitors"),
        Digest::Leads => ("New leads digest", "lead or message", "leads or messages"),
    };
    let subject = if total == 1 {
        format!("{title}: 1 more {one}")
    } else {
        format!("{title}: {total} more {many}")
    };
    let what = match kind {
        Digest::MissedChats => "More live chats went unanswered",
        Digest::Leads => "More leads and messages came in",
    };
    let mut body = String::with_capacity(256 + held.len() * 120);
    let _ = writeln!(
        body,
        "{what} than Parlor emails one by one ({PER_WINDOW} per {} minutes).",
        WINDOW.0 / 60_000
    );
    let _ = writeln!(body, "Here they are together:");
    let _ = writeln!(body);
    for h in held {
        let _ = writeln!(
            body,
            "  {}  {}  (conversation {})",
            iso8601(h.at),
            truncate_chars(&one_line(&h.summary), 200),
            one_line(h.conversation.as_str())
        );
    }
    if more > 0 {
        let _ = writeln!(body, "  … and {more} more.");
    }
    let _ = writeln!(body);
    let _ = writeln!(
        body,
        "Each one is in the workspace's outbox and its transcript in the Conversations view."
    );
    crate::failed_action::Email { subject, body }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::{FallbackReason, VisitorFacts};

    fn action(n: u64, at: Millis) -> FailedAction {
        let mut facts = VisitorFacts::default();
        facts
            .fields
            .insert("first_name".into(), format!("Visitor{n}"));
        FailedAction::live_chat(
            None,
            ConversationId::new(format!("c{n}")),
            at,
            FallbackReason::OfferExpired,
            &facts,
        )
    }

    #[test]
    fn ten_emails_then_one_digest_when_the_window_allows() {
        let mut t = MailThrottle::default();
        for n in 0..PER_WINDOW as u64 {
            assert_eq!(
                t.offer(&action(n, Millis(n)), Millis(n)),
                MailDecision::Send
            );
        }
        assert_eq!(t.next_deadline(), None);
        for n in 10..25 {
            assert_eq!(
                t.offer(&action(n, Millis(1000)), Millis(1000)),
                MailDecision::Held
            );
        }
        // The first email (at 0) leaves the window at 10 minutes.
        assert_eq!(t.next_deadline(), Some(WINDOW));
        assert_eq!(t.flush(Millis(WINDOW.0 - 1)), None, "too early");
        let digest = t.flush(WINDOW).expect("digest");
        assert_eq!(digest.subject, "Missed live chats digest: 15 more visitors");
        assert!(
            digest.body.contains("Missed live chat: Visitor10"),
            "{}",
            digest.body
        );
        assert!(digest.body.contains("(conversation c24)"));
        assert_eq!(t.next_deadline(), None);
        assert_eq!(t.flush(WINDOW), None, "nothing held");
    }

    #[test]
    fn while_something_is_held_nothing_overtakes_it() {
        let mut t = MailThrottle::default();
        for n in 0..PER_WINDOW as u64 {
            t.offer(&action(n, Millis(0)), Millis(0));
        }
        assert_eq!(
            t.offer(&action(50, Millis(0)), Millis(0)),
            MailDecision::Held
        );
        // The window has room again, but the digest has not gone yet.
        let later = WINDOW.after(Millis(5));
        assert_eq!(t.offer(&action(51, later), later), MailDecision::Held);
        assert!(t.next_deadline().is_some_and(|d| d <= later), "due now");
        let digest = t.flush(later).expect("digest");
        assert_eq!(digest.subject, "Missed live chats digest: 2 more visitors");
        assert_eq!(t.offer(&action(52, later), later), MailDecision::Send);
    }

    #[test]
    fn a_huge_flood_is_listed_up_to_a_bound_and_counted() {
        let mut t = MailThrottle::default();
        for n in 0..(PER_WINDOW + DIGEST_LIST_MAX + 40) as u64 {
            t.offer(&action(n, Millis(0)), Millis(0));
        }
        let digest = t.flush(WINDOW).expect("digest");
        assert!(digest.body.contains("… and 40 more."));
        assert_eq!(
            digest.subject,
            format!(
                "Missed live chats digest: {} more visitors",
                DIGEST_LIST_MAX + 40
            )
        );
    }

    #[test]
    fn the_digest_subject_never_carries_visitor_text() {
        let mut t = MailThrottle::default();
        for n in 0..(PER_WINDOW + 1) as u64 {
            t.offer(&action(n, Millis(0)), Millis(0));
        }
        let digest = t.flush(WINDOW).expect("digest");
        assert!(!digest.subject.contains("Visitor"));
    }

    #[test]
    fn lead_emails_have_their_own_digest_words() {
        let mut t = MailThrottle::default();
        for n in 0..(PER_WINDOW + 2) as u64 {
            let c = ConversationId::new(format!("c{n}"));
            t.offer_email(
                &c,
                Millis(0),
                format!("New lead: v{n}@example.com"),
                Millis(0),
            );
        }
        let digest = t.flush_digest(WINDOW, Digest::Leads).expect("digest");
        assert_eq!(digest.subject, "New leads digest: 2 more leads or messages");
        assert!(digest.body.contains("New lead: v11@example.com"));
    }

    #[test]
    fn state_round_trips_as_json() {
        let mut t = MailThrottle::default();
        for n in 0..12 {
            t.offer(&action(n, Millis(n)), Millis(n));
        }
        let json = serde_json::to_string(&t).expect("json");
        assert_eq!(
            serde_json::from_str::<MailThrottle>(&json).expect("back"),
            t
        );
        assert_eq!(
            serde_json::from_str::<MailThrottle>("{}").expect("empty"),
            MailThrottle::default()
        );
    }
}
