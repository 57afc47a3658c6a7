//! The calls between the objects (never seen by clients): the typed link of
//! `parlor_core::link`, one method per object, the workspace's other calls on a conversation
//! (creating it, checking a visitor's token…: [`ConversationStubs::call`]), and the Worker's
//! calls on the workspace on a visitor's path (a start: [`start`]; a page's availability read:
//! [`availability`]).
//!
//! The link is the hot path (every routed chat crosses it twice, every preview once), so it is
//! a JavaScript RPC method (`link(batch)`, JSON text in and out) rather than a request: no
//! `Request`, `Headers`, body stream or `Response` per call; so are the other calls
//! (`internal(path, body)`), a cold start's creation included, and the Worker's two (`start`,
//! `availability`, answered with the HTTP response in parts). The objects export the methods from
//! Rust (`#[wasm_bindgen] impl … { fn link }`) and `edge/entry.mjs` declares their classes as
//! `DurableObject`s so the platform lets the Worker and other objects call them.

use std::cell::RefCell;
use std::collections::HashMap;

use parlor_core::dialogue::Dialogue;
use parlor_core::link::{ConversationToWorkspace, FromConversation, ToConversation};
use parlor_core::routing::VisitorFacts;
use parlor_core::settings::WorkspaceSettings;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::Env;

use crate::error::{ApiError, ApiResult};
use crate::http::{decode_json, Reply};
use crate::rpc::{conversation_stub, workspace_stub};

/// Largest link batch an object reads (an index row with captured fields is a few KB).
pub const MAX_LINK_BYTES: usize = 256 * 1024;

/// Workspace → conversation: create the conversation and show its first card. The reply
/// ([`Initialized`]) is the conversation's first link messages (its index row, a live chat
/// request when the first card is a live chat card), which the workspace applies at once.
#[derive(Debug, Serialize, Deserialize)]
pub struct Init {
    pub workspace: String,
    pub conversation: String,
    pub token_hash: String,
    pub dialogue: Dialogue,
    pub settings: WorkspaceSettings,
    pub facts: VisitorFacts,
}

/// Conversation → workspace, the reply to [`Init`]. `created` is false when the conversation
/// existed already (a start tried again with its key met its first try's conversation); its
/// messages then restate where it stands (`Conversation::restate`), for a workspace that may
/// never have applied the first try's reply.
#[derive(Debug, Serialize, Deserialize)]
pub struct Initialized {
    pub created: bool,
    pub messages: Vec<ConversationToWorkspace>,
}

