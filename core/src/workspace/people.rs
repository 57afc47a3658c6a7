//! Agents' presence and profiles: inbox sockets, the reconnect grace, available or away.

use serde::{Deserialize, Serialize};

use super::{Workspace, WorkspaceEffect, PRESENCE_GRACE};
use crate::link::WorkspaceToConversation;
use crate::protocol::{AgentProfile, Presence};
use crate::{AgentId, Millis};

/// One agent as the workspace machine stores them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// Name and picture, snapshotted into each chat the agent accepts.
    pub profile: AgentProfile,
    /// The agent chose Available or Away at least once; one who never chose is available.
    #[serde(default)]
    pub chose: bool,
    /// The agent's last inbox closed at this time: their offers wait for a reconnect until
    /// [`PRESENCE_GRACE`] has passed.
    #[serde(default)]
    pub gone_since: Option<Millis>,
    /// Since `gone_since`: the agent's offers moved on (after [`PRESENCE_GRACE`]) and their
    /// chats were handed over (after the settings' `agent_gone_grace`).
    #[serde(default)]
    pub offers_moved: bool,
    #[serde(default)]
    pub chats_moved: bool,
}

impl Person {
    /// When this agent's absence next matters, given whether they hold chats.
    pub(super) fn deadline(&self, holds_chats: bool, chats_grace: Millis) -> Option<Millis> {
        let since = self.gone_since?;
        if !self.offers_moved {
            Some(since.after(PRESENCE_GRACE))
        } else if holds_chats && !self.chats_moved {
            Some(since.after(chats_grace))
        } else {
            None
        }
    }
}

impl Workspace {
    pub(super) fn inbox_opened(
        &mut self,
        agent: &AgentId,
        now: Millis,
        fx: &mut Vec<WorkspaceEffect>,
    ) {
        *self.inboxes.entry(agent.clone()).or_insert(0) += 1;
        let Some(person) = self.people.get_mut(agent) else {
            return;
        };
        if person.gone_since.take().is_some() {
            person.offers_moved = false;
            person.chats_moved = false;
            self.people_changed = true;
        }
        let chose = person.chose;
        let available = !chose || self.router.agent(agent).is_some_and(|v| v.available);
        let mut effects = self.router.set_connected(agent, true, now);
        effects.extend(self.router.set_presence(agent, true, available, now));
        self.routing_effects(effects, None, fx);
    }

    pub(super) fn inbox_closed(
        &mut self,
        agent: &AgentId,
        now: Millis,
        fx: &mut Vec<WorkspaceEffect>,
    ) {
        let left = match self.inboxes.get_mut(agent) {
            Some(n) => {
                *n = n.saturating_sub(1);
                *n
            }
            None => 0,
        };
        if left == 0 {
            self.inboxes.remove(agent);
            self.went_away(agent, now, fx);
        }
    }

    /// No inbox is left: no new offers from now on; offers already made wait for the grace.
    pub(super) fn went_away(
        &mut self,
        agent: &AgentId,
        now: Millis,
        fx: &mut Vec<WorkspaceEffect>,
    ) {
        let effects = self.router.set_connected(agent, false, now);
        self.routing_effects(effects, None, fx);
        if let Some(person) = self.people.get_mut(agent) {
            if person.gone_since.is_none() {
                person.gone_since = Some(now);
                person.offers_moved = false;
                person.chats_moved = false;
                self.people_changed = true;
            }
        }
    }

    /// After a reload: sockets that survived count; agents the router still has online but
    /// with no socket left get the grace, as if their inbox had just closed.
    pub(super) fn restored(
        &mut self,
        connected: std::collections::BTreeMap<AgentId, u32>,
        now: Millis,
        fx: &mut Vec<WorkspaceEffect>,
    ) {
        self.inboxes = connected.into_iter().filter(|(_, n)| *n > 0).collect();
        let online: Vec<AgentId> = self
            .router
            .agents()
            .filter(|a| self.router.agent(a).is_some_and(|v| v.online))
            .cloned()
            .collect();
        for agent in online {
            if !self.connected(&agent) {
                self.went_away(&agent, now, fx);
            }
        }
    }

