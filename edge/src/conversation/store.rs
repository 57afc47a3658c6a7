//! The conversation object's tables. In `kv`: the meta, the dialogue (written once, at
//! creation) and the core state without it (written when the core asks, `Effect::Persist`); in
//! `entries`: the transcript, one row per entry. A chat message is its entry row alone; a load
//! replays the entries after the stored state (`Conversation::restore`).

use parlor_core::conversation::{Conversation, StoredState, WholeSnapshot};
use parlor_core::dialogue::Dialogue;
use parlor_core::protocol::TranscriptEntry;
use serde::{Deserialize, Serialize};
use worker::SqlStorage;

use crate::error::ApiResult;
use crate::sql::{exec, int, kv_get, kv_put, rows};

/// Whether this object was ever created (its `kv` table exists), after bringing its schema up
/// to date if it was. One statement when the schema is current: its tables are listed, not
/// created again. Asked by an instance's first request or call, not by a socket's event (see
/// `ConversationObject::exists`).
pub fn open(sql: &SqlStorage) -> ApiResult<bool> {
    #[derive(Deserialize)]
    struct Table {
        name: String,
    }
    let tables: Vec<Table> = rows(
        sql,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('kv', 'entries')",
        vec![],
    )?;
    let has = |name: &str| tables.iter().any(|t| t.name == name);
    if !has("kv") {
        return Ok(false);
    }
    if !has("entries") {
        migrate(sql)?;
    }
    Ok(true)
}

/// Creates the tables that do not exist (both of them for a new conversation), in one call:
/// the storage runs a query's statements in turn.
pub fn migrate(sql: &SqlStorage) -> ApiResult<()> {
    exec(sql, SCHEMA, vec![])
}

/// Both tables' statements as one query; `kv`'s is the one every object shares (`KV_SCHEMA`,
/// checked by a test below).
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL); \
     CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL)";

/// What the edge knows about a conversation besides the core state. Unknown fields are
/// ignored: metas stored by older versions (with `agent` and `indexed_status`) still load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub workspace: String,
    pub conversation: String,
    /// SHA-256 of the visitor's secret; the secret itself is never stored.
    pub token_hash: String,
    pub created_at: u64,
    pub page_url: String,
    pub dialogue: String,
    /// The workspace's allowed origins when the conversation started, checked on every
    /// visitor socket open; `None` for conversations stored before it was kept (any origin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
}

/// Keys of the conversation's parts in `kv` (`load` names the first three in its statement).
const META: &str = "meta";
const DIALOGUE: &str = "dialogue";
const STATE: &str = "state";
/// Where versions before the split kept the whole conversation, dialogue included.
const WHOLE: &str = "conversation";

#[derive(Deserialize)]
struct KvRow {
    key: String,
    value: String,
}

/// A stored conversation: its meta and its machine.
pub type Stored = (Meta, Conversation);

/// The conversation from its stored parts: the meta, state and dialogue in one statement (an
/// object woken from hibernation reads them on its first event), then the entries after the
/// state. `also` is one more `kv` key read in the same statement (what the conversation owes its
/// workspace, `owed.rs`), returned with it: a woken object's first event reads both at once.
pub fn load(sql: &SqlStorage, also: &str) -> ApiResult<(Option<Stored>, Option<String>)> {
    let parts: Vec<KvRow> = rows(
        sql,
        "SELECT key, value FROM kv WHERE key IN ('meta', 'state', 'dialogue', ?)",
        vec![also.into()],
    )?;
    let part = |key: &str| {
        parts
            .iter()
            .find(|p| p.key == key)
            .map(|p| p.value.as_str())
    };
    let extra = part(also).map(str::to_owned);
    Ok((load_parts(sql, part)?, extra))
}

fn load_parts<'a>(
    sql: &SqlStorage,
    part: impl Fn(&str) -> Option<&'a str>,
) -> ApiResult<Option<Stored>> {
    let Some(meta) = part(META) else {
        return Ok(None);
    };
    let meta: Meta = serde_json::from_str(meta)?;
    if let Some(state) = part(STATE) {
        let state: StoredState = serde_json::from_str(state)?;
        let Some(dialogue) = part(DIALOGUE) else {
            return Ok(None);
        };
        let dialogue: Dialogue = serde_json::from_str(dialogue)?;
        let tail = entries_after(sql, state.last_seq())?;
        return Ok(Some((meta, Conversation::restore(dialogue, state, &tail))));
    }
    let Some(whole) = kv_get::<WholeSnapshot>(sql, WHOLE)? else {
        return Ok(None);
    };
    // Stored whole by an earlier version: stored in parts from now on (one commit).
    let (dialogue, state) = whole.into_parts();
    let tail = entries_after(sql, state.last_seq())?;
    let conv = Conversation::restore(dialogue, state, &tail);
    kv_put(sql, DIALOGUE, conv.dialogue())?;
    save_state(sql, &conv)?;
    exec(sql, "DELETE FROM kv WHERE key = ?", vec![WHOLE.into()])?;
    Ok(Some((meta, conv)))
}

