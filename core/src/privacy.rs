//! A visitor's right to be forgotten (GDPR erasure) and the workspace's retention period:
//! which conversations an erasure by email names, which ended conversations are due for
//! purging, and when to look again. The edge reads candidate rows, erases what this module
//! picks and records an [`ErasureRecord`] that holds no personal data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::link::{ConversationToWorkspace, WorkspaceToConversation};
use crate::protocol::{ConversationStatus, EndReason};
use crate::settings::WorkspaceSettings;
use crate::Millis;

/// One day of retention.
pub const DAY: Millis = Millis(86_400_000);
/// The longest retention a workspace may set (ten years).
pub const RETENTION_DAYS_MAX: u32 = 3_650;
/// Bounds of the test-only retention in milliseconds (see [`retention`]).
pub const TEST_RETENTION_MS_MIN: u64 = 1_000;
pub const TEST_RETENTION_MS_MAX: u64 = 3_600_000;
/// Conversations purged per alarm: one alarm never does unbounded work.
pub const PURGE_BATCH: usize = 25;
/// Conversations erased per erasure request; the answer says when more remain.
pub const ERASE_BATCH: usize = 100;

/// Statuses of a conversation that is over (an `automated`, `waiting` or `live` one is not
/// purged, whatever its age). A conversation that fell back stays `fell_back` after it ends.
pub const PURGEABLE: [ConversationStatus; 3] = [
    ConversationStatus::Ended,
    ConversationStatus::Expired,
    ConversationStatus::FellBack,
];

pub fn is_purgeable(status: ConversationStatus) -> bool {
    PURGEABLE.contains(&status)
}

/// How long ended conversations are kept; `None` keeps them forever (the default).
/// `test_retention_ms`, for automated tests only, wins over `retention_days`.
pub fn retention(settings: &WorkspaceSettings) -> Option<Millis> {
    if let Some(ms) = settings.test_retention_ms {
        return Some(Millis(ms));
    }
    settings
        .retention_days
        .map(|d| Millis(DAY.0.saturating_mul(u64::from(d))))
}

/// The settings' retention problems, in words an admin understands.
pub fn retention_errors(settings: &WorkspaceSettings) -> Vec<String> {
    let mut errors = Vec::new();
    if settings
        .retention_days
        .is_some_and(|d| !(1..=RETENTION_DAYS_MAX).contains(&d))
    {
        errors.push(format!(
            "retention_days must be between 1 and {RETENTION_DAYS_MAX} days, or null to keep conversations forever"
        ));
    }
    if settings
        .test_retention_ms
        .is_some_and(|ms| !(TEST_RETENTION_MS_MIN..=TEST_RETENTION_MS_MAX).contains(&ms))
    {
        errors.push("test_retention_ms must be between 1 second and 1 hour, or null".to_owned());
    }
    errors
}

/// One row of the conversation index, as the purge sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub status: ConversationStatus,
    /// The row's last change: for an ended conversation, when it ended (or later).
    pub updated_at: Millis,
}

/// What one purge pass does: erase `due` (at most the batch), then look again at `next_check`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PurgePlan {
    pub due: Vec<String>,
    pub next_check: Option<Millis>,
}

/// Picks the conversations due for purging at `now` from the oldest purgeable rows (the
/// caller reads them oldest first, a little more than `batch`).
///
/// A conversation is due once it is over and its row has not changed for the retention
/// period. The next check is: at once when the batch was full (more may be due); otherwise
/// when the oldest row not yet due becomes due; otherwise one retention period from now,
/// because a conversation that ends from now on is due no earlier than that.
pub fn purge_plan(
    retention: Option<Millis>,
    oldest: &[Candidate],
    now: Millis,
    batch: usize,
) -> PurgePlan {
    let Some(keep) = retention else {
        return PurgePlan::default();
    };
    let mut rows: Vec<&Candidate> = oldest.iter().filter(|c| is_purgeable(c.status)).collect();
    rows.sort_by_key(|c| (c.updated_at, c.id.clone()));
    let mut plan = PurgePlan::default();
    for c in rows {
        let due_at = c.updated_at.after(keep);
        if due_at > now {
            plan.next_check = Some(due_at);
            return plan;
        }
        if plan.due.len() == batch {
            plan.next_check = Some(now);
            return plan;
        }
        plan.due.push(c.id.clone());
    }
    plan.next_check = Some(if plan.due.len() == batch && batch > 0 {
        now
    } else {
        now.after(keep)
    });
    plan
}

