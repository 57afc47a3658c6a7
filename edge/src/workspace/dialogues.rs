//! The dialogue routes: read with its version (`ETag`), save with a version check, the kept
//! versions, targeting order, delete.

use std::collections::BTreeSet;

use parlor_core::dialogue::Dialogue;
use serde::{Deserialize, Serialize};
use worker::{Request, Response, SqlStorage};

use crate::error::{ApiError, ApiResult};
use crate::http::{json_response, read_json};
use crate::sql::rows;
use crate::validate;
use crate::workspace::access::Caller;
use crate::workspace::admin::{check_dialogue, DialogueCheck};
use crate::workspace::memo::Memo;
use crate::workspace::store;
use crate::workspace::versions::{self, Precondition};

/// A reorder lists ids of at most 64 characters: room for a thousand dialogues.
const REORDER_BODY: usize = 80 * 1024;

/// One entry of `GET …/dialogue-templates`: a template and its dialogue (id = its key).
#[derive(Serialize)]
pub struct TemplateEntry {
    pub key: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub dialogue: Dialogue,
}

/// The templates a new dialogue can start from. Served rather than compiled into the admin
/// page: the admin bundle stays under its size budget (docs/performance.md).
pub fn templates() -> Vec<TemplateEntry> {
    parlor_core::dialogue::TEMPLATES
        .iter()
        .filter_map(|t| {
            Some(TemplateEntry {
                key: t.key,
                name: t.name,
                description: t.description,
                dialogue: parlor_core::dialogue::template(t.key, t.key)?,
            })
        })
        .collect()
}

/// Who saved a version: the agent, or `admin_key` for the workspace admin key's holders.
pub fn saved_by(who: &Caller) -> &str {
    who.agent_id().unwrap_or("admin_key")
}

/// The save's precondition, from the request's `If-Match` / `If-None-Match`.
pub fn precondition_of(req: &Request) -> ApiResult<Precondition> {
    let header = |name| req.headers().get(name).ok().flatten();
    versions::precondition(
        header("if-match").as_deref(),
        header("if-none-match").as_deref(),
    )
}

/// `GET …/dialogues/{id}`: the dialogue, its version as the `ETag`.
pub fn get(sql: &SqlStorage, id: &str) -> ApiResult<Response> {
    let d = store::dialogues(sql)?
        .into_iter()
        .find(|d| d.id.as_str() == id)
        .ok_or(ApiError::NotFound("dialogue"))?;
    let version = versions::current(sql, id)?.unwrap_or(0);
    with_etag(json_response(&d, 200), version)
}

/// A save's answer: the validation outcome and the version it became.
#[derive(Serialize)]
struct Saved {
    #[serde(flatten)]
    check: DialogueCheck,
    version: u64,
}

/// `PUT …/dialogues/{id}`: validates, checks the precondition, stores the dialogue and its next
/// version in one synchronous section (one commit). 201 when new, 200 when replaced; 412 when
/// the dialogue changed since the editor opened it; 422 with the issues when it has errors.
pub fn put(
    sql: &SqlStorage,
    memo: &Memo,
    id: &str,
    dialogue: Dialogue,
    pre: Precondition,
    saved_by: &str,
    now: u64,
) -> ApiResult<Response> {
    if dialogue.id.as_str() != id {
        return Err(ApiError::BadRequest(format!(
            "the dialogue's id {:?} does not match the URL's {id:?}",
            dialogue.id.as_str()
        )));
    }
    validate::id("dialogue", id)?;
    let current = versions::current(sql, id)?;
    // A stale editor hears "reload" before the issues of a dialogue it should not save anyway.
    versions::check(pre, current)?;
    let check = check_dialogue(&dialogue);
    if !check.ok {
        return Err(ApiError::InvalidDialogue(check.errors));
    }
    let position = match current {
        Some(_) => position_of(sql, id)?,
        None => next_position(sql)?,
    };
    let body = serde_json::to_string(&dialogue)?;
    let version = current.map_or(1, |v| v + 1);
    store::put_dialogue(sql, memo, &dialogue, position)?;
    versions::record(sql, id, version, now, saved_by, &body)?;
    let status = if current.is_some() { 200 } else { 201 };
    with_etag(json_response(&Saved { check, version }, status), version)
}

/// `GET …/dialogues/{id}/versions`: the current version and the kept ones, newest first.
pub fn list_versions(sql: &SqlStorage, id: &str) -> ApiResult<Response> {
    let current = versions::current(sql, id)?.ok_or(ApiError::NotFound("dialogue"))?;
    let kept = versions::list(sql, id)?;
    Ok(json_response(
        &serde_json::json!({ "current": current, "versions": kept }),
        200,
    ))
}

