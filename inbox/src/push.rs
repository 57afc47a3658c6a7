//! Web Push for the inbox: the service worker (`/inbox-sw.js`) and this browser's push
//! subscription, stored with the server so offers reach the agent when no inbox tab is open
//! (docs/protocol.md, "Web Push"). Signing out drops it, so a shared computer stops getting
//! someone's offers.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{PushSubscription, PushSubscriptionOptionsInit, RegistrationOptions};

use crate::api::{call, ws_path};
use crate::dom::window;
use crate::error::InboxError;
use crate::json::get_str;

fn supported() -> bool {
    let Ok(w) = window() else { return false };
    let has = |o: &JsValue, k: &str| js_sys::Reflect::has(o, &k.into()).unwrap_or(false);
    has(&w.navigator(), "serviceWorker") && has(&w, "PushManager")
}

async fn registration() -> Result<web_sys::ServiceWorkerRegistration, InboxError> {
    let opts = RegistrationOptions::new();
    opts.set_scope("/inbox");
    let sw = window()?.navigator().service_worker();
    let reg = JsFuture::from(sw.register_with_options("/inbox-sw.js", &opts)).await?;
    Ok(reg.unchecked_into())
}

/// Subscribes this browser and stores the subscription for the signed-in agent. `Ok(false)`:
/// this browser or server offers no push (notifications then need an open tab).
pub async fn on(ws: &str, token: &str) -> Result<bool, InboxError> {
    if !supported() {
        return Ok(false);
    }
    let key = match call("GET", "/api/push/key", None, None).await {
        Ok(v) => get_str(&v, "public_key"),
        Err(_) => return Ok(false),
    };
    let pm = registration().await?.push_manager()?;
    let init = PushSubscriptionOptionsInit::new();
    init.set_user_visible_only(true);
    init.set_application_server_key(&JsValue::from_str(&key));
    let sub: PushSubscription = JsFuture::from(pm.subscribe_with_options(&init)?)
        .await?
        .unchecked_into();
    let body = js_sys::JSON::stringify(&sub.to_json()?.into())?;
    call(
        "PUT",
        &ws_path(ws, "me/push"),
        Some(token),
        body.as_string(),
    )
    .await?;
    Ok(true)
}

/// Forgets this browser's subscription, here and on the server.
pub async fn off(ws: &str, token: &str) -> Result<(), InboxError> {
    if !supported() {
        return Ok(());
    }
    let pm = registration().await?.push_manager()?;
    let sub = JsFuture::from(pm.get_subscription()?).await?;
    let Some(sub) = sub.dyn_ref::<PushSubscription>() else {
        return Ok(());
    };
    let endpoint = String::from(js_sys::encode_uri_component(&sub.endpoint()));
    let _ = JsFuture::from(sub.unsubscribe()?).await;
    let path = ws_path(ws, "me/push?endpoint=") + &endpoint;
    call("DELETE", &path, Some(token), None).await?;
    Ok(())
}
