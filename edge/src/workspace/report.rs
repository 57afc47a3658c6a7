//! The missed-chat report's storage and API: one small `chat_facts` row per conversation
//! (ids, instants and reasons; no personal data), kept up to date from the workspace
//! machine's effects in the same synchronous section that stores them, and read for
//! `GET /api/workspaces/{id}/report`. The rules are `parlor_core::report`.

use std::collections::BTreeMap;

use parlor_core::report::{aggregate, ChatFacts, DayRange, FactEvent, Report, ReportZone};
use parlor_core::{ConversationId, Millis};
use serde::Deserialize;
use worker::{Request, SqlStorage};

use crate::error::{ApiError, ApiResult};
use crate::identity::query_param;
use crate::sql::{exec, int, rows};
use crate::workspace::memo::Memo;
use crate::workspace::{forget, store};

/// At most this many conversations are read for one report (a busy workspace's 92 days);
/// beyond it the answer says `complete: false`.
pub const MAX_CONVERSATIONS: u64 = 200_000;

#[derive(Deserialize)]
struct BodyRow {
    body: String,
}

#[derive(Deserialize)]
struct CreatedRow {
    created_at: i64,
}

/// Folds the events into each conversation's row, writing only rows that changed (a preview's
/// index row changes nothing once the first reply is known). A conversation erased meanwhile
/// gets no row back.
pub fn record(
    sql: &SqlStorage,
    memo: &Memo,
    events: &[(ConversationId, FactEvent)],
) -> ApiResult<()> {
    let mut by_conversation: BTreeMap<&ConversationId, Vec<&FactEvent>> = BTreeMap::new();
    for (conversation, event) in events {
        by_conversation.entry(conversation).or_default().push(event);
    }
    for (conversation, events) in by_conversation {
        let id = conversation.as_str();
        let known = match memo.facts(id) {
            Some(known) => known,
            None => load(sql, id)?,
        };
        let (mut facts, mut changed) = match known {
            Some(f) => (f, false),
            None => {
                if forget::was_erased(sql, memo, id)? {
                    continue;
                }
                let created = match ChatFacts::created_in(events.iter().copied()) {
                    Some(at) => at,
                    None => created_at(sql, id)?,
                };
                (ChatFacts::new(created), true)
            }
        };
        for event in events {
            changed |= facts.apply(event);
        }
        if changed {
            exec(
                sql,
                "INSERT INTO chat_facts (conversation, created_at, body) VALUES (?, ?, ?) \
                 ON CONFLICT(conversation) DO UPDATE SET created_at = excluded.created_at, \
                 body = excluded.body",
                vec![
                    id.into(),
                    int(facts.created_at.0),
                    serde_json::to_string(&facts)?.into(),
                ],
            )?;
        }
        // What is stored now, whether read, kept or written above.
        memo.stored_facts(id, &facts);
    }
    Ok(())
}

fn load(sql: &SqlStorage, id: &str) -> ApiResult<Option<ChatFacts>> {
    let found: Vec<BodyRow> = rows(
        sql,
        "SELECT body FROM chat_facts WHERE conversation = ?",
        vec![id.into()],
    )?;
    match found.first() {
        Some(r) => Ok(Some(serde_json::from_str(&r.body)?)),
        None => Ok(None),
    }
}

/// A conversation from before the report: its index row's creation, or now.
fn created_at(sql: &SqlStorage, id: &str) -> ApiResult<Millis> {
    let found: Vec<CreatedRow> = rows(
        sql,
        "SELECT created_at FROM conversations WHERE id = ?",
        vec![id.into()],
    )?;
    Ok(found
        .first()
        .and_then(|r| u64::try_from(r.created_at).ok())
        .map_or_else(|| Millis(crate::now_ms()), Millis))
}

