//! Web Push on the workspace object: each agent's devices (browser push subscriptions), the
//! API an inbox stores and drops them with, and sending what the machine asks
//! (`WorkspaceEffect::Push`): each message encrypted for each device (RFC 8291) and signed
//! with the server's VAPID key (RFC 8292). A device the push service no longer knows (404,
//! 410) is dropped, and the machine hears how many are left: with none, an agent with no inbox
//! open is unreachable.

use std::time::Duration;

use futures_util::future::{join_all, select, Either};
use parlor_core::protocol::PushMsg;
use parlor_core::workspace::WorkspaceInput;
use parlor_core::{AgentId, Millis};
use serde::{Deserialize, Serialize};
use worker::{AbortController, Delay, Env, Fetch, Headers, Method, Request, RequestInit};

use crate::error::{ApiError, ApiResult};
use crate::http::read_json;
use crate::push::{encrypt_random, request_headers, Subscription, Urgency, Vapid};
use crate::sql::{exec, int, rows};

/// Devices one agent may register; the oldest goes when a new one comes.
pub const MAX_DEVICES: usize = 10;
/// A push service that has not answered by then is left (the offer's banner still waits).
const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest subscription body an inbox may send.
const BODY_LIMIT: usize = 4 * 1024;

/// Created with the object's other tables (`store::migrate`), once per load.
pub const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS push_devices (endpoint TEXT PRIMARY KEY, \
     agent TEXT NOT NULL, p256dh TEXT NOT NULL, auth TEXT NOT NULL, created INTEGER NOT NULL)",
];

/// What `PushSubscription.toJSON()` gives, as the inbox sends it.
#[derive(Deserialize)]
pub struct BrowserSubscription {
    endpoint: String,
    #[serde(default)]
    keys: Option<Keys>,
}

#[derive(Deserialize)]
struct Keys {
    p256dh: String,
    auth: String,
}

