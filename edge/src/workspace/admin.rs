//! Workspace administration: settings, agents, teams, dialogues.

use parlor_core::dialogue::{validate, Dialogue};
use parlor_core::hours::BusinessHours;
use parlor_core::settings::WorkspaceSettings;
use serde::{Deserialize, Serialize};
use worker::{Request, SqlStorage};

use crate::crypto::random_hex;
use crate::error::{ApiError, ApiResult};
use crate::http::{read_json, MAX_BODY_BYTES};
use crate::identity::Role;
use crate::validate;
use crate::workspace::memo::Memo;
use crate::workspace::sessions::Handover;
use crate::workspace::store::{self, Agent, Team};

const SMALL_BODY: usize = 16 * 1024;
/// Settings carry business hours: up to 366 dated exceptions of up to 8 ranges each.
const SETTINGS_BODY: usize = 128 * 1024;

pub async fn put_settings(
    sql: &SqlStorage,
    memo: &Memo,
    req: &mut Request,
) -> ApiResult<WorkspaceSettings> {
    let settings: WorkspaceSettings = read_json(req, SETTINGS_BODY).await?;
    settings
        .validate()
        .map_err(|errors| ApiError::Unprocessable(errors.join("; ")))?;
    store::put_settings(sql, memo, &settings)?;
    Ok(settings)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAgent {
    #[serde(default)]
    id: Option<String>,
    email: String,
    name: String,
    #[serde(default)]
    avatar_url: Option<String>,
    #[serde(default = "yes")]
    live_chat: bool,
    #[serde(default = "agent_role")]
    role: Role,
    #[serde(default)]
    teams: Vec<String>,
}

fn yes() -> bool {
    true
}

fn agent_role() -> Role {
    Role::Agent
}

fn check_teams(sql: &SqlStorage, teams: &[String]) -> ApiResult<()> {
    let known = store::teams(sql)?;
    for t in teams {
        if !known.iter().any(|k| &k.id == t) {
            return Err(ApiError::Unprocessable(format!(
                "team {t:?} does not exist"
            )));
        }
    }
    Ok(())
}

/// Creates an agent; `password_hash` is the Worker's hash of the password it took out of the
/// body (see `crate::signin`).
pub async fn create_agent(
    sql: &SqlStorage,
    memo: &Memo,
    req: &mut Request,
    now: u64,
    password_hash: &str,
) -> ApiResult<Agent> {
    let input: NewAgent = read_json(req, SMALL_BODY).await?;
    let id = match input.id {
        Some(id) => id,
        None => format!("a-{}", random_hex(6)?),
    };
    validate::id("agent", &id)?;
    validate::email(&input.email)?;
    validate::text("name", &input.name, 100)?;
    if let Some(url) = &input.avatar_url {
        validate::image_url(url)?;
    }
    check_teams(sql, &input.teams)?;
    let agent = Agent {
        id,
        email: input.email.to_ascii_lowercase(),
        name: input.name.trim().to_owned(),
        avatar_url: input.avatar_url,
        live_chat: input.live_chat,
        role: input.role,
        teams: input.teams,
    };
    // A fresh epoch: a token of an agent deleted before under the same id does not work.
    let epoch = store::next_session_epoch(sql, now)?;
    store::insert_agent(sql, memo, &agent, password_hash, epoch)?;
    Ok(agent)
}

/// Fields an admin may change on an agent. `avatar_url: null` removes the picture.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentPatch {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, with = "double_option")]
    avatar_url: Option<Option<String>>,
    #[serde(default)]
    live_chat: Option<bool>,
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    teams: Option<Vec<String>>,
}

/// Fields an agent may change on their own profile.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, with = "double_option")]
    avatar_url: Option<Option<String>>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

