//! `ConversationDO`: one object per conversation. Transcript, captured fields, the visitor's
//! and the agent's sockets (hibernatable), and the inactivity deadline (the object's alarm).
//! Every decision is made by `parlor_core::conversation::Conversation`; this file only stores,
//! sends, and calls the workspace.

mod calls;
mod erase;
mod store;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};
use std::time::Duration;

use parlor_core::conversation::{
    resume_frames_for, Conversation, ConversationSettings, Effect, Input,
};
use parlor_core::guard::{Frame, Verdict};
use parlor_core::link::{ConversationToWorkspace, FromConversation, ToConversation};
use parlor_core::protocol::{
    AgentChatMsg, ChatClientMsg, ChatServerMsg, Side, MAX_FRAME_BYTES, PROTOCOL_VERSION,
};
use parlor_core::rate::{Limit, RateLimiter};
use parlor_core::settings::origin_in;
use parlor_core::{ConversationId, Millis};
use serde::{Deserialize, Serialize};
use worker::{
    durable_object, wasm_bindgen, wasm_bindgen_futures, Delay, DurableObject, Env, Request,
    Response, SqlStorage, State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

use crate::alarm::AlarmSlot;
use crate::crypto::{constant_time_eq, random_hex, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::guards::{chat_frame, Guards, TOO_MANY_REFUSED};
use crate::http::{json_text_response, read_capped};
use crate::identity::Identity;
use crate::internal::{serve_link, Init, InitReply, Initialized, WorkspaceLink};
use crate::now_ms;
use crate::open_sockets::{self, OpenSockets};
use crate::owed::{self, OwedStore};
use crate::peers::SocketPeers;
use crate::rpc::identity_of;
use crate::sql::has_schema;
use crate::workspace::ended;
use store::Meta;

/// Who is on the other end of a socket; kept as the socket's attachment so it survives
/// hibernation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Peer {
    side: Side,
    agent: Option<String>,
    /// The agent's session epoch, from the token that opened the socket.
    #[serde(default)]
    epoch: u64,
    /// A random name for the socket's frame limits.
    #[serde(default)]
    socket: String,
    /// When the agent's session ends (epoch ms; 0: not known): no frame is taken after it.
    #[serde(default)]
    until: u64,
}

/// A frame read from a conversation socket.
enum Incoming {
    Chat(ChatClientMsg),
    Agent(AgentChatMsg),
}

/// What the workspace sends when an agent's sessions end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Revoke {
    pub agent: String,
    /// The agent's new session epoch: tokens of older epochs are refused here from now on.
    pub epoch: u64,
}

/// The object as the platform sees it: a shell around [`ConversationObject`], shared so that
/// its in-memory timer (see [`ConversationObject::wake_for_timer`]) can hold it.
#[durable_object]
pub struct ConversationDO {
    object: Rc<ConversationObject>,
}

impl DurableObject for ConversationDO {
    fn new(state: State, env: Env) -> Self {
        ConversationDO {
            object: ConversationObject::new(state, env),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        self.object.fetch(req).await
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        self.object.websocket_message(ws, message).await
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        self.object.websocket_close(ws).await
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        self.object.socket_gone(&ws).await;
        Ok(())
    }

    async fn alarm(&self) -> worker::Result<Response> {
        self.object.alarm().await;
        Response::ok("ok")
    }
}

/// The link, a method the workspace calls (RPC; see `crate::internal`).
#[wasm_bindgen::prelude::wasm_bindgen(wasm_bindgen_futures = ::worker::wasm_bindgen_futures)]
impl ConversationDO {
    /// The workspace's link call: its batch in, what this conversation says back.
    #[wasm_bindgen(js_name = link)]
    pub async fn link(&self, batch: String) -> Result<String, wasm_bindgen::JsValue> {
        let object = &self.object;
        serve_link(batch, |batch: ToConversation| object.link(batch)).await
    }

    /// The workspace's other calls (`crate::internal::ConversationStubs::call`): `path` names
    /// one, `body` is its JSON; the answer is JSON text, a refusal rejects the call with its
    /// words.
    #[wasm_bindgen(js_name = internal)]
    pub async fn internal(
        &self,
        path: String,
        body: String,
    ) -> Result<String, wasm_bindgen::JsValue> {
        self.object
            .internal(&path, body.as_bytes())
            .await
            .map_err(|e| worker::js_sys::Error::new(&e.to_string()).into())
    }

