//! What the workspace object reads on every run but rarely changes, kept in memory beside the
//! rows it mirrors: the email throttles' next deadlines (read to set the alarm after each
//! run), each live conversation's report facts (folded on each routing event), and when the
//! last conversation was erased (asked on each link call), and agents' session rows (read for
//! every inbox and admin frame). A routed chat read these ten times from SQLite. Also the
//! workspace's meta, settings and dialogues, read by every start of a conversation and every
//! page's availability read (each page view of a site with the widget) and written only by
//! an admin. Each memo is written through, or dropped, by the only code that writes its rows
//! (the agents' rows and the configuration: by each write function of `store.rs`, which takes
//! the memo for that), and a new instance starts empty, so a memo is never older than storage.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use parlor_core::dialogue::Dialogue;
use parlor_core::mail_digest::MailThrottle;
use parlor_core::report::ChatFacts;
use parlor_core::settings::WorkspaceSettings;
use parlor_core::Millis;
use serde::Deserialize;
use worker::SqlStorage;

use crate::error::ApiResult;
use crate::sql::{kv_get, kv_put, rows};
use crate::workspace::store::{self, Agent, WorkspaceMeta};

/// The two email throttles, each one kv row.
#[derive(Debug, Clone, Copy)]
pub enum Throttle {
    /// Failed-action emails and their digest.
    FailedActions,
    /// New-lead emails and their digest.
    Leads,
}

impl Throttle {
    fn key(self) -> &'static str {
        match self {
            Throttle::FailedActions => "mail_throttle",
            Throttle::Leads => "lead_mail_throttle",
        }
    }

    fn slot(self) -> usize {
        match self {
            Throttle::FailedActions => 0,
            Throttle::Leads => 1,
        }
    }
}

/// More live conversations than this and the facts memo starts afresh (rows are re-read).
const FACTS_MAX: usize = 4_096;

/// More agents than this and the sessions memo starts afresh.
const SESSIONS_MAX: usize = 1_024;

/// An agent's row as `store::agent_session` reads it (`None`: no such agent).
type Session = Option<(Agent, u64)>;

#[derive(Default)]
pub struct Memo {
    /// Per throttle: `None` until read; then its stored row's next deadline.
    throttle_deadlines: [Cell<Option<Option<Millis>>>; 2],
    /// Report facts of conversations this instance has folded events into, as stored
    /// (`None`: a conversation this instance created, which has no row yet).
    facts: RefCell<HashMap<String, Option<ChatFacts>>>,
    /// `None` until read; then the newest `erased.at` (`Some(None)`: nothing erased).
    last_erasure: Cell<Option<Option<Millis>>>,
    /// Agents' session rows read since their last write.
    sessions: RefCell<HashMap<String, Session>>,
    /// The workspace's configuration, each part `None` until read.
    config: RefCell<Config>,
}

/// What an admin configures and every visitor's start and page view reads.
#[derive(Default)]
struct Config {
    /// `Some(None)`: read, and no workspace is stored here.
    meta: Option<Option<WorkspaceMeta>>,
    settings: Option<Rc<WorkspaceSettings>>,
    /// In the order targeting tries them.
    dialogues: Option<Rc<Vec<Dialogue>>>,
}

#[derive(Deserialize)]
struct LatestRow {
    at: Option<i64>,
}

impl Memo {
    pub fn throttle(&self, sql: &SqlStorage, which: Throttle) -> ApiResult<MailThrottle> {
        let throttle: MailThrottle = kv_get(sql, which.key())?.unwrap_or_default();
        self.throttle_deadlines[which.slot()].set(Some(throttle.next_deadline()));
        Ok(throttle)
    }

    pub fn put_throttle(
        &self,
        sql: &SqlStorage,
        which: Throttle,
        throttle: &MailThrottle,
    ) -> ApiResult<()> {
        kv_put(sql, which.key(), throttle)?;
        self.throttle_deadlines[which.slot()].set(Some(throttle.next_deadline()));
        Ok(())
    }

    /// The earliest deadline of either throttle, reading only a row not seen yet.
    pub fn throttle_deadline(&self, sql: &SqlStorage) -> ApiResult<Option<Millis>> {
        let mut earliest = None;
        for which in [Throttle::FailedActions, Throttle::Leads] {
            let deadline = match self.throttle_deadlines[which.slot()].get() {
                Some(known) => known,
                None => self.throttle(sql, which)?.next_deadline(),
            };
            earliest = parlor_core::time::earliest(earliest, deadline);
        }
        Ok(earliest)
    }

