//! Web Push: what the edge needs to send a notification to a browser's push service.
//! `encrypt` seals the message for the subscribed browser (RFC 8291) and `vapid` signs the
//! request so the push service knows which server sent it (RFC 8292). Pure: no I/O, no clock,
//! randomness passed in (or drawn in one clearly named wrapper), so all of it is unit-tested
//! natively; the caller sends the body with [`request_headers`] to `Subscription::endpoint`.

mod encrypt;
mod vapid;

pub use encrypt::{
    decrypt, encrypt, encrypt_random, Subscription, MAX_ENDPOINT_LEN, MAX_PLAINTEXT, RECORD_SIZE,
};
pub use vapid::{Vapid, TOKEN_LIFETIME_SECS};

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine;

/// Every way building a push message or its headers can fail. The messages name the field at
/// fault because most of these come from data a browser or an operator handed us.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    #[error("{0} is not valid base64url")]
    Base64(&'static str),
    #[error("push endpoint {0}")]
    Endpoint(&'static str),
    #[error("subscription key (p256dh) {0}")]
    SubscriptionKey(&'static str),
    #[error("subscription auth secret must be 16 bytes, not {0}")]
    AuthLength(usize),
    #[error("push message is {len} bytes; a 4096-byte push body holds at most {max}")]
    TooLarge { len: usize, max: usize },
    #[error("push message could not be encrypted: {0}")]
    Encrypt(&'static str),
    #[error("push message could not be decrypted: {0}")]
    Decrypt(&'static str),
    #[error("VAPID private key {0}")]
    VapidKey(&'static str),
    #[error("VAPID subject {0}")]
    VapidSubject(&'static str),
    #[error("no randomness from the platform: {0}")]
    Random(getrandom::Error),
}

/// How soon the push service should wake the device for this message (RFC 8030 §5.3); a low
/// urgency lets a phone on battery batch it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    VeryLow,
    Low,
    Normal,
    High,
}

impl Urgency {
    /// The `Urgency` header's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::VeryLow => "very-low",
            Urgency::Low => "low",
            Urgency::Normal => "normal",
            Urgency::High => "high",
        }
    }
}

/// The headers of the POST to `endpoint` that carries a body from [`encrypt`]. `ttl_secs` is how
/// long the push service keeps the message for an offline device (0: deliver now or drop it).
/// Content-Length is left to the HTTP client.
pub fn request_headers(
    vapid: &Vapid,
    endpoint: &str,
    now_secs: u64,
    ttl_secs: u32,
    urgency: Urgency,
) -> Result<Vec<(&'static str, String)>, PushError> {
    Ok(vec![
        ("TTL", ttl_secs.to_string()),
        ("Content-Encoding", "aes128gcm".to_owned()),
        ("Content-Type", "application/octet-stream".to_owned()),
        ("Urgency", urgency.as_str().to_owned()),
        ("Authorization", vapid.authorization(endpoint, now_secs)?),
    ])
}

/// Decodes base64url whether or not it is padded: browsers' `PushSubscription.toJSON()` leaves
/// the `=` off, some server libraries store keys with it.
const B64URL_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn b64url_decode(text: &str, what: &'static str) -> Result<Vec<u8>, PushError> {
    B64URL_ANY_PADDING
        .decode(text)
        .map_err(|_| PushError::Base64(what))
}

/// Unpadded base64url, the form JWTs and the browser's `applicationServerKey` use.
fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Parses a push endpoint: an absolute http(s) URL with a host, of bounded length so a stored
/// subscription cannot grow without limit. http is allowed for local push services in tests.
fn parse_endpoint(endpoint: &str) -> Result<url::Url, PushError> {
    if endpoint.len() > MAX_ENDPOINT_LEN {
        return Err(PushError::Endpoint("is longer than 1024 characters"));
    }
    let url = url::Url::parse(endpoint).map_err(|_| PushError::Endpoint("is not a URL"))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(PushError::Endpoint("must be an https (or http) URL"));
    }
    if url.host().is_none() {
        return Err(PushError::Endpoint("has no host"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_base64url_accepts_padded_and_unpadded() {
        assert_eq!(b64url_decode("AQ", "x"), Ok(vec![1]));
        assert_eq!(b64url_decode("AQ==", "x"), Ok(vec![1]));
        assert_eq!(b64url_decode("-_8", "x"), Ok(vec![0xfb, 0xff]));
        assert_eq!(b64url_decode("+/8=", "x"), Err(PushError::Base64("x")));
        assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn push_endpoint_must_be_http_url() {
        assert!(parse_endpoint("https://fcm.googleapis.com/fcm/send/abc").is_ok());
        assert!(parse_endpoint("http://localhost:8080/push").is_ok());
        assert!(parse_endpoint("ftp://example.com/x").is_err());
        assert!(parse_endpoint("/relative").is_err());
        let long = format!("https://example.com/{}", "a".repeat(MAX_ENDPOINT_LEN));
        assert_eq!(
            parse_endpoint(&long).err().map(|e| e.to_string()),
            Some("push endpoint is longer than 1024 characters".to_owned())
        );
    }

    #[test]
    fn push_request_headers_are_complete() {
        let vapid = Vapid::from_private_b64url(
            "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
            "mailto:ops@example.com",
        )
        .unwrap();
        let headers = request_headers(
            &vapid,
            "https://push.example.net/send/1",
            1_700_000_000,
            3600,
            Urgency::High,
        )
        .unwrap();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("TTL"), Some("3600"));
        assert_eq!(get("Content-Encoding"), Some("aes128gcm"));
        assert_eq!(get("Content-Type"), Some("application/octet-stream"));
        assert_eq!(get("Urgency"), Some("high"));
        let auth = get("Authorization").unwrap();
        assert!(auth.starts_with("vapid t="), "{auth}");
        assert!(auth.ends_with(&format!(", k={}", vapid.public_key_b64url())));
        assert_eq!(Urgency::VeryLow.as_str(), "very-low");
        assert!(request_headers(&vapid, "mailto:x@y", 0, 0, Urgency::Low).is_err());
    }
}