fn apply_profile(
    agent: &mut Agent,
    name: Option<String>,
    avatar: Option<Option<String>>,
) -> ApiResult<()> {
    if let Some(name) = name {
        validate::text("name", &name, 100)?;
        agent.name = name.trim().to_owned();
    }
    if let Some(avatar) = avatar {
        if let Some(url) = &avatar {
            validate::image_url(url)?;
        }
        agent.avatar_url = avatar;
    }
    Ok(())
}

/// Why an agent's sessions ended, as the close reason of their sockets (at most 123 bytes).
pub mod ended {
    pub const REMOVED: &str = "Your account was removed from this workspace.";
    pub const ROLE_CHANGED: &str = "Your role changed. Please sign in again.";
    pub const LIVE_CHAT_REMOVED: &str =
        "Your live chat permission was removed. Please sign in again.";
    pub const PASSWORD_RESET: &str = "Your password was reset. Please sign in again.";
    pub const SESSION_ENDED: &str = "Your session has ended. Please sign in again.";
    pub const SESSION_EXPIRED: &str = "Your session expired after 12 hours. Please sign in again.";
}

/// Which change to an agent ends their sessions, and what becomes of their chats: a role
/// change either way ends them (the token names the role; a promoted agent signs in again to
/// get the admin views); a demotion hands the chats over at once, a promotion leaves them for
/// the agent-gone grace. Losing the live chat permission hands them over too (the machine does
/// it when it hears of the permission).
pub fn ends_sessions(before: &Agent, after: &Agent) -> Option<(&'static str, Handover)> {
    if before.role == Role::Admin && after.role != Role::Admin {
        Some((ended::ROLE_CHANGED, Handover::Now))
    } else if before.role != after.role {
        Some((ended::ROLE_CHANGED, Handover::AfterGrace))
    } else if before.live_chat && !after.live_chat {
        Some((ended::LIVE_CHAT_REMOVED, Handover::Now))
    } else {
        None
    }
}

/// Applies an admin's change; returns the agent and, when the change ended their sessions
/// (a new epoch is stored), why.
pub async fn patch_agent(
    sql: &SqlStorage,
    memo: &Memo,
    id: &str,
    req: &mut Request,
    now: u64,
) -> ApiResult<(Agent, Option<(&'static str, Handover)>)> {
    let patch: AgentPatch = read_json(req, SMALL_BODY).await?;
    let mut agent = store::agent(sql, id)?.ok_or(ApiError::NotFound("agent"))?;
    let before = agent.clone();
    apply_profile(&mut agent, patch.name, patch.avatar_url)?;
    if let Some(v) = patch.live_chat {
        agent.live_chat = v;
    }
    if let Some(v) = patch.role {
        agent.role = v;
    }
    if let Some(teams) = patch.teams {
        check_teams(sql, &teams)?;
        agent.teams = teams;
    }
    store::update_agent(sql, memo, &agent)?;
    let ended = ends_sessions(&before, &agent);
    if ended.is_some() {
        store::set_session_epoch(sql, memo, id, store::next_session_epoch(sql, now)?)?;
    }
    Ok((agent, ended))
}

pub async fn patch_profile(
    sql: &SqlStorage,
    memo: &Memo,
    id: &str,
    req: &mut Request,
) -> ApiResult<Agent> {
    let patch: ProfilePatch = read_json(req, SMALL_BODY).await?;
    let mut agent = store::agent(sql, id)?.ok_or(ApiError::NotFound("agent"))?;
    apply_profile(&mut agent, patch.name, patch.avatar_url)?;
    store::update_agent(sql, memo, &agent)?;
    Ok(agent)
}

/// Sets a new password and a new session epoch (every session of the agent ends); returns the
/// agent and the new epoch.
pub async fn reset_password(
    sql: &SqlStorage,
    memo: &Memo,
    id: &str,
    req: &mut Request,
    now: u64,
    password_hash: &str,
) -> ApiResult<(Agent, u64)> {
    /// The Worker took the password out; anything else in the body is refused.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Rest {}
    let _: Rest = read_json(req, SMALL_BODY).await?;
    let agent = store::agent(sql, id)?.ok_or(ApiError::NotFound("agent"))?;
    let epoch = store::next_session_epoch(sql, now)?;
    store::set_password(sql, memo, id, password_hash, epoch)?;
    Ok((agent, epoch))
}

/// Creates or replaces a team; whether it was new (201) or replaced (200).
pub async fn put_team(sql: &SqlStorage, id: &str, req: &mut Request) -> ApiResult<(Team, bool)> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        name: String,
        #[serde(default)]
        business_hours: Option<BusinessHours>,
    }
    validate::id("team", id)?;
    let body: Body = read_json(req, SETTINGS_BODY).await?;
    validate::text("team name", &body.name, 100)?;
    if let Some(Err(e)) = body.business_hours.as_ref().map(BusinessHours::validate) {
        return Err(ApiError::Unprocessable(format!("business_hours: {e}")));
    }
    let team = Team {
        id: id.to_owned(),
        name: body.name.trim().to_owned(),
        business_hours: body.business_hours,
    };
    let new = !store::teams(sql)?.iter().any(|t| t.id == id);
    store::put_team(sql, &team)?;
    Ok((team, new))
}

