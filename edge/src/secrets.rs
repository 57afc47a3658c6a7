//! The platform secrets Parlor refuses to serve without: `SESSION_SECRET` signs every agent
//! session (at least 32 bytes, or sessions could be forged by guessing it), and `ADMIN_TOKEN`
//! creates workspaces (it must carry its `op_` prefix, which is how the Worker tells it from
//! other tokens, and at least 32 characters after it). `scripts/setup.sh` generates both.

use worker::Env;

use crate::error::{ApiError, ApiResult};

/// Shortest session secret, in bytes.
pub const MIN_SESSION_SECRET: usize = 32;

/// The operator token's prefix.
pub const ADMIN_PREFIX: &str = "op_";

/// Shortest operator token after its prefix.
pub const MIN_ADMIN_SECRET: usize = 32;

fn read(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
}

/// Checked on every request: a misconfigured deployment answers 500 naming the secret.
pub fn check(env: &Env) -> ApiResult<()> {
    match problem(
        read(env, "SESSION_SECRET").as_deref(),
        read(env, "ADMIN_TOKEN").as_deref(),
    ) {
        Some(p) => Err(ApiError::Misconfigured(p)),
        None => Ok(()),
    }
}

/// What is wrong with the secrets, in words an operator can act on; `None` when both are fine.
pub fn problem(session_secret: Option<&str>, admin_token: Option<&str>) -> Option<String> {
    match session_secret {
        None => return Some("SESSION_SECRET is not set".into()),
        Some(s) if s.len() < MIN_SESSION_SECRET => {
            return Some(format!(
                "SESSION_SECRET must be at least {MIN_SESSION_SECRET} bytes (it has {})",
                s.len()
            ))
        }
        Some(_) => {}
    }
    match admin_token {
        None => Some("ADMIN_TOKEN is not set".into()),
        Some(t) if !t.starts_with(ADMIN_PREFIX) => {
            Some(format!("ADMIN_TOKEN must start with \"{ADMIN_PREFIX}\""))
        }
        Some(t) if t.len() < ADMIN_PREFIX.len() + MIN_ADMIN_SECRET => Some(format!(
            "ADMIN_TOKEN must have at least {MIN_ADMIN_SECRET} characters after \"{ADMIN_PREFIX}\""
        )),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `scripts/setup.sh` writes to `.dev.vars`.
    const SESSION: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const ADMIN: &str = "op_0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn generated_secrets_are_accepted() {
        assert_eq!(problem(Some(SESSION), Some(ADMIN)), None);
        assert_eq!(problem(Some(&SESSION[..32]), Some(&ADMIN[..35])), None);
    }

    #[test]
    fn a_short_or_missing_session_secret_is_named() {
        for bad in [None, Some(""), Some(&SESSION[..31])] {
            let p = problem(bad, Some(ADMIN)).expect("refused");
            assert!(p.starts_with("SESSION_SECRET"), "{p}");
        }
    }

    #[test]
    fn an_admin_token_without_its_prefix_or_too_short_is_named() {
        for bad in [
            None,
            Some(&ADMIN[3..]),
            Some("OP_0123456789abcdef0123456789abcdef01"),
            Some(&ADMIN[..34]),
        ] {
            let p = problem(Some(SESSION), bad).expect("refused");
            assert!(p.starts_with("ADMIN_TOKEN"), "{p}");
        }
    }

    #[test]
    fn the_answer_is_a_500_naming_the_secret() {
        let e = ApiError::Misconfigured(problem(Some("short"), Some(ADMIN)).expect("refused"));
        assert_eq!(e.status(), 500);
        assert_eq!(e.code(), "misconfigured");
        assert!(e.to_string().contains("SESSION_SECRET"), "{e}");
    }
}
