//! VAPID (RFC 8292): every push request carries a short-lived ES256 JWT signed with our
//! application-server key. Push services only deliver to subscriptions made with that key's
//! public half (`applicationServerKey` in `pushManager.subscribe`), so a leaked endpoint alone
//! cannot be used to push to the browser, and the `sub` contact tells them whom to call about
//! abuse or errors.

use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};

use super::{b64url, b64url_decode, parse_endpoint, PushError};

/// How long a token is valid. RFC 8292 §2 caps it at 24 hours; 12 leaves room for clock skew
/// between us and the push service.
pub const TOKEN_LIFETIME_SECS: u64 = 12 * 60 * 60;

/// Longest contact accepted for `sub`.
const MAX_SUBJECT_LEN: usize = 256;

/// The base64url of `{"typ":"JWT","alg":"ES256"}`: the header never changes.
const JWT_HEADER: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9";

/// Our application-server identity: the signing key, its public key as browsers want it, and
/// the contact push services may use.
#[derive(Clone)]
pub struct Vapid {
    signing_key: SigningKey,
    public_key: [u8; 65],
    subject: String,
}

/// Leaves the private key out so a logged `Vapid` gives nothing away.
impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid")
            .field("public_key", &self.public_key_b64url())
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl Vapid {
    /// Loads the key from its raw 32-byte scalar in base64url (what `web-push
    /// generate-vapid-keys` and most libraries print as the private key) and a contact:
    /// `mailto:` an address, or an https URL.
    pub fn from_private_b64url(private_key: &str, subject: &str) -> Result<Self, PushError> {
        let bytes = b64url_decode(private_key, "VAPID private key")?;
        if bytes.len() != 32 {
            return Err(PushError::VapidKey(
                "must be 32 bytes (a raw P-256 scalar in base64url)",
            ));
        }
        let mut scalar = [0u8; 32];
        scalar.copy_from_slice(&bytes);
        let signing_key = SigningKey::from_bytes(&scalar.into())
            .map_err(|_| PushError::VapidKey("is not a P-256 private key (zero or too large)"))?;
        check_subject(subject)?;
        let point = signing_key.verifying_key().to_encoded_point(false);
        let public_key = point
            .as_bytes()
            .try_into()
            .map_err(|_| PushError::VapidKey("has no uncompressed public key"))?;
        Ok(Vapid {
            signing_key,
            public_key,
            subject: subject.to_owned(),
        })
    }

    /// The public key for the browser's `applicationServerKey`: 65 bytes, uncompressed,
    /// base64url without padding.
    pub fn public_key_b64url(&self) -> String {
        b64url(&self.public_key)
    }

    /// The `Authorization` header for a push to `endpoint`: `vapid t=<jwt>, k=<public key>`.
    /// The token's audience is the endpoint's origin only, as push services check; it expires
    /// [`TOKEN_LIFETIME_SECS`] after `now_secs` (Unix seconds), so one token can be reused for
    /// every push to that service for a while. Signing is deterministic (RFC 6979), so it
    /// needs no randomness.
    pub fn authorization(&self, endpoint: &str, now_secs: u64) -> Result<String, PushError> {
        let audience = parse_endpoint(endpoint)?.origin().ascii_serialization();
        let claims = serde_json::json!({
            "aud": audience,
            "exp": now_secs.saturating_add(TOKEN_LIFETIME_SECS),
            "sub": self.subject,
        });
        let signing_input = format!("{JWT_HEADER}.{}", b64url(claims.to_string().as_bytes()));
        // JWS ES256 wants the raw 64-byte r ‖ s, not DER.
        let signature: Signature = self.signing_key.sign(signing_input.as_bytes());
        Ok(format!(
            "vapid t={signing_input}.{}, k={}",
            b64url(&signature.to_bytes()),
            self.public_key_b64url()
        ))
    }
}

