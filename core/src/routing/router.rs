//! The routing engine: a sans-IO state machine with an explicit clock.
//!
//! The WorkspaceDO owns one [`Router`], feeds it inputs with the current time, applies the
//! returned [`RoutingEffect`]s, persists it with serde, and sets its alarm to
//! [`Router::next_deadline`]. Everything is deterministic: the same inputs give the same effects.
//!
//! Nobody is left in a dead end: when an offer is declined, or withdrawn because the agent went
//! away, offline, lost the permission or was removed, the chat is offered at once (with a fresh
//! full accept timeout) to the next eligible agent of the same routing target: round robin, the
//! next agent in workspace order; a team (team routing, or a rule's team), the next member in
//! the team's order; a single agent (agent routing, or a rule's agent), nobody. Each agent is
//! offered a given chat at most once. An offer that times out moves on only on Prime with team
//! routing, while extra team attempts remain ([`RoutingSettings::extra_team_attempts`]); every
//! other timeout falls back. So a request falls back when nobody eligible is left (reason: why the
//! last offer ended) or when its timeouts are used up; a cancellation ends it without fallback.
//!
//! Architecture invariants:
//! - Agents live in a `Vec` and are never removed from it (a removed agent is a tombstone), so
//!   an agent's index is stable, round-robin cursors are plain indices, and the persisted state
//!   refers to agents by index.
//! - `load(agent) = accepted chats + outstanding offers <= capacity` whenever an offer is made.
//! - Every request ends in exactly one of: an accepted chat, a fallback, or a cancellation.
//! - No agent is offered the same request twice (`Pending::tried` plus the current agent are
//!   distinct).
//! - Lookup tables (`agent_index`, `team_index`, `by_conversation`, `deadlines`, per-agent
//!   counters) are derived data: not persisted, rebuilt on deserialisation.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::audit::{AuditEntry, AuditOutcome, AuditTrigger, RoutingMode, SkipReason, Skips};
use super::choice::{Routing, RuleTarget, VisitorFacts};
use super::effects::{FallbackReason, RoutingEffect, RoutingError, WithdrawReason};
use super::rules;
use super::settings::RoutingSettings;
use crate::{AgentId, ConversationId, Millis, TeamId};

mod transfer;

/// Routing state of one workspace.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "RouterData")]
pub struct Router {
    settings: RoutingSettings,
    /// In order of first insertion; never shrinks.
    agents: Vec<AgentSlot>,
    /// In order of first mention; never shrinks.
    teams: Vec<TeamSlot>,
    /// Index of the next agent round-robin considers.
    cursor: u32,
    /// Outstanding offers (one per pending request), by offer id.
    pending: BTreeMap<u64, Pending>,
    /// Accepted live chats.
    chats: BTreeMap<ConversationId, Chat>,
    /// Accepted live chats, lifetime.
    engagements: u32,
    next_offer: u64,
    #[serde(skip)]
    agent_index: HashMap<AgentId, u32>,
    #[serde(skip)]
    team_index: HashMap<TeamId, u32>,
    #[serde(skip)]
    by_conversation: HashMap<ConversationId, u64>,
    #[serde(skip)]
    deadlines: BTreeSet<(Millis, u64)>,
    /// Offers and chats inserted or removed since [`Router::take_changes`] (not persisted).
    #[serde(skip)]
    changes: Changes,
}

/// What changed since the last [`Router::take_changes`]: a caller that stores the router in
/// parts (see [`Router::roster`], [`Router::counters`], [`Router::pending_part`],
/// [`Router::chat_part`], [`Router::from_parts`]) rewrites only these. The counters every
/// decision moves (cursors, offer numbers, engagements) are not tracked: they are a few bytes,
/// stored whenever they differ from what was stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Offer ids inserted or removed.
    pub pending: BTreeSet<u64>,
    /// Conversations whose accepted chat was inserted or removed.
    pub chats: BTreeSet<ConversationId>,
    /// The roster (settings, agents, their presence and teams) changed. It grows with the
    /// workspace's agents, so a routing decision, which never changes it, does not rewrite it.
    pub roster: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty() && self.chats.is_empty() && !self.roster
    }
}

/// The roster, borrowed for storing: everything in the head but the counters.
#[derive(Serialize)]
pub struct RosterRef<'a> {
    settings: &'a RoutingSettings,
    agents: &'a [AgentSlot],
    teams: Vec<TeamRosterRef<'a>>,
}

#[derive(Serialize)]
struct TeamRosterRef<'a> {
    id: &'a TeamId,
    members: &'a [u32],
}

/// The numbers every routing decision moves: where round robin (and each team's turn) stands,
/// the next offer id, the engagements used. Stored apart from the roster, so a decision writes
/// a few bytes whatever the number of agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    cursor: u32,
    engagements: u32,
    next_offer: u64,
    /// Each team's cursor, in team order.
    team_cursors: Vec<u32>,
}

/// The router without its offers and chats, borrowed for storing (see [`Router::head`]).
#[derive(Serialize)]
pub struct RouterHeadRef<'a> {
    settings: &'a RoutingSettings,
    agents: &'a [AgentSlot],
    teams: &'a [TeamSlot],
    cursor: u32,
    engagements: u32,
    next_offer: u64,
}

/// The router without its offers and chats, as stored (see [`Router::from_parts`]): a
/// [`RosterRef`] read back, with its [`Counters`] put in by [`RouterHead::with_counters`]. A
/// head stored whole (with its counters, before they were stored apart) reads as well.
#[derive(Debug, Deserialize)]
pub struct RouterHead {
    settings: RoutingSettings,
    agents: Vec<AgentSlot>,
    teams: Vec<TeamSlot>,
    #[serde(default)]
    cursor: u32,
    #[serde(default)]
    engagements: u32,
    #[serde(default)]
    next_offer: u64,
}

