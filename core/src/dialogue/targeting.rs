//! Which dialogue a page shows: URL match rules against the page's path and query.

use super::model::{Dialogue, UrlMatch};

/// True if the page matches any rule; no rules means every page.
///
/// Rules and the page URL are both reduced to `path?query` (scheme, host and fragment
/// dropped), so a marketer may paste a full URL as a rule. Matching ignores ASCII case.
/// `exact` ignores a trailing slash, and ignores the page's query unless the rule has one
/// (`/pricing` matches `/pricing?utm_source=ads`).
pub fn matches(rules: &[UrlMatch], page_url: &str) -> bool {
    if rules.is_empty() {
        return true;
    }
    let page = path_and_query(page_url).to_ascii_lowercase();
    rules.iter().any(|rule| rule_matches(rule, &page))
}

/// The first dialogue, in the given order, whose targeting matches the page.
pub fn select<'a>(dialogues: &'a [Dialogue], page_url: &str) -> Option<&'a Dialogue> {
    dialogues.iter().find(|d| matches(&d.targeting, page_url))
}

/// Whether some dialogue, given by its targeting rules, would be shown on the page: what the
/// public availability read answers (`targeted`) so the loader draws no launcher where a start
/// would find no dialogue. Agrees with [`select`] by construction.
pub fn targeted<'a, I>(rule_sets: I, page_url: &str) -> bool
where
    I: IntoIterator<Item = &'a [UrlMatch]>,
{
    rule_sets.into_iter().any(|rules| matches(rules, page_url))
}

/// The page's address as a conversation keeps it: up to its fragment. What follows `#` is
/// the page's own (sign-in tokens travel there) and no rule looks at it.
pub fn page_address(url: &str) -> &str {
    url.split_once('#').map_or(url, |(address, _)| address)
}

fn rule_matches(rule: &UrlMatch, page: &str) -> bool {
    match rule {
        UrlMatch::Exact(v) => {
            let want = rule_path(v);
            let have = if want.contains('?') {
                page
            } else {
                page.split('?').next().unwrap_or(page)
            };
            trim_slash(&want) == trim_slash(have)
        }
        UrlMatch::Prefix(v) => page.starts_with(&rule_path(v)),
        UrlMatch::Contains(v) => page.contains(&v.trim().to_ascii_lowercase()),
    }
}

/// A rule reduced like the page, so `pricing`, `/pricing` and `https://host/pricing` agree.
fn rule_path(v: &str) -> String {
    let p = path_and_query(v).to_ascii_lowercase();
    if p.starts_with('/') {
        p
    } else {
        format!("/{p}")
    }
}

fn trim_slash(s: &str) -> &str {
    match s.strip_suffix('/') {
        Some(rest) if !rest.is_empty() => rest,
        _ => s,
    }
}

/// `https://host:443/a/b?q=1#top` → `/a/b?q=1`; `https://host?q` → `/?q`; `/a?q` stays.
pub fn path_and_query(url: &str) -> String {
    let s = raw_path_and_query(url);
    if s.starts_with('?') {
        format!("/{s}")
    } else {
        s.to_owned()
    }
}

fn raw_path_and_query(url: &str) -> &str {
    let url = url.trim();
    let url = url.split('#').next().unwrap_or(url);
    let after_host = if let Some(i) = url.find("://") {
        Some(&url[i + 3..])
    } else {
        url.strip_prefix("//")
    };
    match after_host {
        Some(rest) => match rest.find(['/', '?']) {
            Some(i) => &rest[i..],
            None => "/",
        },
        None if url.is_empty() => "/",
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduces_urls() {
        assert_eq!(path_and_query("https://ex.com/a/b?q=1#x"), "/a/b?q=1");
        assert_eq!(path_and_query("https://ex.com"), "/");
        assert_eq!(path_and_query("https://ex.com?q=1"), "/?q=1");
        assert_eq!(path_and_query("//ex.com/p"), "/p");
        assert_eq!(path_and_query("/p?x"), "/p?x");
        assert_eq!(path_and_query(""), "/");
    }
}
