//! The admin views' state, messages and effects.

use std::collections::BTreeMap;

use parlor_core::canned::CannedReply;
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
    Canned,
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
    pub const ALL: [Tab; 12] = [
        Tab::Overview,
        Tab::Conversations,
        Tab::Leads,
        Tab::Agents,
        Tab::Canned,
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
            Tab::Canned => "Canned replies",
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
            Tab::Canned => "canned",
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
    /// The dialogues in targeting order, and the templates a new one can start from.
    /// The dialogues, the templates, and the drafts this browser kept.
    Dialogues(Vec<Dialogue>, Vec<Template>, Vec<Draft>),
    /// The missed-chat report for the Overview, and the range it was asked for.
    Report(Box<Report>, u32),
    /// A page of leads, the next page's cursor, and whether it follows the ones shown.
    Leads(Vec<Lead>, Option<String>, bool),
    Webhooks(Vec<Hook>),
    /// An endpoint's delivery log.
    HookLog(OpenLog),
    /// The workspace-wide canned replies.
    Canned(Vec<CannedReply>),
    /// The sites whose pages run the widget (the Embed view).
    Sites(Vec<parlor_core::sites::Site>),
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

/// What the designer's inspector shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sel {
    /// The dialogue itself: name, targeting.
    #[default]
    Dialogue,
    Branch(usize),
    Card(usize, usize),
}

/// A ready-made dialogue to start from, as `GET …/dialogue-templates` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub key: String,
    pub name: String,
    pub description: String,
    pub dialogue: Dialogue,
}

/// A published version of a dialogue, as `GET …/dialogues/{id}/versions` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    pub version: u64,
    pub saved_at: u64,
    pub saved_by: String,
    pub dialogue: Dialogue,
}

/// An unpublished draft this browser keeps (`admin/drafts.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// The id the dialogue had when the editor opened it (a new one's id may change since).
    pub key: String,
    /// The published version it started from (the version check when it is published).
    pub base: Option<u64>,
    pub new: bool,
    pub dialogue: Dialogue,
}

/// The designer: a draft of one dialogue until it is published.
#[derive(Debug, Clone, PartialEq)]
pub struct Editor {
    /// The draft's key among the kept drafts.
    pub key: String,
    pub dialogue: Dialogue,
    /// True for a dialogue not published yet (its id may still change).
    pub new: bool,
    pub check: Option<Check>,
    pub busy: bool,
    pub json: bool,
    pub sel: Sel,
    pub history: super::history::History,
    /// The published version the draft started from: publishing is refused if another admin
    /// published since. `None` until known.
    pub version: Option<u64>,
    /// The version list, when the admin opened it.
    pub versions: Option<Vec<Version>>,
    /// A deletion the admin is asked to confirm.
    pub confirm: Option<Sel>,
    /// "Test a URL" box.
    pub url_probe: String,
    /// "Test with a sample visitor" inputs, keyed as the rule subjects.
    pub sample: BTreeMap<String, String>,
    /// Edited since opened or last published.
    pub dirty: bool,
    /// The live preview is open beside the designer.
    pub preview: bool,
    /// The outcome of the last publish, in words, and whether it succeeded.
    pub note: Option<(String, bool)>,
    /// Counts edits: the server's check of the draft runs once typing pauses at the same count.
    pub edits: u32,
}

impl Editor {
    pub fn open(dialogue: Dialogue, new: bool) -> Editor {
        Editor {
            key: dialogue.id.0.clone(),
            dialogue,
            new,
            check: None,
            busy: false,
            json: false,
            sel: Sel::Dialogue,
            history: Default::default(),
            version: None,
            versions: None,
            confirm: None,
            url_probe: String::new(),
            sample: BTreeMap::new(),
            dirty: new,
            edits: 0,
            note: None,
            preview: false,
        }
    }
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
    pub templates: Vec<Template>,
    pub editor: Option<Editor>,
    /// Unpublished drafts kept in this browser.
    pub drafts: Vec<Draft>,
    /// The Overview's report, and how many days the admin chose (0: the default week).
    pub report: Option<Report>,
    pub report_days: u32,
    /// The erasure the admin is asked to confirm.
    pub erase_ask: Option<EraseTarget>,
    /// An erasure is on its way.
    pub erasing: bool,
    pub webhooks: Vec<Hook>,
    /// The workspace-wide canned replies.
    pub canned: Vec<CannedReply>,
    /// The sites whose pages run the widget, seen most recently first.
    pub sites: Vec<parlor_core::sites::Site>,
    /// The delivery log shown under the endpoints.
    pub hook_log: Option<OpenLog>,
    /// A signing secret to show once.
    pub fresh_secret: Option<FreshSecret>,
    /// (tab, text, is_error): the last result shown on a tab.
    pub flash: Option<(Tab, String, bool)>,
    /// Bumped when the current tab must be drawn again.
    pub rev: u32,
    /// Bumped when only the designer's drawing must be drawn again (typing in the inspector).
    pub flow_rev: u32,
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
    /// A new dialogue from a template (core's key), or blank with "".
    NewFrom(String),
    /// The designer's selection.
    Select(Sel),
    Undo,
    Redo,
    /// Ask to delete a branch or card; confirm; keep it.
    AskDelete(Sel),
    ConfirmDelete,
    CancelDelete,
    /// Open or close the version list.
    ToggleVersions,
    /// The versions of the dialogue being edited, and the current one.
    Versions(Vec<Version>, u64),
    /// Take a published version as the draft.
    Restore(u64),
    /// Drop a kept draft.
    DiscardDraft(String),
    /// "Test a URL" typed.
    ProbeUrl(String),
    /// A sample visitor input typed: (subject key, value).
    Sample(String, String),
    /// Move a dialogue up or down in the targeting order (index, up).
    MoveDialogue(usize, bool),
    /// Drag and drop in the list: the dialogue at `from` takes the place of the one at `to`.
    MoveDialogueTo(usize, usize),
    /// Open or close the live preview.
    TogglePreview,
    /// The preview page loaded and asks for the draft.
    PreviewReady,
    /// Typing paused: check the draft if no edit came after this count.
    AutoCheck(u32),
    CheckDialogue,
    SaveDialogue,
    Checked(Check),
    /// Published (or refused): the outcome and the new version.
    Saved(Check, Option<u64>),
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
    /// Publish: `PUT` with `If-Match` on the version the draft started from (`None` with a
    /// new dialogue: `If-None-Match: *`).
    Save(Box<Dialogue>, Option<u64>),
    LoadVersions(String),
    /// Keep the model's drafts in this browser (they replace what was kept).
    KeepDrafts,
    /// Hand the draft to the preview page; `restart`: walk it again from the first card.
    PostPreview(Box<Dialogue>, bool),
    /// Dispatch `Msg::AutoCheck(count)` after a short pause.
    CheckSoon(u32),
    /// The dialogues' order (ids) for targeting.
    Reorder(Vec<String>),
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
