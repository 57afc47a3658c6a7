//! Cursor pagination of the admin lists (conversations, audit, outbox): `?limit=` (1–200,
//! default 200) and an opaque `?cursor=`; the body stays a plain array, newest first, and a
//! `Link: <…>; rel="next"` header (RFC 8288) names the next page while there may be one.

use worker::{Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::http::json_response;

pub const MAX_LIMIT: u64 = 200;

/// Where a page starts: strictly after this (time or sequence number, key) in newest-first
/// order. Logs use the sequence number alone (an empty key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub at: u64,
    pub key: String,
}

impl After {
    /// `<at>` or `<at>.<key>`.
    pub fn encode(&self) -> String {
        if self.key.is_empty() {
            self.at.to_string()
        } else {
            format!("{}.{}", self.at, self.key)
        }
    }

    fn decode(s: &str) -> Option<After> {
        let (at, key) = s.split_once('.').unwrap_or((s, ""));
        Some(After {
            at: at.parse().ok()?,
            key: key.to_owned(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u64,
    pub after: Option<After>,
}

/// The page asked for by the query string; refused in words when malformed.
pub fn from_query<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> ApiResult<PageRequest> {
    let mut page = PageRequest {
        limit: MAX_LIMIT,
        after: None,
    };
    for (k, v) in pairs {
        match k {
            "limit" => {
                page.limit = v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        ApiError::BadRequest(format!(
                            "limit must be a number from 1 to {MAX_LIMIT}"
                        ))
                    })?;
            }
            "cursor" if !v.is_empty() => {
                page.after = Some(After::decode(v).ok_or_else(|| {
                    ApiError::BadRequest(
                        "cursor is not one this list gave (use the Link header's next page)".into(),
                    )
                })?);
            }
            _ => {}
        }
    }
    Ok(page)
}

pub fn of(req: &Request) -> ApiResult<PageRequest> {
    let url = req.url()?;
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    from_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// The public URL of the next page: this list's path and query with `cursor` replaced.
pub fn next_link(workspace: &str, req: &Request, next: &After) -> ApiResult<String> {
    let url = req.url()?;
    let list = url.path().trim_start_matches("/api/");
    let mut next_url = url.clone();
    next_url
        .query_pairs_mut()
        .clear()
        .extend_pairs(url.query_pairs().filter(|(k, _)| k != "cursor"))
        .append_pair("cursor", &next.encode());
    let query = next_url.query().unwrap_or_default();
    Ok(format!(
        "</api/workspaces/{workspace}/{list}?{query}>; rel=\"next\""
    ))
}

/// A 200 with the page's items and, when `next` is given, its `Link` header.
pub fn respond<T: serde::Serialize>(
    items: &[T],
    workspace: &str,
    req: &Request,
    next: Option<&After>,
) -> ApiResult<Response> {
    let resp = json_response(&items, 200);
    let Some(next) = next else {
        return Ok(resp);
    };
    let headers = resp.headers().clone();
    headers.set("link", &next_link(workspace, req, next)?)?;
    Ok(resp.with_headers(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_the_largest_page() {
        assert_eq!(
            from_query([]).expect("valid"),
            PageRequest {
                limit: 200,
                after: None
            }
        );
    }

    #[test]
    fn reads_limit_and_cursor() {
        let p = from_query([("limit", "50"), ("cursor", "1700.abc")]).expect("valid");
        assert_eq!(p.limit, 50);
        assert_eq!(
            p.after,
            Some(After {
                at: 1700,
                key: "abc".into()
            })
        );
        let p = from_query([("cursor", "42")]).expect("valid");
        assert_eq!(
            p.after,
            Some(After {
                at: 42,
                key: String::new()
            })
        );
    }

    #[test]
    fn a_cursor_round_trips() {
        for after in [
            After {
                at: 9,
                key: "k.with.dots".into(),
            },
            After {
                at: 10,
                key: String::new(),
            },
        ] {
            assert_eq!(After::decode(&after.encode()), Some(after));
        }
    }

    #[test]
    fn refuses_bad_limits_and_cursors() {
        for (k, v) in [
            ("limit", "0"),
            ("limit", "201"),
            ("limit", "ten"),
            ("cursor", "x.y"),
        ] {
            let err = from_query([(k, v)]).expect_err("refused");
            assert_eq!(err.status(), 400, "{k}={v}");
        }
    }
}
