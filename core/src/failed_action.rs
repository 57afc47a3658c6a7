//! Failed-action notifications: when a live chat found no agent (or, later, a meeting booking
//! failed), the workspace's users get an email with the visitor's captured details so the lead
//! is not lost. This module builds that email; the edge sends it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::protocol::{EndReason, FallbackKind};
use crate::routing::{FallbackReason, VisitorFacts};
use crate::{ConversationId, Millis, WorkspaceId};

/// What failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum FailedActionKind {
    /// A live chat nobody accepted or could take; the visitor got this fallback message.
    LiveChat { fallback: FallbackKind },
    /// A meeting booking failed.
    MeetingBooking,
}

/// One failed action, with what is known of the visitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<WorkspaceId>,
    pub conversation: ConversationId,
    pub at: Millis,
    pub kind: FailedActionKind,
    /// Why, in words.
    pub reason: String,
    /// Captured fields (first name, email, …) by key.
    #[serde(default)]
    pub visitor: BTreeMap<String, String>,
    #[serde(default)]
    pub page_url: String,
}

/// A rendered plain-text email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// One line, no control characters.
    pub subject: String,
    pub body: String,
}

/// Well-known field keys, listed first and with labels, in this order.
const KNOWN_FIELDS: [(&str, &str); 6] = [
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("company", "Company"),
    ("job_title", "Job title"),
];

impl FailedAction {
    /// The failed action for a routing fallback (a [`crate::routing::RoutingEffect::FellBack`]).
    pub fn live_chat(
        workspace: Option<WorkspaceId>,
        conversation: ConversationId,
        at: Millis,
        reason: FallbackReason,
        facts: &VisitorFacts,
    ) -> Self {
        FailedAction {
            workspace,
            conversation,
            at,
            kind: FailedActionKind::LiveChat {
                fallback: reason.kind(),
            },
            reason: reason.describe().to_owned(),
            visitor: facts.fields.clone(),
            page_url: facts.page_url.clone(),
        }
    }

    /// A lead who asked for a human and whose conversation ended (the visitor left or it
    /// expired) before any agent accepted.
    pub fn left_waiting(
        conversation: ConversationId,
        at: Millis,
        facts: &VisitorFacts,
        end: EndReason,
    ) -> Self {
        let reason = match end {
            EndReason::Expired => "the conversation expired while the visitor waited for an agent",
            _ => "the visitor left before an agent accepted",
        };
        FailedAction {
            workspace: None,
            conversation,
            at,
            kind: FailedActionKind::LiveChat {
                fallback: FallbackKind::LiveChat,
            },
            reason: reason.to_owned(),
            visitor: facts.fields.clone(),
            page_url: facts.page_url.clone(),
        }
    }