/// A new conversation: its meta, its dialogue (never written again) and its first state, in
/// one statement.
pub fn create(sql: &SqlStorage, meta: &Meta, conv: &Conversation) -> ApiResult<()> {
    exec(
        sql,
        "INSERT INTO kv (key, value) VALUES (?, ?), (?, ?), (?, ?) \
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        vec![
            META.into(),
            serde_json::to_string(meta)?.into(),
            DIALOGUE.into(),
            serde_json::to_string(conv.dialogue())?.into(),
            STATE.into(),
            serde_json::to_string(conv.stored_state())?.into(),
        ],
    )
}

/// The state without the dialogue, when the core says it changed (`Effect::Persist`).
pub fn save_state(sql: &SqlStorage, conv: &Conversation) -> ApiResult<()> {
    kv_put(sql, STATE, conv.stored_state())
}

/// The session epoch below which an agent's tokens are refused here (their sessions ended
/// after a role change or a password reset). Few agents per conversation: one small map.
pub fn revoked_epochs(sql: &SqlStorage) -> ApiResult<std::collections::BTreeMap<String, u64>> {
    Ok(kv_get(sql, "revoked")?.unwrap_or_default())
}

pub fn put_revoked_epochs(
    sql: &SqlStorage,
    revoked: &std::collections::BTreeMap<String, u64>,
) -> ApiResult<()> {
    kv_put(sql, "revoked", revoked)
}

/// Stores the entries one input appended, in one statement (an answer that asks for a human
/// appends several): each statement is a cursor the platform makes and later collects, and the
/// largest single line of a message's CPU (docs/performance.md). `INSERT OR IGNORE`: the same
/// seq is never stored twice.
pub fn append(sql: &SqlStorage, entries: &[TranscriptEntry]) -> ApiResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut query = String::from("INSERT OR IGNORE INTO entries (seq, at, body) VALUES (?, ?, ?)");
    let mut args = Vec::with_capacity(entries.len() * 3);
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            query.push_str(", (?, ?, ?)");
        }
        args.push(int(entry.seq));
        args.push(int(entry.at.0));
        args.push(serde_json::to_string(entry)?.into());
    }
    exec(sql, &query, args)
}

#[derive(Deserialize)]
struct BodyRow {
    body: String,
}

#[derive(Deserialize)]
struct CountRow {
    n: i64,
}

/// When this conversation was erased, if it was: the tombstone is all that is left.
pub fn erased_at(sql: &SqlStorage) -> ApiResult<Option<u64>> {
    kv_get(sql, "erased")
}

/// Deletes the transcript, the core state (captured fields included) and the meta (the
/// visitor's token hash), and leaves a tombstone so the object never comes back with old data.
/// Returns how many transcript entries were deleted. One synchronous section: one commit.
pub fn erase(sql: &SqlStorage, now: u64) -> ApiResult<u64> {
    let counted: Vec<CountRow> = rows(sql, "SELECT COUNT(*) AS n FROM entries", vec![])?;
    let entries = counted
        .first()
        .map_or(0, |r| u64::try_from(r.n).unwrap_or(0));
    exec(sql, "DELETE FROM entries", vec![])?;
    exec(sql, "DELETE FROM kv", vec![])?;
    kv_put(sql, "erased", &now)?;
    Ok(entries)
}

pub fn entries_after(sql: &SqlStorage, last_seq: u64) -> ApiResult<Vec<TranscriptEntry>> {
    let found: Vec<BodyRow> = rows(
        sql,
        "SELECT body FROM entries WHERE seq > ? ORDER BY seq",
        vec![int(last_seq)],
    )?;
    decode_entries(found.iter().map(|r| r.body.as_str()))
}

/// Stored entry bodies back into entries, in the order read; one corrupt body fails them all.
fn decode_entries<'a>(
    bodies: impl IntoIterator<Item = &'a str>,
) -> ApiResult<Vec<TranscriptEntry>> {
    bodies
        .into_iter()
        .map(|body| Ok(serde_json::from_str(body)?))
        .collect()
}

#[cfg(test)]
mod tests {
    use parlor_core::conversation::{ConversationSettings, Input};
    use parlor_core::dialogue::Dialogue;
    use parlor_core::protocol::{Side, TranscriptEvent};
    use parlor_core::settings::WorkspaceSettings;
    use parlor_core::{ConversationId, Millis};

    use super::*;
    use crate::error::ApiError;
    use crate::sql::KV_SCHEMA;

    #[test]
    fn the_schema_query_creates_kv_as_every_object_does() {
        assert!(SCHEMA.starts_with(&format!("{KV_SCHEMA}; ")));
        assert_eq!(SCHEMA.matches("CREATE TABLE IF NOT EXISTS").count(), 2);
    }

    fn meta() -> Meta {
        Meta {
            workspace: "acme".into(),
            conversation: "c1".into(),
            token_hash: "ab".repeat(32),
            created_at: 1_700_000_000_000,
            page_url: "https://shop.example/pricing".into(),
            dialogue: "d1".into(),
            allowed_origins: None,
        }
    }

