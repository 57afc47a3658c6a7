//! The workspace's rows about one conversation, found and deleted for an erasure: its index
//! row, its failed-action (outbox) row, its routing audit rows, its settled request and its
//! missed-chat report row (`chat_facts`); and the short memory of erased conversations. Pure SQL; the rules are `parlor_core::privacy`.

use parlor_core::privacy::{self, Candidate, ErasureCounts, ErasureRecord};
use parlor_core::protocol::ConversationStatus;
use parlor_core::Millis;
use serde::Deserialize;
use worker::SqlStorage;

use crate::error::ApiResult;
use crate::sql::{exec, int, rows};
use crate::workspace::index::Record;
use crate::workspace::memo::Memo;

/// How long an erased conversation is remembered: far longer than a link call can be late.
const REMEMBER_ERASED: Millis = Millis(86_400_000);

#[derive(Deserialize)]
struct IdBody {
    id: String,
    body: String,
}

#[derive(Deserialize)]
struct Returned {
    #[allow(dead_code)]
    n: i64,
}

/// `%email%` for `LIKE … ESCAPE '\'` (ASCII case-insensitive in SQLite, as the core rule is).
fn like_pattern(email: &str) -> String {
    let mut p = String::from("%");
    for c in email.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Conversations whose index row or failed-action row captured this email, oldest first,
/// at most `limit` (the caller asks for one more than it erases, to know if more remain).
pub fn naming_email(sql: &SqlStorage, email: &str, limit: usize) -> ApiResult<Vec<String>> {
    let pattern = like_pattern(email);
    let mut found: Vec<String> = Vec::new();
    let indexed: Vec<IdBody> = rows(
        sql,
        "SELECT id, body FROM conversations WHERE body LIKE ? ESCAPE '\\' ORDER BY created_at",
        vec![pattern.as_str().into()],
    )?;
    for row in indexed {
        let record: Record = serde_json::from_str(&row.body)?;
        if privacy::record_names_email(&record, email) && !found.contains(&row.id) {
            found.push(row.id);
        }
    }
    // A failed action outlives nothing, but its row is read too: it carries the fields.
    let mailed: Vec<IdBody> = rows(
        sql,
        "SELECT conversation AS id, body FROM outbox \
         WHERE conversation IS NOT NULL AND body LIKE ? ESCAPE '\\' ORDER BY seq",
        vec![pattern.as_str().into()],
    )?;
    for row in mailed {
        let body: serde_json::Value = serde_json::from_str(&row.body)?;
        let visitor = serde_json::from_value(body["action"]["visitor"].clone()).unwrap_or_default();
        if privacy::names_email(&visitor, email) && !found.contains(&row.id) {
            found.push(row.id);
        }
    }
    found.truncate(limit);
    Ok(found)
}

fn delete_counted(sql: &SqlStorage, query: &str, id: &str) -> ApiResult<u64> {
    let gone: Vec<Returned> = rows(sql, query, vec![id.into()])?;
    Ok(gone.len() as u64)
}

/// Deletes every workspace row keyed by this conversation; counts what went.
pub fn delete_rows(sql: &SqlStorage, memo: &Memo, id: &str) -> ApiResult<ErasureCounts> {
    memo.forget_facts(id);
    let index_rows = delete_counted(
        sql,
        "DELETE FROM conversations WHERE id = ? RETURNING 1 AS n",
        id,
    )?;
    let outbox_rows = delete_counted(
        sql,
        "DELETE FROM outbox WHERE conversation = ? RETURNING 1 AS n",
        id,
    )?;
    let audit_rows = delete_counted(
        sql,
        "DELETE FROM audit WHERE conversation = ? RETURNING 1 AS n",
        id,
    )?;
    exec(
        sql,
        "DELETE FROM router_settled WHERE conversation = ?",
        vec![id.into()],
    )?;
    // The report's row names no one, but keeps no erased id either.
    exec(
        sql,
        "DELETE FROM chat_facts WHERE conversation = ?",
        vec![id.into()],
    )?;
    Ok(ErasureCounts {
        index_rows,
        outbox_rows,
        audit_rows,
        ..ErasureCounts::default()
    })
}

/// Remembers (or, after a failed attempt, forgets again) that this conversation is erased.
pub fn remember_erased(sql: &SqlStorage, memo: &Memo, id: &str, now: Millis) -> ApiResult<()> {
    memo.erased_at(now);
    exec(
        sql,
        "INSERT INTO erased (conversation, at) VALUES (?, ?) ON CONFLICT(conversation) DO UPDATE SET at = excluded.at",
        vec![id.into(), int(now.0)],
    )?;
    // Old memories go: a link call is never a day late.
    exec(
        sql,
        "DELETE FROM erased WHERE at < ?",
        vec![int(now.0.saturating_sub(REMEMBER_ERASED.0))],
    )
}

pub fn unremember_erased(sql: &SqlStorage, id: &str) -> ApiResult<()> {
    exec(
        sql,
        "DELETE FROM erased WHERE conversation = ?",
        vec![id.into()],
    )
}

/// Whether this conversation is remembered as erased. A memory older than a day counts as
/// forgotten (the next erasure deletes its row): with no erasure that recent, no row is read.
pub fn was_erased(sql: &SqlStorage, memo: &Memo, id: &str) -> ApiResult<bool> {
    let since = Millis(crate::now_ms().saturating_sub(REMEMBER_ERASED.0));
    if !memo.erased_since(sql, since)? {
        return Ok(false);
    }
    let found: Vec<Returned> = rows(
        sql,
        "SELECT 1 AS n FROM erased WHERE conversation = ?",
        vec![id.into()],
    )?;
    Ok(!found.is_empty())
}

#[derive(Deserialize)]
struct CandidateRow {
    id: String,
    updated_at: i64,
    status: String,
}

/// The oldest rows of conversations that are over, oldest first, at most `limit`.
pub fn oldest_purgeable(sql: &SqlStorage, limit: usize) -> ApiResult<Vec<Candidate>> {
    let statuses: Vec<String> = privacy::PURGEABLE
        .iter()
        .filter_map(|s| serde_json::to_value(s).ok())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let marks = vec!["?"; statuses.len()].join(", ");
    let mut args: Vec<worker::SqlStorageValue> =
        statuses.iter().map(|s| s.as_str().into()).collect();
    args.push(int(limit as u64));
    let found: Vec<CandidateRow> = rows(
        sql,
        &format!(
            "SELECT id, updated_at, json_extract(body, '$.status') AS status FROM conversations \
             WHERE json_extract(body, '$.status') IN ({marks}) ORDER BY updated_at, id LIMIT ?"
        ),
        args,
    )?;
    Ok(found
        .into_iter()
        .filter_map(|r| {
            let status: ConversationStatus =
                serde_json::from_value(serde_json::Value::String(r.status)).ok()?;
            Some(Candidate {
                id: r.id,
                status,
                updated_at: Millis(u64::try_from(r.updated_at).unwrap_or(0)),
            })
        })
        .collect())
}

/// The erasure's audit row: counts, who and why; no email and no conversation id.
pub fn audit_erasure(sql: &SqlStorage, record: &ErasureRecord) -> ApiResult<()> {
    let mut body = serde_json::to_value(record)?;
    body["erasure"] = serde_json::Value::String(record.summary());
    exec(
        sql,
        "INSERT INTO audit (at, conversation, body) VALUES (?, '', ?)",
        vec![int(record.at.0), serde_json::to_string(&body)?.into()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_an_email_are_taken_literally() {
        assert_eq!(like_pattern(" ann@example.com "), "%ann@example.com%");
        assert_eq!(like_pattern("a_b%c@x.io"), "%a\\_b\\%c@x.io%");
        assert_eq!(like_pattern("a\\b@x.io"), "%a\\\\b@x.io%");
    }
}
