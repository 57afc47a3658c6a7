//! One signed POST to a receiver, abandoned after 10 s, redirects not followed. Whatever the
//! receiver does becomes an [`Outcome`]; nothing here can fail the caller.

use std::time::Duration;

use futures_util::future::{select, Either};
use parlor_core::webhooks::delivery::TIMEOUT;
use parlor_core::webhooks::sign::{headers, Secret};
use parlor_core::webhooks::Outcome;
use parlor_core::Millis;
use wasm_bindgen::JsValue;
use worker::{
    AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect,
};

/// What one attempt came to and how long it took.
pub struct Sent {
    pub outcome: Outcome,
    pub duration: Millis,
}

pub async fn post(url: &str, secret: &Secret, message: &str, body: &str) -> Sent {
    let started = crate::now_ms();
    let outcome = attempt(url, secret, message, body, started).await;
    Sent {
        outcome,
        duration: Millis(crate::now_ms().saturating_sub(started)),
    }
}

async fn attempt(url: &str, secret: &Secret, message: &str, body: &str, now: u64) -> Outcome {
    let signed = headers(secret, message, now / 1000, body);
    let request = (|| -> worker::Result<Request> {
        let h = Headers::new();
        h.set("content-type", "application/json")?;
        h.set("user-agent", "Parlor-Webhooks/1")?;
        h.set("webhook-id", &signed.id)?;
        h.set("webhook-timestamp", &signed.timestamp)?;
        h.set("webhook-signature", &signed.signature)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(h)
            .with_redirect(RequestRedirect::Manual)
            .with_body(Some(JsValue::from_str(body)));
        Request::new_with_init(url, &init)
    })();
    let request = match request {
        Ok(r) => r,
        Err(e) => {
            return Outcome::Network {
                error: short(&e.to_string()),
            }
        }
    };
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let sending = Box::pin(fetch.send_with_signal(&signal));
    let timer = Box::pin(Delay::from(Duration::from_millis(TIMEOUT.0)));
    let answer = match select(sending, timer).await {
        Either::Left((answer, _)) => Some(answer),
        Either::Right(_) => None,
    };
    match answer {
        Some(Ok(resp)) => Outcome::Status {
            code: resp.status_code(),
        },
        Some(Err(e)) => Outcome::Network {
            error: short(&e.to_string()),
        },
        None => {
            controller.abort();
            Outcome::Timeout
        }
    }
}

/// Platform errors can be long; the log keeps a line.
fn short(e: &str) -> String {
    e.chars().take(200).collect()
}
