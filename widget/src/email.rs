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
    // The local part's limit is in bytes, as core counts it; the rest is one pattern: no
    // whitespace or control anywhere, one '@', then labels of letters, digits and inner '-',
    // at least two, the last all letters (2 or more) or an `xn--` name.
    chars(b) <= MAX_EMAIL_CHARS
        && b.iter().position(|&c| c == b'@').is_some_and(|at| at <= 64)
        && test(
            r"^[^\p{White_Space}\p{Cc}@]+@(?:[\p{Alphabetic}\p{N}](?:[\p{Alphabetic}\p{N}-]*[\p{Alphabetic}\p{N}])?\.)+(?:\p{Alphabetic}{2,}|xn--[\p{Alphabetic}\p{N}-]*[\p{Alphabetic}\p{N}])$",
            s,
        )
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
