//! `WorkspaceDO`: one object per workspace. Settings, agents, teams, dialogues, the
//! conversation index, and (with `routing`) presence, offers and their deadlines.
//! A single writer, so round-robin cursors and capacity counts are atomic without locks.

pub mod access;
mod admin;
/// The reasons a socket is closed with when a session ends (the conversation's chat sockets too).
pub(crate) use admin::ended;
mod canned;
mod dialogues;
mod erase;
mod forget;
mod inbox;
pub mod index;
mod keys;
mod leads;
mod leads_api;
mod machine;
mod mail;
mod memo;
mod paging;
mod parts;
pub mod plan;
pub mod push;
mod report;
mod sessions;
mod signin;
mod sites;
mod sockets;
pub mod store;
mod versions;
mod visitors;
mod webhooks;

use std::cell::{Cell, RefCell};

use parlor_core::guard::Verdict;
use parlor_core::link::FromConversation;
use parlor_core::protocol::{AgentProfile, InboxClientMsg};
use parlor_core::rate::{Limit, RateLimiter};
use parlor_core::signin::SignInGuard;
use parlor_core::workspace::{Workspace, WorkspaceInput};
use parlor_core::AgentId;
use worker::{WebSocket, WebSocketIncomingMessage};

use serde::Deserialize;
use worker::{
    durable_object, wasm_bindgen, DurableObject, Env, Method, Request, Response, SqlStorage, State,
};

