//! The workspace object's adapter around `parlor_core::workspace::Workspace`: loads and
//! stores the machine in parts, feeds it inputs, and carries out its effects (storage, then
//! socket frames, then link calls to conversation objects, whose replies are fed back in).
//! Every rule is the machine's; this file only moves bytes.

use std::collections::{BTreeMap, VecDeque};

use parlor_core::failed_action::FailedAction;
use parlor_core::link::{FromConversation, ToConversation};
use parlor_core::mail_digest::MailDecision;
use parlor_core::protocol::{AdminServerMsg, ChatSummary, InboxServerMsg};
use parlor_core::webhooks::Event;
use parlor_core::workspace::{Workspace, WorkspaceInput};
use parlor_core::{AgentId, ConversationId, Millis, WorkspaceId};
use worker::WebSocket;

use crate::error::{ApiError, ApiResult};
use crate::mailer::Mailer;
use crate::sql::{exec, int, rows};
use crate::workspace::memo::Throttle;
use crate::workspace::parts::{self, LoadedParts};
use crate::workspace::plan::{plan, Audience, Plan};
use crate::workspace::sockets::{agent_tag, to_admins, Peer};
use crate::workspace::{forget, index, leads, leads_api, mail, push, report, store, WorkspaceDO};

#[derive(serde::Deserialize)]
struct Inserted {
    #[allow(dead_code)]
    seq: i64,
}

impl WorkspaceDO {
    /// Feeds one input to the machine and carries out everything that follows.
    /// `origin` is the socket whose frame caused it (for replies).
    pub(super) async fn run(
        &self,
        input: WorkspaceInput,
        origin: Option<&WebSocket>,
    ) -> ApiResult<()> {
        let plan = self.step(Some(input), None)?;
        self.drive(plan, origin).await.map(drop)
    }

    /// A conversation's link call: what the workspace says to that conversation goes back in
    /// the reply instead of a call back.
    pub(super) async fn run_link(&self, mut batch: FromConversation) -> ApiResult<ToConversation> {
        let caller = batch.conversation.clone();
        if forget::was_erased(&self.sql, &self.memo, caller.as_str())? {
            // Sent before the erasure, delivered after: only what frees a slot is taken.
            batch
                .messages
                .retain(parlor_core::privacy::taken_after_erasure);
        }
        let plan = self.step(Some(WorkspaceInput::FromConversation(batch)), Some(&caller))?;
        self.drive(plan, None).await
    }

    /// Synchronous: load (once per instance), handle, store the machine and the storage
    /// effects in one section, so they commit together before anything is sent.
    pub(super) fn step(
        &self,
        input: Option<WorkspaceInput>,
        caller: Option<&ConversationId>,
    ) -> ApiResult<Plan> {
        let now = Millis(crate::now_ms());
        let mut slot = self.machine.borrow_mut();
        let mut effects = Vec::new();
        if slot.is_none() {
            let mut machine = self.load_machine()?;
            // Sockets survive hibernation but not a restart: the machine learns which remain.
            let connected = WorkspaceInput::Restored {
                connected: self.connected_inboxes(),
            };
            effects.extend(machine.handle(connected, now));
            *slot = Some(machine);
        }
        let machine = slot
            .as_mut()
            .ok_or_else(|| ApiError::Internal("workspace machine not loaded".into()))?;
        if let Some(input) = input {
            effects.extend(machine.handle(input, now));
        }
        let changes = machine.take_changes();
        parts::store(&self.sql, machine, &changes, &self.stored_counters)?;
        let mut plan = plan(effects, caller);
        for entry in &plan.audits {
            exec(
                &self.sql,
                "INSERT INTO audit (at, conversation, body) VALUES (?, ?, ?)",
                vec![
                    int(entry.at.0),
                    entry.conversation.as_str().into(),
                    serde_json::to_string(entry)?.into(),
                ],
            )?;
        }
        let mut stored = Vec::with_capacity(plan.index.len());
        for record in plan.index.drain(..) {
            if index::put_if_newer(&self.sql, &record)? {
                stored.push(record);
            }
        }
        plan.index = stored;
        report::record(&self.sql, &self.memo, &plan.facts)?;
        let mut fresh = Vec::with_capacity(plan.failed.len());
        for action in plan.failed.drain(..) {
            if self.store_failed_action(&action, now)? == Some(MailDecision::Send) {
                fresh.push(action);
            }
        }
        plan.failed = fresh;
        for update in std::mem::take(&mut plan.leads) {
            let merged = leads::upsert(&self.sql, &update)?;
            if merged.created {
                let lead = leads_api::lead_json(merged.lead.clone())?;
                plan.webhooks.push(Event::lead_created(now, lead));
            }
            if merged.notify {
                let mail =
                    mail::lead_mail(&self.sql, &self.memo, &merged, &update.conversation, now)?;
                plan.outgoing.extend(mail);
            }
        }
        let mails = std::mem::take(&mut plan.visitor_mails);
        if !mails.is_empty() {
            let settings = store::settings(&self.sql)?;
            for (conversation, to, mut email, site) in mails {
                // The page is the visitor's word: named only when it is one of our sites.
                if settings.is_own_host(&site) {
                    email.subject = parlor_core::transcript_mail::subject(&site);
                }
                let mail = mail::visitor_mail(&self.sql, &conversation, &to, &email, now)?;
                plan.outgoing.extend(mail);
            }
        }
        self.queue_webhooks(&plan.webhooks)?;
        Ok(plan)
    }

