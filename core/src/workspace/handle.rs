//! The single entry point: one input at a time, effects out in order.

use super::people::Person;
use super::{Workspace, WorkspaceEffect, WorkspaceInput};
use crate::link::{ConversationToWorkspace, FromConversation, WorkspaceToConversation};
use crate::protocol::{ChatSummary, ConversationStatus, EndReason, InboxServerMsg};
use crate::routing::RoutingError;
use crate::Millis;

impl Workspace {
    /// Applies one input at time `now` and returns what the edge must do, in order.
    pub fn handle(&mut self, input: WorkspaceInput, now: Millis) -> Vec<WorkspaceEffect> {
        let mut fx = Vec::new();
        match input {
            WorkspaceInput::FromConversation(batch) => self.conversation_said(batch, now, &mut fx),
            WorkspaceInput::InboxOpened { agent } => self.inbox_opened(&agent, now, &mut fx),
            WorkspaceInput::InboxClosed { agent } => self.inbox_closed(&agent, now, &mut fx),
            WorkspaceInput::Restored { connected } => self.restored(connected, now, &mut fx),
            WorkspaceInput::SetPresence { agent, presence } => {
                self.set_presence(&agent, presence, now, &mut fx)
            }
            WorkspaceInput::Accept { agent, offer } => {
                let answer = self.router.accept(&agent, offer, now);
                self.answered(answer, "This chat can no longer be accepted", &mut fx);
            }
            WorkspaceInput::Decline { agent, offer } => {
                let answer = self.router.decline(&agent, offer, now);
                self.answered(answer, "This offer is already gone", &mut fx);
            }
            WorkspaceInput::Colleagues { agent } => {
                fx.push(WorkspaceEffect::Reply(self.colleagues(&agent, now)));
            }
            WorkspaceInput::Transfer {
                agent,
                conversation,
                to,
            } => self.transfer(&agent, &conversation, &to, now, &mut fx),
            WorkspaceInput::UpsertAgent {
                agent,
                live_chat,
                teams,
                profile,
            } => {
                let person = self
                    .people
                    .entry(agent.clone())
                    .or_insert_with(|| Person::new(profile.clone()));
                person.profile = profile;
                self.people_changed = true;
                let had_permission = self.router.agent(&agent).is_some_and(|v| v.live_chat);
                let effects = self
                    .router
                    .upsert_agent(agent.clone(), live_chat, teams, now);
                self.routing_effects(effects, None, &mut fx);
                if had_permission && !live_chat {
                    // Losing the permission takes effect at once: chats move on, sockets close.
                    self.hand_over_now(&agent, now, &mut fx);
                    fx.push(WorkspaceEffect::CloseAgent {
                        agent,
                        reason: "live chat permission removed".into(),
                    });
                }
            }
            WorkspaceInput::RemoveAgent { agent } => {
                // No notification reaches a removed agent: the edge deletes their devices.
                self.router.set_push_only(&agent, false);
                self.hand_over_now(&agent, now, &mut fx);
                let mut effects = self.router.remove_agent(&agent, now);
                // Offline too: if the agent is added again, they wait for an inbox like anyone.
                effects.extend(self.router.set_connected(&agent, false, now));
                effects.extend(self.router.set_presence(&agent, false, false, now));
                self.routing_effects(effects, None, &mut fx);
                if self.people.remove(&agent).is_some() {
                    self.people_changed = true;
                }
                self.inboxes.remove(&agent);
                fx.push(WorkspaceEffect::CloseAgent {
                    agent,
                    reason: "agent removed".into(),
                });
            }
            WorkspaceInput::SessionsEnded { agent, hand_over } => {
                // Every session ended, and with them the devices' push subscriptions (the edge
                // deletes them): the agent is gone from now on, not reachable by notification.
                if let Some(p) = self.people.get_mut(&agent) {
                    if p.push_devices > 0 {
                        p.push_devices = 0;
                        self.people_changed = true;
                    }
                }
                let by_push = self.by_push(&agent);
                if by_push {
                    let effects = self.router.set_push_only(&agent, false);
                    self.routing_effects(effects, None, &mut fx);
                    let effects = self.router.set_connected(&agent, false, now);
                    self.routing_effects(effects, None, &mut fx);
                }
                if self.inboxes.remove(&agent).is_some() {
                    self.went_away(&agent, false, now, &mut fx);
                }
                if by_push {
                    self.presence_timers(now, &mut fx);
                }
                if hand_over {
                    self.hand_over_now(&agent, now, &mut fx);
                }
            }
            WorkspaceInput::PushDevices { agent, devices } => {
                self.push_devices(&agent, devices, now, &mut fx)
            }
            WorkspaceInput::Settings { routing } => self.router.set_settings(routing),
            WorkspaceInput::Tick => {
                let effects = self.router.on_timer(now);
                self.routing_effects(effects, None, &mut fx);
                self.presence_timers(now, &mut fx);
            }
        }
        fx
    }

