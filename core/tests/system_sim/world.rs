//! The simulated world: one `Workspace`, many `Conversation`s, the link between them (late,
//! reordered, repeated), storage and restarts, agents' inbox and chat sockets, clicks and
//! transfers, visitors' pages, alarms and a clock that moves in jumps. Every rule is the
//! machines'; this file only drives them the way the edge does and checks what comes out.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use parlor_core::conversation::{Conversation, ConversationSettings, Effect, Input, LiveState};
use parlor_core::failed_action::FailedAction;
use parlor_core::link::{
    ConversationToWorkspace, FromConversation, ToConversation, WorkspaceToConversation,
};
use parlor_core::protocol::{
    ConversationRecord, EndReason, InboxServerMsg, Presence, PushMsg, Side, TranscriptEvent,
};
use parlor_core::routing::{
    AuditOutcome, AuditTrigger, Chat, Counters, FallbackReason, Pending, Plan, Router, RouterHead,
    RoutingSettings, RuleTarget, DEFAULT_ACCEPT_TIMEOUT,
};
use parlor_core::workspace::{
    Person, Settled, Workspace, WorkspaceChanges, WorkspaceEffect, WorkspaceInput, PUSH_REACH,
};
use parlor_core::{AgentId, ConversationId, Millis, WorkspaceId};

use super::fixtures::{self, Flow, Target, AGENTS};
use super::rng::Rng;
use super::stored::Stored;

pub type R<T = ()> = Result<T, String>;

macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(format!($($arg)+));
        }
    };
}

/// Longest time a link call spends in flight.
pub const NET_MAX: Millis = Millis(15_000);
/// Latest an alarm fires after its deadline (the clock's jumps included).
pub const ALARM_LATE_MAX: Millis = Millis(30_000);

/// Everything a run counts, summed over seeds for the summary line.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub seeds: u64,
    pub events: u64,
    pub ws_handles: u64,
    pub conv_handles: u64,
    pub requests: u64,
    pub reroutes: u64,
    pub accepted: u64,
    pub fell_back: u64,
    pub cancelled: u64,
    pub offers: u64,
    pub declines: u64,
    pub decline_fallbacks: u64,
    pub expired_offers: u64,
    pub unavailable_withdrawals: u64,
    pub duplicates_sent: u64,
    /// Starts whose first reply was lost (the retry's restatement went instead), and starts
    /// whose retry overlapped the first try (both went).
    pub starts_lost: u64,
    pub starts_overlapped: u64,
    pub duplicate_requests: u64,
    pub immediate: u64,
    pub ws_restarts: u64,
    pub ws_hibernations: u64,
    pub conv_restarts: u64,
    pub conv_hibernations: u64,
    pub inbox_opens: u64,
    pub inbox_closes: u64,
    pub removals: u64,
    pub sessions_ended: u64,
    pub barred_bounces: u64,
    pub permission_changes: u64,
    pub stale_answers: u64,
    pub emails: u64,
    pub failed_action_dups: u64,
    pub stale_index_rows: u64,
    pub refused_accepts: u64,
    pub visitor_pages_left: u64,
    /// Offers made to agents with no inbox open, by notification; of them, those accepted.
    pub push_offers: u64,
    pub push_accepts: u64,
    pub max_wait_ms: u64,
    /// Fallbacks the workspace decided, by reason.
    pub fallback_reasons: BTreeMap<String, u64>,
    /// Transfers: asked by an agent (of them, after asking who could take it), refused with
    /// nothing changed, started (an offer made), accepted at the workspace, switched to at the
    /// conversation, ended with nobody taking the chat, cancelled as the chat ended meanwhile.
    pub transfers_asked: u64,
    pub colleagues_asked: u64,
    pub transfers_refused: u64,
    pub transfers_started: u64,
    pub transfer_offers: u64,
    pub transfers_accepted: u64,
    pub transfers_joined: u64,
    pub transfers_ended: u64,
    pub transfers_cancelled: u64,
    /// A `Transferred` the conversation turned down (the chat ended or moved meanwhile).
    pub transfer_bounces: u64,
    /// Transfer offers made by notification (to an agent with no inbox open).
    pub transfer_push_offers: u64,
    /// Moments with nothing in flight at which a live chat's holder was compared in the
    /// router, the conversation and the world.
    pub settled_checks: u64,
    /// Refusals by the message the agent reads; transfer offers withdrawn, by reason.
    pub transfer_refusals: BTreeMap<String, u64>,
    pub transfer_withdrawals: BTreeMap<String, u64>,
}

impl Stats {
    pub fn add(&mut self, o: &Stats) {
        macro_rules! sum {
            ($($f:ident),*) => { $( self.$f += o.$f; )* };
        }
        sum!(
            seeds,
            events,
            ws_handles,
            conv_handles,
            requests,
            reroutes,
            accepted,
            fell_back,
            cancelled,
            offers,
            declines,
            decline_fallbacks,
            expired_offers,
            unavailable_withdrawals,
            duplicates_sent,
            starts_lost,
            starts_overlapped,
            duplicate_requests,
            immediate,
            ws_restarts,
            ws_hibernations,
            conv_restarts,
            conv_hibernations,
            inbox_opens,
            inbox_closes,
            removals,
            sessions_ended,
            barred_bounces,
            permission_changes,
            stale_answers,
            emails,
            failed_action_dups,
            stale_index_rows,
            refused_accepts,
            visitor_pages_left,
            push_offers,
            push_accepts,
            transfers_asked,
            colleagues_asked,
            transfers_refused,
            transfers_started,
            transfer_offers,
            transfers_accepted,
            transfers_joined,
            transfers_ended,
            transfers_cancelled,
            transfer_bounces,
            transfer_push_offers,
            settled_checks
        );
        self.max_wait_ms = self.max_wait_ms.max(o.max_wait_ms);
        for (map, other) in [
            (&mut self.fallback_reasons, &o.fallback_reasons),
            (&mut self.transfer_refusals, &o.transfer_refusals),
            (&mut self.transfer_withdrawals, &o.transfer_withdrawals),
        ] {
            for (k, v) in other {
                *map.entry(k.clone()).or_default() += v;
            }
        }
    }
}

/// A link call in flight.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// A conversation's batch. `reply`: the workspace's messages for the caller come back in
    /// the reply (applied at once) rather than as a call of their own. `last`: the conversation
    /// was closed when it sent this (harness bookkeeping, not on the wire).
    ToWs {
        batch: FromConversation,
        reply: bool,
        last: bool,
    },
    ToConv(usize, ToConversation),
}

#[derive(Debug, Clone)]
pub enum Ev {
    Start(usize),
    Capture(usize),
    VisitorSay(usize),
    AgentSay(usize),
    VisitorEnd(usize),
    AgentEnd(usize),
    /// The visitor's page socket opens or closes.
    VisitorSocket(usize, bool),
    /// The visitor's page goes away (maybe for good).
    VisitorLeaves(usize),
    /// An agent's chat socket on a conversation opens or closes.
    AgentSocket(usize, usize, bool),
    /// The conversation object closed its agents' sockets; their close events come back.
    ConvSocketGone(usize, Side),
    ConvAlarm(usize, Millis),
    ConvRestart(usize, bool),
    WsAlarm(Millis),
    WsRestart(bool),
    Net(Delivery),
    Churn,
    Open(usize),
    Answer {
        agent: usize,
        offer: u64,
        accept: bool,
    },
    /// The agent asks to hand this chat on (usually one their inbox shows).
    Transfer {
        agent: usize,
        conv: usize,
    },
}

/// Where an agent hands a chat: a colleague or a team (an index past the teams names a team
/// that does not exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum To {
    Agent(usize),
    Team(usize),
}

impl To {
    fn rule_target(self) -> RuleTarget {
        match self {
            To::Agent(b) => RuleTarget::Agent {
                agent: fixtures::agent_id(b),
            },
            To::Team(t) => RuleTarget::Team {
                team: fixtures::team_id(t),
            },
        }
    }
}

/// A transfer out: the chat stays with `from` until someone accepts.
#[derive(Debug, Clone)]
pub struct TransferSim {
    pub from: usize,
    pub to: To,
    /// The agents offered it so far, in order (each once, never `from`).
    pub offered: Vec<usize>,
}

/// A `colleagues` reply: (agent, could take a chat now) in order, and (team, how many could).
pub type Colleagues = (Vec<(usize, bool)>, Vec<(usize, u32)>);

/// What the world can tell of an agent's chances to take a chat now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Can {
    /// Certainly not (removed, no permission, away, unreachable, full, outside hours).
    No,
    /// Certainly: all of that holds and an inbox is open.
    Yes,
    /// Only a notification could reach them (the router knows whether it still does).
    Maybe,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    FellBack,
    Cancelled,
}

#[derive(Debug, Clone)]
pub struct AgentSim {
    pub id: AgentId,
    /// Open inbox sockets (the truth the machine must agree with).
    pub sockets: u32,
    pub removed: bool,
    pub live_chat: bool,
    pub teams: Vec<usize>,
    /// The agent's last choice since they were (re-)added; none means available.
    pub chose: Option<Presence>,
    /// Offers the agent already reacted to (clicked or chose to ignore).
    pub reacted: BTreeSet<u64>,
    /// When the agent's last inbox socket went (none while one is open).
    pub gone_at: Option<Millis>,
    /// A browser of theirs receives offers by Web Push (the edge stores its subscription).
    pub push: bool,
    /// Offers made to them by notification, not yet answered (accepts are counted).
    pub pushed: BTreeSet<u64>,
    /// The chats the agent's inbox lists (`chat_started` until `chat_closed`; the `welcome`).
    pub shown: BTreeSet<usize>,
}

impl AgentSim {
    pub fn available(&self) -> bool {
        self.chose != Some(Presence::Away)
    }
}

/// One live chat request of a conversation: the first (`RequestLiveChat`) or one after the
/// agent left (`AgentLeft`).
#[derive(Debug, Clone)]
pub struct Req {
    pub at: Millis,
    /// Offers made for the conversation before this request began.
    pub offers_before: u32,
    pub outcome: Option<(Outcome, Millis)>,
    /// Extra wait allowed: a removed agent's acceptance bounced back (one more round trip).
    pub slack: Millis,
}

#[derive(Debug, Clone)]
pub struct ConvSim {
    pub id: ConversationId,
    pub flow: Flow,
    pub country: &'static str,
    /// None: never submits the form; Some(None): without email; Some(Some(e)): with email.
    pub capture: Option<Option<&'static str>>,
    pub started: bool,
    /// In memory; `None` after a restart until the next input loads `stored`.
    pub machine: Option<Conversation>,
    /// Loaded from `storage` (when the object is not in memory).
    stored: Option<Conversation>,
    /// What the object stored: the dialogue, the state when the core asked, the entries.
    storage: Option<Stored>,
    pub alarm: Option<Millis>,
    pub target: Target,
    pub fields: BTreeMap<String, String>,
    pub reqs: Vec<Req>,
    /// The agent holding the chat, as the conversation's effects say (`None` when not live).
    pub agent: Option<AgentId>,
    /// Chats the conversation accepted, and of them those it ended or handed back.
    pub joins: u32,
    pub leaves: u32,
    pub failed_emitted: u32,
    /// Offers made for this conversation (and timed out, in the current routing).
    pub offers: u32,
    pub expired: u32,
    /// Requests the conversation sent, and routings the workspace started for it.
    pub requests_sent: u32,
    pub routings: u32,
    /// The workspace applied a batch the conversation sent once closed.
    pub ws_final: bool,
    pub router_accepts: u32,
    pub releases: u32,
    pub says: u32,
    /// The visitor's page is open (its socket reconnects after a drop).
    pub visitor_page: bool,
    pub visitor_sockets: u32,
    /// Agents' chat sockets on this conversation.
    pub agent_sockets: BTreeMap<usize, u32>,
    /// The last index revision the conversation sent.
    pub revision: u64,
    /// Transfers the workspace accepted (from, to), and of them those the conversation took.
    pub ws_moves: Vec<(usize, usize)>,
    pub transfers_joined: u32,
}

impl ConvSim {
    pub fn outcome(&self) -> Option<Outcome> {
        self.reqs.last().and_then(|r| r.outcome.map(|(o, _)| o))
    }

    pub fn closed(&self) -> bool {
        match (&self.machine, &self.stored) {
            (Some(m), _) => m.is_closed(),
            (None, Some(m)) => m.is_closed(),
            (None, None) => false,
        }
    }
}

/// The workspace object's storage: the router in parts and the people, as `WorkspaceDO` keeps
/// them.
#[derive(Debug, Default)]
pub struct WsStore {
    /// Written when `take_changes` reports a roster change, as `WorkspaceDO` does.
    roster: String,
    /// Written whenever they differ from what was stored (taken when the object goes away).
    counters: String,
    pending: BTreeMap<u64, String>,
    chats: BTreeMap<ConversationId, String>,
    /// Written when `take_changes` says so (kept as a value; JSON-encoded when loaded).
    people: Option<BTreeMap<AgentId, Person>>,
    /// The settled-request rows: conversation → (insertion order, request).
    settled: BTreeMap<ConversationId, (u64, u32)>,
    settled_seq: u64,
}

pub struct World {
    pub seed: u64,
    pub rng: Rng,
    pub now: Millis,
    seq: u64,
    queue: BTreeMap<(Millis, u64), Ev>,
    now_q: VecDeque<Delivery>,
    pub settings: RoutingSettings,
    ws_id: WorkspaceId,
    pub ws: Option<Workspace>,
    store: WsStore,
    /// What loading `store` gives (loaded once when the object went away, to compare).
    reloaded: Option<Workspace>,
    ws_alarm: Option<Millis>,
    pub agents: Vec<AgentSim>,
    pub convs: Vec<ConvSim>,
    pub conv_settings: ConversationSettings,
    /// Mirror of the router from effects only: open offer → (agent, conversation).
    open_offers: BTreeMap<u64, (usize, usize)>,
    /// Mirror of accepted chats: conversation → agent.
    chats: BTreeMap<usize, usize>,
    /// Host storage: index rows (kept only if not older) and failed actions (one per
    /// conversation, the outbox's unique key).
    pub index_rows: BTreeMap<String, ConversationRecord>,
    pub failed: BTreeMap<ConversationId, FailedAction>,
    /// Conversations with a `chat.accepted` webhook event not yet followed by `chat.ended`.
    pub hooked_chats: BTreeSet<ConversationId>,
    pub stats: Stats,
    pub verbose: bool,
    pub trace: Vec<String>,
    active: Vec<usize>,
    /// The agents whose state can change in this run (checked after every step; the others
    /// once at the end). All of them unless the run names its active agents.
    watched: Vec<usize>,
    /// Agents whose inbox sockets the workspace closed in the last step, and how many.
    closed_by_ws: Vec<(usize, u32)>,
    /// (conversation, agent): the workspace handed the chat over at once (removal, demotion,
    /// losing the permission) and freed the slot; the conversation has not heard yet.
    handover_pending: BTreeSet<(usize, usize)>,
    /// Every (conversation, agent) ever handed over: the conversation bars that agent.
    handed_over: BTreeSet<(usize, usize)>,
    /// The step in progress is a demotion's hand over (the agent keeps the permission).
    demoting: bool,
    dup_pct: u64,
    immediate_pct: u64,
    reply_pct: u64,
    /// How often the close events of a removed agent's sockets reach the workspace.
    close_event_after_remove_pct: u64,
    /// Alarms fire late (off: exactly at the deadline).
    pub late_alarms: bool,
    /// Agents click on the offers they see, open chat sockets (off: the test does).
    pub agents_click: bool,
    pub step: u64,
    /// Open transfers: conversation → the transfer (the offer is in `open_offers`).
    transfers: BTreeMap<usize, TransferSim>,
    /// The open offers that are transfers.
    transfer_offers: BTreeSet<u64>,
    /// The transfer being asked in this step (agent, conversation, target).
    asking: Option<(usize, usize, To)>,
    /// What the last workspace step answered the inbox it came from, and whether it changed
    /// anything stored (or had any other effect).
    replies: Vec<InboxServerMsg>,
    last_step_changed: bool,
    /// Link calls scheduled and not delivered yet.
    in_flight: u64,
}

