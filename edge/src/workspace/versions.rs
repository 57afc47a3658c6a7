//! Dialogue versions: every save is numbered and kept (the newest ten), so two admins editing
//! the same dialogue cannot silently overwrite each other (`If-Match`), and an earlier version
//! can be looked at again.

use serde::{Deserialize, Serialize};
use worker::SqlStorage;

use crate::error::{ApiError, ApiResult};
use crate::sql::{exec, int, rows};

/// Versions kept per dialogue; older ones are deleted by the save that passes this.
pub const KEPT: u64 = 10;

pub const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS dialogue_versions (dialogue TEXT NOT NULL, version INTEGER NOT NULL, saved_at INTEGER NOT NULL, saved_by TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (dialogue, version))",
];

/// What a save asks of the dialogue's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// No header: save whatever is stored (clients from before versions).
    None,
    /// `If-Match: "n"`: the dialogue is still at version n.
    Version(u64),
    /// `If-None-Match: *`: the dialogue does not exist yet.
    Absent,
}

/// Reads `If-Match` (one version number, quotes optional) and `If-None-Match` (only `*`).
pub fn precondition(
    if_match: Option<&str>,
    if_none_match: Option<&str>,
) -> ApiResult<Precondition> {
    match (if_match, if_none_match) {
        (None, None) => Ok(Precondition::None),
        (Some(_), Some(_)) => Err(ApiError::BadRequest(
            "send either If-Match or If-None-Match, not both".into(),
        )),
        (Some(v), None) => {
            let t = v.trim();
            let bare = t
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .unwrap_or(t);
            // Digits only: `+1`, `-0` or ` 1 ` inside the quotes are no version this server gave.
            if bare.is_empty() || !bare.bytes().all(|b| b.is_ascii_digit()) {
                return Err(malformed_if_match(v));
            }
            bare.parse()
                .map(Precondition::Version)
                .map_err(|_| malformed_if_match(v))
        }
        (None, Some(v)) if v.trim() == "*" => Ok(Precondition::Absent),
        (None, Some(v)) => Err(ApiError::BadRequest(format!(
            "If-None-Match takes only *, not {:?}",
            truncated(v)
        ))),
    }
}

fn malformed_if_match(v: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "If-Match must be the dialogue's version as its ETag gives it, such as \"3\"; got {:?}",
        truncated(v)
    ))
}

/// A header value quoted back in an error, at most 40 characters.
fn truncated(v: &str) -> String {
    v.chars().take(40).collect()
}

/// Refuses a save whose precondition does not hold; `current` is the stored version, `None`
/// when the dialogue does not exist.
pub fn check(pre: Precondition, current: Option<u64>) -> ApiResult<()> {
    let detail = match (pre, current) {
        (Precondition::None, _) | (Precondition::Absent, None) => return Ok(()),
        (Precondition::Version(want), Some(now)) if want == now => return Ok(()),
        (Precondition::Version(want), Some(now)) => {
            format!("now version {now}, you opened version {want}")
        }
        (Precondition::Version(want), None) => {
            format!("it was deleted, you opened version {want}")
        }
        (Precondition::Absent, Some(now)) => {
            format!("it already exists at version {now}, you opened it as a new dialogue")
        }
    };
    Err(ApiError::Changed(detail))
}

/// The `ETag` of a version: the number, quoted.
pub fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

#[derive(Deserialize)]
struct VersionRow {
    version: u64,
}

#[derive(Deserialize)]
struct IdRow {
    #[allow(dead_code)]
    id: String,
}

/// The dialogue's current version: `None` when it does not exist; 0 for a dialogue saved
/// before versions existed and not since.
pub fn current(sql: &SqlStorage, dialogue: &str) -> ApiResult<Option<u64>> {
    let exists: Vec<IdRow> = rows(
        sql,
        "SELECT id FROM dialogues WHERE id = ?",
        vec![dialogue.into()],
    )?;
    if exists.is_empty() {
        return Ok(None);
    }
    let newest: Vec<VersionRow> = rows(
        sql,
        "SELECT version FROM dialogue_versions WHERE dialogue = ? ORDER BY version DESC LIMIT 1",
        vec![dialogue.into()],
    )?;
    Ok(Some(newest.first().map_or(0, |r| r.version)))
}

/// Records a save as `version` and forgets the versions before the newest [`KEPT`]. Called in
/// the same synchronous section as the dialogue's write, so both are one commit.
pub fn record(
    sql: &SqlStorage,
    dialogue: &str,
    version: u64,
    saved_at: u64,
    saved_by: &str,
    body: &str,
) -> ApiResult<()> {
    exec(
        sql,
        "INSERT INTO dialogue_versions (dialogue, version, saved_at, saved_by, body) VALUES (?, ?, ?, ?, ?)",
        vec![
            dialogue.into(),
            int(version),
            int(saved_at),
            saved_by.into(),
            body.into(),
        ],
    )?;
    exec(
        sql,
        "DELETE FROM dialogue_versions WHERE dialogue = ? AND version <= ?",
        vec![dialogue.into(), int(version.saturating_sub(KEPT))],
    )
}

