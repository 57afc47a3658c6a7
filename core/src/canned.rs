//! Canned replies: saved answers an agent inserts by typing `/` and a few letters in the composer.
//!
//! A reply is workspace-wide (written by admins, seen by every agent) or personal (one agent's
//! own). This module holds every rule about them: what a valid reply is ([`CannedReply::new`]),
//! the limits and unique shortcuts ([`CannedReply::check_among`]), how the composer finds them
//! ([`search`]) and how their placeholders are filled from the chat ([`fill`]). The edge stores
//! them; the inbox searches and fills with these same functions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Longest shortcut, in characters (all ASCII).
pub const MAX_SHORTCUT: usize = 32;
/// Longest text, in bytes, after trimming.
pub const MAX_TEXT: usize = 2_000;
/// Workspace-wide replies one workspace may have.
pub const MAX_WORKSPACE: usize = 200;
/// Personal replies one agent may have.
pub const MAX_PERSONAL: usize = 100;
/// Most replies [`search`] returns (what the composer's list shows).
pub const MAX_RESULTS: usize = 8;

/// Whose reply it is.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "CannedScope"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Written by an admin; every agent of the workspace sees it.
    Workspace,
    /// One agent's own; only that agent sees it.
    Personal,
}

/// One canned reply.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CannedReply {
    /// Given by the server.
    pub id: String,
    /// What the agent types after `/`: 1 to 32 of `a-z 0-9 - _`.
    #[cfg_attr(feature = "schema", schemars(regex(pattern = "^[a-z0-9_-]{1,32}$")))]
    pub shortcut: String,
    /// What is inserted, placeholders `{first_name}` and `{agent_name}` filled; 1 to 2,000
    /// bytes, trimmed.
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 2000)))]
    pub text: String,
    pub scope: Scope,
}

/// Why a reply cannot be stored. The words are for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CannedError {
    #[error(
        "The shortcut must be 1 to {MAX_SHORTCUT} characters among a-z, 0-9, '-' and '_' \
         (no spaces or capitals)."
    )]
    BadShortcut,
    #[error("The reply's text is empty.")]
    EmptyText,
    #[error("The reply's text is {0} bytes long; it may be at most {MAX_TEXT}.")]
    TextTooLong(usize),
    #[error("The workspace already has {MAX_WORKSPACE} workspace-wide canned replies; delete one first.")]
    TooManyWorkspace,
    #[error("You already have {MAX_PERSONAL} personal canned replies; delete one first.")]
    TooManyPersonal,
    /// The shortcut is taken among the replies some agent sees.
    #[error("The shortcut /{0} is already used by another canned reply; choose another one.")]
    Duplicate(String),
}

impl CannedError {
    /// Whether the reply clashes with another one (409) rather than breaking a rule (422).
    pub fn is_conflict(&self) -> bool {
        matches!(self, CannedError::Duplicate(_))
    }
}

/// Whether `s` is a valid shortcut: 1 to 32 of `a-z 0-9 - _`.
pub fn valid_shortcut(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SHORTCUT
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl CannedReply {
    /// A reply as typed, checked: the shortcut as given (surrounding spaces aside), the text
    /// trimmed.
    pub fn new(id: &str, shortcut: &str, text: &str, scope: Scope) -> Result<Self, CannedError> {
        let shortcut = shortcut.trim();
        if !valid_shortcut(shortcut) {
            return Err(CannedError::BadShortcut);
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(CannedError::EmptyText);
        }
        if text.len() > MAX_TEXT {
            return Err(CannedError::TextTooLong(text.len()));
        }
        Ok(CannedReply {
            id: id.to_owned(),
            shortcut: shortcut.to_owned(),
            text: text.to_owned(),
            scope,
        })
    }

    /// Checks this reply (new, or a change of the stored one with the same id) against the
    /// replies it would be seen with, the stored one itself left out by its id:
    /// - for a personal reply, the workspace-wide ones and the same agent's personal ones;
    /// - for a workspace-wide reply, the workspace-wide ones and every agent's personal ones
    ///   (an agent sees both, so each shortcut must stay unique for every agent).
    ///
    /// Refuses a shortcut already taken and a new reply past its scope's limit.
    pub fn check_among(&self, others: &[CannedReply]) -> Result<(), CannedError> {
        let others = || others.iter().filter(|r| r.id != self.id);
        if others().any(|r| r.shortcut == self.shortcut) {
            return Err(CannedError::Duplicate(self.shortcut.clone()));
        }
        let same_scope = others().filter(|r| r.scope == self.scope).count();
        match self.scope {
            Scope::Workspace if same_scope >= MAX_WORKSPACE => Err(CannedError::TooManyWorkspace),
            Scope::Personal if same_scope >= MAX_PERSONAL => Err(CannedError::TooManyPersonal),
            _ => Ok(()),
        }
    }
}

/// Whether `needle` occurs in `hay`, ASCII letters compared without case (other characters
/// exactly: no Unicode case tables reach the browser bundles).
fn contains_ignore_case(hay: &str, needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// How well a reply matches: 0 its shortcut starts with the query, 1 its shortcut contains it,
/// 2 its text contains it; `None` for no match.
fn rank(r: &CannedReply, query: &[u8]) -> Option<u8> {
    let short = r.shortcut.as_bytes();
    if short.len() >= query.len() && short[..query.len()].eq_ignore_ascii_case(query) {
        Some(0)
    } else if contains_ignore_case(&r.shortcut, query) {
        Some(1)
    } else if contains_ignore_case(&r.text, query) {
        Some(2)
    } else {
        None
    }
}

/// The replies matching `query` (what the agent typed after `/`, spaces around it ignored),
/// best first: shortcuts starting with it, then shortcuts containing it, then texts containing
/// it; case-insensitive (ASCII letters); personal replies before workspace-wide ones of the same
/// rank, then in the order given. At most [`MAX_RESULTS`]. An empty query matches every reply.
pub fn search<'a>(replies: &'a [CannedReply], query: &str) -> Vec<&'a CannedReply> {
    let query = query.trim().as_bytes();
    let mut out = Vec::new();
    // A few passes over a few hundred replies: no sort, no allocation per reply.
    for tier in 0..3 {
        for scope in [Scope::Personal, Scope::Workspace] {
            for r in replies {
                if out.len() == MAX_RESULTS {
                    return out;
                }
                if r.scope == scope && rank(r, query) == Some(tier) {
                    out.push(r);
                }
            }
        }
    }
    out
}

