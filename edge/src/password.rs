//! Password hashing with the platform's WebCrypto (`crypto.subtle`, PBKDF2-SHA256), run only
//! by the stateless Worker: a sign-in flood costs Worker CPU, never the workspace object that
//! routes chats. The stored format and the upgrade rule are `parlor_core::password`.

use js_sys::{Array, Reflect, Uint8Array};
use parlor_core::password::{StoredHash, HASH_BYTES, ITERATIONS, SALT_BYTES};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Crypto, CryptoKey, Pbkdf2Params, SubtleCrypto};
use worker::wasm_bindgen_futures::JsFuture;

use crate::crypto::{constant_time_eq, hex, random_hex};
use crate::error::{ApiError, ApiResult};

fn js_error(what: &str, e: JsValue) -> ApiError {
    ApiError::Internal(format!("{what}: {e:?}"))
}

fn subtle() -> ApiResult<SubtleCrypto> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .map_err(|e| js_error("crypto", e))?;
    if crypto.is_undefined() {
        return Err(ApiError::Internal("WebCrypto is not available".into()));
    }
    Ok(crypto.unchecked_into::<Crypto>().subtle())
}

/// PBKDF2-HMAC-SHA256 of `password`, salted with the bytes of the `salt` text, in hex.
async fn derive(password: &str, salt: &str, iterations: u32) -> ApiResult<String> {
    let subtle = subtle()?;
    let key_data = Uint8Array::from(password.as_bytes());
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let key = subtle
        .import_key_with_str("raw", &key_data, "PBKDF2", false, &usages)
        .map_err(|e| js_error("importKey", e))?;
    let key: CryptoKey = JsFuture::from(key)
        .await
        .map_err(|e| js_error("importKey", e))?
        .unchecked_into();
    let salt = Uint8Array::from(salt.as_bytes());
    let params = Pbkdf2Params::new("PBKDF2", &JsValue::from_str("SHA-256"), iterations, &salt);
    let bits = subtle
        .derive_bits_with_object(&params, &key, (HASH_BYTES * 8) as u32)
        .map_err(|e| js_error("deriveBits", e))?;
    let bits = JsFuture::from(bits)
        .await
        .map_err(|e| js_error("deriveBits", e))?;
    Ok(hex(&Uint8Array::new(&bits).to_vec()))
}

/// A new stored hash for `password`, at today's cost.
pub async fn hash(password: &str) -> ApiResult<String> {
    let salt = random_hex(SALT_BYTES)?;
    let derived = derive(password, &salt, ITERATIONS).await?;
    Ok(StoredHash::new(salt, derived).format())
}

/// Whether `password` matches `stored` (compared in constant time).
pub async fn verify(password: &str, stored: &StoredHash) -> ApiResult<bool> {
    let derived = derive(password, &stored.salt, stored.iterations).await?;
    Ok(constant_time_eq(&derived, &stored.hash))
}

#[cfg(test)]
mod tests {
    use sha2::Sha256;

    /// WebCrypto is not there natively; this pins the convention both sides follow (the salt
    /// is the bytes of its hex text, 32 bytes out) against hashes stored by the earlier
    /// pure-Rust code, and vectors computed independently (Node's `crypto.pbkdf2Sync`).
    #[test]
    fn the_salt_convention_matches_stored_hashes() {
        let derive = |password: &str, salt: &str, rounds: u32| {
            let mut out = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt.as_bytes(), rounds, &mut out);
            crate::crypto::hex(&out)
        };
        assert_eq!(
            derive("secret", "abcd", 10),
            "2cfb4ae271636981bd587a63118391b0493bfa519a4684a405918b79990c4171"
        );
        assert_eq!(
            derive("correct horse", "00112233445566778899aabbccddeeff", 60_000),
            "382262d3f90e5f25bf3bff78f3ec2ad8e57601b500988eeaaf9f6355f5a260fa"
        );
    }
}