/// The conversations created in the range's instants, at most [`MAX_CONVERSATIONS`] (and
/// whether that was all of them).
fn read(sql: &SqlStorage, range: &DayRange) -> ApiResult<(Vec<ChatFacts>, bool)> {
    let found: Vec<BodyRow> = rows(
        sql,
        "SELECT body FROM chat_facts WHERE created_at >= ? AND created_at < ? \
         ORDER BY created_at LIMIT ?",
        vec![
            int(range.start.0),
            int(range.end.0),
            int(MAX_CONVERSATIONS + 1),
        ],
    )?;
    let complete = (found.len() as u64) <= MAX_CONVERSATIONS;
    let facts = found
        .iter()
        .take(MAX_CONVERSATIONS as usize)
        .map(|r| serde_json::from_str(&r.body))
        .collect::<Result<Vec<ChatFacts>, _>>()?;
    Ok((facts, complete))
}

/// `?from=YYYY-MM-DD&to=YYYY-MM-DD` (both included), or `?days=N` ending today; local dates in
/// the workspace's zone. Bad or too long ranges are a 422 with the reason.
pub fn answer(sql: &SqlStorage, req: &Request, now: Millis) -> ApiResult<Report> {
    let zone = ReportZone::of(&store::settings(sql)?);
    let range = range_of(
        query_param(req, "from"),
        query_param(req, "to"),
        query_param(req, "days"),
        now,
        &zone,
    )?;
    let (facts, complete) = read(sql, &range)?;
    let mut report = aggregate(&facts, &range, &zone);
    report.complete = complete;
    let names: BTreeMap<String, String> = store::agents(sql)?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    for row in &mut report.agents {
        row.name = names.get(row.agent.as_str()).cloned().unwrap_or_default();
    }
    Ok(report)
}

fn range_of(
    from: Option<String>,
    to: Option<String>,
    days: Option<String>,
    now: Millis,
    zone: &ReportZone,
) -> ApiResult<DayRange> {
    let refused = |e: parlor_core::report::RangeError| ApiError::Unprocessable(e.to_string());
    match (from, to, days) {
        (Some(from), Some(to), None) => DayRange::parse(&from, &to, zone).map_err(refused),
        (None, None, days) => {
            let days = match days {
                None => 7,
                Some(d) => d.parse::<u32>().map_err(|_| {
                    ApiError::Unprocessable("days must be a whole number from 1 to 92".into())
                })?,
            };
            DayRange::last(days, now, zone).map_err(refused)
        }
        _ => Err(ApiError::Unprocessable(
            "give both from and to (YYYY-MM-DD), or days, not both".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = Millis(1_780_000_000_000);

    fn message(r: ApiResult<DayRange>) -> String {
        match r {
            Err(ApiError::Unprocessable(m)) => m,
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn a_range_is_from_and_to_or_the_last_days() {
        let z = ReportZone::utc();
        let s = |v: &str| Some(v.to_owned());
        let r = range_of(s("2026-03-01"), s("2026-03-07"), None, NOW, &z).expect("range");
        assert_eq!(r.dates().len(), 7);
        let r = range_of(None, None, s("30"), NOW, &z).expect("range");
        assert_eq!(r.dates().len(), 30);
        let r = range_of(None, None, None, NOW, &z).expect("range");
        assert_eq!(r.dates().len(), 7);
    }

    #[test]
    fn a_bad_range_says_why() {
        let z = ReportZone::utc();
        let s = |v: &str| Some(v.to_owned());
        let m = message(range_of(s("2026-01-01"), s("2026-06-01"), None, NOW, &z));
        assert!(m.contains("at most 92 days"), "{m}");
        let m = message(range_of(s("2026-13-01"), s("2026-12-01"), None, NOW, &z));
        assert!(m.contains("YYYY-MM-DD"), "{m}");
        let m = message(range_of(s("2026-01-01"), None, None, NOW, &z));
        assert!(m.contains("both from and to"), "{m}");
        let m = message(range_of(None, None, s("a week"), NOW, &z));
        assert!(m.contains("1 to 92"), "{m}");
        let m = message(range_of(None, None, s("400"), NOW, &z));
        assert!(m.contains("1 to 92"), "{m}");
    }
}
