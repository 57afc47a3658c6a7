//! The admin API of webhooks, reached through the workspace object once it has checked that
//! the caller is an admin of this workspace: endpoints, secrets, the delivery log, "Send
//! again" and the test event.

use parlor_core::webhooks::endpoint::{check_description, check_new, parse_events};
use parlor_core::webhooks::sign::{Secret, SECRET_BYTES};
use parlor_core::webhooks::{url, Delivery, Endpoint, EndpointError, Event, EventData, Health};
use parlor_core::Millis;
use serde::{Deserialize, Serialize};
use worker::{Method, Request, Response};

use super::{local_dev, store, WebhookDO};
use crate::crypto::random_hex;
use crate::error::{ApiError, ApiResult};
use crate::http::{created, json_response, ok, read_json};

const BODY: usize = 8 * 1024;
/// Deliveries an endpoint may have waiting before test events and "Send again" are refused
/// (events themselves are never refused: a failing endpoint is disabled after a day).
const MAX_WAITING_FOR_MANUAL: u64 = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewEndpoint {
    url: String,
    events: Vec<String>,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EndpointPatch {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
}

/// An endpoint as listed: never its secret.
#[derive(Serialize)]
struct EndpointView {
    #[serde(flatten)]
    endpoint: Endpoint,
    /// Deliveries waiting for an attempt.
    pending: u64,
}

fn unprocessable(e: EndpointError) -> ApiError {
    ApiError::Unprocessable(e.to_string())
}

fn new_secret() -> ApiResult<Secret> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::getrandom(&mut bytes).map_err(|e| ApiError::Internal(format!("randomness: {e}")))?;
    Ok(Secret::from_random(bytes))
}

