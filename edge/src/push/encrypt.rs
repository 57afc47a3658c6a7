//! Message encryption for Web Push (RFC 8291): an ECDH between a one-off application-server key
//! and the browser's subscription key, mixed with the subscription's auth secret, keys one
//! `aes128gcm` record (RFC 8188, done by `ece-native`). Only the subscribed browser can read it;
//! the push service that carries it cannot.

use hkdf::Hkdf;
use p256::ecdh::SharedSecret;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;

use super::{b64url_decode, parse_endpoint, PushError};

/// Record size written in the header. RFC 8291 sends a message as one record and its example
/// uses 4096; any size above the record's length would do, and this one is never the limit.
pub const RECORD_SIZE: u32 = 4096;

/// The largest body a push service has to take (RFC 8030 §7.2); some refuse anything bigger.
const MAX_BODY: usize = 4096;

/// Longest endpoint accepted; real ones are a few hundred characters.
pub const MAX_ENDPOINT_LEN: usize = 1024;

/// salt (16) + rs (4) + idlen (1) + keyid, the sender's 65-byte uncompressed public key.
const HEADER_LEN: usize = 16 + 4 + 1 + POINT_LEN;
/// An uncompressed P-256 point: 0x04, x, y.
const POINT_LEN: usize = 65;
/// AES-128-GCM's authentication tag.
const TAG_LEN: usize = 16;

/// Largest plaintext: the body is the 86-byte header, the plaintext, the 1-byte last-record
/// delimiter and the 16-byte tag, and must fit in `MAX_BODY`, so 4096 − 86 − 1 − 16 = 3993
/// (RFC 8291 §4). The 4096-byte record alone could hold 4079; the body is the tighter bound.
pub const MAX_PLAINTEXT: usize = MAX_BODY - HEADER_LEN - 1 - TAG_LEN;

/// A browser's push subscription: where to send, and the keys to encrypt for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The push service URL the browser was given; a POST there delivers the message.
    pub endpoint: String,
    /// The browser's P-256 public key, uncompressed (65 bytes), as RFC 8291 mixes it in.
    pub p256dh: Vec<u8>,
    /// The browser's secret shared only with us, so the push service cannot forge messages.
    pub auth: [u8; 16],
}

impl Subscription {
    /// Checks what `PushSubscription.toJSON()` gives (`endpoint`, `keys.p256dh`, `keys.auth`,
    /// base64url, padded or not) so a bad subscription is refused when stored, not when sent.
    pub fn from_browser(endpoint: &str, p256dh: &str, auth: &str) -> Result<Self, PushError> {
        parse_endpoint(endpoint)?;
        let p256dh = b64url_decode(p256dh, "subscription key (p256dh)")?;
        ua_public_key(&p256dh)?;
        let auth_bytes = b64url_decode(auth, "subscription auth secret")?;
        let auth = auth_bytes
            .as_slice()
            .try_into()
            .map_err(|_| PushError::AuthLength(auth_bytes.len()))?;
        Ok(Subscription {
            endpoint: endpoint.to_owned(),
            p256dh,
            auth,
        })
    }
}

/// The whole `aes128gcm` body for `sub`: header (salt, record size, our public key) and one
/// record. `salt` and `as_secret` must be fresh random values for every message; they are
/// parameters so the RFC's test vector can be reproduced.
pub fn encrypt(
    plaintext: &[u8],
    sub: &Subscription,
    salt: [u8; 16],
    as_secret: &SecretKey,
) -> Result<Vec<u8>, PushError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(PushError::TooLarge {
            len: plaintext.len(),
            max: MAX_PLAINTEXT,
        });
    }
    let ua_public = ua_public_key(&sub.p256dh)?;
    let as_public = as_secret.public_key();
    let ecdh = p256::ecdh::diffie_hellman(as_secret.to_nonzero_scalar(), ua_public.as_affine());
    let ikm = input_keying_material(&sub.auth, &ecdh, &ua_public, &as_public)?;
    ece_native::encrypt(
        ikm,
        salt,
        uncompressed(&as_public),
        std::iter::once(plaintext.to_vec()),
        RECORD_SIZE,
    )
    .map_err(|e| PushError::Encrypt(ece_error(e)))
}

