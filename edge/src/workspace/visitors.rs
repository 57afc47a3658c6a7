//! Visitors starting or resuming a conversation.

use std::cell::RefCell;
use std::collections::BTreeMap;

use parlor_core::dialogue::select;
use parlor_core::identity::{self, IdentityClaim, VisitorIdentity};
use parlor_core::link::FromConversation;
use parlor_core::rate::RateLimiter;
use parlor_core::routing::VisitorFacts;
use parlor_core::settings::WidgetLook;
use parlor_core::start_key::{self, StartKey, REFUSAL};
use parlor_core::{ConversationId, Millis};
use serde::{Deserialize, Serialize};
use worker::{Env, SqlStorage};

use crate::crypto::{hmac_hex, random_hex, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::http::decode_json;
use crate::internal::ConversationStubs;
use crate::internal::{Ack, Init, InitReply, Initialized, StartCall};
use crate::workspace::index;
use crate::workspace::memo::Memo;
use crate::workspace::store;

/// Per visitor network: new conversations, and resumes of existing ones, counted apart.
pub struct StartLimits {
    pub starts: RefCell<RateLimiter>,
    pub resumes: RefCell<RateLimiter>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    pub workspace: String,
    pub page_url: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub token: Option<String>,
    /// Who the site says the visitor is (`Parlor('identify', …)`).
    #[serde(default)]
    pub identity: Option<IdentityClaim>,
    /// The client's name for this start, the same in each retry of it (`parlor_core::start_key`).
    #[serde(default)]
    pub start: Option<String>,
}

#[derive(Serialize)]
pub struct Started {
    pub conversation: String,
    pub token: String,
    pub resumed: bool,
    pub widget: WidgetLook,
}

/// A started conversation, and the new conversation's first link messages (its index row, a
/// live chat request when the first card is a live chat card) for the workspace to apply.
pub struct Start {
    pub started: Started,
    pub first: Option<FromConversation>,
}

/// Splits a visitor token `<conversation>.<secret>`.
pub fn split_token(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.split_once('.')?;
    let hexish =
        |s: &str| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hexish(id) && hexish(secret)).then_some((id, secret))
}

fn utm_of(page_url: &str) -> BTreeMap<String, String> {
    let Ok(url) = worker::Url::parse(page_url) else {
        return BTreeMap::new();
    };
    url.query_pairs()
        .filter_map(|(k, v)| {
            k.strip_prefix("utm_")
                .map(|name| (name.to_owned(), v.chars().take(200).collect()))
        })
        .take(10)
        .collect()
}

/// The longest page URL a visitor may send (the start's `page_url`, the availability's `page`).
pub const MAX_PAGE_URL: usize = 2_000;

