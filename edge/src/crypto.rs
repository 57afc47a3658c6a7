//! Randomness, hashing and constant-time comparison. Tokens are only ever stored hashed;
//! passwords are hashed with WebCrypto in `password.rs`.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};

type HmacSha256 = Hmac<Sha256>;

pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    parlor_core::client::push_hex_bytes(&mut s, bytes);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_encodes_bytes() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