    /// What is stored for `id`, if known: `Some(None)` says no row is.
    pub fn facts(&self, id: &str) -> Option<Option<ChatFacts>> {
        self.facts.borrow().get(id).cloned()
    }

    /// Called with what was just stored for `id`.
    pub fn stored_facts(&self, id: &str, facts: &ChatFacts) {
        self.know_facts(id, Some(facts.clone()));
    }

    /// A conversation this instance just created: it has no row, so its first routing event
    /// reads none.
    pub fn new_conversation(&self, id: &str) {
        self.know_facts(id, None);
    }

    fn know_facts(&self, id: &str, facts: Option<ChatFacts>) {
        let mut memo = self.facts.borrow_mut();
        if memo.len() >= FACTS_MAX && !memo.contains_key(id) {
            memo.clear();
        }
        memo.insert(id.to_owned(), facts);
    }

    /// The conversation's rows were deleted (erasure, retention).
    pub fn forget_facts(&self, id: &str) {
        self.facts.borrow_mut().remove(id);
    }

    /// Whether any conversation was erased at or after `since` (false: none can be remembered
    /// as erased from then on, so no row needs reading).
    pub fn erased_since(&self, sql: &SqlStorage, since: Millis) -> ApiResult<bool> {
        let latest = match self.last_erasure.get() {
            Some(known) => known,
            None => {
                let found: Vec<LatestRow> = rows(sql, "SELECT MAX(at) AS at FROM erased", vec![])?;
                let latest = found
                    .first()
                    .and_then(|r| r.at)
                    .and_then(|at| u64::try_from(at).ok())
                    .map(Millis);
                self.last_erasure.set(Some(latest));
                latest
            }
        };
        Ok(latest.is_some_and(|at| at >= since))
    }

    /// The agent and their session epoch, as stored (see `store::agent_session`).
    pub fn agent_session(&self, sql: &SqlStorage, id: &str) -> ApiResult<Session> {
        if let Some(known) = self.sessions.borrow().get(id) {
            return Ok(known.clone());
        }
        let found = store::agent_session(sql, id)?;
        let mut memo = self.sessions.borrow_mut();
        if memo.len() >= SESSIONS_MAX {
            memo.clear();
        }
        memo.insert(id.to_owned(), found.clone());
        Ok(found)
    }

    /// The agent's row is being written or deleted: read it again next time. Called by the
    /// write functions themselves, in the same synchronous section as the write, so no frame
    /// can read between them (an event that only *may* write, such as an admin's request
    /// waiting for its body, would let a frame refill the memo with the old row).
    pub fn forget_session(&self, id: &str) {
        self.sessions.borrow_mut().remove(id);
    }

    /// A conversation was remembered as erased at `at`.
    pub fn erased_at(&self, at: Millis) {
        let latest = self.last_erasure.get().flatten();
        if self.last_erasure.get().is_some() {
            self.last_erasure
                .set(Some(Some(latest.map_or(at, |l| l.max(at)))));
        }
    }

    /// The workspace's meta (`None`: no workspace stored here).
    pub fn meta(&self, sql: &SqlStorage) -> ApiResult<Option<WorkspaceMeta>> {
        if let Some(known) = &self.config.borrow().meta {
            return Ok(known.clone());
        }
        let meta = store::meta(sql)?;
        self.config.borrow_mut().meta = Some(meta.clone());
        Ok(meta)
    }

    pub fn settings(&self, sql: &SqlStorage) -> ApiResult<Rc<WorkspaceSettings>> {
        if let Some(known) = &self.config.borrow().settings {
            return Ok(known.clone());
        }
        let settings = Rc::new(store::settings(sql)?);
        self.config.borrow_mut().settings = Some(settings.clone());
        Ok(settings)
    }

    /// The dialogues, in the order targeting tries them.
    pub fn dialogues(&self, sql: &SqlStorage) -> ApiResult<Rc<Vec<Dialogue>>> {
        if let Some(known) = &self.config.borrow().dialogues {
            return Ok(known.clone());
        }
        let dialogues = Rc::new(store::dialogues(sql)?);
        self.config.borrow_mut().dialogues = Some(dialogues.clone());
        Ok(dialogues)
    }

    /// The meta, the settings or a dialogue is being written: read them again next time.
    /// Called by the write functions themselves, in the same synchronous section as the write
    /// (see [`Memo::forget_session`]).
    pub fn forget_config(&self) {
        *self.config.borrow_mut() = Config::default();
    }
}
