//! The workspace object's side of webhooks. Events its routing produced are written, in the
//! same commit as the routing state, to `webhook_pending` — but only when some enabled endpoint
//! wants that event type (a set cached from the webhook object's answers), so a workspace
//! without webhooks does no extra work. They are then handed to the `WebhookDO` and deleted
//! once it has stored them; a failed hand-over is retried from the alarm. The admin API
//! `/api/webhooks…` is checked here (admins only) and forwarded.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;

use parlor_core::failed_action::Email;
use parlor_core::webhooks::endpoint::disabled_email;
use parlor_core::webhooks::{Endpoint, Event, EventType};
use parlor_core::Millis;
use serde::Deserialize;
use worker::{Headers, Method, Request, Response};

use crate::crypto::random_hex;
use crate::error::{ApiError, ApiResult};
use crate::http::{ok, read_json, read_text};
use crate::identity::{Identity, Role};
use crate::mailer::Mailer;
use crate::rpc::internal_request;
use crate::sql::{exec, int, kv_get, kv_put, rows};
use crate::webhooks::{
    webhook_stub, Handover, Numbered, MAX_EVENTS_PER_CALL, SUBSCRIBED_HEADER, WORKSPACE_HEADER,
};
use crate::workspace::{store, WorkspaceDO};

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS webhook_pending \
     (id TEXT PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL)";
/// The kv row caching which event types some enabled endpoint wants.
const SUBSCRIBED: &str = "webhook_events";
/// A failed hand-over is tried again this much later.
const RETRY: Millis = Millis(30_000);
/// Largest admin request forwarded.
const API_BODY: usize = 8 * 1024;

/// What the workspace object keeps in memory about webhooks.
#[derive(Default)]
pub struct WebhookLink {
    subscribed: RefCell<Option<BTreeSet<EventType>>>,
    schema: Cell<bool>,
    /// When to hand over again after a failure (in memory: a new instance tries at once).
    retry_at: Cell<Option<Millis>>,
}

#[derive(Deserialize)]
struct PendingRow {
    id: String,
    body: String,
}

impl WorkspaceDO {
    fn webhook_events(&self) -> ApiResult<BTreeSet<EventType>> {
        if let Some(set) = self.webhooks.subscribed.borrow().as_ref() {
            return Ok(set.clone());
        }
        let stored: BTreeSet<EventType> = kv_get(&self.sql, SUBSCRIBED)?.unwrap_or_default();
        *self.webhooks.subscribed.borrow_mut() = Some(stored.clone());
        Ok(stored)
    }

    fn set_webhook_events(&self, events: BTreeSet<EventType>) -> ApiResult<()> {
        if self.webhooks.subscribed.borrow().as_ref() != Some(&events) {
            kv_put(&self.sql, SUBSCRIBED, &events)?;
            *self.webhooks.subscribed.borrow_mut() = Some(events);
        }
        Ok(())
    }

    fn webhook_schema(&self) -> ApiResult<()> {
        if !self.webhooks.schema.replace(true) {
            exec(&self.sql, SCHEMA, vec![])?;
        }
        Ok(())
    }