    /// The visitor's name or email, whichever is known, for the subject line.
    fn who(&self) -> Option<String> {
        let get = |k: &str| {
            self.visitor
                .get(k)
                .map(|v| one_line(v))
                .filter(|v| !v.is_empty())
        };
        let name = match (get("first_name"), get("last_name")) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (f, l) => f.or(l),
        };
        match (name, get("email")) {
            (Some(n), Some(e)) => Some(format!("{n} <{e}>")),
            (n, e) => n.or(e),
        }
    }

    /// Renders the notification email: subject and plain-text body listing the captured details.
    pub fn email(&self) -> Email {
        let what = match self.kind {
            FailedActionKind::LiveChat { .. } => "Missed live chat",
            FailedActionKind::MeetingBooking => "Failed meeting booking",
        };
        let subject = match self.who() {
            Some(who) => format!("{what}: {who}"),
            None => format!("{what}: anonymous visitor"),
        };
        let subject = truncate_chars(&subject, 200);

        let mut body = String::with_capacity(512);
        let _ = writeln!(body, "{what}.");
        let _ = writeln!(body);
        let happened = match self.kind {
            FailedActionKind::LiveChat {
                fallback: FallbackKind::LiveChat,
            } => "A visitor asked to chat with an agent, but nobody took the chat",
            FailedActionKind::LiveChat {
                fallback: FallbackKind::Global,
            } => "A visitor asked to chat with an agent, but live chat is not available",
            FailedActionKind::MeetingBooking => "A visitor's meeting could not be booked",
        };
        let _ = writeln!(body, "{happened}: {}.", one_line(&self.reason));
        let fallback = match self.kind {
            FailedActionKind::LiveChat {
                fallback: FallbackKind::LiveChat,
            } => Some("live chat fallback"),
            FailedActionKind::LiveChat {
                fallback: FallbackKind::Global,
            } => Some("global fallback"),
            FailedActionKind::MeetingBooking => None,
        };
        if let Some(f) = fallback {
            let _ = writeln!(body, "The visitor was shown the {f} message.");
        }
        let _ = writeln!(body);
        let _ = writeln!(body, "When:         {}", iso8601(self.at));
        if let Some(ws) = &self.workspace {
            let _ = writeln!(body, "Workspace:    {}", one_line(ws.as_str()));
        }
        let _ = writeln!(
            body,
            "Conversation: {}",
            one_line(self.conversation.as_str())
        );
        if !self.page_url.trim().is_empty() {
            let _ = writeln!(body, "Page:         {}", one_line(&self.page_url));
        }
        let _ = writeln!(body);
        let details: Vec<(String, String)> = KNOWN_FIELDS
            .iter()
            .filter_map(|(k, label)| self.visitor.get(*k).map(|v| (label.to_string(), v)))
            .chain(
                self.visitor
                    .iter()
                    .filter(|(k, _)| !KNOWN_FIELDS.iter().any(|(known, _)| known == k))
                    .map(|(k, v)| (one_line(k), v)),
            )
            .map(|(label, v)| (label, one_line(v)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if details.is_empty() {
            let _ = writeln!(body, "The visitor left no details.");
        } else {
            let _ = writeln!(body, "What the visitor told us:");
            for (label, v) in details {
                let _ = writeln!(body, "  {label}: {v}");
            }
        }
        let _ = writeln!(body);
        let _ = writeln!(
            body,
            "Follow up soon so the lead is not lost. The transcript is in the Conversations view."
        );
        Email { subject, body }
    }
}

/// Collapses whitespace and drops control characters (no header or line injection).
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

pub fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// `YYYY-MM-DD HH:MM:SS UTC` from milliseconds since the epoch (civil-from-days, proleptic
/// Gregorian calendar).
pub fn iso8601(at: Millis) -> String {
    let secs = at.0 / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> VisitorFacts {
        let mut f = VisitorFacts::default();
        f.fields.insert("first_name".into(), "Jane".into());
        f.fields.insert("last_name".into(), "Doe".into());
        f.fields.insert("email".into(), "jane@acme.com".into());
        f.fields.insert("company".into(), "Acme".into());
        f.fields
            .insert("budget".into(), "10k\r\nBcc: evil@x.com".into());
        f.page_url = "https://acme.com/pricing".into();
        f
    }

    #[test]
    fn formats_dates() {
        assert_eq!(iso8601(Millis(0)), "1970-01-01 00:00:00 UTC");
        assert_eq!(iso8601(Millis(951_782_400_000)), "2000-02-29 00:00:00 UTC");
        assert_eq!(
            iso8601(Millis(1_700_000_000_123)),
            "2023-11-14 22:13:20 UTC"
        );
    }

    #[test]
    fn live_chat_email_lists_the_captured_details() {
        let a = FailedAction::live_chat(
            Some(WorkspaceId::new("ws1")),
            ConversationId::new("c42"),
            Millis(1_700_000_000_000),
            FallbackReason::OfferExpired,
            &facts(),
        );
        assert_eq!(
            a.kind,
            FailedActionKind::LiveChat {
                fallback: FallbackKind::LiveChat
            }
        );
        let e = a.email();
        assert_eq!(e.subject, "Missed live chat: Jane Doe <jane@acme.com>");
        assert!(
            e.body.contains("no agent accepted the chat in time"),
            "{}",
            e.body
        );
        assert!(e.body.contains("live chat fallback message"));
        assert!(e.body.contains("Conversation: c42"));
        assert!(e.body.contains("Workspace:    ws1"));
        assert!(e.body.contains("Page:         https://acme.com/pricing"));
        assert!(e.body.contains(
            "  First name: Jane\n  Last name: Doe\n  Email: jane@acme.com\n  Company: Acme\n"
        ));
        assert!(
            e.body.contains("  budget: 10k Bcc: evil@x.com\n"),
            "no line injection"
        );
        assert!(e.body.contains("2023-11-14 22:13:20 UTC"));
    }

    #[test]
    fn global_fallback_and_anonymous_visitor() {
        let a = FailedAction::live_chat(
            None,
            ConversationId::new("c1"),
            Millis(0),
            FallbackReason::EngagementLimitReached,
            &VisitorFacts::default(),
        );
        let e = a.email();
        assert_eq!(e.subject, "Missed live chat: anonymous visitor");
        assert!(e.body.contains("global fallback message"));
        assert!(e.body.contains("The visitor left no details."));
        assert!(!e.body.contains("Workspace:"));
        assert!(!e.body.contains("Page:"));
    }

    #[test]
    fn subject_is_one_line_and_bounded() {
        let mut f = VisitorFacts::default();
        f.fields
            .insert("email".into(), "a@b.c\r\nBcc: x@y.z".into());
        let e = FailedAction::live_chat(
            None,
            ConversationId::new("c"),
            Millis(0),
            FallbackReason::NoRuleMatched,
            &f,
        )
        .email();
        assert!(!e.subject.contains('\n') && !e.subject.contains('\r'));
        f.fields.insert("first_name".into(), "x".repeat(1000));
        let e = FailedAction::live_chat(
            None,
            ConversationId::new("c"),
            Millis(0),
            FallbackReason::NoRuleMatched,
            &f,
        )
        .email();
        assert!(e.subject.chars().count() <= 201);
    }

    proptest::proptest! {
        /// Whatever the visitor typed, the subject starts with Parlor's own words, so a
        /// stranger cannot write the first thing staff read in their mailbox.
        #[test]
        fn the_subject_never_starts_with_visitor_text(
            first in ".{0,80}", last in ".{0,80}", email in ".{0,80}"
        ) {
            let mut f = VisitorFacts::default();
            f.fields.insert("first_name".into(), first);
            f.fields.insert("last_name".into(), last);
            f.fields.insert("email".into(), email);
            let e = FailedAction::live_chat(
                None,
                ConversationId::new("c"),
                Millis(0),
                FallbackReason::NoRuleMatched,
                &f,
            )
            .email();
            proptest::prop_assert!(e.subject.starts_with("Missed live chat: "), "{}", e.subject);
            proptest::prop_assert!(!e.subject.contains(['\r', '\n']));
        }
    }

    #[test]
    fn meeting_booking_and_serde() {
        let a = FailedAction {
            workspace: None,
            conversation: ConversationId::new("c"),
            at: Millis(0),
            kind: FailedActionKind::MeetingBooking,
            reason: "calendar unavailable".into(),
            visitor: BTreeMap::from([("email".to_string(), "x@y.z".to_string())]),
            page_url: String::new(),
        };
        let e = a.email();
        assert_eq!(e.subject, "Failed meeting booking: x@y.z");
        assert!(e
            .body
            .contains("could not be booked: calendar unavailable."));
        let json = serde_json::to_string(&a).unwrap();
        assert!(
            json.contains(r#""kind":{"action":"meeting_booking"}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<FailedAction>(&json).unwrap(), a);
    }
}