/// Conversation → workspace, what an [`Init`] gets: the conversation (made or met again), or
/// word that this id is not to be used — only an erasure's tombstone is left here, or another
/// start holds it (a token secret made under another session secret). The workspace then
/// names the conversation at random instead: a start is never refused for its key's name.
#[derive(Debug, Serialize, Deserialize)]
pub enum InitReply {
    Made(Initialized),
    Taken,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Ack {
    pub ok: bool,
}

#[wasm_bindgen]
extern "C" {
    /// An object's stub seen as what it serves over RPC.
    #[derive(Clone)]
    type LinkTarget;

    #[wasm_bindgen(method, catch)]
    fn link(this: &LinkTarget, batch: String) -> Result<JsValue, JsValue>;

    /// A conversation's other calls (`conversation/calls.rs`).
    #[wasm_bindgen(method, catch)]
    fn internal(this: &LinkTarget, path: &str, body: String) -> Result<JsValue, JsValue>;

    /// A visitor's start or resume, the Worker's call on the workspace.
    #[wasm_bindgen(method, catch, js_name = start)]
    fn start_call(
        this: &LinkTarget,
        body: String,
        origin: Option<String>,
        country: Option<String>,
        network: String,
    ) -> Result<JsValue, JsValue>;

    /// A page's availability read, the Worker's call on the workspace.
    #[wasm_bindgen(method, catch, js_name = availability)]
    fn availability_call(
        this: &LinkTarget,
        page: Option<String>,
        origin: Option<String>,
    ) -> Result<JsValue, JsValue>;
}

/// What the Worker passes on of a visitor's start: its JSON body (at most the Worker's limit)
/// and what the platform says of where it came from.
pub struct StartCall {
    pub body: String,
    pub origin: Option<String>,
    pub country: Option<String>,
    /// The visitor's network (`parlor_core::network`), for the per-visitor limits.
    pub network: String,
}

/// Worker → workspace: a visitor's start or resume, an RPC call rather than a request (a cold
/// start is the storm's unit of work; a request and its response cost the Worker and the
/// object a score of platform objects each time). The answer is the HTTP response in parts.
pub async fn start(env: &Env, workspace: &str, call: StartCall) -> ApiResult<Reply> {
    let target: LinkTarget = workspace_stub(env, workspace)?.into_rpc();
    let pending = target.start_call(call.body, call.origin, call.country, call.network);
    answer("start", pending).await
}

/// Worker → workspace: the availability read the loader makes on every page view of a site
/// with the widget, an RPC call for the same reason as [`start`]. `page` is the page's URL
/// (within the Worker's limit), `origin` the page's origin as the browser named it.
pub async fn availability(
    env: &Env,
    workspace: &str,
    page: Option<String>,
    origin: Option<String>,
) -> ApiResult<Reply> {
    let target: LinkTarget = workspace_stub(env, workspace)?.into_rpc();
    answer("availability", target.availability_call(page, origin)).await
}

/// A conversation's link to its workspace: the stub made on the first call and kept while the
/// instance lives. Every preview crosses the link, and a stub made per call derives the object
/// id (a hash of the name) and builds two platform objects the collector then sweeps — what the
/// pauses of the chat load are made of (docs/performance.md). A call that fails drops the stub
/// (a stub whose connection broke stays broken); the next call makes a new one.
#[derive(Default)]
pub struct WorkspaceLink(RefCell<Option<(String, LinkTarget)>>);

impl WorkspaceLink {
    /// Conversation → workspace; the reply carries the workspace's messages for the caller.
    pub async fn call(
        &self,
        env: &Env,
        workspace: &str,
        batch: &FromConversation,
    ) -> ApiResult<ToConversation> {
        let kept = match &*self.0.borrow() {
            Some((name, target)) if name == workspace => Some(target.clone()),
            _ => None,
        };
        let target = match kept {
            Some(target) => target,
            None => {
                let target: LinkTarget = workspace_stub(env, workspace)?.into_rpc();
                *self.0.borrow_mut() = Some((workspace.to_owned(), target.clone()));
                target
            }
        };
        let reply = call_link(&target, batch).await;
        if reply.is_err() {
            self.0.borrow_mut().take();
        }
        reply
    }
}

/// How many conversations' stubs a workspace instance keeps; past it, it starts afresh.
const STUBS_KEPT: usize = 1_024;

/// The workspace's stubs of the conversations it calls, kept while the instance lives, for
/// the reason [`WorkspaceLink`] keeps one: a routed chat creates the conversation (`init`),
/// or routes its request, then tells it the acceptance, and each stub made anew derives the
/// object id from the name and builds two platform objects. A call that fails (or is refused)
/// drops its stub.
#[derive(Default)]
pub struct ConversationStubs(RefCell<HashMap<String, LinkTarget>>);

impl ConversationStubs {
    fn target(&self, env: &Env, conversation: &str) -> ApiResult<LinkTarget> {
        if let Some(target) = self.0.borrow().get(conversation) {
            return Ok(target.clone());
        }
        let target: LinkTarget = conversation_stub(env, conversation)?.into_rpc();
        let mut kept = self.0.borrow_mut();
        if kept.len() >= STUBS_KEPT {
            kept.clear();
        }
        kept.insert(conversation.to_owned(), target.clone());
        Ok(target)
    }

    fn settle<T>(&self, conversation: &str, result: ApiResult<T>) -> ApiResult<T> {
        if result.is_err() {
            self.0.borrow_mut().remove(conversation);
        }
        result
    }

    /// Workspace → conversation; the reply carries the conversation's messages for the
    /// workspace.
    pub async fn link(
        &self,
        env: &Env,
        conversation: &str,
        batch: &ToConversation,
    ) -> ApiResult<Vec<ConversationToWorkspace>> {
        let target = self.target(env, conversation)?;
        self.settle(conversation, call_link(&target, batch).await)
    }