/// RFC 8292 §2.1: `sub` is a `mailto:` or `https:` URI. Whitespace is refused because some
/// push services reject a token whose contact has any (`mailto: ops@…`).
fn check_subject(subject: &str) -> Result<(), PushError> {
    if subject.len() > MAX_SUBJECT_LEN {
        return Err(PushError::VapidSubject("is longer than 256 characters"));
    }
    if subject.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(PushError::VapidSubject("must not contain spaces"));
    }
    if let Some(address) = subject.strip_prefix("mailto:") {
        return match address.split_once('@') {
            Some((user, host)) if !user.is_empty() && !host.is_empty() => Ok(()),
            _ => Err(PushError::VapidSubject(
                "must be mailto: followed by an email address",
            )),
        };
    }
    match url::Url::parse(subject) {
        Ok(url) if url.scheme() == "https" && url.host().is_some() => Ok(()),
        _ => Err(PushError::VapidSubject(
            "must be a mailto: address or an https URL",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::VerifyingKey;
    use serde_json::Value;

    const PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const PUBLIC: &str =
        "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    const NOW: u64 = 1_700_000_000;

    fn vapid() -> Vapid {
        Vapid::from_private_b64url(PRIVATE, "mailto:ops@example.com").unwrap()
    }

    /// What a push service does: verifies the token with the key sent beside it and returns the
    /// JWT header and claims, or `None` if the signature does not hold.
    fn verify(header_value: &str) -> Option<(Value, Value)> {
        let rest = header_value.strip_prefix("vapid t=").unwrap();
        let (jwt, key) = rest.split_once(", k=").unwrap();
        let verifying_key =
            VerifyingKey::from_sec1_bytes(&b64url_decode(key, "k").unwrap()).unwrap();
        let (signing_input, signature) = jwt.rsplit_once('.').unwrap();
        let signature = b64url_decode(signature, "signature").unwrap();
        assert_eq!(signature.len(), 64, "raw r || s");
        verifying_key
            .verify(
                signing_input.as_bytes(),
                &Signature::from_slice(&signature).unwrap(),
            )
            .ok()?;
        assert!(!jwt.contains('='), "JWT parts are unpadded");
        let (header, claims) = signing_input.split_once('.').unwrap();
        let json = |part: &str| -> Value {
            serde_json::from_slice(&b64url_decode(part, "part").unwrap()).unwrap()
        };
        Some((json(header), json(claims)))
    }

    #[test]
    fn push_vapid_public_key_is_uncompressed_b64url() {
        // RFC 8291's application-server key pair doubles as a known P-256 pair.
        assert_eq!(vapid().public_key_b64url(), PUBLIC);
        let padded = Vapid::from_private_b64url(&format!("{PRIVATE}="), "mailto:a@b.c").unwrap();
        assert_eq!(padded.public_key_b64url(), PUBLIC);
        assert!(!format!("{:?}", vapid()).contains(PRIVATE));
    }

    #[test]
    fn push_vapid_token_verifies_with_published_key() {
        let header = vapid()
            .authorization("https://fcm.googleapis.com/fcm/send/abc:def", NOW)
            .unwrap();
        assert!(header.ends_with(&format!(", k={PUBLIC}")));
        let (jwt_header, claims) = verify(&header).unwrap();
        assert_eq!(
            jwt_header,
            serde_json::json!({"typ": "JWT", "alg": "ES256"})
        );
        assert_eq!(JWT_HEADER, b64url(br#"{"typ":"JWT","alg":"ES256"}"#));
        assert_eq!(claims["aud"], "https://fcm.googleapis.com");
        assert_eq!(claims["sub"], "mailto:ops@example.com");
        assert_eq!(claims["exp"], NOW + 12 * 3600);
        assert!(claims["exp"].as_u64().unwrap() <= NOW + 24 * 3600);
        // RFC 6979: the same request signs the same way, with no randomness.
        assert_eq!(
            vapid()
                .authorization("https://fcm.googleapis.com/fcm/send/abc:def", NOW)
                .unwrap(),
            header
        );
    }

    #[test]
    fn push_vapid_signature_is_refused_with_another_key() {
        let header = vapid()
            .authorization("https://push.example.net/x", NOW)
            .unwrap();
        let other = Vapid::from_private_b64url(
            "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
            "mailto:ops@example.com",
        )
        .unwrap();
        let forged = header.replace(&vapid().public_key_b64url(), &other.public_key_b64url());
        assert!(verify(&header).is_some());
        assert!(
            verify(&forged).is_none(),
            "a token must not verify under another key"
        );
    }

    #[test]
    fn push_vapid_audience_is_origin_only() {
        let aud = |endpoint: &str| {
            verify(&vapid().authorization(endpoint, NOW).unwrap())
                .unwrap()
                .1["aud"]
                .clone()
        };
        assert_eq!(
            aud("https://push.example.net:8443/wpush/v2/abc?token=1#frag"),
            "https://push.example.net:8443"
        );
        assert_eq!(
            aud("https://PUSH.Example.net:443/a/b"),
            "https://push.example.net"
        );
        assert_eq!(aud("http://localhost:9000/push/1"), "http://localhost:9000");
        assert_eq!(
            aud("https://updates.push.services.mozilla.com/wpush/v2/gAAAA"),
            "https://updates.push.services.mozilla.com"
        );
        assert!(matches!(
            vapid().authorization("mailto:ops@example.com", NOW),
            Err(PushError::Endpoint(_))
        ));
    }

    #[test]
    fn push_vapid_bad_private_keys_are_refused() {
        let subject = "mailto:ops@example.com";
        let message = |key: &str| {
            Vapid::from_private_b64url(key, subject)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            message("not a key!"),
            "VAPID private key is not valid base64url"
        );
        assert_eq!(
            message(&b64url(&[1u8; 31])),
            "VAPID private key must be 32 bytes (a raw P-256 scalar in base64url)"
        );
        assert_eq!(
            message(&b64url(&[0u8; 32])),
            "VAPID private key is not a P-256 private key (zero or too large)"
        );
        // Above the group order n = 0xffffffff00000000ffff…
        assert_eq!(
            message(&b64url(&[0xffu8; 32])),
            "VAPID private key is not a P-256 private key (zero or too large)"
        );
        // A public key pasted where the private one belongs.
        assert!(message(PUBLIC).contains("must be 32 bytes"));
    }

    #[test]
    fn push_vapid_bad_subjects_are_refused() {
        for good in [
            "mailto:ops@example.com",
            "https://parlor.example.com/contact",
        ] {
            assert!(Vapid::from_private_b64url(PRIVATE, good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "ops@example.com",
            "mailto:",
            "mailto:ops",
            "mailto:@example.com",
            "mailto: ops@example.com",
            "http://parlor.example.com",
            "https://",
            "javascript:alert(1)",
        ] {
            let err = Vapid::from_private_b64url(PRIVATE, bad).unwrap_err();
            assert!(matches!(err, PushError::VapidSubject(_)), "{bad}: {err}");
            assert!(err.to_string().starts_with("VAPID subject "), "{err}");
        }
        let long = format!("mailto:{}@example.com", "a".repeat(MAX_SUBJECT_LEN));
        assert_eq!(
            Vapid::from_private_b64url(PRIVATE, &long)
                .unwrap_err()
                .to_string(),
            "VAPID subject is longer than 256 characters"
        );
    }
}