pub async fn start(
    sql: &SqlStorage,
    memo: &Memo,
    env: &Env,
    stubs: &ConversationStubs,
    call: StartCall,
    limits: &StartLimits,
    now: u64,
) -> ApiResult<Start> {
    let take = |limiter: &RefCell<RateLimiter>| {
        limiter
            .borrow_mut()
            .take_or_wait(&call.network, Millis(now))
            .map_err(|wait| ApiError::RetryAfter(wait.0.div_ceil(1_000)))
    };
    let input: StartRequest = decode_json(call.body.as_bytes(), 8 * 1024)?;
    if input.page_url.len() > MAX_PAGE_URL || input.language.len() > 35 {
        return Err(ApiError::BadRequest("page_url or language too long".into()));
    }
    let key = match input.start.as_deref() {
        Some(key) => Some(StartKey::parse(key).ok_or(ApiError::BadRequest(REFUSAL.into()))?),
        None => None,
    };
    let meta = memo.meta(sql)?.ok_or(ApiError::NotFound("workspace"))?;
    if input.workspace != meta.id {
        return Err(ApiError::NotFound("workspace"));
    }
    let named = match &key {
        Some(key) => Some(named_by(env, &meta.id, key, 0)?),
        None => None,
    };
    // A retry of a start that was carried out: its conversation exists. (A token that
    // resumes its own conversation still comes first, below.)
    let repeated = match &named {
        Some(named) => index::get(sql, &named.id)?.is_some(),
        None => false,
    };
    // A resume (every page a visitor in a conversation opens) counts against a budget of its
    // own: visitors behind one address (an office, a carrier's NAT) browsing during their
    // chats must not use up the starts of new conversations, nor be refused by them. A start's
    // retry answered with what it started is counted as a resume.
    take(if input.token.is_some() || repeated {
        &limits.resumes
    } else {
        &limits.starts
    })?;
    let settings = memo.settings(sql)?;
    if !settings.origin_allowed(call.origin.as_deref()) {
        return Err(ApiError::OriginNotAllowed);
    }
    let identity = match &input.identity {
        Some(claim) => verify(sql, claim, settings.require_verified_identity)?,
        None => None,
    };

    if let Some(token) = input.token.as_deref() {
        if let Some((id, secret)) = split_token(token) {
            if index::get(sql, id)?.is_some() {
                let ack: Ack = stubs
                    .call(env, id, "/internal/check-token", &sha256_hex(secret))
                    .await?;
                if ack.ok {
                    // Signed in since the conversation began: it learns who this is, and its
                    // index row (what it answers) is applied by the caller.
                    let first = match &identity {
                        Some(identity) => Some(FromConversation {
                            conversation: ConversationId::new(id),
                            messages: stubs.call(env, id, "/internal/identify", identity).await?,
                        }),
                        None => None,
                    };
                    return Ok(Start {
                        started: Started {
                            conversation: id.to_owned(),
                            token: token.to_owned(),
                            resumed: true,
                            widget: settings.widget.clone(),
                        },
                        first,
                    });
                }
            }
        }
    }

    // The same answer as the first try's, which the client did not get.
    let answered_before = |named: &Named| Start {
        started: Started {
            conversation: named.id.clone(),
            token: format!("{}.{}", named.id, named.secret),
            resumed: false,
            widget: settings.widget.clone(),
        },
        first: None,
    };
    if let (true, Some(named)) = (repeated, &named) {
        return Ok(answered_before(named));
    }
    if input.token.is_some() {
        // The token did not resume: this is a new conversation, counted as one.
        take(&limits.starts)?;
    }
    let dialogues = memo.dialogues(sql)?;
    let page_url = parlor_core::dialogue::page_address(&input.page_url);
    let dialogue = select(&dialogues, page_url)
        .ok_or(ApiError::NotFound("dialogue for this page"))?
        .clone();
    let (mut id, mut secret) = match named {
        Some(named) => (named.id, named.secret),
        None => (random_hex(16)?, random_hex(24)?),
    };
    let country: String = call
        .country
        .as_deref()
        .unwrap_or_default()
        .chars()
        .take(2)
        .collect();
    let facts = VisitorFacts {
        fields: BTreeMap::new(),
        utm: utm_of(page_url),
        page_url: page_url.to_owned(),
        language: input.language.clone(),
        country,
        identity,
    };
    let mut init = Init {
        workspace: meta.id,
        conversation: id.clone(),
        token_hash: sha256_hex(&secret),
        dialogue,
        settings: (*settings).clone(),
        facts,
    };
    let mut reply: InitReply = stubs.call(env, &id, "/internal/init", &init).await?;
    // The name a key gave is not to be used (an erased conversation's tombstone holds it):
    // the key's next name, as retry-safe as the first (a retry walks the same names).
    let mut generation = 0;
    while let (InitReply::Taken, Some(key)) = (&reply, &key) {
        generation += 1;
        if generation > start_key::GENERATIONS {
            return Err(ApiError::Internal(format!(
                "the names of start {} are taken",
                key.as_str()
            )));
        }
        let named = named_by(env, &init.workspace, key, generation)?;
        if index::get(sql, &named.id)?.is_some() {
            return Ok(answered_before(&named));
        }
        (id, secret) = (named.id, named.secret);
        init.conversation.clone_from(&id);
        init.token_hash = sha256_hex(&secret);
        reply = stubs.call(env, &id, "/internal/init", &init).await?;
    }
    let InitReply::Made(Initialized { created, messages }) = reply else {
        return Err(ApiError::Internal(format!("conversation {id} is taken")));
    };
    // Its report row is made by its first routing event, which need not look for one. (A
    // retry's init that met the first try's conversation answers what it restates: the first
    // try's events may have made that row already.)
    if created {
        memo.new_conversation(&id);
    }
    // The conversation object exists and is stored; the caller indexes and routes it.
    let id_for_link = id.clone();
    Ok(Start {
        started: Started {
            token: format!("{id}.{secret}"),
            conversation: id,
            resumed: false,
            widget: settings.widget.clone(),
        },
        first: Some(FromConversation {
            conversation: ConversationId::new(id_for_link),
            messages,
        }),
    })
}

/// The conversation a start key names in a workspace, and its token's secret: keyed hashes
/// of the key (with the platform's session secret), so a retry of the start names the same
/// ones and nobody without the key can.
struct Named {
    id: String,
    secret: String,
}

fn named_by(env: &Env, workspace: &str, key: &StartKey, generation: u8) -> ApiResult<Named> {
    let signing = crate::identity::secret(env, "SESSION_SECRET")?;
    let mut id = hmac_hex(&signing, &key.id_message(workspace, generation))?;
    let mut secret = hmac_hex(&signing, &key.secret_message(workspace, generation))?;
    id.truncate(start_key::ID_HEX);
    secret.truncate(start_key::SECRET_HEX);
    Ok(Named { id, secret })
}

/// Checks a claim against the workspace's identity secret (made on first use): refused when
/// verification is required and it fails, else what is usable of it (`identity::admit`).
fn verify(
    sql: &SqlStorage,
    claim: &IdentityClaim,
    required: bool,
) -> ApiResult<Option<VisitorIdentity>> {
    let secret = store::identity_secret(sql)?;
    Ok(identity::admit(claim, &secret, required)?)
}

/// `GET /api/visitor/availability`: whether someone can chat now, and how the widget looks
/// (public: the widget shows both to every visitor).
#[derive(serde::Serialize)]
pub struct PublicAvailability {
    #[serde(flatten)]
    pub availability: parlor_core::routing::Availability,
    pub look: parlor_core::settings::WidgetLook,
    /// Asked with a page: whether some dialogue targets it (the loader draws no launcher on a
    /// page where starting would find none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targeted: Option<bool>,
    /// Asked with an `Origin` (from a page): whether the workspace's `allowed_origins` let that
    /// site start conversations (a start from it is refused with 403 `origin_not_allowed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_allowed: Option<bool>,
}
