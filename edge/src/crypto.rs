//! Randomness, hashing and constant-time comparison. Tokens are only ever stored hashed.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};

type HmacSha256 = Hmac<Sha256>;

/// PBKDF2 rounds for agent passwords: slow enough to resist guessing, fast enough for a sign-in.
const PASSWORD_ROUNDS: u32 = 60_000;

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// `n` random bytes from the platform's CSPRNG, hex-encoded.
pub fn random_hex(n: usize) -> ApiResult<String> {
    let mut buf = vec![0u8; n];
    getrandom::getrandom(&mut buf).map_err(|e| ApiError::Internal(format!("randomness: {e}")))?;
    Ok(hex(&buf))
}

pub fn sha256_hex(data: &str) -> String {
    hex(&Sha256::digest(data.as_bytes()))
}

/// Compares two strings without leaking where they differ through timing.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn hmac_hex(key: &str, msg: &str) -> ApiResult<String> {
    let mut mac = HmacSha256::new_from_slice(key.as_bytes())
        .map_err(|_| ApiError::Internal("bad signing key".into()))?;
    mac.update(msg.as_bytes());
    Ok(hex(&mac.finalize().into_bytes()))
}

/// `pbkdf2-sha256$rounds$salt$hash`.
pub fn hash_password(password: &str) -> ApiResult<String> {
    let salt = random_hex(16)?;
    Ok(format!(
        "pbkdf2-sha256${PASSWORD_ROUNDS}${salt}${}",
        derive(password, &salt, PASSWORD_ROUNDS)
    ))
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some("pbkdf2-sha256"), Some(rounds), Some(salt), Some(hash), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let Ok(rounds) = rounds.parse::<u32>() else {
        return false;
    };
    constant_time_eq(&derive(password, salt, rounds), hash)
}

fn derive(password: &str, salt: &str, rounds: u32) -> String {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt.as_bytes(), rounds, &mut out);
    hex(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_encodes_bytes() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }

    #[test]
    fn password_round_trip() {
        let stored = format!("pbkdf2-sha256$10$abcd${}", derive("secret", "abcd", 10));
        assert!(verify_password("secret", &stored));
        assert!(!verify_password("Secret", &stored));
        assert!(!verify_password("secret", "garbage"));
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
