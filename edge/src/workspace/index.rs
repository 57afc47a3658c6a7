//! The conversation index: one row per conversation of the workspace, for the Conversations
//! view and for checking that a conversation belongs to this workspace.

use serde::Deserialize;
use worker::SqlStorage;

use crate::error::ApiResult;
use crate::sql::{int, rows};
use crate::workspace::paging::{After, PageRequest};

pub use parlor_core::protocol::{ConversationRecord as Record, ConversationStatus as Status};

#[derive(Deserialize)]
struct BodyRow {
    body: String,
}

#[derive(Deserialize)]
struct IdRow {
    #[allow(dead_code)]
    id: String,
}

/// Stores the row unless a row of a higher revision is stored (rows may arrive late or
/// twice); returns whether it was stored.
pub fn put_if_newer(sql: &SqlStorage, r: &Record) -> ApiResult<bool> {
    let written: Vec<IdRow> = rows(
        sql,
        "INSERT INTO conversations (id, created_at, updated_at, body) VALUES (?, ?, ?, ?) \
         ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, body = excluded.body \
         WHERE COALESCE(json_extract(excluded.body, '$.revision'), 0) \
            >= COALESCE(json_extract(conversations.body, '$.revision'), 0) \
         RETURNING id",
        vec![
            r.id.as_str().into(),
            int(r.created_at),
            int(r.updated_at),
            serde_json::to_string(r)?.into(),
        ],
    )?;
    Ok(!written.is_empty())
}

pub fn get(sql: &SqlStorage, id: &str) -> ApiResult<Option<Record>> {
    let found: Vec<BodyRow> = rows(
        sql,
        "SELECT body FROM conversations WHERE id = ?",
        vec![id.into()],
    )?;
    match found.first() {
        Some(r) => Ok(Some(serde_json::from_str(&r.body)?)),
        None => Ok(None),
    }
}

/// Rows read per query while filtering a page by status.
const SCAN: u64 = 200;

/// Most rows one page reads, whatever the filter (bounds a request's work); the next page
/// carries on where it stopped.
const MAX_SCANNED: u64 = 2_000;

#[derive(Deserialize)]
struct PageRow {
    id: String,
    updated_at: u64,
    body: String,
}

/// Which rows a page keeps: one status, one person's (a verified identity's id), or all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub status: Option<Status>,
    pub person: Option<String>,
}

impl Filter {
    fn keeps(&self, r: &Record) -> bool {
        self.status.is_none_or(|s| s == r.status)
            && self.person.as_deref().is_none_or(|p| r.person() == Some(p))
    }

    fn is_some(&self) -> bool {
        self.status.is_some() || self.person.is_some()
    }
}

/// Most recently updated first, optionally filtered, a page at a time; and the cursor
/// of the next page when there may be one. A conversation updated while a client pages may
/// show up again or move ahead of the cursor: the list follows activity.
pub fn list(
    sql: &SqlStorage,
    filter: &Filter,
    page: &PageRequest,
) -> ApiResult<(Vec<Record>, Option<After>)> {
    let mut found = Vec::new();
    let mut after = page.after.clone();
    let mut scanned = 0;
    loop {
        let want = if filter.is_some() { SCAN } else { page.limit };
        let batch: Vec<PageRow> = match &after {
            None => rows(
                sql,
                "SELECT id, updated_at, body FROM conversations \
                 ORDER BY updated_at DESC, id DESC LIMIT ?",
                vec![int(want)],
            )?,
            Some(a) => rows(
                sql,
                "SELECT id, updated_at, body FROM conversations \
                 WHERE updated_at < ? OR (updated_at = ? AND id < ?) \
                 ORDER BY updated_at DESC, id DESC LIMIT ?",
                vec![int(a.at), int(a.at), a.key.as_str().into(), int(want)],
            )?,
        };
        let exhausted = (batch.len() as u64) < want;
        for row in batch {
            scanned += 1;
            after = Some(After {
                at: row.updated_at,
                key: row.id,
            });
            found.extend(pick([row.body.as_str()], filter, 1)?);
            if found.len() as u64 == page.limit {
                return Ok((found, after));
            }
        }
        if exhausted {
            return Ok((found, None));
        }
        if scanned >= MAX_SCANNED {
            return Ok((found, after));
        }
    }
}

