//! Who may do what inside a workspace. Every API call into the workspace object passes here.

use worker::SqlStorage;

use parlor_core::Millis;

use crate::crypto::sha256_hex;
use crate::error::{ApiError, ApiResult};
use crate::identity::{Identity, Role};
use crate::now_ms;
use crate::workspace::store::{self, WorkspaceMeta};

/// A caller whose right to act in this workspace has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The operator or a holder of the workspace admin key.
    Admin,
    /// A signed-in agent (with the admin role or not), on a session of the current epoch.
    Agent { id: String, role: Role, epoch: u64 },
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
            if meta.keys.accepts(&sha256_hex(key), Millis(now_ms())) {
                Caller::Admin
            } else {
                return Err(ApiError::Unauthorized);
            }
        }
        // An admin view's session made from the key: valid until the key is rotated.
        Identity::KeySession {
            workspace,
            generation,
            ..
        } => {
            if workspace != &meta.id {
                return Err(ApiError::Forbidden);
            }
            if *generation != meta.keys.key_generation {
                return Err(ApiError::Unauthorized);
            }
            Caller::Admin
        }
        Identity::Agent {
            workspace,
            agent,
            epoch,
            ..
        } => {
            if workspace != &meta.id {
                return Err(ApiError::Forbidden);
            }
            // The stored record decides: a deleted agent's still-valid token stops working, a
            // token signed before a role change or a password reset (another session epoch) too.
            let (stored, current) =
                store::agent_session(sql, agent)?.ok_or(ApiError::Unauthorized)?;
            if !session_is_current(*epoch, current) {
                return Err(ApiError::Unauthorized);
            }
            Caller::Agent {
                id: agent.clone(),
                role: stored.role,
                epoch: current,
            }
        }
    };
    Ok((meta, caller))
}

/// A session is current when it carries the agent's stored epoch. A `v1` token reads as epoch 0,
/// so it is accepted only while the stored epoch is still 0 (an agent stored before epochs,
/// never revoked since).
pub fn session_is_current(token_epoch: u64, stored_epoch: u64) -> bool {
    token_epoch == stored_epoch
}

pub fn require_admin(caller: &Caller) -> ApiResult<()> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_stored_epoch_is_current() {
        assert!(session_is_current(1_700_000_000_000, 1_700_000_000_000));
        assert!(!session_is_current(1_700_000_000_000, 1_700_000_000_001));
        assert!(!session_is_current(1_700_000_000_001, 1_700_000_000_000));
        // A v1 token (epoch 0) works only for an agent whose epoch was never set or bumped.
        assert!(session_is_current(0, 0));
        assert!(!session_is_current(0, 1_700_000_000_000));
    }

    #[test]
    fn admin_rights_follow_the_role() {
        let agent = |role| Caller::Agent {
            id: "eve".into(),
            role,
            epoch: 1,
        };
        assert!(Caller::Admin.is_admin());
        assert!(agent(Role::Admin).is_admin());
        assert!(!agent(Role::Agent).is_admin());
        assert!(require_admin(&agent(Role::Agent)).is_err());
        assert_eq!(agent(Role::Agent).agent_id(), Some("eve"));
        assert_eq!(Caller::Admin.agent_id(), None);
    }
}