    /// Synchronous, inside the routing commit: keeps the events some endpoint wants.
    pub(super) fn queue_webhooks(&self, events: &[Event]) -> ApiResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let wanted = self.webhook_events()?;
        let mut keep = events
            .iter()
            .filter(|e| wanted.contains(&e.kind()))
            .peekable();
        if keep.peek().is_none() {
            return Ok(());
        }
        self.webhook_schema()?;
        for event in keep {
            exec(
                &self.sql,
                "INSERT INTO webhook_pending (id, at, body) VALUES (?, ?, ?)",
                vec![
                    format!("msg_{}", random_hex(12)?).into(),
                    int(event.at.0),
                    serde_json::to_string(event)?.into(),
                ],
            )?;
        }
        Ok(())
    }

    /// Hands pending events to the webhook object; what it stored is deleted here. Never
    /// fails the caller: a failure is retried from the alarm.
    pub(super) async fn flush_webhooks(&self) {
        if self.webhook_events().is_ok_and(|s| s.is_empty()) && !self.webhooks.schema.get() {
            // Nothing was ever queued by this instance and nobody listens; a table left from
            // before is looked at by the alarm after a restart (`rearm`).
            return;
        }
        for _ in 0..10 {
            match self.hand_over().await {
                Ok(true) => continue,
                Ok(false) => {
                    self.webhooks.retry_at.set(None);
                    return;
                }
                Err(e) => {
                    worker::console_error!("webhook hand-over: {e:?}");
                    let at = Millis(crate::now_ms()).after(RETRY);
                    self.webhooks.retry_at.set(Some(at));
                    return;
                }
            }
        }
    }

    /// One batch; `Ok(true)` when more may be waiting.
    async fn hand_over(&self) -> ApiResult<bool> {
        self.webhook_schema()?;
        let pending: Vec<PendingRow> = rows(
            &self.sql,
            "SELECT id, body FROM webhook_pending ORDER BY at LIMIT ?",
            vec![int(MAX_EVENTS_PER_CALL as u64)],
        )?;
        if pending.is_empty() {
            return Ok(false);
        }
        let mut events = Vec::with_capacity(pending.len());
        for row in &pending {
            events.push(Numbered {
                id: row.id.clone(),
                event: serde_json::from_str(&row.body)?,
            });
        }
        let body = serde_json::to_string(&Handover { events })?;
        let resp = self
            .to_webhooks(Method::Post, "/events", Some(body))
            .await?;
        if resp.status_code() >= 300 {
            return Err(ApiError::Internal(format!(
                "webhook object answered {}",
                resp.status_code()
            )));
        }
        for row in &pending {
            exec(
                &self.sql,
                "DELETE FROM webhook_pending WHERE id = ?",
                vec![row.id.as_str().into()],
            )?;
        }
        Ok(pending.len() == MAX_EVENTS_PER_CALL)
    }

    /// A new instance (a restart): hand over what was left and wake the webhook object,
    /// whose alarm local workerd forgot.
    pub(super) async fn wake_webhooks(&self) -> ApiResult<()> {
        if self.webhook_events()?.is_empty() {
            return Ok(());
        }
        self.webhooks.schema.set(false);
        self.flush_webhooks().await;
        self.to_webhooks(Method::Post, "/wake", None).await?;
        Ok(())
    }

    pub(super) fn webhook_retry_at(&self) -> Option<Millis> {
        self.webhooks.retry_at.get()
    }

    /// Calls the webhook object and learns which events its endpoints want now.
    async fn to_webhooks(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> ApiResult<Response> {
        let meta = store::meta(&self.sql)?.ok_or(ApiError::NotFound("workspace"))?;
        let headers = Headers::new();
        headers.set(WORKSPACE_HEADER, &meta.id)?;
        let req = internal_request(method, path, &Identity::Anonymous, body, Some(&headers))?;
        let resp = webhook_stub(&self.env, &meta.id)?
            .fetch_with_request(req)
            .await?;
        if let Some(events) = resp
            .headers()
            .get(SUBSCRIBED_HEADER)?
            .and_then(|h| serde_json::from_str::<BTreeSet<EventType>>(&h).ok())
        {
            self.set_webhook_events(events)?;
        }
        Ok(resp)
    }

    /// `/api/webhooks…` from an admin: forwarded to the webhook object.
    pub(super) async fn webhooks_api(
        &self,
        rest: &[&str],
        method: &Method,
        req: &mut Request,
    ) -> ApiResult<Response> {
        let body = match method {
            Method::Get | Method::Delete | Method::Head => None,
            _ => Some(read_text(req, API_BODY).await?),
        };
        let path = if rest.is_empty() {
            "/endpoints".to_owned()
        } else {
            format!("/endpoints/{}", rest.join("/"))
        };
        self.to_webhooks(method.clone(), &path, body).await
    }

    /// The webhook object disabled an endpoint after a day of failures: email the admins and
    /// the notification addresses (recorded in the outbox like every email).
    pub(super) async fn webhook_disabled(&self, req: &mut Request) -> ApiResult<Response> {
        #[derive(Deserialize)]
        struct Disabled {
            endpoint: Endpoint,
            subscribed: BTreeSet<EventType>,
        }
        let input: Disabled = read_json(req, 16 * 1024).await?;
        self.set_webhook_events(input.subscribed)?;
        let email = disabled_email(&input.endpoint);
        let to = self.admin_addresses()?;
        let body = serde_json::json!({
            "kind": "webhook_disabled",
            "to": to,
            "subject": email.subject,
            "body": email.body,
            "delivery": "sent",
            "webhook_endpoint": input.endpoint.id,
        });
        exec(
            &self.sql,
            "INSERT INTO outbox (at, conversation, kind, body) \
             VALUES (?, NULL, 'webhook_disabled', ?)",
            vec![int(crate::now_ms()), serde_json::to_string(&body)?.into()],
        )?;
        self.mail(&email, &to).await;
        ok(&serde_json::json!({ "ok": true }))
    }

    /// Agents with the admin role, then the settings' notification addresses, each once.
    fn admin_addresses(&self) -> ApiResult<Vec<String>> {
        let mut to: Vec<String> = store::agents(&self.sql)?
            .into_iter()
            .filter(|a| a.role == Role::Admin)
            .map(|a| a.email)
            .collect();
        for address in store::settings(&self.sql)?.notification_emails {
            if !to.contains(&address) {
                to.push(address);
            }
        }
        Ok(to)
    }

    async fn mail(&self, email: &Email, to: &[String]) {
        if to.is_empty() {
            return;
        }
        if let Err(e) = Mailer::from_env(&self.env)
            .deliver(&self.env, email, to)
            .await
        {
            worker::console_error!("webhook email not delivered: {e:?}");
        }
    }
}
