//! The workspace object's routing adapter: loads and stores the core `Router`, feeds it
//! requests, presence and accept/decline, and carries out the effects it returns: offers to
//! agents' inboxes, outcomes to conversation objects, audit rows, failed-action emails.

use parlor_core::failed_action::FailedAction;
use parlor_core::protocol::{AgentProfile, ChatSummary, EndReason, InboxServerMsg, OfferView};
use parlor_core::routing::{
    AuditEntry, Changes, Chat, FallbackReason, Pending, Router, RouterHead, RoutingEffect,
    VisitorFacts,
};
use parlor_core::{AgentId, ConversationId, Millis, WorkspaceId};

use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::internal::{OutcomeReply, RouteOutcome};
use crate::mailer::Mailer;
use crate::rpc::{call, conversation_stub};
use crate::sql::{exec, int, kv_get, kv_put, rows};
use crate::workspace::sockets::{agent_connected, to_agent};
use crate::workspace::{index, store, WorkspaceDO};

/// The whole router as one JSON value: the old format, read once and converted to parts.
const LEGACY_ROUTER_KEY: &str = "router";
/// The router without its offers and chats (settings, agents, teams, cursors, counters).
const HEAD_KEY: &str = "router_head";

#[derive(Deserialize)]
struct OfferRow {
    offer: u64,
    body: String,
}

#[derive(Deserialize)]
struct ChatRow {
    conversation: String,
    body: String,
}

impl WorkspaceDO {
    /// Runs `f` on the router (loaded once per object instance) and stores what changed.
    /// Synchronous: no borrow of the router ever spans an await.
    pub(super) fn with_router<T>(&self, f: impl FnOnce(&mut Router) -> T) -> ApiResult<T> {
        self.on_router(true, f)
    }

    /// Reads the router without storing it again.
    pub(super) fn read_router<T>(&self, f: impl FnOnce(&Router) -> T) -> ApiResult<T> {
        self.on_router(false, |r| f(r))
    }

    fn on_router<T>(&self, persist: bool, f: impl FnOnce(&mut Router) -> T) -> ApiResult<T> {
        let mut slot = self.router.borrow_mut();
        if slot.is_none() {
            let router = self.load_router()?;
            // Loaded afresh: after a restart no inbox is connected yet; agents still marked
            // online get a grace period to reconnect (checked by the alarm).
            if router
                .agents()
                .any(|a| router.agent(a).is_some_and(|v| v.online))
            {
                self.plan_presence_sweep(Millis(crate::now_ms()))?;
            }
            *slot = Some(router);
        }
        let router = slot
            .as_mut()
            .ok_or_else(|| ApiError::Internal("router not loaded".into()))?;
        let out = f(router);
        if persist {
            let changes = router.take_changes();
            self.store_router(router, changes)?;
        }
        Ok(out)
    }

    /// Stores the router in parts: the head when it changed, and one row per offer or chat
    /// that was inserted or removed. A new chat costs two small rows, not the whole router
    /// (which grows with every open chat). All in one synchronous section, so the writes
    /// commit together.
    fn store_router(&self, router: &Router, changes: Changes) -> ApiResult<()> {
        let head = serde_json::to_string(&router.head())?;
        if *self.stored_head.borrow() != head {
            exec(
                &self.sql,
                "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                vec![HEAD_KEY.into(), head.as_str().into()],
            )?;
            *self.stored_head.borrow_mut() = head;
        }
        for offer in changes.pending {
            match router.pending_part(offer) {
                Some(p) => exec(
                    &self.sql,
                    "INSERT INTO router_offers (offer, body) VALUES (?, ?) ON CONFLICT(offer) DO UPDATE SET body = excluded.body",
                    vec![int(offer), serde_json::to_string(p)?.into()],
                )?,
                None => exec(
                    &self.sql,
                    "DELETE FROM router_offers WHERE offer = ?",
                    vec![int(offer)],
                )?,
            }
        }
        for conversation in changes.chats {
            match router.chat_part(&conversation) {
                Some(c) => exec(
                    &self.sql,
                    "INSERT INTO router_chats (conversation, body) VALUES (?, ?) ON CONFLICT(conversation) DO UPDATE SET body = excluded.body",
                    vec![conversation.as_str().into(), serde_json::to_string(c)?.into()],
                )?,
                None => exec(
                    &self.sql,
                    "DELETE FROM router_chats WHERE conversation = ?",
                    vec![conversation.as_str().into()],
                )?,
            }
        }
        Ok(())
    }

