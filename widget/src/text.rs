//! Small pure helpers over strings: link detection, email shape, colours, URLs, clock text.
//! No DOM here, so all of it is tested natively.

/// A piece of a chat message: plain text, or an http(s) link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// Splits a message into text and `http://` / `https://` links. Nothing else is ever a link
/// (`javascript:`, `data:`, `//host`, `www.` stay text). Trailing punctuation is not part of a link.
pub fn linkify(text: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut plain_start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let at_word_start = i == 0 || bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b'(';
        if at_word_start && starts_with_scheme(&text[i..]) {
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
            let url = &text[i..end];
            if is_safe_link(url) {
                if plain_start < i {
                    out.push(Segment::Text(&text[plain_start..i]));
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
        out.push(Segment::Text(&text[plain_start..]));
    }
    out
}

fn starts_with_scheme(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() > 7 && b[..7].eq_ignore_ascii_case(b"http://"))
        || (b.len() > 8 && b[..8].eq_ignore_ascii_case(b"https://"))
}

fn is_forbidden(b: u8) -> bool {
    b < 0x20 || b == 0x7f || matches!(b, b'<' | b'>' | b'"' | b'`' | b'\\')
}

/// True for an absolute http(s) URL with a host and no characters that could break out of it.
pub fn is_safe_link(url: &str) -> bool {
    if !starts_with_scheme(url)
        || url
            .bytes()
            .any(|b| b.is_ascii_whitespace() || is_forbidden(b))
    {
        return false;
    }
    let rest = match url.find("://") {
        Some(p) => &url[p + 3..],
        None => return false,
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty() && !host.starts_with('@') && !host.starts_with('.')
}

/// A light check that a string looks like an email address (the server validates for real).
pub fn looks_like_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && !s.contains(char::is_whitespace)
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    }
}

/// Accepts `#rgb` or `#rrggbb` only, so a setting can never inject CSS.
pub fn valid_color(c: &str) -> Option<(u8, u8, u8)> {
    let hex = c.strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let v = |s: &str| u8::from_str_radix(s, 16).ok();
    match hex.len() {
        3 => {
            let d = |i: usize| v(&hex[i..i + 1]).map(|x| x * 17);
            Some((d(0)?, d(1)?, d(2)?))
        }
        6 => Some((v(&hex[0..2])?, v(&hex[2..4])?, v(&hex[4..6])?)),
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

/// `https://host` → `wss://host/api/visitor/ws?token=…` (the token is URL-encoded by the caller).
pub fn ws_url(base: &str, encoded_token: &str) -> String {
    let base = base.trim_end_matches('/');
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

/// `9, 5` → `09:05`.
pub fn clock(hours: u32, minutes: u32) -> String {
    let mut s = String::with_capacity(5);
    push2(&mut s, hours);
    s.push(':');
    push2(&mut s, minutes);
    s
}

fn push2(s: &mut String, n: u32) {
    let n = n % 100;
    s.push(char::from(b'0' + (n / 10) as u8));
    s.push(char::from(b'0' + (n % 10) as u8));
}

/// Lower-case hex of a number, for client ids (no `format!`).
pub fn hex(mut n: u64) -> String {
    if n == 0 {
        return "0".into();
    }
    let mut buf = Vec::with_capacity(16);
    while n > 0 {
        buf.push(b"0123456789abcdef"[(n & 15) as usize]);
        n >>= 4;
    }
    buf.reverse();
    String::from_utf8(buf).unwrap_or_default()
}

/// Reconnect delay: 1 s doubling up to 30 s, with ±20 % jitter (never above 30 s). `rand` is in [0, 1).
pub fn backoff_ms(attempt: u32, rand: f64) -> u32 {
    let base = 1000u32
        .saturating_mul(1 << attempt.saturating_sub(1).min(5))
        .min(30_000);
    let jitter = 0.8 + 0.4 * rand.clamp(0.0, 1.0);
    (((base as f64) * jitter) as u32).min(30_000)
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
    fn email_shape() {
        assert!(looks_like_email("a@b.co"));
        assert!(looks_like_email(" ann@example.com "));
        assert!(!looks_like_email("a@b"));
        assert!(!looks_like_email("ab.com"));
        assert!(!looks_like_email("a@@b.com"));
        assert!(!looks_like_email("a b@c.com"));
        assert!(!looks_like_email("@b.com"));
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
    fn urls_and_clock() {
        assert_eq!(
            ws_url("https://h.example/", "t%2B1"),
            "wss://h.example/api/visitor/ws?token=t%2B1"
        );
        assert_eq!(
            ws_url("http://127.0.0.1:8787", "x"),
            "ws://127.0.0.1:8787/api/visitor/ws?token=x"
        );
        assert_eq!(clock(9, 5), "09:05");
        assert_eq!(clock(23, 59), "23:59");
        assert_eq!(hex(0), "0");
        assert_eq!(hex(255), "ff");
    }

    #[test]
    fn backoff_grows_to_thirty_seconds_with_jitter() {
        assert_eq!(backoff_ms(1, 0.5), 1000);
        assert_eq!(backoff_ms(2, 0.5), 2000);
        assert_eq!(backoff_ms(3, 0.5), 4000);
        assert_eq!(backoff_ms(6, 0.5), 30_000);
        assert_eq!(backoff_ms(60, 0.5), 30_000);
        assert!(backoff_ms(1, 0.0) >= 800 && backoff_ms(1, 0.999) <= 1200);
        assert!(backoff_ms(10, 0.999) <= 30_000 && backoff_ms(10, 0.0) >= 24_000);
    }
}
