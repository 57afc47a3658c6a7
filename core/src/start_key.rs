//! A visitor's start key: the client's own name for one start of a conversation, sent again
//! with every retry of that start. A start whose answer was lost on the way (a gateway's 502,
//! a dropped connection, a timeout after the server had done its work) would otherwise be
//! started twice when tried again: a second conversation, and, when its first card is a live
//! chat card, a second offer to an agent for a visitor who is not there, and a second
//! engagement counted against the plan.
//!
//! The server names the conversation a key starts, and its token's secret, from the key and
//! the workspace with a keyed hash (the edge signs [`StartKey::id_message`] and
//! [`StartKey::secret_message`]), so a retry finds the conversation its first try made without
//! anything stored for the key: nothing to expire, and no write on the start's path.
//!
//! A name whose conversation was erased is never used again (only its tombstone is left), so
//! a key has a few names in turn, its *generations*: a start whose name is a tombstone takes
//! the next one, and a retry of it walks the same names to the same conversation.

/// Shortest key: 16 characters of the alphabet below hold 96 bits or more when random.
pub const MIN_LEN: usize = 16;
/// Longest key.
pub const MAX_LEN: usize = 64;

/// Hex characters of a conversation id made from a key (the length of a random one).
pub const ID_HEX: usize = 32;
/// Hex characters of a token's secret made from a key (the length of a random one).
pub const SECRET_HEX: usize = 48;

/// Names a key has after its first (generation 0): a key comes back after an erasure of its
/// conversation only when a page kept it while that start's answer was lost, so one is
/// plenty, and a few bound the walk.
pub const GENERATIONS: u8 = 3;

/// A key as the client sent it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartKey(String);

/// Why a key is refused, in words for the client's developer.
pub const REFUSAL: &str = "start must be 16 to 64 characters: letters, digits, '-' or '_'";

impl StartKey {
    /// The key, when it is 16–64 characters of `A–Z a–z 0–9 - _`.
    pub fn parse(key: &str) -> Option<StartKey> {
        let fits = (MIN_LEN..=MAX_LEN).contains(&key.len())
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        fits.then(|| StartKey(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the server signs for the id of the conversation this key starts in `workspace`
    /// under its name of `generation` (see the module's words). Workspace ids hold no line
    /// break, so no two (workspace, key, generation) share a message.
    pub fn id_message(&self, workspace: &str, generation: u8) -> String {
        message("start-id", workspace, &self.0, generation)
    }

    /// What the server signs for that conversation's token secret (apart from the id, which the
    /// token shows).
    pub fn secret_message(&self, workspace: &str, generation: u8) -> String {
        message("start-secret", workspace, &self.0, generation)
    }
}

/// Whether an answer of HTTP `status` to a start (0: none came) settles its key, so that the
/// client's next start is a new one, under a key of its own. A success made the conversation;
/// a refusal (4xx: a bad request, a site or visitor refused, a rate limit) started nothing,
/// and the same request would be refused again. No answer, or a server's or gateway's
/// failure (5xx), may have come after the start was carried out: the key is kept, and sent
/// again with the next try, even from another page, until an answer settles it.
pub fn settled_by(status: u16) -> bool {
    matches!(status, 200..=299 | 400..=499)
}

/// Whether a failure of a start is likely mended by trying again soon, so a client tries
/// again on its own before asking the visitor: the server busy (an object overloaded or
/// restarting: 503) or a gateway that could not reach it (502, 504). Not the network
/// (status 0): a start that stalled has kept the visitor waiting already.
pub fn passing(status: u16) -> bool {
    matches!(status, 502..=504)
}

/// `purpose`, workspace and key on lines of their own, then the generation after the first
/// (so generation 0 signs what keys signed before there were generations).
fn message(purpose: &str, workspace: &str, key: &str, generation: u8) -> String {
    let mut m = String::with_capacity(purpose.len() + workspace.len() + key.len() + 6);
    m.push_str(purpose);
    m.push('\n');
    m.push_str(workspace);
    m.push('\n');
    m.push_str(key);
    if generation > 0 {
        m.push('\n');
        crate::client::push_hex(&mut m, u64::from(generation));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keys_of_the_alphabet_and_length_are_taken() {
        for key in [
            "0123456789abcdef",
            "a".repeat(64).as_str(),
            "Ab_-09zZ1234567890",
        ] {
            assert_eq!(StartKey::parse(key).map(|k| k.0), Some(key.to_owned()));
        }
    }

    #[test]
    fn short_long_or_odd_keys_are_refused() {
        let long = "a".repeat(65);
        for key in [
            "",
            "0123456789abcde",
            long.as_str(),
            "0123456789abcdef ",
            "0123456789abcdé0",
            "0123456789.abcdef",
            "0123456789\nabcdef",
        ] {
            assert_eq!(StartKey::parse(key), None, "{key:?}");
        }
    }

    #[test]
    fn the_id_and_the_secret_sign_different_messages() {
        let k = StartKey::parse("0123456789abcdef")
            .map(|k| (k.id_message("w1", 0), k.secret_message("w1", 0)));
        let (id, secret) = k.unwrap_or_default();
        assert_eq!(id, "start-id\nw1\n0123456789abcdef");
        assert_ne!(id, secret);
    }

    #[test]
    fn each_generation_signs_its_own_message_and_the_first_the_plain_one() {
        let Some(k) = StartKey::parse("0123456789abcdef") else {
            panic!("a valid key");
        };
        assert_eq!(k.id_message("w1", 1), "start-id\nw1\n0123456789abcdef\n1");
        let names: std::collections::BTreeSet<String> = (0..=GENERATIONS)
            .flat_map(|g| [k.id_message("w1", g), k.secret_message("w1", g)])
            .collect();
        assert_eq!(names.len(), 2 * (usize::from(GENERATIONS) + 1));
    }

    #[test]
    fn successes_and_refusals_settle_a_key_and_failures_keep_it() {
        for status in [200, 201, 400, 403, 404, 409, 413, 429] {
            assert!(settled_by(status), "{status}");
        }
        for status in [0, 500, 502, 503, 504] {
            assert!(!settled_by(status), "{status}");
        }
        for status in [502, 503, 504] {
            assert!(passing(status) && !settled_by(status), "{status}");
        }
        for status in [0, 400, 429, 500] {
            assert!(!passing(status), "{status}");
        }
    }

    proptest! {
        /// Two different (workspace, key) pairs never sign the same message, so a key names
        /// different conversations in different workspaces.
        #[test]
        fn messages_name_one_workspace_key_and_generation(
            a in "[a-z0-9]{1,12}", b in "[a-z0-9]{1,12}",
            k1 in "[A-Za-z0-9_-]{16,64}", k2 in "[A-Za-z0-9_-]{16,64}",
            g1 in 0..=GENERATIONS, g2 in 0..=GENERATIONS,
        ) {
            let (Some(x), Some(y)) = (StartKey::parse(&k1), StartKey::parse(&k2)) else {
                return Err(TestCaseError::fail("generated keys are valid"));
            };
            prop_assert_eq!(
                x.id_message(&a, g1) == y.id_message(&b, g2),
                a == b && k1 == k2 && g1 == g2
            );
        }
    }
}
