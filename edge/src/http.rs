//! Small HTTP helpers: JSON in and out with size limits, CORS.

use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Headers, Request, Response, ResponseBuilder};

use crate::error::{ApiError, ApiResult};

/// Largest JSON body any API accepts. Dialogues are the biggest documents.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub fn json_response<T: Serialize>(body: &T, status: u16) -> Response {
    let text = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let headers = Headers::new();
    // Well-formed static header names and values cannot be rejected.
    let _ = headers.set("content-type", "application/json; charset=utf-8");
    let _ = headers.set("cache-control", "no-store");
    ResponseBuilder::new()
        .with_status(status)
        .with_headers(headers)
        .fixed(text)
}

pub fn ok<T: Serialize>(body: &T) -> ApiResult<Response> {
    Ok(json_response(body, 200))
}

pub fn created<T: Serialize>(body: &T) -> ApiResult<Response> {
    Ok(json_response(body, 201))
}

/// Reads and parses a JSON body, refusing anything over `limit` bytes or not valid for `T`.
pub async fn read_json<T: DeserializeOwned>(req: &mut Request, limit: usize) -> ApiResult<T> {
    if let Ok(Some(len)) = req.headers().get("content-length") {
        if len.parse::<usize>().map(|n| n > limit).unwrap_or(false) {
            return Err(ApiError::TooLarge(limit));
        }
    }
    let bytes = req
        .bytes()
        .await
        .map_err(|_| ApiError::BadRequest("could not read the request body".into()))?;
    if bytes.len() > limit {
        return Err(ApiError::TooLarge(limit));
    }
    if bytes.is_empty() {
        return Err(ApiError::BadRequest("a JSON body is required".into()));
    }
    serde_json::from_slice(&bytes).map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))
}

/// Adds CORS headers. Visitor endpoints are called from customers' sites; the workspace's
/// allowed-origin list is enforced separately, before any state changes.
pub fn with_cors(resp: Response, origin: Option<&str>) -> Response {
    let headers = resp.headers().clone();
    let _ = headers.set("access-control-allow-origin", origin.unwrap_or("*"));
    let _ = headers.set("vary", "origin");
    let _ = headers.set(
        "access-control-allow-methods",
        "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    );
    let _ = headers.set(
        "access-control-allow-headers",
        "content-type, authorization",
    );
    let _ = headers.set("access-control-max-age", "600");
    resp.with_headers(headers)
}
