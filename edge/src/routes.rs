//! The stateless Worker: authenticates, checks sizes and shapes, and forwards each request to
//! the Durable Object that owns the data. It never holds state of its own.

use worker::{Env, Headers, Method, Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::http::{json_response, read_text, with_cors, MAX_BODY_BYTES};
use crate::identity::{self, Identity};
use crate::internal::{self, StartCall};
use crate::rpc::{conversation_stub, internal_request, workspace_stub};
use crate::signin::{self, client_network, SIGN_IN_BODY};
use crate::workspace::{split_token, MAX_PAGE_URL};
use crate::{secrets, validate};

/// Largest body of a visitor's conversation start.
const START_BODY: usize = 8 * 1024;

pub const OPENAPI: &str = include_str!("../../docs/openapi.json");

pub async fn handle(mut req: Request, env: Env, now: u64) -> Response {
    let origin = req.headers().get("origin").ok().flatten();
    let path = req.path();
    let is_visitor = path.starts_with("/api/visitor/");
    // Weak or missing secrets: refuse everything, saying which (see docs/security.md).
    let result = match secrets::check(&env) {
        Ok(()) => route(&mut req, &env, &path, now).await,
        Err(e) => Err(e),
    };
    let resp = result.unwrap_or_else(|e| e.to_response());
    // The visitor API is called from customers' pages; WebSocket upgrades need no CORS.
    if is_visitor && resp.status_code() != 101 {
        with_cors(resp, origin.as_deref())
    } else {
        resp
    }
}

async fn route(req: &mut Request, env: &Env, path: &str, now: u64) -> ApiResult<Response> {
    // `worker::Method` reads any method it does not know (QUERY, FOO…) as GET: refuse those
    // before they can reach a GET route (a WebSocket one answered them with a 500).
    // A documented path asked with another method is a 405 naming the methods it takes
    // (visitor paths also answer CORS preflights).
    let raw = req.inner().method();
    if let Some(methods) = crate::allow::allowed(path) {
        let preflight = raw == "OPTIONS" && path.starts_with("/api/visitor/");
        if !preflight && !methods.contains(&raw) {
            return Err(ApiError::MethodNotAllowed(methods.to_vec()));
        }
    } else if !matches!(
        raw.as_str(),
        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS"
    ) {
        return Err(ApiError::NotFound("route"));
    }
    let method = req.method();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match (segs.as_slice(), &method) {
        (["api", "visitor", ..], Method::Options) => Ok(Response::empty()?.with_status(204)),
        (["api", "health"], Method::Get) => {
            Ok(json_response(&serde_json::json!({"ok": true}), 200))
        }
        (["api", "openapi.json"], Method::Get) => {
            let headers = Headers::new();
            headers.set("content-type", "application/json")?;
            Ok(Response::ok(OPENAPI)?.with_headers(headers))
        }
        // The server's VAPID public key: what an inbox subscribes to push with.
        (["api", "push", "key"], Method::Get) => match crate::workspace::push::vapid(env) {
            Some(v) => Ok(json_response(
                &serde_json::json!({ "public_key": v.public_key_b64url() }),
                200,
            )),
            None => Err(ApiError::Unavailable(
                "Web Push is not configured on this server".into(),
            )),
        },
        (["api", "visitor", "conversations"], Method::Post) => start_conversation(req, env).await,
        (["api", "visitor", "ws"], Method::Get) => visitor_socket(req, env).await,
        (["api", "visitor", "availability"], Method::Get) => availability(req, env).await,
        (["api", "workspaces"], Method::Post) => create_workspace(req, env, now).await,
        (["api", "bench", "echo", room], Method::Get) => bench_echo(req, env, "ECHO", room).await,
        (["api", "bench", "durable-echo", room], Method::Get) => {
            bench_echo(req, env, "DURABLE_ECHO", room).await
        }
        (["api", "workspaces", ws, "conversations", conv, "ws"], Method::Get) => {
            agent_socket(req, env, ws, conv, now).await
        }
        (["api", "workspaces", ws, "me", "picture"], Method::Put) => {
            crate::pictures::upload(req, env, ws, now).await
        }
        (["api", "pictures", ws, agent, file], Method::Get) => {
            crate::pictures::serve(env, ws, agent, file).await
        }
        (["api", "workspaces", ws, "sessions"], Method::Post) => {
            signin::sign_in(req, env, ws, now).await
        }
        (["api", "workspaces", ws, "agents"], Method::Post)
        | (["api", "workspaces", ws, "agents", _, "password"], Method::Post) => {
            new_password(req, env, ws, segs.get(3..).unwrap_or(&[]), now).await
        }
        (["api", "workspaces", ws, "agents", agent], Method::Delete) => {
            let resp = to_workspace(req, env, ws, &["agents", agent], now).await?;
            if (200..300).contains(&resp.status_code()) {
                crate::pictures::forget_agent(env, ws, agent).await;
            }
            Ok(resp)
        }
        (["api", "workspaces", ws, rest @ ..], _) if !rest.is_empty() => {
            to_workspace(req, env, ws, rest, now).await
        }
        (["api", ..], _) => Err(ApiError::NotFound("route")),
        _ => Err(ApiError::NotFound("page")),
    }
}

/// Copies a body of at most `limit` bytes so it can be forwarded (`content-length` checked
/// before reading, see `http::read_capped`).
async fn body_text(req: &mut Request, limit: usize) -> ApiResult<Option<String>> {
    if matches!(req.method(), Method::Get | Method::Delete | Method::Head) {
        return Ok(None);
    }
    Ok(Some(read_text(req, limit).await?))
}

fn is_upgrade(req: &Request) -> bool {
    req.headers()
        .get("upgrade")
        .ok()
        .flatten()
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

async fn create_workspace(req: &mut Request, env: &Env, now: u64) -> ApiResult<Response> {
    if identity::resolve(req, env, now)? != Identity::Operator {
        return Err(ApiError::Unauthorized);
    }
    let body = body_text(req, SIGN_IN_BODY).await?.unwrap_or_default();
    #[derive(serde::Deserialize)]
    struct Peek {
        id: String,
    }
    let peek: Peek = serde_json::from_str(&body)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))?;
    validate::id("workspace", &peek.id)?;
    let stub = workspace_stub(env, &peek.id)?;
    let inner = internal_request(
        Method::Post,
        "/api/create",
        &Identity::Operator,
        Some(body),
        None,
    )?;
    Ok(stub.fetch_with_request(inner).await?)
}