#[derive(Deserialize, Serialize)]
struct Device {
    endpoint: String,
    p256dh: String,
    auth: String,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// The server's VAPID key pair, when the operator configured one (`VAPID_PRIVATE_KEY`, a
/// secret; `VAPID_SUBJECT`, a `mailto:` or `https:` contact the push services may use).
pub fn vapid(env: &Env) -> Option<Vapid> {
    let key = env.secret("VAPID_PRIVATE_KEY").ok()?.to_string();
    let subject = env
        .var("VAPID_SUBJECT")
        .map(|v| v.to_string())
        .unwrap_or_else(|_| "mailto:push@parlor.invalid".to_owned());
    match Vapid::from_private_b64url(key.trim(), subject.trim()) {
        Ok(v) => Some(v),
        Err(e) => {
            worker::console_error!("Web Push is off: {e}");
            None
        }
    }
}

/// How many devices the agent has.
pub fn devices(sql: &worker::SqlStorage, agent: &str) -> ApiResult<u32> {
    let n: Vec<Count> = rows(
        sql,
        "SELECT COUNT(*) AS n FROM push_devices WHERE agent = ?",
        vec![agent.into()],
    )?;
    Ok(n.first().map_or(0, |c| c.n.max(0) as u32))
}

/// Stores the device (again: a browser that renews its subscription keeps its place) and keeps
/// the agent's newest [`MAX_DEVICES`]. Refuses what could never be delivered to.
pub async fn subscribe(
    sql: &worker::SqlStorage,
    env: &Env,
    agent: &str,
    req: &mut Request,
) -> ApiResult<u32> {
    if vapid(env).is_none() {
        return Err(ApiError::Unavailable(
            "Web Push is not configured on this server (VAPID_PRIVATE_KEY)".into(),
        ));
    }
    let body: BrowserSubscription = read_json(req, BODY_LIMIT).await?;
    let keys = body.keys.ok_or_else(|| {
        ApiError::BadRequest(
            "the subscription has no keys: subscribe with userVisibleOnly and the server's key"
                .into(),
        )
    })?;
    parlor_core::webhooks::url::check(&body.endpoint, crate::webhooks::local_dev(env))
        .map_err(|e| ApiError::BadRequest(format!("push endpoint: {e}")))?;
    Subscription::from_browser(&body.endpoint, &keys.p256dh, &keys.auth)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    exec(
        sql,
        "INSERT INTO push_devices (endpoint, agent, p256dh, auth, created) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT(endpoint) DO UPDATE SET agent = excluded.agent, p256dh = excluded.p256dh, \
         auth = excluded.auth, created = excluded.created",
        vec![
            body.endpoint.as_str().into(),
            agent.into(),
            keys.p256dh.as_str().into(),
            keys.auth.as_str().into(),
            int(crate::now_ms()),
        ],
    )?;
    exec(
        sql,
        "DELETE FROM push_devices WHERE agent = ? AND endpoint NOT IN \
         (SELECT endpoint FROM push_devices WHERE agent = ? ORDER BY created DESC LIMIT ?)",
        vec![agent.into(), agent.into(), int(MAX_DEVICES as u64)],
    )?;
    devices(sql, agent)
}

/// Drops one device of the agent (notifications turned off, or signing out on it), named by
/// its endpoint in the query (`?endpoint=`): a DELETE carries no body here.
pub fn unsubscribe(sql: &worker::SqlStorage, agent: &str, req: &Request) -> ApiResult<u32> {
    let url = req.url()?;
    let endpoint = url
        .query_pairs()
        .find(|(k, _)| k == "endpoint")
        .map(|(_, v)| v.into_owned())
        .filter(|e| !e.is_empty())
        .ok_or_else(|| {
            ApiError::BadRequest("name the device: ?endpoint=<its push endpoint>".into())
        })?;
    drop_device(sql, agent, &endpoint)?;
    devices(sql, agent)
}

/// Drops one device of the agent, by its endpoint.
fn drop_device(sql: &worker::SqlStorage, agent: &str, endpoint: &str) -> ApiResult<()> {
    exec(
        sql,
        "DELETE FROM push_devices WHERE agent = ? AND endpoint = ?",
        vec![agent.into(), endpoint.into()],
    )
}

/// Drops every device of the agent: removed, or every session ended.
pub fn forget_agent(sql: &worker::SqlStorage, agent: &str) -> ApiResult<()> {
    exec(
        sql,
        "DELETE FROM push_devices WHERE agent = ?",
        vec![agent.into()],
    )
}

/// Sends each message to each device of its agent, all at once; returns the machine's input
/// for every agent who lost a device on the way.
pub async fn send(
    sql: &worker::SqlStorage,
    env: &Env,
    pushes: &[(AgentId, PushMsg)],
) -> Vec<WorkspaceInput> {
    if pushes.is_empty() {
        return Vec::new();
    }
    let Some(vapid) = vapid(env) else {
        return Vec::new();
    };
    let now = crate::now_ms();
    let mut sends = Vec::new();
    for (agent, msg) in pushes {
        let list: Vec<Device> = match rows(
            sql,
            "SELECT endpoint, p256dh, auth FROM push_devices WHERE agent = ?",
            vec![agent.as_str().into()],
        ) {
            Ok(list) => list,
            Err(e) => {
                worker::console_error!("push devices of {agent}: {e:?}");
                continue;
            }
        };
        let ttl = msg.ttl_secs(Millis(now));
        let urgency = if msg.urgent() {
            Urgency::High
        } else {
            Urgency::Normal
        };
        let Ok(text) = serde_json::to_string(msg) else {
            continue;
        };
        for d in list {
            sends.push(deliver(&vapid, agent, d, text.clone(), now, ttl, urgency));
        }
    }
    let mut gone: Vec<(AgentId, String)> = join_all(sends).await.into_iter().flatten().collect();
    gone.sort();
    gone.dedup();
    let mut inputs = Vec::new();
    for (agent, endpoint) in &gone {
        if let Err(e) = drop_device(sql, agent.as_str(), endpoint) {
            worker::console_error!("drop push device of {agent}: {e:?}");
        }
    }
    let mut agents: Vec<&AgentId> = gone.iter().map(|(a, _)| a).collect();
    agents.dedup();
    for agent in agents {
        if let Ok(devices) = devices(sql, agent.as_str()) {
            inputs.push(WorkspaceInput::PushDevices {
                agent: agent.clone(),
                devices,
            });
        }
    }
    inputs
}

/// One POST to one push service. `Some` names a device the service no longer knows.
async fn deliver(
    vapid: &Vapid,
    agent: &AgentId,
    d: Device,
    text: String,
    now: u64,
    ttl: u32,
    urgency: Urgency,
) -> Option<(AgentId, String)> {
    let request = (|| -> Result<Request, String> {
        let sub = Subscription::from_browser(&d.endpoint, &d.p256dh, &d.auth)
            .map_err(|e| e.to_string())?;
        let body = encrypt_random(text.as_bytes(), &sub).map_err(|e| e.to_string())?;
        let h = Headers::new();
        for (k, v) in request_headers(vapid, &d.endpoint, now / 1000, ttl, urgency)
            .map_err(|e| e.to_string())?
        {
            h.set(k, &v).map_err(|e| e.to_string())?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(h)
            .with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
        Request::new_with_init(&d.endpoint, &init).map_err(|e| e.to_string())
    })();
    let request = match request {
        Ok(r) => r,
        Err(e) => {
            worker::console_error!("push to a device of {agent}: {e}");
            return None;
        }
    };
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let sending = Box::pin(fetch.send_with_signal(&signal));
    let timer = Box::pin(Delay::from(SEND_TIMEOUT));
    let answer = match select(sending, timer).await {
        Either::Left((answer, _)) => Some(answer),
        Either::Right(_) => None,
    };
    match answer {
        Some(Ok(resp)) => match resp.status_code() {
            200..=299 => None,
            404 | 410 => Some((agent.clone(), d.endpoint)),
            code => {
                worker::console_error!("push to a device of {agent}: status {code}");
                None
            }
        },
        Some(Err(e)) => {
            worker::console_error!("push to a device of {agent}: {e}");
            None
        }
        None => {
            controller.abort();
            worker::console_error!("push to a device of {agent}: no answer in 5 s");
            None
        }
    }
}

impl super::WorkspaceDO {
    /// Tells the machine how many devices the agent has now, and answers with it.
    pub(super) async fn push_devices(
        &self,
        agent: &str,
        devices: u32,
    ) -> ApiResult<worker::Response> {
        let input = WorkspaceInput::PushDevices {
            agent: AgentId::new(agent),
            devices,
        };
        self.run(input, None).await?;
        crate::http::ok(&serde_json::json!({ "devices": devices }))
    }
}