    /// Sends, mails and calls what `first` planned, feeding conversations' replies back in
    /// until nothing is left; returns the messages for the calling conversation.
    pub(super) async fn drive(
        &self,
        first: Plan,
        origin: Option<&WebSocket>,
    ) -> ApiResult<ToConversation> {
        let reply = ToConversation {
            messages: first.reply.messages.clone(),
        };
        let mut queue = VecDeque::from([(first, origin)]);
        while let Some((plan, origin)) = queue.pop_front() {
            self.send_frames(&plan, origin);
            // Devices the push services no longer know are dropped; the machine hears it.
            for input in push::send(&self.sql, &self.env, &plan.pushes).await {
                queue.push_back((self.step(Some(input), None)?, None));
            }
            for action in &plan.failed {
                self.email_failed_action(action).await;
            }
            for (email, to) in &plan.outgoing {
                self.deliver(email, to).await;
            }
            for (conversation, batch) in plan.calls {
                // What an earlier, failed call owed this conversation goes first.
                let mut messages = self.owed.take(&self.sql, conversation.as_str())?;
                messages.extend(batch.messages);
                let batch = ToConversation { messages };
                match self
                    .stubs
                    .link(&self.env, conversation.as_str(), &batch)
                    .await
                {
                    Ok(messages) => {
                        self.owed.delivered(&self.sql, conversation.as_str())?;
                        if !messages.is_empty() {
                            let batch = FromConversation {
                                conversation,
                                messages,
                            };
                            let input = WorkspaceInput::FromConversation(batch);
                            queue.push_back((self.step(Some(input), None)?, None));
                        }
                    }
                    // Kept, and retried by the alarm: an acceptance or a fallback is never
                    // lost to a conversation object being replaced.
                    Err(e) => {
                        worker::console_error!("link to {conversation}: {e:?}");
                        let now = parlor_core::Millis(crate::now_ms());
                        self.owed
                            .failed(&self.sql, conversation.as_str(), batch.messages, now)?;
                    }
                }
            }
        }
        self.flush_webhooks().await;
        self.schedule_alarm().await?;
        Ok(reply)
    }

    fn send_frames(&self, plan: &Plan, origin: Option<&WebSocket>) {
        for frame in &plan.frames {
            match &frame.to {
                Audience::Agent(agent) => {
                    for ws in self
                        .state
                        .get_websockets_with_tag(&agent_tag(agent.as_str()))
                    {
                        let _ = ws.send_with_str(&frame.text);
                    }
                }
                Audience::Origin => {
                    if let Some(ws) = origin {
                        let _ = ws.send_with_str(&frame.text);
                    }
                }
            }
        }
        for record in &plan.index {
            to_admins(
                &self.state,
                &AdminServerMsg::Conversation {
                    record: record.clone(),
                },
            );
        }
        for (agent, reason) in &plan.closes {
            for ws in self
                .state
                .get_websockets_with_tag(&agent_tag(agent.as_str()))
            {
                let _ = ws.close(Some(4001), Some(reason.as_str()));
            }
        }
    }