impl RouterHead {
    /// The head with the counters stored apart, which are newer than any the head holds.
    pub fn with_counters(mut self, counters: Counters) -> Self {
        self.cursor = counters.cursor;
        self.engagements = counters.engagements;
        self.next_offer = counters.next_offer;
        for (team, cursor) in self.teams.iter_mut().zip(counters.team_cursors) {
            team.cursor = cursor;
        }
        self
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct AgentSlot {
    id: AgentId,
    live_chat: bool,
    #[serde(default)]
    removed: bool,
    online: bool,
    available: bool,
    /// Online only through Web Push (no inbox open): picked only when no agent with an open
    /// inbox can take the chat, so a visitor never waits on a notification when someone is at
    /// their desk.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    push_only: bool,
    /// Team indices.
    teams: Vec<u32>,
    /// Outstanding offer ids, oldest first (derived).
    #[serde(skip)]
    offers: Vec<u64>,
    /// Accepted chats (derived).
    #[serde(skip)]
    chats: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TeamSlot {
    id: TeamId,
    /// Agent indices, ascending (workspace order).
    members: Vec<u32>,
    /// Position in `members` of the next agent considered (stored with the [`Counters`]).
    #[serde(default)]
    cursor: u32,
    /// Whether the team's hours are open, valid from `.0` until `.1` (the next change): routing
    /// asks for every candidate, and the time-zone arithmetic is worth doing once per change.
    #[serde(skip)]
    open: Cell<Option<(Millis, Millis, bool)>>,
}

/// An outstanding offer, as stored (opaque outside the router).
///
/// The routing target of re-offers is derived from what is stored: `team` set → that team;
/// round-robin mode → every agent; otherwise (agent routing, a rule's agent) → nobody else.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    conversation: ConversationId,
    agent: u32,
    deadline: Millis,
    requested_at: Millis,
    mode: RoutingMode,
    rule: Option<u32>,
    team: Option<u32>,
    /// Extra team agents that may still be tried after a timeout (Prime).
    attempts_left: u32,
    /// Agents offered this chat before the current one, in order; never offered it again.
    #[serde(default)]
    tried: Vec<u32>,
    facts: VisitorFacts,
    /// The conversation's number for this request (see [`Router::request_numbered`]).
    #[serde(default)]
    request: u32,
    /// A transfer: the agent holding the accepted chat, who keeps it unless this is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    transfer_from: Option<u32>,
}

/// An accepted chat, as stored (opaque outside the router).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Chat {
    agent: u32,
    since: Millis,
    offer: u64,
    /// The conversation's number for the request this chat answered.
    #[serde(default)]
    request: u32,
    /// What was known of the visitor when they asked (for a transfer's Accept banner).
    #[serde(default)]
    facts: VisitorFacts,
}

/// The persisted form; [`Router`] rebuilds its lookup tables from it.
#[derive(Deserialize)]
struct RouterData {
    settings: RoutingSettings,
    agents: Vec<AgentSlot>,
    teams: Vec<TeamSlot>,
    cursor: u32,
    pending: BTreeMap<u64, Pending>,
    chats: BTreeMap<ConversationId, Chat>,
    engagements: u32,
    next_offer: u64,
}

/// An outstanding offer, as seen from outside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOffer {
    pub offer: u64,
    pub conversation: ConversationId,
    pub agent: AgentId,
    pub deadline: Millis,
    pub requested_at: Millis,
}

/// An agent's routing state, as seen from outside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentView {
    pub agent: AgentId,
    pub live_chat: bool,
    pub online: bool,
    /// Online through Web Push only (see [`Router::set_push_only`]).
    pub push_only: bool,
    pub available: bool,
    pub teams: Vec<TeamId>,
    pub chats: u32,
    pub offers: u32,
}

/// Where a request goes before an agent is picked.
#[derive(Clone, Copy)]
enum Target {
    All,
    Agent(u32),
    Team(u32),
}

/// Context of a routing decision, carried into the audit entry.
struct Decision {
    mode: RoutingMode,
    rule: Option<u32>,
    team: Option<u32>,
    trigger: AuditTrigger,
}

impl TryFrom<RouterData> for Router {
    type Error = String;

    fn try_from(d: RouterData) -> Result<Self, String> {
        let mut r = Router {
            settings: d.settings,
            agents: d.agents,
            teams: d.teams,
            cursor: d.cursor,
            pending: d.pending,
            chats: d.chats,
            engagements: d.engagements,
            next_offer: d.next_offer,
            agent_index: HashMap::new(),
            team_index: HashMap::new(),
            by_conversation: HashMap::new(),
            deadlines: BTreeSet::new(),
            changes: Changes::default(),
        };
        let n_agents = r.agents.len();
        let n_teams = r.teams.len();
        let agent_ok = |i: u32| (i as usize) < n_agents;
        for (i, a) in r.agents.iter_mut().enumerate() {
            if r.agent_index.insert(a.id.clone(), i as u32).is_some() {
                return Err(format!("duplicate agent {}", a.id));
            }
            if a.teams.iter().any(|&t| t as usize >= n_teams) {
                return Err(format!("agent {} in unknown team", a.id));
            }
            a.offers.clear();
            a.chats = 0;
        }
        for (i, t) in r.teams.iter().enumerate() {
            if r.team_index.insert(t.id.clone(), i as u32).is_some() {
                return Err(format!("duplicate team {}", t.id));
            }
            if !t.members.iter().all(|&m| agent_ok(m)) {
                return Err(format!("team {} has an unknown member", t.id));
            }
        }
        for (&id, p) in &r.pending {
            if !agent_ok(p.agent) || !p.tried.iter().all(|&a| agent_ok(a)) {
                return Err(format!("offer {id} names an unknown agent"));
            }
            if p.team.is_some_and(|t| t as usize >= n_teams) {
                return Err(format!("offer {id} names an unknown team"));
            }
            if id >= r.next_offer {
                return Err(format!("offer {id} is not below next_offer"));
            }
            if r.by_conversation
                .insert(p.conversation.clone(), id)
                .is_some()
            {
                return Err(format!("two offers for {}", p.conversation));
            }
            r.deadlines.insert((p.deadline, id));
            r.agents[p.agent as usize].offers.push(id);
        }
        for (conv, c) in &r.chats {
            if !agent_ok(c.agent) {
                return Err(format!("chat {conv} names an unknown agent"));
            }
            let transfer = r
                .by_conversation
                .get(conv)
                .and_then(|o| r.pending.get(o))
                .map(|p| p.transfer_from);
            if matches!(transfer, Some(from) if from != Some(c.agent)) {
                return Err(format!("{conv} is both pending and accepted"));
            }
            r.agents[c.agent as usize].chats += 1;
        }
        for (&id, p) in &r.pending {
            if p.transfer_from.is_some() && !r.chats.contains_key(&p.conversation) {
                return Err(format!("offer {id} transfers a chat that is not open"));
            }
        }
        Ok(r)
    }
}

impl Default for Router {
    fn default() -> Self {
        Router::new(RoutingSettings::default())
    }
}

impl Router {
    pub fn new(settings: RoutingSettings) -> Self {
        Router {
            settings,
            agents: Vec::new(),
            teams: Vec::new(),
            cursor: 0,
            pending: BTreeMap::new(),
            chats: BTreeMap::new(),
            engagements: 0,
            next_offer: 1,
            agent_index: HashMap::new(),
            team_index: HashMap::new(),
            by_conversation: HashMap::new(),
            deadlines: BTreeSet::new(),
            // Never stored: the first store writes the roster.
            changes: Changes {
                roster: true,
                ..Changes::default()
            },
        }
    }

