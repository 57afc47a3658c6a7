//! Parlor's edge function: a stateless Worker in front of two Durable Object classes.
//! See ARCHITECTURE.md for the map. This is the only crate that depends on `worker`.

mod alarm;
mod allow;
mod at_once;
mod conversation;
mod crypto;
mod durable_echo;
mod echo;
mod error;
mod guards;
mod http;
mod identity;
mod internal;
mod mailer;
mod open_sockets;
mod owed;
mod password;
mod peers;
mod pictures;
pub mod push;
mod routes;
mod rpc;
mod secrets;
mod signin;
mod sql;
mod validate;
mod webhooks;
mod workspace;

pub use conversation::ConversationDO;
pub use durable_echo::DurableEchoDO;
pub use echo::EchoDO;
pub use webhooks::WebhookDO;
pub use workspace::WorkspaceDO;

use worker::{event, Context, Env, Request, Response};

/// The platform clock, read only at the edge of the system and passed into core as data.
pub fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    Ok(routes::handle(req, env, now_ms()).await)
}