    /// Workspace → conversation, one of its other calls (`conversation/calls.rs`): `path`
    /// names it; the parsed JSON answer, or the conversation's refusal in its words.
    pub async fn call<B: Serialize, R: DeserializeOwned>(
        &self,
        env: &Env,
        conversation: &str,
        path: &str,
        body: &B,
    ) -> ApiResult<R> {
        let target = self.target(env, conversation)?;
        let pending = target.internal(path, serde_json::to_string(body)?);
        self.settle(conversation, answer(path, pending).await)
    }
}

async fn call_link<B: Serialize, R: DeserializeOwned>(
    target: &LinkTarget,
    batch: &B,
) -> ApiResult<R> {
    answer("link", target.link(serde_json::to_string(batch)?)).await
}

/// Whether the platform marked a failed call as worth retrying: an object overloaded, reset or
/// being replaced throws an error with `retryable` (or `overloaded`) set.
fn marked_retryable(e: &JsValue) -> bool {
    ["retryable", "overloaded"].iter().any(|flag| {
        js_sys::Reflect::get(e, &JsValue::from_str(flag)).is_ok_and(|v| v.as_bool() == Some(true))
    })
}

/// A call that failed: `busy` (503, retry in a second) when the platform says a retry may
/// succeed, else an internal error. Our own refusals never get here: they cross as replies.
fn call_failed(call: &str, why: String, retryable: bool) -> ApiError {
    let detail = format!("{call} call failed: {why}");
    if retryable {
        ApiError::Busy(detail)
    } else {
        ApiError::Internal(detail)
    }
}

/// The JSON text an RPC call answers, parsed.
async fn answer<R: DeserializeOwned>(
    call: &str,
    pending: Result<JsValue, JsValue>,
) -> ApiResult<R> {
    let failed = |e: JsValue| {
        let why = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| e.as_string())
            .unwrap_or_default();
        call_failed(call, why, marked_retryable(&e))
    };
    // An RPC call answers with a thenable; `Promise.resolve` makes it a promise to await.
    let reply = JsFuture::from(js_sys::Promise::resolve(&pending.map_err(failed)?))
        .await
        .map_err(failed)?;
    let text = reply
        .as_string()
        .ok_or_else(|| ApiError::Internal(format!("{call} reply is not text")))?;
    Ok(serde_json::from_str(&text)?)
}

/// The receiving end: reads a batch (at most [`MAX_LINK_BYTES`]), runs `serve` on it, and
/// answers its reply as JSON text; a refusal rejects the caller's call with its words.
pub async fn serve_link<B, R, F>(
    text: String,
    serve: impl FnOnce(B) -> F,
) -> Result<String, JsValue>
where
    B: DeserializeOwned,
    R: Serialize,
    F: std::future::Future<Output = ApiResult<R>>,
{
    let answer = async {
        let batch = decode_json(text.as_bytes(), MAX_LINK_BYTES)?;
        let reply = serve(batch).await?;
        Ok::<_, ApiError>(serde_json::to_string(&reply)?)
    };
    answer
        .await
        .map_err(|e| js_sys::Error::new(&e.to_string()).into())
}

#[cfg(test)]
mod tests {
    //! The link methods read their batches with `decode_json(text, MAX_LINK_BYTES)`
    //! (`serve_link`): these are its rules.

    use std::collections::BTreeMap;

    use parlor_core::link::WorkspaceToConversation;
    use parlor_core::protocol::{ConversationRecord, ConversationStatus, EndReason};
    use parlor_core::routing::Routing;
    use parlor_core::{ConversationId, Millis};

    use super::*;

    #[test]
    fn a_call_the_platform_marks_retryable_is_busy_and_any_other_failure_internal() {
        let busy = call_failed("start", "Durable Object is overloaded.".into(), true);
        assert!(
            matches!(&busy, ApiError::Busy(d) if d == "start call failed: Durable Object is overloaded.")
        );
        assert_eq!(busy.status(), 503);
        let broken = call_failed("link", "wasm trap: unreachable".into(), false);
        assert!(matches!(broken, ApiError::Internal(_)));
        assert_eq!(broken.status(), 500);
    }

    fn record(captured: BTreeMap<String, String>) -> ConversationRecord {
        ConversationRecord {
            id: "c1".into(),
            created_at: 1,
            updated_at: 2,
            dialogue: "d1".into(),
            page_url: "https://shop.example/".into(),
            status: ConversationStatus::Waiting,
            agent: None,
            captured,
            last_message: None,
            revision: 3,
            first_agent_reply_at: None,
            identity: None,
        }
    }

    fn batch(messages: Vec<ConversationToWorkspace>) -> FromConversation {
        FromConversation {
            conversation: ConversationId::new("c1"),
            messages,
        }
    }

    #[test]
    fn a_conversation_batch_decodes_in_order() {
        let sent = batch(vec![
            ConversationToWorkspace::Index {
                record: record(BTreeMap::new()),
                preview_every: parlor_core::Millis(2_000),
            },
            ConversationToWorkspace::RequestLiveChat {
                request: 1,
                routing: Routing::RoundRobin,
                facts: VisitorFacts::default(),
            },
            ConversationToWorkspace::CancelLiveChat { request: 1 },
        ]);
        let text = serde_json::to_vec(&sent).expect("json");
        let got: FromConversation = decode_json(&text, MAX_LINK_BYTES).expect("decoded");
        assert_eq!(got, sent);
    }

