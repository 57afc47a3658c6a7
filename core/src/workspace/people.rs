//! Agents' presence and profiles: inbox sockets, the reconnect grace, available or away.

use serde::{Deserialize, Serialize};

use super::{Workspace, WorkspaceEffect, PRESENCE_GRACE, PUSH_REACH};
use crate::link::WorkspaceToConversation;
use crate::protocol::{AgentProfile, Presence, PushMsg};
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
    /// Browsers (devices) that receive this agent's offers by Web Push, as the edge stores
    /// their subscriptions. With one, an available agent stays reachable after their last
    /// inbox closes, for [`PUSH_REACH`].
    #[serde(default, skip_serializing_if = "is_zero")]
    pub push_devices: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Person {
    /// A new agent: never chose, never gone, no push device.
    pub fn new(profile: AgentProfile) -> Person {
        Person {
            profile,
            chose: false,
            gone_since: None,
            offers_moved: false,
            chats_moved: false,
            push_devices: 0,
        }
    }

    /// When this agent's offers stop waiting for them after their last inbox closed: a
    /// reconnect's grace, or a working day when a notification can still reach them.
    fn offers_due(&self, since: Millis, by_push: bool) -> Millis {
        since.after(if by_push { PUSH_REACH } else { PRESENCE_GRACE })
    }

    /// When this agent's absence next matters, given whether they hold chats and whether
    /// they are reached by push. A chat needs an open inbox: it moves on after the grace
    /// whether or not a notification could reach its agent.
    pub(super) fn deadline(
        &self,
        holds_chats: bool,
        chats_grace: Millis,
        by_push: bool,
    ) -> Option<Millis> {
        let since = self.gone_since?;
        let offers = (!self.offers_moved).then(|| self.offers_due(since, by_push));
        let chats = (holds_chats && !self.chats_moved && (self.offers_moved || by_push))
            .then(|| since.after(chats_grace));
        crate::time::earliest(offers, chats)
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
        let mut effects = self.router.set_push_only(agent, false);
        effects.extend(self.router.set_connected(agent, true, now));
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
            self.went_away(agent, true, now, fx);
        }
    }

    /// No inbox is left. Without a push device: no new offers from now on; offers already made
    /// wait for the grace. With one (and `push_ok`): the agent stays reachable by notification
    /// for [`PUSH_REACH`], offered chats only when nobody with an open inbox can take them, and
    /// each offer waiting for them now goes out as a notification.
    pub(super) fn went_away(
        &mut self,
        agent: &AgentId,
        push_ok: bool,
        now: Millis,
        fx: &mut Vec<WorkspaceEffect>,
    ) {
        let by_push = push_ok && self.people.get(agent).is_some_and(|p| p.push_devices > 0);
        let effects = if by_push {
            self.router.set_push_only(agent, true)
        } else {
            self.router.set_connected(agent, false, now)
        };
        self.routing_effects(effects, None, fx);
        if by_push {
            for o in self.router.offers_of(agent) {
                let view = self.offer_view(o.offer, &o.conversation, o.deadline);
                fx.push(WorkspaceEffect::Push {
                    agent: agent.clone(),
                    msg: PushMsg::offer(&self.id, &view),
                });
            }
        }
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
                self.went_away(&agent, true, now, fx);
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
        let online = self.reachable(agent);
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
            let by_push = self.by_push(&agent);
            if !person.offers_moved && now >= person.offers_due(since, by_push) {
                if let Some(p) = self.people.get_mut(&agent) {
                    p.offers_moved = true;
                }
                self.people_changed = true;
                let available = self.router.agent(&agent).is_some_and(|v| v.available);
                // Withdrawn while still reached by push: their notifications are closed too.
                let effects = self.router.set_presence(&agent, false, available, now);
                self.routing_effects(effects, None, fx);
                self.router.set_push_only(&agent, false);
            }
            let chats_due = self
                .people
                .get(&agent)
                .is_some_and(|p| (p.offers_moved || by_push) && !p.chats_moved);
            if chats_due && now >= since.after(self.router.settings().agent_gone_grace) {
                if let Some(p) = self.people.get_mut(&agent) {
                    p.chats_moved = true;
                }
                self.people_changed = true;
                self.chats_move_on(&agent, false, fx);
            }
        }
    }

    /// The edge stored or dropped a push subscription of this agent: `devices` are left. The
    /// last one gone while no inbox is open makes the agent unreachable: their offers move on
    /// now if the reconnect grace is over.
    pub(super) fn push_devices(
        &mut self,
        agent: &AgentId,
        devices: u32,
        now: Millis,
        fx: &mut Vec<WorkspaceEffect>,
    ) {
        let Some(person) = self.people.get_mut(agent) else {
            return;
        };
        if person.push_devices == devices {
            return;
        }
        person.push_devices = devices;
        self.people_changed = true;
        if devices == 0 && self.by_push(agent) {
            let effects = self.router.set_push_only(agent, false);
            self.routing_effects(effects, None, fx);
            let effects = self.router.set_connected(agent, false, now);
            self.routing_effects(effects, None, fx);
            self.presence_timers(now, fx);
        }
    }

    /// Whether the agent is online through push alone (no inbox open).
    pub(super) fn by_push(&self, agent: &AgentId) -> bool {
        self.router.agent(agent).is_some_and(|v| v.push_only)
    }

    /// Whether an offer can reach the agent now: an open inbox, or a notification.
    pub(super) fn reachable(&self, agent: &AgentId) -> bool {
        self.connected(agent) || self.by_push(agent)
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
