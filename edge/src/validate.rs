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

/// Avatar URLs are shown to visitors as images: only http(s), bounded length.
pub fn image_url(value: &str) -> ApiResult<()> {
    let ok =
        (value.starts_with("https://") || value.starts_with("http://") || value.starts_with('/'))
            && value.len() <= 500
            && !value.contains(char::is_whitespace)
            && !value.contains(['"', '<', '>']);
    if ok {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "avatar_url must be an absolute http(s) URL of at most 500 characters".into(),
        ))
    }
}