    /// The alarm: calls again the conversations whose earlier call failed and is due for a
    /// retry (each with what it is owed first, see `drive`).
    pub(super) async fn retry_owed(&self) -> ApiResult<()> {
        let due = self
            .owed
            .due(&self.sql, parlor_core::Millis(crate::now_ms()))?;
        if due.is_empty() {
            return Ok(());
        }
        let mut plan = Plan::default();
        for id in due {
            plan.calls
                .insert(ConversationId::new(id), ToConversation::default());
        }
        self.drive(plan, None).await.map(drop)
    }

    /// Open inbox sockets per agent (hibernated sockets included).
    fn connected_inboxes(&self) -> BTreeMap<AgentId, u32> {
        let mut connected = BTreeMap::new();
        for ws in self.state.get_websockets() {
            if let Ok(Some(Peer::Agent { agent })) = ws.deserialize_attachment::<Peer>() {
                *connected.entry(AgentId::new(agent)).or_insert(0) += 1;
            }
        }
        connected
    }

    fn load_machine(&self) -> ApiResult<Workspace> {
        let meta = store::meta(&self.sql)?.ok_or(ApiError::NotFound("workspace"))?;
        let id = WorkspaceId::new(meta.id);
        match parts::load(&self.sql)? {
            LoadedParts::Stored {
                router,
                people,
                settled,
                counters,
            } => {
                *self.stored_counters.borrow_mut() = counters;
                Ok(Workspace::from_parts(id, router, people).with_settled(settled))
            }
            LoadedParts::Fresh => {
                let mut machine = Workspace::new(id, store::routing_settings(&self.sql)?);
                let now = Millis(crate::now_ms());
                for a in store::agents(&self.sql)? {
                    let input = super::agent_input(&a);
                    let _ = machine.handle(input, now);
                }
                let changes = parts::all_changed(&mut machine);
                parts::store(&self.sql, &machine, &changes, &self.stored_counters)?;
                Ok(machine)
            }
        }
    }

    /// Runs `f` on the loaded machine without changing it.
    pub(super) fn read_machine<T>(&self, f: impl FnOnce(&Workspace) -> T) -> ApiResult<T> {
        if self.machine.borrow().is_none() {
            // Loading applies `Restored`, which only marks agents without a socket as gone
            // (no frames, no calls): store that and read.
            self.step(None, None)?;
        }
        let slot = self.machine.borrow();
        let machine = slot
            .as_ref()
            .ok_or_else(|| ApiError::Internal("workspace machine not loaded".into()))?;
        Ok(f(machine))
    }

    /// The inbox's `welcome`: the machine's state plus what the index knows of each visitor.
    pub(super) fn welcome(&self, agent: &AgentId) -> ApiResult<InboxServerMsg> {
        let w = self.read_machine(|m| m.welcome(agent))?;
        let mut chats = Vec::with_capacity(w.chats.len());
        for (conversation, started_at) in w.chats {
            let record = index::get(&self.sql, conversation.as_str())?;
            chats.push(ChatSummary {
                conversation,
                started_at,
                visitor: record
                    .as_ref()
                    .map(|r| r.captured.clone())
                    .unwrap_or_default(),
                identity: record.as_ref().and_then(|r| r.identity.clone()),
                page_url: record.map(|r| r.page_url).unwrap_or_default(),
            });
        }
        Ok(InboxServerMsg::Welcome {
            agent: agent.clone(),
            presence: w.presence,
            offers: w.offers,
            chats,
            capacity: w.capacity,
        })
    }

