//! The alarm's work: attempt every due delivery as it falls due (concurrently, each bounded by
//! the 10 s timeout), record each outcome in the delivery and the log, disable an endpoint that failed
//! for a day and tell the workspace (which emails its admins).

use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::stream::{FuturesUnordered, StreamExt};
use parlor_core::protocol::TranscriptEntry;
use parlor_core::webhooks::endpoint::subscribed;
use parlor_core::webhooks::event::transcript;
use parlor_core::webhooks::{EventData, HealthVerdict, Secret};
use parlor_core::{ConversationId, Millis};
use serde::Deserialize;
use worker::{Delay, Method};

use super::store::{self, DeliveryRow};
use super::{send, WebhookDO};
use crate::error::{ApiError, ApiResult};
use crate::identity::Identity;
use crate::rpc::{conversation_stub, internal_request, workspace_stub};
use crate::sql::kv_get;

/// Deliveries started at most per alarm; the next alarm goes on.
const PER_ALARM: usize = 200;
/// How often a running alarm looks for newly due deliveries, so one slow receiver (up to the
/// 10 s timeout) never holds back the others.
const LOOK_AGAIN: Duration = Duration::from_millis(500);
/// When a chat's transcript cannot be read now, look again this much later.
const TRANSCRIPT_RETRY: Millis = Millis(10_000);

impl WebhookDO {
    /// Attempts every due delivery, each as soon as it is due, concurrently; returns when
    /// nothing is due or running.
    pub(super) async fn deliver_due(&self) -> ApiResult<()> {
        let mut running = FuturesUnordered::new();
        let mut started = 0;
        loop {
            if started < PER_ALARM {
                let due: Vec<DeliveryRow> = {
                    let in_flight = self.in_flight.borrow();
                    store::due(&self.sql, crate::now_ms(), (PER_ALARM - started) as u64)?
                        .into_iter()
                        .filter(|r| !in_flight.contains(&r.id))
                        .collect()
                };
                for row in due {
                    self.in_flight.borrow_mut().insert(row.id);
                    started += 1;
                    running.push(async move {
                        let id = row.id;
                        (id, self.attempt(row).await)
                    });
                }
            }
            if running.is_empty() {
                return Ok(());
            }
            let tick = Box::pin(Delay::from(LOOK_AGAIN));
            let finished = match select(running.next(), tick).await {
                Either::Left((finished, _)) => finished,
                Either::Right(_) => None,
            };
            if let Some((id, result)) = finished {
                self.in_flight.borrow_mut().remove(&id);
                if let Err(e) = result {
                    worker::console_error!("webhook delivery: {e:?}");
                }
            }
        }
    }

