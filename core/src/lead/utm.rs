//! UTM campaign parameters read from a page URL's query string.

use std::collections::BTreeMap;

use crate::failed_action::truncate_chars;

/// The parameters a lead keeps, by name without the `utm_` prefix.
pub const UTM_KEYS: [&str; 5] = ["source", "medium", "campaign", "term", "content"];

/// Longest value kept, in characters.
pub const MAX_UTM_CHARS: usize = 200;

/// `utm_source`, `utm_medium`, `utm_campaign`, `utm_term` and `utm_content` from the query
/// string of `url` (percent-decoded, `+` as a space, trimmed, empty values skipped; the first
/// occurrence of a name wins). Anything else, and the fragment, is ignored.
pub fn from_url(url: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let Some((_, rest)) = url.split_once('?') else {
        return found;
    };
    let query = rest.split('#').next().unwrap_or_default();
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(name).to_ascii_lowercase();
        let Some(key) = name.strip_prefix("utm_") else {
            continue;
        };
        if !UTM_KEYS.contains(&key) || found.contains_key(key) {
            continue;
        }
        let value = decode(value);
        let value = value.trim();
        if !value.is_empty() {
            found.insert(key.to_owned(), truncate_chars(value, MAX_UTM_CHARS));
        }
    }
    found
}

/// Keeps only the known UTM names, trimmed and bounded (for parameters that came separately).
pub fn known_only(utm: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    utm.iter()
        .filter(|(k, v)| UTM_KEYS.contains(&k.as_str()) && !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), truncate_chars(v.trim(), MAX_UTM_CHARS)))
        .collect()
}

/// Percent-decoding with `+` as a space; invalid escapes are kept as written and invalid
/// UTF-8 is replaced, so no input is refused.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}
