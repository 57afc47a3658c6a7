//! The admin views' state, messages and effects.

use std::collections::BTreeMap;

use parlor_core::client::Backoff;
use parlor_core::dialogue::Dialogue;
use parlor_core::lead::Lead;
use parlor_core::protocol::{ConversationRecord, TranscriptEntry};
use parlor_core::report::Report;
use parlor_core::settings::WorkspaceSettings;
use parlor_core::Millis;
use serde::{Deserialize, Serialize};

use super::hooks::{FreshSecret, Hook, OpenLog};
use super::privacy::EraseTarget;
use crate::session::{AgentInfo, Session};
use parlor_core::privacy::ErasureCounts;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Overview,
    Conversations,
    Leads,
    Agents,
    Settings,
    Audit,
    Emails,
    Dialogues,
    Embed,
    Privacy,
    Webhooks,
}

/// The Overview's ranges, in days; the first is the default.
pub const REPORT_RANGES: [u32; 2] = [7, 30];

impl Model {
    /// The Overview's range in days.
    pub fn report_days(&self) -> u32 {
        if REPORT_RANGES.contains(&self.report_days) {
            self.report_days
        } else {
            REPORT_RANGES[0]
        }
    }
}

impl Tab {
    pub const ALL: [Tab; 11] = [
        Tab::Overview,
        Tab::Conversations,
        Tab::Leads,
        Tab::Agents,
        Tab::Settings,
        Tab::Audit,
        Tab::Emails,
        Tab::Dialogues,
        Tab::Embed,
        Tab::Privacy,
        Tab::Webhooks,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Conversations => "Conversations",
            Tab::Leads => "Leads",
            Tab::Agents => "Agents & teams",
            Tab::Settings => "Settings",
            Tab::Audit => "Routing audit",
            Tab::Emails => "Emails",
            Tab::Dialogues => "Dialogues",
            Tab::Embed => "Embed",
            Tab::Privacy => "Privacy",
            Tab::Webhooks => "Webhooks",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Tab::Overview => "overview",
            Tab::Conversations => "conversations",
            Tab::Leads => "leads",
            Tab::Agents => "agents",
            Tab::Settings => "settings",
            Tab::Audit => "audit",
            Tab::Emails => "emails",
            Tab::Dialogues => "dialogues",
            Tab::Embed => "embed",
            Tab::Privacy => "privacy",
            Tab::Webhooks => "webhooks",
        }
    }

    pub fn from_key(k: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.key() == k)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    /// The team's own hours; none: the workspace's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<parlor_core::hours::BusinessHours>,
}

/// A dialogue problem as the server reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Issue {
    pub code: String,
    pub branch: Option<String>,
    pub card: Option<String>,
    pub message: String,
}

/// A conversation opened from the Conversations view.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub record: ConversationRecord,
    pub entries: Vec<TranscriptEntry>,
    pub captured: BTreeMap<String, String>,
}

/// A row of a generic log (audit, outbox): (column, text) pairs.
pub type Row = Vec<(String, String)>;

#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    Conversations(Vec<ConversationRecord>),
    Detail(Box<Detail>),
    People(Vec<Team>, Vec<AgentInfo>),
    Settings(Box<WorkspaceSettings>),
    Audit(Vec<Row>),
    Outbox(Vec<Row>),
    Dialogues(Vec<Dialogue>),
    /// The missed-chat report for the Overview, and the range it was asked for.
    Report(Box<Report>, u32),
    /// A page of leads, the next page's cursor, and whether it follows the ones shown.
    Leads(Vec<Lead>, Option<String>, bool),
    Webhooks(Vec<Hook>),
    /// An endpoint's delivery log.
    HookLog(OpenLog),
}

