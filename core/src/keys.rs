//! The workspace admin key (`wsk_…`): stored only as a hash, rotated with a grace during which
//! the previous key still works (integrations switch over), and numbered by a generation that
//! admin-view sessions made from a key carry, so a rotation ends them.

use serde::{Deserialize, Serialize};

use crate::Millis;

/// How long the previous key works after a rotation unless the admin says otherwise.
pub const DEFAULT_ROTATION_GRACE: Millis = Millis(24 * 60 * 60 * 1000);
/// The longest grace an admin may give the previous key.
pub const MAX_ROTATION_GRACE: Millis = Millis(7 * 24 * 60 * 60 * 1000);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousKey {
    pub hash: String,
    /// Refused from this instant on.
    pub until: Millis,
}

/// The hashes of the keys that open a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRing {
    /// SHA-256 (hex) of the current key. (Its stored name predates rotation.)
    #[serde(rename = "admin_key_hash")]
    pub current: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_key: Option<PreviousKey>,
    /// Bumped by every rotation; admin-view sessions of another generation are refused.
    #[serde(default)]
    pub key_generation: u64,
}

impl KeyRing {
    pub fn new(hash: String) -> Self {
        KeyRing {
            current: hash,
            previous_key: None,
            key_generation: 0,
        }
    }

    /// Whether a key with this hash opens the workspace at `now`.
    pub fn accepts(&self, hash: &str, now: Millis) -> bool {
        let previous = self
            .previous_key
            .as_ref()
            .is_some_and(|p| now < p.until && same(&p.hash, hash));
        // Both compared, whatever the first gives, so the time does not tell which matched.
        let current = same(&self.current, hash);
        current | previous
    }

    /// Whether this is the current key's hash (not the previous one's, in its grace). Only the
    /// current key may rotate the key or open admin-view sessions: a leaked previous key must
    /// not lock out the admin who replaced it, nor outlive its grace in a session.
    pub fn is_current(&self, hash: &str) -> bool {
        same(&self.current, hash)
    }

    /// A new key replaces the current one, which keeps working for `grace` (clamped to
    /// [`MAX_ROTATION_GRACE`]; zero refuses it at once). Returns when the old key stops.
    pub fn rotate(&mut self, new_hash: String, grace: Millis, now: Millis) -> Millis {
        let until = now.after(grace.min(MAX_ROTATION_GRACE));
        let old = std::mem::replace(&mut self.current, new_hash);
        self.previous_key = (until > now).then_some(PreviousKey { hash: old, until });
        self.key_generation = self.key_generation.saturating_add(1);
        until
    }
}

/// Equal strings, compared in time that depends only on the length.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_key_works_for_the_grace_only() {
        let mut ring = KeyRing::new("old".into());
        assert!(ring.accepts("old", Millis(0)));
        let until = ring.rotate("new".into(), Millis(60_000), Millis(1_000));
        assert_eq!(until, Millis(61_000));
        assert_eq!(ring.key_generation, 1);
        assert!(ring.is_current("new") && !ring.is_current("old"));
        assert!(ring.accepts("new", Millis(1_000)));
        assert!(ring.accepts("old", Millis(60_999)));
        assert!(!ring.accepts("old", Millis(61_000)));
        assert!(ring.accepts("new", Millis(10_000_000)));
        assert!(!ring.accepts("other", Millis(1_000)));
    }

    #[test]
    fn a_zero_grace_refuses_the_old_key_at_once_and_grace_is_bounded() {
        let mut ring = KeyRing::new("old".into());
        ring.rotate("new".into(), Millis(0), Millis(5));
        assert!(!ring.accepts("old", Millis(5)));
        assert_eq!(ring.previous_key, None);
        let until = ring.rotate("newer".into(), Millis(u64::MAX), Millis(5));
        assert_eq!(until, Millis(5).after(MAX_ROTATION_GRACE));
        // Only one previous key: two rotations in a row leave the first key refused.
        assert!(ring.accepts("new", Millis(6)) && !ring.accepts("old", Millis(6)));
    }

    #[test]
    fn stored_metas_without_rotation_fields_still_load() {
        let ring: KeyRing = serde_json::from_str(r#"{"admin_key_hash":"abc"}"#).expect("json");
        assert_eq!(ring, KeyRing::new("abc".into()));
    }
}