/// Whether a conversation's captured fields name this email (any field, ASCII letters compared
/// case-insensitively, surrounding spaces ignored).
pub fn names_email(captured: &BTreeMap<String, String>, email: &str) -> bool {
    captured.values().any(|v| same_email(v, email))
}

fn same_email(value: &str, email: &str) -> bool {
    let email = email.trim();
    !email.is_empty() && value.trim().eq_ignore_ascii_case(email)
}

/// Whether a conversation's row names this email: a captured field, or the email of the
/// identity the site gave (`Parlor('identify')`).
pub fn record_names_email(record: &crate::protocol::ConversationRecord, email: &str) -> bool {
    names_email(&record.captured, email)
        || record
            .identity
            .as_ref()
            .and_then(|i| i.email.as_deref())
            .is_some_and(|e| same_email(e, email))
}

/// What an erased conversation answers a workspace message that still reaches it (sent
/// before the erasure, delivered after): an acceptance is refused with `ChatClosed`, which
/// frees the agent's slot; nothing else needs an answer.
pub fn erased_answer(msg: &WorkspaceToConversation) -> Option<ConversationToWorkspace> {
    match msg {
        WorkspaceToConversation::Accepted { agent, request, .. } => {
            Some(ConversationToWorkspace::ChatClosed {
                agent: agent.clone(),
                reason: EndReason::Erased,
                request: *request,
            })
        }
        _ => None,
    }
}

/// Whether the workspace still takes this message from a conversation it erased (one sent
/// before the erasure, delivered after): only what frees a slot or a request. An index row,
/// a failed action or a new request would bring the visitor's data back.
pub fn taken_after_erasure(msg: &ConversationToWorkspace) -> bool {
    matches!(
        msg,
        ConversationToWorkspace::CancelLiveChat { .. } | ConversationToWorkspace::ChatClosed { .. }
    )
}

/// What was erased, counted. Never names the visitor or the conversations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureCounts {
    /// Conversation objects whose transcript and captured fields were deleted.
    pub conversations: u64,
    pub transcript_entries: u64,
    pub index_rows: u64,
    pub outbox_rows: u64,
    pub audit_rows: u64,
    /// Lead records (by email, or past the retention period).
    #[serde(default)]
    pub leads: u64,
}

impl ErasureCounts {
    pub fn add(&mut self, other: ErasureCounts) {
        self.conversations += other.conversations;
        self.transcript_entries += other.transcript_entries;
        self.index_rows += other.index_rows;
        self.outbox_rows += other.outbox_rows;
        self.audit_rows += other.audit_rows;
        self.leads += other.leads;
    }

    pub fn is_zero(&self) -> bool {
        *self == ErasureCounts::default()
    }
}

/// What named the erased data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErasureReason {
    /// An admin erased a visitor by email.
    Email,
    /// An admin erased one conversation by id.
    Conversation,
    /// The workspace's retention period ran out.
    Retention,
}

/// The audit row an erasure leaves: who, when, why, how much; no email, no conversation id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureRecord {
    pub at: Millis,
    /// `admin_key`, `agent:<id>` of the admin agent, or `retention`.
    pub by: String,
    pub reason: ErasureReason,
    pub erased: ErasureCounts,
}