/// The stored bodies `filter` keeps, in the order read, until `limit` are kept.
fn pick<'a>(
    bodies: impl IntoIterator<Item = &'a str>,
    filter: &Filter,
    limit: u64,
) -> ApiResult<Vec<Record>> {
    let mut out = Vec::new();
    for body in bodies {
        let rec: Record = serde_json::from_str(body)?;
        if filter.keeps(&rec) {
            out.push(rec);
        }
        if out.len() as u64 >= limit {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::error::ApiError;

    fn record(id: &str, status: Status, revision: u64) -> Record {
        Record {
            id: id.into(),
            created_at: 1,
            updated_at: 2,
            dialogue: "d1".into(),
            page_url: String::new(),
            status,
            agent: None,
            captured: BTreeMap::new(),
            last_message: None,
            revision,
            first_agent_reply_at: None,
            identity: None,
        }
    }

    fn only(status: Status) -> Filter {
        Filter {
            status: Some(status),
            person: None,
        }
    }

    fn bodies(records: &[Record]) -> Vec<String> {
        records
            .iter()
            .map(|r| serde_json::to_string(r).expect("json"))
            .collect()
    }

    #[test]
    fn pick_keeps_one_status_in_the_order_read_up_to_the_limit() {
        let all = [
            record("c1", Status::Live, 1),
            record("c2", Status::Ended, 1),
            record("c3", Status::Live, 1),
            record("c4", Status::Live, 1),
        ];
        let stored = bodies(&all);
        let live = pick(stored.iter().map(String::as_str), &only(Status::Live), 2).expect("rows");
        assert_eq!(live, vec![all[0].clone(), all[2].clone()]);
        let ended =
            pick(stored.iter().map(String::as_str), &only(Status::Ended), 10).expect("rows");
        assert_eq!(ended, vec![all[1].clone()]);
        let none = pick(
            stored.iter().map(String::as_str),
            &only(Status::FellBack),
            10,
        )
        .expect("rows");
        assert!(none.is_empty());
    }

    #[test]
    fn pick_without_a_filter_takes_the_first_rows() {
        let all = [
            record("c1", Status::Automated, 1),
            record("c2", Status::Waiting, 1),
            record("c3", Status::Expired, 1),
        ];
        let stored = bodies(&all);
        let got = pick(stored.iter().map(String::as_str), &Filter::default(), 2).expect("rows");
        assert_eq!(got, all[..2].to_vec());
        let got = pick(stored.iter().map(String::as_str), &Filter::default(), 200).expect("rows");
        assert_eq!(got, all.to_vec());
    }

    #[test]
    fn pick_by_person_keeps_only_verified_identities_of_that_id() {
        use parlor_core::identity::VisitorIdentity;
        let who = |id: &str, verified| {
            Some(VisitorIdentity {
                id: id.into(),
                email: None,
                name: None,
                verified,
            })
        };
        let mut all = [
            record("c1", Status::Ended, 1),
            record("c2", Status::Live, 1),
            record("c3", Status::Live, 1),
            record("c4", Status::Live, 1),
        ];
        all[0].identity = who("u1", true);
        all[1].identity = who("u1", false);
        all[2].identity = who("u2", true);
        all[3].identity = who("u1", true);
        let stored = bodies(&all);
        let person = |p: &str, status| Filter {
            status,
            person: Some(p.into()),
        };
        let got = pick(stored.iter().map(String::as_str), &person("u1", None), 10).expect("rows");
        assert_eq!(got, vec![all[0].clone(), all[3].clone()]);
        let got = pick(
            stored.iter().map(String::as_str),
            &person("u1", Some(Status::Live)),
            10,
        )
        .expect("rows");
        assert_eq!(got, vec![all[3].clone()]);
    }

    #[test]
    fn a_corrupt_stored_row_is_an_internal_error() {
        let err = pick(["{\"id\":"], &Filter::default(), 10).expect_err("corrupt");
        assert!(matches!(err, ApiError::Internal(_)));
    }

    #[test]
    fn the_stored_body_carries_the_revision_the_upsert_compares() {
        // `put_if_newer` compares `json_extract(body, '$.revision')`: a top-level integer.
        let body = serde_json::to_string(&record("c1", Status::Live, 7)).expect("json");
        let json: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(json["revision"], serde_json::json!(7));
        // Revision 0 is written out too, not skipped.
        let body = serde_json::to_string(&record("c1", Status::Live, 0)).expect("json");
        let json: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(json["revision"], serde_json::json!(0));
    }

    #[test]
    fn a_row_stored_before_revisions_reads_as_revision_zero() {
        // The SQL treats a missing revision as 0 (`COALESCE(.., 0)`), and so does serde.
        let old = r#"{"id":"c1","created_at":1,"updated_at":2,"dialogue":"d1","page_url":"",
            "status":"ended","agent":"eve","captured":{"email":"ada@bigcorp.example"}}"#;
        let got = pick([old], &Filter::default(), 10).expect("rows");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].revision, 0);
        assert_eq!(got[0].last_message, None);
        assert_eq!(got[0].agent.as_deref(), Some("eve"));
    }
}
