//! The workspace object's part of signing in: counting attempts (`parlor_core::signin`) and
//! handing the Worker the stored hash to check. No hashing happens here (see `crate::signin`).
//!
//! The counters live in this object's memory: the workspace is the one place that sees every
//! attempt on its emails, both calls are a map lookup and a row read (no write, nothing for a
//! flood to queue behind), and an unknown workspace answers 404 before anything is counted.
//! A restart forgives the counts, like the visitor start limits; a flood keeps the object
//! awake, so it cannot wait for that.

use std::cell::RefCell;

use parlor_core::password::{StoredHash, SALT_BYTES};
use parlor_core::signin::{email_key, Attempt, SignInGuard};
use parlor_core::Millis;
use worker::SqlStorage;

use crate::crypto::random_hex;
use crate::error::{ApiError, ApiResult};
use crate::signin::{Began, Begin, Finish, Finished};
use crate::workspace::store;

pub fn begin(
    sql: &SqlStorage,
    guard: &RefCell<SignInGuard>,
    input: &Begin,
    now: u64,
) -> ApiResult<Began> {
    store::meta(sql)?.ok_or(ApiError::NotFound("workspace"))?;
    let attempt = guard
        .borrow_mut()
        .attempt(&input.email, &input.network, Millis(now));
    let at = match attempt {
        Ok(a) => a.at.0,
        Err(wait) => {
            return Ok(Began::Limited {
                retry_after_ms: wait.0,
            })
        }
    };
    // An unknown email gets a decoy at today's cost, so checking it costs the same.
    let stored = match store::agent_by_email(sql, input.email.trim())? {
        Some((_, hash)) => hash,
        None => StoredHash::decoy(random_hex(SALT_BYTES)?).format(),
    };
    Ok(Began::Check { stored, at })
}

pub fn finish(
    sql: &SqlStorage,
    guard: &RefCell<SignInGuard>,
    input: &Finish,
) -> ApiResult<Finished> {
    let meta = store::meta(sql)?.ok_or(ApiError::NotFound("workspace"))?;
    let Some((agent, hash)) = store::agent_by_email(sql, input.email.trim())? else {
        return Ok(Finished::Changed);
    };
    // A reset between the two calls: the password checked is no longer the agent's.
    if hash != input.verified {
        return Ok(Finished::Changed);
    }
    guard.borrow_mut().succeeded(&Attempt {
        email: email_key(&input.email),
        network: input.network.clone(),
        at: Millis(input.at),
    });
    if let Some(upgrade) = input
        .upgrade
        .as_deref()
        .filter(|u| StoredHash::parse(u).is_some_and(|h| !h.needs_upgrade()))
    {
        store::upgrade_password_hash(sql, &agent.id, &hash, upgrade)?;
    }
    let epoch = store::agent_session(sql, &agent.id)?.map_or(0, |(_, e)| e);
    Ok(Finished::Agent {
        workspace: meta.id,
        id: agent.id.clone(),
        role: agent.role,
        epoch,
        agent: serde_json::to_value(&agent)?,
    })
}
