//! Where the widget is installed: the sites (origins) whose pages read the workspace's public
//! availability. An admin sees that the snippet works, and which sites the workspace's
//! `allowed_origins` leave out (their pages show no chat button, and a start from them is
//! refused). The origin is the browser's `Origin` header, which anyone can send, so the list
//! is small, its writes are few and bounded, and it only ever informs.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::rate::{Bucket, Limit};
use crate::Millis;

/// How many sites a workspace lists; a new one replaces the one seen longest ago.
pub const MAX_SITES: usize = 20;
/// A listed site is written again at most this often by one instance: its `last_seen` is that
/// coarse, and a site's page views cost no write in between.
pub const RECORD_EVERY: Millis = Millis(60 * 60 * 1000);
/// The longest origin listed.
pub const MAX_ORIGIN: usize = 200;
/// Writes of sites, all origins together: a burst, then a few a minute, whatever arrives.
const WRITES: Limit = Limit {
    burst: MAX_SITES as u32,
    per_minute: 10,
};

/// A site as an admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// `scheme://host[:port]`, as the browser sent it.
    pub origin: String,
    /// When a page of it first read the availability (ms since the epoch).
    pub first_seen: u64,
    /// When one last did (within an hour).
    pub last_seen: u64,
    /// Whether the workspace's `allowed_origins`, as they are now, let it start conversations.
    pub allowed: bool,
}

/// `origin` when it names a site: `http(s)://` then a lower-case host (letters, digits, dots,
/// hyphens, an IPv6 address's brackets and colons) and maybe a port, as browsers send it, at
/// most [`MAX_ORIGIN`] bytes. `null` (a sandboxed frame, a file) and anything else is not one.
pub fn site_of(origin: &str) -> Option<&str> {
    if origin.len() > MAX_ORIGIN {
        return None;
    }
    let host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))?;
    let fits = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b".-:[]".contains(&b);
    (!host.is_empty() && host.bytes().all(fits)).then_some(origin)
}

/// What one workspace instance remembers of its writes: when it last wrote each site, and a
/// budget for all of them. A new instance starts empty (it writes each site it sees once).
#[derive(Debug, Default)]
pub struct SiteLog {
    written: HashMap<String, Millis>,
    budget: Option<Bucket>,
}

impl SiteLog {
    /// Whether the read of a page on `origin` at `now` is written: a site, not written by this
    /// instance within [`RECORD_EVERY`], and within the write budget. Counts the write.
    pub fn should_record(&mut self, origin: &str, now: Millis) -> bool {
        let Some(site) = site_of(origin) else {
            return false;
        };
        if self
            .written
            .get(site)
            .is_some_and(|at| now.since(*at) < RECORD_EVERY)
        {
            return false;
        }
        if !self
            .budget
            .get_or_insert_with(|| Bucket::full(WRITES, now))
            .take(WRITES, now)
        {
            return false;
        }
        // Bounded: an instance flooded with made-up origins forgets what it wrote, and writes
        // the real sites again (within the budget) rather than growing.
        if self.written.len() >= 4 * MAX_SITES {
            self.written.clear();
        }
        self.written.insert(site.to_owned(), now);
        true
    }

    /// An admin removed `origin` from the list: its next page view writes it again (if it
    /// still runs the tag, the admin should see it), not an hour later.
    pub fn forget(&mut self, origin: &str) {
        self.written.remove(origin);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_origins_that_name_a_site_are_listed() {
        for good in [
            "https://shop.example",
            "http://localhost:8787",
            "https://xn--caf-dma.example",
            "http://[::1]:3000",
        ] {
            assert_eq!(site_of(good), Some(good));
        }
        for bad in [
            "null",
            "",
            "https://",
            "ftp://shop.example",
            "https://Shop.example",
            "https://shop.example/path",
            "https://shop.example\n",
            "https://<b>.example",
        ] {
            assert_eq!(site_of(bad), None, "{bad:?}");
        }
        let long = format!("https://{}.example", "a".repeat(MAX_ORIGIN));
        assert_eq!(site_of(&long), None);
    }

    #[test]
    fn a_removed_site_is_written_again_at_its_next_page_view() {
        let mut log = SiteLog::default();
        let t = Millis(1_000_000);
        assert!(log.should_record("https://old.example", t));
        assert!(!log.should_record("https://old.example", t.after(Millis(1))));
        log.forget("https://old.example");
        assert!(log.should_record("https://old.example", t.after(Millis(2))));
        // Forgetting a site never written changes nothing.
        log.forget("https://never.example");
        assert!(!log.should_record("https://old.example", t.after(Millis(3))));
    }

    #[test]
    fn a_site_is_written_once_an_hour() {
        let mut log = SiteLog::default();
        let t = Millis(1_000_000);
        assert!(log.should_record("https://shop.example", t));
        assert!(!log.should_record("https://shop.example", t.after(Millis(1))));
        assert!(!log.should_record("https://shop.example", t.after(Millis(RECORD_EVERY.0 - 1))));
        assert!(log.should_record("https://blog.example", t.after(Millis(5))));
        assert!(log.should_record("https://shop.example", t.after(RECORD_EVERY)));
        assert!(!log.should_record("null", t));
    }

    #[test]
    fn a_flood_of_made_up_origins_writes_a_burst_then_ten_a_minute() {
        let mut log = SiteLog::default();
        let t = Millis(1_000_000);
        let written = (0..1_000)
            .filter(|i| log.should_record(&format!("https://s{i}.example"), t))
            .count();
        assert_eq!(written, MAX_SITES);
        let a_minute_on = (1_000..2_000)
            .filter(|i| {
                log.should_record(&format!("https://s{i}.example"), t.after(Millis(60_000)))
            })
            .count();
        assert_eq!(a_minute_on, 10);
        assert!(log.written.len() <= 4 * MAX_SITES);
    }
}
