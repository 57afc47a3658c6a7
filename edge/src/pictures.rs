//! Agents' profile pictures in R2 (the `PICTURES` bucket): uploaded by the agent, checked by
//! their bytes (`parlor_core::picture`), stored under a content-hash name and served from our
//! origin with the checked type, `nosniff` and a sandboxing CSP.

use parlor_core::picture::{self, ImageKind};
use worker::{Bucket, Data, Env, Headers, HttpMetadata, Method, Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::http::read_capped;
use crate::identity::{self, Identity};
use crate::rpc::{internal_request, workspace_stub};
use crate::validate;

const BUCKET: &str = "PICTURES";

/// Pictures kept per agent: the newest. An upload deletes the older ones, so uploads cannot
/// fill the bucket (at most this many × 1 MB per agent); a chat that snapshotted one of them
/// shows the agent's initials instead.
pub const KEPT_PER_AGENT: usize = 5;

/// `PUT /api/workspaces/{ws}/me/picture`: the signed-in agent's new picture (the raw image as
/// the body). Answers with the agent, whose `avatar_url` names the stored picture.
pub async fn upload(req: &mut Request, env: &Env, ws: &str, now: u64) -> ApiResult<Response> {
    validate::id("workspace", ws)?;
    let identity = identity::resolve(req, env, now)?;
    let agent = match &identity {
        Identity::Agent {
            workspace, agent, ..
        } if workspace == ws => agent.clone(),
        Identity::Agent { .. } => return Err(ApiError::Forbidden),
        Identity::Anonymous => return Err(ApiError::Unauthorized),
        // A picture belongs to an agent: a workspace key has none.
        _ => return Err(ApiError::Forbidden),
    };
    let declared = req.headers().get("content-type").ok().flatten();
    let bytes = read_capped(req, picture::MAX_BYTES).await?;
    let kind = picture::check(&bytes, declared.as_deref())
        .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    let name = picture::file_name(&bytes, kind);
    let key = format!("{ws}/{agent}/{name}");
    let bucket = env.bucket(BUCKET)?;
    bucket
        .put(key.clone(), Data::Bytes(bytes))
        .http_metadata(HttpMetadata {
            content_type: Some(kind.content_type().to_owned()),
            ..HttpMetadata::default()
        })
        .execute()
        .await?;
    // The workspace object checks the session again and stores the address like any profile
    // change (the machine snapshots it into the chats the agent accepts from now on).
    let url = format!("/api/pictures/{key}");
    let body = serde_json::json!({ "avatar_url": url }).to_string();
    let inner = internal_request(Method::Patch, "/api/me", &identity, Some(body), None)?;
    let resp = workspace_stub(env, ws)?.fetch_with_request(inner).await?;
    if resp.status_code() >= 400 {
        // Refused (the session ended meanwhile): keep nothing.
        let _ = bucket.delete(key).await;
    } else if let Err(e) = prune(&bucket, &format!("{ws}/{agent}/"), KEPT_PER_AGENT).await {
        // The picture is stored and in use; the older ones go on the next upload.
        worker::console_warn!("pictures: pruning {ws}/{agent} failed: {e}");
    }
    Ok(resp)
}

/// Deletes all but the `keep` newest pictures under `prefix` (an agent's folder).
async fn prune(bucket: &Bucket, prefix: &str, keep: usize) -> ApiResult<()> {
    let mut objects = bucket.list().prefix(prefix).execute().await?.objects();
    if objects.len() <= keep {
        return Ok(());
    }
    objects.sort_by_key(|o| std::cmp::Reverse(o.uploaded().as_millis()));
    let old: Vec<String> = objects.iter().skip(keep).map(|o| o.key()).collect();
    bucket.delete_multiple(old).await?;
    Ok(())
}

/// An agent was removed: their pictures go with them (a chat that snapshotted one shows their
/// initials). Called by the Worker once the workspace object has removed the agent.
pub async fn forget_agent(env: &Env, ws: &str, agent: &str) {
    let result = match env.bucket(BUCKET) {
        Ok(bucket) => prune(&bucket, &format!("{ws}/{agent}/"), 0).await,
        Err(e) => Err(e.into()),
    };
    if let Err(e) = result {
        worker::console_warn!("pictures: deleting {ws}/{agent} failed: {e}");
    }
}

/// `GET /api/pictures/{ws}/{agent}/{file}`: public (visitors see agents' pictures).
pub async fn serve(env: &Env, ws: &str, agent: &str, file: &str) -> ApiResult<Response> {
    validate::id("workspace", ws)?;
    validate::id("agent", agent)?;
    let kind = picture::valid_file_name(file).ok_or(ApiError::NotFound("picture"))?;
    let object = env
        .bucket(BUCKET)?
        .get(format!("{ws}/{agent}/{file}"))
        .execute()
        .await?
        .ok_or(ApiError::NotFound("picture"))?;
    let body = object
        .body()
        .ok_or(ApiError::NotFound("picture"))?
        .bytes()
        .await?;
    // Re-checked on the way out too: only what is still an image of its own kind is served.
    if picture::sniff(&body) != Some(kind) {
        return Err(ApiError::NotFound("picture"));
    }
    Ok(Response::from_bytes(body)?.with_headers(picture_headers(kind)?))
}

fn picture_headers(kind: ImageKind) -> ApiResult<Headers> {
    let h = Headers::new();
    h.set("content-type", kind.content_type())?;
    h.set("x-content-type-options", "nosniff")?;
    h.set("content-security-policy", "default-src 'none'; sandbox")?;
    // The name is the content's hash: a new picture is a new address.
    h.set("cache-control", "public, max-age=31536000, immutable")?;
    h.set("cross-origin-resource-policy", "cross-origin")?;
    Ok(h)
}
