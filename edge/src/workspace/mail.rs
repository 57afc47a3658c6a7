//! Lead and visitor emails: recorded in the outbox (one of each kind per conversation, so a
//! repeated link message mails once), then delivered. Lead emails go to the workspace's
//! recipients (`store::mail_recipients`) through their own throttle and digest.

use parlor_core::failed_action::Email;
use parlor_core::lead::{self, Merged};
use parlor_core::mail_digest::{Digest, MailDecision};
use parlor_core::{ConversationId, Millis};
use serde::Deserialize;
use worker::SqlStorage;

use crate::error::ApiResult;
use crate::mailer::Mailer;
use crate::sql::{exec, int, rows};
use crate::workspace::memo::{Memo, Throttle};
use crate::workspace::{store, WorkspaceDO};

#[derive(Deserialize)]
struct Inserted {
    #[allow(dead_code)]
    seq: i64,
}

/// Records one email in the outbox unless this conversation already has one of this kind;
/// whether it was new.
fn record(
    sql: &SqlStorage,
    conversation: &ConversationId,
    kind: &str,
    body: &serde_json::Value,
    now: Millis,
) -> ApiResult<bool> {
    let inserted: Vec<Inserted> = rows(
        sql,
        "INSERT INTO outbox (at, conversation, kind, body) VALUES (?, ?, ?, ?) \
         ON CONFLICT(conversation, kind) DO NOTHING RETURNING seq",
        vec![
            int(now.0),
            conversation.as_str().into(),
            kind.into(),
            serde_json::to_string(body)?.into(),
        ],
    )?;
    Ok(!inserted.is_empty())
}

/// The new-lead (or new offline message) email for a merge that asks for one: recorded, and
/// returned when it goes now (else it waits for the lead digest).
pub fn lead_mail(
    sql: &SqlStorage,
    memo: &Memo,
    merged: &Merged,
    conversation: &ConversationId,
    now: Millis,
) -> ApiResult<Option<(Email, Vec<String>)>> {
    let about_message = !merged.created;
    let email = lead::mail::email(&merged.lead, about_message);
    let kind = if about_message {
        "lead_message"
    } else {
        "lead"
    };
    let to = store::mail_recipients(sql)?;
    let mut throttle = memo.throttle(sql, Throttle::Leads)?;
    let decision = if to.is_empty() {
        MailDecision::Send
    } else {
        throttle.offer_email(conversation, now, email.subject.clone(), now)
    };
    let body = serde_json::json!({
        "kind": kind,
        "to": to,
        "subject": email.subject,
        "body": email.body,
        "lead": merged.lead.key,
        "delivery": match decision {
            MailDecision::Send => "sent",
            MailDecision::Held => "digest",
        },
    });
    if !record(sql, conversation, kind, &body, now)? {
        return Ok(None);
    }
    if to.is_empty() {
        return Ok(None);
    }
    memo.put_throttle(sql, Throttle::Leads, &throttle)?;
    Ok((decision == MailDecision::Send).then_some((email, to)))
}

/// The visitor's transcript: recorded once per conversation, sent to that visitor only.
pub fn visitor_mail(
    sql: &SqlStorage,
    conversation: &ConversationId,
    to: &str,
    email: &Email,
    now: Millis,
) -> ApiResult<Option<(Email, Vec<String>)>> {
    let body = serde_json::json!({
        "kind": "transcript",
        "to": [to],
        "subject": email.subject,
        "body": email.body,
        "delivery": "sent",
    });
    let new = record(sql, conversation, "transcript", &body, now)?;
    Ok(new.then(|| (email.clone(), vec![to.to_owned()])))
}

impl WorkspaceDO {
    /// Sends the held lead emails as one digest when the throttle allows (from the alarm).
    pub(super) async fn flush_lead_digest(&self) -> ApiResult<()> {
        let now = Millis(crate::now_ms());
        let mut throttle = self.memo.throttle(&self.sql, Throttle::Leads)?;
        let Some(email) = throttle.flush_digest(now, Digest::Leads) else {
            return Ok(());
        };
        let to = store::mail_recipients(&self.sql)?;
        let body = serde_json::json!({
            "kind": "lead_digest",
            "to": to,
            "subject": email.subject,
            "body": email.body,
            "delivery": "sent",
            "digest": true,
        });
        exec(
            &self.sql,
            "INSERT INTO outbox (at, conversation, kind, body) VALUES (?, NULL, 'lead_digest', ?)",
            vec![int(now.0), serde_json::to_string(&body)?.into()],
        )?;
        self.memo
            .put_throttle(&self.sql, Throttle::Leads, &throttle)?;
        self.deliver(&email, &to).await;
        Ok(())
    }

    /// Delivers (outbox-recorded) email; a delivery failure is logged, never undoes anything.
    pub(super) async fn deliver(&self, email: &Email, to: &[String]) {
        if to.is_empty() {
            return;
        }
        if let Err(e) = Mailer::from_env(&self.env)
            .deliver(&self.env, email, to)
            .await
        {
            worker::console_error!("email not delivered: {e:?}");
        }
    }
}