/// One kept version, as the versions list shows it.
#[derive(Serialize)]
pub struct Version {
    pub version: u64,
    /// ms since the epoch.
    pub saved_at: u64,
    /// The agent who saved it, or `admin_key`.
    pub saved_by: String,
    pub dialogue: serde_json::Value,
}

#[derive(Deserialize)]
struct Row {
    version: u64,
    saved_at: u64,
    saved_by: String,
    body: String,
}

/// The kept versions, newest first.
pub fn list(sql: &SqlStorage, dialogue: &str) -> ApiResult<Vec<Version>> {
    let found: Vec<Row> = rows(
        sql,
        "SELECT version, saved_at, saved_by, body FROM dialogue_versions WHERE dialogue = ? ORDER BY version DESC LIMIT ?",
        vec![dialogue.into(), int(KEPT)],
    )?;
    found
        .into_iter()
        .map(|r| {
            Ok(Version {
                version: r.version,
                saved_at: r.saved_at,
                saved_by: r.saved_by,
                dialogue: serde_json::from_str(&r.body)?,
            })
        })
        .collect()
}

/// Forgets every version of a deleted dialogue.
pub fn forget(sql: &SqlStorage, dialogue: &str) -> ApiResult<()> {
    exec(
        sql,
        "DELETE FROM dialogue_versions WHERE dialogue = ?",
        vec![dialogue.into()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(if_match: Option<&str>, if_none_match: Option<&str>) -> Precondition {
        precondition(if_match, if_none_match).expect("a valid precondition")
    }

    fn refused(if_match: Option<&str>, if_none_match: Option<&str>) -> String {
        match precondition(if_match, if_none_match) {
            Err(e @ ApiError::BadRequest(_)) => e.to_string(),
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn if_match_takes_a_version_with_or_without_quotes() {
        assert_eq!(parsed(None, None), Precondition::None);
        assert_eq!(parsed(Some("\"3\""), None), Precondition::Version(3));
        assert_eq!(parsed(Some("3"), None), Precondition::Version(3));
        assert_eq!(parsed(Some(" \"12\" "), None), Precondition::Version(12));
        assert_eq!(parsed(Some("0"), None), Precondition::Version(0));
        assert_eq!(parsed(None, Some("*")), Precondition::Absent);
        assert_eq!(parsed(None, Some(" * ")), Precondition::Absent);
    }

    #[test]
    fn a_malformed_precondition_is_a_bad_request() {
        for bad in [
            "",
            "\"\"",
            "abc",
            "\"abc\"",
            "W/\"3\"",
            "*",
            "-1",
            "+1",
            "1.5",
            "\"3",
            "3, 4",
            "99999999999999999999999",
        ] {
            let message = refused(Some(bad), None);
            assert!(
                message.starts_with("If-Match must be"),
                "{bad:?}: {message}"
            );
        }
        assert!(refused(None, Some("\"3\"")).starts_with("If-None-Match takes only *"));
        assert!(refused(Some("1"), Some("*")).contains("not both"));
        let long = "x".repeat(500);
        assert!(refused(Some(&long), None).len() < 150, "the value is cut");
    }

    #[test]
    fn a_save_goes_through_only_on_the_version_it_was_opened_at() {
        assert!(check(Precondition::None, None).is_ok());
        assert!(check(Precondition::None, Some(7)).is_ok());
        assert!(check(Precondition::Version(3), Some(3)).is_ok());
        assert!(
            check(Precondition::Version(0), Some(0)).is_ok(),
            "saved before versions"
        );
        assert!(check(Precondition::Absent, None).is_ok());
    }

    #[test]
    fn a_stale_save_is_refused_saying_what_changed() {
        let e = check(Precondition::Version(3), Some(5)).expect_err("stale");
        assert_eq!(e.status(), 412);
        assert_eq!(e.code(), "changed");
        assert_eq!(
            e.to_string(),
            "This dialogue was changed since you opened it (now version 5, you opened version 3). Reload it to see the changes."
        );
        let e = check(Precondition::Version(3), None).expect_err("deleted");
        assert!(e.to_string().contains("it was deleted"), "{e}");
        let e = check(Precondition::Absent, Some(1)).expect_err("exists");
        assert_eq!(e.status(), 412);
        assert!(e.to_string().starts_with(
            "This dialogue was changed since you opened it (it already exists at version 1"
        ));
    }

    #[test]
    fn etags_are_quoted_numbers_that_parse_back() {
        assert_eq!(etag(4), "\"4\"");
        assert_eq!(parsed(Some(&etag(4)), None), Precondition::Version(4));
    }
}