async fn to_workspace(
    req: &mut Request,
    env: &Env,
    ws: &str,
    rest: &[&str],
    now: u64,
) -> ApiResult<Response> {
    validate::id("workspace", ws)?;
    // The inbox and admin sockets: without an upgrade the object would accept a socket nobody
    // holds (and mark the agent connected), then fail to answer a plain request with 101.
    if rest.last() == Some(&"ws") && !is_upgrade(req) {
        return Err(ApiError::BadRequest("expected a WebSocket upgrade".into()));
    }
    let identity = identity::resolve(req, env, now)?;
    if let Identity::Agent { workspace, .. } = &identity {
        if workspace != ws {
            return Err(ApiError::Forbidden);
        }
    }
    let mut path = format!("/api/{}", rest.join("/"));
    if let Ok(url) = req.url() {
        if let Some(q) = url.query() {
            path.push('?');
            path.push_str(q);
        }
    }
    let headers = if is_upgrade(req) {
        Some(socket_headers(req)?)
    } else {
        preconditions(req)?
    };
    let body = body_text(req, MAX_BODY_BYTES).await?;
    let inner = internal_request(req.method(), &path, &identity, body, headers.as_ref())?;
    Ok(workspace_stub(env, ws)?.fetch_with_request(inner).await?)
}

/// What an object needs of a client's WebSocket upgrade: the handshake, and the page's origin
/// (the conversation checks it). Nothing else is forwarded, so no header a client makes up
/// (`x-parlor-…` among them) can reach an object that trusts what the Worker sets.
fn socket_headers(req: &Request) -> ApiResult<Headers> {
    let out = Headers::new();
    for name in [
        "upgrade",
        "connection",
        "origin",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-protocol",
        "sec-websocket-extensions",
    ] {
        if let Some(v) = req.headers().get(name)? {
            out.set(name, &v)?;
        }
    }
    Ok(out)
}

/// The conditional headers of a save (`If-Match`, `If-None-Match`: the dialogue version check),
/// the only request headers the workspace object reads besides the identity.
fn preconditions(req: &Request) -> ApiResult<Option<Headers>> {
    let mut out = None;
    for name in ["if-match", "if-none-match"] {
        if let Some(v) = req.headers().get(name)? {
            out.get_or_insert_with(Headers::new).set(name, &v)?;
        }
    }
    Ok(out)
}

/// Agent creation and password resets: the Worker hashes the new password (see `signin.rs`).
async fn new_password(
    req: &mut Request,
    env: &Env,
    ws: &str,
    rest: &[&str],
    now: u64,
) -> ApiResult<Response> {
    validate::id("workspace", ws)?;
    let identity = identity::resolve(req, env, now)?;
    if let Identity::Agent { workspace, .. } = &identity {
        if workspace != ws {
            return Err(ApiError::Forbidden);
        }
    }
    let path = format!("/api/{}", rest.join("/"));
    signin::with_password(req, env, ws, &path, &identity).await
}

