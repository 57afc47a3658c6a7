//! `POST {base}/api/visitor/conversations` (start or resume the conversation) and
//! `GET {base}/api/visitor/availability`.
//!
//! Promise callbacks rather than `async`: an executor and the futures' state machines cost the
//! widget ~2 KB gzipped, for two requests of two steps each.

use js_sys::{Array, Promise};
use parlor_core::ConversationId;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::app::{dispatch, Sh};
use crate::dom::{fetch, global};
use crate::error::{log, WidgetError};
use crate::model::{Msg, WidgetSettings};
use crate::wire::{field, object, Obj};

#[wasm_bindgen]
extern "C" {
    /// A promise seen only as something with `then(f)`, taking a plain JS function (js-sys's
    /// binding wants a typed closure).
    type Thenable;
    #[wasm_bindgen(method)]
    fn then(this: &Thenable, f: &JsValue);
    /// A fetch's response, for its `json()`: a fresh body is read once, so it never throws
    /// (a body that is not JSON rejects).
    type Body;
    #[wasm_bindgen(method)]
    fn json(this: &Body) -> Promise;
}

/// What to do with a settled promise: its value, or `None` when it rejected.
type Then = Box<dyn FnOnce(Option<JsValue>)>;

/// Calls `then` once `p` settles. `Promise.allSettled` turns a rejection into a value, so one
/// callback (of one type for every call) sees both outcomes.
fn settle(p: &Promise, then: Then) {
    let cb = Closure::once_into_js(move |results: JsValue| {
        let r = results.unchecked_ref::<Array>().get(0);
        let fulfilled = object(&r, "status").as_string().as_deref() == Some("fulfilled");
        then(fulfilled.then(|| object(&r, "value")));
    });
    Promise::all_settled(&Array::of1(p))
        .unchecked_ref::<Thenable>()
        .then(&cb);
}

/// Fetches `req`; `then` gets the response's status and, for a 2xx, its JSON (`None` when the
/// network or the JSON failed: status 0).
fn fetch_json(req: Promise, then: Box<dyn FnOnce(u16, Option<JsValue>)>) {
    settle(
        &req,
        Box::new(move |resp| {
            let Some(resp) = resp else {
                return then(0, None);
            };
            // `ok` and `status` read as properties (no `Response` bindings for them).
            let status = object(&resp, "status").as_f64().unwrap_or(0.0) as u16;
            if object(&resp, "ok").as_bool() != Some(true) {
                return then(status, None);
            }
            let json = resp.unchecked_ref::<Body>().json();
            settle(&json, Box::new(move |json| then(status, json)));
        }),
    );
}

/// Starts (or resumes with `token`); the answer comes back to `update` as a message.
pub fn start(
    app: Sh,
    base: &str,
    workspace: &str,
    token: Option<&str>,
    key: &str,
    identity: JsValue,
) {
    let req = match request(base, workspace, token, key, identity) {
        Ok(req) => req,
        Err(e) => {
            log(e);
            return dispatch(app, Msg::StartFailed { status: 0 });
        }
    };
    fetch_json(
        req,
        Box::new(move |status, json| {
            let msg = match (status, json) {
                (200..=299, Some(json)) => started(&json).unwrap_or_else(|e| {
                    log(e);
                    Msg::StartFailed { status: 0 }
                }),
                (200..=299, None) => Msg::StartFailed { status: 0 },
                (status, _) => Msg::StartFailed { status },
            };
            dispatch(app, msg);
        }),
    );
}

/// Reads whether someone can chat now at `url`, the loader's own read for this page (so the
/// browser's cache answers while that is fresh); nothing is shown when the read fails.
pub fn availability(app: Sh, url: &str) {
    fetch_json(
        // The start's binding, with no init: one `fetch` import for both requests.
        fetch(url, &JsValue::UNDEFINED),
        Box::new(move |_, json| {
            if let Some(can_chat) = json.and_then(|j| object(&j, "can_chat").as_bool()) {
                dispatch(app, Msg::Availability { can_chat });
            }
        }),
    );
}

/// How long a start may take before the widget gives up and offers Retry: well past a cold
/// start's seconds.
const START_TIMEOUT_MS: u32 = 20_000;

/// The `fetch` of the start request.
fn request(
    base: &str,
    workspace: &str,
    token: Option<&str>,
    key: &str,
    identity: JsValue,
) -> Result<Promise, WidgetError> {
    let href = field(&global("location"), "href").ok_or(WidgetError::Missing("location"))?;
    let mut body = Obj::new()
        .set("workspace", workspace)
        .set("page_url", href)
        .set(
            "language",
            field(&global("navigator"), "language").unwrap_or_default(),
        )
        .set("start", key);
    if let Some(t) = token {
        body = body.set("token", t);
    }
    if identity.is_object() {
        body = body.set("identity", identity);
    }
    // The `RequestInit` as a plain object (web-sys's setters each cost the widget a binding).
    // A start that hangs (a stalled network) fails like any other, with Retry, instead of
    // leaving "Loading…" up for good.
    let init = Obj::new()
        .set("method", "POST")
        .set(
            "headers",
            Obj::new().set("content-type", "application/json").into_js(),
        )
        .set("body", body.into_json()?)
        .set(
            "signal",
            web_sys::AbortSignal::timeout_with_u32(START_TIMEOUT_MS),
        );
    let mut url = String::from(base);
    url.push_str("/api/visitor/conversations");
    Ok(fetch(&url, &init.into_js()))
}

/// The start answer: `{conversation, token, widget: {color, position, language}}`.
fn started(json: &JsValue) -> Result<Msg, WidgetError> {
    let (Some(conversation), Some(token)) = (field(json, "conversation"), field(json, "token"))
    else {
        return Err(WidgetError::Data("conversation"));
    };
    let w = object(json, "widget");
    let widget = WidgetSettings {
        color: field(&w, "color"),
        position: field(&w, "position"),
        language: field(&w, "language"),
    };
    Ok(Msg::Started {
        conversation: ConversationId(conversation),
        token,
        widget,
    })
}