    /// `webSocketMessage` without the async export's promise and microtask: a chat message
    /// is handled within the call (see `crate::at_once`); `edge/entry.mjs` routes the
    /// platform's `webSocketMessage` here.
    #[wasm_bindgen(js_name = webSocketMessageAtOnce)]
    pub fn websocket_message_at_once(
        &self,
        ws: worker::worker_sys::web_sys::WebSocket,
        message: wasm_bindgen::JsValue,
    ) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
        let message = match message.as_string() {
            Some(text) => WebSocketIncomingMessage::String(text),
            None => {
                WebSocketIncomingMessage::Binary(worker::js_sys::Uint8Array::new(&message).to_vec())
            }
        };
        let object = self.object.clone();
        crate::at_once::at_once(async move {
            object
                .websocket_message(ws.into(), message)
                .await
                .map(|()| wasm_bindgen::JsValue::UNDEFINED)
                .map_err(wasm_bindgen::JsValue::from)
        })
    }

    /// `alarm` without the async export's promise, microtask and `Response` (the platform
    /// ignores what an alarm returns): `edge/entry.mjs` routes the platform's `alarm` here.
    #[wasm_bindgen(js_name = alarmAtOnce)]
    pub fn alarm_at_once(&self) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
        let object = self.object.clone();
        crate::at_once::at_once(async move {
            object.alarm().await;
            Ok(wasm_bindgen::JsValue::UNDEFINED)
        })
    }
}

/// One conversation: its storage, sockets and core machine.
pub struct ConversationObject {
    /// This object, for the timer to hold while it waits.
    me: Weak<ConversationObject>,
    /// When the pending timer fires (an owed preview, a "reconnecting…" notice), if one is.
    timer: Cell<Option<u64>>,
    state: State,
    env: Env,
    sql: SqlStorage,
    /// The loaded conversation; reloaded from storage after hibernation or restart.
    loaded: RefCell<Option<(Meta, Conversation)>>,
    /// Chat messages per side; in memory (a restart forgives).
    says: RefCell<RateLimiter>,
    /// Every other frame kind, per socket.
    guards: Guards,
    /// Set once this instance has re-armed its stored alarm (see [`ConversationObject::rearm`]).
    rearmed: Cell<bool>,
    /// The meta in memory has changes not yet stored.
    meta_unsaved: Cell<bool>,
    /// The stored revoked session epochs, once read (checked on every agent frame).
    revoked: RefCell<Option<BTreeMap<String, u64>>>,
    alarm_slot: AlarmSlot,
    /// This object has tables (`init` ran); until then it answers as an unknown conversation.
    /// `None` until first asked (see [`ConversationObject::exists`]).
    exists: Cell<Option<bool>>,
    /// The stub of its workspace, made once.
    workspace_link: WorkspaceLink,
    /// Who is on each socket (their attachments never change after `accept`).
    peers: SocketPeers<Peer>,
    /// The open sockets of each side, kept (frames are sent without listing them each time).
    open: OpenSockets,
    /// Messages for the workspace whose call failed, sent again first.
    owed: OwedStore<ConversationToWorkspace>,
}

/// The one receiver a conversation owes messages to (see `crate::owed`).
const TO_WORKSPACE: &str = "workspace";

/// Open sockets per side (tag `visitor` or `agent`); one more is refused with 429.
const MAX_SOCKETS_PER_SIDE: usize = 20;

/// A side may send 20 messages at once, then 60 a minute.
const SAY_LIMIT: Limit = Limit {
    burst: 20,
    per_minute: 60,
};

impl ConversationObject {
    fn new(state: State, env: Env) -> Rc<Self> {
        crate::sql::trace_from(&env);
        let sql = state.storage().sql();
        Rc::new_cyclic(|me| ConversationObject {
            me: me.clone(),
            timer: Cell::new(None),
            exists: Cell::new(None),
            state,
            env,
            sql,
            loaded: RefCell::new(None),
            says: RefCell::new(RateLimiter::new(SAY_LIMIT, 4)),
            guards: Guards::default(),
            meta_unsaved: Cell::new(false),
            revoked: RefCell::new(None),
            alarm_slot: AlarmSlot::default(),
            rearmed: Cell::new(false),
            workspace_link: WorkspaceLink::default(),
            peers: SocketPeers::default(),
            open: OpenSockets::default(),
            owed: OwedStore::default(),
        })
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let path = req.path();
        if path.starts_with("/internal/") {
            // The webhook object's transcript; the workspace calls `internal` over RPC.
            let answer = match read_capped(&mut req, calls::MAX_CALL_BYTES).await {
                Ok(body) => self.internal(&path, &body).await,
                Err(e) => Err(e),
            };
            return Ok(match answer {
                Ok(text) => json_text_response(text, 200),
                Err(e) => e.to_response(),
            });
        }
        if !self.exists() {
            return Ok(unknown(&path));
        }
        self.rearm_once().await;
        Ok(match self.dispatch(&mut req).await {
            Ok(resp) => resp,
            Err(e) => e.to_response(),
        })
    }