/// What placeholders are filled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillContext<'a> {
    /// The visitor's first name, when known (see [`first_name`]).
    pub first_name: Option<&'a str>,
    /// The agent's name as the visitor sees it.
    pub agent_name: &'a str,
}

/// The placeholders [`fill`] knows.
pub const PLACEHOLDERS: [&str; 2] = ["{first_name}", "{agent_name}"];
// `fill` skips a placeholder by the first one's length.
const _: () = assert!(PLACEHOLDERS[0].len() == PLACEHOLDERS[1].len());

/// The visitor's first name for `{first_name}`: the first word of the captured `first_name`
/// field, else of a captured `name` field, else of the name the site identified them with.
pub fn first_name<'a>(
    captured: &'a BTreeMap<String, String>,
    identified: Option<&'a str>,
) -> Option<&'a str> {
    [
        captured.get("first_name").map(String::as_str),
        captured.get("name").map(String::as_str),
        identified,
    ]
    .into_iter()
    .flatten()
    .find_map(|s| s.split(char::is_whitespace).find(|w| !w.is_empty()))
}

/// A value as it may go into a reply: trimmed, without braces (so a name can never spell a
/// placeholder).
fn clean(value: &str) -> String {
    value
        .trim()
        .chars()
        .filter(|c| !matches!(c, '{' | '}'))
        .collect()
}

/// `text` with `{first_name}` and `{agent_name}` replaced. A placeholder with no value (the
/// visitor's name unknown) disappears with the space, or the comma and space, before it
/// ("Hi {first_name}, …" → "Hi, …"; "Thanks, {first_name}!" → "Thanks!"), or with the comma
/// and space after it at the start of a line ("{first_name}, welcome" → "welcome"). Any other
/// `{word}` is left as it is.
pub fn fill(text: &str, ctx: &FillContext<'_>) -> String {
    let first = ctx.first_name.map(clean).unwrap_or_default();
    let agent = clean(ctx.agent_name);
    let mut out = text.to_owned();
    // Removing a placeholder can join its neighbours into another one
    // ("{first_{agent_name}name}"): fill again until none is left. Values hold no braces, so
    // every pass removes at least one `{` and this ends.
    while let Some(next) = fill_once(&out, &first, &agent) {
        out = next;
    }
    out
}

/// One pass of [`fill`]; `None` when `text` holds no known placeholder. (Bytes are scanned by
/// hand: the browser bundles carry no string searchers for it.)
fn fill_once(text: &str, first: &str, agent: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    let mut filled = false;
    while let Some(at) = rest.bytes().position(|b| b == b'{') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let value = match PLACEHOLDERS.iter().position(|p| tail.starts_with(p)) {
            Some(0) => first,
            Some(_) => agent,
            None => {
                out.push('{');
                rest = &tail[1..];
                continue;
            }
        };
        filled = true;
        // Both placeholders are as long.
        rest = &tail[PLACEHOLDERS[0].len()..];
        if !value.is_empty() {
            out.push_str(value);
            continue;
        }
        // Nothing to say: tidy the words around the gap.
        let blank = |b: &u8| matches!(b, b' ' | b'\t');
        trim_end(&mut out, blank);
        if matches!(out.as_bytes().last(), None | Some(b'\n')) {
            // At the start of a line: drop what followed it (", ").
            let skip = rest.bytes().take_while(|b| *b == b',' || blank(b)).count();
            rest = &rest[skip..];
        } else if out.ends_with(',') {
            out.pop();
            trim_end(&mut out, blank);
        }
    }
    out.push_str(rest);
    filled.then_some(out)
}

/// Drops the ASCII bytes `drop` matches from the end of `s`.
fn trim_end(s: &mut String, drop: impl Fn(&u8) -> bool) {
    let kept = s.len() - s.bytes().rev().take_while(|b| drop(b)).count();
    s.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(first: Option<&'a str>) -> FillContext<'a> {
        FillContext {
            first_name: first,
            agent_name: "Alice",
        }
    }

    #[test]
    fn fills_known_placeholders() {
        assert_eq!(
            fill("Hi {first_name}, I'm {agent_name}.", &ctx(Some("Ann"))),
            "Hi Ann, I'm Alice."
        );
    }

    #[test]
    fn an_unknown_first_name_is_tidied_away() {
        let f = |t| fill(t, &ctx(None));
        assert_eq!(f("Hi {first_name}, how can I help?"), "Hi, how can I help?");
        assert_eq!(f("Thanks, {first_name}!"), "Thanks!");
        assert_eq!(f("Hello {first_name} and welcome"), "Hello and welcome");
        assert_eq!(f("{first_name}, welcome!"), "welcome!");
        assert_eq!(f("Hi.\n{first_name}, welcome!"), "Hi.\nwelcome!");
        assert_eq!(f("({first_name})"), "()");
    }
}
