//! One workspace's routing system as a sans-IO machine: the [`Router`], agents' presence
//! (inbox sockets, the reconnect grace, available/away and the default for an agent who
//! never chose), what each conversation is told ([`crate::link`]), what agents' inboxes are
//! told, the failed actions and the index rows for the admin views.
//!
//! The edge's `WorkspaceDO` feeds it [`WorkspaceInput`]s with the current time, carries out
//! the [`WorkspaceEffect`]s, stores it in parts ([`Workspace::take_changes`]) and sets its
//! alarm at [`Workspace::next_deadline`]. Nothing here does I/O.
//!
//! Presence, as `docs/protocol.md` states it: an agent is online while an inbox socket is
//! open. When the last one closes the agent gets no new offers from that instant; offers
//! already made wait [`PRESENCE_GRACE`] for a reconnect (a reload), then move on; chats the
//! agent holds wait the settings' `agent_gone_grace` (2 min), then go back to routing (the visitor is told). An
//! agent removed or losing the live chat permission loses their chats and sockets at once.

mod handle;
mod hooks;
mod people;
mod routing;
mod settled;
mod transfer;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::failed_action::{Email, FailedAction};
use crate::lead::LeadUpdate;
use crate::link::{FromConversation, WorkspaceToConversation};
use crate::protocol::{
    AgentProfile, ConversationRecord, InboxServerMsg, OfferView, Presence, PushMsg,
};
use crate::routing::{AuditEntry, Changes, Router, RoutingSettings};
use crate::{AgentId, ConversationId, Millis, TeamId, WorkspaceId};

pub use people::Person;
pub use settled::{Settled, SETTLED_MEMORY};

/// How long offers wait for an agent whose last inbox closed (a reload, a network blip).
pub const PRESENCE_GRACE: Millis = Millis(10_000);

/// How long an available agent with a push device stays reachable after their last inbox
/// closed: a working day. Past it, a notification would more likely wake someone off duty
/// than reach someone at work, and the visitor would wait the whole accept timeout for nothing.
pub const PUSH_REACH: Millis = Millis(8 * 60 * 60 * 1000);

/// The shortest and longest pace of last-message previews a conversation is asked for.
pub const PREVIEW_PACE_MIN: Millis = Millis(2_000);
pub const PREVIEW_PACE_MAX: Millis = Millis(60_000);
/// Each live chat widens the pace by this much, so that previews reaching the workspace stay
/// near 50 a second however many chats are live.
pub const PREVIEW_PACE_PER_CHAT: Millis = Millis(20);
/// The pace moves in steps this wide (rounded up), so it changes once per 100 live chats, not
/// with every chat: each change is a `Pace` message to each conversation that calls. It rides
/// in replies and costs the conversation no write (advice, stored with its next one), but
/// handling it is still an event's work.
pub const PREVIEW_PACE_STEP: Millis = Millis(2_000);

/// What happens to a workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum WorkspaceInput {
    /// Messages from one conversation object, in order.
    FromConversation(FromConversation),
    /// An inbox socket of this agent opened.
    InboxOpened {
        agent: AgentId,
    },
    /// An inbox socket of this agent closed.
    InboxClosed {
        agent: AgentId,
    },
    /// The edge stored or dropped a Web Push subscription of this agent: `devices` are left.
    PushDevices {
        agent: AgentId,
        devices: u32,
    },
    /// After loading from storage: the agents whose inbox sockets survived (hibernation).
    Restored {
        connected: BTreeMap<AgentId, u32>,
    },
    SetPresence {
        agent: AgentId,
        presence: Presence,
    },
    Accept {
        agent: AgentId,
        offer: u64,
    },
    Decline {
        agent: AgentId,
        offer: u64,
    },
    /// The agent asks who could take a chat handed on (answered with a `Reply`).
    Colleagues {
        agent: AgentId,
    },
    /// The agent hands an accepted chat to another agent or a team.
    Transfer {
        agent: AgentId,
        conversation: ConversationId,
        to: crate::routing::RuleTarget,
    },
    /// An agent was created or changed (permission, teams, name, picture).
    UpsertAgent {
        agent: AgentId,
        live_chat: bool,
        teams: Vec<TeamId>,
        profile: AgentProfile,
    },
    RemoveAgent {
        agent: AgentId,
    },
    /// Every session of this agent ended (a new session epoch: role change, password reset):
    /// their inbox sockets are closing. `hand_over`: their chats are routed to someone else at
    /// once (a demotion) instead of after the agent-gone grace (they may sign in again).
    SessionsEnded {
        agent: AgentId,
        hand_over: bool,
    },
    Settings {
        routing: RoutingSettings,
    },
    /// The alarm fired. Early, late or repeated ticks are harmless.
    Tick,
}

