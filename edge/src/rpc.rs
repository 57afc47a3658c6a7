//! Calls from the Worker to the Durable Objects: requests to a fixed internal host carrying the
//! caller's identity (objects are not reachable from outside, so these paths are private), and
//! the stubs of both classes. Calls between objects are RPC methods (`crate::internal`).

use wasm_bindgen::JsValue;
use worker::{Env, Headers, Method, Request, RequestInit, Stub};

use crate::error::ApiResult;
use crate::identity::{Identity, IDENTITY_HEADER};

const INTERNAL_ORIGIN: &str = "https://parlor.internal";

pub fn workspace_stub(env: &Env, workspace: &str) -> ApiResult<Stub> {
    Ok(env
        .durable_object("WORKSPACE")?
        .id_from_name(&format!("ws:{workspace}"))?
        .get_stub()?)
}

pub fn conversation_stub(env: &Env, conversation: &str) -> ApiResult<Stub> {
    Ok(env
        .durable_object("CONVERSATION")?
        .id_from_name(&format!("c:{conversation}"))?
        .get_stub()?)
}

/// Builds a request to an object, carrying the caller's identity.
pub fn internal_request(
    method: Method,
    path: &str,
    identity: &Identity,
    body: Option<String>,
    headers: Option<&Headers>,
) -> ApiResult<Request> {
    let h = headers.cloned().unwrap_or_default();
    h.set(IDENTITY_HEADER, &serde_json::to_string(identity)?)?;
    if body.is_some() {
        h.set("content-type", "application/json")?;
    }
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(h);
    if let Some(b) = body {
        init.with_body(Some(JsValue::from_str(&b)));
    }
    Ok(Request::new_with_init(
        &format!("{INTERNAL_ORIGIN}{path}"),
        &init,
    )?)
}

/// The identity the Worker attached to a request reaching an object.
pub fn identity_of(req: &Request) -> Identity {
    req.headers()
        .get(IDENTITY_HEADER)
        .ok()
        .flatten()
        .and_then(|h| serde_json::from_str(&h).ok())
        .unwrap_or(Identity::Anonymous)
}