    /// Whether this object was ever created, asked on an instance's first request or call
    /// rather than when the instance is made: tables are created by `init`, so a request naming
    /// an unknown conversation writes nothing, and a socket's event needs no answer — the
    /// socket was accepted by an instance of this version, which had checked (and brought the
    /// schema up to date), and a deploy closes every socket. So an object woken from
    /// hibernation by a visitor's or agent's frame, the common wake, reads nothing for it.
    fn exists(&self) -> bool {
        if let Some(known) = self.exists.get() {
            return known;
        }
        let exists = store::open(&self.sql).unwrap_or_else(|e| {
            worker::console_error!("conversation schema: {e:?}");
            has_schema(&self.sql)
        });
        self.exists.set(Some(exists));
        exists
    }

    /// The first call of an instance re-arms. A new object's first request is its init:
    /// there is nothing stored to re-arm yet. An object this isolate has seen already kept its
    /// alarm (see `alarm::first_in_isolate`).
    async fn rearm_once(&self) {
        if self.exists()
            && !self.rearmed.replace(true)
            && crate::alarm::first_in_isolate(&self.state.id().to_string())
        {
            if let Err(e) = self.rearm().await {
                worker::console_error!("conversation rearm: {e:?}");
            }
        }
    }

    /// The workspace's link call: what this conversation says back goes in the reply.
    async fn link(&self, batch: ToConversation) -> ApiResult<Vec<ConversationToWorkspace>> {
        if !self.exists() {
            return Err(ApiError::NotFound("conversation"));
        }
        self.rearm_once().await;
        if self.is_erased()? {
            return Ok(erase::answers_after_erasure(&batch));
        }
        let mut out = Vec::new();
        for msg in batch.messages {
            out.extend(self.step(Input::FromWorkspace(msg), None).await?);
        }
        Ok(out)
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        let Some(peer) = self.peers.of(&ws) else {
            let _ = ws.close(Some(1008), Some("unknown peer"));
            return Ok(());
        };
        let now = Millis(now_ms());
        let text = match message {
            WebSocketIncomingMessage::String(s) => s,
            WebSocketIncomingMessage::Binary(_) => {
                return self.refuse(&ws, &peer, "binary_frame", "Send JSON text frames only.");
            }
        };
        if text.len() > MAX_FRAME_BYTES {
            return self.refuse(&ws, &peer, "frame_too_large", "That message is too large.");
        }
        // Either side's frames, or the agent's own (`note`, same tag); the error is the first's.
        let msg = match serde_json::from_str::<ChatClientMsg>(&text) {
            Ok(m) => Incoming::Chat(m),
            Err(e) => match serde_json::from_str::<AgentChatMsg>(&text) {
                Ok(m) => Incoming::Agent(m),
                Err(_) => {
                    let why = format!("Unreadable frame: {e}");
                    return self.refuse(&ws, &peer, "bad_frame", &why);
                }
            },
        };
        let kind = match &msg {
            Incoming::Chat(m) => chat_frame(m),
            // Budgeted like a message (and sharing the agent's say rate limit below).
            Incoming::Agent(AgentChatMsg::Note { .. }) => Frame::Say,
        };
        match self.guards.check(&peer.socket, kind, now) {
            Verdict::Pass => {}
            Verdict::Drop => return Ok(()),
            Verdict::Refuse => {
                let e = ApiError::RateLimited;
                return send_error(&ws, e.code(), &e.to_string());
            }
            Verdict::Close => {
                let _ = ws.close(Some(1008), Some(TOO_MANY_REFUSED));
                return Ok(());
            }
        }
        if let Err(e) = self.on_message(&ws, &peer, msg).await {
            return self.refuse(&ws, &peer, e.code(), &e.to_string());
        }
        Ok(())
    }

    async fn websocket_close(&self, ws: WebSocket) -> worker::Result<()> {
        let _ = ws.close(Some(1000), Some("closing"));
        self.socket_gone(&ws).await;
        Ok(())
    }

    async fn alarm(&self) {
        self.alarm_slot.cleared();
        self.tick("alarm").await;
    }

    /// The alarm or the timer fired. Either may fire early, late or twice; the core
    /// ignores a tick before its deadline.
    async fn tick(&self, what: &str) {
        if matches!(self.is_loaded(), Ok(false)) {
            return;
        }
        if let Err(e) = self.apply(Input::Tick, None).await {
            worker::console_error!("conversation {what}: {e:?}");
        }
    }
}

