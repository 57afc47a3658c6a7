//! The Webhooks tab's data: endpoints as listed by the API and their delivery log.

use serde::Deserialize;

/// The events an endpoint can subscribe to, with words for the form.
pub const EVENTS: [(&str, &str); 6] = [
    ("chat.requested", "Chat requested"),
    ("chat.accepted", "Chat accepted"),
    ("chat.missed", "Chat missed"),
    ("chat.ended", "Chat ended (with transcript)"),
    ("chat.transferred", "Chat transferred"),
    ("lead.created", "Lead created"),
];

#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct Hook {
    pub id: String,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub pending: u64,
    pub health: HookHealth,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct HookHealth {
    pub failing_since: Option<u64>,
}

impl Hook {
    /// The status column: enabled, disabled (and why), failing since when.
    pub fn status(&self) -> String {
        match (
            &self.disabled_reason,
            self.enabled,
            self.health.failing_since,
        ) {
            (Some(why), false, _) => why.clone(),
            (None, false, _) => "Disabled".into(),
            (_, true, Some(since)) => {
                format!("Enabled — failing since {}", crate::fmt::date_time(since))
            }
            (_, true, None) => "Enabled".into(),
        }
    }
}

/// One attempt of the delivery log.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(default)]
pub struct HookLine {
    pub delivery: u64,
    pub message: String,
    pub event: String,
    pub attempt: u32,
    pub at: u64,
    pub duration_ms: u64,
    pub result: String,
    pub next_retry: Option<u64>,
    pub manual: bool,
}

/// The endpoint whose log is open, and its lines (newest first).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OpenLog {
    pub endpoint: String,
    pub lines: Vec<HookLine>,
}

/// A secret just created or rotated: shown once, with a copy button.
#[derive(Debug, Clone, PartialEq)]
pub struct FreshSecret {
    pub endpoint: String,
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_says_why_an_endpoint_is_off() {
        let mut h = Hook {
            enabled: true,
            ..Hook::default()
        };
        assert_eq!(h.status(), "Enabled");
        h.enabled = false;
        assert_eq!(h.status(), "Disabled");
        h.disabled_reason =
            Some("Disabled automatically: every delivery failed for 24 hours.".into());
        assert!(h.status().contains("24 hours"));
    }

    #[test]
    fn api_rows_read_into_hooks() {
        let h: Hook = serde_json::from_str(
            r#"{"id":"we_1","url":"https://x.example","events":["chat.ended"],"enabled":true,"created_at":1,"pending":2,"health":{"failing_since":null}}"#,
        )
        .unwrap();
        assert_eq!((h.pending, h.events.len()), (2, 1));
        let l: HookLine = serde_json::from_str(
            r#"{"seq":3,"delivery":7,"message":"msg_a","event":"chat.ended","attempt":2,"at":5,"duration_ms":12,"outcome":{"kind":"status","code":500},"next_retry":99,"manual":false,"result":"the receiver answered 500"}"#,
        )
        .unwrap();
        assert_eq!((l.delivery, l.next_retry), (7, Some(99)));
    }
}
