//! Agents' inbox sockets and admin view sockets on the workspace object.

use parlor_core::protocol::{
    ChatSummary, InboxClientMsg, InboxServerMsg, Presence, PROTOCOL_VERSION,
};
use parlor_core::routing::{RoutingEffect, RoutingError};
use parlor_core::{AgentId, Millis};
use worker::{Response, WebSocket, WebSocketPair};

use crate::error::{ApiError, ApiResult};
use crate::workspace::routing::offer_view;
use crate::workspace::sockets::{agent_connected, agent_tag, send_json, Peer};
use crate::workspace::{index, WorkspaceDO};

impl WorkspaceDO {
    pub(super) async fn open_inbox(&self, agent: &str) -> ApiResult<Response> {
        let pair = WebSocketPair::new()?;
        self.state
            .accept_websocket_with_tags(&pair.server, &[&agent_tag(agent)]);
        pair.server.serialize_attachment(&Peer::Agent {
            agent: agent.to_owned(),
        })?;
        let now = Millis(crate::now_ms());
        let id = AgentId::new(agent);
        // An agent who never chose is available; otherwise their last choice stands.
        let available = if self.has_chosen_presence(agent)? {
            self.read_router(|r| r.agent(&id).map(|v| v.available))?
                .unwrap_or(true)
        } else {
            true
        };
        self.route_op(|r| r.set_presence(&id, true, available, now), None)
            .await?;
        Ok(Response::from_websocket(pair.client)?)
    }

    fn has_chosen_presence(&self, agent: &str) -> ApiResult<bool> {
        Ok(crate::sql::kv_get::<bool>(&self.sql, &format!("chose:{agent}"))?.is_some())
    }

    pub(super) fn open_admin(&self) -> ApiResult<Response> {
        let pair = WebSocketPair::new()?;
        self.state
            .accept_websocket_with_tags(&pair.server, &["admin"]);
        pair.server.serialize_attachment(&Peer::Admin)?;
        Ok(Response::from_websocket(pair.client)?)
    }

    pub(super) async fn inbox_message(
        &self,
        ws: &WebSocket,
        agent: &str,
        text: &str,
    ) -> ApiResult<()> {
        let msg: InboxClientMsg = serde_json::from_str(text)
            .map_err(|e| ApiError::BadRequest(format!("unreadable frame: {e}")))?;
        let now = Millis(crate::now_ms());
        let id = AgentId::new(agent);
        match msg {
            InboxClientMsg::Hello { v } => {
                if v != PROTOCOL_VERSION {
                    let _ = ws.close(Some(4000), Some("unsupported protocol version"));
                    return Ok(());
                }
                send_json(ws, &self.welcome(&id)?);
            }
            InboxClientMsg::SetPresence { presence } => {
                crate::sql::kv_put(&self.sql, &format!("chose:{agent}"), &true)?;
                let available = presence == Presence::Available;
                self.route_op(|r| r.set_presence(&id, true, available, now), None)
                    .await?;
                send_json(ws, &self.welcome(&id)?);
            }
            InboxClientMsg::Accept { offer } => {
                let outcome = self.with_router(|r| r.accept(&id, offer, now))?;
                self.answer_offer(ws, outcome, "This chat can no longer be accepted")
                    .await?;
            }
            InboxClientMsg::Decline { offer } => {
                let outcome = self.with_router(|r| r.decline(&id, offer, now))?;
                self.answer_offer(ws, outcome, "This offer is already gone")
                    .await?;
            }
        }
        Ok(())
    }

    /// Carries out an accepted or declined offer, or tells the agent why it could not be.
    async fn answer_offer(
        &self,
        ws: &WebSocket,
        outcome: Result<Vec<RoutingEffect>, RoutingError>,
        refusal: &str,
    ) -> ApiResult<()> {
        match outcome {
            Ok(effects) => self.carry_out(effects, None).await,
            Err(e) => {
                send_json(
                    ws,
                    &InboxServerMsg::Error {
                        code: "offer_unavailable".into(),
                        message: format!("{refusal}: {e}"),
                    },
                );
                Ok(())
            }
        }
    }

    fn welcome(&self, id: &AgentId) -> ApiResult<InboxServerMsg> {
        let (view, offers, chats, capacity) = self.read_router(|r| {
            let offers: Vec<_> = r
                .offers_of(id)
                .into_iter()
                .map(|o| {
                    let facts = r.offer_facts(o.offer).cloned().unwrap_or_default();
                    offer_view(o.offer, &o.conversation, o.deadline, &facts)
                })
                .collect();
            (r.agent(id), offers, r.chats_of(id), r.settings().capacity)
        })?;
        let mut summaries = Vec::new();
        for (conversation, started_at) in chats {
            let record = index::get(&self.sql, conversation.as_str())?;
            summaries.push(ChatSummary {
                conversation,
                started_at,
                visitor: record
                    .as_ref()
                    .map(|r| r.captured.clone())
                    .unwrap_or_default(),
                page_url: record.map(|r| r.page_url).unwrap_or_default(),
            });
        }
        let presence = match view {
            Some(v) if v.available => Presence::Available,
            _ => Presence::Away,
        };
        Ok(InboxServerMsg::Welcome {
            agent: id.clone(),
            presence,
            offers,
            chats: summaries,
            capacity,
        })
    }

    /// An inbox closed: once the agent has no inbox left (after a short grace for reloads),
    /// the alarm marks them offline and their pending offers move on.
    pub(super) async fn inbox_closed(&self, ws: &WebSocket, agent: &str) -> ApiResult<()> {
        if !agent_connected(&self.state, agent, Some(ws)) {
            self.plan_presence_sweep(Millis(crate::now_ms()))?;
            self.schedule_alarm().await?;
        }
        Ok(())
    }

    /// Index row changed (from a conversation object): store and push to admin views.
    pub(super) fn index_changed(&self, record: &index::Record) -> ApiResult<()> {
        index::put(&self.sql, record)?;
        crate::workspace::sockets::to_admins(
            &self.state,
            &parlor_core::protocol::AdminServerMsg::Conversation {
                record: record.clone(),
            },
        );
        Ok(())
    }
}