fn conv_index(id: &ConversationId) -> usize {
    id.as_str()[1..].parse().expect("conversation id")
}

fn agent_index(id: &AgentId) -> usize {
    id.as_str()[1..].parse().expect("agent id")
}

fn json_err(e: serde_json::Error) -> String {
    e.to_string()
}

impl World {
    /// Whether agent `a` can be reached by a notification: a push device, and their last inbox
    /// closed less than a working day ago (the workspace's alarm may fire that much late).
    fn push_reachable(&self, a: usize) -> bool {
        let ag = &self.agents[a];
        ag.push
            && ag
                .gone_at
                .is_some_and(|g| self.now <= g.after(PUSH_REACH).after(ALARM_LATE_MAX))
    }

    /// Whether team `t` is within its own hours now (a team without hours always is).
    fn team_open(&self, t: usize) -> bool {
        self.settings
            .team_hours
            .get(&fixtures::team_id(t))
            .is_none_or(|h| h.is_open(self.now))
    }

    /// Whether agent `a` may be offered a chat as far as team hours go: in no team, or in at
    /// least one open team.
    fn in_team_hours(&self, a: usize) -> bool {
        let teams = &self.agents[a].teams;
        teams.is_empty() || teams.iter().any(|&t| self.team_open(t))
    }

    /// A world for `seed` with its 50 agents added and nothing scheduled (see [`World::random`]).
    pub fn empty(seed: u64, settings: RoutingSettings) -> World {
        let mut w = World {
            seed,
            rng: Rng::new(seed),
            now: Millis(1_000_000),
            seq: 0,
            queue: BTreeMap::new(),
            now_q: VecDeque::new(),
            settings: settings.clone(),
            ws_id: WorkspaceId::new("w1"),
            ws: Some(Workspace::new(WorkspaceId::new("w1"), settings)),
            store: WsStore::default(),
            reloaded: None,
            ws_alarm: None,
            agents: (0..AGENTS)
                .map(|i| AgentSim {
                    id: fixtures::agent_id(i),
                    sockets: 0,
                    removed: false,
                    live_chat: fixtures::has_permission(i),
                    teams: fixtures::teams_of(i),
                    chose: None,
                    reacted: BTreeSet::new(),
                    gone_at: Some(Millis::ZERO),
                    push: false,
                    pushed: BTreeSet::new(),
                    shown: BTreeSet::new(),
                })
                .collect(),
            convs: Vec::new(),
            conv_settings: ConversationSettings::default(),
            open_offers: BTreeMap::new(),
            chats: BTreeMap::new(),
            index_rows: BTreeMap::new(),
            failed: BTreeMap::new(),
            hooked_chats: BTreeSet::new(),
            stats: Stats::default(),
            verbose: false,
            trace: Vec::new(),
            active: Vec::new(),
            watched: (0..AGENTS).collect(),
            closed_by_ws: Vec::new(),
            handover_pending: BTreeSet::new(),
            handed_over: BTreeSet::new(),
            demoting: false,
            dup_pct: 0,
            immediate_pct: 0,
            reply_pct: 0,
            close_event_after_remove_pct: 100,
            late_alarms: true,
            agents_click: true,
            step: 0,
            transfers: BTreeMap::new(),
            transfer_offers: BTreeSet::new(),
            asking: None,
            replies: Vec::new(),
            last_step_changed: false,
            in_flight: 0,
        };
        w.stats.seeds = 1;
        // A new workspace object: its agents are added, then everything is stored at once.
        let ws = w.ws.as_mut().expect("new");
        for (i, ag) in w.agents.iter().enumerate() {
            let fx = ws.handle(
                WorkspaceInput::UpsertAgent {
                    agent: ag.id.clone(),
                    live_chat: ag.live_chat,
                    teams: ag.teams.iter().map(|&t| fixtures::team_id(t)).collect(),
                    profile: fixtures::profile(i),
                },
                w.now,
            );
            assert!(fx.is_empty(), "adding an agent does nothing else: {fx:?}");
        }
        let _ = ws.take_changes();
        w.store.people = Some(ws.people().clone());
        w
    }

    /// A random run: plan, capacity, agents who come and go, visitors, network and restarts.
    pub fn random(seed: u64) -> World {
        let mut rng = Rng::new(seed);
        let plan = match rng.below(100) {
            0..=44 => Plan::Standard,
            45..=79 => Plan::Prime,
            _ => Plan::Select,
        };
        let settings = RoutingSettings {
            plan,
            accept_timeout: DEFAULT_ACCEPT_TIMEOUT,
            capacity: rng.between(1, 3) as u32,
            engagement_limit: rng.between(3, 25) as u32,
            extra_team_attempts: rng.between(1, 2) as u32,
            agent_gone_grace: Millis::from_secs(rng.pick(&[20, 120])),
            business_hours: rng.chance(25).then(fixtures::hours_with_a_break),
            // A quarter of the runs: team 1 closes from 00:18 to 00:26 and team 2 from 00:22 to
            // 00:35, overlapping the workspace's own break and each other.
            team_hours: if rng.chance(25) {
                BTreeMap::from([
                    (
                        fixtures::team_id(1),
                        fixtures::hours_closed_between("00:18", "00:26"),
                    ),
                    (
                        fixtures::team_id(2),
                        fixtures::hours_closed_between("00:22", "00:35"),
                    ),
                ])
            } else {
                BTreeMap::new()
            },
        };
        let mut w = World::empty(seed, settings);
        w.rng = rng;
        w.conv_settings.inactivity_timeout = Millis::from_secs(w.rng.pick(&[180, 300, 600, 600]));
        w.conv_settings.visitor_gone_waiting = Millis::from_secs(w.rng.pick(&[10, 30, 60]));
        w.conv_settings.visitor_gone_chat = Millis::from_secs(w.rng.pick(&[10, 60, 300]));
        w.dup_pct = w.rng.pick(&[0, 5, 10, 20]);
        w.immediate_pct = w.rng.pick(&[0, 30, 60, 90]);
        w.reply_pct = w.rng.pick(&[0, 50, 100]);
        w.close_event_after_remove_pct = w.rng.pick(&[100, 100, 70, 0]);

        // The agents who ever open an inbox in this run (the others stay offline).
        let mut all: Vec<usize> = (0..AGENTS).collect();
        for i in (1..all.len()).rev() {
            let j = w.rng.below(i as u64 + 1) as usize;
            all.swap(i, j);
        }
        let n_active = w.rng.between(4, 18) as usize;
        w.active = all[..n_active].to_vec();
        w.watched = w.active.clone();
        w.watched.sort_unstable();
        for k in 0..w.active.len() {
            let a = w.active[k];
            let at = w.now.after(Millis(w.rng.below(30_000)));
            w.schedule(at, Ev::Open(a));
        }

        let horizon = Millis::from_secs(w.rng.between(40, 180));
        let churn_until = w.now.after(horizon).after(Millis::from_secs(150));
        let mut t = w.now;
        loop {
            t = t.after(Millis(w.rng.between(1_500, 12_000)));
            if t > churn_until {
                break;
            }
            w.schedule(t, Ev::Churn);
        }
        let mut t = w.now;
        loop {
            t = t.after(Millis::from_secs(w.rng.between(30, 300)));
            if t > churn_until {
                break;
            }
            let hibernate = w.rng.chance(50);
            w.schedule(t, Ev::WsRestart(hibernate));
        }

        let n = w.rng.between(4, 14) as usize;
        for c in 0..n {
            let flow = match w.rng.below(100) {
                0..=34 => Flow::RoundRobin,
                35..=64 => Flow::Team(w.rng.below(fixtures::TEAMS as u64) as usize),
                65..=74 => {
                    // Usually an agent who comes online, sometimes one who never does.
                    if w.rng.chance(75) {
                        Flow::Agent(w.rng.pick(&w.active))
                    } else {
                        Flow::Agent(w.rng.below(AGENTS as u64) as usize)
                    }
                }
                _ => Flow::Rules,
            };
            let country = w.rng.pick(&["de", "fr", "us"]);
            let capture = match w.rng.below(100) {
                0..=54 => Some(Some(w.rng.pick(&["ada@acme.test", "bob@other.test"]))),
                55..=89 => Some(None),
                _ => None,
            };
            let start = w.now.after(Millis(w.rng.below(horizon.0)));
            w.add_conversation(flow, country, capture);
            w.schedule(start, Ev::Start(c));
            if w.rng.chance(50) {
                let at = start.after(Millis(w.rng.below(400_000)));
                let hibernate = w.rng.chance(50);
                w.schedule(at, Ev::ConvRestart(c, hibernate));
            }
        }
        w
    }

    pub fn add_conversation(
        &mut self,
        flow: Flow,
        country: &'static str,
        capture: Option<Option<&'static str>>,
    ) -> usize {
        let c = self.convs.len();
        self.convs.push(ConvSim {
            id: ConversationId::new(format!("c{c}")),
            flow,
            country,
            capture,
            started: false,
            machine: None,
            stored: None,
            storage: None,
            alarm: None,
            target: flow.target(country, &BTreeMap::new()),
            fields: BTreeMap::new(),
            reqs: Vec::new(),
            agent: None,
            joins: 0,
            leaves: 0,
            failed_emitted: 0,
            offers: 0,
            expired: 0,
            requests_sent: 0,
            routings: 0,
            ws_final: false,
            router_accepts: 0,
            releases: 0,
            says: 0,
            visitor_page: false,
            visitor_sockets: 0,
            agent_sockets: BTreeMap::new(),
            revision: 0,
            ws_moves: Vec::new(),
            transfers_joined: 0,
        });
        c
    }

    /// Every link call delivered at once, exactly once, the reply path always taken; alarms
    /// on time; agents click only when the test says so. For scripted scenarios.
    pub fn scripted(&mut self) {
        self.dup_pct = 0;
        self.immediate_pct = 100;
        self.reply_pct = 100;
        self.late_alarms = false;
        self.agents_click = false;
    }

    /// The workspace in memory (loaded from storage first if needed).
    pub fn workspace(&mut self) -> &Workspace {
        self.ensure_ws().expect("load workspace");
        self.ws.as_ref().expect("loaded")
    }

    /// Delivers whatever was sent "at once" (for scripted steps outside `run_until`).
    pub fn flush(&mut self) -> R {
        while let Some(d) = self.now_q.pop_front() {
            self.deliver(d)?;
        }
        Ok(())
    }

    pub fn schedule(&mut self, at: Millis, e: Ev) {
        if matches!(e, Ev::Net(_)) {
            self.in_flight += 1;
        }
        self.seq += 1;
        self.queue.insert((at.max(self.now), self.seq), e);
    }

    fn log(&mut self, line: impl FnOnce() -> String) {
        if self.verbose {
            let l = format!("[{:>9}] {}", self.now.0 - 1_000_000, line());
            self.trace.push(l);
        }
    }

    fn net_delay(&mut self) -> Millis {
        Millis(match self.rng.below(100) {
            0..=59 => self.rng.below(50),
            60..=89 => self.rng.between(50, 2_000),
            _ => self.rng.between(2_000, NET_MAX.0),
        })
    }

    fn alarm_late(&mut self) -> Millis {
        if !self.late_alarms {
            return Millis::ZERO;
        }
        Millis(match self.rng.below(100) {
            0..=89 => self.rng.below(1_500),
            90..=98 => self.rng.between(1_500, 10_000),
            _ => self.rng.between(10_000, ALARM_LATE_MAX.0),
        })
    }

    /// Sends a link call: at once (the caller's own call path) or late; sometimes twice.
    fn send(&mut self, d: Delivery) {
        if self.rng.chance(self.dup_pct) {
            self.stats.duplicates_sent += 1;
            let at = self.now.after(self.net_delay());
            self.schedule(at, Ev::Net(d.clone()));
        }
        if self.rng.chance(self.immediate_pct) {
            self.stats.immediate += 1;
            self.now_q.push_back(d);
        } else {
            let at = self.now.after(self.net_delay());
            self.schedule(at, Ev::Net(d));
        }
    }

    // ------------------------------------------------------------------ running

    /// Runs every scheduled event, then drains the world to quiescence and checks the end state.
    pub fn run(&mut self) -> R {
        self.run_until(None)?;
        self.quiesce()
    }

    /// Runs events up to `until` (all of them if `None`), then moves the clock there.
    pub fn run_until(&mut self, until: Option<Millis>) -> R {
        while let Some((&(at, seq), _)) = self.queue.first_key_value() {
            if until.is_some_and(|u| at > u) {
                break;
            }
            let e = self.queue.remove(&(at, seq)).expect("queued");
            self.now = self.now.max(at);
            self.step += 1;
            self.stats.events += 1;
            if self.verbose {
                let d = format!("{e:?}");
                self.log(|| format!("EVENT {d}"));
            }
            let done = self.event(e).and_then(|()| self.flush());
            done.map_err(|m| self.at(m))?;
            if self.in_flight == 0 {
                self.check_settled().map_err(|m| self.at(m))?;
            }
        }
        if let Some(u) = until {
            self.now = self.now.max(u);
        }
        Ok(())
    }

    fn at(&self, m: String) -> String {
        format!(
            "seed {} step {} t={}ms: {m}",
            self.seed,
            self.step,
            self.now.0 - 1_000_000
        )
    }

