use proptest::prelude::*;

use super::*;

fn claim(id: &str, hash: Option<String>) -> IdentityClaim {
    IdentityClaim {
        id: id.into(),
        email: Some("jane@example.com".into()),
        name: Some("Jane Doe".into()),
        user_hash: hash,
    }
}

#[test]
fn user_hash_is_hex_hmac_sha256() {
    // RFC 4231, test case 2.
    assert_eq!(
        user_hash("Jefe", "what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn a_valid_hash_verifies_and_a_missing_one_is_a_claim() {
    let secret = "s3cret-of-the-workspace";
    let ok = check(
        &claim("user-42", Some(user_hash(secret, "user-42"))),
        secret,
        false,
    );
    assert_eq!(
        ok,
        Ok(VisitorIdentity {
            id: "user-42".into(),
            email: Some("jane@example.com".into()),
            name: Some("Jane Doe".into()),
            verified: true,
        })
    );
    let claimed = check(&claim("user-42", None), secret, false).map(|i| i.verified);
    assert_eq!(claimed, Ok(false));
    // Upper-case hex is the same hash.
    let upper = user_hash(secret, "user-42").to_uppercase();
    assert_eq!(
        check(&claim("user-42", Some(upper)), secret, true).map(|i| i.verified),
        Ok(true)
    );
}

#[test]
fn required_verification_refuses_claims_and_wrong_hashes() {
    let secret = "s3cret";
    assert_eq!(
        check(&claim("u", None), secret, true),
        Err(IdentityError::NotVerified)
    );
    let other = user_hash("another secret", "u");
    assert_eq!(
        check(&claim("u", Some(other)), secret, true),
        Err(IdentityError::NotVerified)
    );
    // A hash of another id is not this id's.
    let of_other_id = user_hash(secret, "v");
    assert_eq!(
        check(&claim("u", Some(of_other_id)), secret, true),
        Err(IdentityError::NotVerified)
    );
}

#[test]
fn bad_input_is_named() {
    let s = "k";
    assert_eq!(check(&claim("", None), s, false), Err(IdentityError::BadId));
    assert_eq!(
        check(&claim(&"x".repeat(MAX_ID + 1), None), s, false),
        Err(IdentityError::BadId)
    );
    assert_eq!(
        check(&claim("a\nb", None), s, false),
        Err(IdentityError::BadId)
    );
    let mut c = claim("u", Some("zz".into()));
    assert_eq!(check(&c, s, false), Err(IdentityError::BadHash));
    c.user_hash = Some("g".repeat(64));
    assert_eq!(check(&c, s, false), Err(IdentityError::BadHash));
    c.user_hash = None;
    c.email = Some("not an email".into());
    assert_eq!(check(&c, s, false), Err(IdentityError::BadEmail));
    c.email = None;
    c.name = Some("n".repeat(MAX_NAME + 1));
    assert_eq!(check(&c, s, false), Err(IdentityError::BadName));
    assert_eq!(IdentityError::NotVerified.code(), "identity_not_verified");
    assert_eq!(IdentityError::BadName.code(), "bad_identity");
}

#[test]
fn without_required_verification_a_sites_mistake_never_blocks_the_visitor() {
    let s = "k";
    let bad = IdentityClaim {
        id: "u".into(),
        email: Some("not an email".into()),
        name: Some("n".repeat(MAX_NAME + 1)),
        user_hash: Some("zz".into()),
    };
    // The malformed parts are left out; what remains is a claim.
    assert_eq!(
        admit(&bad, s, false),
        Ok(Some(VisitorIdentity {
            id: "u".into(),
            email: None,
            name: None,
            verified: false,
        }))
    );
    // A malformed id: an anonymous visitor.
    assert_eq!(admit(&claim("", None), s, false), Ok(None));
    assert_eq!(admit(&claim("a\nb", None), s, false), Ok(None));
    // A good claim is kept whole, and a valid hash still verifies.
    let good = claim("u", Some(user_hash(s, "u")));
    assert_eq!(
        admit(&good, s, false).map(|i| i.map(|i| i.verified)),
        Ok(Some(true))
    );
    // Required: exactly `check`, every mistake refused.
    assert_eq!(admit(&bad, s, true), Err(IdentityError::BadEmail));
    assert_eq!(
        admit(&claim("u", None), s, true),
        Err(IdentityError::NotVerified)
    );
}

#[test]
fn an_empty_secret_verifies_nothing() {
    let c = claim("u", Some(user_hash("", "u")));
    assert_eq!(check(&c, "", false).map(|i| i.verified), Ok(false));
}

#[test]
fn prefill_by_field_kind_and_person_only_when_verified() {
    let field = |kind| FieldSpec {
        key: "k".into(),
        kind,
        label: "L".into(),
        required: true,
    };
    let mut who = VisitorIdentity {
        id: "u".into(),
        email: Some("jane@example.com".into()),
        name: Some("Jane van Doe".into()),
        verified: false,
    };
    assert_eq!(
        who.prefill(&field(FieldKind::Email)).as_deref(),
        Some("jane@example.com")
    );
    assert_eq!(
        who.prefill(&field(FieldKind::FirstName)).as_deref(),
        Some("Jane")
    );
    assert_eq!(
        who.prefill(&field(FieldKind::LastName)).as_deref(),
        Some("van Doe")
    );
    assert_eq!(who.prefill(&field(FieldKind::Company)), None);
    assert_eq!(who.person(), None);
    who.verified = true;
    assert_eq!(who.person(), Some("u"));
    who.name = Some("Cher".into());
    assert_eq!(who.prefill(&field(FieldKind::LastName)), None);
}

proptest! {
    #[test]
    fn only_the_right_secret_and_id_verify(
        secret in "[ -~]{1,40}",
        id in "[a-zA-Z0-9_@.-]{1,60}",
        flip in 0usize..64,
    ) {
        let good = user_hash(&secret, &id);
        prop_assert_eq!(good.len(), 64);
        let verified = check(&claim(&id, Some(good.clone())), &secret, true);
        prop_assert_eq!(verified.map(|i| i.verified), Ok(true));
        // Any one changed digit fails.
        let mut bad: Vec<u8> = good.into_bytes();
        bad[flip] = if bad[flip] == b'0' { b'1' } else { b'0' };
        let bad = String::from_utf8(bad).unwrap();
        prop_assert_eq!(
            check(&claim(&id, Some(bad.clone())), &secret, true),
            Err(IdentityError::NotVerified)
        );
        prop_assert_eq!(check(&claim(&id, Some(bad)), &secret, false).map(|i| i.verified), Ok(false));
    }
}
