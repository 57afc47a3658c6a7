//! Which URLs an endpoint may have: HTTPS only, except `http://127.0.0.1` and
//! `http://localhost` when the server runs locally for development; no credentials, no
//! fragment, at most [`MAX_URL_BYTES`]. Parsed by hand: core carries no URL crate.

/// Longest endpoint URL.
pub const MAX_URL_BYTES: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("enter the endpoint's URL")]
    Empty,
    #[error("the URL is longer than 2048 characters")]
    TooLong,
    #[error("the URL must not contain spaces or control characters")]
    BadCharacters,
    #[error("the URL must start with https://")]
    NotHttps,
    #[error("http:// is only allowed for 127.0.0.1 or localhost on a local development server; use https://")]
    PlainHttp,
    #[error("the URL has no host name")]
    NoHost,
    #[error("the URL must not contain a user name or password; put credentials in the path or verify the signature instead")]
    Credentials,
    #[error("the URL must not contain a fragment (#…)")]
    Fragment,
    #[error("the URL's port is not a number between 1 and 65535")]
    BadPort,
}

/// Checks an endpoint URL. `local_dev`: the server runs under `wrangler dev` (the
/// `WEBHOOKS_LOCAL` variable), where plain HTTP to this machine is allowed for testing.
pub fn check(url: &str, local_dev: bool) -> Result<(), UrlError> {
    if url.trim().is_empty() {
        return Err(UrlError::Empty);
    }
    if url.len() > MAX_URL_BYTES {
        return Err(UrlError::TooLong);
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlError::BadCharacters);
    }
    let lower = url.to_ascii_lowercase();
    let (rest, https) = if let Some(rest) = lower.strip_prefix("https://") {
        (rest, true)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (rest, false)
    } else {
        return Err(UrlError::NotHttps);
    };
    if lower.contains('#') {
        return Err(UrlError::Fragment);
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(UrlError::Credentials);
    }
    let (host, port) = split_port(authority)?;
    if host.is_empty() || host.starts_with('.') || host.ends_with("..") {
        return Err(UrlError::NoHost);
    }
    let _ = port;
    let this_machine = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
    if !(https || local_dev && this_machine) {
        return Err(UrlError::PlainHttp);
    }
    Ok(())
}

fn split_port(authority: &str) -> Result<(&str, Option<u16>), UrlError> {
    // An IPv6 literal keeps its colons inside brackets.
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => {
                let (h, p) = authority.split_at(end + 1);
                (h, p.strip_prefix(':'))
            }
            None => return Err(UrlError::NoHost),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(UrlError::BadPort),
        },
    };
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_urls_pass() {
        for url in [
            "https://hooks.example.com/parlor",
            "https://example.com",
            "https://example.com:8443/a?b=c",
            "HTTPS://Example.COM/x",
            "https://[2001:db8::1]:443/x",
        ] {
            assert_eq!(check(url, false), Ok(()), "{url}");
        }
    }

    #[test]
    fn plain_http_only_to_this_machine_in_local_dev() {
        assert_eq!(check("http://127.0.0.1:9000/hook", true), Ok(()));
        assert_eq!(check("http://localhost:9000/hook", true), Ok(()));
        assert_eq!(
            check("http://127.0.0.1:9000/hook", false),
            Err(UrlError::PlainHttp)
        );
        assert_eq!(
            check("http://example.com/hook", true),
            Err(UrlError::PlainHttp)
        );
        assert_eq!(
            check("http://127.0.0.1.evil.com/", true),
            Err(UrlError::PlainHttp)
        );
        assert_eq!(
            check("http://localhost@evil.com/", true),
            Err(UrlError::Credentials)
        );
    }

    #[test]
    fn bad_urls_say_why() {
        assert_eq!(check("", false), Err(UrlError::Empty));
        assert_eq!(check("ftp://example.com", false), Err(UrlError::NotHttps));
        assert_eq!(check("example.com/hook", false), Err(UrlError::NotHttps));
        assert_eq!(
            check("https://user:pw@example.com/", false),
            Err(UrlError::Credentials)
        );
        assert_eq!(
            check("https://example.com/#top", false),
            Err(UrlError::Fragment)
        );
        assert_eq!(
            check("https://exa mple.com/", false),
            Err(UrlError::BadCharacters)
        );
        assert_eq!(check("https:///path", false), Err(UrlError::NoHost));
        assert_eq!(
            check("https://example.com:0/", false),
            Err(UrlError::BadPort)
        );
        assert_eq!(
            check("https://example.com:99999/", false),
            Err(UrlError::BadPort)
        );
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_BYTES));
        assert_eq!(check(&long, false), Err(UrlError::TooLong));
        // Every refusal reads as a sentence for a person.
        assert!(UrlError::Credentials.to_string().contains("user name"));
    }
}