    fn event(&mut self, e: Ev) -> R {
        match e {
            Ev::Start(c) => self.start(c),
            Ev::Capture(c) => self.capture(c),
            Ev::VisitorSay(c) => self.say(c, Side::Visitor),
            Ev::AgentSay(c) => self.say(c, Side::Agent),
            Ev::VisitorEnd(c) => self.conv_input(c, Input::End { by: Side::Visitor }),
            Ev::AgentEnd(c) => self.conv_input(c, Input::End { by: Side::Agent }),
            Ev::VisitorSocket(c, open) => self.visitor_socket(c, open),
            Ev::VisitorLeaves(c) => {
                self.stats.visitor_pages_left += 1;
                self.convs[c].visitor_page = false;
                while self.convs[c].visitor_sockets > 0 {
                    self.visitor_socket(c, false)?;
                }
                if self.rng.chance(30) {
                    // Back later (a new tab on the same conversation).
                    let at = self.now.after(Millis(self.rng.between(5_000, 150_000)));
                    self.convs[c].visitor_page = true;
                    self.schedule(at, Ev::VisitorSocket(c, true));
                }
                Ok(())
            }
            Ev::AgentSocket(c, a, open) => self.agent_socket(c, a, open),
            Ev::ConvSocketGone(c, side) => self.conv_input(c, Input::SocketClosed { side }),
            Ev::ConvAlarm(c, at) => {
                if self.convs[c].alarm != Some(at) {
                    return Ok(()); // moved earlier since: a stale alarm
                }
                self.convs[c].alarm = None;
                self.conv_input(c, Input::Tick)?;
                if self.rng.chance(10) {
                    self.conv_input(c, Input::Tick)?; // at-least-once
                }
                Ok(())
            }
            Ev::ConvRestart(c, hibernate) => self.restart_conversation(c, hibernate),
            Ev::WsAlarm(at) => {
                if self.ws_alarm != Some(at) {
                    return Ok(());
                }
                self.ws_alarm = None;
                self.ws_input(WorkspaceInput::Tick)?;
                if self.rng.chance(10) {
                    self.ws_input(WorkspaceInput::Tick)?;
                }
                Ok(())
            }
            Ev::WsRestart(hibernate) => self.restart_workspace(hibernate),
            Ev::Net(d) => {
                self.in_flight -= 1;
                self.deliver(d)
            }
            Ev::Churn => self.churn(),
            Ev::Open(a) => self.open_inbox(a),
            Ev::Answer {
                agent,
                offer,
                accept,
            } => self.answer(agent, offer, accept),
            Ev::Transfer { agent, conv } => self.transfer(agent, conv),
        }
    }

    // ------------------------------------------------------------------ visitors

    /// The visitor opens the widget: the object is created, shows its first cards, and the
    /// page's socket connects.
    pub fn start(&mut self, c: usize) -> R {
        let cs = &mut self.convs[c];
        ensure!(!cs.started, "c{c} started twice");
        cs.started = true;
        let flow = cs.flow;
        let dialogue = fixtures::dialogue_of(flow);
        let cs = &mut self.convs[c];
        let created = Conversation::new(
            cs.id.clone(),
            dialogue,
            self.conv_settings.clone(),
            self.now,
        );
        cs.storage = Some(Stored::created(&created));
        cs.machine = Some(created);
        cs.visitor_page = true;
        let country = cs.country.to_owned();
        let captures = cs.flow.captures();
        self.ensure_conv(c)?;
        let first = self.conv_handle(
            c,
            Input::Start {
                identity: None,
                page_url: "https://shop.test/pricing".into(),
                language: "en".into(),
                country,
                utm: BTreeMap::new(),
            },
        )?;
        // The start's reply to the workspace (the edge returns it in the init call's answer):
        // sometimes lost on the way, so the visitor's retry (the same start key) meets this
        // conversation, which restates where it stands instead; sometimes the retry overlaps
        // the first try and both arrive.
        let restated = |w: &mut World| -> R<Vec<ConversationToWorkspace>> {
            let now = w.now;
            let m = w.convs[c].machine.as_ref().ok_or("not loaded")?;
            Ok(m.restate(now))
        };
        match self.rng.below(100) {
            0..=9 => {
                self.stats.starts_lost += 1;
                let again = restated(self)?;
                self.send_from_conv(c, again);
            }
            10..=14 => {
                self.stats.starts_overlapped += 1;
                let again = restated(self)?;
                self.send_from_conv(c, first);
                self.send_from_conv(c, again);
            }
            _ => self.send_from_conv(c, first),
        }
        self.visitor_socket(c, true)?;
        if self.agents_click && captures && self.convs[c].capture.is_some() {
            let at = self.now.after(Millis(self.rng.between(1_000, 40_000)));
            self.schedule(at, Ev::Capture(c));
        }
        if self.agents_click && self.rng.chance(15) {
            // A page navigation: the socket drops and comes back.
            let at = self.now.after(Millis(self.rng.between(1_000, 60_000)));
            self.schedule(at, Ev::VisitorSocket(c, false));
            let back = at.after(Millis(self.rng.between(300, 4_000)));
            self.schedule(back, Ev::VisitorSocket(c, true));
        }
        Ok(())
    }

    /// The visitor submits the form (first name, and the email if this visitor gives one).
    pub fn capture(&mut self, c: usize) -> R {
        let values = match self.convs[c].capture {
            Some(email) => {
                let mut v = BTreeMap::from([("first_name".into(), "Ada".into())]);
                if let Some(e) = email {
                    v.insert("email".into(), e.into());
                }
                v
            }
            None => return Ok(()),
        };
        self.conv_input(
            c,
            Input::Capture {
                card: "ic1".into(),
                values,
            },
        )
    }

    fn say(&mut self, c: usize, from: Side) -> R {
        let cs = &mut self.convs[c];
        // Sometimes a resend of the last message (same client id).
        if cs.says == 0 || !self.rng.chance(15) {
            cs.says += 1;
        }
        let client_id = format!("{from:?}-{}", cs.says);
        self.conv_input(
            c,
            Input::Say {
                from,
                client_id,
                text: "hello".into(),
            },
        )
    }

    pub fn visitor_socket(&mut self, c: usize, open: bool) -> R {
        self.ensure_conv(c)?;
        let cs = &mut self.convs[c];
        if open {
            if !cs.visitor_page || cs.visitor_sockets >= 2 {
                return Ok(());
            }
            cs.visitor_sockets += 1;
            self.conv_input(
                c,
                Input::SocketOpened {
                    side: Side::Visitor,
                },
            )
        } else {
            if cs.visitor_sockets == 0 {
                return Ok(());
            }
            cs.visitor_sockets -= 1;
            self.conv_input(
                c,
                Input::SocketClosed {
                    side: Side::Visitor,
                },
            )
        }
    }

    /// An agent's chat pane on a conversation; the object lets in only the agent holding the chat.
    pub fn agent_socket(&mut self, c: usize, a: usize, open: bool) -> R {
        self.ensure_conv(c)?;
        let n = self.convs[c].agent_sockets.get(&a).copied().unwrap_or(0);
        if open {
            let holder = self.convs[c]
                .machine
                .as_ref()
                .and_then(|m| m.agent().cloned());
            if holder.as_ref() != Some(&self.agents[a].id) || n >= 2 {
                return Ok(());
            }
            self.convs[c].agent_sockets.insert(a, n + 1);
            self.conv_input(c, Input::SocketOpened { side: Side::Agent })
        } else {
            if n == 0 {
                return Ok(());
            }
            self.convs[c].agent_sockets.insert(a, n - 1);
            self.conv_input(c, Input::SocketClosed { side: Side::Agent })
        }
    }

    /// Loads a restarted conversation: its snapshot, then `Sockets` with what is open now.
    fn ensure_conv(&mut self, c: usize) -> R {
        let cs = &mut self.convs[c];
        if cs.machine.is_some() || !cs.started {
            return Ok(());
        }
        cs.machine = Some(cs.stored.take().expect("stored snapshot"));
        let visitor = cs.visitor_sockets;
        let agent = cs.agent_sockets.values().sum();
        let out = self.conv_handle(c, Input::Sockets { visitor, agent })?;
        self.send_from_conv(c, out);
        Ok(())
    }

    /// Feeds one input to a conversation as its object does: handle, store (the snapshot is
    /// the machine), send what goes to the workspace as one batch, set the alarm.
    pub fn conv_input(&mut self, c: usize, input: Input) -> R {
        if !self.convs[c].started {
            return Ok(()); // no object yet
        }
        self.ensure_conv(c)?;
        let out = self.conv_handle(c, input)?;
        self.send_from_conv(c, out);
        Ok(())
    }

    fn send_from_conv(&mut self, c: usize, out: Vec<ConversationToWorkspace>) {
        if out.is_empty() {
            return;
        }
        let reply = self.rng.chance(self.reply_pct);
        let last = self.convs[c].closed();
        let batch = FromConversation {
            conversation: self.convs[c].id.clone(),
            messages: out,
        };
        self.send(Delivery::ToWs { batch, reply, last });
    }

    /// One `Conversation::handle`, observed; returns the messages for the workspace.
    fn conv_handle(&mut self, c: usize, input: Input) -> R<Vec<ConversationToWorkspace>> {
        let now = self.now;
        if self.verbose {
            let i = format!("{input:?}");
            self.log(|| format!("  c{c} <- {i}"));
        }
        // A transfer the workspace accepted: (from, to, whether this conversation still holds
        // that chat with `from`, which it then hands to `to`).
        let transfer = match &input {
            Input::FromWorkspace(WorkspaceToConversation::Transferred {
                from,
                agent,
                request,
                ..
            }) => {
                let cs = &self.convs[c];
                let m = cs
                    .machine
                    .as_ref()
                    .ok_or_else(|| format!("c{c} is not loaded"))?;
                let holds = !m.is_closed()
                    && m.live_state() == LiveState::Accepted
                    && m.agent() == Some(from)
                    && *request == cs.requests_sent;
                Some((agent_index(from), agent_index(agent), holds))
            }
            _ => None,
        };
        let cs = &mut self.convs[c];
        let Some(m) = cs.machine.as_mut() else {
            return Err(format!("c{c} is not loaded"));
        };
        let before_live = m.live_state();
        let before_closed = m.is_closed();
        let fx = m.handle(input, now);
        if let Some(storage) = cs.storage.as_mut() {
            storage.apply(m, &fx);
        }
        let after_live = m.live_state();
        let after_closed = m.is_closed();
        let holder = m.agent().cloned();
        let next = m.next_deadline();
        self.stats.conv_handles += 1;
        // A held transfer: the visitor sees the new agent join (their name, in the transcript)
        // and the previous agent's chat panes close, unless the conversation's own timers
        // closed the chat or handed it back first (this input expires them first). A transfer
        // of a chat it does not hold changes nothing for the visitor.
        let transfer_seen = transfer.map(|(from, to, holds)| {
            let name = fixtures::profile(to).name;
            let joined = fx.iter().any(|e| {
                matches!(e, Effect::Append(entry) if matches!(
                    &entry.event,
                    TranscriptEvent::AgentJoined { agent } if agent.name == name
                ))
            });
            let closes = fx.iter().any(|e| matches!(e, Effect::CloseAgentSockets));
            (from, to, holds, joined, closes)
        });
        let mut out = Vec::new();
        for e in fx {
            if self.verbose {
                let s = format!("{e:?}");
                self.log(|| format!("    c{c} -> {s}"));
            }
            match e {
                Effect::Append(entry) => match entry.event {
                    TranscriptEvent::AgentJoined { .. } => {
                        // The agent the visitor now chats with is the one the workspace holds
                        // the chat for (it holds it from the accept until this conversation
                        // hands it back).
                        let held = self.chats.get(&c).map(|&a| &self.agents[a].id);
                        // Handed over at once while the acceptance was on its way: the chat is
                        // theirs here until the hand over arrives, which gives it back.
                        let handing = holder
                            .as_ref()
                            .is_some_and(|h| self.handover_pending.contains(&(c, agent_index(h))));
                        // Or the workspace already accepted a transfer from this agent on (the
                        // `Transferred` is on its way).
                        let moving = match (&holder, self.chats.get(&c)) {
                            (Some(h), Some(&now_with)) => {
                                self.chain_reaches(c, agent_index(h), now_with)
                            }
                            _ => false,
                        };
                        let agrees =
                            handing || moving || (held.is_some() && held == holder.as_ref());
                        ensure!(
                            agrees,
                            "c{c} took {:?} as its agent, but the workspace holds the chat for {:?} \
                             (a late or repeated Accepted revived a chat that was handed back)",
                            holder,
                            held
                        );
                        if let Some((from, _, _)) = transfer {
                            // The same chat, another agent: no request ends or begins.
                            let cs = &mut self.convs[c];
                            ensure!(
                                cs.agent.as_ref() == Some(&self.agents[from].id),
                                "c{c} took a transfer from a{from:02}, its agent was {:?}",
                                cs.agent
                            );
                            cs.agent = holder.clone();
                            cs.transfers_joined += 1;
                            self.stats.transfers_joined += 1;
                            self.chat_goes_on_after_transfer(c);
                        } else {
                            self.convs[c].joins += 1;
                            self.convs[c].agent = holder.clone();
                            self.request_ends(c, Outcome::Accepted)?;
                            self.chat_goes_on(c);
                        }
                    }
                    // The visitor's page was gone too long while they waited: a withdrawal
                    // (what they find on return), not a chat the team missed.
                    TranscriptEvent::Fallback {
                        visitor_away: true, ..
                    } => self.request_ends(c, Outcome::Cancelled)?,
                    TranscriptEvent::Fallback { .. } => self.request_ends(c, Outcome::FellBack)?,
                    _ => {}
                },
                Effect::CloseAgentSockets => {
                    // The object closes its agents' sockets; their close events come back.
                    let socks = std::mem::take(&mut self.convs[c].agent_sockets);
                    for (_, n) in socks {
                        for _ in 0..n {
                            self.schedule(now, Ev::ConvSocketGone(c, Side::Agent));
                        }
                    }
                }
                Effect::ToWorkspace(msg) => {
                    match &msg {
                        ConversationToWorkspace::RequestLiveChat { facts, .. } => {
                            let cs = &mut self.convs[c];
                            ensure!(cs.reqs.is_empty(), "c{c} sent RequestLiveChat twice");
                            cs.fields = facts.fields.clone();
                            cs.target = cs.flow.target(cs.country, &facts.fields);
                            self.request_begins(c);
                            self.visitor_waits(c);
                        }
                        ConversationToWorkspace::AgentLeft { agent, .. }
                            if before_live == LiveState::Requested
                                && after_live == LiveState::Requested =>
                        {
                            // A barred agent's late acceptance, bounced without the visitor
                            // seeing it: the same wait goes on, one round trip longer.
                            ensure!(
                                self.handed_over.contains(&(c, agent_index(agent))),
                                "c{c} bounced an acceptance of {agent}, who was never handed over"
                            );
                            self.stats.barred_bounces += 1;
                            // A new request number on the wire, the same wait for the visitor.
                            self.convs[c].requests_sent += 1;
                            if let Some(r) = self.convs[c].reqs.last_mut() {
                                r.slack = r.slack.after(Millis(2 * NET_MAX.0));
                            }
                        }
                        ConversationToWorkspace::AgentLeft { agent, .. } => {
                            let cs = &mut self.convs[c];
                            ensure!(
                                cs.agent.as_ref() == Some(agent),
                                "c{c} hands back a chat {agent} did not hold"
                            );
                            cs.agent = None;
                            cs.leaves += 1;
                            self.stats.reroutes += 1;
                            self.request_begins(c);
                            self.visitor_waits(c);
                        }
                        ConversationToWorkspace::Index { record, .. } => {
                            let cs = &mut self.convs[c];
                            ensure!(
                                record.revision > cs.revision,
                                "c{c} sent index revision {} after {}",
                                record.revision,
                                cs.revision
                            );
                            cs.revision = record.revision;
                        }
                        ConversationToWorkspace::FailedAction { action } => {
                            let cs = &mut self.convs[c];
                            ensure!(
                                action.conversation == cs.id,
                                "a failed action of c{c} names {}",
                                action.conversation
                            );
                            cs.failed_emitted += 1;
                            ensure!(
                                cs.failed_emitted == 1,
                                "c{c} emitted {} failed actions",
                                cs.failed_emitted
                            );
                        }
                        ConversationToWorkspace::ChatClosed { agent, .. } => {
                            let cs = &mut self.convs[c];
                            let own = before_live == LiveState::Accepted
                                && !before_closed
                                && after_closed
                                && cs.agent.as_ref() == Some(agent);
                            if own {
                                cs.agent = None;
                                cs.leaves += 1;
                            } else if transfer.is_some() {
                                self.stats.transfer_bounces += 1;
                            } else {
                                self.stats.refused_accepts += 1;
                            }
                        }
                        _ => {}
                    }
                    out.push(msg);
                }
                _ => {}
            }
        }
        if let Some((from, to, holds, joined, closes)) = transfer_seen {
            let to_id = &self.agents[to].id;
            let live = after_live == LiveState::Accepted && !after_closed;
            if holds && live {
                ensure!(
                    joined && closes && holder.as_ref() == Some(to_id),
                    "c{c}, held by a{from:02}, took the transfer to {to_id} without the visitor \
                     seeing them join or the previous panes closing (agent now {holder:?})"
                );
                let last = self.convs[c].storage.as_ref().and_then(|s| {
                    s.entries.iter().rev().find_map(|e| match &e.event {
                        TranscriptEvent::AgentJoined { agent } => Some(agent.name.clone()),
                        _ => None,
                    })
                });
                ensure!(
                    last.as_deref() == Some(fixtures::profile(to).name.as_str()),
                    "c{c}: the stored transcript's last join is {last:?}, not {to_id}'s"
                );
            } else {
                ensure!(
                    !joined,
                    "c{c} switched to {to_id} on a transfer from a{from:02} it does not hold \
                     (or no longer: closed {after_closed}, {after_live:?})"
                );
            }
        }
        let cs = &self.convs[c];
        ensure!(
            cs.leaves <= cs.joins,
            "c{c} ended or handed back {} chats, accepted {}",
            cs.leaves,
            cs.joins
        );
        // Closed while waiting: the visitor ended, left, or the conversation expired.
        if after_closed
            && !before_closed
            && matches!(after_live, LiveState::Ended | LiveState::Expired)
            && cs.reqs.last().is_some_and(|r| r.outcome.is_none())
        {
            self.request_ends(c, Outcome::Cancelled)?;
        }
        let cs = &self.convs[c];
        if after_closed {
            ensure!(cs.agent.is_none(), "c{c} closed with its chat still held");
            ensure!(
                cs.reqs.last().is_none_or(|r| r.outcome.is_some()),
                "c{c} closed with its request open"
            );
        }
        if after_live == LiveState::Requested {
            ensure!(
                cs.reqs.last().is_some_and(|r| r.outcome.is_none()),
                "c{c} waits without a request"
            );
        }
        // One alarm per object, moved only earlier.
        if let Some(d) = next {
            if self.convs[c].alarm.is_none_or(|a| a > d) {
                let at = d.after(self.alarm_late());
                self.convs[c].alarm = Some(at);
                self.schedule(at, Ev::ConvAlarm(c, at));
            }
        }
        Ok(out)
    }