use crate::alarm::AlarmSlot;
use crate::crypto::{random_hex, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::guards::{inbox_frame, Guards, TOO_MANY_REFUSED};
use crate::http::{created, ok, read_json, Reply};
use crate::identity::{issue_session, Identity};
use crate::internal::{serve_link, StartCall};
use crate::rpc::identity_of;
use crate::signin::password_hash_of;
use crate::sql::has_schema;
use crate::workspace::access::{caller, require_admin, Caller};
use crate::workspace::index::Status;
use crate::{now_ms, validate};

pub use visitors::{split_token, MAX_PAGE_URL};

#[durable_object]
pub struct WorkspaceDO {
    state: State,
    env: Env,
    sql: SqlStorage,
    /// The routing system, loaded from storage on first use by this instance.
    machine: RefCell<Option<Workspace>>,
    /// The router counters JSON last stored, to skip rewriting them unchanged.
    stored_counters: RefCell<String>,
    /// New conversations, and resumes, per visitor network (IPv6 by /64). In memory: a
    /// restart forgives.
    starts: visitors::StartLimits,
    /// Sign-in attempts per email and per network (see `signin.rs` for why here).
    sign_ins: RefCell<SignInGuard>,
    /// Inbox frames, per agent (see `parlor_core::guard`).
    guards: Guards,
    /// Set once this instance has re-armed its stored alarm (see [`WorkspaceDO::rearm`]).
    rearmed: Cell<bool>,
    alarm_slot: AlarmSlot,
    /// This object has tables (the workspace was created); until then every request but the
    /// operator's `create` is answered 404 without touching storage.
    exists: Cell<bool>,
    /// When the retention purge looks next (`None`: not due, or retention is off). In memory:
    /// each new instance looks at once (see [`WorkspaceDO::rearm`] and the alarm).
    purge_at: Cell<Option<parlor_core::Millis>>,
    /// Which webhook events some endpoint wants, and the hand-over's retry (`webhooks.rs`).
    webhooks: webhooks::WebhookLink,
    /// Rows read on every run, kept beside storage (`memo.rs`).
    memo: memo::Memo,
    /// Which sites this instance wrote as seen, and when (`parlor_core::sites`).
    sites: RefCell<parlor_core::sites::SiteLog>,
    /// Link messages of failed calls to conversations, retried by the alarm (`crate::owed`).
    owed: crate::owed::OwedStore<parlor_core::link::WorkspaceToConversation>,
    /// The conversations' stubs this instance made, for its calls on them.
    stubs: crate::internal::ConversationStubs,
}

/// A visitor network (an IPv4 address, an IPv6 /64) may start 20 conversations at once, then
/// 10 a minute.
const START_LIMIT: Limit = Limit {
    burst: 20,
    per_minute: 10,
};

/// And resume its conversations 120 times at once, then 120 a minute (a page view each).
const RESUME_LIMIT: Limit = Limit {
    burst: 120,
    per_minute: 120,
};

impl DurableObject for WorkspaceDO {
    fn new(state: State, env: Env) -> Self {
        crate::sql::trace_from(&env);
        let sql = state.storage().sql();
        // Tables are created with the workspace (see `create`): a request for an unknown
        // workspace writes nothing.
        let exists = has_schema(&sql);
        if exists {
            if let Err(e) = store::open(&sql) {
                worker::console_error!("workspace schema: {e:?}");
            }
        }
        WorkspaceDO {
            exists: Cell::new(exists),
            state,
            env,
            sql,
            machine: RefCell::new(None),
            stored_counters: RefCell::new(String::new()),
            starts: visitors::StartLimits {
                starts: RefCell::new(RateLimiter::new(START_LIMIT, 10_000)),
                resumes: RefCell::new(RateLimiter::new(RESUME_LIMIT, 10_000)),
            },
            sign_ins: RefCell::new(SignInGuard::default()),
            guards: Guards::default(),
            alarm_slot: AlarmSlot::default(),
            rearmed: Cell::new(false),
            purge_at: Cell::new(None),
            webhooks: webhooks::WebhookLink::default(),
            memo: memo::Memo::default(),
            sites: RefCell::default(),
            owed: crate::owed::OwedStore::default(),
            stubs: crate::internal::ConversationStubs::default(),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        if !self.exists.get() && req.path() != "/api/create" {
            return Ok(ApiError::NotFound("workspace").to_response());
        }
        self.rearm_once().await;
        Ok(match self.dispatch(&mut req).await {
            Ok(resp) => resp,
            Err(e) => e.to_response(),
        })
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        let peer: Option<sockets::Attachment> = ws.deserialize_attachment().ok().flatten();
        // Every frame re-checks the session that opened the socket (removal, new epoch).
        if let Some(peer) = &peer {
            match self.frame_session_ok(&ws, peer).await {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                // Not known to be current: the frame is not acted on (the client resends).
                Err(e) => {
                    worker::console_error!("session check: {e:?}");
                    return Ok(());
                }
            }
        }
        let Some(sockets::Attachment::Agent { agent, .. }) = peer else {
            // Admin views send nothing the server acts on.
            return Ok(());
        };
        let now = parlor_core::Millis(now_ms());
        // A refusal is a code and words for the error frame (`bad_frame`: not a JSON text frame
        // of at most 4 KB; `bad_request`: JSON that is no inbox frame).
        let msg = match message {
            WebSocketIncomingMessage::String(s) if s.len() <= 4096 => {
                serde_json::from_str::<InboxClientMsg>(&s).map_err(|e| {
                    let e = ApiError::BadRequest(format!("unreadable frame: {e}"));
                    (e.code().to_owned(), e.to_string())
                })
            }
            _ => Err((
                "bad_frame".to_owned(),
                "Send JSON text frames of at most 4 KB.".to_owned(),
            )),
        };
        let as_refusal = |e: ApiError| (e.code().to_owned(), e.to_string());
        let refused = match msg {
            Ok(msg) => match self.guards.check(&agent, inbox_frame(&msg), now) {
                Verdict::Pass => self
                    .inbox_message(&ws, &agent, msg)
                    .await
                    .err()
                    .map(as_refusal),
                Verdict::Drop => None,
                Verdict::Refuse => Some(as_refusal(ApiError::RateLimited)),
                Verdict::Close => {
                    self.guards.forget(&agent);
                    let _ = ws.close(Some(1008), Some(TOO_MANY_REFUSED));
                    return Ok(());
                }
            },
            Err(refusal) => Some(refusal),
        };
        if let Some((code, message)) = refused {
            if self.guards.strike(&agent, now) == Verdict::Close {
                // Closed, the agent starts afresh on their next inbox (a session, not a stranger).
                self.guards.forget(&agent);
                let _ = ws.close(Some(1008), Some(TOO_MANY_REFUSED));
                return Ok(());
            }
            sockets::send_json(
                &ws,
                &parlor_core::protocol::InboxServerMsg::Error { code, message },
            );
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        // Completes the closing handshake, so the client's socket closes at once.
        let _ = ws.close(Some(1000), Some("closing"));
        self.socket_gone(&ws).await;
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        self.socket_gone(&ws).await;
        Ok(())
    }

    async fn alarm(&self) -> worker::Result<Response> {
        self.alarm_slot.cleared();
        if !self.rearmed.replace(true) {
            // A new instance woken by its alarm: the retention check is due too.
            if let Err(e) = self.retention_changed() {
                worker::console_error!("workspace retention: {e:?}");
            }
        }
        if let Err(e) = self.run(WorkspaceInput::Tick, None).await {
            worker::console_error!("workspace alarm: {e:?}");
        }
        let next_session_end = self.close_ended_sessions().await.unwrap_or_else(|e| {
            worker::console_error!("session ends: {e:?}");
            None
        });
        if let Err(e) = self.retry_owed().await {
            worker::console_error!("workspace link retries: {e:?}");
        }
        if let Err(e) = self.flush_mail_digest().await {
            worker::console_error!("failed-action digest: {e:?}");
        }
        if let Err(e) = self.flush_lead_digest().await {
            worker::console_error!("lead digest: {e:?}");
        }
        // The purge pass sets the next alarm (the machine's, the digest's, its own).
        if let Err(e) = self.purge().await {
            worker::console_error!("workspace retention purge: {e:?}");
        }
        if let Err(e) = self.schedule_alarm().await {
            worker::console_error!("workspace alarm: {e:?}");
        }
        if let Err(e) = self
            .close_at_session_end(next_session_end.map(|m| m.0))
            .await
        {
            worker::console_error!("session end alarm: {e:?}");
        }
        Response::ok("ok")
    }
}

fn segments(req: &Request) -> ApiResult<Vec<String>> {
    let url = req.url()?;
    Ok(url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default())
}

/// The link, a method other objects call (RPC; see `crate::internal`).
#[wasm_bindgen::prelude::wasm_bindgen(wasm_bindgen_futures = ::worker::wasm_bindgen_futures)]
impl WorkspaceDO {
    /// A conversation's link call: its batch in, what the workspace says to it back.
    #[wasm_bindgen(js_name = link)]
    pub async fn link(&self, batch: String) -> Result<String, wasm_bindgen::JsValue> {
        serve_link(batch, |batch: FromConversation| async move {
            self.ready().await?;
            self.run_link(batch).await
        })
        .await
    }

    /// The Worker's call for a visitor's start or resume: the body and what the platform says
    /// of its sender in, the HTTP response in parts (JSON text) out, a refusal included.
    #[wasm_bindgen(js_name = start)]
    pub async fn start_call(
        &self,
        body: String,
        origin: Option<String>,
        country: Option<String>,
        network: String,
    ) -> Result<String, wasm_bindgen::JsValue> {
        let call = StartCall {
            body,
            origin,
            country,
            network,
        };
        answer_reply(self.start(call).await)
    }

    /// The Worker's call for a page's availability read (`crate::internal::availability`).
    #[wasm_bindgen(js_name = availability)]
    pub async fn availability_call(
        &self,
        page: Option<String>,
        origin: Option<String>,
    ) -> Result<String, wasm_bindgen::JsValue> {
        answer_reply(self.availability(page, origin).await)
    }
}

/// A reply, or the refusal's, as the JSON text an RPC method answers.
fn answer_reply(result: ApiResult<Reply>) -> Result<String, wasm_bindgen::JsValue> {
    let reply = result.unwrap_or_else(|e| e.to_reply());
    serde_json::to_string(&reply).map_err(|e| js_sys::Error::new(&e.to_string()).into())
}

impl WorkspaceDO {
    /// A visitor's start or resume (`crate::internal::start`).
    async fn start(&self, call: StartCall) -> ApiResult<Reply> {
        self.ready().await?;
        let start = visitors::start(
            &self.sql,
            &self.memo,
            &self.env,
            &self.stubs,
            call,
            &self.starts,
            now_ms(),
        )
        .await?;
        // The new conversation's first messages (its index row, a live chat request when the
        // first card is a live chat card) are applied at once.
        if let Some(batch) = start.first {
            self.run(WorkspaceInput::FromConversation(batch), None)
                .await?;
        }
        Reply::json(&start.started, 201)
    }

    /// `GET /api/visitor/availability` (`crate::internal::availability`): whether someone can
    /// chat now and how the launcher looks; asked with a page, whether a dialogue targets it;
    /// asked from a page (the browser names its origin), whether a start from there would be
    /// allowed, so the loader draws no launcher that leads to a refusal.
    async fn availability(&self, page: Option<String>, origin: Option<String>) -> ApiResult<Reply> {
        self.ready().await?;
        let now = parlor_core::Millis(now_ms());
        let availability = self.read_machine(|m| m.router().availability(now))?;
        let settings = self.memo.settings(&self.sql)?;
        let origin_allowed = origin.as_deref().map(|o| settings.origin_allowed(Some(o)));
        // A page's read (the loader's, with `page`) says the widget is installed there: the
        // admin's Embed view lists the site (at most one write an hour per site).
        if let (Some(origin), Some(_)) = (origin.as_deref(), &page) {
            if self.sites.borrow_mut().should_record(origin, now) {
                sites::record(&self.sql, origin, now.0)?;
            }
        }
        let targeted = match page {
            Some(page) => Some(parlor_core::dialogue::targeted(
                self.memo
                    .dialogues(&self.sql)?
                    .iter()
                    .map(|d| d.targeting.as_slice()),
                &page,
            )),
            None => None,
        };
        let mut reply = Reply::json(
            &visitors::PublicAvailability {
                availability,
                look: settings.widget.clone(),
                targeted,
                origin_allowed,
            },
            200,
        )?;
        // Shared caches may keep it a few seconds: it names no one and changes slowly.
        reply.header = Some(("cache-control".into(), "public, max-age=15".into()));
        Ok(reply)
    }

    /// Before any call other than creation: the workspace must exist, and the instance's
    /// first call re-arms.
    async fn ready(&self) -> ApiResult<()> {
        if !self.exists.get() {
            return Err(ApiError::NotFound("workspace"));
        }
        self.rearm_once().await;
        Ok(())
    }

    /// The first call of an instance re-arms (a workspace being created has nothing to re-arm
    /// yet, and no tables) — once per isolate: a new instance after hibernation, in the same
    /// isolate, finds its alarm set, and re-arming it cost a delete and a set of the alarm (two
    /// commits of the object and two of the local alarm store) on every wake.
    async fn rearm_once(&self) {
        if !self.exists.get() || self.rearmed.replace(true) {
            return;
        }
        let done = if crate::alarm::first_in_isolate(&self.state.id().to_string()) {
            self.rearm().await
        } else {
            // The retention purge's time is the instance's own (`purge_at`): set it again, so the
            // alarm that fires next runs the pass, as `alarm` does for an instance it wakes.
            self.retention_changed()
        };
        if let Err(e) = done {
            worker::console_error!("workspace rearm: {e:?}");
        }
    }

    /// Local workerd keeps scheduled alarms in memory only, so after a restart the alarm is
    /// gone. On the first request of an instance, run what is due (expired offers, ended
    /// graces) and set the alarm again from the machine's deadlines. Harmless where alarms
    /// do persist.
    async fn rearm(&self) -> ApiResult<()> {
        if store::meta(&self.sql)?.is_none() {
            return Ok(());
        }
        self.alarm_slot.delete(&self.state.storage()).await?;
        // The retention purge looks at once (from the alarm), when retention is set.
        self.retention_changed()?;
        self.run(WorkspaceInput::Tick, None).await?;
        let next_session_end = self.close_ended_sessions().await?;
        self.close_at_session_end(next_session_end.map(|m| m.0))
            .await?;
        self.wake_webhooks().await
    }

    async fn socket_gone(&self, ws: &WebSocket) {
        let peer: Option<sockets::Peer> = ws.deserialize_attachment().ok().flatten();
        if let Some(sockets::Peer::Agent { agent }) = peer {
            let input = WorkspaceInput::InboxClosed {
                agent: AgentId::new(agent),
            };
            if let Err(e) = self.run(input, None).await {
                worker::console_error!("inbox close: {e:?}");
            }
        }
    }

    async fn dispatch(&self, req: &mut Request) -> ApiResult<Response> {
        let segs = segments(req)?;
        let path: Vec<&str> = segs.iter().map(String::as_str).collect();
        let method = req.method();
        let now = now_ms();
        match (path.as_slice(), &method) {
            (["internal", "session"], Method::Get) => {
                // The Worker asks before forwarding an agent's chat socket: is this agent's
                // session current here (exists, same epoch)? 401 if not.
                let (_, who) = caller(&self.sql, &identity_of(req))?;
                who.agent_id().ok_or(ApiError::Unauthorized)?;
                return ok(&serde_json::json!({ "ok": true }));
            }
            (["api", "create"], Method::Post) => return self.create(req, now).await,
            (["internal", "sign-in", "begin"], Method::Post) => {
                let input = read_json(req, 4 * 1024).await?;
                return ok(&signin::begin(&self.sql, &self.sign_ins, &input, now)?);
            }
            (["internal", "sign-in", "finish"], Method::Post) => {
                let input = read_json(req, 4 * 1024).await?;
                return ok(&signin::finish(&self.sql, &self.sign_ins, &input)?);
            }
            (["internal", "webhook-disabled"], Method::Post) => {
                return self.webhook_disabled(req).await;
            }
            (["internal", "admin"], Method::Get) => {
                // The Worker asks before hashing a new password: is the caller an admin here?
                let (_, who) = caller(&self.sql, &identity_of(req))?;
                require_admin(&who)?;
                return ok(&serde_json::json!({ "ok": true }));
            }
            _ => {}
        }
        let identity = identity_of(req);
        let (meta, who) = caller(&self.sql, &identity)?;
        match (path.as_slice(), &method) {
            (["api", "admin-sessions"], Method::Post) => {
                return self.admin_session(&identity, &who, now);
            }
            (["api", "admin-key"], Method::Post) => {
                return self.rotate_key(req, &identity, &who, now).await;
            }
            _ => {}
        }
        let Some(("api", rest)) = path.split_first().map(|(a, b)| (*a, b)) else {
            return Err(ApiError::NotFound("route"));
        };
        self.api(rest, &method, req, &who, &meta.id).await
    }

    async fn api(
        &self,
        path: &[&str],
        method: &Method,
        req: &mut Request,
        who: &Caller,
        ws_id: &str,
    ) -> ApiResult<Response> {
        let sql = &self.sql;
        match (path, method) {
            (["me"], Method::Get) => {
                let id = who.agent_id().ok_or(ApiError::Forbidden)?;
                ok(&store::agent(sql, id)?.ok_or(ApiError::NotFound("agent"))?)
            }
            (["me"], Method::Patch) => {
                let id = who.agent_id().ok_or(ApiError::Forbidden)?;
                let agent = admin::patch_profile(sql, &self.memo, id, req).await?;
                // The machine snapshots name and picture into the chats the agent accepts.
                self.sync_agent(&agent).await?;
                ok(&agent)
            }
            (["me", "push"], Method::Put) => {
                let id = who.agent_id().ok_or(ApiError::Forbidden)?;
                let devices = push::subscribe(sql, &self.env, id, req).await?;
                self.push_devices(id, devices).await
            }
            (["me", "push"], Method::Delete) => {
                let id = who.agent_id().ok_or(ApiError::Forbidden)?;
                let devices = push::unsubscribe(sql, id, req)?;
                self.push_devices(id, devices).await
            }
            (["identity-secret"], Method::Get) => {
                require_admin(who)?;
                ok(&serde_json::json!({ "secret": store::identity_secret(sql)? }))
            }
            (["identity-secret"], Method::Post) => {
                require_admin(who)?;
                ok(&serde_json::json!({ "secret": store::rotate_identity_secret(sql)? }))
            }
            (["settings"], Method::Get) => {
                require_admin(who)?;
                ok(&store::settings(sql)?)
            }
            (["sites"], Method::Get) => {
                require_admin(who)?;
                ok(&sites::list(sql, &store::settings(sql)?)?)
            }
            (["sites"], Method::Delete) => {
                require_admin(who)?;
                let origin = crate::identity::query_param(req, "origin").ok_or_else(|| {
                    ApiError::BadRequest("name the site to remove: ?origin=https://…".into())
                })?;
                if !sites::forget(sql, &origin)? {
                    return Err(ApiError::NotFound("site"));
                }
                self.sites.borrow_mut().forget(&origin);
                ok(&sites::list(sql, &store::settings(sql)?)?)
            }
            (["settings"], Method::Put) => {
                require_admin(who)?;
                let settings = admin::put_settings(sql, &self.memo, req).await?;
                self.retention_changed()?;
                self.routing_settings_changed().await?;
                ok(&settings)
            }
            (["inbox", "ws"], Method::Get) => {
                let Caller::Agent { id, epoch, .. } = who else {
                    return Err(ApiError::Forbidden);
                };
                let until = identity_of(req).session_expiry();
                self.open_inbox(id, *epoch, until).await
            }
            (["admin", "ws"], Method::Get) => {
                require_admin(who)?;
                let until = identity_of(req).session_expiry();
                self.open_admin(who, until).await
            }
            (["report"], Method::Get) => {
                require_admin(who)?;
                ok(&report::answer(sql, req, parlor_core::Millis(now_ms()))?)
            }
            (["audit"], Method::Get) => {
                require_admin(who)?;
                let (entries, next) = store::audit(sql, &paging::of(req)?)?;
                paging::respond(&entries, ws_id, req, next.as_ref())
            }
            (["erasures"], Method::Post) => {
                require_admin(who)?;
                ok(&self.erase_request(req, who).await?)
            }
            (["webhooks", rest @ ..], _) => {
                require_admin(who)?;
                self.webhooks_api(rest, method, req).await
            }
            (["outbox"], Method::Get) => {
                require_admin(who)?;
                let (entries, next) = store::outbox(sql, &paging::of(req)?)?;
                paging::respond(&entries, ws_id, req, next.as_ref())
            }
            (["canned-replies", rest @ ..], _) => canned::api(sql, rest, method, req, who).await,
            (["leads"], Method::Get) => self.leads_page(req, who),
            (["leads.csv"], Method::Get) => self.leads_csv(req, who),
            (["agents"], Method::Get) => {
                require_admin(who)?;
                ok(&store::agents(sql)?)
            }
            (["agents"], Method::Post) => {
                require_admin(who)?;
                let hash = password_hash_of(req)?;
                let agent = admin::create_agent(sql, &self.memo, req, now_ms(), &hash).await?;
                self.sync_agent(&agent).await?;
                created(&agent)
            }
            (["agents", id], Method::Patch) => {
                require_admin(who)?;
                let (agent, ended) = admin::patch_agent(sql, &self.memo, id, req, now_ms()).await?;
                self.sync_agent(&agent).await?;
                if let Some((reason, handover)) = ended {
                    self.end_sessions(id, reason, Some(handover)).await?;
                }
                ok(&agent)
            }
            (["agents", id], Method::Delete) => {
                require_admin(who)?;
                store::agent(sql, id)?.ok_or(ApiError::NotFound("agent"))?;
                store::delete_agent(sql, &self.memo, id)?;
                canned::forget_agent(sql, id)?;
                push::forget_agent(sql, id)?;
                let agent = AgentId::new(*id);
                self.run(WorkspaceInput::RemoveAgent { agent }, None)
                    .await?;
                self.end_sessions(id, admin::ended::REMOVED, None).await?;
                ok(&serde_json::json!({ "deleted": id }))
            }
            (["agents", id, "password"], Method::Post) => {
                require_admin(who)?;
                let now = now_ms();
                let hash = password_hash_of(req)?;
                let (agent, epoch) =
                    admin::reset_password(sql, &self.memo, id, req, now, &hash).await?;
                let handover = Some(sessions::Handover::AfterGrace);
                self.end_sessions(id, admin::ended::PASSWORD_RESET, handover)
                    .await?;
                if who.agent_id() == Some(*id) {
                    // Resetting one's own password keeps this session: here is its new token.
                    let meta = store::meta(sql)?.ok_or(ApiError::NotFound("workspace"))?;
                    let token = issue_session(&self.env, &meta.id, id, agent.role, epoch, now)?;
                    return ok(&serde_json::json!({ "ok": true, "token": token }));
                }
                ok(&serde_json::json!({ "ok": true }))
            }
            (["teams"], Method::Get) => {
                require_admin(who)?;
                ok(&store::teams(sql)?)
            }
            (["teams", id], Method::Put) => {
                require_admin(who)?;
                let (team, new) = admin::put_team(sql, id, req).await?;
                self.routing_settings_changed().await?;
                if new {
                    created(&team)
                } else {
                    ok(&team)
                }
            }
            (["teams", id], Method::Delete) => {
                require_admin(who)?;
                store::delete_team(sql, id)?;
                self.routing_settings_changed().await?;
                ok(&serde_json::json!({ "deleted": id }))
            }
            (["dialogues"], Method::Get) => {
                require_admin(who)?;
                ok(&store::dialogues(sql)?)
            }
            (["dialogue-templates"], Method::Get) => {
                require_admin(who)?;
                ok(&serde_json::json!({ "templates": dialogues::templates() }))
            }
            (["dialogues", "validate"], Method::Post) => {
                require_admin(who)?;
                let d = admin::read_dialogue(req).await?;
                ok(&admin::check_dialogue(&d))
            }
            (["dialogues", "reorder"], Method::Post) => {
                require_admin(who)?;
                dialogues::reorder(sql, &self.memo, req).await
            }
            (["dialogues", id], Method::Get) => {
                require_admin(who)?;
                dialogues::get(sql, id)
            }
            (["dialogues", id], Method::Put) => {
                require_admin(who)?;
                // A malformed precondition is refused before the body is read.
                let pre = dialogues::precondition_of(req)?;
                let d = admin::read_dialogue(req).await?;
                dialogues::put(
                    sql,
                    &self.memo,
                    id,
                    d,
                    pre,
                    dialogues::saved_by(who),
                    now_ms(),
                )
            }
            (["dialogues", id, "versions"], Method::Get) => {
                require_admin(who)?;
                dialogues::list_versions(sql, id)
            }
            (["dialogues", id], Method::Delete) => {
                require_admin(who)?;
                dialogues::delete(sql, &self.memo, id)
            }
            (["conversations"], Method::Get) => {
                require_admin(who)?;
                let status = crate::identity::query_param(req, "status")
                    .map(|s| {
                        serde_json::from_value::<Status>(serde_json::Value::String(s))
                            .map_err(|_| ApiError::BadRequest("unknown status filter".into()))
                    })
                    .transpose()?;
                let person = crate::identity::query_param(req, "person");
                if person
                    .as_ref()
                    .is_some_and(|p| p.is_empty() || p.len() > 200)
                {
                    return Err(ApiError::BadRequest("person must be 1 to 200 bytes".into()));
                }
                let filter = index::Filter { status, person };
                let (found, next) = index::list(sql, &filter, &paging::of(req)?)?;
                paging::respond(&found, ws_id, req, next.as_ref())
            }
            (["conversations", id], Method::Get) => {
                let record = index::get(sql, id)?.ok_or(ApiError::NotFound("conversation"))?;
                // Agents see the conversations they hold; admins see all.
                if !who.is_admin() && record.agent.as_deref() != who.agent_id() {
                    return Err(ApiError::Forbidden);
                }
                let transcript: serde_json::Value = self
                    .stubs
                    .call(
                        &self.env,
                        id,
                        "/internal/transcript",
                        &serde_json::json!({}),
                    )
                    .await?;
                ok(&serde_json::json!({ "conversation": record, "transcript": transcript }))
            }
            _ => Err(ApiError::NotFound("route")),
        }
    }

    /// Operator creates the workspace; returns its admin key (shown once, stored hashed).
    async fn create(&self, req: &mut Request, now: u64) -> ApiResult<Response> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Body {
            id: String,
            name: String,
        }
        if identity_of(req) != Identity::Operator {
            return Err(ApiError::Unauthorized);
        }
        let body: Body = read_json(req, 4 * 1024).await?;
        validate::id("workspace", &body.id)?;
        validate::text("workspace name", &body.name, 100)?;
        if !self.exists.get() {
            store::migrate(&self.sql)?;
            self.exists.set(true);
            // Created in this isolate: nothing to re-arm (see `rearm_once`).
            self.rearmed.set(true);
            crate::alarm::created_in_isolate(&self.state.id().to_string());
        }
        if store::meta(&self.sql)?.is_some() {
            return Err(ApiError::Conflict("workspace"));
        }
        let key = format!("wsk_{}", random_hex(24)?);
        store::put_meta(
            &self.sql,
            &self.memo,
            &store::WorkspaceMeta {
                id: body.id.clone(),
                name: body.name,
                keys: parlor_core::keys::KeyRing::new(sha256_hex(&key)),
                created_at: now,
            },
        )?;
        created(&serde_json::json!({ "id": body.id, "admin_key": key }))
    }

    async fn sync_agent(&self, agent: &store::Agent) -> ApiResult<()> {
        self.run(agent_input(agent), None).await
    }

    /// The settings or a team's hours changed: the router gets them all again.
    async fn routing_settings_changed(&self) -> ApiResult<()> {
        let routing = store::routing_settings(&self.sql)?;
        self.run(WorkspaceInput::Settings { routing }, None).await
    }
}

/// The machine's view of a stored agent.
fn agent_input(a: &store::Agent) -> WorkspaceInput {
    WorkspaceInput::UpsertAgent {
        agent: AgentId::new(a.id.clone()),
        live_chat: a.live_chat,
        teams: a.teams.iter().map(|t| t.as_str().into()).collect(),
        profile: AgentProfile {
            name: a.name.clone(),
            avatar_url: a.avatar_url.clone(),
        },
    }
}