/// The host of a page URL (`https://shop.example/p` → `shop.example`), or empty.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// What an object with no conversation answers a socket's upgrade, without touching storage
/// (internal calls: `calls::unknown`).
fn unknown(path: &str) -> Response {
    match path {
        "/ws/visitor" => ApiError::Unauthorized.to_response(),
        _ => ApiError::NotFound("conversation").to_response(),
    }
}

fn send(ws: &WebSocket, msg: &ChatServerMsg) -> worker::Result<()> {
    ws.send_with_str(serde_json::to_string(msg)?)
}

fn send_error(ws: &WebSocket, code: &str, message: &str) -> worker::Result<()> {
    send(
        ws,
        &ChatServerMsg::Error {
            code: code.to_owned(),
            message: message.to_owned(),
        },
    )
}

impl ConversationObject {
    /// A frame was refused: answered with an error, or, once the socket has sent too many such
    /// frames, the socket is closed with 1008.
    fn refuse(&self, ws: &WebSocket, peer: &Peer, code: &str, message: &str) -> worker::Result<()> {
        match self.guards.strike(&peer.socket, Millis(now_ms())) {
            Verdict::Close => {
                let _ = ws.close(Some(1008), Some(TOO_MANY_REFUSED));
                Ok(())
            }
            _ => send_error(ws, code, message),
        }
    }

    /// Local workerd keeps scheduled alarms in memory only, so after a restart the alarm is
    /// gone. On the first request of an instance: run what is due and set the alarm again from
    /// the stored deadline; if the conversation still waits for an agent, wake the workspace so
    /// its offer deadline fires too. Harmless where alarms do persist.
    async fn rearm(&self) -> ApiResult<()> {
        let Some(meta) = self.meta()? else {
            return Ok(());
        };
        self.alarm_slot.delete(&self.state.storage()).await?;
        // Sockets survive hibernation but not a restart: tell the core which are open.
        let sockets = Input::Sockets {
            visitor: self.state.get_websockets_with_tag("visitor").len() as u32,
            agent: self.state.get_websockets_with_tag("agent").len() as u32,
        };
        self.apply(sockets, None).await?;
        let waiting = self
            .with_loaded(|_, conv| conv.live_state().is_pending())?
            .unwrap_or(false);
        if waiting {
            // An empty batch: the workspace's first request re-arms its offer deadlines.
            let batch = FromConversation {
                conversation: ConversationId::new(meta.conversation),
                messages: Vec::new(),
            };
            self.deliver(&meta.workspace, &batch).await?;
        }
        Ok(())
    }

    async fn dispatch(&self, req: &mut Request) -> ApiResult<Response> {
        let path = req.path();
        if self.is_erased()? {
            return Err(ApiError::Erased);
        }
        match path.as_str() {
            "/ws/visitor" => {
                let token = req
                    .headers()
                    .get("x-parlor-visitor-token")?
                    .ok_or(ApiError::Unauthorized)?;
                let meta = self.meta()?.ok_or(ApiError::Unauthorized)?;
                let secret = token.split_once('.').map(|(_, s)| s).unwrap_or_default();
                if !constant_time_eq(&sha256_hex(secret), &meta.token_hash) {
                    return Err(ApiError::Unauthorized);
                }
                // A token obtained on an allowed page is no pass for another site's page.
                let origin = req.headers().get("origin")?;
                let allowed = meta.allowed_origins.as_deref().unwrap_or_default();
                if !origin_in(allowed, origin.as_deref()) {
                    return Err(ApiError::OriginNotAllowed);
                }
                self.room_for("visitor")?;
                self.accept(Peer {
                    side: Side::Visitor,
                    agent: None,
                    epoch: 0,
                    socket: random_hex(8)?,
                    until: 0,
                })
                .await
            }
            "/ws/agent" => {
                let Identity::Agent {
                    workspace,
                    agent,
                    epoch,
                    expiry,
                    ..
                } = identity_of(req)
                else {
                    return Err(ApiError::Unauthorized);
                };
                let meta = self.meta()?.ok_or(ApiError::NotFound("conversation"))?;
                if meta.workspace != workspace {
                    return Err(ApiError::NotFound("conversation"));
                }
                let holds =
                    self.with_loaded(|_, c| c.agent().is_some_and(|a| a.as_str() == agent))?;
                if holds != Some(true) {
                    return Err(ApiError::Forbidden);
                }
                // A socket opened with a token whose session ended meanwhile (the workspace
                // checked it a moment before the revocation arrived here).
                if self.revoked(&agent, epoch)? {
                    return Err(ApiError::Unauthorized);
                }
                self.room_for("agent")?;
                self.accept(Peer {
                    side: Side::Agent,
                    agent: Some(agent),
                    epoch,
                    socket: random_hex(8)?,
                    until: expiry,
                })
                .await
            }
            _ => Err(ApiError::NotFound("route")),
        }
    }