    pub(super) fn set_presence(
        &mut self,
        agent: &AgentId,
        presence: Presence,
        now: Millis,
        fx: &mut Vec<WorkspaceEffect>,
    ) {
        if let Some(person) = self.people.get_mut(agent) {
            if !person.chose {
                person.chose = true;
                self.people_changed = true;
            }
        }
        let online = self.connected(agent);
        let available = presence == Presence::Available;
        let effects = self.router.set_presence(agent, online, available, now);
        self.routing_effects(effects, None, fx);
    }

    /// Ends the graces of agents who did not come back: after [`PRESENCE_GRACE`] their offers
    /// move on; after the settings' `agent_gone_grace` their chats are routed to someone else.
    pub(super) fn presence_timers(&mut self, now: Millis, fx: &mut Vec<WorkspaceEffect>) {
        let gone: Vec<AgentId> = self
            .people
            .iter()
            .filter(|(_, p)| p.gone_since.is_some())
            .map(|(a, _)| a.clone())
            .collect();
        for agent in gone {
            if self.connected(&agent) {
                continue;
            }
            let Some(person) = self.people.get(&agent) else {
                continue;
            };
            let Some(since) = person.gone_since else {
                continue;
            };
            if !person.offers_moved && now >= since.after(PRESENCE_GRACE) {
                if let Some(p) = self.people.get_mut(&agent) {
                    p.offers_moved = true;
                }
                self.people_changed = true;
                let available = self.router.agent(&agent).is_some_and(|v| v.available);
                let effects = self.router.set_presence(&agent, false, available, now);
                self.routing_effects(effects, None, fx);
            }
            let chats_due = self
                .people
                .get(&agent)
                .is_some_and(|p| p.offers_moved && !p.chats_moved);
            if chats_due && now >= since.after(self.router.settings().agent_gone_grace) {
                if let Some(p) = self.people.get_mut(&agent) {
                    p.chats_moved = true;
                }
                self.people_changed = true;
                self.chats_move_on(&agent, false, fx);
            }
        }
    }

    /// Removal, demotion or losing the permission: each conversation the agent holds is told
    /// (it hands the chat back and routes it again) and the agent's slots are freed at once, so
    /// no chat is held by them from this instant. A late acceptance of theirs is turned into a
    /// hand back by the conversation, which remembers the agent as barred.
    pub(super) fn hand_over_now(
        &mut self,
        agent: &AgentId,
        now: Millis,
        fx: &mut Vec<WorkspaceEffect>,
    ) {
        self.chats_move_on(agent, true, fx);
        let mut effects = Vec::new();
        for (conversation, _) in self.router.chats_of(agent) {
            // That request is over: repeated, it is not routed again (the conversation's hand
            // back comes with a new request number).
            if let Some(request) = self.router.request_of(&conversation) {
                self.settled.settle(&conversation, request);
            }
            effects.extend(self.router.release(&conversation, now));
        }
        self.routing_effects(effects, Some(crate::protocol::EndReason::AgentLeft), fx);
    }

    /// Tells each conversation this agent holds that the agent is gone; each answers by
    /// handing its chat back (`AgentLeft`), which frees the slot and routes the chat again.
    pub(super) fn chats_move_on(
        &self,
        agent: &AgentId,
        removed: bool,
        fx: &mut Vec<WorkspaceEffect>,
    ) {
        for (conversation, _) in self.router.chats_of(agent) {
            fx.push(WorkspaceEffect::ToConversation {
                conversation,
                msg: WorkspaceToConversation::AgentLeft {
                    agent: agent.clone(),
                    removed,
                },
            });
        }
    }
}
