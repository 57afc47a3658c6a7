//! The HTTP API: `fetch` with the session's bearer token; errors become [`InboxError::Api`]
//! with the server's message, or a sentence a person understands.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

use crate::dom::window;
use crate::error::InboxError;
use crate::json::get_str;

/// `method path` with an optional JSON body; the parsed JSON answer.
pub async fn call(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> Result<JsValue, InboxError> {
    call_with(method, path, token, body, &[]).await
}

/// Like [`call`] with extra request headers (`If-Match`, …).
pub async fn call_with(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
    extra: &[(&str, &str)],
) -> Result<JsValue, InboxError> {
    let headers = Headers::new()?;
    for (k, v) in extra {
        headers.set(k, v)?;
    }
    if let Some(t) = token {
        headers.set("authorization", &format!("Bearer {t}"))?;
    }
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(b) = body {
        headers.set("content-type", "application/json")?;
        init.set_body(&JsValue::from_str(&b));
    }
    init.set_headers(&headers);
    fetch(path, &init).await
}

/// `PUT path` with a file (a `Blob`) as the body, sent with its own type.
#[cfg(feature = "agent")]
pub async fn put_file(path: &str, token: &str, file: &JsValue) -> Result<JsValue, InboxError> {
    let headers = Headers::new()?;
    headers.set("authorization", &format!("Bearer {token}"))?;
    let kind = js_sys::Reflect::get(file, &JsValue::from_str("type"))
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    if !kind.is_empty() {
        headers.set("content-type", &kind)?;
    }
    let init = RequestInit::new();
    init.set_method("PUT");
    init.set_body(file);
    init.set_headers(&headers);
    fetch(path, &init).await
}

async fn fetch(path: &str, init: &RequestInit) -> Result<JsValue, InboxError> {
    let req = Request::new_with_str_and_init(path, init)?;
    let resp: Response = JsFuture::from(window()?.fetch_with_request(&req))
        .await
        .map_err(|_| InboxError::Network)?
        .unchecked_into();
    let status = resp.status();
    let text = JsFuture::from(resp.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    let json = if text.is_empty() {
        JsValue::NULL
    } else {
        js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL)
    };
    if resp.ok() {
        return Ok(json);
    }
    let code = get_str(&json, "error");
    let mut message = get_str(&json, "message");
    if message.is_empty() {
        message = match status {
            401 => "Your session has ended. Please sign in again.".into(),
            403 => "You do not have access to this.".into(),
            404 => "Not found.".into(),
            413 => "This file is too large.".into(),
            _ => format!("The server answered {status}. Please try again."),
        };
    }
    Err(InboxError::Api {
        status,
        code,
        message,
        body: json,
    })
}

#[cfg(feature = "admin")]
/// Like [`call`] with a JS value as the JSON body.
pub async fn send_js(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &JsValue,
) -> Result<JsValue, InboxError> {
    call(method, path, token, Some(crate::json::stringify_js(body)?)).await
}

/// `/api/workspaces/{ws}/{rest}`.
pub fn ws_path(ws: &str, rest: &str) -> String {
    let mut p = String::from("/api/workspaces/");
    p.push_str(&String::from(js_sys::encode_uri_component(ws)));
    if !rest.is_empty() {
        p.push('/');
        p.push_str(rest);
    }
    p
}

/// `ws(s)://host/api/workspaces/{ws}/{rest}?token=…`.
pub fn socket_url(ws: &str, rest: &str, token: &str) -> Result<String, InboxError> {
    let loc = window()?.location();
    let scheme = if loc.protocol()? == "https:" {
        "wss://"
    } else {
        "ws://"
    };
    let mut u = String::from(scheme);
    u.push_str(&loc.host()?);
    u.push_str(&ws_path(ws, rest));
    u.push_str("?token=");
    u.push_str(&String::from(js_sys::encode_uri_component(token)));
    Ok(u)
}