    /// Each socket gets frame budgets of its own, so one side's sockets are bounded: a
    /// visitor's tabs, an agent's windows are a handful, never hundreds.
    fn room_for(&self, side: &str) -> ApiResult<()> {
        if self.state.get_websockets_with_tag(side).len() >= MAX_SOCKETS_PER_SIDE {
            return Err(ApiError::RateLimited);
        }
        Ok(())
    }

    async fn accept(&self, peer: Peer) -> ApiResult<Response> {
        let pair = WebSocketPair::new()?;
        let tag = match peer.side {
            Side::Agent => "agent",
            _ => "visitor",
        };
        self.state.accept_websocket_with_tags(&pair.server, &[tag]);
        self.open.opened(tag, &pair.server);
        pair.server.serialize_attachment(&peer)?;
        self.peers.remember(&pair.server, peer.clone());
        self.apply(Input::SocketOpened { side: peer.side }, None)
            .await?;
        Ok(Response::from_websocket(pair.client)?)
    }

    /// Whether `agent`'s session of `epoch` ended (a newer epoch was revoked here).
    fn revoked(&self, agent: &str, epoch: u64) -> ApiResult<bool> {
        if self.revoked.borrow().is_none() {
            *self.revoked.borrow_mut() = Some(store::revoked_epochs(&self.sql)?);
        }
        Ok(self
            .revoked
            .borrow()
            .as_ref()
            .and_then(|r| r.get(agent))
            .is_some_and(|&newer| epoch < newer))
    }

    async fn socket_gone(&self, ws: &WebSocket) {
        let peer = self.peers.take(ws);
        self.open.closed(&self.state, ws);
        if matches!(self.is_loaded(), Ok(false)) {
            // Erased (or never started): nobody is left to tell.
            return;
        }
        if let Some(peer) = peer {
            self.guards.forget(&peer.socket);
            if let Err(e) = self
                .apply(Input::SocketClosed { side: peer.side }, None)
                .await
            {
                worker::console_error!("conversation socket close: {e:?}");
            }
        }
    }

    fn meta(&self) -> ApiResult<Option<Meta>> {
        self.with_loaded(|meta, _| meta.clone())
    }

    /// The conversation, from memory or storage, cloned out (for the rare paths that keep it
    /// across an await).
    fn load(&self) -> ApiResult<Option<(Meta, Conversation)>> {
        self.with_loaded(|meta, conv| (meta.clone(), conv.clone()))
    }

    /// Whether there is a conversation here (loading it if needed).
    fn is_loaded(&self) -> ApiResult<bool> {
        Ok(self.with_loaded(|_, _| ())?.is_some())
    }

    /// Runs `f` on the conversation, from memory or storage, without copying it; `None` when
    /// there is none. The borrow ends with `f`, so none outlives this call.
    fn with_loaded<T>(&self, f: impl FnOnce(&Meta, &Conversation) -> T) -> ApiResult<Option<T>> {
        if self.loaded.borrow().is_none() {
            let (found, owed) = store::load(&self.sql, &owed::key(TO_WORKSPACE))?;
            self.owed.prime_single(TO_WORKSPACE, owed.as_deref())?;
            if let Some(found) = found {
                // Its parts and entries were read: its tables exist (see `exists`), so the
                // workspace's call that follows a visitor's frame asks nothing more.
                self.exists.set(Some(true));
                *self.loaded.borrow_mut() = Some(found);
            }
        }
        Ok(self
            .loaded
            .borrow()
            .as_ref()
            .map(|(meta, conv)| f(meta, conv)))
    }