impl WebhookDO {
    pub(super) async fn api(
        &self,
        path: &[&str],
        method: &Method,
        req: &mut Request,
    ) -> ApiResult<Response> {
        let sql = &self.sql;
        let now = Millis(crate::now_ms());
        match (path, method) {
            ([], Method::Get) => {
                let mut list = Vec::new();
                for endpoint in store::endpoints(sql)? {
                    let pending = store::pending_count(sql, &endpoint.id)?;
                    list.push(EndpointView { endpoint, pending });
                }
                ok(&serde_json::json!({ "endpoints": list }))
            }
            ([], Method::Post) => {
                let input: NewEndpoint = read_json(req, BODY).await?;
                let count = store::endpoints(sql)?.len();
                let events = check_new(
                    input.url.trim(),
                    &input.events,
                    input.description.trim(),
                    count,
                    local_dev(&self.env),
                )
                .map_err(unprocessable)?;
                let endpoint = Endpoint {
                    id: format!("we_{}", random_hex(8)?),
                    url: input.url.trim().to_owned(),
                    description: input.description.trim().to_owned(),
                    events,
                    enabled: true,
                    disabled_reason: None,
                    created_at: now,
                    health: Health::default(),
                };
                let secret = new_secret()?.expose();
                store::insert_endpoint(sql, &endpoint, &secret)?;
                created(&serde_json::json!({
                    "endpoint": EndpointView { endpoint, pending: 0 },
                    "secret": secret,
                }))
            }
            ([id], Method::Get) => {
                let endpoint = self.endpoint(id)?;
                let pending = store::pending_count(sql, id)?;
                ok(&EndpointView { endpoint, pending })
            }
            ([id], Method::Patch) => {
                let mut endpoint = self.endpoint(id)?;
                let patch: EndpointPatch = read_json(req, BODY).await?;
                if let Some(u) = patch.url {
                    url::check(u.trim(), local_dev(&self.env))
                        .map_err(|e| unprocessable(e.into()))?;
                    endpoint.url = u.trim().to_owned();
                }
                if let Some(events) = patch.events {
                    endpoint.events = parse_events(&events).map_err(unprocessable)?;
                }
                if let Some(d) = patch.description {
                    check_description(d.trim()).map_err(unprocessable)?;
                    endpoint.description = d.trim().to_owned();
                }
                if let Some(enabled) = patch.enabled {
                    if enabled != endpoint.enabled {
                        endpoint.set_enabled(enabled);
                        if !enabled {
                            self.give_up_pending(id)?;
                        }
                    }
                }
                store::put_endpoint(sql, &endpoint)?;
                let pending = store::pending_count(sql, id)?;
                ok(&EndpointView { endpoint, pending })
            }
            ([id], Method::Delete) => {
                self.endpoint(id)?;
                store::delete_endpoint(sql, id)?;
                ok(&serde_json::json!({ "deleted": id }))
            }
            ([id, "secret"], Method::Post) => {
                self.endpoint(id)?;
                let secret = new_secret()?.expose();
                store::put_secret(sql, id, &secret)?;
                ok(&serde_json::json!({ "secret": secret }))
            }
            ([id, "deliveries"], Method::Get) => {
                self.endpoint(id)?;
                let lines: Vec<_> = store::log(sql, id)?
                    .into_iter()
                    .map(|line| {
                        let result = line.attempt.outcome.describe();
                        serde_json::json!({ "line": line, "result": result })
                    })
                    .map(flatten_line)
                    .collect();
                ok(&serde_json::json!({ "deliveries": lines }))
            }
            ([id, "deliveries", delivery, "retry"], Method::Post) => {
                let endpoint = self.endpoint(id)?;
                if !endpoint.enabled {
                    return Err(ApiError::Unprocessable(
                        "this endpoint is disabled; enable it before sending again".into(),
                    ));
                }
                self.not_too_many_waiting(id)?;
                let did: u64 = delivery
                    .parse()
                    .map_err(|_| ApiError::NotFound("delivery"))?;
                let mut row =
                    store::delivery(sql, id, did)?.ok_or(ApiError::NotFound("delivery"))?;
                row.delivery.send_again(now);
                row.manual = true;
                store::put_delivery(sql, &row)?;
                self.schedule_alarm().await?;
                Ok(json_response(
                    &serde_json::json!({ "delivery": did, "message": row.delivery.message, "next_at": now }),
                    202,
                ))
            }
            ([id, "test"], Method::Post) => {
                let endpoint = self.endpoint(id)?;
                if !endpoint.enabled {
                    return Err(ApiError::Unprocessable(
                        "this endpoint is disabled; enable it before sending a test event".into(),
                    ));
                }
                self.not_too_many_waiting(id)?;
                let message = format!("msg_{}", random_hex(12)?);
                let event = Event {
                    at: now,
                    data: EventData::Test {
                        message: "A test event from Parlor: this endpoint is reachable.".into(),
                    },
                };
                store::insert_message(sql, &message, &event)?;
                store::insert_delivery(sql, &Delivery::new(id, &message, event.kind(), now))?;
                self.schedule_alarm().await?;
                Ok(json_response(
                    &serde_json::json!({ "message": message }),
                    202,
                ))
            }
            _ => Err(ApiError::NotFound("route")),
        }
    }

    fn not_too_many_waiting(&self, id: &str) -> ApiResult<()> {
        if store::pending_count(&self.sql, id)? >= MAX_WAITING_FOR_MANUAL {
            return Err(ApiError::RateLimited);
        }
        Ok(())
    }

    fn endpoint(&self, id: &str) -> ApiResult<Endpoint> {
        store::endpoint(&self.sql, id)?.ok_or(ApiError::NotFound("webhook endpoint"))
    }

    /// No more automatic attempts for this endpoint's pending deliveries (they stay in the log).
    pub(super) fn give_up_pending(&self, id: &str) -> ApiResult<()> {
        for mut row in store::pending_of(&self.sql, id)? {
            row.delivery.give_up();
            row.delivery.next_at = None;
            row.manual = false;
            store::put_delivery(&self.sql, &row)?;
        }
        Ok(())
    }
}

/// `{seq, delivery, message, event, attempt, at, duration_ms, outcome, next_retry, manual, result}`.
fn flatten_line(v: serde_json::Value) -> serde_json::Value {
    let mut line = v.get("line").cloned().unwrap_or_default();
    if let (Some(map), Some(result)) = (line.as_object_mut(), v.get("result")) {
        map.insert("result".into(), result.clone());
    }
    line
}
