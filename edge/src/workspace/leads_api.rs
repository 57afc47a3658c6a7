//! `GET /api/workspaces/{ws}/leads` (a page, newest first) and `GET …/leads.csv` (the export,
//! same filters). Admins only; the filters and the CSV are the core's.

use parlor_core::lead::filter::{Cursor, LeadFilter, MAX_EXPORT, PAGE_SIZE};
use parlor_core::lead::{csv, Lead};
use serde::Serialize;
use worker::{Headers, Request, Response, ResponseBuilder};

use crate::error::{ApiError, ApiResult};
use crate::http::ok;
use crate::workspace::access::{require_admin, Caller};
use crate::workspace::{leads, WorkspaceDO};

/// A page of the list.
#[derive(Serialize)]
struct Page {
    leads: Vec<LeadView>,
    /// Pass as `cursor` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// A lead as the API shows it (without the bookkeeping of counted conversations).
#[derive(Serialize)]
struct LeadView {
    #[serde(flatten)]
    lead: Lead,
    outcome_text: String,
}

/// A lead as the API shows it, for the `lead.created` webhook.
pub(super) fn lead_json(lead: Lead) -> ApiResult<serde_json::Value> {
    Ok(serde_json::to_value(view(lead))?)
}

fn view(mut lead: Lead) -> LeadView {
    lead.recent = Vec::new();
    LeadView {
        outcome_text: lead.outcome.describe(),
        lead,
    }
}

/// The filters and the cursor from the query string; refused in words when malformed.
fn query(req: &Request) -> ApiResult<(LeadFilter, Option<Cursor>)> {
    let url = req.url()?;
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let filter = LeadFilter::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let cursor = match pairs.iter().find(|(k, _)| k == "cursor") {
        Some((_, c)) if !c.is_empty() => {
            Some(Cursor::decode(c).map_err(|e| ApiError::BadRequest(e.to_string()))?)
        }
        _ => None,
    };
    Ok((filter, cursor))
}

impl WorkspaceDO {
    pub(super) fn leads_page(&self, req: &Request, who: &Caller) -> ApiResult<Response> {
        require_admin(who)?;
        let (filter, cursor) = query(req)?;
        let (found, next) = leads::page(&self.sql, &filter, cursor.as_ref(), PAGE_SIZE)?;
        ok(&Page {
            leads: found.into_iter().map(view).collect(),
            next_cursor: next.map(|c| c.encode()),
        })
    }

    pub(super) fn leads_csv(&self, req: &Request, who: &Caller) -> ApiResult<Response> {
        require_admin(who)?;
        let (filter, cursor) = query(req)?;
        let (found, _) = leads::page(&self.sql, &filter, cursor.as_ref(), MAX_EXPORT)?;
        let headers = Headers::new();
        headers.set("content-type", "text/csv; charset=utf-8")?;
        headers.set("content-disposition", "attachment; filename=\"leads.csv\"")?;
        headers.set("cache-control", "no-store")?;
        Ok(ResponseBuilder::new()
            .with_status(200)
            .with_headers(headers)
            .fixed(csv::render(&found).into_bytes()))
    }
}