    async fn init(&self, init: Init) -> ApiResult<InitReply> {
        if !self.exists() {
            store::migrate(&self.sql)?;
            self.exists.set(Some(true));
            // Created by this instance: its alarm, set below, is this process's to keep, so
            // neither this instance nor a later one in this isolate re-arms it.
            self.rearmed.set(true);
            crate::alarm::created_in_isolate(&self.state.id().to_string());
            // Its tables did not exist: nothing is stored, nothing owed (no read to ask).
            self.owed.prime_single(TO_WORKSPACE, None)?;
        } else if let Some(again) = self.restated(&init)? {
            // A retried init (the start tried again with its key) changes nothing here.
            return Ok(again);
        }
        let now = Millis(now_ms());
        let settings = ConversationSettings::from(&init.settings);
        let dialogue_id = init.dialogue.id.to_string();
        let conv = Conversation::new(
            ConversationId::new(init.conversation.clone()),
            init.dialogue,
            settings,
            now,
        );
        let meta = Meta {
            workspace: init.workspace,
            conversation: init.conversation,
            token_hash: init.token_hash,
            created_at: now.0,
            page_url: init.facts.page_url.clone(),
            dialogue: dialogue_id,
            allowed_origins: Some(init.settings.allowed_origins.clone()),
        };
        // Stored by `step` below, with the first card, in one write.
        *self.loaded.borrow_mut() = Some((meta, conv));
        self.meta_unsaved.set(true);
        // Nothing was stored before, and an alarm is only ever set after a save: this object
        // has no alarm, so the first `schedule` needs no `get_alarm` round trip.
        self.alarm_slot.cleared();
        let facts = init.facts;
        let messages = self
            .step(
                Input::Start {
                    page_url: facts.page_url,
                    language: facts.language,
                    country: facts.country,
                    utm: facts.utm,
                    identity: facts.identity,
                },
                None,
            )
            .await?;
        Ok(InitReply::Made(Initialized {
            created: true,
            messages,
        }))
    }

    /// For an init of a conversation that exists: what it restates to its workspace, which
    /// may have missed its first reply. Only for the same start (the token's hash, made from
    /// the same key, matches; another start's is `Taken`); `None` when there is no
    /// conversation here yet.
    fn restated(&self, init: &Init) -> ApiResult<Option<InitReply>> {
        let now = Millis(now_ms());
        let again = self.with_loaded(|meta, conv| {
            (constant_time_eq(&meta.token_hash, &init.token_hash)
                && meta.workspace == init.workspace)
                .then(|| conv.restate(now))
        })?;
        Ok(again.map(|same| match same {
            Some(messages) => InitReply::Made(Initialized {
                created: false,
                messages,
            }),
            None => InitReply::Taken,
        }))
    }

    async fn on_message(&self, ws: &WebSocket, peer: &Peer, msg: Incoming) -> ApiResult<()> {
        let side = peer.side;
        if side == Side::Agent {
            // Checked on every frame: an agent removed or replaced since the socket opened
            // can no longer read or write this chat.
            let holder = self.with_loaded(|_, c| c.agent().cloned())?.flatten();
            if holder.as_ref().map(|a| a.as_str()) != peer.agent.as_deref() {
                let _ = ws.close(Some(4001), Some("this chat is no longer yours"));
                return Ok(());
            }
            let ended = match &peer.agent {
                Some(agent) => self.revoked(agent, peer.epoch)?,
                None => true,
            };
            if ended {
                let _ = ws.close(Some(4001), Some(ended::SESSION_ENDED));
                return Ok(());
            }
            if peer.until != 0 && peer.until <= now_ms() {
                let _ = ws.close(Some(4001), Some(ended::SESSION_EXPIRED));
                return Ok(());
            }
        }
        let msg = match msg {
            Incoming::Chat(m) => m,
            // Only the agent holding the chat (checked above) writes internal notes.
            Incoming::Agent(AgentChatMsg::Note { client_id, text }) => {
                if side != Side::Agent {
                    return Err(ApiError::Forbidden);
                }
                if !self.says.borrow_mut().allow("agent", Millis(now_ms())) {
                    return Err(ApiError::RateLimited);
                }
                return self.apply(Input::Note { client_id, text }, Some(ws)).await;
            }
        };
        let input = match msg {
            ChatClientMsg::Hello { v, last_seq } => {
                if v != PROTOCOL_VERSION {
                    let _ = send_error(ws, "unsupported_version", "Please reload the page.");
                    let _ = ws.close(Some(4000), Some("unsupported protocol version"));
                    return Ok(());
                }
                // Answered from what is stored: `hello` changes nothing and writes nothing.
                // The visitor's numbers leave out internal notes: core says what to read.
                let (view, presence, from) = self
                    .with_loaded(|_, conv| {
                        (
                            conv.view_for(side),
                            conv.presence_after_replay(side),
                            conv.replay_from(side, last_seq),
                        )
                    })?
                    .ok_or(ApiError::NotFound("conversation"))?;
                let entries = match from {
                    Some(from) => store::entries_after(&self.sql, from)?,
                    None => Vec::new(),
                };
                for frame in resume_frames_for(side, view, &entries, last_seq) {
                    send(ws, &frame)?;
                }
                // After the replay: whether the other side is gone right now.
                if let Some(frame) = presence {
                    send(ws, &frame)?;
                }
                return Ok(());
            }
            ChatClientMsg::Answer { card, button } if side == Side::Visitor => {
                Input::Answer { card, button }
            }
            ChatClientMsg::Capture { card, values } if side == Side::Visitor => {
                Input::Capture { card, values }
            }
            ChatClientMsg::LeaveMessage {
                client_id,
                email,
                text,
            } if side == Side::Visitor => Input::LeaveMessage {
                client_id,
                email,
                text,
            },
            ChatClientMsg::EmailTranscript if side == Side::Visitor => Input::EmailTranscript,
            ChatClientMsg::Answer { .. }
            | ChatClientMsg::Capture { .. }
            | ChatClientMsg::LeaveMessage { .. }
            | ChatClientMsg::EmailTranscript => {
                return Err(ApiError::Forbidden);
            }
            ChatClientMsg::Say { client_id, text } => {
                let key = if side == Side::Agent {
                    "agent"
                } else {
                    "visitor"
                };
                if !self.says.borrow_mut().allow(key, Millis(now_ms())) {
                    return Err(ApiError::RateLimited);
                }
                Input::Say {
                    from: side,
                    client_id,
                    text,
                }
            }
            ChatClientMsg::Typing { on } => Input::Typing { from: side, on },
            ChatClientMsg::End => Input::End { by: side },
        };
        self.apply(input, Some(ws)).await?;
        Ok(())
    }