    fn request_begins(&mut self, c: usize) {
        let cs = &mut self.convs[c];
        if let Some(r) = cs.reqs.last() {
            debug_assert!(r.outcome.is_some());
        }
        cs.requests_sent += 1;
        cs.reqs.push(Req {
            at: self.now,
            offers_before: cs.offers,
            outcome: None,
            slack: Millis::ZERO,
        });
        self.stats.requests += 1;
    }

    /// The current request is over for the visitor: exactly once, within the plan's deadlines.
    fn request_ends(&mut self, c: usize, how: Outcome) -> R {
        let now = self.now;
        let timeout = self.settings.accept_timeout;
        let cs = &mut self.convs[c];
        let offers = cs.offers;
        let Some(req) = cs.reqs.last_mut() else {
            return Err(format!("c{c} ended a request it never made ({how:?})"));
        };
        if let Some((prev, at)) = req.outcome {
            return Err(format!(
                "c{c}'s request has a second outcome {how:?} after {prev:?} at {}",
                at.0 - 1_000_000
            ));
        }
        req.outcome = Some((how, now));
        let waited = now.since(req.at);
        // The request reaches the workspace and the answer comes back (each ≤ NET_MAX); every
        // offer lasts at most the accept timeout plus the alarm's lateness.
        let made = u64::from(offers - req.offers_before);
        let bound = 2 * NET_MAX.0 + made * (timeout.0 + ALARM_LATE_MAX.0) + req.slack.0;
        ensure!(
            waited.0 <= bound,
            "c{c} waited {} ms for an agent ({how:?}) with {made} offers: more than the plan \
             allows ({bound} ms)",
            waited.0
        );
        self.stats.max_wait_ms = self.stats.max_wait_ms.max(waited.0);
        match how {
            Outcome::Accepted => self.stats.accepted += 1,
            Outcome::FellBack => self.stats.fell_back += 1,
            Outcome::Cancelled => self.stats.cancelled += 1,
        }
        Ok(())
    }

    /// While waiting, the visitor may write, navigate, close the page, or give up.
    fn visitor_waits(&mut self, c: usize) {
        if !self.agents_click {
            return;
        }
        for _ in 0..self.rng.below(3) {
            let at = self.now.after(Millis(self.rng.below(200_000)));
            self.schedule(at, Ev::VisitorSay(c));
        }
        match self.rng.below(100) {
            0..=14 => {
                let at = self.now.after(Millis(self.rng.between(1_000, 300_000)));
                self.schedule(at, Ev::VisitorEnd(c));
            }
            15..=27 => {
                let at = self.now.after(Millis(self.rng.between(1_000, 200_000)));
                self.schedule(at, Ev::VisitorLeaves(c));
            }
            _ => {}
        }
    }

    /// An accepted chat: the agent's chat pane, messages, then the agent or the visitor ends
    /// it, the visitor's page goes, or silence expires it.
    fn chat_goes_on(&mut self, c: usize) {
        if !self.agents_click {
            return;
        }
        let t = self.messages_follow(c, 4, 120_000);
        match self.rng.below(100) {
            0..=34 => {
                let at = t.after(Millis(self.rng.between(1_000, 400_000)));
                self.schedule(at, Ev::AgentEnd(c));
            }
            35..=59 => {
                let at = t.after(Millis(self.rng.between(1_000, 400_000)));
                self.schedule(at, Ev::VisitorEnd(c));
            }
            60..=69 => {
                let at = t.after(Millis(self.rng.between(1_000, 200_000)));
                self.schedule(at, Ev::VisitorLeaves(c));
            }
            _ => {}
        }
    }

    /// The open offer for conversation `c`, with its (agent, conversation).
    fn open_offer_of(&self, c: usize) -> Option<(u64, (usize, usize))> {
        self.open_offers
            .iter()
            .find(|(_, &(_, oc))| oc == c)
            .map(|(&o, &v)| (o, v))
    }

    /// Fewer than `most` messages from either side, each 1 s to `gap_ms` after the one
    /// before; the time of the last.
    fn messages_follow(&mut self, c: usize, most: u64, gap_ms: u64) -> Millis {
        let mut t = self.now;
        for _ in 0..self.rng.below(most) {
            t = t.after(Millis(self.rng.between(1_000, gap_ms)));
            let e = if self.rng.chance(50) {
                Ev::AgentSay(c)
            } else {
                Ev::VisitorSay(c)
            };
            self.schedule(t, e);
        }
        t
    }

    /// A transferred chat goes on with the new agent (it ends as the accepted chat was going
    /// to end: the events scheduled then still come).
    fn chat_goes_on_after_transfer(&mut self, c: usize) {
        if !self.agents_click {
            return;
        }
        let t = self.messages_follow(c, 3, 60_000);
        if self.rng.chance(20) {
            let at = t.after(Millis(self.rng.between(1_000, 200_000)));
            self.schedule(at, Ev::AgentEnd(c));
        }
    }

    /// Whether the transfers the workspace accepted for `c` lead from `from` (its latest
    /// transfer away from them) to `to`.
    fn chain_reaches(&self, c: usize, from: usize, to: usize) -> bool {
        let moves = &self.convs[c].ws_moves;
        let Some(start) = moves.iter().rposition(|&(f, _)| f == from) else {
            return false;
        };
        let mut cur = moves[start].1;
        for &(f, t) in &moves[start + 1..] {
            if f == cur {
                cur = t;
            }
        }
        cur == to
    }