    fn load_router(&self) -> ApiResult<Router> {
        if let Some(head) = kv_get::<RouterHead>(&self.sql, HEAD_KEY)? {
            let offers: Vec<OfferRow> =
                rows(&self.sql, "SELECT offer, body FROM router_offers", vec![])?;
            let chats: Vec<ChatRow> = rows(
                &self.sql,
                "SELECT conversation, body FROM router_chats",
                vec![],
            )?;
            let offers = offers
                .into_iter()
                .map(|r| Ok((r.offer, serde_json::from_str::<Pending>(&r.body)?)))
                .collect::<ApiResult<Vec<_>>>()?;
            let chats = chats
                .into_iter()
                .map(|r| {
                    Ok((
                        ConversationId::new(r.conversation),
                        serde_json::from_str::<Chat>(&r.body)?,
                    ))
                })
                .collect::<ApiResult<Vec<_>>>()?;
            let router = Router::from_parts(head, offers, chats)
                .map_err(|e| ApiError::Internal(format!("stored router: {e}")))?;
            *self.stored_head.borrow_mut() = serde_json::to_string(&router.head())?;
            return Ok(router);
        }
        let router = match kv_get::<Router>(&self.sql, LEGACY_ROUTER_KEY)? {
            Some(router) => router,
            None => {
                let settings = store::settings(&self.sql)?;
                let mut router = Router::new(settings.routing());
                let now = Millis(crate::now_ms());
                for a in store::agents(&self.sql)? {
                    router.upsert_agent(
                        AgentId::new(a.id),
                        a.live_chat,
                        a.teams.into_iter().map(Into::into).collect(),
                        now,
                    );
                }
                router
            }
        };
        // First store in parts (converting the old whole-router value, if any).
        let mut router = router;
        router.take_changes();
        self.store_router(&router, router.all_changed())?;
        exec(
            &self.sql,
            "DELETE FROM kv WHERE key = ?",
            vec![LEGACY_ROUTER_KEY.into()],
        )?;
        Ok(router)
    }

    /// Applies a router operation, then carries out every effect (and the effects of those).
    pub(super) async fn route_op(
        &self,
        op: impl FnOnce(&mut Router) -> Vec<RoutingEffect>,
        closed_reason: Option<EndReason>,
    ) -> ApiResult<()> {
        let effects = self.with_router(op)?;
        self.carry_out(effects, closed_reason).await
    }

    pub(super) async fn carry_out(
        &self,
        effects: Vec<RoutingEffect>,
        closed_reason: Option<EndReason>,
    ) -> ApiResult<()> {
        self.carry_out_for(effects, closed_reason, None)
            .await
            .map(drop)
    }

    /// [`WorkspaceDO::carry_out`]; what concerns `reply_to` (the conversation awaiting our
    /// reply: an immediate fallback) is returned instead of told to it by a call back.
    pub(super) async fn carry_out_for(
        &self,
        effects: Vec<RoutingEffect>,
        closed_reason: Option<EndReason>,
        reply_to: Option<&ConversationId>,
    ) -> ApiResult<Vec<RouteOutcome>> {
        let now = Millis(crate::now_ms());
        let mut replies = Vec::new();
        // Audit rows first, in the same synchronous section as the router write: a decision is
        // stored and audited before any socket or object hears of it.
        let mut queue = self.write_audits(effects)?;
        while let Some(effect) = queue.pop_front() {
            match effect {
                RoutingEffect::FellBack {
                    conversation,
                    kind,
                    reason,
                    facts,
                } if reply_to == Some(&conversation) => {
                    self.fell_back(conversation, reason, &facts, now).await?;
                    replies.push(RouteOutcome::FellBack {
                        kind,
                        text: String::new(),
                    });
                }
                effect => {
                    let more = self.carry_out_one(effect, closed_reason, now).await?;
                    queue.extend(self.write_audits(more)?);
                }
            }
        }
        self.schedule_alarm().await?;
        Ok(replies)
    }