    /// Runs one input through the core and carries out its effects; what the conversation
    /// says to the workspace is delivered, and the workspace's answers are applied in turn. A
    /// delivery that fails is owed and retried by the alarm: not the input's error.
    async fn apply(&self, input: Input, origin: Option<&WebSocket>) -> ApiResult<()> {
        let messages = self.step(input, origin).await?;
        // What a failed call left owed goes first (almost always nothing, read once).
        let mut outgoing = self.owed.take(&self.sql, TO_WORKSPACE)?;
        if messages.is_empty() && outgoing.is_empty() {
            // Most chat messages: nothing for the workspace.
            return Ok(());
        }
        outgoing.extend(messages);
        let Some(meta) = self.meta()? else {
            return Ok(());
        };
        while !outgoing.is_empty() {
            let batch = FromConversation {
                conversation: ConversationId::new(meta.conversation.clone()),
                messages: std::mem::take(&mut outgoing),
            };
            let answer = match self.deliver(&meta.workspace, &batch).await {
                Ok(answer) => answer,
                Err(e) => {
                    // Kept, and tried again by the alarm: a lead or a request is never lost
                    // to a workspace being replaced or overloaded. The input itself was
                    // handled and stored, so the socket that sent it hears no error (nor gets
                    // a strike for the server's failure), and a socket being opened opens.
                    let now = Millis(now_ms());
                    let retry = self
                        .owed
                        .failed(&self.sql, TO_WORKSPACE, batch.messages, now)?;
                    self.schedule(retry).await?;
                    worker::console_error!("conversation → workspace, retried later: {e:?}");
                    return Ok(());
                }
            };
            self.owed.delivered(&self.sql, TO_WORKSPACE)?;
            for msg in answer.messages {
                outgoing.extend(self.step(Input::FromWorkspace(msg), None).await?);
            }
        }
        Ok(())
    }

    async fn deliver(
        &self,
        workspace: &str,
        batch: &FromConversation,
    ) -> ApiResult<ToConversation> {
        self.workspace_link.call(&self.env, workspace, batch).await
    }