    #[test]
    fn meta_round_trips_with_its_fields_pinned() {
        let json = serde_json::to_value(meta()).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "workspace": "acme",
                "conversation": "c1",
                "token_hash": "ab".repeat(32),
                "created_at": 1_700_000_000_000u64,
                "page_url": "https://shop.example/pricing",
                "dialogue": "d1",
            })
        );
        let back: Meta = serde_json::from_value(json).expect("meta");
        assert_eq!(back, meta());
    }

    #[test]
    fn meta_stored_by_older_versions_still_loads() {
        // Before the core kept the agent and the index status, the meta held them.
        for old in [
            r#"{"workspace":"acme","conversation":"c1","token_hash":"HASH","agent":"eve",
                "created_at":1700000000000,"page_url":"https://shop.example/pricing",
                "dialogue":"d1","indexed_status":"live"}"#,
            r#"{"workspace":"acme","conversation":"c1","token_hash":"HASH","agent":null,
                "created_at":1700000000000,"page_url":"https://shop.example/pricing",
                "dialogue":"d1","indexed_status":null}"#,
        ] {
            let got: Meta = serde_json::from_str(old).expect(old);
            assert_eq!(
                got,
                Meta {
                    token_hash: "HASH".into(),
                    ..meta()
                }
            );
        }
    }

    #[test]
    fn meta_keeps_the_allowed_origins_of_its_start() {
        let m = Meta {
            allowed_origins: Some(vec!["https://shop.example".into()]),
            ..meta()
        };
        let json = serde_json::to_value(&m).expect("json");
        assert_eq!(
            json["allowed_origins"],
            serde_json::json!(["https://shop.example"])
        );
        assert_eq!(serde_json::from_value::<Meta>(json).expect("meta"), m);
    }

    #[test]
    fn meta_without_its_token_hash_does_not_load() {
        // A meta missing its hash must fail, not load with an empty hash anyone matches.
        let broken = r#"{"workspace":"acme","conversation":"c1","created_at":1,
            "page_url":"","dialogue":"d1"}"#;
        assert!(serde_json::from_str::<Meta>(broken).is_err());
    }

    fn entry(seq: u64, text: &str) -> TranscriptEntry {
        TranscriptEntry {
            seq,
            at: Millis(1_700_000_000_000 + seq),
            event: TranscriptEvent::Message {
                from: Side::Visitor,
                text: text.into(),
                client_id: format!("k-{seq}"),
            },
        }
    }

    #[test]
    fn entry_bodies_decode_in_the_order_read() {
        let entries = vec![entry(1, "Hello"), entry(2, "Anyone there?"), entry(3, "☕")];
        let bodies: Vec<String> = entries
            .iter()
            .map(|e| serde_json::to_string(e).expect("json"))
            .collect();
        let got = decode_entries(bodies.iter().map(String::as_str)).expect("entries");
        assert_eq!(got, entries);
        assert!(decode_entries([]).expect("none").is_empty());
    }

    #[test]
    fn a_corrupt_entry_body_fails_the_read() {
        let good = serde_json::to_string(&entry(1, "Hello")).expect("json");
        let err = decode_entries([good.as_str(), r#"{"seq":2}"#]).expect_err("corrupt");
        assert!(matches!(err, ApiError::Internal(_)));
    }

    #[test]
    fn the_stored_conversation_snapshot_loads_back_equal() {
        let dialogue: Dialogue = serde_json::from_str(
            r#"{"id":"d1","name":"Sales","branches":[{"id":"main","cards":[
                {"id":"m1","kind":"message","text":"Hello"},
                {"id":"q1","kind":"question","text":"Talk to sales?",
                 "buttons":[{"id":"yes","label":"Yes"}]}]}]}"#,
        )
        .expect("dialogue");
        let settings = ConversationSettings::from(&WorkspaceSettings::default());
        let now = Millis(1_700_000_000_000);
        let mut conv = Conversation::new(ConversationId::new("c1"), dialogue, settings, now);
        let effects = conv.handle(
            Input::Start {
                identity: None,
                page_url: "https://shop.example/pricing".into(),
                language: "en".into(),
                country: "GB".into(),
                utm: Default::default(),
            },
            now,
        );
        assert!(!effects.is_empty());
        // `create`, `save_state` and `load` store and read JSON text: serde_json both ways.
        let dialogue = serde_json::to_string(conv.dialogue()).expect("json");
        let state = serde_json::to_string(conv.stored_state()).expect("json");
        assert!(
            !state.contains("Talk to sales?"),
            "the state leaves the dialogue out"
        );
        let back = Conversation::restore(
            serde_json::from_str(&dialogue).expect("dialogue"),
            serde_json::from_str(&state).expect("state"),
            &[],
        );
        assert_eq!(back, conv);
        assert_eq!(back.next_deadline(), conv.next_deadline());
        assert_eq!(back.view(), conv.view());
    }
}