/// `DELETE …/dialogues/{id}`, with its versions.
pub fn delete(sql: &SqlStorage, memo: &Memo, id: &str) -> ApiResult<Response> {
    if !store::delete_dialogue(sql, memo, id)? {
        return Err(ApiError::NotFound("dialogue"));
    }
    versions::forget(sql, id)?;
    Ok(json_response(&serde_json::json!({ "deleted": id }), 200))
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Order {
    ids: Vec<String>,
}

/// `POST …/dialogues/reorder {ids}`: every dialogue id once, in the order targeting tries them.
pub async fn reorder(sql: &SqlStorage, memo: &Memo, req: &mut Request) -> ApiResult<Response> {
    let order: Order = read_json(req, REORDER_BODY).await?;
    let existing: Vec<String> = store::dialogues(sql)?.into_iter().map(|d| d.id.0).collect();
    check_order(&order.ids, &existing).map_err(ApiError::Unprocessable)?;
    for (position, id) in order.ids.iter().enumerate() {
        store::set_dialogue_position(sql, memo, id, position as u64)?;
    }
    let ids = memo
        .dialogues(sql)?
        .iter()
        .map(|d| d.id.0.clone())
        .collect();
    Ok(json_response(&Order { ids }, 200))
}

/// Whether `ids` names every existing dialogue exactly once; else every problem, in words.
pub fn check_order(ids: &[String], existing: &[String]) -> Result<(), String> {
    let known: BTreeSet<&str> = existing.iter().map(String::as_str).collect();
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for id in ids {
        if !known.contains(id.as_str()) {
            problems.push(format!("there is no dialogue {:?}", short(id)));
        } else if !seen.insert(id.as_str()) {
            problems.push(format!("dialogue {id:?} is listed more than once"));
        }
    }
    let missing: Vec<String> = existing
        .iter()
        .filter(|id| !seen.contains(id.as_str()))
        .map(|id| format!("{id:?}"))
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "the order leaves out {} {}",
            if missing.len() == 1 {
                "dialogue"
            } else {
                "dialogues"
            },
            missing.join(", ")
        ));
    }
    // A list of garbage is answered with its first few problems, not all of them.
    problems.truncate(5);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "ids must list every dialogue exactly once: {}",
            problems.join("; ")
        ))
    }
}

/// An unknown id quoted back, at most 64 characters.
fn short(id: &str) -> String {
    id.chars().take(64).collect()
}

#[derive(Deserialize)]
struct PositionRow {
    position: u64,
}

fn position_of(sql: &SqlStorage, id: &str) -> ApiResult<u64> {
    let found: Vec<PositionRow> = rows(
        sql,
        "SELECT position FROM dialogues WHERE id = ?",
        vec![id.into()],
    )?;
    Ok(found.first().map_or(0, |r| r.position))
}

/// A new dialogue goes after every other, even when deletes left gaps in the positions.
fn next_position(sql: &SqlStorage) -> ApiResult<u64> {
    let found: Vec<PositionRow> = rows(
        sql,
        "SELECT COALESCE(MAX(position) + 1, 0) AS position FROM dialogues",
        vec![],
    )?;
    Ok(found.first().map_or(0, |r| r.position))
}

fn with_etag(resp: Response, version: u64) -> ApiResult<Response> {
    let headers = resp.headers().clone();
    headers.set("etag", &versions::etag(version))?;
    Ok(resp.with_headers(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_permutation_of_the_dialogues_is_an_order() {
        let existing = ids(&["welcome", "pricing", "demo"]);
        assert_eq!(
            check_order(&ids(&["demo", "welcome", "pricing"]), &existing),
            Ok(())
        );
        assert_eq!(check_order(&[], &[]), Ok(()));
    }

    #[test]
    fn an_order_names_what_is_wrong_with_it() {
        let existing = ids(&["welcome", "pricing"]);
        let e = check_order(&ids(&["welcome"]), &existing).expect_err("one missing");
        assert_eq!(
            e,
            "ids must list every dialogue exactly once: the order leaves out dialogue \"pricing\""
        );
        let e =
            check_order(&ids(&["welcome", "pricing", "welcome"]), &existing).expect_err("a repeat");
        assert!(
            e.contains("dialogue \"welcome\" is listed more than once"),
            "{e}"
        );
        let e = check_order(&ids(&["welcome", "pricing", "nope"]), &existing)
            .expect_err("an unknown id");
        assert!(e.contains("there is no dialogue \"nope\""), "{e}");
        let e = check_order(&[], &existing).expect_err("empty");
        assert!(
            e.contains("leaves out dialogues \"welcome\", \"pricing\""),
            "{e}"
        );
        let e = check_order(&ids(&["welcome", "welcome"]), &existing).expect_err("swap");
        assert!(e.contains("more than once") && e.contains("leaves out dialogue \"pricing\""));
    }
}