/// The outcome of checking or saving the dialogue being edited.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Check {
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
    /// A sentence for the top of the editor.
    pub summary: String,
    pub ok: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Editor {
    pub dialogue: Dialogue,
    /// True for a dialogue not saved yet (its id may still change).
    pub new: bool,
    pub check: Option<Check>,
    pub busy: bool,
    pub json: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub session: Option<Session>,
    pub signing_in: bool,
    pub sign_in_error: Option<String>,
    pub tab: Option<Tab>,
    pub live: bool,
    /// The admin socket's reconnect delays (core's one policy).
    pub backoff: Backoff,
    pub conversations: Vec<ConversationRecord>,
    pub filter: String,
    pub detail: Option<Detail>,
    pub agents: Vec<AgentInfo>,
    pub teams: Vec<Team>,
    pub settings: Option<WorkspaceSettings>,
    pub audit: Vec<Row>,
    pub outbox: Vec<Row>,
    pub leads: Vec<Lead>,
    /// The Leads view's filters as a query string (`q=…&source=…`), also used by the export.
    pub lead_query: String,
    pub leads_next: Option<String>,
    pub dialogues: Vec<Dialogue>,
    pub editor: Option<Editor>,
    /// The Overview's report, and how many days the admin chose (0: the default week).
    pub report: Option<Report>,
    pub report_days: u32,
    /// The erasure the admin is asked to confirm.
    pub erase_ask: Option<EraseTarget>,
    /// An erasure is on its way.
    pub erasing: bool,
    pub webhooks: Vec<Hook>,
    /// The delivery log shown under the endpoints.
    pub hook_log: Option<OpenLog>,
    /// A signing secret to show once.
    pub fresh_secret: Option<FreshSecret>,
    /// (tab, text, is_error): the last result shown on a tab.
    pub flash: Option<(Tab, String, bool)>,
    /// Bumped when the current tab must be drawn again.
    pub rev: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Init,
    SignIn {
        workspace: String,
        email: String,
        password: String,
        key: String,
    },
    SignedIn(Session),
    SignInFailed(String),
    SignOut,
    Show(Tab),
    Loaded(Data),
    Failed(Tab, String),
    Done(Tab, String),
    SocketOpened,
    /// The admin socket closed with this code.
    /// The admin socket closed: code and the server's reason (words for a person, or empty).
    SocketClosed(u16, String),
    Reconnect,
    Changed(ConversationRecord),
    Filter(String),
    Open(String),
    Edit(String),
    NewDialogue,
    /// A form field of the dialogue editor changed: (path, value).
    Bind(String, String),
    /// A structural edit of the dialogue (add, remove, move).
    EditOp(super::edit::Op),
    CheckDialogue,
    SaveDialogue,
    Checked(Check),
    Saved(Check),
    ToggleJson,
    JsonEdited(String),
    CloseEditor,
    /// The Privacy form was sent: (`email` or `conversation`, value as typed).
    EraseAsk(String, String),
    EraseConfirm,
    EraseCancel,
    /// The server erased: what, and whether more conversations remain.
    Erased(EraseTarget, ErasureCounts, bool),
    /// The admin socket says these conversations were erased (here or by another admin).
    Gone(Vec<String>),
    /// The Overview's range: the last this many days.
    ReportDays(u32),
    /// The Leads filters were applied: the new query string.
    LeadQuery(String),
    MoreLeads,
    ExportLeads,
    /// An endpoint was added or its secret rotated: show the secret once.
    HookSecret(FreshSecret, String),
    /// Open an endpoint's delivery log.
    OpenHookLog(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    SignIn {
        workspace: String,
        email: String,
        password: String,
    },
    UseKey {
        workspace: String,
        key: String,
    },
    SaveSession(Session),
    ClearSession,
    OpenSocket,
    CloseSocket,
    /// Dispatch `Msg::Reconnect` after this delay.
    Reconnect(Millis),
    Load(Tab),
    LoadDetail(String),
    Validate(Box<Dialogue>),
    Save(Box<Dialogue>),
    Erase(EraseTarget),
    /// Load a page of leads for this query, after this cursor (appended) or from the top.
    LoadLeads {
        query: String,
        cursor: Option<String>,
    },
    /// Download the CSV export of this query.
    ExportLeads(String),
    LoadHookLog(String),
}
