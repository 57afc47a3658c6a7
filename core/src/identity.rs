//! Identity verification: the site says who its signed-in visitor is (`Parlor('identify', …)`)
//! and proves it with `user_hash = hex(HMAC-SHA256(workspace secret, id))`, computed on the
//! site's server, where the secret stays. A matching hash makes the identity *verified*: it
//! pre-fills capture cards, agents see it marked verified, and conversations of the same person
//! are linked by its id across devices. Without a valid hash it is only a *claim*, shown as
//! one — or refused outright when the workspace requires verification.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::dialogue::{looks_like_email, FieldKind, FieldSpec};

/// Longest user id, in bytes (ids are the site's own: numbers, UUIDs, emails).
pub const MAX_ID: usize = 200;
/// Longest name, in characters.
pub const MAX_NAME: usize = 100;
/// Longest email, in bytes.
pub const MAX_EMAIL: usize = 254;

/// What the page sends: who the site says the visitor is. With verification required, a
/// malformed field is refused (400 `bad_identity`); without, it is left out (a malformed id:
/// no identity), so a site's mistake never keeps its visitor from chatting.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(example = IdentityClaim::example()))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityClaim {
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 200)))]
    pub id: String,
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(length(max = 254)))]
    pub email: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(length(max = 100)))]
    pub name: Option<String>,
    /// Hex HMAC-SHA256 of `id` under the workspace's identity secret.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(regex(pattern = "^[0-9a-fA-F]{64}$")))]
    pub user_hash: Option<String>,
}

#[cfg(feature = "schema")]
impl IdentityClaim {
    /// The API description's example: `user_hash` is the real HMAC of `user-42` under the
    /// secret `idv_` followed by 64 zeros.
    fn example() -> IdentityClaim {
        let secret = format!("idv_{}", "0".repeat(64));
        IdentityClaim {
            id: "user-42".into(),
            email: Some("ada@example.com".into()),
            name: Some("Ada Lovelace".into()),
            user_hash: Some(user_hash(&secret, "user-42")),
        }
    }
}

/// The identity a conversation carries, as agents see it.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorIdentity {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The site's server vouched for `id` (a valid `user_hash`); otherwise a claim.
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("identity.id must be 1 to {MAX_ID} bytes")]
    BadId,
    #[error("identity.email is not an email address")]
    BadEmail,
    #[error("identity.name must be at most {MAX_NAME} characters")]
    BadName,
    #[error("identity.user_hash must be 64 hexadecimal characters")]
    BadHash,
    #[error(
        "this workspace requires a verified identity: user_hash must be \
         HMAC-SHA256(identity secret, id)"
    )]
    NotVerified,
}

impl IdentityError {
    /// A stable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            IdentityError::NotVerified => "identity_not_verified",
            _ => "bad_identity",
        }
    }
}

/// `hex(HMAC-SHA256(secret, id))`: what the site's server computes (tests and docs use it).
pub fn user_hash(secret: &str, id: &str) -> String {
    let mut out = String::with_capacity(64);
    if let Some(m) = mac(secret, id) {
        crate::client::push_hex_bytes(&mut out, &m.finalize().into_bytes());
    }
    out
}

fn mac(secret: &str, id: &str) -> Option<Hmac<Sha256>> {
    // HMAC takes keys of any length: this is `None` never, in fact.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(id.as_bytes());
    Some(mac)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16);
    s.as_bytes()
        .chunks(2)
        .map(|p| Some((digit(p[0])? * 16 + digit(p[1])?) as u8))
        .collect()
}

/// What a start does with a claim. When the workspace requires verification, exactly
/// [`check`]: anything malformed or unverified is refused. Otherwise a site's mistake never
/// keeps its visitor from chatting: a malformed email, name or hash is left out (the hash
/// verifies nothing then), and a malformed id leaves the visitor anonymous (`None`).
pub fn admit(
    claim: &IdentityClaim,
    secret: &str,
    required: bool,
) -> Result<Option<VisitorIdentity>, IdentityError> {
    if required {
        return check(claim, secret, true).map(Some);
    }
    let mut claim = claim.clone();
    // Each pass drops the part named by the error; four parts, so at most four passes.
    for _ in 0..4 {
        match check(&claim, secret, false) {
            Ok(identity) => return Ok(Some(identity)),
            Err(IdentityError::BadId) => return Ok(None),
            Err(IdentityError::BadEmail) => claim.email = None,
            Err(IdentityError::BadName) => claim.name = None,
            Err(IdentityError::BadHash) => claim.user_hash = None,
            // Not required, so never refused as unverified.
            Err(IdentityError::NotVerified) => return Ok(None),
        }
    }
    Ok(None)
}

/// Checks a claim against the workspace's `secret`. A valid hash gives a verified identity, a
/// missing or wrong one a claim — or [`IdentityError::NotVerified`] when `required`. The
/// comparison takes the same time whatever the hash (the `hmac` crate's `verify_slice`).
pub fn check(
    claim: &IdentityClaim,
    secret: &str,
    required: bool,
) -> Result<VisitorIdentity, IdentityError> {
    let id = claim.id.trim();
    if id.is_empty() || id.len() > MAX_ID || id.chars().any(char::is_control) {
        return Err(IdentityError::BadId);
    }
    let email = match claim.email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(e) if e.len() <= MAX_EMAIL && looks_like_email(e) => Some(e.to_owned()),
        Some(_) => return Err(IdentityError::BadEmail),
    };
    let name = match claim.name.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) if n.chars().count() <= MAX_NAME && !n.chars().any(char::is_control) => {
            Some(n.to_owned())
        }
        Some(_) => return Err(IdentityError::BadName),
    };
    let verified = match claim.user_hash.as_deref() {
        None | Some("") => false,
        Some(h) => {
            let given = unhex(h).ok_or(IdentityError::BadHash)?;
            !secret.is_empty() && mac(secret, id).is_some_and(|m| m.verify_slice(&given).is_ok())
        }
    };
    if required && !verified {
        return Err(IdentityError::NotVerified);
    }
    Ok(VisitorIdentity {
        id: id.to_owned(),
        email,
        name,
        verified,
    })
}

impl VisitorIdentity {
    /// The value a capture card's field starts with: the identity's email for an email field,
    /// its name split in two for first and last name fields.
    pub fn prefill(&self, field: &FieldSpec) -> Option<String> {
        let name = self.name.as_deref().unwrap_or_default();
        let (first, last) = name.split_once(' ').unwrap_or((name, ""));
        let value = match field.kind {
            FieldKind::Email => self.email.as_deref().unwrap_or_default(),
            FieldKind::FirstName => first,
            FieldKind::LastName => last.trim(),
            _ => "",
        };
        (!value.is_empty()).then(|| value.to_owned())
    }

    /// The person's id for linking conversations, only when verified: a claim links nothing.
    pub fn person(&self) -> Option<&str> {
        self.verified.then_some(self.id.as_str())
    }
}

#[cfg(test)]
mod tests;