    /// One failed action per conversation: `None` when it was stored already (a link message
    /// delivered twice sends one email); otherwise whether its email goes now or waits for
    /// the digest (`parlor_core::mail_digest`). Every one is in the outbox either way.
    fn store_failed_action(
        &self,
        action: &FailedAction,
        now: Millis,
    ) -> ApiResult<Option<MailDecision>> {
        let email = action.email();
        let to = store::mail_recipients(&self.sql)?;
        let mut throttle = self.memo.throttle(&self.sql, Throttle::FailedActions)?;
        let decision = if to.is_empty() {
            MailDecision::Send
        } else {
            throttle.offer(action, now)
        };
        let body = serde_json::json!({
            "kind": "failed_action",
            "to": to,
            "subject": email.subject,
            "body": email.body,
            "action": action,
            "delivery": match decision {
                MailDecision::Send => "sent",
                MailDecision::Held => "digest",
            },
        });
        let inserted: Vec<Inserted> = rows(
            &self.sql,
            "INSERT INTO outbox (at, conversation, kind, body) VALUES (?, ?, 'failed_action', ?) \
             ON CONFLICT(conversation, kind) DO NOTHING RETURNING seq",
            vec![
                int(now.0),
                action.conversation.as_str().into(),
                serde_json::to_string(&body)?.into(),
            ],
        )?;
        if inserted.is_empty() {
            return Ok(None);
        }
        if !to.is_empty() {
            self.memo
                .put_throttle(&self.sql, Throttle::FailedActions, &throttle)?;
        }
        Ok(Some(decision))
    }

    /// Sends the held failed actions as one digest once the throttle's window allows it
    /// (from the alarm); recorded in the outbox like every email.
    pub(super) async fn flush_mail_digest(&self) -> ApiResult<()> {
        let now = Millis(crate::now_ms());
        let mut throttle = self.memo.throttle(&self.sql, Throttle::FailedActions)?;
        let Some(email) = throttle.flush(now) else {
            return Ok(());
        };
        let to = store::mail_recipients(&self.sql)?;
        let body = serde_json::json!({
            "kind": "digest",
            "to": to,
            "subject": email.subject,
            "body": email.body,
            "delivery": "sent",
            "digest": true,
        });
        exec(
            &self.sql,
            "INSERT INTO outbox (at, conversation, kind, body) VALUES (?, NULL, 'digest', ?)",
            vec![int(now.0), serde_json::to_string(&body)?.into()],
        )?;
        self.memo
            .put_throttle(&self.sql, Throttle::FailedActions, &throttle)?;
        if !to.is_empty() {
            if let Err(e) = Mailer::from_env(&self.env)
                .deliver(&self.env, &email, &to)
                .await
            {
                worker::console_error!("failed-action digest not delivered: {e:?}");
            }
        }
        Ok(())
    }

    async fn email_failed_action(&self, action: &FailedAction) {
        let to = match store::mail_recipients(&self.sql) {
            Ok(to) => to,
            Err(e) => {
                worker::console_error!("failed-action email: {e:?}");
                return;
            }
        };
        if to.is_empty() {
            return;
        }
        if let Err(e) = Mailer::from_env(&self.env)
            .deliver(&self.env, &action.email(), &to)
            .await
        {
            // Recorded in the outbox either way; a delivery failure must not undo routing.
            worker::console_error!("failed-action email not delivered: {e:?}");
        }
    }

    /// One alarm per object, at the earliest of the machine's deadlines, the held failed-action
    /// digest and the next retention check (see erase.rs).
    pub(super) async fn schedule_alarm(&self) -> ApiResult<()> {
        let machine = self.read_machine(|m| m.next_deadline())?;
        // From memory after the first run of this instance (`memo.rs`).
        let digests = self.memo.throttle_deadline(&self.sql)?;
        let deadline = [
            machine,
            digests,
            self.purge_at.get(),
            self.webhook_retry_at(),
            self.owed.next_retry(&self.sql)?,
        ]
        .into_iter()
        .flatten()
        .min();
        self.alarm_slot
            .ensure(&self.state.storage(), deadline)
            .await
    }
}