    /// Shows the Accept banner on the agent's inboxes.
    fn offer_to_agent(
        &self,
        offer: u64,
        conversation: &ConversationId,
        agent: &AgentId,
        deadline: Millis,
    ) -> ApiResult<()> {
        let facts = self
            .read_router(|r| r.offer_facts(offer).cloned())?
            .unwrap_or_default();
        to_agent(
            &self.state,
            agent.as_str(),
            &InboxServerMsg::Offered {
                offer: offer_view(offer, conversation, deadline, &facts),
            },
        );
        Ok(())
    }

    /// Writes the audit rows among `effects`; returns the other effects, in order.
    fn write_audits(
        &self,
        effects: Vec<RoutingEffect>,
    ) -> ApiResult<std::collections::VecDeque<RoutingEffect>> {
        let mut rest = std::collections::VecDeque::with_capacity(effects.len());
        for effect in effects {
            match effect {
                RoutingEffect::Audit(entry) => self.write_audit(&entry)?,
                other => rest.push_back(other),
            }
        }
        Ok(rest)
    }

    fn write_audit(&self, entry: &AuditEntry) -> ApiResult<()> {
        exec(
            &self.sql,
            "INSERT INTO audit (at, conversation, body) VALUES (?, ?, ?)",
            vec![
                int(entry.at.0),
                entry.conversation.as_str().into(),
                serde_json::to_string(entry)?.into(),
            ],
        )
    }

    async fn carry_out_one(
        &self,
        effect: RoutingEffect,
        closed_reason: Option<EndReason>,
        now: Millis,
    ) -> ApiResult<Vec<RoutingEffect>> {
        match effect {
            // `carry_out_for` writes audit rows before anything else; kept for completeness.
            RoutingEffect::Audit(entry) => {
                self.write_audit(&entry)?;
                Ok(vec![])
            }
            RoutingEffect::Offered {
                offer,
                conversation,
                agent,
                deadline,
            } => {
                // Only the agent hears of an offer. The conversation stays "waiting" until an
                // agent accepts (the workspace owns offers and their deadlines), and if it ends
                // meanwhile its cancel reaches the router after this request, which withdraws it.
                self.offer_to_agent(offer, &conversation, &agent, deadline)?;
                Ok(vec![])
            }
            RoutingEffect::OfferWithdrawn {
                offer,
                agent,
                reason,
                ..
            } => {
                let reason = serde_json::to_value(reason)?
                    .as_str()
                    .unwrap_or("withdrawn")
                    .to_owned();
                to_agent(
                    &self.state,
                    agent.as_str(),
                    &InboxServerMsg::OfferWithdrawn { offer, reason },
                );
                Ok(vec![])
            }
            RoutingEffect::Accepted {
                conversation,
                agent,
                ..
            } => {
                let stored = store::agent(&self.sql, agent.as_str())?;
                let profile = AgentProfile {
                    name: stored
                        .as_ref()
                        .map(|a| a.name.clone())
                        .unwrap_or_else(|| agent.to_string()),
                    avatar_url: stored.and_then(|a| a.avatar_url),
                };
                let ack = self
                    .tell(
                        &conversation,
                        &RouteOutcome::Accepted {
                            agent: agent.to_string(),
                            profile,
                        },
                    )
                    .await?;
                if !ack.ok {
                    // The conversation ended meanwhile: free the slot at once.
                    return self.with_router(|r| r.release(&conversation, now));
                }
                let record = index::get(&self.sql, conversation.as_str())?;
                to_agent(
                    &self.state,
                    agent.as_str(),
                    &InboxServerMsg::ChatStarted {
                        chat: ChatSummary {
                            conversation: conversation.clone(),
                            started_at: now,
                            visitor: record
                                .as_ref()
                                .map(|r| r.captured.clone())
                                .unwrap_or_default(),
                            page_url: record.map(|r| r.page_url).unwrap_or_default(),
                        },
                    },
                );
                Ok(vec![])
            }
            RoutingEffect::FellBack {
                conversation,
                kind,
                reason,
                facts,
            } => {
                let _ = self
                    .tell(
                        &conversation,
                        &RouteOutcome::FellBack {
                            kind,
                            text: String::new(),
                        },
                    )
                    .await?;
                self.fell_back(conversation, reason, &facts, now).await?;
                Ok(vec![])
            }
            RoutingEffect::Released {
                conversation,
                agent,
            } => {
                to_agent(
                    &self.state,
                    agent.as_str(),
                    &InboxServerMsg::ChatClosed {
                        conversation,
                        reason: closed_reason.unwrap_or(EndReason::Expired),
                    },
                );
                Ok(vec![])
            }
        }
    }

