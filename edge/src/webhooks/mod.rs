//! `WebhookDO`: one object per workspace holding its webhook endpoints, the outbox of pending
//! deliveries and the delivery log, with its alarm driving every attempt and retry
//! (`parlor_core::webhooks` decides; this object stores, sends and records).
//!
//! Only the workspace object calls it: admin API calls after it checked the caller
//! (`/api/webhooks…`, forwarded here as `/endpoints…`) and the events its routing produced
//! (`/events`). Every answer carries the event types some enabled endpoint wants
//! ([`SUBSCRIBED_HEADER`]), which the workspace caches so that it calls here only then.

mod api;
mod deliver;
mod send;
mod store;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;

use parlor_core::webhooks::endpoint::subscribed;
use parlor_core::webhooks::{Delivery, Event, Schedule};
use parlor_core::Millis;
use serde::{Deserialize, Serialize};
use worker::{
    durable_object, wasm_bindgen, DurableObject, Env, Method, Request, Response, SqlStorage, State,
    Stub,
};

use crate::alarm::AlarmSlot;
use crate::error::{ApiError, ApiResult};
use crate::http::{ok, read_json};
use crate::sql::{kv_get, kv_put};

/// The event types enabled endpoints want, as a JSON array, on every answer.
pub const SUBSCRIBED_HEADER: &str = "x-parlor-webhook-events";
/// Names the workspace on the workspace object's calls.
pub const WORKSPACE_HEADER: &str = "x-parlor-workspace";

/// Events handed over in one call.
pub const MAX_EVENTS_PER_CALL: usize = 100;

pub fn webhook_stub(env: &Env, workspace: &str) -> ApiResult<Stub> {
    Ok(env
        .durable_object("WEBHOOKS")?
        .id_from_name(&format!("wh:{workspace}"))?
        .get_stub()?)
}

/// Events as the workspace object hands them over: each with its `webhook-id`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Handover {
    pub events: Vec<Numbered>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Numbered {
    pub id: String,
    pub event: Event,
}

#[durable_object]
pub struct WebhookDO {
    state: State,
    env: Env,
    sql: SqlStorage,
    alarm_slot: AlarmSlot,
    /// Set once this instance has looked for due deliveries (local alarms do not survive a
    /// restart, see [`WebhookDO::fetch`]).
    woken: Cell<bool>,
    /// Deliveries being attempted by this instance, so two passes never send one twice at once.
    in_flight: RefCell<BTreeSet<u64>>,
}