    /// Everything but the offers and chats, for storing the router in parts.
    pub fn head(&self) -> RouterHeadRef<'_> {
        RouterHeadRef {
            settings: &self.settings,
            agents: &self.agents,
            teams: &self.teams,
            cursor: self.cursor,
            engagements: self.engagements,
            next_offer: self.next_offer,
        }
    }

    /// The roster, to store when [`Changes::roster`] says it changed.
    pub fn roster(&self) -> RosterRef<'_> {
        RosterRef {
            settings: &self.settings,
            agents: &self.agents,
            teams: self
                .teams
                .iter()
                .map(|t| TeamRosterRef {
                    id: &t.id,
                    members: &t.members,
                })
                .collect(),
        }
    }

    /// The counters, to store whenever they differ from what was stored.
    pub fn counters(&self) -> Counters {
        Counters {
            cursor: self.cursor,
            engagements: self.engagements,
            next_offer: self.next_offer,
            team_cursors: self.teams.iter().map(|t| t.cursor).collect(),
        }
    }

    /// The stored form of an outstanding offer, if it is still outstanding.
    pub fn pending_part(&self, offer: u64) -> Option<&Pending> {
        self.pending.get(&offer)
    }

    /// The stored form of an accepted chat, if it is still open.
    pub fn chat_part(&self, conversation: &ConversationId) -> Option<&Chat> {
        self.chats.get(conversation)
    }

    /// The roster and every outstanding offer and chat, as changed: for a first store in parts.
    pub fn all_changed(&self) -> Changes {
        Changes {
            pending: self.pending.keys().copied().collect(),
            chats: self.chats.keys().cloned().collect(),
            roster: true,
        }
    }

    /// The offers and chats inserted or removed since the last call; clears the record.
    pub fn take_changes(&mut self) -> Changes {
        std::mem::take(&mut self.changes)
    }

    /// Rebuilds a router stored in parts (with the same checks as deserialising it whole).
    pub fn from_parts(
        head: RouterHead,
        pending: impl IntoIterator<Item = (u64, Pending)>,
        chats: impl IntoIterator<Item = (ConversationId, Chat)>,
    ) -> Result<Router, String> {
        Router::try_from(RouterData {
            settings: head.settings,
            agents: head.agents,
            teams: head.teams,
            cursor: head.cursor,
            pending: pending.into_iter().collect(),
            chats: chats.into_iter().collect(),
            engagements: head.engagements,
            next_offer: head.next_offer,
        })
    }

    pub fn settings(&self) -> &RoutingSettings {
        &self.settings
    }

    /// New settings apply to decisions made from now on; outstanding offers keep their deadline.
    pub fn set_settings(&mut self, settings: RoutingSettings) {
        self.settings = settings;
        self.changes.roster = true;
        for t in &self.teams {
            t.open.set(None);
        }
    }

    // ---------------------------------------------------------------- agents and presence

    /// Adds an agent (offline, at the end of the round-robin order) or updates one (keeping its
    /// place, presence and chats). A removed agent comes back at its old place. Losing the
    /// live-chat permission withdraws the agent's offers, and routing moves on.
    pub fn upsert_agent(
        &mut self,
        agent: AgentId,
        live_chat: bool,
        teams: Vec<TeamId>,
        now: Millis,
    ) -> Vec<RoutingEffect> {
        self.changes.roster = true;
        let idx = match self.agent_index.get(&agent) {
            Some(&i) => i,
            None => {
                let i = self.agents.len() as u32;
                self.agent_index.insert(agent.clone(), i);
                self.agents.push(AgentSlot {
                    id: agent,
                    live_chat,
                    removed: false,
                    online: false,
                    available: false,
                    push_only: false,
                    teams: Vec::new(),
                    offers: Vec::new(),
                    chats: 0,
                });
                i
            }
        };
        let mut wanted: Vec<u32> = Vec::with_capacity(teams.len());
        for t in teams {
            let ti = self.team_id(t);
            if !wanted.contains(&ti) {
                wanted.push(ti);
            }
        }
        let slot = &mut self.agents[idx as usize];
        slot.live_chat = live_chat;
        slot.removed = false;
        let old = std::mem::take(&mut slot.teams);
        for &t in &old {
            if !wanted.contains(&t) {
                self.teams[t as usize].leave(idx);
            }
        }
        for &t in &wanted {
            if !old.contains(&t) {
                self.teams[t as usize].join(idx);
            }
        }
        self.agents[idx as usize].teams = wanted;
        let mut out = Vec::new();
        if !live_chat {
            self.withdraw_all(idx, WithdrawReason::AgentUnavailable, now, &mut out);
        }
        out
    }

    /// Removes an agent from routing and from its teams; its offers are withdrawn and routing
    /// moves on. Its accepted chats stay until released.
    pub fn remove_agent(&mut self, agent: &AgentId, now: Millis) -> Vec<RoutingEffect> {
        let mut out = Vec::new();
        let Some(&idx) = self.agent_index.get(agent) else {
            return out;
        };
        self.changes.roster = true;
        let slot = &mut self.agents[idx as usize];
        slot.removed = true;
        for t in std::mem::take(&mut slot.teams) {
            self.teams[t as usize].leave(idx);
        }
        self.withdraw_all(idx, WithdrawReason::AgentUnavailable, now, &mut out);
        out
    }

    /// Sets an agent's presence. Going offline or away withdraws the agent's offers at once
    /// ([`WithdrawReason::AgentUnavailable`]) and each chat moves on to the next eligible agent
    /// (see the module docs). Accepted chats are kept. Unknown agents are ignored.
    pub fn set_presence(
        &mut self,
        agent: &AgentId,
        online: bool,
        available: bool,
        now: Millis,
    ) -> Vec<RoutingEffect> {
        let mut out = Vec::new();
        let Some(&idx) = self.agent_index.get(agent) else {
            return out;
        };
        self.changes.roster = true;
        let slot = &mut self.agents[idx as usize];
        slot.online = online;
        slot.available = available;
        if !(online && available) {
            self.withdraw_all(idx, WithdrawReason::AgentUnavailable, now, &mut out);
        }
        out
    }

    /// Whether the agent's inbox is connected. `false` makes the agent ineligible for new offers
    /// at once ([`SkipReason::Offline`]) but keeps its outstanding offers and accepted chats: the
    /// caller gives them a grace period, then calls [`Router::withdraw_offers`] if the agent did
    /// not come back. `true` makes the agent eligible again (if available, permitted and below
    /// capacity). Never withdraws anything: the result is always empty. Unknown agents are ignored.
    pub fn set_connected(
        &mut self,
        agent: &AgentId,
        connected: bool,
        _now: Millis,
    ) -> Vec<RoutingEffect> {
        if let Some(&idx) = self.agent_index.get(agent) {
            self.agents[idx as usize].online = connected;
            self.changes.roster = true;
        }
        Vec::new()
    }

    /// Whether the agent is reached only by Web Push (no inbox open). Such an agent is offered a
    /// chat only when no agent with an open inbox can take it ([`Router::request`]). Never
    /// withdraws anything: the result is always empty. Unknown agents are ignored.
    pub fn set_push_only(&mut self, agent: &AgentId, push_only: bool) -> Vec<RoutingEffect> {
        if let Some(&idx) = self.agent_index.get(agent) {
            self.agents[idx as usize].push_only = push_only;
            self.changes.roster = true;
        }
        Vec::new()
    }

    /// Withdraws every outstanding offer of the agent ([`WithdrawReason::AgentUnavailable`]);
    /// each chat moves on to the next eligible agent (see the module docs). Presence and accepted
    /// chats are unchanged. Unknown agents and agents without offers give no effects.
    pub fn withdraw_offers(&mut self, agent: &AgentId, now: Millis) -> Vec<RoutingEffect> {
        let mut out = Vec::new();
        if let Some(&idx) = self.agent_index.get(agent) {
            self.withdraw_all(idx, WithdrawReason::AgentUnavailable, now, &mut out);
        }
        out
    }

    // ---------------------------------------------------------------- requests

    /// A visitor asks for a live chat. Either offers it to one agent or falls back at once.
    /// A repeated request for a conversation that already has an offer or an accepted chat
    /// changes nothing (it is audited as a duplicate).
    pub fn request(
        &mut self,
        conversation: ConversationId,
        routing: &Routing,
        facts: &VisitorFacts,
        now: Millis,
    ) -> Vec<RoutingEffect> {
        self.request_numbered(conversation, routing, facts, 0, now)
    }

    /// [`Router::request`], for the conversation's request number `request`: the number rides
    /// with the offer and the accepted chat, so answers to an older request can be told apart.
    pub fn request_numbered(
        &mut self,
        conversation: ConversationId,
        routing: &Routing,
        facts: &VisitorFacts,
        request: u32,
        now: Millis,
    ) -> Vec<RoutingEffect> {
        let mut out = Vec::with_capacity(2);
        let mut d = Decision {
            mode: RoutingMode::of(routing),
            rule: None,
            team: None,
            trigger: AuditTrigger::Request,
        };
        if self.by_conversation.contains_key(&conversation)
            || self.chats.contains_key(&conversation)
        {
            self.audit(
                &mut out,
                now,
                conversation,
                d,
                AuditOutcome::Duplicate,
                Skips::default(),
            );
            return out;
        }
        // Outside business hours nobody is expected: the visitor gets the fallback at once
        // rather than waiting for offers nobody will see.
        if self
            .settings
            .business_hours
            .as_ref()
            .is_some_and(|h| !h.is_open(now))
        {
            let reason = FallbackReason::OutsideHours;
            let facts = facts.clone();
            self.fall_back(
                &mut out,
                now,
                conversation,
                d,
                reason,
                facts,
                Skips::default(),
            );
            return out;
        }
        // Select: engagements plus requests still waiting for an answer may not exceed the limit,
        // so the lifetime limit can never be overrun by offers accepted later.
        if self.engagement_room_left() == 0 {
            let reason = FallbackReason::EngagementLimitReached;
            self.fall_back(
                &mut out,
                now,
                conversation,
                d,
                reason,
                facts.clone(),
                Skips::default(),
            );
            return out;
        }
        let target = match routing {
            Routing::RoundRobin => Ok(Target::All),
            Routing::Agent { agent } => self.agent_target(agent),
            Routing::Team { team } => self.team_target(team, now),
            Routing::Rules { rules } => match rules::first_match(rules, facts) {
                None => Err(FallbackReason::NoRuleMatched),
                Some(i) => {
                    d.rule = Some(i as u32);
                    match &rules[i].target {
                        RuleTarget::Agent { agent } => self.agent_target(agent),
                        RuleTarget::Team { team } => self.team_target(team, now),
                    }
                }
            },
        };
        let target = match target {
            Ok(t) => t,
            Err(reason) => {
                self.fall_back(
                    &mut out,
                    now,
                    conversation,
                    d,
                    reason,
                    facts.clone(),
                    Skips::default(),
                );
                return out;
            }
        };
        let mut skips = Skips::default();
        let (picked, attempts) = match target {
            Target::All => (self.pick_round_robin(&[], now, &mut skips), 0),
            Target::Agent(a) => (self.check(a, now, &mut skips).then_some(a), 0),
            Target::Team(t) => {
                d.team = Some(t);
                let extra = self.settings.effective_extra_team_attempts();
                (self.pick_in_team(t, &[], now, &mut skips), extra)
            }
        };
        match picked {
            None => {
                let reason = FallbackReason::NoEligibleAgent;
                self.fall_back(&mut out, now, conversation, d, reason, facts.clone(), skips);
            }
            Some(agent) => {
                let p = Pending {
                    conversation,
                    agent,
                    deadline: now.after(self.settings.accept_timeout),
                    requested_at: now,
                    mode: d.mode,
                    rule: d.rule,
                    team: d.team,
                    attempts_left: attempts,
                    tried: Vec::new(),
                    facts: facts.clone(),
                    request,
                    transfer_from: None,
                };
                self.offer(&mut out, now, p, d.trigger, skips);
            }
        }
        out
    }

    /// The request number of the conversation's outstanding offer or accepted chat.
    pub fn request_of(&self, conversation: &ConversationId) -> Option<u32> {
        if let Some(c) = self.chats.get(conversation) {
            return Some(c.request);
        }
        let offer = self.by_conversation.get(conversation)?;
        self.pending.get(offer).map(|p| p.request)
    }

    /// The agent accepts an offer made to them, before its deadline.
    pub fn accept(
        &mut self,
        agent: &AgentId,
        offer: u64,
        now: Millis,
    ) -> Result<Vec<RoutingEffect>, RoutingError> {
        self.check_answer(agent, offer, now)?;
        let mut out = Vec::with_capacity(2);
        if self.is_transfer(offer) {
            return self.complete_transfer(offer, now);
        }
        if self.settings.engagement_limited() && self.engagements >= self.settings.engagement_limit
        {
            // Only reachable when the limit was lowered while the offer was out.
            self.end_offer(offer, WithdrawReason::EngagementLimit, now, &mut out);
            return Ok(out);
        }
        let Some(p) = self.take_pending(offer) else {
            return Err(RoutingError::OfferClosed(offer));
        };
        let slot = &mut self.agents[p.agent as usize];
        slot.chats += 1;
        self.engagements = self.engagements.saturating_add(1);
        let agent_id = slot.id.clone();
        out.push(RoutingEffect::Accepted {
            offer,
            conversation: p.conversation.clone(),
            agent: agent_id.clone(),
            request: p.request,
            requested_at: p.requested_at,
        });
        let d = Decision {
            mode: p.mode,
            rule: p.rule,
            team: p.team,
            trigger: AuditTrigger::Accept,
        };
        self.changes.chats.insert(p.conversation.clone());
        self.chats.insert(
            p.conversation.clone(),
            Chat {
                agent: p.agent,
                since: now,
                offer,
                request: p.request,
                facts: p.facts,
            },
        );
        let outcome = AuditOutcome::Accepted {
            agent: agent_id,
            offer,
        };
        self.audit(&mut out, now, p.conversation, d, outcome, Skips::default());
        Ok(out)
    }

    /// The agent declines an offer; the chat moves on to the next eligible agent of the same
    /// routing target who was not offered it yet, else falls back (see the module docs).
    pub fn decline(
        &mut self,
        agent: &AgentId,
        offer: u64,
        now: Millis,
    ) -> Result<Vec<RoutingEffect>, RoutingError> {
        self.check_answer(agent, offer, now)?;
        let mut out = Vec::with_capacity(3);
        self.end_offer(offer, WithdrawReason::Declined, now, &mut out);
        Ok(out)
    }

    /// The conversation went away before acceptance (visitor left or ended): its offer is
    /// withdrawn, with no fallback. Does nothing for accepted chats (use [`Router::release`]).
    /// Idempotent: a second call (or a call for an unknown conversation) gives no effects.
    pub fn cancel(&mut self, conversation: &ConversationId, now: Millis) -> Vec<RoutingEffect> {
        let mut out = Vec::new();
        if let Some(&offer) = self.by_conversation.get(conversation) {
            self.end_offer(offer, WithdrawReason::Cancelled, now, &mut out);
        }
        out
    }

    /// A live chat ended or expired: the agent's slot is free. On a conversation still waiting
    /// for acceptance this cancels it instead. Idempotent: a second call (or a call for an
    /// unknown conversation) gives no effects.
    /// A transfer still out for the chat is withdrawn first (cancelled).
    pub fn release(&mut self, conversation: &ConversationId, now: Millis) -> Vec<RoutingEffect> {
        if self.chats.contains_key(conversation) {
            let mut out = self.cancel(conversation, now);
            if let Some((conversation, chat)) = self.chats.remove_entry(conversation) {
                self.changes.chats.insert(conversation.clone());
                let slot = &mut self.agents[chat.agent as usize];
                slot.chats = slot.chats.saturating_sub(1);
                out.push(RoutingEffect::Released {
                    conversation,
                    agent: slot.id.clone(),
                });
            }
            return out;
        }
        self.cancel(conversation, now)
    }

    /// Cancels the conversation's outstanding offer when it answers request `request` or an
    /// older one (a cancel that arrives late never cancels a newer request).
    pub fn cancel_request(
        &mut self,
        conversation: &ConversationId,
        request: u32,
        now: Millis,
    ) -> Vec<RoutingEffect> {
        match self.request_of(conversation) {
            Some(r) if r <= request && !self.chats.contains_key(conversation) => {
                self.cancel(conversation, now)
            }
            _ => Vec::new(),
        }
    }

    /// Releases the chat when `agent` holds it for request `request` or an older one.
    pub fn release_request(
        &mut self,
        conversation: &ConversationId,
        agent: &AgentId,
        request: u32,
        now: Millis,
    ) -> Vec<RoutingEffect> {
        match self.chats.get(conversation) {
            Some(c) if c.request <= request => self.release_if(conversation, agent, now),
            _ => Vec::new(),
        }
    }

    /// Releases the chat when it was accepted for request `request` or an older one, whoever
    /// holds it: the conversation has moved on to a newer request, so nobody holds it there.
    pub fn release_stale(
        &mut self,
        conversation: &ConversationId,
        request: u32,
        now: Millis,
    ) -> Vec<RoutingEffect> {
        match self.chats.get(conversation) {
            Some(c) if c.request <= request => self.release(conversation, now),
            _ => Vec::new(),
        }
    }

    /// Releases the chat only when `agent` holds it; otherwise (another agent holds it, it is
    /// still waiting for acceptance, it is over or unknown) gives no effects. For compensation
    /// messages that may arrive late or twice.
    pub fn release_if(
        &mut self,
        conversation: &ConversationId,
        agent: &AgentId,
        now: Millis,
    ) -> Vec<RoutingEffect> {
        let holds = match (self.chats.get(conversation), self.agent_index.get(agent)) {
            (Some(chat), Some(&idx)) => chat.agent == idx,
            _ => false,
        };
        if holds {
            self.release(conversation, now)
        } else {
            Vec::new()
        }
    }

    /// Expires every offer whose deadline is `<= now`. Idempotent: calling it early, late or
    /// twice is harmless.
    pub fn on_timer(&mut self, now: Millis) -> Vec<RoutingEffect> {
        let mut out = Vec::new();
        while let Some(&(deadline, offer)) = self.deadlines.first() {
            if deadline > now {
                break;
            }
            self.end_offer(offer, WithdrawReason::Expired, now, &mut out);
        }
        out
    }

    /// The earliest offer deadline: when [`Router::on_timer`] should next be called.
    pub fn next_deadline(&self) -> Option<Millis> {
        self.deadlines.first().map(|&(d, _)| d)
    }

    // ---------------------------------------------------------------- queries

    /// Accepted chats + outstanding offers of the agent (0 if unknown).
    pub fn load(&self, agent: &AgentId) -> u32 {
        self.slot(agent).map_or(0, AgentSlot::load)
    }

    /// Accepted live chats, lifetime.
    pub fn engagements(&self) -> u32 {
        self.engagements
    }

    /// Outstanding offers of the agent, oldest first.
    pub fn offers_of(&self, agent: &AgentId) -> Vec<OpenOffer> {
        self.slot(agent).map_or_else(Vec::new, |s| {
            s.offers
                .iter()
                .filter_map(|&o| self.open_offer(o))
                .collect()
        })
    }

    /// When the conversation's accepted chat started, if it has one.
    pub fn chat_since(&self, conversation: &ConversationId) -> Option<Millis> {
        self.chats.get(conversation).map(|c| c.since)
    }

    /// Whether the agent holds at least one accepted chat (no allocation: for deadlines).
    pub fn holds_chats(&self, agent: &AgentId) -> bool {
        self.slot(agent).is_some_and(|s| s.chats > 0)
    }

    /// Accepted chats of the agent, with when they started.
    pub fn chats_of(&self, agent: &AgentId) -> Vec<(ConversationId, Millis)> {
        let Some(&idx) = self.agent_index.get(agent) else {
            return Vec::new();
        };
        self.chats
            .iter()
            .filter(|(_, c)| c.agent == idx)
            .map(|(conv, c)| (conv.clone(), c.since))
            .collect()
    }

    /// The outstanding offer for a conversation, if it is waiting for acceptance.
    pub fn pending_offer(&self, conversation: &ConversationId) -> Option<OpenOffer> {
        self.by_conversation
            .get(conversation)
            .and_then(|&o| self.open_offer(o))
    }

    /// The agents offered the conversation's pending request so far, in order, the one holding
    /// the current offer last (empty when nothing is pending). Each appears once.
    pub fn tried(&self, conversation: &ConversationId) -> Vec<AgentId> {
        self.by_conversation
            .get(conversation)
            .and_then(|o| self.pending.get(o))
            .map_or_else(Vec::new, |p| {
                p.tried
                    .iter()
                    .chain(std::iter::once(&p.agent))
                    .map(|&i| self.agents[i as usize].id.clone())
                    .collect()
            })
    }

    /// What is known of the visitor of an outstanding offer (for the Accept banner).
    pub fn offer_facts(&self, offer: u64) -> Option<&VisitorFacts> {
        self.pending.get(&offer).map(|p| &p.facts)
    }

    /// The agent holding an accepted chat.
    pub fn agent_of(&self, conversation: &ConversationId) -> Option<&AgentId> {
        self.chats
            .get(conversation)
            .map(|c| &self.agents[c.agent as usize].id)
    }

    /// Number of requests waiting for acceptance.
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// Number of accepted chats not yet released.
    pub fn chat_count(&self) -> usize {
        self.chats.len()
    }

    /// Whether the agent could be offered a chat right now.
    pub fn is_eligible(&self, agent: &AgentId, now: Millis) -> bool {
        self.agent_index
            .get(agent)
            .is_some_and(|&i| self.skip_reason(i, now).is_none())
    }

    /// The agent's routing state (also for removed agents, with `teams` empty).
    pub fn agent(&self, agent: &AgentId) -> Option<AgentView> {
        let s = self.slot(agent)?;
        Some(AgentView {
            agent: s.id.clone(),
            live_chat: s.live_chat && !s.removed,
            online: s.online,
            push_only: s.push_only,
            available: s.available,
            teams: s
                .teams
                .iter()
                .map(|&t| self.teams[t as usize].id.clone())
                .collect(),
            chats: s.chats,
            offers: s.offers.len() as u32,
        })
    }

    /// Agents in round-robin order (removed agents excluded).
    pub fn agents(&self) -> impl Iterator<Item = &AgentId> + '_ {
        self.agents.iter().filter(|a| !a.removed).map(|a| &a.id)
    }

    /// Checks the internal bookkeeping (for tests and debugging): every derived table matches
    /// the primary data, and no agent holds more than capacity unless capacity was lowered.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut offers = vec![0u32; self.agents.len()];
        let mut chats = vec![0u32; self.agents.len()];
        if self.pending.len() != self.by_conversation.len()
            || self.pending.len() != self.deadlines.len()
        {
            return Err("pending tables disagree".into());
        }
        for (&id, p) in &self.pending {
            offers[p.agent as usize] += 1;
            if self.by_conversation.get(&p.conversation) != Some(&id) {
                return Err(format!("offer {id} missing from by_conversation"));
            }
            if !self.deadlines.contains(&(p.deadline, id)) {
                return Err(format!("offer {id} missing from deadlines"));
            }
            if !self.agents[p.agent as usize].offers.contains(&id) {
                return Err(format!("offer {id} missing from its agent"));
            }
            let holder = self.chats.get(&p.conversation).map(|c| c.agent);
            if holder != p.transfer_from {
                return Err(format!("{} both pending and accepted", p.conversation));
            }
            let mut seen = BTreeSet::new();
            if !p.tried.iter().chain([&p.agent]).all(|&a| seen.insert(a)) {
                return Err(format!("offer {id}: an agent was offered the chat twice"));
            }
        }
        for c in self.chats.values() {
            chats[c.agent as usize] += 1;
        }
        for (i, a) in self.agents.iter().enumerate() {
            if a.offers.len() as u32 != offers[i] || a.chats != chats[i] {
                return Err(format!("agent {} counters are off", a.id));
            }
        }
        if self.settings.engagement_limited() && self.engagements > self.settings.engagement_limit {
            return Err("engagement limit exceeded".into());
        }
        Ok(())
    }

    // ---------------------------------------------------------------- internals

    fn slot(&self, agent: &AgentId) -> Option<&AgentSlot> {
        self.agent_index
            .get(agent)
            .map(|&i| &self.agents[i as usize])
    }

    fn open_offer(&self, offer: u64) -> Option<OpenOffer> {
        self.pending.get(&offer).map(|p| OpenOffer {
            offer,
            conversation: p.conversation.clone(),
            agent: self.agents[p.agent as usize].id.clone(),
            deadline: p.deadline,
            requested_at: p.requested_at,
        })
    }

    fn team_id(&mut self, team: TeamId) -> u32 {
        if let Some(&t) = self.team_index.get(&team) {
            return t;
        }
        let t = self.teams.len() as u32;
        self.team_index.insert(team.clone(), t);
        self.teams.push(TeamSlot {
            id: team,
            members: Vec::new(),
            cursor: 0,
            open: Cell::new(None),
        });
        t
    }

    fn agent_target(&self, agent: &AgentId) -> Result<Target, FallbackReason> {
        match self.agent_index.get(agent) {
            Some(&i) if !self.agents[i as usize].removed => Ok(Target::Agent(i)),
            _ => Err(FallbackReason::UnknownAgent),
        }
    }

    fn team_target(&self, team: &TeamId, now: Millis) -> Result<Target, FallbackReason> {
        match self.team_index.get(team) {
            Some(&t) if !self.teams[t as usize].members.is_empty() => {
                if self.team_open(t, now) {
                    Ok(Target::Team(t))
                } else {
                    Err(FallbackReason::OutsideHours)
                }
            }
            _ => Err(FallbackReason::UnknownTeam),
        }
    }

    /// Whether team `t` is within its hours at `now` (a team without hours of its own is).
    fn team_open(&self, t: u32, now: Millis) -> bool {
        let slot = &self.teams[t as usize];
        let Some(hours) = self.settings.team_hours.get(&slot.id) else {
            return true;
        };
        if let Some((from, until, open)) = slot.open.get() {
            if from <= now && now < until {
                return open;
            }
        }
        let open = hours.is_open(now);
        let until = hours
            .next_change(now)
            .unwrap_or(now.after(crate::hours::NEXT_CHANGE_HORIZON));
        slot.open.set(Some((now, until, open)));
        open
    }

    /// Whether agent `i` is within working hours: in no team with hours of its own, or in at
    /// least one team that is open.
    fn agent_in_hours(&self, i: u32, now: Millis) -> bool {
        let teams = &self.agents[i as usize].teams;
        self.settings.team_hours.is_empty()
            || teams.is_empty()
            || teams.iter().any(|&t| self.team_open(t, now))
    }

    /// Why agent `i` cannot take a chat now, if it cannot.
    #[inline]
    fn skip_reason(&self, i: u32, now: Millis) -> Option<SkipReason> {
        let a = &self.agents[i as usize];
        if a.removed || !a.live_chat {
            Some(SkipReason::NoPermission)
        } else if !a.online {
            Some(SkipReason::Offline)
        } else if !a.available {
            Some(SkipReason::Away)
        } else if a.load() >= self.settings.capacity {
            Some(SkipReason::AtCapacity)
        } else if !self.agent_in_hours(i, now) {
            Some(SkipReason::OutsideHours)
        } else {
            None
        }
    }

    /// Whether agent `i` can take a chat; records why not.
    fn check(&self, i: u32, now: Millis, skips: &mut Skips) -> bool {
        match self.skip_reason(i, now) {
            None => true,
            Some(reason) => {
                skips.push(&self.agents[i as usize].id, reason);
                false
            }
        }
    }

    /// The next eligible agent not in `exclude`, in workspace order from the cursor; the cursor
    /// moves past it.
    fn pick_round_robin(&mut self, exclude: &[u32], now: Millis, skips: &mut Skips) -> Option<u32> {
        let n = self.agents.len() as u32;
        if n == 0 {
            return None;
        }
        let start = self.cursor % n;
        let mut by_push = None;
        for k in 0..n {
            let i = (start + k) % n;
            if self.agents[i as usize].removed {
                continue;
            }
            if exclude.contains(&i) {
                skips.push(&self.agents[i as usize].id, SkipReason::AlreadyTried);
                continue;
            }
            if self.check(i, now, skips) {
                if self.agents[i as usize].push_only {
                    by_push = by_push.or(Some(i));
                    continue;
                }
                self.cursor = (i + 1) % n;
                return Some(i);
            }
        }
        // Nobody at a desk: the first agent reached by a notification, in the same turn order.
        let i = by_push?;
        self.cursor = (i + 1) % n;
        Some(i)
    }

    /// The next eligible member of team `t` not in `exclude`; the team's cursor moves past it.
    fn pick_in_team(
        &mut self,
        t: u32,
        exclude: &[u32],
        now: Millis,
        skips: &mut Skips,
    ) -> Option<u32> {
        let team = &self.teams[t as usize];
        let n = team.members.len() as u32;
        if n == 0 {
            return None;
        }
        let start = team.cursor % n;
        let mut by_push = None;
        for k in 0..n {
            let pos = (start + k) % n;
            let i = self.teams[t as usize].members[pos as usize];
            if exclude.contains(&i) {
                skips.push(&self.agents[i as usize].id, SkipReason::AlreadyTried);
                continue;
            }
            if self.check(i, now, skips) {
                if self.agents[i as usize].push_only {
                    by_push = by_push.or(Some((pos, i)));
                    continue;
                }
                self.teams[t as usize].cursor = (pos + 1) % n;
                return Some(i);
            }
        }
        let (pos, i) = by_push?;
        self.teams[t as usize].cursor = (pos + 1) % n;
        Some(i)
    }

    fn offer(
        &mut self,
        out: &mut Vec<RoutingEffect>,
        now: Millis,
        p: Pending,
        trigger: AuditTrigger,
        skips: Skips,
    ) {
        let offer = self.next_offer;
        self.next_offer += 1;
        let slot = &mut self.agents[p.agent as usize];
        slot.offers.push(offer);
        let agent = slot.id.clone();
        self.deadlines.insert((p.deadline, offer));
        self.by_conversation.insert(p.conversation.clone(), offer);
        out.push(RoutingEffect::Offered {
            offer,
            conversation: p.conversation.clone(),
            agent: agent.clone(),
            deadline: p.deadline,
        });
        let entry = AuditEntry {
            at: now,
            conversation: p.conversation.clone(),
            trigger,
            mode: p.mode,
            rule: p.rule,
            team: p.team.map(|t| self.teams[t as usize].id.clone()),
            outcome: AuditOutcome::Offered {
                agent,
                offer,
                deadline: p.deadline,
                attempt: p.tried.len() as u32,
            },
            skipped: skips.list,
            skipped_total: skips.total,
        };
        out.push(RoutingEffect::Audit(entry));
        self.changes.pending.insert(offer);
        self.pending.insert(offer, p);
    }

    #[allow(clippy::too_many_arguments)]
    fn fall_back(
        &self,
        out: &mut Vec<RoutingEffect>,
        now: Millis,
        conversation: ConversationId,
        d: Decision,
        reason: FallbackReason,
        facts: VisitorFacts,
        skips: Skips,
    ) {
        let kind = reason.kind();
        out.push(RoutingEffect::FellBack {
            conversation: conversation.clone(),
            kind,
            reason,
            facts,
        });
        self.audit(
            out,
            now,
            conversation,
            d,
            AuditOutcome::FellBack { kind, reason },
            skips,
        );
    }

    fn audit(
        &self,
        out: &mut Vec<RoutingEffect>,
        now: Millis,
        conversation: ConversationId,
        d: Decision,
        outcome: AuditOutcome,
        skips: Skips,
    ) {
        out.push(RoutingEffect::Audit(AuditEntry {
            at: now,
            conversation,
            trigger: d.trigger,
            mode: d.mode,
            rule: d.rule,
            team: d.team.map(|t| self.teams[t as usize].id.clone()),
            outcome,
            skipped: skips.list,
            skipped_total: skips.total,
        }));
    }

    /// Validates an accept/decline without changing anything.
    fn check_answer(&self, agent: &AgentId, offer: u64, now: Millis) -> Result<(), RoutingError> {
        let Some(&idx) = self.agent_index.get(agent) else {
            return Err(RoutingError::UnknownAgent(agent.clone()));
        };
        let Some(p) = self.pending.get(&offer) else {
            return Err(if offer != 0 && offer < self.next_offer {
                RoutingError::OfferClosed(offer)
            } else {
                RoutingError::UnknownOffer(offer)
            });
        };
        if p.agent != idx {
            return Err(RoutingError::NotYourOffer(offer));
        }
        if now >= p.deadline {
            return Err(RoutingError::Expired {
                offer,
                deadline: p.deadline,
            });
        }
        Ok(())
    }

    /// Removes an outstanding offer from every table and frees its slot.
    fn take_pending(&mut self, offer: u64) -> Option<Pending> {
        let p = self.pending.remove(&offer)?;
        self.changes.pending.insert(offer);
        self.deadlines.remove(&(p.deadline, offer));
        self.by_conversation.remove(&p.conversation);
        let offers = &mut self.agents[p.agent as usize].offers;
        if let Some(pos) = offers.iter().position(|&o| o == offer) {
            offers.remove(pos);
        }
        Some(p)
    }

    fn withdraw_all(
        &mut self,
        agent: u32,
        reason: WithdrawReason,
        now: Millis,
        out: &mut Vec<RoutingEffect>,
    ) {
        let offers = self.agents[agent as usize].offers.clone();
        for offer in offers {
            self.end_offer(offer, reason, now, out);
        }
    }

    /// Ends an offer unaccepted and moves routing on (see the module docs): cancelled → nothing
    /// more; declined or agent unavailable → the next eligible agent of the same target not yet
    /// offered the chat; expired → the same, on Prime team routing while extra attempts remain;
    /// otherwise (and when nobody is left) → the fallback.
    fn end_offer(
        &mut self,
        offer: u64,
        reason: WithdrawReason,
        now: Millis,
        out: &mut Vec<RoutingEffect>,
    ) {
        let Some(mut p) = self.take_pending(offer) else {
            return;
        };
        let agent = self.agents[p.agent as usize].id.clone();
        out.push(RoutingEffect::OfferWithdrawn {
            offer,
            conversation: p.conversation.clone(),
            agent: agent.clone(),
            reason,
        });
        let d = Decision {
            mode: p.mode,
            rule: p.rule,
            team: p.team,
            trigger: if p.transfer_from.is_some() {
                AuditTrigger::TransferOfferEnded {
                    agent: agent.clone(),
                    offer,
                    reason,
                }
            } else {
                AuditTrigger::OfferEnded {
                    agent: agent.clone(),
                    offer,
                    reason,
                }
            },
        };
        let move_on = match reason {
            WithdrawReason::Cancelled => {
                let outcome = AuditOutcome::Cancelled { agent, offer };
                self.audit(out, now, p.conversation, d, outcome, Skips::default());
                return;
            }
            WithdrawReason::EngagementLimit => false,
            WithdrawReason::Declined | WithdrawReason::AgentUnavailable => true,
            // A transfer nobody answered in time ends: the holder decides what next.
            WithdrawReason::Expired => {
                p.transfer_from.is_none() && p.team.is_some() && p.attempts_left > 0
            }
        };
        let mut skips = Skips::default();
        if move_on {
            // Select: a lowered limit may leave no room for this request any more.
            if p.transfer_from.is_none() && self.engagement_room_left() == 0 {
                let reason = FallbackReason::EngagementLimitReached;
                self.fall_back(out, now, p.conversation, d, reason, p.facts, skips);
                return;
            }
            // A team that closed since the request was made takes no more offers: a request
            // falls back; a transfer ends, the chat staying with its holder.
            if let Target::Team(t) = p.target() {
                if !self.team_open(t, now) {
                    if let Some(holder) = p.transfer_from {
                        self.transfer_ended(out, now, p.conversation, holder, reason, d, skips);
                        return;
                    }
                    let reason = FallbackReason::OutsideHours;
                    self.fall_back(out, now, p.conversation, d, reason, p.facts, skips);
                    return;
                }
            }
            p.tried.push(p.agent);
            let next = match p.target() {
                Target::All => self.pick_round_robin(&p.tried, now, &mut skips),
                Target::Team(t) => self.pick_in_team(t, &p.tried, now, &mut skips),
                Target::Agent(_) => None,
            };
            if let Some(next) = next {
                if reason == WithdrawReason::Expired {
                    p.attempts_left -= 1;
                }
                p.agent = next;
                p.deadline = now.after(self.settings.accept_timeout);
                self.offer(out, now, p, d.trigger, skips);
                return;
            }
        }
        if let Some(holder) = p.transfer_from {
            self.transfer_ended(out, now, p.conversation, holder, reason, d, skips);
            return;
        }
        let reason = FallbackReason::after(reason);
        self.fall_back(out, now, p.conversation, d, reason, p.facts, skips);
    }

    /// How many more requests may wait for an answer under the engagement limit (`u32::MAX`
    /// without one): engagements plus waiting requests may not exceed it. Transfers are not
    /// requests: they hand over an engagement already counted.
    fn engagement_room_left(&self) -> u32 {
        if !self.settings.engagement_limited() {
            return u32::MAX;
        }
        let waiting = self
            .pending
            .values()
            .filter(|p| p.transfer_from.is_none())
            .count() as u64;
        let used = u64::from(self.engagements) + waiting;
        u64::from(self.settings.engagement_limit).saturating_sub(used) as u32
    }
}

impl Pending {
    /// Where re-offers of this request go.
    fn target(&self) -> Target {
        match (self.team, self.mode) {
            (Some(t), _) => Target::Team(t),
            (None, RoutingMode::RoundRobin) => Target::All,
            (None, _) => Target::Agent(self.agent),
        }
    }
}

impl AgentSlot {
    #[inline]
    fn load(&self) -> u32 {
        self.chats + self.offers.len() as u32
    }
}

impl TeamSlot {
    fn join(&mut self, agent: u32) {
        if let Err(pos) = self.members.binary_search(&agent) {
            self.members.insert(pos, agent);
            if (pos as u32) < self.cursor {
                self.cursor += 1;
            }
        }
    }

    fn leave(&mut self, agent: u32) {
        if let Ok(pos) = self.members.binary_search(&agent) {
            self.members.remove(pos);
            if (pos as u32) < self.cursor {
                self.cursor -= 1;
            }
        }
    }
}