    fn answered(
        &mut self,
        answer: Result<Vec<crate::routing::RoutingEffect>, RoutingError>,
        refusal: &str,
        fx: &mut Vec<WorkspaceEffect>,
    ) {
        match answer {
            Ok(effects) => self.routing_effects(effects, None, fx),
            Err(e) => fx.push(WorkspaceEffect::Reply(InboxServerMsg::Error {
                code: "offer_unavailable".into(),
                message: format!("{refusal}: {e}"),
            })),
        }
    }

    fn conversation_said(
        &mut self,
        batch: FromConversation,
        now: Millis,
        fx: &mut Vec<WorkspaceEffect>,
    ) {
        let conversation = batch.conversation;
        for msg in batch.messages {
            match msg {
                ConversationToWorkspace::RequestLiveChat {
                    routing,
                    facts,
                    request,
                } => {
                    // Repeated after its end, or overtaken by its own cancel: not routed again.
                    if !self.settled.has_settled(&conversation, request) {
                        let effects = self.router.request_numbered(
                            conversation.clone(),
                            &routing,
                            &facts,
                            request,
                            now,
                        );
                        self.routing_effects(effects, None, fx);
                    }
                }
                ConversationToWorkspace::CancelLiveChat { request } => {
                    let effects = self.router.cancel_request(&conversation, request, now);
                    self.settled.settle(&conversation, request);
                    self.routing_effects(effects, None, fx);
                }
                ConversationToWorkspace::AgentJoined {
                    agent,
                    visitor,
                    page_url,
                    identity,
                } => {
                    // A late or repeated confirmation of a chat no longer held is ignored.
                    if self.router.agent_of(&conversation) == Some(&agent) {
                        let started_at = self.router.chat_since(&conversation).unwrap_or(now);
                        fx.push(WorkspaceEffect::ToAgent {
                            agent,
                            msg: InboxServerMsg::ChatStarted {
                                chat: ChatSummary {
                                    conversation: conversation.clone(),
                                    started_at,
                                    visitor,
                                    page_url,
                                    identity,
                                },
                            },
                        });
                    }
                }
                ConversationToWorkspace::AgentLeft {
                    agent: _,
                    routing,
                    facts,
                    request,
                } => {
                    // One step: free the slot held for the previous request, then route anew.
                    // Whoever holds it: the agent named, or a colleague a transfer handed the
                    // chat to while this was on its way (the conversation, waiting again, turns
                    // that transfer down; the new request must not be taken for a duplicate).
                    let previous = request.saturating_sub(1);
                    let mut effects = self.router.release_stale(&conversation, previous, now);
                    self.settled.settle(&conversation, previous);
                    if !self.settled.has_settled(&conversation, request) {
                        effects.extend(self.router.request_numbered(
                            conversation.clone(),
                            &routing,
                            &facts,
                            request,
                            now,
                        ));
                    }
                    self.routing_effects(effects, Some(EndReason::AgentLeft), fx);
                }
                ConversationToWorkspace::ChatClosed {
                    agent,
                    reason,
                    request,
                } => {
                    let effects = self
                        .router
                        .release_request(&conversation, &agent, request, now);
                    self.settled.settle(&conversation, request);
                    let ended = self.ended_event(&conversation, &agent, reason, &effects, now);
                    self.routing_effects(effects, Some(reason), fx);
                    fx.extend(ended.map(WorkspaceEffect::Webhook));
                }
                ConversationToWorkspace::Index {
                    record,
                    preview_every,
                } => {
                    // Previews come from live chats only: the pace is advice for them, so a
                    // waiting or ended conversation is not told (a request's routing path
                    // carries no `Pace`; a live chat hears it in the reply to its next call).
                    let live = record.status == ConversationStatus::Live;
                    fx.push(WorkspaceEffect::Index(record));
                    let pace = self.preview_pace();
                    if live && pace != preview_every {
                        fx.push(WorkspaceEffect::ToConversation {
                            conversation: conversation.clone(),
                            msg: WorkspaceToConversation::Pace {
                                preview_every: pace,
                            },
                        });
                    }
                }
                ConversationToWorkspace::FailedAction { mut action } => {
                    action.workspace = Some(self.id.clone());
                    fx.push(WorkspaceEffect::FailedAction(action));
                }
                ConversationToWorkspace::Lead { mut update } => {
                    // Only the calling conversation speaks for itself.
                    update.conversation = conversation.clone();
                    fx.push(WorkspaceEffect::Lead(update));
                }
                ConversationToWorkspace::CheckAvailability { card } => {
                    let can_chat = self.router.availability(now).can_chat;
                    fx.push(WorkspaceEffect::ToConversation {
                        conversation: conversation.clone(),
                        msg: WorkspaceToConversation::Availability { card, can_chat },
                    });
                }
                ConversationToWorkspace::MailVisitor { to, email, site } => {
                    fx.push(WorkspaceEffect::MailVisitor {
                        conversation: conversation.clone(),
                        to,
                        email,
                        site,
                    });
                }
            }
        }
    }
}
