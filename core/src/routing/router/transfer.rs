//! Handing an accepted chat to a colleague or a team.
//!
//! A transfer is an offer like any other (eligibility, capacity, a full accept timeout, the
//! Accept banner) made while the chat stays with the agent who holds it. Accepted, the chat
//! moves: the holder's slot is freed, the new agent's taken, no engagement is counted (the
//! visitor is still in the same chat). Declined or withdrawn, a team transfer moves on to the
//! next eligible member not yet offered it; when nobody is left, or the offer expired, or it
//! named one agent, the transfer ends and the chat stays where it was. A transfer never falls
//! back: the visitor is never left without an agent because of one.

use super::{Decision, Pending, Router, Target};
use crate::routing::audit::{AuditOutcome, AuditTrigger, RoutingMode, SkipReason, Skips};
use crate::routing::choice::RuleTarget;
use crate::routing::effects::{RoutingEffect, RoutingError, TransferError, WithdrawReason};
use crate::{AgentId, ConversationId, Millis, TeamId};

impl Router {
    /// `from`, holding `conversation`'s accepted chat, hands it to `to` (an agent or a team).
    /// Refused, with nothing changed, when `from` does not hold the chat, a transfer of it is
    /// already out, the agent is `from` or cannot take a chat now, or nobody in the team can.
    pub fn transfer(
        &mut self,
        conversation: &ConversationId,
        from: &AgentId,
        to: &RuleTarget,
        now: Millis,
    ) -> Result<Vec<RoutingEffect>, TransferError> {
        let holder = self.agent_index.get(from).copied();
        let chat = match (self.chats.get(conversation), holder) {
            (Some(c), Some(h)) if c.agent == h => c,
            _ => return Err(TransferError::NotYourChat),
        };
        let (facts, request) = (chat.facts.clone(), chat.request);
        let from_idx = chat.agent;
        if self.by_conversation.contains_key(conversation) {
            return Err(TransferError::AlreadyTransferring);
        }
        let mut skips = Skips::default();
        let (agent, team, mode) = match to {
            RuleTarget::Agent { agent } => {
                let idx = match self.agent_target(agent) {
                    Ok(Target::Agent(i)) => i,
                    _ => return Err(TransferError::UnknownAgent),
                };
                if idx == from_idx {
                    return Err(TransferError::ToSelf);
                }
                if let Some(reason) = self.skip_reason(idx, now) {
                    return Err(TransferError::Unavailable(reason));
                }
                (idx, None, RoutingMode::Agent)
            }
            RuleTarget::Team { team } => {
                let t = match self.team_target(team, now) {
                    Ok(Target::Team(t)) => t,
                    Ok(_) | Err(crate::routing::FallbackReason::UnknownTeam) => {
                        return Err(TransferError::UnknownTeam)
                    }
                    Err(_) => return Err(TransferError::Unavailable(SkipReason::OutsideHours)),
                };
                match self.pick_in_team(t, &[from_idx], now, &mut skips) {
                    Some(i) => (i, Some(t), RoutingMode::Team),
                    None => return Err(TransferError::NobodyAvailable),
                }
            }
        };
        let mut out = Vec::with_capacity(2);
        let p = Pending {
            conversation: conversation.clone(),
            agent,
            deadline: now.after(self.settings.accept_timeout),
            requested_at: now,
            mode,
            rule: None,
            team,
            attempts_left: 0,
            tried: vec![from_idx],
            facts,
            request,
            transfer_from: Some(from_idx),
        };
        let trigger = AuditTrigger::Transfer { from: from.clone() };
        self.offer(&mut out, now, p, trigger, skips);
        Ok(out)
    }

    /// Who `of` could hand a chat to: every other agent with live chat, in workspace order,
    /// with why they could not take it now (`None`: they could); and every team with members,
    /// with how many of them (other than `of`) could.
    #[allow(clippy::type_complexity)]
    pub fn transfer_targets(
        &self,
        of: &AgentId,
        now: Millis,
    ) -> (Vec<(AgentId, Option<SkipReason>)>, Vec<(TeamId, u32)>) {
        let me = self.agent_index.get(of).copied();
        let agents = (0..self.agents.len() as u32)
            .filter(|&i| Some(i) != me)
            .filter(|&i| !self.agents[i as usize].removed && self.agents[i as usize].live_chat)
            .map(|i| (self.agents[i as usize].id.clone(), self.skip_reason(i, now)))
            .collect();
        let teams = self
            .teams
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.members.is_empty())
            .map(|(ti, t)| {
                let open = self.team_open(ti as u32, now);
                let n = t
                    .members
                    .iter()
                    .filter(|&&i| open && Some(i) != me && self.skip_reason(i, now).is_none())
                    .count();
                (t.id.clone(), n as u32)
            })
            .collect();
        (agents, teams)
    }

    /// Whether an outstanding offer is a transfer.
    pub fn is_transfer(&self, offer: u64) -> bool {
        self.pending
            .get(&offer)
            .is_some_and(|p| p.transfer_from.is_some())
    }

    /// Who holds the chat an outstanding transfer offer would hand over.
    pub fn transfer_from(&self, offer: u64) -> Option<&AgentId> {
        let from = self.pending.get(&offer)?.transfer_from?;
        Some(&self.agents[from as usize].id)
    }

    /// The accepted transfer: the chat moves to the offered agent.
    pub(super) fn complete_transfer(
        &mut self,
        offer: u64,
        now: Millis,
    ) -> Result<Vec<RoutingEffect>, RoutingError> {
        let Some(p) = self.take_pending(offer) else {
            return Err(RoutingError::OfferClosed(offer));
        };
        // Never missing: releasing a chat withdraws its transfer first.
        let Some(chat) = self.chats.get_mut(&p.conversation) else {
            return Err(RoutingError::OfferClosed(offer));
        };
        // The chat keeps its start, request and facts; only its holder (and offer) change.
        let from = std::mem::replace(&mut chat.agent, p.agent);
        chat.offer = offer;
        let request = chat.request;
        let old = &mut self.agents[from as usize];
        old.chats = old.chats.saturating_sub(1);
        let from_id = old.id.clone();
        let new = &mut self.agents[p.agent as usize];
        new.chats += 1;
        let to_id = new.id.clone();
        self.changes.chats.insert(p.conversation.clone());
        let mut out = Vec::with_capacity(2);
        out.push(RoutingEffect::Transferred {
            offer,
            conversation: p.conversation.clone(),
            from: from_id.clone(),
            to: to_id.clone(),
            request,
        });
        let d = Decision {
            mode: p.mode,
            rule: None,
            team: p.team,
            trigger: AuditTrigger::Accept,
        };
        let outcome = AuditOutcome::Transferred {
            from: from_id,
            to: to_id,
            offer,
        };
        self.audit(&mut out, now, p.conversation, d, outcome, Skips::default());
        Ok(out)
    }

    /// Nobody took the transfer: the chat stays with `holder`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn transfer_ended(
        &self,
        out: &mut Vec<RoutingEffect>,
        now: Millis,
        conversation: ConversationId,
        holder: u32,
        reason: WithdrawReason,
        d: Decision,
        skips: Skips,
    ) {
        out.push(RoutingEffect::TransferEnded {
            conversation: conversation.clone(),
            agent: self.agents[holder as usize].id.clone(),
            reason,
        });
        let outcome = AuditOutcome::TransferEnded { reason };
        self.audit(out, now, conversation, d, outcome, skips);
    }
}