async fn start_conversation(req: &mut Request, env: &Env) -> ApiResult<Response> {
    let body = body_text(req, START_BODY).await?.unwrap_or_default();
    #[derive(serde::Deserialize)]
    struct Peek {
        workspace: String,
    }
    let peek: Peek = serde_json::from_str(&body)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))?;
    validate::id("workspace", &peek.workspace)?;
    let call = StartCall {
        body,
        origin: req.headers().get("origin")?,
        country: req.cf().and_then(|cf| cf.country()),
        network: client_network(req),
    };
    Ok(internal::start(env, &peek.workspace, call)
        .await?
        .into_response())
}

/// `GET /api/visitor/availability?workspace=…[&page=…]`: open hours and whether someone can
/// chat now, for a widget deciding what to offer, whether a dialogue targets the page, and
/// whether the workspace allows the site asking. Public and cached briefly; it names no agent.
async fn availability(req: &mut Request, env: &Env) -> ApiResult<Response> {
    let ws = identity::query_param(req, "workspace")
        .ok_or_else(|| ApiError::BadRequest("the workspace query parameter is required".into()))?;
    validate::id("workspace", &ws)?;
    // The page, when given, is asked about too: is it one a dialogue targets?
    let page = identity::query_param(req, "page");
    if page.as_ref().is_some_and(|p| p.len() > MAX_PAGE_URL) {
        return Err(ApiError::BadRequest(
            "page must be at most 2,000 bytes".into(),
        ));
    }
    // The page's origin, when the browser names it: is the site one the workspace allows?
    let origin = req.headers().get("origin")?;
    Ok(internal::availability(env, &ws, page, origin)
        .await?
        .into_response())
}

async fn visitor_socket(req: &mut Request, env: &Env) -> ApiResult<Response> {
    if !is_upgrade(req) {
        return Err(ApiError::BadRequest("expected a WebSocket upgrade".into()));
    }
    let token = identity::query_param(req, "token").ok_or(ApiError::Unauthorized)?;
    let (id, _) = split_token(&token).ok_or(ApiError::Unauthorized)?;
    let headers = socket_headers(req)?;
    headers.set("x-parlor-visitor-token", &token)?;
    let inner = internal_request(
        Method::Get,
        "/ws/visitor",
        &Identity::Anonymous,
        None,
        Some(&headers),
    )?;
    Ok(conversation_stub(env, id)?
        .fetch_with_request(inner)
        .await?)
}

async fn agent_socket(
    req: &mut Request,
    env: &Env,
    ws: &str,
    conv: &str,
    now: u64,
) -> ApiResult<Response> {
    if !is_upgrade(req) {
        return Err(ApiError::BadRequest("expected a WebSocket upgrade".into()));
    }
    validate::id("workspace", ws)?;
    let identity = identity::resolve(req, env, now)?;
    match &identity {
        Identity::Agent { workspace, .. } if workspace == ws => {}
        Identity::Agent { .. } => return Err(ApiError::Forbidden),
        _ => return Err(ApiError::Unauthorized),
    }
    if conv.is_empty() || conv.len() > 64 || !conv.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound("conversation"));
    }
    // The signature says who; the workspace says whether that session still stands (the agent
    // exists and the token carries their current epoch). Its refusal (401) is the answer.
    let check = internal_request(Method::Get, "/internal/session", &identity, None, None)?;
    let answer = workspace_stub(env, ws)?.fetch_with_request(check).await?;
    if answer.status_code() != 200 {
        return Ok(answer);
    }
    let headers = socket_headers(req)?;
    let inner = internal_request(Method::Get, "/ws/agent", &identity, None, Some(&headers))?;
    Ok(conversation_stub(env, conv)?
        .fetch_with_request(inner)
        .await?)
}

/// The benchmark's baseline relays (`npm run bench`): the bare echo (`ECHO`) and the one that
/// stores each message first (`DURABLE_ECHO`); they exist only when `BENCH_ECHO` is "1".
async fn bench_echo(
    req: &mut Request,
    env: &Env,
    binding: &str,
    room: &str,
) -> ApiResult<Response> {
    let enabled = env.var("BENCH_ECHO").is_ok_and(|v| v.to_string() == "1");
    if !enabled {
        return Err(ApiError::NotFound("route"));
    }
    if !is_upgrade(req) {
        return Err(ApiError::BadRequest("expected a WebSocket upgrade".into()));
    }
    validate::id("room", room)?;
    let stub = env
        .durable_object(binding)?
        .id_from_name(room)?
        .get_stub()?;
    Ok(stub.fetch_with_request(req.clone()?).await?)
}
