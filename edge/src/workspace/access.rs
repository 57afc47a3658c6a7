//! Who may do what inside a workspace. Every API call into the workspace object passes here.

use worker::SqlStorage;

use crate::crypto::{constant_time_eq, sha256_hex};
use crate::error::{ApiError, ApiResult};
use crate::identity::{Identity, Role};
use crate::workspace::store::{self, WorkspaceMeta};

/// A caller whose right to act in this workspace has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The operator or a holder of the workspace admin key.
    Admin,
    /// A signed-in agent (with the admin role or not).
    Agent { id: String, role: Role },
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        matches!(
            self,
            Caller::Admin
                | Caller::Agent {
                    role: Role::Admin,
                    ..
                }
        )
    }

    pub fn agent_id(&self) -> Option<&str> {
        match self {
            Caller::Agent { id, .. } => Some(id),
            Caller::Admin => None,
        }
    }
}

/// Checks the caller against this workspace. Unknown workspace → 404 (for everyone alike, so
/// workspace ids cannot be probed with a key from elsewhere).
pub fn caller(sql: &SqlStorage, identity: &Identity) -> ApiResult<(WorkspaceMeta, Caller)> {
    let meta = store::meta(sql)?.ok_or(ApiError::NotFound("workspace"))?;
    let caller = match identity {
        Identity::Anonymous => return Err(ApiError::Unauthorized),
        Identity::Operator => Caller::Admin,
        Identity::WorkspaceKey { key } => {
            if constant_time_eq(&sha256_hex(key), &meta.admin_key_hash) {
                Caller::Admin
            } else {
                return Err(ApiError::Unauthorized);
            }
        }
        Identity::Agent {
            workspace, agent, ..
        } => {
            if workspace != &meta.id {
                return Err(ApiError::Forbidden);
            }
            // The stored record decides: a deleted agent's still-valid token stops working, and
            // a role change applies at once.
            let stored = store::agent(sql, agent)?.ok_or(ApiError::Unauthorized)?;
            Caller::Agent {
                id: agent.clone(),
                role: stored.role,
            }
        }
    };
    Ok((meta, caller))
}

pub fn require_admin(caller: &Caller) -> ApiResult<()> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}
