//! `ConversationDO`: one object per conversation. Transcript, captured fields, the visitor's
//! and the agent's sockets (hibernatable), and the inactivity deadline (the object's alarm).
//! Every decision is made by `parlor_core::conversation::Conversation`; this file only stores,
//! sends, and calls the workspace.

mod store;

use std::cell::{Cell, RefCell};

use parlor_core::conversation::{resume_frames, Conversation, ConversationSettings, Effect, Input};
use parlor_core::protocol::{
    ChatClientMsg, ChatServerMsg, Side, TranscriptEvent, MAX_FRAME_BYTES, PROTOCOL_VERSION,
};
use parlor_core::rate::{Limit, RateLimiter};
use parlor_core::{ConversationId, Millis};
use serde::{Deserialize, Serialize};
use worker::{
    durable_object, wasm_bindgen, DurableObject, Env, Request, Response, SqlStorage, State,
    WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

use crate::alarm::AlarmSlot;
use crate::crypto::{constant_time_eq, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::http::{ok, read_json};
use crate::identity::Identity;
use crate::internal::{
    Ack, IndexUpdate, Init, InitReply, OutcomeReply, Released, RouteOutcome, RouteReply,
    RouteRequest,
};
use crate::now_ms;
use crate::rpc::{call, identity_of, workspace_stub};
use crate::workspace::index::{Record, Status};
use store::Meta;

/// Who is on the other end of a socket; kept as the socket's attachment so it survives
/// hibernation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Peer {
    side: Side,
    agent: Option<String>,
}

#[durable_object]
pub struct ConversationDO {
    state: State,
    env: Env,
    sql: SqlStorage,
    /// The loaded conversation; reloaded from storage after hibernation or restart.
    loaded: RefCell<Option<(Meta, Conversation)>>,
    /// Chat messages per side; in memory (a restart forgives).
    says: RefCell<RateLimiter>,
    /// Set once this instance has re-armed its stored alarm (see [`ConversationDO::rearm`]).
    rearmed: Cell<bool>,
    /// When this instance last pushed the conversation to the workspace's index (ms).
    indexed_at: Cell<u64>,
    /// The meta in memory has changes not yet stored.
    meta_unsaved: Cell<bool>,
    alarm_slot: AlarmSlot,
}

/// Who carries out what an input asks of the workspace object.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Caller {
    /// A socket or the alarm: this object calls the workspace.
    Other,
    /// The workspace object, awaiting the reply: the index row goes back in the reply.
    Workspace,
    /// The workspace object starting the conversation: the index row and a live chat
    /// request go back in the reply, and the workspace routes at once.
    WorkspaceStart,
}

/// What [`ConversationDO::apply_as`] hands back to a workspace caller.
#[derive(Default)]
struct Applied {
    refused: bool,
    record: Option<Record>,
    route: Option<RouteRequest>,
    /// What the workspace replied to a live chat request, still to apply.
    follow_ups: Vec<RouteOutcome>,
}

/// How often, at most, a chat's last-message preview is pushed to the Conversations view
/// (status and captured fields go at once). Every push is a write in the one workspace object,
/// so with 1,000 live chats a 5 s period meant 200 writes/s there; each conversation adds up to
/// 5 s of its own (from its id) so that chats started together do not push together.
const INDEX_PREVIEW_EVERY_MS: u64 = 15_000;
const INDEX_PREVIEW_JITTER_MS: u64 = 5_000;

/// A side may send 20 messages at once, then 60 a minute.
const SAY_LIMIT: Limit = Limit {
    burst: 20,
    per_minute: 60,
};