/// What the edge must do, in order. Storage effects (audit, index, failed action) are written
/// with the machine's state before anything is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum WorkspaceEffect {
    /// Append to the routing audit log.
    Audit(AuditEntry),
    /// Store this index row unless a newer revision is stored; push it to the admin views.
    Index(ConversationRecord),
    /// Store the failed action (one per conversation) and email the workspace's users.
    FailedAction(FailedAction),
    /// Send to every inbox socket of this agent.
    ToAgent { agent: AgentId, msg: InboxServerMsg },
    /// Send by Web Push to every device of this agent (they have no inbox open).
    Push { agent: AgentId, msg: PushMsg },
    /// Send to the inbox socket the input came from.
    Reply(InboxServerMsg),
    /// Deliver to this conversation object.
    ToConversation {
        conversation: ConversationId,
        msg: WorkspaceToConversation,
    },
    /// Close every socket of this agent on this object (code 4001: signed out for good).
    CloseAgent { agent: AgentId, reason: String },
    /// Fold into the lead of this email (stored with the machine's state).
    Lead(LeadUpdate),
    /// Record in the outbox (one per conversation) and send this email to the visitor. The
    /// host adds `site` to the subject when its settings vouch for it
    /// ([`crate::settings::WorkspaceSettings::is_own_host`]).
    MailVisitor {
        conversation: ConversationId,
        to: String,
        email: Email,
        site: String,
    },
    /// Hand to the workspace's webhook endpoints (when any listens for this event).
    Webhook(crate::webhooks::Event),
}

/// What changed since [`Workspace::take_changes`], for storing in parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceChanges {
    pub router: Changes,
    pub people: bool,
    /// Conversations whose settled request changed, and those forgotten.
    pub settled: Vec<ConversationId>,
    pub forgotten: Vec<ConversationId>,
}

/// The routing system of one workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    id: WorkspaceId,
    router: Router,
    people: BTreeMap<AgentId, Person>,
    settled: Settled,
    /// Open inbox sockets per agent (not stored: the host says what survived a reload).
    inboxes: BTreeMap<AgentId, u32>,
    people_changed: bool,
}

impl Workspace {
    pub fn new(id: WorkspaceId, settings: RoutingSettings) -> Self {
        Workspace::from_parts(id, Router::new(settings), BTreeMap::new())
    }

    /// Rebuilds a stored workspace. Follow with [`WorkspaceInput::Restored`].
    pub fn from_parts(id: WorkspaceId, router: Router, people: BTreeMap<AgentId, Person>) -> Self {
        Workspace {
            id,
            router,
            people,
            settled: Settled::default(),
            inboxes: BTreeMap::new(),
            people_changed: false,
        }
    }

    /// Restores the memory of settled requests (stored rows, oldest first).
    pub fn with_settled(mut self, settled: Settled) -> Self {
        self.settled = settled;
        self
    }

    /// The latest settled request of recent conversations, as stored.
    pub fn settled(&self) -> &Settled {
        &self.settled
    }

    pub fn id(&self) -> &WorkspaceId {
        &self.id
    }

    pub fn router(&self) -> &Router {
        &self.router
    }

    /// Agents' presence and profiles, as stored.
    pub fn people(&self) -> &BTreeMap<AgentId, Person> {
        &self.people
    }

    /// What changed since the last call; clears the record.
    pub fn take_changes(&mut self) -> WorkspaceChanges {
        let (settled, forgotten) = self.settled.take_changes();
        WorkspaceChanges {
            router: self.router.take_changes(),
            people: std::mem::take(&mut self.people_changed),
            settled,
            forgotten,
        }
    }

    /// When to tick next: an offer's deadline or the end of a reconnect grace.
    pub fn next_deadline(&self) -> Option<Millis> {
        let grace = self
            .people
            .iter()
            .filter_map(|(agent, p)| {
                let holds = self.router.holds_chats(agent);
                let grace = self.router.settings().agent_gone_grace;
                p.deadline(holds, grace, self.by_push(agent))
            })
            .min();
        crate::time::earliest(self.router.next_deadline(), grace)
    }

    /// Whether an inbox of this agent is open.
    pub fn connected(&self, agent: &AgentId) -> bool {
        self.inboxes.get(agent).is_some_and(|&n| n > 0)
    }

    /// The agent's state for their inbox's `welcome`: chats list `(conversation, since)`;
    /// the edge adds what its index knows of each visitor.
    pub fn welcome(&self, agent: &AgentId) -> Welcome {
        let r = &self.router;
        let offers = r
            .offers_of(agent)
            .into_iter()
            .map(|o| self.offer_view(o.offer, &o.conversation, o.deadline))
            .collect();
        let presence = match r.agent(agent) {
            Some(v) if v.available => Presence::Available,
            _ => Presence::Away,
        };
        Welcome {
            presence,
            offers,
            chats: r.chats_of(agent),
            capacity: r.settings().capacity,
        }
    }

    /// The preview pace for the number of live chats held now.
    pub fn preview_pace(&self) -> Millis {
        let chats = self.router.chat_count() as u64;
        let linear = PREVIEW_PACE_PER_CHAT.0.saturating_mul(chats);
        let stepped = linear
            .div_ceil(PREVIEW_PACE_STEP.0)
            .saturating_mul(PREVIEW_PACE_STEP.0);
        Millis(stepped).clamp(PREVIEW_PACE_MIN, PREVIEW_PACE_MAX)
    }
}

/// An agent's state for their inbox (see [`Workspace::welcome`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Welcome {
    pub presence: Presence,
    pub offers: Vec<OfferView>,
    pub chats: Vec<(ConversationId, Millis)>,
    pub capacity: u32,
}