impl ErasureRecord {
    /// One line for the audit view, e.g. "erased 3 conversations (by email)".
    pub fn summary(&self) -> String {
        let n = self.erased.conversations;
        let what = if n == 1 {
            "1 conversation".to_owned()
        } else {
            format!("{n} conversations")
        };
        let why = match self.reason {
            ErasureReason::Email => "by email",
            ErasureReason::Conversation => "by conversation id",
            ErasureReason::Retention => "retention period",
        };
        format!("erased {what} ({why})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConversationStatus::*;

    const NOW: Millis = Millis(1_800_000_000_000);

    fn row(id: &str, status: ConversationStatus, updated_at: u64) -> Candidate {
        Candidate {
            id: id.into(),
            status,
            updated_at: Millis(updated_at),
        }
    }

    fn days(n: u64) -> Millis {
        Millis(DAY.0 * n)
    }

    #[test]
    fn without_retention_nothing_is_ever_due() {
        let old = [row("c1", Ended, 0)];
        assert_eq!(purge_plan(None, &old, NOW, 10), PurgePlan::default());
    }

    #[test]
    fn an_ended_conversation_is_due_exactly_one_retention_after_its_last_change() {
        let keep = Some(days(30));
        let ended_at = NOW.0 - days(30).0;
        let at_limit = [row("c1", Ended, ended_at)];
        assert_eq!(purge_plan(keep, &at_limit, NOW, 10).due, vec!["c1"]);
        let just_inside = [row("c1", Ended, ended_at + 1)];
        let plan = purge_plan(keep, &just_inside, NOW, 10);
        assert!(plan.due.is_empty());
        assert_eq!(plan.next_check, Some(Millis(NOW.0 + 1)));
    }

    #[test]
    fn only_conversations_that_are_over_are_purged() {
        let keep = Some(days(1));
        let rows = [
            row("auto", Automated, 0),
            row("wait", Waiting, 0),
            row("live", Live, 0),
            row("ended", Ended, 0),
            row("expired", Expired, 0),
            row("fell", FellBack, 0),
        ];
        let plan = purge_plan(keep, &rows, NOW, 10);
        assert_eq!(plan.due, vec!["ended", "expired", "fell"]);
        // Nothing else is due: look again one retention from now.
        assert_eq!(plan.next_check, Some(NOW.after(days(1))));
    }

    #[test]
    fn the_oldest_go_first_and_a_full_batch_checks_again_at_once() {
        let keep = Some(days(1));
        let rows: Vec<Candidate> = (0..5)
            .rev()
            .map(|i| row(&format!("c{i}"), Ended, i))
            .collect();
        let plan = purge_plan(keep, &rows, NOW, 2);
        assert_eq!(plan.due, vec!["c0", "c1"]);
        assert_eq!(plan.next_check, Some(NOW));
        // A batch exactly full with nothing after it still checks again at once (the caller
        // read only `batch + 1` rows, so more may exist).
        let plan = purge_plan(keep, &rows[3..], NOW, 2);
        assert_eq!(plan.due, vec!["c0", "c1"]);
        assert_eq!(plan.next_check, Some(NOW));
    }

    #[test]
    fn the_next_check_is_when_the_oldest_remaining_row_becomes_due() {
        let keep = Some(days(7));
        let rows = [
            row("due", Expired, NOW.0 - days(8).0),
            row("later", Ended, NOW.0 - days(2).0),
            row("latest", Ended, NOW.0 - days(1).0),
        ];
        let plan = purge_plan(keep, &rows, NOW, 10);
        assert_eq!(plan.due, vec!["due"]);
        assert_eq!(plan.next_check, Some(NOW.after(days(5))));
    }

    #[test]
    fn purging_is_idempotent_once_the_due_rows_are_gone() {
        let keep = Some(days(1));
        let rows = [row("c1", Ended, 0), row("c2", Ended, NOW.0)];
        let first = purge_plan(keep, &rows, NOW, 10);
        assert_eq!(first.due, vec!["c1"]);
        let left: Vec<Candidate> = rows
            .iter()
            .filter(|r| !first.due.contains(&r.id))
            .cloned()
            .collect();
        let again = purge_plan(keep, &left, NOW, 10);
        assert!(again.due.is_empty());
        assert_eq!(again.next_check, first.next_check);
    }

    #[test]
    fn retention_comes_from_days_unless_the_test_knob_is_set() {
        let mut s = WorkspaceSettings::default();
        assert_eq!(retention(&s), None, "keep forever by default");
        s.retention_days = Some(30);
        assert_eq!(retention(&s), Some(days(30)));
        s.test_retention_ms = Some(1_500);
        assert_eq!(retention(&s), Some(Millis(1_500)));
    }

    #[test]
    fn retention_bounds_are_checked_in_words() {
        let mut s = WorkspaceSettings::default();
        assert!(retention_errors(&s).is_empty());
        for ok in [1, 365, RETENTION_DAYS_MAX] {
            s.retention_days = Some(ok);
            assert!(retention_errors(&s).is_empty(), "{ok}");
        }
        for bad in [0, RETENTION_DAYS_MAX + 1] {
            s.retention_days = Some(bad);
            let errors = retention_errors(&s);
            assert_eq!(errors.len(), 1, "{bad}");
            assert!(errors[0].contains("retention_days"));
        }
        s.retention_days = None;
        s.test_retention_ms = Some(10);
        assert!(retention_errors(&s)[0].contains("test_retention_ms"));
        assert!(
            s.validate().is_err(),
            "the settings' own check includes retention"
        );
    }

    /// An ended conversation's index row with these captured fields.
    fn ended_row(captured: BTreeMap<String, String>) -> crate::protocol::ConversationRecord {
        crate::protocol::ConversationRecord {
            id: "c1".into(),
            created_at: 1,
            updated_at: 2,
            dialogue: "d1".into(),
            page_url: String::new(),
            status: Ended,
            agent: None,
            captured,
            last_message: None,
            revision: 9,
            first_agent_reply_at: None,
            identity: None,
        }
    }

    #[test]
    fn a_row_names_the_email_of_its_identity_too() {
        let mut record = ended_row(BTreeMap::new());
        assert!(!record_names_email(&record, "ann@example.com"));
        record.identity = Some(crate::identity::VisitorIdentity {
            id: "u1".into(),
            email: Some("Ann@Example.com".into()),
            name: None,
            verified: true,
        });
        assert!(record_names_email(&record, " ann@example.com"));
        assert!(!record_names_email(&record, "bob@example.com"));
        assert!(!record_names_email(&record, ""));
    }

    #[test]
    fn an_email_matches_any_captured_field_ignoring_case_and_spaces() {
        let captured = BTreeMap::from([
            ("first_name".to_owned(), "Ann".to_owned()),
            ("work_email".to_owned(), " Ann@Example.COM ".to_owned()),
        ]);
        assert!(names_email(&captured, "ann@example.com"));
        assert!(names_email(&captured, "  ANN@example.com"));
        assert!(!names_email(&captured, "ann@example.co"));
        assert!(!names_email(&captured, "nn@example.com"));
        assert!(!names_email(&captured, ""));
        assert!(!names_email(&BTreeMap::new(), "ann@example.com"));
    }

    #[test]
    fn an_erased_conversation_refuses_a_late_acceptance_and_answers_nothing_else() {
        let accepted = WorkspaceToConversation::Accepted {
            agent: "eve".into(),
            profile: crate::protocol::AgentProfile {
                name: "Eve".into(),
                avatar_url: None,
            },
            request: 2,
        };
        assert_eq!(
            erased_answer(&accepted),
            Some(ConversationToWorkspace::ChatClosed {
                agent: "eve".into(),
                reason: EndReason::Erased,
                request: 2,
            })
        );
        let pace = WorkspaceToConversation::Pace {
            preview_every: Millis(2_000),
        };
        assert_eq!(erased_answer(&pace), None);
    }

    #[test]
    fn after_an_erasure_the_workspace_takes_only_releases() {
        let record = ended_row(BTreeMap::from([(
            "email".to_owned(),
            "ann@example.com".to_owned(),
        )]));
        assert!(!taken_after_erasure(&ConversationToWorkspace::Index {
            record,
            preview_every: Millis(2_000),
        }));
        assert!(!taken_after_erasure(
            &ConversationToWorkspace::RequestLiveChat {
                routing: crate::routing::Routing::RoundRobin,
                facts: Default::default(),
                request: 3,
            }
        ));
        assert!(taken_after_erasure(
            &ConversationToWorkspace::CancelLiveChat { request: 3 }
        ));
        assert!(taken_after_erasure(&ConversationToWorkspace::ChatClosed {
            agent: "eve".into(),
            reason: EndReason::Erased,
            request: 3,
        }));
    }

    #[test]
    fn the_audit_record_holds_counts_but_no_personal_data() {
        let record = ErasureRecord {
            at: NOW,
            by: "agent:eve".into(),
            reason: ErasureReason::Email,
            erased: ErasureCounts {
                conversations: 2,
                transcript_entries: 9,
                index_rows: 2,
                outbox_rows: 1,
                audit_rows: 3,
                leads: 1,
            },
        };
        assert_eq!(record.summary(), "erased 2 conversations (by email)");
        let json = serde_json::to_value(&record).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "at": NOW.0,
                "by": "agent:eve",
                "reason": "email",
                "erased": {"conversations": 2, "transcript_entries": 9, "index_rows": 2,
                           "outbox_rows": 1, "audit_rows": 3, "leads": 1},
            })
        );
        let one = ErasureRecord {
            reason: ErasureReason::Retention,
            erased: ErasureCounts {
                conversations: 1,
                ..ErasureCounts::default()
            },
            ..record
        };
        assert_eq!(one.summary(), "erased 1 conversation (retention period)");
    }
}