    /// One attempt of one delivery; everything it learns is stored before it returns.
    async fn attempt(&self, row: DeliveryRow) -> ApiResult<()> {
        let sql = &self.sql;
        let endpoint_id = row.delivery.endpoint.clone();
        let Some(endpoint) = store::endpoint(sql, &endpoint_id)? else {
            return Ok(());
        };
        if !endpoint.enabled {
            self.give_up_pending(&endpoint_id)?;
            return Ok(());
        }
        let Some(mut event) = store::message(sql, &row.delivery.message)? else {
            // Its message is gone (pruned with an endpoint): nothing left to send.
            let mut row = row;
            row.delivery.give_up();
            row.delivery.next_at = None;
            return store::put_delivery(sql, &row);
        };
        if let Some(conversation) = event.needs_transcript().cloned() {
            match self.transcript_of(&conversation).await {
                Ok(lines) => {
                    if let EventData::ChatEnded { transcript, .. } = &mut event.data {
                        *transcript = lines;
                    }
                    store::put_message(sql, &row.delivery.message, &event)?;
                }
                Err(e) => {
                    worker::console_error!("webhook transcript of {conversation}: {e:?}");
                    let Some(mut fresh) = store::delivery(sql, &endpoint_id, row.id)? else {
                        return Ok(());
                    };
                    fresh.delivery.next_at = Some(Millis(crate::now_ms()).after(TRANSCRIPT_RETRY));
                    return store::put_delivery(sql, &fresh);
                }
            }
        }
        let secret_text = store::secret(sql, &endpoint_id)?.unwrap_or_default();
        let secret = Secret::parse(&secret_text)
            .map_err(|e| ApiError::Internal(format!("stored webhook secret: {e}")))?;
        let started = Millis(crate::now_ms());
        let sent = send::post(&endpoint.url, &secret, &row.delivery.message, &event.body()).await;

        // The endpoint or the delivery may have changed (or gone) during the request.
        let Some(mut fresh) = store::delivery(sql, &endpoint_id, row.id)? else {
            return Ok(());
        };
        let schedule = self.schedule();
        let delivered = sent.outcome.delivered();
        let attempt =
            fresh
                .delivery
                .record(sent.outcome, started, sent.duration, row.manual, &schedule);
        fresh.manual = false;
        store::put_delivery(sql, &fresh)?;
        store::append_log(sql, &endpoint_id, fresh.id, &attempt)?;
        let Some(mut endpoint) = store::endpoint(sql, &endpoint_id)? else {
            return Ok(());
        };
        let now = Millis(crate::now_ms());
        let verdict = endpoint
            .health
            .observe(delivered, fresh.delivery.first_at, now, &schedule);
        let disable = verdict == HealthVerdict::Disable && endpoint.enabled;
        if disable {
            endpoint.disable_for_failures();
        }
        store::put_endpoint(sql, &endpoint)?;
        if disable {
            self.give_up_pending(&endpoint_id)?;
            self.tell_disabled(&endpoint).await;
        }
        Ok(())
    }

    /// The chat's messages, read from its conversation object. An erased or unknown
    /// conversation has none.
    async fn transcript_of(
        &self,
        conversation: &ConversationId,
    ) -> ApiResult<Vec<parlor_core::webhooks::event::Line>> {
        #[derive(Deserialize)]
        struct Answer {
            entries: Vec<TranscriptEntry>,
            #[serde(default)]
            captured: std::collections::BTreeMap<String, String>,
        }
        let stub = conversation_stub(&self.env, conversation.as_str())?;
        let req = internal_request(
            Method::Post,
            "/internal/transcript",
            &Identity::Anonymous,
            Some("{}".into()),
            None,
        )?;
        let mut resp = stub.fetch_with_request(req).await?;
        match resp.status_code() {
            200 => {
                let answer: Answer = resp.json().await?;
                let name = answer.captured.get("first_name").map(String::as_str);
                Ok(transcript(&answer.entries, name))
            }
            404 | 410 => Ok(Vec::new()),
            code => Err(ApiError::Internal(format!("transcript answered {code}"))),
        }
    }

    /// Tells the workspace object (which emails its admins and updates what it forwards).
    async fn tell_disabled(&self, endpoint: &parlor_core::webhooks::Endpoint) {
        let result = async {
            let ws: String =
                kv_get(&self.sql, "workspace")?.ok_or(ApiError::NotFound("workspace"))?;
            let events: Vec<_> = subscribed(&store::endpoints(&self.sql)?)
                .into_iter()
                .collect();
            let body = serde_json::json!({ "endpoint": endpoint, "subscribed": events });
            let req = internal_request(
                Method::Post,
                "/internal/webhook-disabled",
                &Identity::Anonymous,
                Some(body.to_string()),
                None,
            )?;
            let resp = workspace_stub(&self.env, &ws)?
                .fetch_with_request(req)
                .await?;
            if resp.status_code() >= 400 {
                return Err(ApiError::Internal(format!(
                    "workspace answered {}",
                    resp.status_code()
                )));
            }
            Ok::<(), ApiError>(())
        }
        .await;
        if let Err(e) = result {
            worker::console_error!(
                "webhook endpoint {} disabled; telling the workspace: {e}",
                endpoint.id
            );
        }
    }
}