/// The outcome of checking a dialogue: errors block saving, warnings do not.
#[derive(Serialize)]
pub struct DialogueCheck {
    pub ok: bool,
    pub errors: Vec<parlor_core::dialogue::Issue>,
    pub warnings: Vec<parlor_core::dialogue::Issue>,
}

pub async fn read_dialogue(req: &mut Request) -> ApiResult<Dialogue> {
    read_json(req, MAX_BODY_BYTES).await
}

pub fn check_dialogue(dialogue: &Dialogue) -> DialogueCheck {
    let report = validate(dialogue);
    DialogueCheck {
        ok: report.errors.is_empty(),
        errors: report.errors,
        warnings: report.warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eve() -> Agent {
        Agent {
            id: "eve".into(),
            email: "eve@acme.example".into(),
            name: "Eve".into(),
            avatar_url: None,
            live_chat: true,
            role: Role::Admin,
            teams: vec![],
        }
    }

    #[test]
    fn demotion_promotion_and_losing_live_chat_end_sessions() {
        let before = eve();
        let demoted = Agent {
            role: Role::Agent,
            ..eve()
        };
        assert_eq!(
            ends_sessions(&before, &demoted),
            Some((ended::ROLE_CHANGED, Handover::Now)),
            "a demotion hands the chats over at once"
        );
        assert_eq!(
            ends_sessions(&demoted, &before),
            Some((ended::ROLE_CHANGED, Handover::AfterGrace)),
            "a promoted agent signs in again and keeps their chats"
        );
        let no_chat = Agent {
            live_chat: false,
            ..eve()
        };
        assert_eq!(
            ends_sessions(&before, &no_chat),
            Some((ended::LIVE_CHAT_REMOVED, Handover::Now))
        );
    }

    #[test]
    fn profile_team_and_regained_permission_changes_keep_sessions() {
        let before = eve();
        let renamed = Agent {
            name: "Eve R.".into(),
            avatar_url: Some("https://cdn.example/e.png".into()),
            teams: vec!["sales".into()],
            ..eve()
        };
        assert_eq!(ends_sessions(&before, &renamed), None);
        assert_eq!(ends_sessions(&before, &before), None);
        let no_chat = Agent {
            live_chat: false,
            ..eve()
        };
        assert_eq!(ends_sessions(&no_chat, &before), None);
    }

    #[test]
    fn close_reasons_fit_a_close_frame() {
        for reason in [
            ended::REMOVED,
            ended::ROLE_CHANGED,
            ended::LIVE_CHAT_REMOVED,
            ended::PASSWORD_RESET,
            ended::SESSION_ENDED,
        ] {
            assert!(reason.len() <= 123, "{reason}");
        }
    }
}