    /// One input through the core: store, then send to sockets; returns the messages for
    /// the workspace (the caller delivers them, or returns them in its reply).
    async fn step(
        &self,
        input: Input,
        origin: Option<&WebSocket>,
    ) -> ApiResult<Vec<ConversationToWorkspace>> {
        let now = Millis(now_ms());
        if !self.is_loaded()? {
            return Err(ApiError::NotFound("conversation"));
        }
        // Taken out (not copied) for the synchronous section below and put back before the
        // first await; on an error it stays out, so the next event loads what was stored.
        let (meta, mut conv) = self
            .loaded
            .borrow_mut()
            .take()
            .ok_or(ApiError::NotFound("conversation"))?;
        let effects = conv.handle(input, now);
        let mut appended = Vec::new();
        let mut to_workspace = Vec::new();
        let mut replies = Vec::new();
        let mut to_agents = Vec::new();
        let mut to_visitors = Vec::new();
        let mut close_agents = false;
        let mut mail_to = None;
        let mut persist = false;
        for effect in effects {
            match effect {
                Effect::Append(entry) => appended.push(entry),
                Effect::Reply(msg) => replies.push(msg),
                Effect::Relay(msg) => {
                    for tag in open_sockets::TAGS {
                        self.open.each(&self.state, tag, |ws| {
                            if origin.is_none_or(|o| o != ws) {
                                let _ = send(ws, &msg);
                            }
                        });
                    }
                }
                Effect::ToWorkspace(msg) => to_workspace.push(msg),
                Effect::ToAgents(msg) => to_agents.push(msg),
                Effect::ToVisitors(msg) => to_visitors.push(msg),
                Effect::CloseAgentSockets => close_agents = true,
                Effect::Persist => persist = true,
                Effect::Closed { .. } => {}
                Effect::MailTranscript { to } => mail_to = Some(to),
            }
        }
        store::append(&self.sql, &appended)?;
        if let Some(to) = mail_to {
            // Rendered from what is stored (the entries just appended included).
            let entries = store::entries_after(&self.sql, 0)?;
            let email = parlor_core::transcript_mail::render(&entries);
            let site = host_of(&meta.page_url);
            to_workspace.push(ConversationToWorkspace::MailVisitor { to, email, site });
        }
        // The entries above, and the state only when the core says it changed: a chat message
        // is one row. All in this synchronous section, so one commit.
        if self.meta_unsaved.replace(false) {
            store::create(&self.sql, &meta, &conv)?;
        } else if persist {
            store::save_state(&self.sql, &conv)?;
        }
        let deadline = conv.alarm_deadline();
        let timer_due = conv.timer_due();
        // What the visitor's sockets get of these entries: never a note (core decides).
        let for_visitors = if appended.is_empty() {
            Vec::new()
        } else {
            conv.to_visitors(&appended)
        };
        *self.loaded.borrow_mut() = Some((meta, conv));
        self.schedule(deadline).await?;
        self.wake_for_timer(timer_due);

        // Stored: now every socket may see it (output gates hold sends until the write is durable).
        // Each frame is serialized once, whatever the number of sockets.
        // Agents get every entry; visitors get core's copy of them (no notes, their numbers).
        let mut frames = Vec::with_capacity(appended.len());
        for entry in &appended {
            let frame = serde_json::to_string(&ChatServerMsg::Entry {
                entry: entry.clone(),
            })?;
            self.open.each(&self.state, "agent", |ws| {
                let _ = ws.send_with_str(&frame);
            });
            frames.push(frame);
        }
        for (i, entry) in for_visitors.into_iter().enumerate() {
            // Without notes the visitor's copy is the agent's: its frame is made once.
            let made;
            let frame = match (appended.get(i), frames.get(i)) {
                (Some(same), Some(frame)) if *same == entry => frame,
                _ => {
                    made = serde_json::to_string(&ChatServerMsg::Entry { entry })?;
                    &made
                }
            };
            self.open.each(&self.state, "visitor", |ws| {
                let _ = ws.send_with_str(frame);
            });
        }
        // Acks after the entries they acknowledge, so a client never sees `ack N` before `entry N`.
        if let Some(ws) = origin {
            for msg in &replies {
                let _ = send(ws, msg);
            }
        }
        for msg in &to_agents {
            let frame = serde_json::to_string(msg)?;
            self.open.each(&self.state, "agent", |ws| {
                let _ = ws.send_with_str(&frame);
            });
        }
        if close_agents {
            let reason = "this chat is no longer yours";
            self.open.close_all(&self.state, "agent", 4001, reason);
        }
        for msg in &to_visitors {
            let frame = serde_json::to_string(msg)?;
            self.open.each(&self.state, "visitor", |ws| {
                let _ = ws.send_with_str(&frame);
            });
        }
        Ok(to_workspace)
    }

    /// What need not survive a restart (`Conversation::timer_due`: an owed preview's flush, if
    /// no message carries it first; the visitor's "reconnecting…" notice): a timer in memory,
    /// not the alarm, so it costs no storage write. The pending timer keeps the object from
    /// hibernating until it fires; a restart loses it, and the tick then comes with the
    /// conversation's next input.
    fn wake_for_timer(&self, due: Option<Millis>) {
        let Some(due) = due else {
            return;
        };
        if self.timer.get().is_some_and(|at| at <= due.0) {
            return;
        }
        let Some(me) = self.me.upgrade() else {
            return;
        };
        self.timer.set(Some(due.0));
        let wait = Duration::from_millis(due.0.saturating_sub(now_ms()));
        wasm_bindgen_futures::spawn_local(async move {
            Delay::from(wait).await;
            if me.timer.get() == Some(due.0) {
                me.timer.set(None);
            }
            me.tick("timer").await;
        });
    }

    async fn schedule(&self, deadline: Option<Millis>) -> ApiResult<()> {
        self.alarm_slot
            .ensure(&self.state.storage(), deadline)
            .await
    }
}
