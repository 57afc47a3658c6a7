//! Small pure helpers over strings: link detection, colours, URLs, clock text.
//! No DOM here, so all of it is tested natively.

/// `s` without leading and trailing whitespace (Unicode's White_Space, as `str::trim`). In the
/// browser it is the browser's `String.prototype.trim`: Rust's brings its own UTF-8 walk and
/// tables, ~0.5 KB of wasm. Natively (the tests) it is Rust's.
#[cfg(target_arch = "wasm32")]
pub fn trim(s: &str) -> String {
    js_sys::JsString::from(s).trim().into()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn trim(s: &str) -> String {
    s.trim().to_owned()
}

/// A duration as the visitor reads a stopwatch: `0:07`, `1:42`, `12:05` (no integer
/// formatting code in the bundle; a wait never reaches 100 minutes: offers time out).
pub fn elapsed(ms: u64) -> String {
    let s = (ms / 1000) as u32;
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let mut t = String::new();
    if s >= 600 {
        t.push(digit(s / 600));
    }
    t.push(digit(s / 60));
    t.push(':');
    t.push(digit(s / 10 % 6));
    t.push(digit(s));
    t
}

/// A piece of a chat message: plain text, or an http(s) link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// Splits a message into text and `http://` / `https://` links. Nothing else is ever a link
/// (`javascript:`, `data:`, `//host`, `www.` stay text). Trailing punctuation is not part of a link.
pub fn linkify(text: &str) -> Vec<Segment<'_>> {
    // Every cut is next to an ASCII byte, so `get` never fails; unlike `&text[a..b]` it carries
    // no panic message, whose formatting code costs the widget kilobytes.
    let cut = |a: usize, b: usize| text.get(a..b).unwrap_or_default();
    let mut out = Vec::new();
    let mut plain_start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let at_word_start = i == 0 || bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b'(';
        if at_word_start && starts_with_scheme(&bytes[i..]) {
            let mut end = i;
            while end < bytes.len()
                && !bytes[end].is_ascii_whitespace()
                && !is_forbidden(bytes[end])
            {
                end += 1;
            }
            while end > i
                && matches!(
                    bytes[end - 1],
                    b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b'\'' | b'"'
                )
            {
                end -= 1;
            }
            let url = cut(i, end);
            if is_safe_link(url) {
                if plain_start < i {
                    out.push(Segment::Text(cut(plain_start, i)));
                }
                out.push(Segment::Link(url));
                plain_start = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    if plain_start < text.len() {
        out.push(Segment::Text(cut(plain_start, text.len())));
    }
    out
}

fn starts_with_scheme(b: &[u8]) -> bool {
    (b.len() > 7 && b[..7].eq_ignore_ascii_case(b"http://"))
        || (b.len() > 8 && b[..8].eq_ignore_ascii_case(b"https://"))
}

fn is_forbidden(b: u8) -> bool {
    b < 0x20 || b == 0x7f || matches!(b, b'<' | b'>' | b'"' | b'`' | b'\\')
}

/// Where an agent's picture is: an absolute http(s) address as it is, or a path on the Parlor
/// host (a picture uploaded from the inbox is `/api/pictures/…`) joined to `base`, the host the
/// widget talks to, since the page it runs in is another site. `None` for anything else.
pub fn picture_src(base: &str, url: &str) -> Option<String> {
    let b = url.as_bytes();
    let mut full = String::new();
    if b.first() == Some(&b'/') && b.get(1) != Some(&b'/') {
        full.push_str(base);
    }
    full.push_str(url);
    is_safe_link(&full).then_some(full)
}

/// True for an absolute http(s) URL with a host and no characters that could break out of it.
pub fn is_safe_link(url: &str) -> bool {
    if !starts_with_scheme(url.as_bytes())
        || url
            .bytes()
            .any(|b| b.is_ascii_whitespace() || is_forbidden(b))
    {
        return false;
    }
    // The scheme is checked above, so the first ':' starts "://". (Byte scans, not `find("://")`:
    // the substring searcher costs the widget two kilobytes.)
    let b = url.as_bytes();
    let start = b.iter().position(|&c| c == b':').map_or(b.len(), |p| p + 3);
    let host = b.get(start..).unwrap_or_default();
    let end = host
        .iter()
        .position(|c| matches!(c, b'/' | b'?' | b'#'))
        .unwrap_or(host.len());
    let host = &host[..end];
    !host.is_empty() && host[0] != b'@' && host[0] != b'.'
}

/// Accepts `#rgb` or `#rrggbb` only, so a setting can never inject CSS.
pub fn valid_color(c: &str) -> Option<(u8, u8, u8)> {
    let hex = c.strip_prefix('#')?.as_bytes();
    // Bytes, not `&str` slices: no panic path (see `linkify`).
    let d = |i: usize| hex.get(i).and_then(|&b| char::from(b).to_digit(16));
    let two = |i: usize| Some((d(i)? * 16 + d(i + 1)?) as u8);
    match hex.len() {
        3 => Some(((d(0)? * 17) as u8, (d(1)? * 17) as u8, (d(2)? * 17) as u8)),
        6 => Some((two(0)?, two(2)?, two(4)?)),
        _ => None,
    }
}

/// The text colour (white or near-black) with the better contrast on the accent colour.
pub fn text_on(rgb: (u8, u8, u8)) -> &'static str {
    let lin = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            // (c + 0.055) / 1.055) ^ 2.4 without powf, which would pull libm in: good enough.
            let x = (c + 0.055) / 1.055;
            x * x * (0.6 + 0.4 * x)
        }
    };
    let l = 0.2126 * lin(rgb.0) + 0.7152 * lin(rgb.1) + 0.0722 * lin(rgb.2);
    let white = 1.05 / (l + 0.05);
    let black = (l + 0.05) / (0.011 + 0.05);
    if white >= black {
        "#fff"
    } else {
        "#111"
    }
}