/// [`encrypt`] with a random salt and a one-off key pair from the platform, as every real
/// message must be sent: reusing either would reuse the AES key and nonce.
pub fn encrypt_random(plaintext: &[u8], sub: &Subscription) -> Result<Vec<u8>, PushError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(PushError::Random)?;
    encrypt(plaintext, sub, salt, &random_secret_key()?)
}

/// The browser's side: opens a body from [`encrypt`] with the subscription's private key and
/// auth secret. Refuses anything RFC 8291 does not send: a key id that is not a P-256 point, or
/// more than one record. ece-native takes any final delimiter but 0x01 where RFC 8291 wants
/// exactly 0x02; only a holder of the keys could write another, as the record is authenticated.
pub fn decrypt(body: &[u8], ua_secret: &SecretKey, auth: &[u8; 16]) -> Result<Vec<u8>, PushError> {
    if body.len() < HEADER_LEN + TAG_LEN + 1 {
        return Err(PushError::Decrypt(
            "body is shorter than a header and one record",
        ));
    }
    let mut rs = [0u8; 4];
    rs.copy_from_slice(&body[16..20]);
    // RFC 8188 §2.1: smaller record sizes are invalid (and would leave no room for a byte).
    let rs = u32::from_be_bytes(rs) as usize;
    if rs < 18 {
        return Err(PushError::Decrypt("record size is below 18"));
    }
    if usize::from(body[20]) != POINT_LEN {
        return Err(PushError::Decrypt("key id is not a 65-byte public key"));
    }
    if body.len() - HEADER_LEN > rs {
        return Err(PushError::Decrypt("push messages have one record"));
    }
    let as_public = PublicKey::from_sec1_bytes(&body[21..HEADER_LEN])
        .map_err(|_| PushError::Decrypt("key id is not a P-256 point"))?;
    let ecdh = p256::ecdh::diffie_hellman(ua_secret.to_nonzero_scalar(), as_public.as_affine());
    let ikm = input_keying_material(auth, &ecdh, &ua_secret.public_key(), &as_public)?;
    ece_native::decrypt(ikm, body.to_vec()).map_err(|e| PushError::Decrypt(ece_error(e)))
}

/// RFC 8291 §3.3–3.4: IKM = HKDF-SHA-256(salt = auth, ikm = ECDH secret,
/// info = "WebPush: info\0" ‖ ua_public ‖ as_public, 32 bytes). Binding both public keys and the
/// auth secret means neither a replayed key nor the push service can produce a valid message.
fn input_keying_material(
    auth: &[u8; 16],
    ecdh: &SharedSecret,
    ua_public: &PublicKey,
    as_public: &PublicKey,
) -> Result<[u8; 32], PushError> {
    let mut info = Vec::with_capacity(14 + 2 * POINT_LEN);
    info.extend_from_slice(b"WebPush: info\0");
    info.extend_from_slice(&uncompressed(ua_public));
    info.extend_from_slice(&uncompressed(as_public));
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth), ecdh.raw_secret_bytes())
        .expand(&info, &mut ikm)
        .map_err(|_| PushError::Encrypt("key derivation failed"))?;
    Ok(ikm)
}

/// The browser's key must be an uncompressed point: RFC 8291 hashes exactly those 65 bytes.
fn ua_public_key(p256dh: &[u8]) -> Result<PublicKey, PushError> {
    if p256dh.len() != POINT_LEN || p256dh[0] != 4 {
        return Err(PushError::SubscriptionKey(
            "must be a 65-byte uncompressed P-256 point",
        ));
    }
    PublicKey::from_sec1_bytes(p256dh)
        .map_err(|_| PushError::SubscriptionKey("is not a point on P-256"))
}

fn uncompressed(key: &PublicKey) -> Vec<u8> {
    key.to_encoded_point(false).as_bytes().to_vec()
}

/// A one-off P-256 key from platform randomness. A random 32-byte string is a valid scalar
/// except with probability about 2⁻³², so a few tries always suffice.
fn random_secret_key() -> Result<SecretKey, PushError> {
    for _ in 0..8 {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(PushError::Random)?;
        if let Ok(key) = SecretKey::from_bytes(&bytes.into()) {
            return Ok(key);
        }
    }
    Err(PushError::Encrypt(
        "no valid key from the platform's randomness",
    ))
}

