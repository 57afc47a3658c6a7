//! The stored password hash format and when a stored hash is upgraded. The hashing itself is
//! the platform's (WebCrypto PBKDF2-SHA256, run by the stateless Worker).
//!
//! Format: `pbkdf2-sha256$<iterations>$<salt>$<hash>`: the salt is hex text whose *bytes*
//! (the ASCII of the hex digits) salt the derivation, the hash is 32 bytes in hex. The first
//! field names the algorithm, the second the cost, so older hashes (60,000 iterations) still
//! verify and are rewritten at [`ITERATIONS`] on the next successful sign-in.

/// The algorithm field of every hash Parlor has stored.
pub const ALGORITHM: &str = "pbkdf2-sha256";

/// PBKDF2 iterations for new hashes: the most workerd's WebCrypto accepts.
pub const ITERATIONS: u32 = 100_000;

/// Bytes of random salt (stored as twice as many hex digits).
pub const SALT_BYTES: usize = 16;

/// Bytes of derived key.
pub const HASH_BYTES: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHash {
    pub iterations: u32,
    pub salt: String,
    /// Lower-case hex of the derived key.
    pub hash: String,
}

fn is_hex(s: &str, len: Option<usize>) -> bool {
    !s.is_empty()
        && len.is_none_or(|l| s.len() == l)
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl StoredHash {
    /// Reads a stored hash; `None` for anything this version cannot verify (another
    /// algorithm, a cost of zero or above what the platform accepts, malformed fields).
    pub fn parse(stored: &str) -> Option<StoredHash> {
        let mut parts = stored.split('$');
        let (Some(ALGORITHM), Some(iterations), Some(salt), Some(hash), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        if iterations.is_empty() || !iterations.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let iterations: u32 = iterations.parse().ok()?;
        if iterations == 0 || iterations > ITERATIONS {
            return None;
        }
        if !is_hex(salt, None) || !is_hex(hash, Some(HASH_BYTES * 2)) {
            return None;
        }
        Some(StoredHash {
            iterations,
            salt: salt.to_owned(),
            hash: hash.to_owned(),
        })
    }

    /// A new hash at today's cost.
    pub fn new(salt: String, hash: String) -> StoredHash {
        StoredHash {
            iterations: ITERATIONS,
            salt,
            hash,
        }
    }

    /// What an unknown email is checked against, so it costs the Worker exactly what a known
    /// email costs. No password derives to all zeros in practice; the check fails anyway.
    pub fn decoy(salt: String) -> StoredHash {
        StoredHash::new(salt, "0".repeat(HASH_BYTES * 2))
    }

    /// Stored at a lower cost than today's: rewrite after the next successful sign-in.
    pub fn needs_upgrade(&self) -> bool {
        self.iterations < ITERATIONS
    }

    pub fn format(&self) -> String {
        format!(
            "{ALGORITHM}${}${}${}",
            self.iterations, self.salt, self.hash
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "5a8f0c3d3e0b5e2f6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c";

    #[test]
    fn reads_todays_hashes_and_the_older_cost() {
        let old = format!("pbkdf2-sha256$60000$0a1b2c3d${HASH}");
        let h = StoredHash::parse(&old).expect("60k hash");
        assert_eq!(h.iterations, 60_000);
        assert_eq!(h.salt, "0a1b2c3d");
        assert!(h.needs_upgrade());
        assert_eq!(h.format(), old);
        let new = StoredHash::new("ff00".into(), HASH.into());
        assert_eq!(new.format(), format!("pbkdf2-sha256$100000$ff00${HASH}"));
        let again = StoredHash::parse(&new.format()).expect("round trip");
        assert!(!again.needs_upgrade());
        assert_eq!(again, new);
    }

    #[test]
    fn refuses_what_it_cannot_verify() {
        for bad in [
            String::new(),
            "garbage".into(),
            format!("bcrypt$100000$ab${HASH}"),
            format!("pbkdf2-sha256$0$ab${HASH}"),
            format!("pbkdf2-sha256$100001$ab${HASH}"),
            format!("pbkdf2-sha256$+5$ab${HASH}"),
            format!("pbkdf2-sha256$$ab${HASH}"),
            format!("pbkdf2-sha256$1000$${HASH}"),
            format!("pbkdf2-sha256$1000$xyz${HASH}"),
            "pbkdf2-sha256$1000$ab$abcd".into(),
            format!("pbkdf2-sha256$1000$ab${}", HASH.to_uppercase()),
            format!("pbkdf2-sha256$1000$ab${HASH}$extra"),
        ] {
            assert_eq!(StoredHash::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn the_decoy_costs_what_a_new_hash_costs() {
        let d = StoredHash::decoy("00ff".into());
        assert_eq!(d.iterations, ITERATIONS);
        assert_eq!(StoredHash::parse(&d.format()), Some(d));
    }
}