impl DurableObject for WebhookDO {
    fn new(state: State, env: Env) -> Self {
        crate::sql::trace_from(&env);
        let sql = state.storage().sql();
        if let Err(e) = store::migrate(&sql) {
            worker::console_error!("webhook schema: {e:?}");
        }
        WebhookDO {
            state,
            env,
            sql,
            alarm_slot: AlarmSlot::default(),
            woken: Cell::new(false),
            in_flight: RefCell::new(BTreeSet::new()),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        if let Ok(Some(ws)) = req.headers().get(WORKSPACE_HEADER) {
            if let Err(e) = self.remember_workspace(&ws) {
                worker::console_error!("webhooks: {e:?}");
            }
        }
        if !self.woken.replace(true) {
            // Local workerd keeps alarms in memory: after a restart, look for what is due now.
            if let Err(e) = self.wake().await {
                worker::console_error!("webhooks wake: {e:?}");
            }
        }
        let resp = match self.dispatch(&mut req).await {
            Ok(resp) => resp,
            Err(e) => e.to_response(),
        };
        Ok(self.with_subscribed(resp))
    }

    async fn alarm(&self) -> worker::Result<Response> {
        self.alarm_slot.cleared();
        self.woken.set(true);
        if let Err(e) = self.deliver_due().await {
            worker::console_error!("webhook deliveries: {e:?}");
        }
        if let Err(e) = self.schedule_alarm().await {
            worker::console_error!("webhook alarm: {e:?}");
        }
        Response::ok("ok")
    }
}

impl WebhookDO {
    async fn dispatch(&self, req: &mut Request) -> ApiResult<Response> {
        let url = req.url()?;
        let segs: Vec<String> = url
            .path_segments()
            .map(|s| s.filter(|p| !p.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        let path: Vec<&str> = segs.iter().map(String::as_str).collect();
        let method = req.method();
        match (path.as_slice(), &method) {
            (["events"], Method::Post) => {
                let handover: Handover = read_json(req, 2 * 1024 * 1024).await?;
                self.take_events(handover)?;
                self.schedule_alarm().await?;
                ok(&serde_json::json!({ "ok": true }))
            }
            (["wake"], Method::Post) => ok(&serde_json::json!({ "ok": true })),
            (["endpoints", rest @ ..], _) => self.api(rest, &method, req).await,
            _ => Err(ApiError::NotFound("route")),
        }
    }

    /// Stores each new event once and a delivery for every enabled endpoint that wants it.
    fn take_events(&self, handover: Handover) -> ApiResult<()> {
        if handover.events.len() > MAX_EVENTS_PER_CALL {
            return Err(ApiError::BadRequest("too many events in one call".into()));
        }
        let endpoints = store::endpoints(&self.sql)?;
        let now = Millis(crate::now_ms());
        for Numbered { id, event } in handover.events {
            let targets: Vec<_> = endpoints.iter().filter(|e| e.wants(event.kind())).collect();
            if targets.is_empty() || !store::insert_message(&self.sql, &id, &event)? {
                continue;
            }
            for endpoint in targets {
                store::insert_delivery(
                    &self.sql,
                    &Delivery::new(&endpoint.id, &id, event.kind(), now),
                )?;
            }
        }
        Ok(())
    }

    async fn wake(&self) -> ApiResult<()> {
        self.alarm_slot.delete(&self.state.storage()).await?;
        self.schedule_alarm().await
    }

    async fn schedule_alarm(&self) -> ApiResult<()> {
        let next = store::next_due(&self.sql)?.map(Millis);
        self.alarm_slot.ensure(&self.state.storage(), next).await
    }

    fn remember_workspace(&self, ws: &str) -> ApiResult<()> {
        if kv_get::<String>(&self.sql, "workspace")?.as_deref() != Some(ws) {
            kv_put(&self.sql, "workspace", &ws)?;
        }
        Ok(())
    }

    fn with_subscribed(&self, resp: Response) -> Response {
        let Ok(endpoints) = store::endpoints(&self.sql) else {
            return resp;
        };
        let events: Vec<_> = subscribed(&endpoints).into_iter().collect();
        let Ok(text) = serde_json::to_string(&events) else {
            return resp;
        };
        let headers = resp.headers().clone();
        // A JSON array of event names is always a valid header value.
        let _ = headers.set(SUBSCRIBED_HEADER, &text);
        resp.with_headers(headers)
    }

    /// The retry schedule: standard, or shrunk for local testing (`WEBHOOK_RETRY_BASE_MS`,
    /// honoured only with `WEBHOOKS_LOCAL=1`).
    fn schedule(&self) -> Schedule {
        if !local_dev(&self.env) {
            return Schedule::standard();
        }
        match self
            .env
            .var("WEBHOOK_RETRY_BASE_MS")
            .ok()
            .and_then(|v| v.to_string().parse::<u64>().ok())
        {
            Some(base) => Schedule::scaled(Millis(base)),
            None => Schedule::standard(),
        }
    }
}

/// The server runs locally for development (`WEBHOOKS_LOCAL=1` in `.dev.vars` or `--var`):
/// plain-HTTP endpoints on this machine and a shrunk retry schedule are allowed.
pub fn local_dev(env: &Env) -> bool {
    env.var("WEBHOOKS_LOCAL")
        .is_ok_and(|v| v.to_string() == "1")
}