impl DurableObject for ConversationDO {
    fn new(state: State, env: Env) -> Self {
        let sql = state.storage().sql();
        if let Err(e) = store::migrate(&sql) {
            worker::console_error!("conversation schema: {e}");
        }
        ConversationDO {
            state,
            env,
            sql,
            loaded: RefCell::new(None),
            says: RefCell::new(RateLimiter::new(SAY_LIMIT, 4)),
            indexed_at: Cell::new(0),
            meta_unsaved: Cell::new(false),
            alarm_slot: AlarmSlot::default(),
            rearmed: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        if !self.rearmed.replace(true) {
            if let Err(e) = self.rearm().await {
                worker::console_error!("conversation rearm: {e}");
            }
        }
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
        let text = match message {
            WebSocketIncomingMessage::String(s) => s,
            WebSocketIncomingMessage::Binary(_) => {
                return send_error(&ws, "binary_frame", "Send JSON text frames only.");
            }
        };
        if text.len() > MAX_FRAME_BYTES {
            return send_error(&ws, "frame_too_large", "That message is too large.");
        }
        let msg: ChatClientMsg = match serde_json::from_str(&text) {
            Ok(m) => m,
            Err(e) => return send_error(&ws, "bad_frame", &format!("Unreadable frame: {e}")),
        };
        let peer: Option<Peer> = ws.deserialize_attachment().ok().flatten();
        let Some(peer) = peer else {
            let _ = ws.close(Some(1008), Some("unknown peer"));
            return Ok(());
        };
        if let Err(e) = self.on_message(&ws, &peer, msg).await {
            let _ = send_error(&ws, e.code(), &e.to_string());
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
        let _ = ws.close(Some(1000), Some("closing"));
        Ok(())
    }

    async fn alarm(&self) -> worker::Result<Response> {
        // Alarms may fire early, late or twice; the core ignores a tick before its deadline.
        self.alarm_slot.cleared();
        if let Err(e) = self.apply(Input::Tick, None).await {
            worker::console_error!("conversation alarm: {e}");
        }
        Response::ok("ok")
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

/// This conversation's preview period: the base period plus a share of the jitter taken from
/// its id (random hex), the same on every instance.
fn preview_period(conversation: &str) -> u64 {
    let spread = conversation
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    INDEX_PREVIEW_EVERY_MS + spread % INDEX_PREVIEW_JITTER_MS
}

fn status_of(conv: &Conversation) -> Status {
    use parlor_core::conversation::LiveState;
    match conv.live_state() {
        LiveState::None if conv.is_closed() => Status::Ended,
        LiveState::None => Status::Automated,
        LiveState::Requested | LiveState::Offered => Status::Waiting,
        LiveState::Accepted => Status::Live,
        LiveState::Ended => Status::Ended,
        LiveState::Expired => Status::Expired,
        LiveState::FellBack => Status::FellBack,
    }
}

impl ConversationDO {
    /// Local workerd keeps scheduled alarms in memory only, so after a restart the alarm is
    /// gone. On the first request of an instance: run what is due and set the alarm again from
    /// the stored deadline; if the conversation still waits for an agent, wake the workspace so
    /// its offer deadline fires too. Harmless where alarms do persist.
    async fn rearm(&self) -> ApiResult<()> {
        let Some((meta, _)) = self.load()? else {
            return Ok(());
        };
        self.state.storage().delete_alarm().await?;
        self.alarm_slot.cleared();
        self.apply(Input::Tick, None).await?;
        let waiting = self
            .load()?
            .is_some_and(|(_, conv)| conv.live_state().is_pending());
        if waiting {
            let stub = workspace_stub(&self.env, &meta.workspace)?;
            let _: Ack = call(&stub, "/internal/wake", &serde_json::json!({})).await?;
        }
        Ok(())
    }

    async fn dispatch(&self, req: &mut Request) -> ApiResult<Response> {
        let path = req.path();
        match path.as_str() {
            "/internal/init" => {
                let init: Init = read_json(req, 512 * 1024).await?;
                ok(&self.init(init).await?)
            }
            "/internal/check-token" => {
                let hash: String = read_json(req, 1024).await?;
                let ok_token = self
                    .meta()?
                    .is_some_and(|m| constant_time_eq(&m.token_hash, &hash));
                ok(&Ack { ok: ok_token })
            }
            "/internal/outcome" => {
                let outcome: RouteOutcome = read_json(req, 16 * 1024).await?;
                let input = self.outcome_input(outcome)?;
                let applied = self.apply_as(input, None, Caller::Workspace).await?;
                ok(&OutcomeReply {
                    ok: !applied.refused,
                    record: applied.record,
                })
            }
            "/internal/transcript" => {
                let entries = store::entries_after(&self.sql, 0)?;
                let loaded = self.load()?;
                let (meta, conv) = loaded.ok_or(ApiError::NotFound("conversation"))?;
                ok(&serde_json::json!({
                    "entries": entries,
                    "captured": conv.captured(),
                    "live_state": conv.live_state(),
                    "agent": meta.agent,
                    "closed": conv.is_closed(),
                }))
            }
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
                self.accept(Peer {
                    side: Side::Visitor,
                    agent: None,
                })
            }
            "/ws/agent" => {
                let Identity::Agent {
                    workspace, agent, ..
                } = identity_of(req)
                else {
                    return Err(ApiError::Unauthorized);
                };
                let meta = self.meta()?.ok_or(ApiError::NotFound("conversation"))?;
                if meta.workspace != workspace {
                    return Err(ApiError::NotFound("conversation"));
                }
                if meta.agent.as_deref() != Some(agent.as_str()) {
                    return Err(ApiError::Forbidden);
                }
                self.accept(Peer {
                    side: Side::Agent,
                    agent: Some(agent),
                })
            }
            _ => Err(ApiError::NotFound("route")),
        }
    }

    fn accept(&self, peer: Peer) -> ApiResult<Response> {
        let pair = WebSocketPair::new()?;
        let tag = match peer.side {
            Side::Agent => "agent",
            _ => "visitor",
        };
        self.state.accept_websocket_with_tags(&pair.server, &[tag]);
        pair.server.serialize_attachment(&peer)?;
        Ok(Response::from_websocket(pair.client)?)
    }

    fn meta(&self) -> ApiResult<Option<Meta>> {
        Ok(self.load()?.map(|(m, _)| m))
    }

    /// The conversation, from memory or storage. Cloned out so no borrow outlives this call.
    fn load(&self) -> ApiResult<Option<(Meta, Conversation)>> {
        if let Some(loaded) = self.loaded.borrow().as_ref() {
            return Ok(Some(loaded.clone()));
        }
        let found = store::load(&self.sql)?;
        if let Some(loaded) = &found {
            *self.loaded.borrow_mut() = Some(loaded.clone());
        }
        Ok(found)
    }

    /// Notes the agent in memory; the `apply_as` that follows stores it with the state.
    fn set_agent(&self, agent: Option<String>) -> ApiResult<()> {
        let (mut meta, conv) = self.load()?.ok_or(ApiError::NotFound("conversation"))?;
        meta.agent = agent;
        *self.loaded.borrow_mut() = Some((meta, conv));
        self.meta_unsaved.set(true);
        Ok(())
    }

    async fn init(&self, init: Init) -> ApiResult<InitReply> {
        if self.meta()?.is_some() {
            // A retried init is harmless.
            return Ok(InitReply {
                record: None,
                route: None,
            });
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
            agent: None,
            created_at: now.0,
            page_url: init.facts.page_url.clone(),
            dialogue: dialogue_id,
            indexed_status: None,
        };
        // Stored by `apply_as` below, with the first card, in one write.
        *self.loaded.borrow_mut() = Some((meta, conv));
        self.meta_unsaved.set(true);
        // Nothing was stored before, and an alarm is only ever set after a save: this object
        // has no alarm, so the first `schedule` needs no `get_alarm` round trip.
        self.alarm_slot.cleared();
        let facts = init.facts;
        let applied = self
            .apply_as(
                Input::Start {
                    page_url: facts.page_url,
                    language: facts.language,
                    country: facts.country,
                    utm: facts.utm,
                },
                None,
                Caller::WorkspaceStart,
            )
            .await?;
        Ok(InitReply {
            record: applied.record,
            route: applied.route,
        })
    }

    async fn on_message(&self, ws: &WebSocket, peer: &Peer, msg: ChatClientMsg) -> ApiResult<()> {
        let side = peer.side;
        let input = match msg {
            ChatClientMsg::Hello { v, last_seq } => {
                if v != PROTOCOL_VERSION {
                    let _ = send_error(ws, "unsupported_version", "Please reload the page.");
                    let _ = ws.close(Some(4000), Some("unsupported protocol version"));
                    return Ok(());
                }
                let (_, conv) = self.load()?.ok_or(ApiError::NotFound("conversation"))?;
                let entries = store::entries_after(&self.sql, last_seq)?;
                for frame in resume_frames(conv.view(), &entries, last_seq) {
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
            ChatClientMsg::Answer { .. } | ChatClientMsg::Capture { .. } => {
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

    /// Runs one input through the core and carries out its effects: store, then send, then
    /// tell the workspace; then applies what the workspace replied (a fallback).
    /// Returns true when the core refused the input.
    async fn apply(&self, input: Input, origin: Option<&WebSocket>) -> ApiResult<bool> {
        let applied = self.apply_as(input, origin, Caller::Other).await?;
        let mut follow_ups = std::collections::VecDeque::from(applied.follow_ups);
        while let Some(outcome) = follow_ups.pop_front() {
            // A refusal here is benign: the conversation ended meanwhile, and the workspace
            // already heard of that from the input that ended it.
            let input = self.outcome_input(outcome)?;
            follow_ups.extend(self.apply_as(input, None, Caller::Other).await?.follow_ups);
        }
        Ok(applied.refused)
    }

    /// The core input for what routing decided.
    fn outcome_input(&self, outcome: RouteOutcome) -> ApiResult<Input> {
        Ok(match outcome {
            RouteOutcome::Accepted { agent, profile } => {
                self.set_agent(Some(agent.clone()))?;
                Input::Accepted {
                    agent: agent.as_str().into(),
                    profile,
                }
            }
            RouteOutcome::FellBack { kind, text } => Input::FellBack { kind, text },
        })
    }

    /// [`ConversationDO::apply`], for a given caller: when the workspace object is the caller
    /// it gets the index row (and, at start, the live chat request) in its reply rather than
    /// in calls back to it, which saves object-to-object round trips per routed chat.
    async fn apply_as(
        &self,
        input: Input,
        origin: Option<&WebSocket>,
        caller: Caller,
    ) -> ApiResult<Applied> {
        let now = Millis(now_ms());
        let (mut meta, mut conv) = self.load()?.ok_or(ApiError::NotFound("conversation"))?;
        let effects = conv.handle(input, now);
        let mut appended = Vec::new();
        let mut to_workspace = Vec::new();
        let mut replies = Vec::new();
        let mut refused = false;
        for effect in effects {
            match effect {
                Effect::Append(entry) => {
                    store::append(&self.sql, &entry)?;
                    appended.push(entry);
                }
                Effect::Reply(msg) => {
                    if matches!(msg, ChatServerMsg::Error { .. }) {
                        refused = true;
                    }
                    replies.push(msg);
                }
                Effect::Relay(msg) => {
                    for ws in self.state.get_websockets() {
                        if origin.is_none_or(|o| o != &ws) {
                            let _ = send(&ws, &msg);
                        }
                    }
                }
                other => to_workspace.push(other),
            }
        }
        let status = status_of(&conv);
        let status_changed = meta.indexed_status != Some(status);
        meta.indexed_status = Some(status);
        // Meta changes rarely (status, agent); a chat message writes its entry and the state.
        let meta_changed = self.meta_unsaved.replace(false) || status_changed;
        store::save(&self.sql, meta_changed.then_some(&meta), &conv)?;
        *self.loaded.borrow_mut() = Some((meta.clone(), conv.clone()));
        self.schedule(conv.next_deadline()).await?;

        // Stored: now every socket may see it (output gates hold sends until the write is durable).
        let sockets = self.state.get_websockets();
        for entry in &appended {
            let frame = ChatServerMsg::Entry {
                entry: entry.clone(),
            };
            for ws in &sockets {
                let _ = send(ws, &frame);
            }
        }
        // Acks after the entries they acknowledge, so a client never sees `ack N` before `entry N`.
        if let Some(ws) = origin {
            for msg in &replies {
                let _ = send(ws, msg);
            }
        }

        // The Conversations view follows status and captured fields at once; the last-message
        // preview at most every few seconds, so chat traffic does not funnel into the workspace.
        let captured = appended
            .iter()
            .any(|e| matches!(e.event, TranscriptEvent::Captured { .. }));
        let message = appended
            .iter()
            .any(|e| matches!(e.event, TranscriptEvent::Message { .. }));
        let preview_due = message
            && now.0.saturating_sub(self.indexed_at.get()) >= preview_period(&meta.conversation);
        let mut record = None;
        if status_changed || captured || preview_due {
            self.indexed_at.set(now.0);
            record = Some(self.index_record(&meta, &conv, now)?);
        }

        let mut applied = Applied {
            refused,
            ..Applied::default()
        };
        for effect in to_workspace {
            match effect {
                Effect::RequestLiveChat { routing, facts } => {
                    let request = RouteRequest {
                        conversation: meta.conversation.clone(),
                        routing,
                        facts,
                        record: None,
                    };
                    if caller == Caller::WorkspaceStart {
                        applied.route = Some(request);
                    } else {
                        // The index row travels with the request and a fallback comes back in
                        // the reply: one call per routed chat, not three.
                        let request = RouteRequest {
                            record: record.take(),
                            ..request
                        };
                        let stub = workspace_stub(&self.env, &meta.workspace)?;
                        let reply: RouteReply = call(&stub, "/internal/route", &request).await?;
                        applied.follow_ups.extend(reply.outcomes);
                    }
                }
                effect => self.tell_workspace(&meta, effect).await?,
            }
        }
        if let Some(record) = record {
            if caller == Caller::Other {
                let stub = workspace_stub(&self.env, &meta.workspace)?;
                let _: Ack = call(&stub, "/internal/index", &IndexUpdate { record }).await?;
            } else {
                applied.record = Some(record);
            }
        }
        Ok(applied)
    }

    async fn tell_workspace(&self, meta: &Meta, effect: Effect) -> ApiResult<()> {
        let stub = workspace_stub(&self.env, &meta.workspace)?;
        match effect {
            Effect::CancelLiveChat => {
                let _: Ack = call(
                    &stub,
                    "/internal/released",
                    &Released {
                        conversation: meta.conversation.clone(),
                        reason: None,
                    },
                )
                .await?;
            }
            Effect::ReleaseAgent { reason, .. } => {
                let _: Ack = call(
                    &stub,
                    "/internal/released",
                    &Released {
                        conversation: meta.conversation.clone(),
                        reason: Some(reason),
                    },
                )
                .await?;
            }
            Effect::RequestLiveChat { .. }
            | Effect::Closed { .. }
            | Effect::Append(_)
            | Effect::Reply(_)
            | Effect::Relay(_) => {}
        }
        Ok(())
    }

    fn index_record(&self, meta: &Meta, conv: &Conversation, now: Millis) -> ApiResult<Record> {
        let last_message = store::last_message(&self.sql)?;
        Ok(Record {
            id: meta.conversation.clone(),
            created_at: meta.created_at,
            updated_at: now.0,
            dialogue: meta.dialogue.clone(),
            page_url: meta.page_url.clone(),
            status: status_of(conv),
            agent: meta.agent.clone(),
            captured: conv.captured().clone(),
            last_message,
        })
    }

    async fn schedule(&self, deadline: Option<Millis>) -> ApiResult<()> {
        self.alarm_slot
            .ensure(&self.state.storage(), deadline)
            .await
    }
}
