//! Small HTTP helpers: JSON in and out with size limits, CORS.

use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use worker::{Headers, Request, Response, ResponseBuilder};

use crate::error::{ApiError, ApiResult};

/// Largest JSON body any API accepts. Dialogues are the biggest documents.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub fn json_response<T: Serialize>(body: &T, status: u16) -> Response {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    json_text_response(text, status)
}

/// A response whose body is JSON already written.
pub fn json_text_response(text: String, status: u16) -> Response {
    Reply {
        status,
        body: text,
        header: None,
    }
    .into_response()
}

/// A JSON response in parts: what an object answers a call from the Worker with when that
/// call is an RPC method rather than a request (`crate::internal::start`), and what the
/// Worker then sends.
#[derive(Debug, Serialize, Deserialize)]
pub struct Reply {
    pub status: u16,
    /// The JSON body, as text.
    pub body: String,
    /// The one header some answers carry besides the JSON ones (`retry-after`, `allow`, or a
    /// `cache-control` replacing `no-store`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<(String, String)>,
}

impl Reply {
    pub fn json<T: Serialize>(body: &T, status: u16) -> ApiResult<Reply> {
        Ok(Reply {
            status,
            body: serde_json::to_string(body)?,
            header: None,
        })
    }

    pub fn into_response(self) -> Response {
        let headers = Headers::new();
        // Well-formed static header names and values cannot be rejected; the extra header's
        // are digits or method names.
        let _ = headers.set("content-type", "application/json; charset=utf-8");
        let _ = headers.set("cache-control", "no-store");
        if let Some((name, value)) = &self.header {
            let _ = headers.set(name, value);
        }
        ResponseBuilder::new()
            .with_status(self.status)
            .with_headers(headers)
            .fixed(self.body.into_bytes())
    }
}

pub fn ok<T: Serialize>(body: &T) -> ApiResult<Response> {
    Ok(json_response(body, 200))
}

pub fn created<T: Serialize>(body: &T) -> ApiResult<Response> {
    Ok(json_response(body, 201))
}

/// Reads and parses a JSON body, refusing anything over `limit` bytes or not valid for `T`.
pub async fn read_json<T: DeserializeOwned>(req: &mut Request, limit: usize) -> ApiResult<T> {
    let bytes = read_capped(req, limit).await?;
    decode_json(&bytes, limit)
}

/// Reads a UTF-8 body of at most `limit` bytes (empty when there is none).
pub async fn read_text(req: &mut Request, limit: usize) -> ApiResult<String> {
    let bytes = read_capped(req, limit).await?;
    String::from_utf8(bytes).map_err(|_| ApiError::BadRequest("the body must be UTF-8 JSON".into()))
}

/// Reads at most `limit` bytes of body. A `content-length` over the limit is refused before
/// anything is read (413); without one (a chunked upload) the body is read chunk by chunk and
/// refused as soon as it passes the limit, so nothing larger is ever held in memory.
pub async fn read_capped(req: &mut Request, limit: usize) -> ApiResult<Vec<u8>> {
    let announced = req.headers().get("content-length").ok().flatten();
    if let Some(len) = &announced {
        if announces_too_much(len, limit) {
            return Err(ApiError::TooLarge(limit));
        }
    }
    let unreadable = || ApiError::BadRequest("could not read the request body".into());
    if announced.is_some() || req.inner().body().is_none() {
        let bytes = req.bytes().await.map_err(|_| unreadable())?;
        if bytes.len() > limit {
            return Err(ApiError::TooLarge(limit));
        }
        return Ok(bytes);
    }
    let mut stream = req.stream().map_err(|_| unreadable())?;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| unreadable())?;
        if bytes.len() + chunk.len() > limit {
            return Err(ApiError::TooLarge(limit));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Whether a `content-length` value announces more than `limit` bytes. A value that is not a
/// number announces nothing: the body's real size is checked once read.
fn announces_too_much(content_length: &str, limit: usize) -> bool {
    content_length
        .parse::<usize>()
        .map(|n| n > limit)
        .unwrap_or(false)
}

/// Parses a body already read: over `limit` bytes is `TooLarge`, empty or not valid for `T`
/// is `BadRequest`. Pure, so every endpoint's body rules are unit-tested without a runtime.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8], limit: usize) -> ApiResult<T> {
    if bytes.len() > limit {
        return Err(ApiError::TooLarge(limit));
    }
    if bytes.is_empty() {
        return Err(ApiError::BadRequest("a JSON body is required".into()));
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        name: String,
    }

    #[test]
    fn a_body_within_the_limit_parses() {
        let json = br#"{"name":"acme"}"#;
        let body: Body = decode_json(json, json.len()).expect("exactly at the limit");
        assert_eq!(body.name, "acme");
    }

    #[test]
    fn a_body_over_the_limit_is_too_large() {
        let json = br#"{"name":"acme"}"#;
        let err = decode_json::<Body>(json, json.len() - 1).expect_err("one byte over");
        assert!(matches!(err, ApiError::TooLarge(n) if n == json.len() - 1));
        assert_eq!(err.status(), 413);
        assert_eq!(err.code(), "too_large");
        assert_eq!(
            err.to_string(),
            format!("request body larger than {} bytes", json.len() - 1)
        );
    }

    #[test]
    fn an_empty_body_is_a_bad_request() {
        let err = decode_json::<Body>(b"", 1024).expect_err("empty");
        assert!(matches!(&err, ApiError::BadRequest(m) if m == "a JSON body is required"));
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn malformed_or_misshapen_json_is_a_bad_request() {
        for body in [
            &b"{"[..],
            b"not json",
            br#"{"name":1}"#,
            br#"{"name":"a","extra":true}"#,
        ] {
            let err = decode_json::<Body>(body, 1024).expect_err("refused");
            assert!(
                matches!(&err, ApiError::BadRequest(m) if m.starts_with("invalid JSON: ")),
                "{err:?}"
            );
            assert_eq!(err.code(), "bad_request");
        }
    }

    #[test]
    fn the_size_check_comes_before_parsing() {
        // Garbage over the limit is refused for its size, not parsed.
        let err = decode_json::<Body>(&[b'x'; 65], 64).expect_err("too large");
        assert!(matches!(err, ApiError::TooLarge(64)));
    }

    #[test]
    fn content_length_announcing_too_much() {
        assert!(announces_too_much("1025", 1024));
        assert!(!announces_too_much("1024", 1024));
        assert!(!announces_too_much("0", 1024));
        // Unreadable values are left to the byte count.
        assert!(!announces_too_much("lots", 1024));
        assert!(!announces_too_much("-5", 1024));
        assert!(!announces_too_much("", 1024));
    }
}
