//! What the router's decisions mean for conversations, inboxes and the audit log.

use super::{Workspace, WorkspaceEffect};
use crate::link::WorkspaceToConversation;
use crate::protocol::{AgentProfile, EndReason, InboxServerMsg, OfferView, PushMsg};
use crate::routing::{RoutingEffect, WithdrawReason};
use crate::{AgentId, ConversationId, Millis};

impl Workspace {
    /// Turns router effects into workspace effects. `closed` is why a released chat ended.
    pub(super) fn routing_effects(
        &mut self,
        effects: Vec<RoutingEffect>,
        closed: Option<EndReason>,
        fx: &mut Vec<WorkspaceEffect>,
    ) {
        let hooks = self.webhook_events(&effects);
        for effect in effects {
            let next = match effect {
                RoutingEffect::Transferred {
                    conversation,
                    from,
                    to,
                    request,
                    ..
                } => {
                    // The new agent hears `chat_started` once the conversation confirms, like
                    // any acceptance; the previous one is done with the chat now.
                    fx.push(WorkspaceEffect::ToConversation {
                        conversation: conversation.clone(),
                        msg: WorkspaceToConversation::Transferred {
                            from: from.clone(),
                            profile: self.profile(&to),
                            agent: to,
                            request,
                        },
                    });
                    WorkspaceEffect::ToAgent {
                        agent: from,
                        msg: InboxServerMsg::ChatClosed {
                            conversation,
                            reason: EndReason::Transferred,
                        },
                    }
                }
                RoutingEffect::TransferEnded {
                    conversation,
                    agent,
                    reason,
                } => WorkspaceEffect::ToAgent {
                    agent,
                    msg: InboxServerMsg::TransferEnded {
                        conversation,
                        reason: withdraw_code(reason).to_owned(),
                    },
                },
                RoutingEffect::Audit(entry) => WorkspaceEffect::Audit(entry),
                // Only the agent hears of an offer: to the conversation it is still waiting.
                // An agent with no inbox open hears it by notification as well (the inbox
                // they open from it lists the offer in its `welcome`).
                RoutingEffect::Offered {
                    offer,
                    conversation,
                    agent,
                    deadline,
                } => {
                    let view = self.offer_view(offer, &conversation, deadline);
                    if self.by_push(&agent) {
                        fx.push(WorkspaceEffect::Push {
                            agent: agent.clone(),
                            msg: PushMsg::offer(&self.id, &view),
                        });
                    }
                    WorkspaceEffect::ToAgent {
                        agent,
                        msg: InboxServerMsg::Offered { offer: view },
                    }
                }
                RoutingEffect::OfferWithdrawn {
                    offer,
                    conversation,
                    agent,
                    reason,
                } => {
                    if self.by_push(&agent) {
                        fx.push(WorkspaceEffect::Push {
                            agent: agent.clone(),
                            msg: PushMsg::OfferGone {
                                workspace: self.id.clone(),
                                offer,
                                conversation,
                            },
                        });
                    }
                    WorkspaceEffect::ToAgent {
                        agent,
                        msg: InboxServerMsg::OfferWithdrawn {
                            offer,
                            reason: withdraw_code(reason).to_owned(),
                        },
                    }
                }
                // The agent hears `chat_started` once the conversation confirms (`AgentJoined`),
                // so their chat socket is never refused.
                RoutingEffect::Accepted {
                    conversation,
                    agent,
                    request,
                    ..
                } => WorkspaceEffect::ToConversation {
                    conversation,
                    msg: WorkspaceToConversation::Accepted {
                        profile: self.profile(&agent),
                        agent,
                        request,
                    },
                },
                RoutingEffect::FellBack {
                    conversation,
                    kind,
                    reason,
                    ..
                } => {
                    // A fallback closes the conversation: no request of it is routed again.
                    self.settled.settle(&conversation, u32::MAX);
                    WorkspaceEffect::ToConversation {
                        conversation,
                        msg: WorkspaceToConversation::FellBack { kind, reason },
                    }
                }
                RoutingEffect::Released {
                    conversation,
                    agent,
                } => WorkspaceEffect::ToAgent {
                    agent,
                    msg: InboxServerMsg::ChatClosed {
                        conversation,
                        reason: closed.unwrap_or(EndReason::Expired),
                    },
                },
            };
            fx.push(next);
        }
        fx.extend(hooks.into_iter().map(WorkspaceEffect::Webhook));
    }

    /// The agent's name and picture now (the snapshot the visitor keeps seeing).
    pub(super) fn profile(&self, agent: &AgentId) -> AgentProfile {
        self.people
            .get(agent)
            .map(|p| p.profile.clone())
            .unwrap_or_else(|| AgentProfile {
                name: agent.to_string(),
                avatar_url: None,
            })
    }
}

impl Workspace {
    /// The Accept banner's content.
    pub(super) fn offer_view(
        &self,
        offer: u64,
        conversation: &ConversationId,
        deadline: Millis,
    ) -> OfferView {
        let r = &self.router;
        let facts = r.offer_facts(offer).cloned().unwrap_or_default();
        OfferView {
            offer,
            conversation: conversation.clone(),
            deadline,
            visitor: facts.fields,
            page_url: facts.page_url,
            identity: facts.identity,
            transfer_from: r.transfer_from(offer).map(|a| self.profile(a).name),
        }
    }
}

/// The stable code an inbox gets with `offer_withdrawn` (it shows its own words for each).
fn withdraw_code(reason: WithdrawReason) -> &'static str {
    match reason {
        WithdrawReason::Expired => "expired",
        WithdrawReason::Declined => "declined",
        WithdrawReason::AgentUnavailable => "agent_unavailable",
        WithdrawReason::Cancelled => "cancelled",
        WithdrawReason::EngagementLimit => "engagement_limit",
    }
}
