//! Input checks shared by the API handlers: ids, names, URLs, passwords.

use crate::error::{ApiError, ApiResult};

/// Ids chosen by admins: 1–64 of `a-z 0-9 _ -`.
pub fn id(kind: &str, value: &str) -> ApiResult<()> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "{kind} id must be 1 to 64 characters among a-z, 0-9, '_' and '-'"
        )))
    }
}

pub fn text(kind: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.trim().is_empty() || value.chars().count() > max {
        Err(ApiError::BadRequest(format!(
            "{kind} must be 1 to {max} characters"
        )))
    } else {
        Ok(())
    }
}

/// Agents' emails follow core's one rule, like every other email Parlor accepts.
pub fn email(value: &str) -> ApiResult<()> {
    if parlor_core::dialogue::looks_like_email(value) {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "{value:?} is not an email address"
        )))
    }
}

pub fn password(value: &str) -> ApiResult<()> {
    if (8..=128).contains(&value.chars().count()) {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "password must be 8 to 128 characters".into(),
        ))
    }
}

/// Avatar URLs are shown to visitors and agents as images: an absolute `https://` URL, or a
/// path on this site (one leading `/`; `//host/…` would be another site). Plain `http://` is
/// accepted only for a loopback host (local development serves over http). Bounded length,
/// no whitespace or markup characters.
pub fn image_url(value: &str) -> ApiResult<()> {
    let https = value
        .strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    let same_site = value.starts_with('/') && !value.starts_with("//") && !value.contains('\\');
    let loopback = value.strip_prefix("http://").is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let name = match host.rsplit_once(':') {
            Some((name, port)) if !name.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                name
            }
            _ => host,
        };
        matches!(name, "localhost" | "127.0.0.1" | "[::1]")
    });
    let ok = (https || same_site || loopback)
        && value.len() <= 500
        && !value.contains(|c: char| c.is_whitespace() || c.is_control())
        && !value.contains(['"', '<', '>', '\\']);
    if ok {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "avatar_url must be an https:// URL or a path on this site starting with a single '/', of at most 500 characters".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatars_are_https_or_this_site() {
        for good in [
            "https://cdn.example.com/a.png",
            "https://cdn.example.com:8443/a/b.png?v=2",
            "/img/alice.svg",
            "/a",
            "http://127.0.0.1:8787/img/alice.svg",
            "http://localhost/img/a.png",
            "http://[::1]:8787/a.png",
        ] {
            assert!(image_url(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn other_sites_schemes_and_tricks_are_refused() {
        let long = format!("https://x.example/{}", "a".repeat(500));
        for bad in [
            "//evil.example/a.png",
            "http://evil.example/a.png",
            "http://127.0.0.1.evil.example/a.png",
            "http://localhost.evil.example/a.png",
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "https:///a.png",
            "https://",
            "/\\evil.example/a.png",
            "a.png",
            "",
            "https://x.example/a b.png",
            "https://x.example/\"><script>",
            "/img/a.png\n",
            long.as_str(),
        ] {
            let err = image_url(bad).expect_err(bad);
            assert_eq!(err.status(), 400, "{bad}");
        }
    }
}