/// ece-native's errors in words; a wrong key, a wrong auth secret and an altered body all
/// surface as the AEAD check failing.
fn ece_error(e: ece_native::Error) -> &'static str {
    match e {
        ece_native::Error::HeaderLengthInvalid => "body is shorter than its header",
        ece_native::Error::KeyIdLengthInvalid => "key id is longer than the body",
        ece_native::Error::RecordLengthInvalid => "a record does not fit the record size",
        ece_native::Error::PaddingInvalid => "a record's padding is malformed",
        ece_native::Error::Aes128Gcm => {
            "authentication failed (wrong key or auth secret, or the body was altered)"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::b64url;

    const PLAINTEXT: &[u8] = b"When I grow up, I want to be a watermelon";
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const AS_PUBLIC: &str =
        "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    const UA_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const IKM: &str = "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg";
    const BODY: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";
    const ENDPOINT: &str = "https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV";

    fn secret(b64: &str) -> SecretKey {
        SecretKey::from_slice(&b64url_decode(b64, "test key").unwrap()).unwrap()
    }

    fn rfc_subscription() -> Subscription {
        Subscription::from_browser(ENDPOINT, UA_PUBLIC, AUTH).unwrap()
    }

    fn salt() -> [u8; 16] {
        b64url_decode(SALT, "salt").unwrap().try_into().unwrap()
    }

    /// A subscription for a fresh browser key, with that key.
    fn random_browser() -> (Subscription, SecretKey) {
        let ua_secret = random_secret_key().unwrap();
        let mut auth = [0u8; 16];
        getrandom::getrandom(&mut auth).unwrap();
        let sub = Subscription {
            endpoint: ENDPOINT.to_owned(),
            p256dh: uncompressed(&ua_secret.public_key()),
            auth,
        };
        (sub, ua_secret)
    }

    #[test]
    fn push_rfc8291_ikm_matches_appendix_a() {
        let sub = rfc_subscription();
        let as_secret = secret(AS_PRIVATE);
        assert_eq!(b64url(&uncompressed(&as_secret.public_key())), AS_PUBLIC);
        let ua_public = ua_public_key(&sub.p256dh).unwrap();
        let ecdh = p256::ecdh::diffie_hellman(as_secret.to_nonzero_scalar(), ua_public.as_affine());
        let ikm =
            input_keying_material(&sub.auth, &ecdh, &ua_public, &as_secret.public_key()).unwrap();
        assert_eq!(b64url(&ikm), IKM);
    }

    #[test]
    fn push_rfc8291_body_matches_appendix_a_byte_for_byte() {
        let body = encrypt(PLAINTEXT, &rfc_subscription(), salt(), &secret(AS_PRIVATE)).unwrap();
        assert_eq!(b64url(&body), BODY);
        assert_eq!(&body[16..20], &4096u32.to_be_bytes());
        assert_eq!(body.len(), HEADER_LEN + PLAINTEXT.len() + 1 + TAG_LEN);
    }

    #[test]
    fn push_rfc8291_body_decrypts_with_browser_key() {
        let body = b64url_decode(BODY, "body").unwrap();
        let auth = rfc_subscription().auth;
        assert_eq!(
            decrypt(&body, &secret(UA_PRIVATE), &auth).unwrap(),
            PLAINTEXT
        );
    }

    #[test]
    fn push_random_round_trip_differs_each_time() {
        let (sub, ua_secret) = random_browser();
        let message = br#"{"title":"New message","body":"Hi, is anyone there?"}"#;
        let first = encrypt_random(message, &sub).unwrap();
        let second = encrypt_random(message, &sub).unwrap();
        assert_ne!(first, second, "salt and key must be fresh per message");
        assert_eq!(decrypt(&first, &ua_secret, &sub.auth).unwrap(), message);
        assert_eq!(decrypt(&second, &ua_secret, &sub.auth).unwrap(), message);
        let empty = encrypt_random(b"", &sub).unwrap();
        assert_eq!(decrypt(&empty, &ua_secret, &sub.auth).unwrap(), b"");
    }

    #[test]
    fn push_tampered_body_is_refused() {
        let body = b64url_decode(BODY, "body").unwrap();
        let (ua_secret, auth) = (secret(UA_PRIVATE), rfc_subscription().auth);
        // The salt, key id length, key id and every ciphertext and tag byte are checked; only the
        // record size is not (RFC 8188 leaves it out of the AEAD), and a larger one changes nothing
        // for a message of one record.
        for i in (0..16).chain(20..body.len()) {
            let mut altered = body.clone();
            altered[i] ^= 0x01;
            assert!(
                decrypt(&altered, &ua_secret, &auth).is_err(),
                "byte {i} altered"
            );
        }
        let mut truncated = body.clone();
        truncated.pop();
        assert!(decrypt(&truncated, &ua_secret, &auth).is_err());
        assert!(decrypt(&body[..HEADER_LEN], &ua_secret, &auth).is_err());
        let mut tiny_rs = body.clone();
        tiny_rs[16..20].copy_from_slice(&0u32.to_be_bytes());
        assert_eq!(
            decrypt(&tiny_rs, &ua_secret, &auth),
            Err(PushError::Decrypt("record size is below 18"))
        );
    }

    #[test]
    fn push_wrong_auth_or_key_is_refused() {
        let body = b64url_decode(BODY, "body").unwrap();
        let mut auth = rfc_subscription().auth;
        auth[0] ^= 0x80;
        let err = decrypt(&body, &secret(UA_PRIVATE), &auth).unwrap_err();
        assert!(err.to_string().contains("authentication failed"), "{err}");
        let (_, other_browser) = random_browser();
        assert!(decrypt(&body, &other_browser, &rfc_subscription().auth).is_err());
    }

    #[test]
    fn push_plaintext_over_3993_bytes_is_refused() {
        assert_eq!(MAX_PLAINTEXT, 3993);
        let (sub, ua_secret) = random_browser();
        let largest = vec![b'x'; MAX_PLAINTEXT];
        let body = encrypt_random(&largest, &sub).unwrap();
        assert_eq!(body.len(), 4096);
        assert_eq!(decrypt(&body, &ua_secret, &sub.auth).unwrap(), largest);
        assert_eq!(
            encrypt_random(&[0u8; MAX_PLAINTEXT + 1], &sub),
            Err(PushError::TooLarge {
                len: 3994,
                max: 3993
            })
        );
    }

    #[test]
    fn push_subscription_from_browser_validates() {
        let sub = rfc_subscription();
        assert_eq!(sub.endpoint, ENDPOINT);
        assert_eq!(b64url(&sub.p256dh), UA_PUBLIC);
        assert_eq!(b64url(&sub.auth), AUTH);
        // Padded base64url, as some libraries store it, is the same subscription.
        let padded = Subscription::from_browser(
            ENDPOINT,
            &format!("{UA_PUBLIC}="),
            "BTBZMqHH6r4Tts7J_aSIgg==",
        );
        assert_eq!(padded, Ok(sub));

        // A point off the curve: the last byte of y changed.
        let mut off_curve = b64url_decode(UA_PUBLIC, "key").unwrap();
        off_curve[64] ^= 1;
        assert_eq!(
            Subscription::from_browser(ENDPOINT, &b64url(&off_curve), AUTH),
            Err(PushError::SubscriptionKey("is not a point on P-256"))
        );
        // A compressed point is a valid key but not what RFC 8291 hashes.
        let compressed = secret(UA_PRIVATE).public_key().to_encoded_point(true);
        assert!(
            Subscription::from_browser(ENDPOINT, &b64url(compressed.as_bytes()), AUTH).is_err()
        );
        assert_eq!(
            Subscription::from_browser(ENDPOINT, "not base64!", AUTH),
            Err(PushError::Base64("subscription key (p256dh)"))
        );

        let err = Subscription::from_browser(ENDPOINT, UA_PUBLIC, &b64url(&[7u8; 15])).unwrap_err();
        assert_eq!(err, PushError::AuthLength(15));
        assert_eq!(
            err.to_string(),
            "subscription auth secret must be 16 bytes, not 15"
        );

        for endpoint in [
            "ftp://push.example.net/x",
            "push.example.net/x",
            "wss://push.example.net/x",
            "",
        ] {
            assert!(
                matches!(
                    Subscription::from_browser(endpoint, UA_PUBLIC, AUTH),
                    Err(PushError::Endpoint(_))
                ),
                "{endpoint}"
            );
        }
    }

    #[test]
    fn push_encrypt_refuses_invalid_stored_key() {
        let mut sub = rfc_subscription();
        sub.p256dh.truncate(33);
        assert!(matches!(
            encrypt(PLAINTEXT, &sub, salt(), &secret(AS_PRIVATE)),
            Err(PushError::SubscriptionKey(_))
        ));
    }
}
