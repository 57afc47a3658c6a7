//! Erasing a visitor's data (GDPR): by email or by conversation id from the admin API, and
//! ended conversations past the workspace's retention period from the alarm. Each
//! conversation is erased the same way: its object deletes the transcript and captured fields
//! and closes its sockets; the workspace frees what routing held for it, then deletes its
//! index, outbox, audit and settled rows. One audit row without personal data records it.

use parlor_core::link::FromConversation;
use parlor_core::privacy::{
    self, ErasureCounts, ErasureReason, ErasureRecord, ERASE_BATCH, PURGE_BATCH,
};
use parlor_core::protocol::AdminServerMsg;
use parlor_core::workspace::WorkspaceInput;
use parlor_core::{ConversationId, Millis};
use serde::{Deserialize, Serialize};
use worker::Request;

use crate::error::{ApiError, ApiResult};
use crate::http::read_json;
use crate::workspace::access::Caller;
use crate::workspace::sockets::to_admins;
use crate::workspace::{forget, leads, store, WorkspaceDO};

/// After a failed purge pass, the next one.
const RETRY_PURGE: Millis = Millis(60_000);

/// `POST /api/workspaces/{ws}/erasures`: exactly one of the two.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EraseBody {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    conversation: Option<String>,
}

/// The answer: what was erased, and whether more conversations name the email (call again).
#[derive(Debug, Serialize)]
pub struct EraseAnswer {
    pub erased: ErasureCounts,
    pub more: bool,
}

/// The conversation object's answer (see `conversation/erase.rs`).
#[derive(Debug, Deserialize)]
struct ObjectErased {
    erased: bool,
    entries: u64,
    release: Vec<parlor_core::link::ConversationToWorkspace>,
}

/// Conversation ids are 32 hex characters; anything else names nothing of ours.
fn conversation_id(id: &str) -> ApiResult<()> {
    if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "conversation must be a conversation id (hexadecimal)".into(),
        ))
    }
}

fn eraser(who: &Caller) -> String {
    match who.agent_id() {
        Some(id) => format!("agent:{id}"),
        None => "admin_key".into(),
    }
}

impl WorkspaceDO {
    /// The admin's erasure request. Idempotent: erasing again answers 200 with zero counts.
    pub(super) async fn erase_request(
        &self,
        req: &mut Request,
        who: &Caller,
    ) -> ApiResult<EraseAnswer> {
        let body: EraseBody = read_json(req, 4 * 1024).await?;
        let mut email_erased = None;
        let (ids, more, reason) = match (body.email, body.conversation) {
            (Some(email), None) => {
                let email = email.trim().to_owned();
                crate::validate::email(&email)?;
                email_erased = Some(email.clone());
                let mut ids = forget::naming_email(&self.sql, &email, ERASE_BATCH + 1)?;
                let more = ids.len() > ERASE_BATCH;
                ids.truncate(ERASE_BATCH);
                (ids, more, ErasureReason::Email)
            }
            (None, Some(id)) => {
                let id = id.trim().to_ascii_lowercase();
                conversation_id(&id)?;
                (vec![id], false, ErasureReason::Conversation)
            }
            _ => {
                return Err(ApiError::BadRequest(
                    "send either an email or a conversation id".into(),
                ))
            }
        };
        let leads_gone = match &email_erased {
            Some(email) => leads::erase_email(&self.sql, email)?,
            None => 0,
        };
        let erased = self
            .erase_all(&ids, reason, eraser(who), leads_gone)
            .await?;
        Ok(EraseAnswer { erased, more })
    }

    /// Erases each conversation, tells the admin views, and leaves one audit row.
    async fn erase_all(
        &self,
        ids: &[String],
        reason: ErasureReason,
        by: String,
        leads_gone: u64,
    ) -> ApiResult<ErasureCounts> {
        let mut total = ErasureCounts {
            leads: leads_gone,
            ..ErasureCounts::default()
        };
        let mut gone = Vec::new();
        for id in ids {
            let counts = self.erase_one(id).await?;
            if !counts.is_zero() {
                gone.push(id.clone());
            }
            total.add(counts);
        }
        if !gone.is_empty() {
            to_admins(
                &self.state,
                &AdminServerMsg::Erased {
                    conversations: gone,
                },
            );
        }
        let record = ErasureRecord {
            at: Millis(crate::now_ms()),
            by,
            reason,
            erased: total,
        };
        // A retention pass that found nothing leaves no row; an admin's request always does.
        if reason != ErasureReason::Retention || total.conversations > 0 || total.leads > 0 {
            forget::audit_erasure(&self.sql, &record)?;
        }
        Ok(total)
    }