/// `https://host` → `wss://host/api/visitor/ws?token=…` (the token is URL-encoded by the caller;
/// `base` is an origin, without a trailing slash: see `mount`).
pub fn ws_url(base: &str, encoded_token: &str) -> String {
    let (scheme, rest) = if let Some(r) = base.strip_prefix("https://") {
        ("wss://", r)
    } else if let Some(r) = base.strip_prefix("http://") {
        ("ws://", r)
    } else {
        ("wss://", base)
    };
    let mut s = String::with_capacity(base.len() + encoded_token.len() + 32);
    s.push_str(scheme);
    s.push_str(rest);
    s.push_str("/api/visitor/ws?token=");
    s.push_str(encoded_token);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use Segment::*;

    #[test]
    fn links_only_http_and_https() {
        assert_eq!(
            linkify("see https://ex.com/a?b=1."),
            vec![Text("see "), Link("https://ex.com/a?b=1"), Text(".")]
        );
        assert_eq!(linkify("http://a.b"), vec![Link("http://a.b")]);
        assert_eq!(
            linkify("javascript:alert(1)"),
            vec![Text("javascript:alert(1)")]
        );
        assert_eq!(
            linkify("x JavaScript://x.com%0aalert(1)"),
            vec![Text("x JavaScript://x.com%0aalert(1)")]
        );
        assert_eq!(
            linkify("data:text/html,<b>"),
            vec![Text("data:text/html,<b>")]
        );
        assert_eq!(linkify("nohttps://x.com"), vec![Text("nohttps://x.com")]);
        assert_eq!(linkify("https://"), vec![Text("https://")]);
        assert_eq!(
            linkify("(https://x.com)"),
            vec![Text("("), Link("https://x.com"), Text(")")]
        );
        assert_eq!(
            linkify("a https://x.com\"onmouseover=alert(1) b"),
            vec![
                Text("a "),
                Link("https://x.com"),
                Text("\"onmouseover=alert(1) b")
            ]
        );
        assert_eq!(linkify(""), vec![]);
        assert_eq!(
            linkify("héllo https://é.fr ok"),
            vec![Text("héllo "), Link("https://é.fr"), Text(" ok")]
        );
    }

    #[test]
    fn safe_link_rules() {
        assert!(is_safe_link("https://example.com"));
        assert!(is_safe_link("HTTP://example.com/x"));
        assert!(!is_safe_link("javascript:alert(1)"));
        assert!(!is_safe_link("https:///x"));
        assert!(!is_safe_link("https://a b"));
        assert!(!is_safe_link("//example.com"));
    }

    #[test]
    fn a_picture_on_the_parlor_host_is_found_from_the_page_of_another_site() {
        let base = "https://chat.example";
        assert_eq!(
            picture_src(base, "/api/pictures/acme/alice/0123.png").as_deref(),
            Some("https://chat.example/api/pictures/acme/alice/0123.png")
        );
        assert_eq!(
            picture_src(base, "https://cdn.example/a.png").as_deref(),
            Some("https://cdn.example/a.png")
        );
        assert_eq!(picture_src(base, "//evil.example/a.png"), None);
        assert_eq!(picture_src(base, "javascript:alert(1)"), None);
        assert_eq!(picture_src(base, "/a\"onerror=\"x"), None);
        assert_eq!(picture_src(base, "api/pictures/x.png"), None);
    }

    #[test]
    fn colours() {
        assert_eq!(valid_color("#2563eb"), Some((0x25, 0x63, 0xeb)));
        assert_eq!(valid_color("#fff"), Some((255, 255, 255)));
        assert_eq!(valid_color("red"), None);
        assert_eq!(valid_color("#12345g"), None);
        assert_eq!(valid_color("#000;background:url(x)"), None);
        assert_eq!(text_on((0x25, 0x63, 0xeb)), "#fff");
        assert_eq!(text_on((255, 255, 255)), "#111");
        assert_eq!(text_on((0xfa, 0xcc, 0x15)), "#111");
        assert_eq!(text_on((0, 0, 0)), "#fff");
    }

    #[test]
    fn time_waited_reads_like_a_stopwatch() {
        assert_eq!(elapsed(0), "0:00");
        assert_eq!(elapsed(7_999), "0:07");
        assert_eq!(elapsed(102_000), "1:42");
        assert_eq!(elapsed(725_000), "12:05");
        assert_eq!(elapsed(5_999_000), "99:59");
    }

    #[test]
    fn urls() {
        assert_eq!(
            ws_url("https://h.example", "t%2B1"),
            "wss://h.example/api/visitor/ws?token=t%2B1"
        );
        assert_eq!(
            ws_url("http://127.0.0.1:8787", "x"),
            "ws://127.0.0.1:8787/api/visitor/ws?token=x"
        );
    }
}
