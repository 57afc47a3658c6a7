//! Every way an API call can fail, and how each becomes an HTTP response with a JSON body.

use parlor_core::dialogue::Issue;
use serde::Serialize;
use worker::Response;

use crate::http::Reply;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized,
    #[error("you may not access this resource")]
    Forbidden,
    /// Forbidden, with the reason in words (403 `forbidden`).
    #[error("{0}")]
    ForbiddenBecause(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// A value already taken, in words (409 `conflict`): a canned reply's shortcut.
    #[error("{0}")]
    Taken(String),
    #[error("request body larger than {0} bytes")]
    TooLarge(usize),
    #[error("the dialogue has errors")]
    InvalidDialogue(Vec<Issue>),
    /// A save made on a version of the dialogue that is no longer the stored one (`If-Match`,
    /// `If-None-Match`); what changed, in words.
    #[error("This dialogue was changed since you opened it ({0}). Reload it to see the changes.")]
    Changed(String),
    #[error("{0}")]
    Unprocessable(String),
    /// A documented path asked with a method it does not take; the methods it takes (sent as
    /// `Allow`).
    #[error("method not allowed; this path takes {}", .0.join(", "))]
    MethodNotAllowed(Vec<String>),
    /// Too many requests; a client may retry in a second (sent as `Retry-After: 1`). Where the
    /// wait is known, [`ApiError::RetryAfter`] says it.
    #[error("too many requests; retry in a moment")]
    RateLimited,
    /// Too many attempts: retry after this many seconds (sent as `Retry-After`).
    #[error("too many attempts; retry in {0} seconds")]
    RetryAfter(u64),
    /// A platform secret is missing or too weak: every request is refused until it is fixed.
    #[error("the server is misconfigured: {0}")]
    Misconfigured(String),
    #[error("origin not allowed for this workspace")]
    OriginNotAllowed,
    /// The conversation was erased (the visitor's right to be forgotten); it never comes back.
    #[error("This conversation was erased. Its messages and details are gone.")]
    Erased,
    /// A visitor identity that is malformed (400) or, where verification is required, not
    /// verified (403).
    #[error("{0}")]
    Identity(#[from] parlor_core::identity::IdentityError),
    /// A feature the operator has not configured on this server (503 `unavailable`).
    #[error("{0}")]
    Unavailable(String),
    /// An object that serves the request is overloaded or restarting (the platform marks such
    /// a failed call retryable): 503 `busy` with `Retry-After: 1`, so a client tries again
    /// rather than giving up on a 500. The detail is logged, never sent.
    #[error("busy; retry in a moment")]
    Busy(String),
    #[error("internal error")]
    Internal(String),
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::Internal(e.to_string())
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    issues: Option<&'a [Issue]>,
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest(_) => 400,
            ApiError::Unauthorized => 401,
            ApiError::Forbidden | ApiError::ForbiddenBecause(_) | ApiError::OriginNotAllowed => 403,
            ApiError::Identity(e) if e.code() == "identity_not_verified" => 403,
            ApiError::Identity(_) => 400,
            ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed(_) => 405,
            ApiError::Conflict(_) | ApiError::Taken(_) => 409,
            ApiError::Erased => 410,
            ApiError::Changed(_) => 412,
            ApiError::TooLarge(_) => 413,
            ApiError::InvalidDialogue(_) | ApiError::Unprocessable(_) => 422,
            ApiError::RateLimited | ApiError::RetryAfter(_) => 429,
            ApiError::Internal(_) | ApiError::Misconfigured(_) => 500,
            ApiError::Unavailable(_) | ApiError::Busy(_) => 503,
        }
    }

    /// A stable machine-readable code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden | ApiError::ForbiddenBecause(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::Conflict(_) | ApiError::Taken(_) => "conflict",
            ApiError::TooLarge(_) => "too_large",
            ApiError::InvalidDialogue(_) => "invalid_dialogue",
            ApiError::Changed(_) => "changed",
            ApiError::Unprocessable(_) => "unprocessable",
            ApiError::RateLimited | ApiError::RetryAfter(_) => "rate_limited",
            ApiError::OriginNotAllowed => "origin_not_allowed",
            ApiError::Misconfigured(_) => "misconfigured",
            ApiError::Erased => "conversation_erased",
            ApiError::Identity(e) => e.code(),
            ApiError::Internal(_) => "internal",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Busy(_) => "busy",
        }
    }

    pub fn to_response(&self) -> Response {
        self.to_reply().into_response()
    }

    /// The response in parts (what an object answers a Worker's RPC call with); an internal
    /// or configuration error is logged where it happened.
    pub fn to_reply(&self) -> Reply {
        match self {
            ApiError::Internal(detail) => worker::console_error!("internal error: {detail}"),
            ApiError::Busy(detail) => worker::console_error!("busy: {detail}"),
            ApiError::Misconfigured(what) => worker::console_error!("misconfigured: {what}"),
            _ => {}
        }
        let issues = match self {
            ApiError::InvalidDialogue(issues) => Some(issues.as_slice()),
            _ => None,
        };
        let body = ErrorBody {
            error: self.code(),
            message: self.to_string(),
            issues,
        };
        Reply {
            status: self.status(),
            body: serde_json::to_string(&body).unwrap_or_else(|_| "{}".to_owned()),
            header: self.header(),
        }
    }

    /// The one header some refusals carry.
    fn header(&self) -> Option<(String, String)> {
        match self {
            ApiError::RetryAfter(secs) => {
                Some(("retry-after".to_owned(), secs.max(&1).to_string()))
            }
            ApiError::RateLimited | ApiError::Busy(_) => {
                Some(("retry-after".to_owned(), "1".to_owned()))
            }
            ApiError::MethodNotAllowed(methods) => Some(("allow".to_owned(), methods.join(", "))),
            _ => None,
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    //! A refusal crosses the Worker → workspace RPC call as a `Reply`: its status, body and
    //! header must survive the trip as the response a client reads.

    use super::*;

    fn round_trip(e: &ApiError) -> (Reply, serde_json::Value) {
        let text = serde_json::to_string(&e.to_reply()).unwrap();
        let reply: Reply = serde_json::from_str(&text).unwrap();
        let body = serde_json::from_str(&reply.body).unwrap();
        (reply, body)
    }

    #[test]
    fn a_rate_limit_keeps_its_status_code_words_and_retry_after() {
        let (reply, body) = round_trip(&ApiError::RetryAfter(6));
        assert_eq!(reply.status, 429);
        assert_eq!(body["error"], "rate_limited");
        assert_eq!(body["message"], "too many attempts; retry in 6 seconds");
        assert_eq!(reply.header, Some(("retry-after".into(), "6".into())));
        // Never "retry in 0 seconds" on the wire.
        let (reply, _) = round_trip(&ApiError::RetryAfter(0));
        assert_eq!(reply.header, Some(("retry-after".into(), "1".into())));
    }

    #[test]
    fn a_refused_origin_or_missing_workspace_carries_no_extra_header() {
        let (reply, body) = round_trip(&ApiError::OriginNotAllowed);
        assert_eq!((reply.status, reply.header), (403, None));
        assert_eq!(body["error"], "origin_not_allowed");
        let (reply, body) = round_trip(&ApiError::NotFound("workspace"));
        assert_eq!(reply.status, 404);
        assert_eq!(body["message"], "workspace not found");
    }

    #[test]
    fn a_busy_object_asks_to_retry_in_a_second_and_keeps_its_detail_to_the_log() {
        let e = ApiError::Busy("start call failed: Durable Object is overloaded".into());
        assert_eq!((e.status(), e.code()), (503, "busy"));
        assert_eq!(e.header(), Some(("retry-after".into(), "1".into())));
        assert_eq!(e.to_string(), "busy; retry in a moment");
    }

    #[test]
    fn a_wrong_method_names_the_allowed_ones() {
        let (reply, _) = round_trip(&ApiError::MethodNotAllowed(vec![
            "GET".into(),
            "POST".into(),
        ]));
        assert_eq!(reply.status, 405);
        assert_eq!(reply.header, Some(("allow".into(), "GET, POST".into())));
    }
}
