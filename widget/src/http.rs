//! `POST {base}/api/visitor/conversations`: start or resume the conversation.

use parlor_core::ConversationId;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

use crate::error::WidgetError;
use crate::model::{Msg, WidgetSettings};
use crate::wire::{field, object, Obj};

/// Starts (or resumes with `token`) and turns the answer into a message for `update`.
pub async fn start(base: String, workspace: String, token: Option<String>) -> Msg {
    match request(&base, &workspace, token.as_deref()).await {
        Ok(msg) => msg,
        Err(e) => {
            crate::error::log(e);
            Msg::StartFailed { status: 0 }
        }
    }
}

/// Reads whether someone can chat now; `None` (nothing shown) when the read fails.
pub async fn availability(base: String, workspace: String) -> Option<Msg> {
    let win = web_sys::window()?;
    let mut url = String::from(base.trim_end_matches('/'));
    url.push_str("/api/visitor/availability?workspace=");
    url.push_str(&String::from(js_sys::encode_uri_component(&workspace)));
    let resp: Response = JsFuture::from(win.fetch_with_str(&url))
        .await
        .ok()?
        .unchecked_into();
    if !resp.ok() {
        return None;
    }
    let json = JsFuture::from(resp.json().ok()?).await.ok()?;
    let can_chat = crate::wire::object(&json, "can_chat").as_bool()?;
    Some(Msg::Availability { can_chat })
}

async fn request(base: &str, workspace: &str, token: Option<&str>) -> Result<Msg, WidgetError> {
    let win = web_sys::window().ok_or(WidgetError::Missing("window"))?;
    let mut body = Obj::new()
        .set("workspace", workspace)
        .set("page_url", win.location().href()?)
        .set("language", win.navigator().language().unwrap_or_default());
    if let Some(t) = token {
        body = body.set("token", t);
    }
    let headers = Headers::new()?;
    headers.set("content-type", "application/json")?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&body.into_json()?));
    let mut url = String::from(base.trim_end_matches('/'));
    url.push_str("/api/visitor/conversations");
    let req = Request::new_with_str_and_init(&url, &init)?;
    let resp: Response = JsFuture::from(win.fetch_with_request(&req))
        .await?
        .unchecked_into();
    if !resp.ok() {
        return Ok(Msg::StartFailed {
            status: resp.status(),
        });
    }
    let json = JsFuture::from(resp.json()?).await?;
    let (Some(conversation), Some(token)) = (field(&json, "conversation"), field(&json, "token"))
    else {
        return Err(WidgetError::Data("conversation"));
    };
    let w = object(&json, "widget");
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
