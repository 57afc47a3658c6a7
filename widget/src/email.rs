//! Whether a value looks like an email address: core's `looks_like_email`, rule for rule, with
//! its Unicode classes (whitespace, control, alphabetic, numeric) asked of the browser's RegExp
//! engine. Rust's own tables for those classes cost the widget ~3.4 KB gzipped, more than any
//! other feature. The browser tests check it against core's on a set of tricky addresses.
//! Natively (the pure `update` tests) it is core's function itself.

#[cfg(not(target_arch = "wasm32"))]
pub use parlor_core::dialogue::looks_like_email;

#[cfg(target_arch = "wasm32")]
pub fn looks_like_email(s: &str) -> bool {
    use parlor_core::dialogue::MAX_EMAIL_CHARS;
    let b = s.as_bytes();
    if chars(b) > MAX_EMAIL_CHARS || test(r"[\p{White_Space}\p{Cc}]", s) {
        return false;
    }
    let Some(at) = b.iter().position(|&c| c == b'@') else {
        return false;
    };
    // '@' and '.' are ASCII, so every cut below is on a character boundary.
    let domain = s.get(at + 1..).unwrap_or_default();
    if at == 0 || at > 64 || domain.contains('@') {
        return false;
    }
    let mut labels = 0;
    for label in domain.as_bytes().split(|&c| c == b'.') {
        match (label.first(), label.last()) {
            (Some(&first), Some(&last)) if first != b'-' && last != b'-' => labels += 1,
            _ => return false,
        }
    }
    let tld_start = domain.bytes().rposition(|c| c == b'.').map_or(0, |p| p + 1);
    let tld = domain.get(tld_start..).unwrap_or_default();
    labels >= 2
        && test(r"^[\p{Alphabetic}\p{N}.-]*$", domain)
        && chars(tld.as_bytes()) >= 2
        && (test(r"^\p{Alphabetic}*$", tld) || tld.starts_with("xn--"))
}

/// Characters in UTF-8 `b`: the bytes that are not continuation bytes.
#[cfg(target_arch = "wasm32")]
fn chars(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c & 0xc0 != 0x80).count()
}

#[cfg(target_arch = "wasm32")]
fn test(pattern: &str, s: &str) -> bool {
    js_sys::RegExp::new(pattern, "u").test(s)
}
