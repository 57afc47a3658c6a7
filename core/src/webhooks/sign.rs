//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>): every request carries
//! `webhook-id`, `webhook-timestamp` (seconds) and `webhook-signature: v1,<base64 HMAC-SHA256>`
//! of `"{id}.{timestamp}.{body}"`, keyed with the secret's bytes. Secrets are shown as
//! `whsec_<base64 of 24 random bytes>`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const PREFIX: &str = "whsec_";
/// Random bytes in a new secret (192 bits, as the spec's reference libraries use).
pub const SECRET_BYTES: usize = 24;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("a webhook secret starts with whsec_ followed by base64")]
    Malformed,
    #[error("a webhook secret holds 24 to 64 bytes")]
    WrongLength,
}

/// An endpoint's signing secret (the raw key bytes).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    // Never printed, so it cannot reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// A secret made of random bytes the caller drew from a CSPRNG.
    pub fn from_random(bytes: [u8; SECRET_BYTES]) -> Secret {
        Secret(bytes.to_vec())
    }

    /// Reads `whsec_<base64>`.
    pub fn parse(text: &str) -> Result<Secret, SecretError> {
        let b64 = text.strip_prefix(PREFIX).ok_or(SecretError::Malformed)?;
        let bytes = STANDARD.decode(b64).map_err(|_| SecretError::Malformed)?;
        if !(SECRET_BYTES..=64).contains(&bytes.len()) {
            return Err(SecretError::WrongLength);
        }
        Ok(Secret(bytes))
    }

    /// The `whsec_…` form shown to the admin once and stored.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
    pub fn sign(&self, id: &str, timestamp_secs: u64, body: &str) -> String {
        format!("v1,{}", STANDARD.encode(self.mac(id, timestamp_secs, body)))
    }

    /// Checks a `webhook-signature` header (space-separated `v1,…` entries, any may match),
    /// as a receiver does. Used by tests and the docs' examples' counterpart.
    pub fn verify(&self, id: &str, timestamp_secs: u64, body: &str, header: &str) -> bool {
        let expected = self.mac(id, timestamp_secs, body);
        header
            .split(' ')
            .filter_map(|s| s.split_once(','))
            .filter(|(v, _)| *v == "v1")
            .filter_map(|(_, sig)| STANDARD.decode(sig).ok())
            .any(|sig| constant_time_eq(&sig, &expected))
    }

    fn mac(&self, id: &str, timestamp_secs: u64, body: &str) -> Vec<u8> {
        // HMAC takes keys of any length, so this never fails.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => return Vec::new(),
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp_secs.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The three headers of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
}

/// Signs `body` for message `id` sent at `now_secs`.
pub fn headers(secret: &Secret, id: &str, now_secs: u64, body: &str) -> SignedHeaders {
    SignedHeaders {
        id: id.to_owned(),
        timestamp: now_secs.to_string(),
        signature: secret.sign(id, now_secs, body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The test vector of the Standard Webhooks reference libraries
    /// (standard-webhooks/standard-webhooks, libraries/rust/src/lib.rs, `test_sign`).
    #[test]
    fn signs_the_spec_test_vector() {
        let secret = Secret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let body = r#"{"email":"test@example.com","username":"test_user"}"#;
        let sig = secret.sign("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body);
        assert_eq!(sig, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
        assert!(secret.verify("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body, &sig));
    }

    #[test]
    fn verification_takes_any_listed_signature_and_refuses_others() {
        let secret = Secret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let body = r#"{"email":"test@example.com","username":"test_user"}"#;
        let id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
        let good = secret.sign(id, 1649367553, body);
        let wrong = "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=";
        assert!(!secret.verify(id, 1649367553, body, wrong));
        assert!(secret.verify(id, 1649367553, body, &format!("{wrong} {good}")));
        assert!(!secret.verify(id, 1649367554, body, &good));
        assert!(!secret.verify(id, 1649367553, "{}", &good));
        assert!(!secret.verify(id, 1649367553, body, &good.replace("v1,", "v2,")));
    }

    #[test]
    fn secrets_round_trip_and_bad_ones_are_refused() {
        let s = Secret::from_random([7; SECRET_BYTES]);
        let shown = s.expose();
        assert!(shown.starts_with("whsec_"));
        assert_eq!(Secret::parse(&shown).unwrap(), s);
        assert_eq!(
            Secret::parse("C2FVsBQIhrscChlQIMV"),
            Err(SecretError::Malformed)
        );
        assert_eq!(Secret::parse("whsec_!!!"), Err(SecretError::Malformed));
        assert_eq!(Secret::parse("whsec_AAAA"), Err(SecretError::WrongLength));
        assert_eq!(format!("{s:?}"), "Secret(…)");
    }

    proptest! {
        #[test]
        fn what_is_signed_verifies(key in proptest::array::uniform24(any::<u8>()),
                                   id in "msg_[a-z0-9]{1,20}", ts in 0u64..4_000_000_000,
                                   body in ".{0,200}") {
            let s = Secret::from_random(key);
            let h = headers(&s, &id, ts, &body);
            prop_assert!(s.verify(&h.id, ts, &body, &h.signature));
            prop_assert_eq!(h.timestamp, ts.to_string());
        }
    }
}