    #[test]
    fn a_workspace_batch_and_the_conversations_reply_decode() {
        let sent = ToConversation {
            messages: vec![
                WorkspaceToConversation::Pace {
                    preview_every: Millis(2_000),
                },
                WorkspaceToConversation::Accepted {
                    request: 0,
                    agent: "eve".into(),
                    profile: parlor_core::protocol::AgentProfile {
                        name: "Eve".into(),
                        avatar_url: None,
                    },
                },
            ],
        };
        let text = serde_json::to_vec(&sent).expect("json");
        let got: ToConversation = decode_json(&text, MAX_LINK_BYTES).expect("decoded");
        assert_eq!(got, sent);

        let reply = vec![ConversationToWorkspace::ChatClosed {
            request: 1,
            agent: "eve".into(),
            reason: EndReason::EndedByAgent,
        }];
        let text = serde_json::to_vec(&reply).expect("json");
        let got: Vec<ConversationToWorkspace> =
            decode_json(&text, MAX_LINK_BYTES).expect("decoded");
        assert_eq!(got, reply);
        // The reply of a conversation with nothing to say.
        let none: Vec<ConversationToWorkspace> = decode_json(b"[]", MAX_LINK_BYTES).expect("[]");
        assert!(none.is_empty());
    }

    #[test]
    fn a_batch_over_the_link_limit_is_refused_whole() {
        let big = BTreeMap::from([("notes".to_owned(), "x".repeat(MAX_LINK_BYTES))]);
        let sent = batch(vec![ConversationToWorkspace::Index {
            record: record(big),
            preview_every: parlor_core::Millis(2_000),
        }]);
        let text = serde_json::to_vec(&sent).expect("json");
        assert!(text.len() > MAX_LINK_BYTES);
        let err = decode_json::<FromConversation>(&text, MAX_LINK_BYTES).expect_err("too big");
        assert!(matches!(err, ApiError::TooLarge(MAX_LINK_BYTES)));
        assert_eq!(err.status(), 413);
    }

    #[test]
    fn a_realistic_index_row_fits_the_link_many_times_over() {
        // Twenty custom fields at their longest (500 characters, up to 4 bytes each).
        let captured = (0..20)
            .map(|i| (format!("field_{i}"), "é".repeat(500)))
            .collect();
        let sent = batch(vec![ConversationToWorkspace::Index {
            record: record(captured),
            preview_every: parlor_core::Millis(2_000),
        }]);
        let text = serde_json::to_vec(&sent).expect("json");
        assert!(text.len() * 10 < MAX_LINK_BYTES, "{} bytes", text.len());
    }

    #[test]
    fn a_batch_with_an_unknown_or_broken_message_is_a_bad_request() {
        for text in [
            r#"{"conversation":"c1","messages":[{"type":"cancel_live_chat"},{"type":"explode"}]}"#,
            r#"{"conversation":"c1","messages":[{"type":"chat_closed","agent":"eve"}]}"#,
            r#"{"conversation":"c1"}"#,
            r#"{"conversation":"c1","messages":[]"#,
            r#"[]"#,
        ] {
            let err =
                decode_json::<FromConversation>(text.as_bytes(), MAX_LINK_BYTES).expect_err(text);
            assert!(
                matches!(&err, ApiError::BadRequest(m) if m.starts_with("invalid JSON: ")),
                "{text}: {err:?}"
            );
        }
        let err = decode_json::<ToConversation>(b"", MAX_LINK_BYTES).expect_err("empty");
        assert!(matches!(err, ApiError::BadRequest(_)));
    }

    #[test]
    fn init_round_trips_through_its_endpoint_decoding() {
        let dialogue: Dialogue = serde_json::from_str(
            r#"{"id":"d1","name":"Sales","branches":[{"id":"main","cards":[
                {"id":"m1","kind":"message","text":"Hello"}]}]}"#,
        )
        .expect("dialogue");
        let init = Init {
            workspace: "acme".into(),
            conversation: "c1".into(),
            token_hash: "ab".repeat(32),
            dialogue,
            settings: WorkspaceSettings::default(),
            facts: VisitorFacts {
                page_url: "https://shop.example/".into(),
                language: "fr".into(),
                ..VisitorFacts::default()
            },
        };
        let text = serde_json::to_vec(&init).expect("json");
        let got: Init = decode_json(&text, 512 * 1024).expect("decoded");
        assert_eq!(got.workspace, init.workspace);
        assert_eq!(got.conversation, init.conversation);
        assert_eq!(got.token_hash, init.token_hash);
        assert_eq!(got.dialogue, init.dialogue);
        assert_eq!(got.settings, init.settings);
        assert_eq!(got.facts, init.facts);
        let ack: Ack = decode_json(br#"{"ok":true}"#, 1024).expect("ack");
        assert!(ack.ok);
    }
}