    /// The conversation object goes away: what it stored stays (the dialogue, the state as of
    /// its last `Persist`, the entries). Hibernation keeps its sockets; a restart drops them
    /// (the page and the chat pane reconnect after a while).
    fn restart_conversation(&mut self, c: usize, hibernate: bool) -> R {
        let cs = &mut self.convs[c];
        let Some(m) = cs.machine.take() else {
            return Ok(());
        };
        let back = cs
            .storage
            .as_ref()
            .ok_or_else(|| format!("c{c} has no storage"))?
            .load();
        ensure!(
            back == m,
            "c{c}: what the conversation stored loads as another machine"
        );
        cs.stored = Some(back);
        if hibernate {
            self.stats.conv_hibernations += 1;
            return Ok(());
        }
        self.stats.conv_restarts += 1;
        let visitors = std::mem::take(&mut cs.visitor_sockets);
        let agents = std::mem::take(&mut cs.agent_sockets);
        if visitors > 0 && cs.visitor_page {
            let at = self.now.after(Millis(self.rng.between(300, 5_000)));
            self.schedule(at, Ev::VisitorSocket(c, true));
        }
        for (a, _) in agents {
            if self.rng.chance(60) {
                let at = self.now.after(Millis(self.rng.between(300, 5_000)));
                self.schedule(at, Ev::AgentSocket(c, a, true));
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------ the link

    fn deliver(&mut self, d: Delivery) -> R {
        match d {
            Delivery::ToWs { batch, reply, last } => {
                let c = conv_index(&batch.conversation);
                let back = self
                    .ws_apply_from(WorkspaceInput::FromConversation(batch), reply.then_some(c))?;
                if last {
                    self.convs[c].ws_final = true;
                }
                if !back.is_empty() {
                    // The reply to the conversation's own call: applied at once.
                    self.conv_batch(c, ToConversation { messages: back }, true)?;
                }
                Ok(())
            }
            Delivery::ToConv(c, batch) => self.conv_batch(c, batch, false),
        }
    }

    /// A conversation object takes a batch from the workspace. What it says back goes in the
    /// reply to the workspace's call (applied at once), or, when the batch was the reply to
    /// the conversation's own call, in a call of its own.
    fn conv_batch(&mut self, c: usize, batch: ToConversation, own_call: bool) -> R {
        self.ensure_conv(c)?;
        let mut out = Vec::new();
        for msg in batch.messages {
            let handed = match &msg {
                WorkspaceToConversation::AgentLeft {
                    agent,
                    removed: true,
                } => Some(agent_index(agent)),
                _ => None,
            };
            out.extend(self.conv_handle(c, Input::FromWorkspace(msg))?);
            if let Some(a) = handed {
                self.handover_pending.remove(&(c, a));
            }
        }
        if out.is_empty() {
            return Ok(());
        }
        if own_call {
            self.send_from_conv(c, out);
        } else {
            let last = self.convs[c].closed();
            let batch = FromConversation {
                conversation: self.convs[c].id.clone(),
                messages: out,
            };
            self.now_q.push_back(Delivery::ToWs {
                batch,
                reply: false,
                last,
            });
        }
        Ok(())
    }

    // ------------------------------------------------------------------ the workspace

    /// Loads the workspace if it is not in memory: its parts, then `Restored` with the inbox
    /// sockets that exist now.
    fn ensure_ws(&mut self) -> R {
        if self.ws.is_some() {
            return Ok(());
        }
        let ws = match self.reloaded.take() {
            Some(ws) => ws,
            None => self.store.load(&self.ws_id)?,
        };
        self.ws = Some(ws);
        let connected: BTreeMap<AgentId, u32> = self
            .agents
            .iter()
            .filter(|a| a.sockets > 0)
            .map(|a| (a.id.clone(), a.sockets))
            .collect();
        self.ws_step(WorkspaceInput::Restored { connected }, None)?;
        Ok(())
    }

    /// One input from outside (a socket frame, an admin, the alarm), then the close events of
    /// the inbox sockets the workspace closed.
    pub fn ws_input(&mut self, input: WorkspaceInput) -> R {
        self.ws_apply_from(input, None)?;
        while let Some((a, n)) = self.closed_by_ws.pop() {
            let delivered = if self.agents[a].removed {
                self.close_event_after_remove_pct
            } else {
                100
            };
            for _ in 0..n {
                if self.agents[a].sockets == 0 {
                    break;
                }
                self.agents[a].sockets -= 1;
                if self.agents[a].sockets == 0 {
                    self.agents[a].gone_at = Some(self.now);
                }
                if self.rng.chance(delivered) {
                    let id = self.agents[a].id.clone();
                    self.ws_apply_from(WorkspaceInput::InboxClosed { agent: id }, None)?;
                }
            }
            self.chat_panes_close(a);
        }
        Ok(())
    }

    fn ws_apply_from(
        &mut self,
        input: WorkspaceInput,
        caller: Option<usize>,
    ) -> R<Vec<WorkspaceToConversation>> {
        self.ensure_ws()?;
        self.ws_step(input, caller)
    }

    /// One `Workspace::handle` as `WorkspaceDO` runs it: handle, store the changed parts, then
    /// carry out the effects (checking each), then set the alarm. Returns the caller's messages.
    fn ws_step(
        &mut self,
        input: WorkspaceInput,
        caller: Option<usize>,
    ) -> R<Vec<WorkspaceToConversation>> {
        if self.verbose {
            let i = format!("{input:?}");
            self.log(|| format!("  ws <- {i}"));
        }
        let is_decline = matches!(input, WorkspaceInput::Decline { .. });
        // The agents this step may change: the one the input names, those its effects name.
        let mut involved: BTreeSet<usize> = BTreeSet::new();
        let mut everyone = false;
        match &input {
            WorkspaceInput::InboxOpened { agent }
            | WorkspaceInput::InboxClosed { agent }
            | WorkspaceInput::SetPresence { agent, .. }
            | WorkspaceInput::Accept { agent, .. }
            | WorkspaceInput::Decline { agent, .. }
            | WorkspaceInput::Colleagues { agent }
            | WorkspaceInput::Transfer { agent, .. }
            | WorkspaceInput::UpsertAgent { agent, .. }
            | WorkspaceInput::RemoveAgent { agent }
            | WorkspaceInput::PushDevices { agent, .. }
            | WorkspaceInput::SessionsEnded { agent, .. } => {
                involved.insert(agent_index(agent));
            }
            WorkspaceInput::Restored { .. } | WorkspaceInput::Settings { .. } => everyone = true,
            WorkspaceInput::FromConversation(_) | WorkspaceInput::Tick => {}
        }
        // Inputs that may end a request in a fallback.
        let may_fall_back = match &input {
            WorkspaceInput::FromConversation(b) => b.messages.iter().any(|m| {
                matches!(
                    m,
                    ConversationToWorkspace::RequestLiveChat { .. }
                        | ConversationToWorkspace::AgentLeft { .. }
                )
            }),
            WorkspaceInput::InboxOpened { .. }
            | WorkspaceInput::InboxClosed { .. }
            | WorkspaceInput::Restored { .. } => false,
            _ => true,
        };
        let ws = self.ws.as_mut().expect("loaded");
        // What the router saw before: who was eligible, and who each pending request had tried.
        let mut before = vec![false; AGENTS];
        let mut tried_before: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        if may_fall_back {
            for &a in &self.watched {
                before[a] = ws.router().is_eligible(&self.agents[a].id, self.now);
            }
            for &(_, c) in self.open_offers.values() {
                let tried = ws.router().tried(&self.convs[c].id);
                tried_before.insert(c, tried.iter().map(agent_index).collect());
            }
        }
        let fx = ws.handle(input, self.now);
        let changes = ws.take_changes();
        // The deadline depends only on offers, chats and people: unchanged unless they changed.
        let deadline_may_move = !changes.router.is_empty() || changes.people || everyone;
        self.last_step_changed = !changes.router.is_empty()
            || changes.people
            || !changes.settled.is_empty()
            || !changes.forgotten.is_empty()
            || fx.iter().any(|e| !matches!(e, WorkspaceEffect::Reply(_)));
        self.replies.clear();
        self.store.save_changes(ws, &changes)?;
        self.stats.ws_handles += 1;

        let mut reply = Vec::new();
        let mut calls: Vec<(usize, ToConversation)> = Vec::new();
        let mut touched: BTreeSet<usize> = BTreeSet::new();
        let mut fallbacks: Vec<(usize, FallbackReason)> = Vec::new();
        // Transfers accepted in this step (conversation, from, to, the old agent was told), and
        // the conversations whose transfer ended without one.
        let mut moved: Vec<(usize, usize, usize, bool)> = Vec::new();
        let mut unmoved: BTreeSet<usize> = BTreeSet::new();
        for e in fx {
            if self.verbose {
                let s = format!("{e:?}");
                self.log(|| format!("    ws -> {s}"));
            }
            match e {
                WorkspaceEffect::Audit(entry) => {
                    let c = conv_index(&entry.conversation);
                    match (&entry.trigger, &entry.outcome) {
                        (AuditTrigger::Request, AuditOutcome::Duplicate) => {
                            self.stats.duplicate_requests += 1;
                        }
                        (AuditTrigger::Request, outcome) => {
                            let closed = self
                                .settings
                                .business_hours
                                .as_ref()
                                .is_some_and(|h| !h.is_open(self.now));
                            ensure!(
                                !closed || matches!(outcome, AuditOutcome::FellBack { .. }),
                                "c{c}: a request routed outside business hours ({outcome:?})"
                            );
                            let cs = &mut self.convs[c];
                            cs.routings += 1;
                            cs.expired = 0;
                            ensure!(
                                !cs.ws_final,
                                "c{c}: the workspace starts routing a request ({:?}) after it applied \
                                 the conversation's last messages (it is closed): a late or repeated \
                                 request routed again",
                                entry.outcome
                            );
                            ensure!(
                                cs.routings <= cs.requests_sent,
                                "c{c}: the workspace starts routing #{} for {} requests the conversation \
                                 sent ({:?}): a repeated request routed again",
                                cs.routings,
                                cs.requests_sent,
                                entry.outcome
                            );
                        }
                        _ => {}
                    }
                }
                WorkspaceEffect::Webhook(event) => match &event.data {
                    parlor_core::webhooks::EventData::ChatAccepted {
                        conversation_id, ..
                    } => {
                        self.hooked_chats.insert(conversation_id.clone());
                    }
                    parlor_core::webhooks::EventData::ChatTransferred {
                        conversation_id,
                        from,
                        to,
                    } => {
                        ensure!(
                            self.hooked_chats.contains(conversation_id) && from.id != to.id,
                            "{conversation_id}: chat.transferred ({} → {}) for no accepted chat",
                            from.id,
                            to.id
                        );
                    }
                    parlor_core::webhooks::EventData::ChatEnded {
                        conversation_id, ..
                    } => {
                        ensure!(
                            self.hooked_chats.remove(conversation_id),
                            "{conversation_id}: chat.ended without a chat.accepted before it, or twice"
                        );
                    }
                    _ => {}
                },
                WorkspaceEffect::Index(record) => {
                    let keep = self
                        .index_rows
                        .get(&record.id)
                        .is_none_or(|old| record.revision >= old.revision);
                    if keep {
                        self.index_rows.insert(record.id.clone(), record);
                    } else {
                        self.stats.stale_index_rows += 1;
                    }
                }
                WorkspaceEffect::FailedAction(action) => {
                    ensure!(
                        action.workspace.as_ref() == Some(&self.ws_id),
                        "a failed action without its workspace"
                    );
                    if self.failed.contains_key(&action.conversation) {
                        self.stats.failed_action_dups += 1;
                    } else {
                        self.stats.emails += 1;
                        self.failed.insert(action.conversation.clone(), action);
                    }
                }
                WorkspaceEffect::ToAgent { agent, msg } => {
                    let a = agent_index(&agent);
                    involved.insert(a);
                    match msg {
                        InboxServerMsg::Offered { offer } => {
                            ensure!(
                                self.in_team_hours(a),
                                "{agent} offered {} while every team of theirs is closed",
                                offer.conversation
                            );
                            let c = conv_index(&offer.conversation);
                            match &offer.transfer_from {
                                Some(from) => {
                                    touched.insert(a);
                                    self.transfer_offered(a, c, offer.offer, from)?;
                                }
                                None => {
                                    ensure!(
                                        !self.chats.contains_key(&c),
                                        "{agent} offered c{c} as a request while a{:02} holds it",
                                        self.chats[&c]
                                    );
                                    if let Target::Team(t) = self.convs[c].target {
                                        ensure!(
                                            self.team_open(t),
                                            "{agent} offered c{c} through team {t}, which is closed"
                                        );
                                    }
                                }
                            }
                            self.offered(a, offer.offer, &offer.conversation, offer.deadline)?;
                        }
                        InboxServerMsg::OfferWithdrawn { offer, reason } => {
                            touched.insert(a);
                            let Some((holder, c)) = self.open_offers.remove(&offer) else {
                                return Err(format!("withdrawn offer {offer} was not open"));
                            };
                            ensure!(holder == a, "offer {offer} withdrawn from the wrong agent");
                            if self.transfer_offers.remove(&offer) {
                                // A transfer's offer: the chat is still its holder's; the
                                // transfer moves on in the team, ends, or the chat ended.
                                *self
                                    .stats
                                    .transfer_withdrawals
                                    .entry(reason.clone())
                                    .or_default() += 1;
                                ensure!(
                                    self.transfers.contains_key(&c),
                                    "transfer offer {offer} of c{c} withdrawn with no transfer out"
                                );
                                continue;
                            }
                            match reason.as_str() {
                                "expired" => {
                                    self.stats.expired_offers += 1;
                                    let cs = &mut self.convs[c];
                                    cs.expired += 1;
                                    let team = matches!(cs.target, Target::Team(_));
                                    let extra = if team && self.settings.plan == Plan::Prime {
                                        self.settings.extra_team_attempts
                                    } else {
                                        0
                                    };
                                    ensure!(
                                        cs.expired <= 1 + extra,
                                        "c{c}: {} offers of one request timed out, the plan allows {}",
                                        cs.expired,
                                        1 + extra
                                    );
                                }
                                "declined" => self.stats.declines += 1,
                                "agent_unavailable" => self.stats.unavailable_withdrawals += 1,
                                _ => {}
                            }
                        }
                        InboxServerMsg::ChatStarted { chat } => {
                            let c = conv_index(&chat.conversation);
                            ensure!(
                                self.chats.get(&c) == Some(&a),
                                "chat_started for c{c} to {agent}, who does not hold it"
                            );
                            self.agents[a].shown.insert(c);
                            if self.agents_click
                                && self.agents[a].sockets > 0
                                && self.rng.chance(70)
                            {
                                let at = self.now.after(Millis(self.rng.between(100, 3_000)));
                                self.schedule(at, Ev::AgentSocket(c, a, true));
                            }
                            if self.agents_click && self.rng.chance(35) {
                                // The agent will hand this chat on (if it is still theirs then).
                                let at = self.now.after(Millis(self.rng.between(1_000, 150_000)));
                                self.schedule(at, Ev::Transfer { agent: a, conv: c });
                            }
                        }
                        InboxServerMsg::TransferEnded {
                            conversation,
                            reason,
                        } => {
                            // Nobody took it: the chat is still the asker's, live, untouched.
                            let c = conv_index(&conversation);
                            let Some(t) = self.transfers.remove(&c) else {
                                return Err(format!("transfer_ended for c{c} with none out"));
                            };
                            ensure!(
                                t.from == a,
                                "transfer_ended for c{c} to {agent}, the transfer was a{:02}'s",
                                t.from
                            );
                            ensure!(
                                self.chats.get(&c) == Some(&a),
                                "the transfer of c{c} ended ({reason}), {agent} no longer holds it"
                            );
                            ensure!(
                                !self.open_offers.values().any(|&(_, oc)| oc == c),
                                "the transfer of c{c} ended with an offer still open"
                            );
                            ensure!(
                                !t.offered.is_empty()
                                    && matches!(
                                        reason.as_str(),
                                        "expired" | "declined" | "agent_unavailable"
                                    ),
                                "the transfer of c{c} ended ({reason}) after offers to {:?}",
                                t.offered
                            );
                            if let (To::Agent(b), "declined" | "agent_unavailable") =
                                (t.to, reason.as_str())
                            {
                                ensure!(
                                    t.offered == [b],
                                    "a transfer to a{b:02} offered to {:?}",
                                    t.offered
                                );
                            }
                            self.stats.transfers_ended += 1;
                            unmoved.insert(c);
                        }
                        InboxServerMsg::ChatClosed {
                            conversation,
                            reason: EndReason::Transferred,
                        } => {
                            // The previous agent's chat, handed on in this very step.
                            touched.insert(a);
                            let c = conv_index(&conversation);
                            self.agents[a].shown.remove(&c);
                            let m = moved
                                .iter_mut()
                                .find(|(mc, from, _, told)| *mc == c && *from == a && !*told);
                            let Some(m) = m else {
                                return Err(format!(
                                    "chat_closed (transferred) for c{c} to {agent}, who handed \
                                     nothing on"
                                ));
                            };
                            m.3 = true;
                            ensure!(
                                self.chats.get(&c) != Some(&a),
                                "{agent} told c{c} was transferred, but still holds it"
                            );
                        }
                        InboxServerMsg::ChatClosed { conversation, .. } => {
                            touched.insert(a);
                            let c = conv_index(&conversation);
                            self.agents[a].shown.remove(&c);
                            ensure!(
                                self.chats.remove(&c) == Some(a),
                                "c{c} released from {agent}, who did not hold it"
                            );
                            let cs = &mut self.convs[c];
                            cs.releases += 1;
                            ensure!(
                                cs.releases <= cs.router_accepts,
                                "c{c} released more often than accepted"
                            );
                            ensure!(
                                cs.agent.as_ref() != Some(&agent)
                                    || self.handover_pending.contains(&(c, a)),
                                "c{c}: {agent}'s slot freed while the chat is still theirs"
                            );
                        }
                        _ => {}
                    }
                }
                WorkspaceEffect::Reply(msg) => self.replies.push(msg),
                WorkspaceEffect::ToConversation { conversation, msg } => {
                    let c = conv_index(&conversation);
                    match &msg {
                        WorkspaceToConversation::Accepted { agent, .. } => {
                            let a = agent_index(agent);
                            involved.insert(a);
                            let offer = self.open_offer_of(c);
                            let Some((offer, (holder, _))) = offer else {
                                return Err(format!("c{c} accepted without an open offer"));
                            };
                            ensure!(
                                holder == a,
                                "c{c} accepted by {agent}, offered to a{holder:02}"
                            );
                            self.open_offers.remove(&offer);
                            ensure!(self.chats.insert(c, a).is_none(), "c{c} accepted twice");
                            self.convs[c].router_accepts += 1;
                        }
                        WorkspaceToConversation::Transferred {
                            from,
                            agent,
                            profile,
                            ..
                        } => {
                            let (f, b) = (agent_index(from), agent_index(agent));
                            involved.extend([f, b]);
                            touched.extend([f, b]);
                            let Some(t) = self.transfers.remove(&c) else {
                                return Err(format!("c{c} transferred with no transfer out"));
                            };
                            ensure!(
                                t.from == f && t.offered.last() == Some(&b),
                                "c{c} transferred from {from} to {agent}, the transfer was from \
                                 a{:02}, offered to {:?}",
                                t.from,
                                t.offered
                            );
                            let offer = self.open_offer_of(c);
                            let Some((offer, (holder, _))) = offer else {
                                return Err(format!("c{c} transferred without an open offer"));
                            };
                            ensure!(
                                holder == b && self.transfer_offers.remove(&offer),
                                "c{c} transferred to {agent} on offer {offer} of a{holder:02}"
                            );
                            self.open_offers.remove(&offer);
                            ensure!(
                                self.chats.insert(c, b) == Some(f),
                                "c{c} transferred from {from}, who did not hold it"
                            );
                            ensure!(
                                profile.name == fixtures::profile(b).name,
                                "c{c} transferred to {agent} with another's profile"
                            );
                            self.convs[c].ws_moves.push((f, b));
                            self.stats.transfers_accepted += 1;
                            moved.push((c, f, b, false));
                        }
                        WorkspaceToConversation::AgentLeft { agent, removed } => {
                            let a = agent_index(agent);
                            let ag = &self.agents[a];
                            ensure!(
                                self.chats.get(&c) == Some(&a),
                                "AgentLeft for c{c} names {agent}, who does not hold it"
                            );
                            if *removed {
                                self.handover_pending.insert((c, a));
                                self.handed_over.insert((c, a));
                                let ag = &self.agents[a];
                                ensure!(
                                    ag.removed || !ag.live_chat || self.demoting,
                                    "{agent} handed back as removed but is neither removed nor \
                                     without the permission"
                                );
                            } else {
                                let grace = self.settings.agent_gone_grace;
                                ensure!(
                                    ag.sockets == 0
                                        && ag.gone_at.is_some_and(|g| self.now >= g.after(grace)),
                                    "c{c} handed back from {agent} (inbox sockets {}, gone since {:?}) \
                                     before the agent was gone for the grace",
                                    ag.sockets,
                                    ag.gone_at
                                );
                            }
                        }
                        WorkspaceToConversation::FellBack { reason, .. } => {
                            ensure!(
                                !self.open_offers.values().any(|&(_, oc)| oc == c),
                                "c{c} fell back with an offer still open"
                            );
                            if *reason == FallbackReason::OutsideHours {
                                let hours = self.settings.business_hours.as_ref();
                                let team_closed = match self.convs[c].target {
                                    Target::Team(t) => !self.team_open(t),
                                    _ => false,
                                };
                                ensure!(
                                    hours.is_some_and(|h| !h.is_open(self.now)) || team_closed,
                                    "c{c} fell back as outside hours while open"
                                );
                            }
                            fallbacks.push((c, *reason));
                            *self
                                .stats
                                .fallback_reasons
                                .entry(format!("{reason:?}"))
                                .or_default() += 1;
                        }
                        _ => {}
                    }
                    if caller == Some(c) {
                        reply.push(msg);
                    } else {
                        match calls.iter_mut().find(|(cc, _)| *cc == c) {
                            Some((_, b)) => b.messages.push(msg),
                            None => calls.push((
                                c,
                                ToConversation {
                                    messages: vec![msg],
                                },
                            )),
                        }
                    }
                }
                WorkspaceEffect::CloseAgent { agent, .. } => {
                    // Carried out after this step (see `ws_input`).
                    let a = agent_index(&agent);
                    self.closed_by_ws.push((a, self.agents[a].sockets));
                }
                WorkspaceEffect::Push { agent, msg } => {
                    let a = agent_index(&agent);
                    let ag = &self.agents[a];
                    ensure!(
                        ag.push && ag.sockets == 0,
                        "push to {agent}, who has {} (push {})",
                        ag.sockets,
                        ag.push
                    );
                    if let PushMsg::Offer { offer, .. } = msg {
                        self.agents[a].pushed.insert(offer);
                        // The agent clicks the notification: the inbox opens on the offer.
                        if self.agents_click && self.rng.chance(60) {
                            let at = self.now.after(Millis(self.rng.between(2_000, 60_000)));
                            self.schedule(at, Ev::Open(a));
                        }
                    }
                }
                // Leads and visitor mail are storage only; routing never depends on them.
                WorkspaceEffect::Lead(_) | WorkspaceEffect::MailVisitor { .. } => {}
            }
        }
        // As the edge plans it: advice alone is not worth a call.
        calls.retain(|(_, b)| b.worth_a_call());
        self.transfers_after_step(&moved, &unmoved, &calls, &reply, caller)?;
        if is_decline
            && fallbacks
                .iter()
                .any(|(_, r)| *r == FallbackReason::OfferDeclined)
        {
            self.stats.decline_fallbacks += 1;
        }
        ensure!(
            may_fall_back || fallbacks.is_empty(),
            "a fallback from an input that cannot end a request"
        );
        self.check_fallbacks(&fallbacks, &before, &tried_before, &touched, is_decline)?;
        // Every agent now and then (and after a reload); otherwise those the step touched.
        if everyone || self.stats.ws_handles.is_multiple_of(16) {
            involved.extend(self.watched.iter().copied());
        }
        self.check_workspace(&involved)?;
        for (c, batch) in calls {
            self.send(Delivery::ToConv(c, batch));
        }
        // One alarm, moved only earlier.
        let next = if deadline_may_move || self.ws_alarm.is_none() {
            self.ws.as_ref().and_then(|w| w.next_deadline())
        } else {
            None
        };
        if let Some(d) = next {
            if self.ws_alarm.is_none_or(|a| a > d) {
                let at = d.after(self.alarm_late());
                self.ws_alarm = Some(at);
                self.schedule(at, Ev::WsAlarm(at));
            }
        }
        Ok(reply)
    }

    /// An `offered` frame: the agent must be able to take it at this instant.
    fn offered(&mut self, a: usize, offer: u64, conv: &ConversationId, deadline: Millis) -> R {
        let ws = self.ws.as_ref().expect("loaded");
        let ag = &self.agents[a];
        let who = &ag.id;
        if ag.sockets == 0 {
            // Only by notification, within the reach, and only when nobody at a desk could
            // take it: the push went out just before this offer.
            ensure!(
                self.push_reachable(a),
                "offer {offer} ({conv}) made to {who}, who has no inbox socket open and no \
                 push reach (push {}, gone at {:?})",
                ag.push,
                ag.gone_at
            );
            ensure!(
                ag.pushed.contains(&offer),
                "offer {offer} made to {who} by push without a notification"
            );
            self.stats.push_offers += 1;
        } else {
            ensure!(
                ws.connected(who),
                "offer {offer} made to {who}, whom the workspace does not see connected"
            );
        }
        ensure!(!ag.removed, "offer {offer} made to {who}, who was removed");
        ensure!(
            ag.live_chat,
            "offer {offer} made to {who}, who lacks the live chat permission"
        );
        ensure!(ag.available(), "offer {offer} made to {who}, who is away");
        ensure!(
            deadline == self.now.after(self.settings.accept_timeout),
            "offer {offer} does not get a full accept timeout"
        );
        let c = conv_index(conv);
        ensure!(
            self.open_offers.insert(offer, (a, c)).is_none(),
            "offer id {offer} made twice"
        );
        self.convs[c].offers += 1;
        self.stats.offers += 1;
        self.react(a, offer);
        Ok(())
    }

    /// The agent sees an offer: accepts (sometimes too late), declines, or lets it run out.
    fn react(&mut self, a: usize, offer: u64) {
        if !self.agents_click
            || self.agents[a].sockets == 0
            || !self.agents[a].reacted.insert(offer)
        {
            return;
        }
        let roll = self.rng.below(100);
        if roll < 50 {
            let at = self.now.after(Millis(self.rng.between(300, 115_000)));
            self.schedule(
                at,
                Ev::Answer {
                    agent: a,
                    offer,
                    accept: true,
                },
            );
        } else if roll < 75 {
            let at = self.now.after(Millis(self.rng.between(300, 60_000)));
            self.schedule(
                at,
                Ev::Answer {
                    agent: a,
                    offer,
                    accept: false,
                },
            );
        }
        if self.rng.chance(4) {
            // A stale or foreign offer id (a double click, an old banner).
            let other = self.rng.below(offer + 3);
            let accept = self.rng.chance(50);
            let at = self.now.after(Millis(self.rng.below(30_000)));
            self.schedule(
                at,
                Ev::Answer {
                    agent: a,
                    offer: other,
                    accept,
                },
            );
            self.stats.stale_answers += 1;
        }
    }

    /// A fallback after a decline (or an agent going away, or at request time) only when nobody
    /// eligible and not yet offered the chat was free in the same routing target: an agent
    /// eligible both before and after the step, not offered this request, whose load this step
    /// did not change.
    fn check_fallbacks(
        &self,
        fallbacks: &[(usize, FallbackReason)],
        before: &[bool],
        tried_before: &BTreeMap<usize, Vec<usize>>,
        touched: &BTreeSet<usize>,
        is_decline: bool,
    ) -> R {
        let ws = self.ws.as_ref().expect("loaded");
        let r = ws.router();
        for &(c, reason) in fallbacks {
            if !matches!(
                reason,
                FallbackReason::OfferDeclined
                    | FallbackReason::AgentUnavailable
                    | FallbackReason::NoEligibleAgent
            ) {
                continue;
            }
            let tried = tried_before.get(&c).cloned().unwrap_or_default();
            let cands: Vec<usize> = match self.convs[c].target {
                Target::All => (0..AGENTS).collect(),
                Target::Team(t) => (0..AGENTS)
                    .filter(|&z| {
                        r.agent(&self.agents[z].id)
                            .is_some_and(|v| v.teams.contains(&fixtures::team_id(t)))
                    })
                    .collect(),
                Target::Agent(z) => vec![z],
                Target::Nobody => Vec::new(),
            };
            for z in cands {
                if tried.contains(&z) || touched.contains(&z) {
                    continue;
                }
                let id = &self.agents[z].id;
                ensure!(
                    !(before[z] && r.is_eligible(id, self.now)),
                    "c{c} fell back ({reason:?}{}) while {id} was eligible and not yet offered it",
                    if is_decline { ", after a decline" } else { "" }
                );
            }
        }
        Ok(())
    }

    /// After every workspace step: the router's bookkeeping, capacity from the effects alone,
    /// and presence as the sockets say.
    fn check_workspace(&self, agents: &BTreeSet<usize>) -> R {
        let ws = self.ws.as_ref().expect("loaded");
        let r = ws.router();
        r.check_invariants()?;
        let mut load = vec![0u32; AGENTS];
        for &(a, _) in self.open_offers.values() {
            load[a] += 1;
        }
        for &a in self.chats.values() {
            load[a] += 1;
        }
        ensure!(
            r.pending_count() == self.open_offers.len() && r.chat_count() == self.chats.len(),
            "the router holds {} offers and {} chats, the effects say {} and {}",
            r.pending_count(),
            r.chat_count(),
            self.open_offers.len(),
            self.chats.len()
        );
        // Each chat has one holder, the same for the router and the effects; a transfer's offer
        // is the router's, for a chat its holder still holds.
        for (&c, &a) in &self.chats {
            let held = r.agent_of(&self.convs[c].id);
            ensure!(
                held == Some(&self.agents[a].id),
                "the effects say c{c} is a{a:02}'s, the router says {held:?}"
            );
        }
        for (&offer, &(_, c)) in &self.open_offers {
            let transfer = self.transfer_offers.contains(&offer);
            ensure!(
                r.is_transfer(offer) == transfer,
                "offer {offer} of c{c}: a transfer for the router {}, for the effects {transfer}",
                r.is_transfer(offer)
            );
            if transfer {
                let from = r.transfer_from(offer).map(agent_index);
                ensure!(
                    from.is_some()
                        && from == self.chats.get(&c).copied()
                        && self.transfers.get(&c).map(|t| t.from) == from,
                    "transfer offer {offer} of c{c} from {from:?}; held by {:?}, transfer {:?}",
                    self.chats.get(&c),
                    self.transfers.get(&c)
                );
            }
        }
        self.check_agents(agents.iter().copied(), &load)
    }

    /// With nothing in flight, everyone agrees on who holds each chat: the conversation, the
    /// router, the effects seen by the world and the conversation's effects.
    fn check_settled(&mut self) -> R {
        let Some(ws) = self.ws.as_ref() else {
            return Ok(());
        };
        if !self.now_q.is_empty() {
            return Ok(());
        }
        let r = ws.router();
        let mut checked = 0;
        for (c, cs) in self.convs.iter().enumerate() {
            let m = match (&cs.machine, &cs.stored) {
                (Some(m), _) | (None, Some(m)) => m,
                (None, None) => continue,
            };
            let live = !m.is_closed() && m.live_state() == LiveState::Accepted;
            let conv = m.agent().filter(|_| live).map(agent_index);
            let router = r.agent_of(&cs.id).map(agent_index);
            let world = self.chats.get(&c).copied();
            let mirror = cs.agent.as_ref().map(agent_index);
            ensure!(
                conv == router && router == world && world == mirror,
                "nothing in flight, yet c{c}'s chat is held by {conv:?} for the conversation, \
                 {router:?} for the router, {world:?} for the workspace's effects, {mirror:?} \
                 for the conversation's effects"
            );
            checked += u64::from(world.is_some());
            // A visitor waiting for an agent is waiting for an offer (of a request, not a
            // transfer), and an offer of a request is for a visitor waiting.
            let waiting = !m.is_closed() && m.live_state() == LiveState::Requested;
            let offer = r.pending_offer(&cs.id).map(|o| o.offer);
            let request_offer = offer.filter(|o| !r.is_transfer(*o));
            ensure!(
                waiting == request_offer.is_some(),
                "nothing in flight, yet c{c} {} while the router has {offer:?} out for it",
                if waiting {
                    "waits for an agent"
                } else {
                    "waits for nobody"
                }
            );
        }
        self.stats.settled_checks += checked;
        Ok(())
    }

    /// Load, capacity and presence of these agents against the effects and the sockets.
    fn check_agents(&self, agents: impl Iterator<Item = usize>, load: &[u32]) -> R {
        let ws = self.ws.as_ref().expect("loaded");
        let r = ws.router();
        let cap = r.settings().capacity;
        for i in agents {
            let ag = &self.agents[i];
            ensure!(
                r.load(&ag.id) == load[i],
                "{}: the router's load {} differs from the effects' {}",
                ag.id,
                r.load(&ag.id),
                load[i]
            );
            ensure!(
                load[i] <= cap,
                "{} holds {} > capacity {cap}",
                ag.id,
                load[i]
            );
            if ag.removed {
                ensure!(
                    !r.holds_chats(&ag.id) && load[i] == 0,
                    "{} was removed but still holds {} chats",
                    ag.id,
                    load[i]
                );
                continue;
            }
            let connected = ws.connected(&ag.id);
            ensure!(
                connected == (ag.sockets > 0),
                "{}: the workspace sees it {}connected, it has {} inbox sockets",
                ag.id,
                if connected { "" } else { "dis" },
                ag.sockets
            );
            let online = r.agent(&ag.id).is_some_and(|v| v.online);
            ensure!(
                !online || ag.sockets > 0 || self.push_reachable(i),
                "{}: the router has it online with no inbox socket and no push reach",
                ag.id
            );
        }
        Ok(())
    }

    /// The workspace object goes away; what is stored must give back exactly the machine in
    /// memory. Hibernation keeps the inbox sockets; a restart drops them (most reconnect).
    fn restart_workspace(&mut self, hibernate: bool) -> R {
        let Some(ws) = self.ws.take() else {
            return Ok(());
        };
        self.store.counters = serde_json::to_string(&ws.router().counters()).map_err(json_err)?;
        let back = self.store.load(&self.ws_id)?;
        // The head is the machine's own; the rows written from `take_changes` must hold every
        // offer and chat, as they are now.
        let (live, stored) = (ws.router(), back.router());
        let rows = live.all_changed();
        ensure!(
            rows == stored.all_changed(),
            "the router stored in parts holds other offers or chats than the one in memory: \
             {rows:?} vs {:?}",
            stored.all_changed()
        );
        for &offer in &rows.pending {
            let a = serde_json::to_string(&live.pending_part(offer)).map_err(json_err)?;
            let b = serde_json::to_string(&stored.pending_part(offer)).map_err(json_err)?;
            ensure!(a == b, "offer {offer} is stored as {b}, it is {a}");
        }
        for conv in &rows.chats {
            let a = serde_json::to_string(&live.chat_part(conv)).map_err(json_err)?;
            let b = serde_json::to_string(&stored.chat_part(conv)).map_err(json_err)?;
            ensure!(a == b, "the chat of {conv} is stored as {b}, it is {a}");
        }
        ensure!(
            back.people() == ws.people(),
            "the stored people differ from the machine's"
        );
        ensure!(
            back.settled().rows().collect::<Vec<_>>() == ws.settled().rows().collect::<Vec<_>>(),
            "the stored settled requests differ from the machine's"
        );
        self.reloaded = Some(back);
        if hibernate {
            self.stats.ws_hibernations += 1;
            return Ok(());
        }
        self.stats.ws_restarts += 1;
        for a in 0..AGENTS {
            let n = std::mem::take(&mut self.agents[a].sockets);
            if n > 0 {
                self.agents[a].gone_at = Some(self.now);
            }
            self.agents[a].reacted.clear();
            for _ in 0..n {
                if self.rng.chance(80) {
                    let at = self.now.after(Millis(self.rng.between(500, 20_000)));
                    self.schedule(at, Ev::Open(a));
                }
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------------ agents

    fn upsert(&mut self, a: usize) -> R {
        let ag = &self.agents[a];
        let input = WorkspaceInput::UpsertAgent {
            agent: ag.id.clone(),
            live_chat: ag.live_chat,
            teams: ag.teams.iter().map(|&t| fixtures::team_id(t)).collect(),
            profile: fixtures::profile(a),
        };
        self.ws_input(input)
    }

    pub fn open_inbox(&mut self, a: usize) -> R {
        if self.agents[a].removed || self.agents[a].sockets >= 3 {
            return Ok(());
        }
        // The object is loaded (and `Restored` applied) before the socket is accepted.
        self.ensure_ws()?;
        self.agents[a].sockets += 1;
        self.agents[a].gone_at = None;
        self.stats.inbox_opens += 1;
        let id = self.agents[a].id.clone();
        self.ws_input(WorkspaceInput::InboxOpened { agent: id.clone() })?;
        // The inbox's `welcome` lists the offers waiting for the agent and their chats.
        let welcome = self.workspace().welcome(&id);
        let mine: Vec<u64> = self
            .open_offers
            .iter()
            .filter(|(_, &(x, _))| x == a)
            .map(|(&o, _)| o)
            .collect();
        let mut listed: Vec<u64> = welcome.offers.iter().map(|o| o.offer).collect();
        listed.sort_unstable();
        ensure!(
            listed == mine,
            "{id}'s welcome lists offers {listed:?}, open are {mine:?}"
        );
        let mut chats: Vec<usize> = welcome.chats.iter().map(|(c, _)| conv_index(c)).collect();
        chats.sort_unstable();
        let held: Vec<usize> = self
            .chats
            .iter()
            .filter(|(_, &x)| x == a)
            .map(|(&c, _)| c)
            .collect();
        ensure!(
            chats == held,
            "{id}'s welcome lists chats {chats:?}, it holds {held:?}"
        );
        self.agents[a].shown = held.into_iter().collect();
        for o in listed {
            self.react(a, o);
        }
        // Some agents turn on notifications in the inbox.
        if !self.agents[a].push && self.rng.chance(15) {
            self.set_push(a, true)?;
        }
        Ok(())
    }

    pub fn close_inbox(&mut self, a: usize) -> R {
        if self.agents[a].sockets == 0 {
            return Ok(());
        }
        // A hibernated object wakes for the close with the closing socket still listed.
        self.ensure_ws()?;
        self.agents[a].sockets -= 1;
        if self.agents[a].sockets == 0 {
            self.agents[a].gone_at = Some(self.now);
        }
        self.stats.inbox_closes += 1;
        let id = self.agents[a].id.clone();
        self.ws_input(WorkspaceInput::InboxClosed { agent: id })?;
        if self.agents_click && self.agents[a].sockets == 0 && self.rng.chance(50) {
            // The tab is gone, and the chat panes in it.
            self.chat_panes_close(a);
        }
        Ok(())
    }

    /// The agent's chat sockets close (the tab is gone).
    fn chat_panes_close(&mut self, a: usize) {
        for c in 0..self.convs.len() {
            let n = self.convs[c].agent_sockets.get(&a).copied().unwrap_or(0);
            for _ in 0..n {
                self.schedule(self.now, Ev::AgentSocket(c, a, false));
            }
        }
    }

    pub fn set_presence(&mut self, a: usize, presence: Presence) -> R {
        if self.agents[a].sockets == 0 {
            return Ok(()); // only an open inbox can say so
        }
        self.agents[a].chose = Some(presence);
        let id = self.agents[a].id.clone();
        self.ws_input(WorkspaceInput::SetPresence {
            agent: id,
            presence,
        })
    }

    pub fn remove(&mut self, a: usize) -> R {
        // The object is loaded (its checks run) before the admin's call changes anything.
        self.ensure_ws()?;
        self.agents[a].removed = true;
        self.agents[a].chose = None;
        self.agents[a].push = false;
        self.stats.removals += 1;
        let id = self.agents[a].id.clone();
        self.ws_input(WorkspaceInput::RemoveAgent { agent: id })
    }

    /// A new session epoch (a role change or a password reset): the agent's inbox and chat
    /// sockets are revoked (their close events are not counted again) and the workspace hears
    /// it once. A demotion hands the chats over at once.
    pub fn end_sessions(&mut self, a: usize, hand_over: bool) -> R {
        self.ensure_ws()?;
        self.stats.sessions_ended += 1;
        self.agents[a].push = false;
        if self.agents[a].sockets > 0 {
            self.agents[a].sockets = 0;
            self.agents[a].gone_at = Some(self.now);
        }
        self.chat_panes_close(a);
        let id = self.agents[a].id.clone();
        self.demoting = hand_over;
        let done = self.ws_input(WorkspaceInput::SessionsEnded {
            agent: id,
            hand_over,
        });
        self.demoting = false;
        done
    }

    /// The agent's browsers that receive offers by push: one, or none.
    pub fn set_push(&mut self, a: usize, on: bool) -> R {
        if self.agents[a].removed || self.agents[a].push == on {
            return Ok(());
        }
        self.ensure_ws()?;
        self.agents[a].push = on;
        let id = self.agents[a].id.clone();
        self.ws_input(WorkspaceInput::PushDevices {
            agent: id,
            devices: u32::from(on),
        })
    }

    pub fn readd(&mut self, a: usize) -> R {
        self.agents[a].removed = false;
        self.upsert(a)
    }

    pub fn answer(&mut self, a: usize, offer: u64, accept: bool) -> R {
        if self.agents[a].sockets == 0 {
            return Ok(()); // the banner is gone with the inbox
        }
        if self.agents[a].pushed.remove(&offer) && accept {
            self.stats.push_accepts += 1;
        }
        let agent = self.agents[a].id.clone();
        let input = if accept {
            WorkspaceInput::Accept { agent, offer }
        } else {
            WorkspaceInput::Decline { agent, offer }
        };
        self.ws_input(input)
    }

    /// The agent's inbox asks to hand chat `c` on, if it still lists it (an old banner: now and
    /// then it asks anyway).
    pub fn transfer(&mut self, a: usize, c: usize) -> R {
        if !self.agents[a].shown.contains(&c) && !self.rng.chance(30) {
            return Ok(());
        }
        self.ask_transfer(a, c)
    }

    /// The agent hands chat `c` on: after asking who could take it (usually), to a colleague
    /// or a team listed as able to (usually), or to one who cannot, themselves, anyone, a
    /// team that does not exist. What the world knows says whether it must be refused (with
    /// nothing changed) or must start (an offer like any other, to the right agent).
    pub fn ask_transfer(&mut self, a: usize, c: usize) -> R {
        if self.agents[a].sockets == 0 || !self.convs[c].started {
            return Ok(()); // the inbox sends it
        }
        self.ensure_ws()?;
        let colleagues = if self.rng.chance(70) {
            Some(self.colleagues(a)?)
        } else {
            None
        };
        let to = self.transfer_target(a, colleagues.as_ref());
        self.transfer_to(a, c, to, colleagues.as_ref())
    }

    /// Agent `a`'s inbox asks to hand chat `c` to `to` (`colleagues`: the reply the inbox got
    /// just before, if it asked); the answer is checked against what the world knows.
    pub fn transfer_to(
        &mut self,
        a: usize,
        c: usize,
        to: To,
        colleagues: Option<&Colleagues>,
    ) -> R {
        self.ensure_ws()?;
        let (refuse, start) = self.transfer_verdict(a, c, to, colleagues);
        let head = |w: &World| {
            serde_json::to_string(&w.ws.as_ref().expect("loaded").router().head()).map_err(json_err)
        };
        let before = head(self)?;
        self.stats.transfers_asked += 1;
        self.asking = Some((a, c, to));
        let input = WorkspaceInput::Transfer {
            agent: self.agents[a].id.clone(),
            conversation: self.convs[c].id.clone(),
            to: to.rule_target(),
        };
        let done = self.ws_input(input);
        self.asking = None;
        done?;
        ensure!(
            self.replies.len() == 1,
            "a transfer of c{c} by a{a:02} answered {:?}",
            self.replies
        );
        match self.replies[0].clone() {
            InboxServerMsg::Error { code, message } if code == "transfer_refused" => {
                ensure!(
                    start.is_none(),
                    "the transfer of c{c} by a{a:02} to {to:?} was refused ({message}), but {}",
                    start.unwrap_or_default()
                );
                ensure!(
                    !self.last_step_changed && head(self)? == before,
                    "a refused transfer of c{c} by a{a:02} to {to:?} ({message}) changed something"
                );
                self.stats.transfers_refused += 1;
                *self.stats.transfer_refusals.entry(message).or_default() += 1;
            }
            InboxServerMsg::TransferStarted {
                conversation,
                to: name,
                deadline,
            } => {
                ensure!(
                    refuse.is_none(),
                    "the transfer of c{c} by a{a:02} to {to:?} started, but {}",
                    refuse.unwrap_or_default()
                );
                let t = self.transfers.get(&c);
                ensure!(
                    conversation == self.convs[c].id
                        && deadline == self.now.after(self.settings.accept_timeout)
                        && t.is_some_and(|t| {
                            t.from == a
                                && t.offered.len() == 1
                                && name == fixtures::profile(t.offered[0]).name
                        }),
                    "transfer_started ({conversation} to {name} until {deadline:?}) for c{c}, \
                     the transfer out is {t:?}"
                );
            }
            other => return Err(format!("a transfer of c{c} answered {other:?}")),
        }
        Ok(())
    }

    /// The `colleagues` reply, checked against the world: every other agent with the
    /// permission, in order, able to take a chat only if the world does not rule it out (and
    /// surely if they have an inbox open and room); every team with members, counting those.
    fn colleagues(&mut self, a: usize) -> R<Colleagues> {
        self.stats.colleagues_asked += 1;
        let agent = self.agents[a].id.clone();
        self.ws_input(WorkspaceInput::Colleagues { agent })?;
        ensure!(
            !self.last_step_changed && self.replies.len() == 1,
            "colleagues changed something or answered {:?}",
            self.replies
        );
        let InboxServerMsg::Colleagues { agents, teams } = self.replies[0].clone() else {
            return Err(format!("colleagues answered {:?}", self.replies));
        };
        let expected: Vec<usize> = (0..AGENTS)
            .filter(|&b| b != a && !self.agents[b].removed && self.agents[b].live_chat)
            .collect();
        let listed: Vec<usize> = agents.iter().map(|x| agent_index(&x.agent)).collect();
        ensure!(
            listed == expected,
            "a{a:02}'s colleagues are {listed:?}, the agents with live chat are {expected:?}"
        );
        let mut out = Vec::new();
        for x in &agents {
            let b = agent_index(&x.agent);
            let can = self.can_take(b);
            ensure!(
                x.name == fixtures::profile(b).name
                    && !(can == Can::No && x.unavailable.is_none())
                    && !(can == Can::Yes && x.unavailable.is_some()),
                "colleague {} listed as {:?}; the world says {can:?}",
                x.agent,
                x.unavailable
            );
            out.push((b, x.unavailable.is_none()));
        }
        let mut team_counts = Vec::new();
        let with_members: Vec<usize> = (0..fixtures::TEAMS)
            .filter(|&t| (0..AGENTS).any(|m| self.member(m, t)))
            .collect();
        let listed: Vec<usize> = teams
            .iter()
            .map(|t| t.team.as_str()[1..].parse().expect("team id"))
            .collect();
        ensure!(
            listed == with_members,
            "colleagues list teams {listed:?}, those with members are {with_members:?}"
        );
        for (t, x) in with_members.into_iter().zip(&teams) {
            let members = (0..AGENTS).filter(|&m| m != a && self.member(m, t));
            let (mut yes, mut maybe) = (0, 0);
            for m in members {
                match self.can_take(m) {
                    Can::Yes => yes += 1,
                    Can::Maybe => maybe += 1,
                    Can::No => {}
                }
            }
            let (yes, maybe) = if self.team_open(t) {
                (yes, maybe)
            } else {
                (0, 0)
            };
            ensure!(
                yes <= x.available && x.available <= yes + maybe,
                "team {t}: {} could take a chat, the world says {yes} surely and {maybe} maybe",
                x.available
            );
            team_counts.push((t, x.available));
        }
        Ok((out, team_counts))
    }

    fn member(&self, a: usize, t: usize) -> bool {
        !self.agents[a].removed && self.agents[a].teams.contains(&t)
    }

    /// Whether agent `b` could be offered a chat now, as far as the world knows.
    fn can_take(&self, b: usize) -> Can {
        let ag = &self.agents[b];
        let load = self.open_offers.values().filter(|&&(x, _)| x == b).count()
            + self.chats.values().filter(|&&x| x == b).count();
        if ag.removed
            || !ag.live_chat
            || !ag.available()
            || !self.in_team_hours(b)
            || load as u32 >= self.settings.capacity
        {
            Can::No
        } else if ag.sockets > 0 {
            Can::Yes
        } else if self.push_reachable(b) {
            Can::Maybe
        } else {
            Can::No
        }
    }

    fn transfer_target(&mut self, a: usize, col: Option<&Colleagues>) -> To {
        let roll = self.rng.below(100);
        let pick = |w: &mut World, xs: Vec<usize>| -> Option<usize> {
            (!xs.is_empty()).then(|| w.rng.pick(&xs))
        };
        let active = self.active.clone();
        let fallback = |w: &mut World| To::Agent(w.rng.pick(&active));
        match (roll, col) {
            (0..=5, _) => To::Agent(a),
            (6..=9, _) => To::Team(fixtures::TEAMS + self.rng.below(2) as usize),
            (10..=17, _) => To::Agent(self.rng.below(AGENTS as u64) as usize),
            (18..=54, Some((agents, _))) => {
                let free = agents.iter().filter(|x| x.1).map(|x| x.0).collect();
                pick(self, free).map_or_else(|| fallback(self), To::Agent)
            }
            (55..=64, Some((agents, _))) => {
                let busy = agents.iter().filter(|x| !x.1).map(|x| x.0).collect();
                pick(self, busy).map_or_else(|| fallback(self), To::Agent)
            }
            (65..=84, Some((_, teams))) => {
                let open = teams.iter().filter(|x| x.1 > 0).map(|x| x.0).collect();
                match pick(self, open) {
                    Some(t) => To::Team(t),
                    None => To::Team(self.rng.below(fixtures::TEAMS as u64) as usize),
                }
            }
            (18..=64, None) => fallback(self),
            _ => To::Team(self.rng.below(fixtures::TEAMS as u64) as usize),
        }
    }

    /// Why a transfer must be refused, or why it must start (neither: the world cannot tell,
    /// only the router knows whether a notification still reaches someone).
    fn transfer_verdict(
        &self,
        a: usize,
        c: usize,
        to: To,
        col: Option<&Colleagues>,
    ) -> (Option<String>, Option<String>) {
        let refuse = |why: String| (Some(why), None);
        let start = |why: String| (None, Some(why));
        if self.chats.get(&c) != Some(&a) {
            return refuse(format!(
                "a{a:02} does not hold c{c} ({:?})",
                self.chats.get(&c)
            ));
        }
        if let Some(t) = self.transfers.get(&c) {
            return refuse(format!("a transfer of c{c} is out ({t:?})"));
        }
        match to {
            To::Agent(b) if b == a => refuse("it is to themselves".into()),
            To::Agent(b) => match self.can_take(b) {
                Can::No => refuse(format!("a{b:02} cannot take it ({:?})", self.agents[b])),
                Can::Yes => start(format!("a{b:02} can take it, with an inbox open")),
                Can::Maybe => match col.and_then(|(agents, _)| agents.iter().find(|x| x.0 == b)) {
                    Some((_, true)) => start(format!("a{b:02} was just listed as able to")),
                    Some((_, false)) => refuse(format!("a{b:02} was just listed as unable to")),
                    None => (None, None),
                },
            },
            To::Team(t) if t >= fixtures::TEAMS => refuse(format!("team {t} does not exist")),
            To::Team(t) if !self.team_open(t) => refuse(format!("team {t} is closed")),
            To::Team(t) => {
                let cans: Vec<Can> = (0..AGENTS)
                    .filter(|&m| m != a && self.member(m, t))
                    .map(|m| self.can_take(m))
                    .collect();
                if cans.contains(&Can::Yes) {
                    return start(format!("a member of team {t} can take it"));
                }
                if cans.iter().all(|&x| x == Can::No) {
                    return refuse(format!("nobody in team {t} can take it"));
                }
                match col.and_then(|(_, teams)| teams.iter().find(|x| x.0 == t)) {
                    Some(&(_, n)) if n > 0 => start(format!("team {t} was just listed with {n}")),
                    Some(_) => refuse(format!("team {t} was just listed with nobody")),
                    None => (None, None),
                }
            }
        }
    }

    /// A transfer offer: for an open transfer (or the one asked in this step), to the agent
    /// named or a member of the team named, never to the holder or twice.
    fn transfer_offered(&mut self, a: usize, c: usize, offer: u64, from_name: &str) -> R {
        if !self.transfers.contains_key(&c) {
            match self.asking {
                Some((asker, ac, to)) if ac == c => {
                    self.stats.transfers_started += 1;
                    let t = TransferSim {
                        from: asker,
                        to,
                        offered: Vec::new(),
                    };
                    self.transfers.insert(c, t);
                }
                _ => return Err(format!("transfer offer {offer} of c{c}, none was asked")),
            }
        }
        let t = &self.transfers[&c];
        let from = t.from;
        ensure!(
            self.chats.get(&c) == Some(&from) && from_name == fixtures::profile(from).name,
            "transfer offer {offer} of c{c} from {from_name} (a{from:02}), the chat is {:?}'s",
            self.chats.get(&c)
        );
        ensure!(
            a != from && !t.offered.contains(&a),
            "the transfer of c{c} offered to a{a:02} (holder a{from:02}, offered before {:?})",
            t.offered
        );
        match t.to {
            To::Agent(b) => ensure!(
                a == b && t.offered.is_empty(),
                "a transfer of c{c} to a{b:02} offered to a{a:02}"
            ),
            To::Team(tm) => ensure!(
                self.member(a, tm),
                "a transfer of c{c} to team {tm} offered to a{a:02}, in {:?}",
                self.agents[a].teams
            ),
        }
        self.transfers.get_mut(&c).expect("open").offered.push(a);
        self.transfer_offers.insert(offer);
        self.stats.transfer_offers += 1;
        if self.agents[a].sockets == 0 {
            self.stats.transfer_push_offers += 1;
        }
        Ok(())
    }

    /// After a workspace step: the old agent of every transfer accepted was told; a transfer
    /// whose offer is gone ended (told to its holder), moved, or was cancelled as the chat was
    /// released; the conversation hears of none but those accepted.
    fn transfers_after_step(
        &mut self,
        moved: &[(usize, usize, usize, bool)],
        unmoved: &BTreeSet<usize>,
        calls: &[(usize, ToConversation)],
        reply: &[WorkspaceToConversation],
        caller: Option<usize>,
    ) -> R {
        for &(c, f, b, told) in moved {
            ensure!(
                told,
                "c{c} moved from a{f:02} to a{b:02}, who was not told (chat_closed transferred)"
            );
        }
        let mut quiet = unmoved.clone();
        let open: Vec<usize> = self.transfers.keys().copied().collect();
        for c in open {
            let offer_out = self
                .open_offers
                .iter()
                .any(|(o, &(_, oc))| oc == c && self.transfer_offers.contains(o));
            if offer_out {
                continue;
            }
            ensure!(
                !self.chats.contains_key(&c),
                "the transfer of c{c} is gone with no end and no move; a{:02} holds the chat",
                self.chats[&c]
            );
            self.transfers.remove(&c);
            self.stats.transfers_cancelled += 1;
            quiet.insert(c);
        }
        for c in quiet {
            let to_c = calls
                .iter()
                .filter(|(cc, _)| *cc == c)
                .flat_map(|(_, b)| b.messages.iter())
                .chain(reply.iter().filter(|_| caller == Some(c)));
            for msg in to_c {
                ensure!(
                    !matches!(msg, WorkspaceToConversation::Transferred { .. }),
                    "c{c} told of a transfer that did not happen: {msg:?}"
                );
            }
        }
        Ok(())
    }

    /// One random thing an agent does.
    fn churn(&mut self) -> R {
        let a = self.rng.pick(&self.active);
        let ag = &self.agents[a];
        let roll = self.rng.below(100);
        if ag.removed {
            if roll < 30 {
                self.readd(a)?;
                if self.rng.chance(70) {
                    let at = self.now.after(Millis(self.rng.between(500, 10_000)));
                    self.schedule(at, Ev::Open(a));
                }
            }
            return Ok(());
        }
        if ag.sockets == 0 {
            return match roll {
                0..=59 => self.open_inbox(a),
                60..=62 => self.remove(a),
                63..=67 => self.change_agent(a),
                68..=69 => {
                    let demoted = self.rng.chance(50);
                    self.end_sessions(a, demoted)
                }
                // The push service says the subscription expired: the edge drops it.
                70..=71 => self.set_push(a, false),
                _ => Ok(()),
            };
        }
        match roll {
            0..=24 => self.close_inbox(a),
            25..=34 => self.open_inbox(a),
            35..=59 => {
                let p = if self.rng.chance(40) {
                    Presence::Away
                } else {
                    Presence::Available
                };
                self.set_presence(a, p)
            }
            60..=61 => self.remove(a),
            62..=66 => self.change_agent(a),
            77..=79 => {
                let demoted = self.rng.chance(50);
                self.end_sessions(a, demoted)
            }
            // "Enable notifications" in the inbox, or turning them off.
            80..=85 => {
                let on = !self.agents[a].push;
                self.set_push(a, on)
            }
            // A transfer of any conversation (theirs or not, live or over).
            86..=88 if !self.convs.is_empty() => {
                let c = self.rng.below(self.convs.len() as u64) as usize;
                self.ask_transfer(a, c)
            }
            67..=76 => {
                // A reload: the tab closes and comes back, within the grace or after it.
                self.close_inbox(a)?;
                let at = self.now.after(Millis(self.rng.between(200, 16_000)));
                self.schedule(at, Ev::Open(a));
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// An admin changes the agent's permission or teams.
    fn change_agent(&mut self, a: usize) -> R {
        if self.rng.chance(50) {
            self.stats.permission_changes += 1;
            self.agents[a].live_chat = !self.agents[a].live_chat;
        } else {
            let t = self.rng.below(fixtures::TEAMS as u64) as usize;
            let teams = &mut self.agents[a].teams;
            match teams.iter().position(|&x| x == t) {
                Some(p) => {
                    teams.remove(p);
                }
                None => teams.push(t),
            }
        }
        self.upsert(a)?;
        if self.agents[a].live_chat && self.agents[a].sockets == 0 && self.rng.chance(50) {
            // Permission back: the inbox opens again.
            let at = self.now.after(Millis(self.rng.between(500, 10_000)));
            self.schedule(at, Ev::Open(a));
        }
        Ok(())
    }

    // ------------------------------------------------------------------ the end

    /// Delivers everything in flight and fires every alarm until nothing is left, then checks
    /// that every request ended, every slot is free and every email was sent once.
    pub fn quiesce(&mut self) -> R {
        loop {
            self.run_until(None)?;
            if self.ws.is_none() {
                self.ensure_ws().map_err(|m| self.at(m))?;
                continue;
            }
            if let Some(c) = (0..self.convs.len())
                .find(|&c| self.convs[c].started && self.convs[c].machine.is_none())
            {
                self.ensure_conv(c).map_err(|m| self.at(m))?;
                continue;
            }
            if self.queue.is_empty() && self.now_q.is_empty() {
                break;
            }
        }
        self.check_end()
            .map_err(|m| self.at(format!("at quiescence: {m}")))
    }

    fn check_end(&self) -> R {
        let ws = self.ws.as_ref().expect("loaded");
        let r = ws.router();
        ensure!(r.pending_count() == 0, "{} offers left", r.pending_count());
        ensure!(
            r.chat_count() == 0,
            "{} chats never released",
            r.chat_count()
        );
        ensure!(
            ws.next_deadline().is_none(),
            "the workspace still has a deadline"
        );
        ensure!(
            self.transfers.is_empty() && self.transfer_offers.is_empty(),
            "transfers still out: {:?}",
            self.transfers
        );
        self.check_agents(0..AGENTS, &[0; AGENTS])?;
        for (c, cs) in self.convs.iter().enumerate() {
            let Some(m) = &cs.machine else {
                return Err(format!("c{c} never started"));
            };
            ensure!(m.is_closed(), "c{c} is still open");
            ensure!(
                cs.joins == cs.leaves,
                "c{c} accepted {} chats and ended {}",
                cs.joins,
                cs.leaves
            );
            ensure!(
                cs.router_accepts == cs.releases,
                "c{c}: {} accepts at the workspace, {} releases",
                cs.router_accepts,
                cs.releases
            );
            // Every agent the visitor saw join accepted the request or a transfer.
            let joins = cs.storage.as_ref().map_or(0, |s| {
                s.entries
                    .iter()
                    .filter(|e| matches!(e.event, TranscriptEvent::AgentJoined { .. }))
                    .count()
            });
            ensure!(
                joins == (cs.joins + cs.transfers_joined) as usize
                    && cs.transfers_joined as usize <= cs.ws_moves.len(),
                "c{c}'s transcript shows {joins} agents joining: {} accepted, {} transferred to \
                 (of {} transfers accepted at the workspace)",
                cs.joins,
                cs.transfers_joined,
                cs.ws_moves.len()
            );
            for (i, req) in cs.reqs.iter().enumerate() {
                let Some((how, _)) = req.outcome else {
                    return Err(format!("c{c}'s request #{i} never ended"));
                };
                ensure!(
                    i + 1 == cs.reqs.len() || how == Outcome::Accepted,
                    "c{c}'s request #{i} ended {how:?} but was followed by another"
                );
            }
            let stored = self.failed.contains_key(&cs.id);
            let lead = !cs.fields.is_empty();
            match cs.outcome() {
                None => ensure!(
                    !stored,
                    "c{c} never asked for a human but has a failed action"
                ),
                Some(Outcome::Accepted) => {
                    ensure!(!stored, "c{c} reached an agent but has a failed action");
                }
                Some(Outcome::FellBack) => {
                    ensure!(stored, "c{c} fell back without a failed-action email");
                }
                Some(Outcome::Cancelled) => ensure!(
                    stored == lead,
                    "c{c} left waiting (captured {:?}) with {} failed action",
                    cs.fields,
                    if stored { "a" } else { "no" }
                ),
            }
            if cs.fields.contains_key("email")
                && cs.outcome().is_some_and(|o| o != Outcome::Accepted)
            {
                ensure!(
                    stored,
                    "c{c}: a lead with an email reached nobody and got no email"
                );
            }
            let row = self
                .index_rows
                .get(cs.id.as_str())
                .ok_or_else(|| format!("c{c} has no index row"))?;
            let latest = m.record(self.now);
            ensure!(
                row.revision == latest.revision && row.status == latest.status,
                "c{c}: the stored index row (rev {} {:?}) is not the conversation's latest (rev {} {:?})",
                row.revision,
                row.status,
                latest.revision,
                latest.status
            );
        }
        Ok(())
    }
}

impl WsStore {
    /// Writes what `take_changes` reported. (The counters are compared and written whenever
    /// they changed, which is the same as taking them when the object goes away.)
    fn save_changes(&mut self, ws: &Workspace, changes: &WorkspaceChanges) -> R {
        let r = ws.router();
        if changes.router.roster {
            self.roster = serde_json::to_string(&r.roster()).map_err(json_err)?;
        }
        for &offer in &changes.router.pending {
            match r.pending_part(offer) {
                Some(p) => {
                    self.pending
                        .insert(offer, serde_json::to_string(p).map_err(json_err)?);
                }
                None => {
                    self.pending.remove(&offer);
                }
            }
        }
        for conv in &changes.router.chats {
            match r.chat_part(conv) {
                Some(c) => {
                    self.chats
                        .insert(conv.clone(), serde_json::to_string(c).map_err(json_err)?);
                }
                None => {
                    self.chats.remove(conv);
                }
            }
        }
        if changes.people || self.people.is_none() {
            self.people = Some(ws.people().clone());
        }
        for conv in &changes.settled {
            if let Some(request) = ws.settled().latest(conv) {
                let seq = match self.settled.get(conv) {
                    Some(&(seq, _)) => seq,
                    None => {
                        self.settled_seq += 1;
                        self.settled_seq
                    }
                };
                self.settled.insert(conv.clone(), (seq, request));
            }
        }
        for conv in &changes.forgotten {
            self.settled.remove(conv);
        }
        Ok(())
    }

    fn load(&self, id: &WorkspaceId) -> R<Workspace> {
        let counters: Counters = serde_json::from_str(&self.counters).map_err(json_err)?;
        let head = serde_json::from_str::<RouterHead>(&self.roster)
            .map_err(json_err)?
            .with_counters(counters);
        let pending = self
            .pending
            .iter()
            .map(|(k, v)| Ok((*k, serde_json::from_str::<Pending>(v).map_err(json_err)?)))
            .collect::<R<Vec<_>>>()?;
        let chats = self
            .chats
            .iter()
            .map(|(k, v)| {
                Ok((
                    k.clone(),
                    serde_json::from_str::<Chat>(v).map_err(json_err)?,
                ))
            })
            .collect::<R<Vec<_>>>()?;
        let router = Router::from_parts(head, pending, chats)?;
        let json = serde_json::to_string(&self.people).map_err(json_err)?;
        let people: BTreeMap<AgentId, Person> = serde_json::from_str(&json).map_err(json_err)?;
        let mut rows: Vec<(u64, ConversationId, u32)> = self
            .settled
            .iter()
            .map(|(c, &(seq, r))| (seq, c.clone(), r))
            .collect();
        rows.sort();
        let settled = Settled::from_rows(rows.into_iter().map(|(_, c, r)| (c, r)));
        Ok(Workspace::from_parts(id.clone(), router, people).with_settled(settled))
    }
}