    /// Tells a conversation what routing decided; stores the index row it replies with.
    async fn tell(
        &self,
        conversation: &ConversationId,
        outcome: &RouteOutcome,
    ) -> ApiResult<OutcomeReply> {
        let stub = conversation_stub(&self.env, conversation.as_str())?;
        let reply: OutcomeReply = call(&stub, "/internal/outcome", outcome).await?;
        if let Some(record) = &reply.record {
            self.index_changed(record)?;
        }
        Ok(reply)
    }

    /// Nobody took a live chat: the failed-action record and email.
    async fn fell_back(
        &self,
        conversation: ConversationId,
        reason: FallbackReason,
        facts: &VisitorFacts,
        now: Millis,
    ) -> ApiResult<()> {
        let workspace = store::meta(&self.sql)?.map(|m| WorkspaceId::new(m.id));
        let action = FailedAction::live_chat(workspace, conversation, now, reason, facts);
        self.send_failed_action(&action, now).await
    }

    async fn send_failed_action(&self, action: &FailedAction, now: Millis) -> ApiResult<()> {
        let email = action.email();
        let to = store::settings(&self.sql)?.notification_emails;
        exec(
            &self.sql,
            "INSERT INTO outbox (at, body) VALUES (?, ?)",
            vec![
                int(now.0),
                serde_json::to_string(&serde_json::json!({
                    "to": to,
                    "subject": email.subject,
                    "body": email.body,
                    "action": action,
                }))?
                .into(),
            ],
        )?;
        if to.is_empty() {
            return Ok(());
        }
        if let Err(e) = Mailer::from_env(&self.env)
            .deliver(&self.env, &email, &to)
            .await
        {
            // Recorded in the outbox either way; a delivery failure must not undo routing.
            worker::console_error!("failed-action email not delivered: {e}");
        }
        Ok(())
    }

    /// One alarm per object, at the router's earliest deadline (or the presence sweep).
    pub(super) async fn schedule_alarm(&self) -> ApiResult<()> {
        let deadline = self.read_router(|r| r.next_deadline())?;
        let sweep: Option<u64> = kv_get(&self.sql, "sweep_at")?;
        let at = parlor_core::time::earliest(deadline, sweep.map(Millis));
        self.alarm_slot.ensure(&self.state.storage(), at).await
    }

    /// The alarm: expire due offers; mark agents whose inbox is gone (e.g. after a restart)
    /// offline. Late or repeated alarms are harmless: the router ignores what is not due.
    pub(super) async fn on_alarm(&self) -> ApiResult<()> {
        let now = Millis(crate::now_ms());
        let mut effects = self.with_router(|r| r.on_timer(now))?;
        let sweep: Option<u64> = kv_get(&self.sql, "sweep_at")?;
        if sweep.is_some_and(|at| at <= now.0) {
            exec(&self.sql, "DELETE FROM kv WHERE key = 'sweep_at'", vec![])?;
            let online: Vec<(AgentId, bool)> = self.read_router(|r| {
                r.agents()
                    .filter_map(|a| r.agent(a))
                    .filter(|v| v.online)
                    .map(|v| (v.agent, v.available))
                    .collect()
            })?;
            for (agent, available) in online {
                if !agent_connected(&self.state, agent.as_str(), None) {
                    effects.extend(
                        self.with_router(|r| r.set_presence(&agent, false, available, now))?,
                    );
                }
            }
        }
        self.carry_out(effects, None).await
    }

    /// After this object (re)starts, agents still marked online get a grace period to
    /// reconnect their inbox before being marked offline.
    pub(super) fn plan_presence_sweep(&self, now: Millis) -> ApiResult<()> {
        kv_put(&self.sql, "sweep_at", &(now.0 + PRESENCE_GRACE_MS))
    }
}

/// How long an agent's inbox may be disconnected (restart, network) before they are offline.
pub const PRESENCE_GRACE_MS: u64 = 10_000;

pub fn offer_view(
    offer: u64,
    conversation: &ConversationId,
    deadline: Millis,
    facts: &VisitorFacts,
) -> OfferView {
    OfferView {
        offer,
        conversation: conversation.clone(),
        deadline,
        visitor: facts.fields.clone(),
        page_url: facts.page_url.clone(),
    }
}
