//! An agent hands a live chat to a colleague or a team (the rules are the router's, see
//! [`crate::routing::Router::transfer`]); here: what the agent is answered.

use super::{Workspace, WorkspaceEffect};
use crate::protocol::{Colleague, InboxServerMsg, TeamAvailability};
use crate::routing::{RoutingEffect, RuleTarget, TransferError};
use crate::{AgentId, ConversationId, Millis};

impl Workspace {
    /// The `colleagues` reply: who could take a chat from `agent` now.
    pub(super) fn colleagues(&self, agent: &AgentId, now: Millis) -> InboxServerMsg {
        let (agents, teams) = self.router.transfer_targets(agent, now);
        InboxServerMsg::Colleagues {
            agents: agents
                .into_iter()
                .map(|(a, unavailable)| Colleague {
                    name: self.profile(&a).name,
                    agent: a,
                    unavailable,
                })
                .collect(),
            teams: teams
                .into_iter()
                .map(|(team, available)| TeamAvailability { team, available })
                .collect(),
        }
    }

    pub(super) fn transfer(
        &mut self,
        agent: &AgentId,
        conversation: &ConversationId,
        to: &RuleTarget,
        now: Millis,
        fx: &mut Vec<WorkspaceEffect>,
    ) {
        match self.router.transfer(conversation, agent, to, now) {
            Ok(effects) => {
                let started = effects.iter().find_map(|e| match e {
                    RoutingEffect::Offered {
                        agent, deadline, ..
                    } => Some((self.profile(agent).name, *deadline)),
                    _ => None,
                });
                self.routing_effects(effects, None, fx);
                if let Some((to, deadline)) = started {
                    fx.push(WorkspaceEffect::Reply(InboxServerMsg::TransferStarted {
                        conversation: conversation.clone(),
                        to,
                        deadline,
                    }));
                }
            }
            Err(e) => fx.push(WorkspaceEffect::Reply(InboxServerMsg::Error {
                code: "transfer_refused".into(),
                message: refusal(e),
            })),
        }
    }
}

/// The sentence the agent reads when a transfer cannot start.
fn refusal(e: TransferError) -> String {
    let mut s = e.to_string();
    if let Some(first) = s.get(..1) {
        let upper = first.to_uppercase();
        s.replace_range(..1, &upper);
    }
    s.push('.');
    s
}