    async fn erase_one(&self, id: &str) -> ApiResult<ErasureCounts> {
        let meta = store::meta(&self.sql)?.ok_or(ApiError::NotFound("workspace"))?;
        // Remembered first: a link batch from this conversation arriving meanwhile can no
        // longer bring its index row or a failed action back.
        forget::remember_erased(&self.sql, &self.memo, id, Millis(crate::now_ms()))?;
        // Nothing owed to it is worth retrying any more.
        self.owed.forget(&self.sql, id)?;
        let answer: ObjectErased = match self
            .stubs
            .call(&self.env, id, "/internal/erase", &meta.id)
            .await
        {
            Ok(a) => a,
            Err(e) => {
                // Nothing was erased there: its rows here stay, so a retry finds them.
                forget::unremember_erased(&self.sql, id)?;
                return Err(e);
            }
        };
        if !answer.release.is_empty() {
            let conversation = ConversationId::new(id);
            let batch = FromConversation {
                conversation: conversation.clone(),
                messages: answer.release,
            };
            let mut plan = self.step(Some(WorkspaceInput::FromConversation(batch)), None)?;
            plan.without(&conversation);
            self.drive(plan, None).await?;
        }
        let mut counts = forget::delete_rows(&self.sql, &self.memo, id)?;
        counts.leads = leads::forget_conversation(&self.sql, id)?;
        counts.conversations = u64::from(answer.erased);
        counts.transcript_entries = answer.entries;
        Ok(counts)
    }

    /// When the retention purge should look next: now, when retention is set (the alarm
    /// does the work); never, when conversations are kept forever.
    pub(super) fn retention_changed(&self) -> ApiResult<()> {
        let settings = store::settings(&self.sql)?;
        let now = Millis(crate::now_ms());
        self.purge_at
            .set(privacy::retention(&settings).map(|_| now));
        Ok(())
    }

    /// One purge pass, from the alarm: at most [`PURGE_BATCH`] conversations, then the next
    /// check is merged into the object's one alarm.
    pub(super) async fn purge(&self) -> ApiResult<()> {
        let now = Millis(crate::now_ms());
        if self.purge_at.get().is_some_and(|at| at > now) {
            return Ok(());
        }
        // Taken while the pass runs, so alarms set meanwhile follow the machine only.
        self.purge_at.set(None);
        if store::meta(&self.sql)?.is_none() {
            return Ok(());
        }
        let keep = privacy::retention(&store::settings(&self.sql)?);
        let oldest = match keep {
            Some(_) => forget::oldest_purgeable(&self.sql, PURGE_BATCH + 1)?,
            None => Vec::new(),
        };
        let plan = privacy::purge_plan(keep, &oldest, now, PURGE_BATCH);
        // Leads not seen for the retention period go with the conversations.
        let leads_gone = leads::purge(&self.sql, keep, now)?;
        let result = if plan.due.is_empty() && leads_gone == 0 {
            Ok(ErasureCounts::default())
        } else {
            self.erase_all(
                &plan.due,
                ErasureReason::Retention,
                "retention".into(),
                leads_gone,
            )
            .await
        };
        // A conversation that could not be erased now is tried again in a minute.
        let next = match result {
            Ok(_) => plan.next_check,
            Err(_) => Some(now.after(RETRY_PURGE)),
        };
        self.purge_at.set(next);
        self.schedule_alarm().await?;
        result.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Role;

    #[test]
    fn only_hex_ids_name_a_conversation() {
        assert!(conversation_id("0123456789abcdef0123456789abcdef").is_ok());
        for bad in ["", "xyz", "../c", &"a".repeat(65)] {
            assert!(conversation_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_eraser_names_staff_never_the_visitor() {
        assert_eq!(eraser(&Caller::Admin), "admin_key");
        let agent = Caller::Agent {
            id: "eve".into(),
            role: Role::Admin,
            epoch: 1,
        };
        assert_eq!(eraser(&agent), "agent:eve");
    }

    #[test]
    fn a_request_names_an_email_or_a_conversation_and_nothing_else() {
        let body: EraseBody = serde_json::from_str(r#"{"email":"ann@example.com"}"#).expect("ok");
        assert_eq!(body.email.as_deref(), Some("ann@example.com"));
        assert!(body.conversation.is_none());
        assert!(serde_json::from_str::<EraseBody>(r#"{"mail":"x"}"#).is_err());
    }
}
