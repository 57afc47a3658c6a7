//! A workspace's webhook endpoints: what an admin may set, and which endpoints an event goes to.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::delivery::Health;
use super::event::EventType;
use super::url::{self, UrlError};
use crate::failed_action::Email;
use crate::Millis;

/// Endpoints per workspace.
pub const MAX_ENDPOINTS: usize = 10;
/// Longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 200;

/// One endpoint, as stored and listed (its secret is kept apart and never listed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    #[serde(default)]
    pub description: String,
    pub events: BTreeSet<EventType>,
    pub enabled: bool,
    /// Why it was disabled automatically (shown to admins); `None` when enabled or disabled
    /// by an admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    pub created_at: Millis,
    #[serde(default)]
    pub health: Health,
}

impl Endpoint {
    /// Does this event go to this endpoint? The test event goes to any endpoint it is sent to.
    pub fn wants(&self, event: EventType) -> bool {
        self.enabled && (event == EventType::Test || self.events.contains(&event))
    }

    /// Disabled after a day of failures.
    pub fn disable_for_failures(&mut self) {
        self.enabled = false;
        self.disabled_reason =
            Some("Disabled automatically: every delivery failed for 24 hours.".into());
    }

    /// An admin turned it on or off. Turning it on clears the failure run.
    pub fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
        self.disabled_reason = None;
        if enabled {
            self.health = Health::default();
        }
    }
}

/// The email to the workspace's admins when an endpoint is disabled for its failures.
pub fn disabled_email(endpoint: &Endpoint) -> Email {
    let name = if endpoint.description.is_empty() {
        String::new()
    } else {
        format!(" ({})", endpoint.description)
    };
    Email {
        subject: "Parlor: a webhook endpoint was disabled".into(),
        body: format!(
            "Every delivery to the webhook endpoint {url}{name} failed for 24 hours, so Parlor \
             disabled it and stopped sending it events.\n\n\
             Fix the receiver, then enable the endpoint again in the admin view (Webhooks tab); \
             the delivery log shows each failed attempt, and \"Send again\" resends any of them.\n",
            url = endpoint.url,
        ),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("{0}")]
    Url(#[from] UrlError),
    #[error("choose at least one event")]
    NoEvents,
    #[error("unknown event {0:?}; the events are chat.requested, chat.accepted, chat.missed, chat.ended, chat.transferred and lead.created")]
    UnknownEvent(String),
    #[error("the description is longer than 200 characters")]
    DescriptionTooLong,
    #[error("a workspace has at most 10 webhook endpoints; delete one first")]
    TooMany,
}

/// Reads an admin's list of event names.
pub fn parse_events(names: &[String]) -> Result<BTreeSet<EventType>, EndpointError> {
    if names.is_empty() {
        return Err(EndpointError::NoEvents);
    }
    names
        .iter()
        .map(|n| {
            EventType::parse(n)
                .filter(|t| *t != EventType::Test)
                .ok_or_else(|| EndpointError::UnknownEvent(n.chars().take(40).collect()))
        })
        .collect()
}

pub fn check_description(d: &str) -> Result<(), EndpointError> {
    if d.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(EndpointError::DescriptionTooLong);
    }
    Ok(())
}

/// Checks a new endpoint's fields and the workspace's count.
pub fn check_new(
    url: &str,
    events: &[String],
    description: &str,
    existing: usize,
    local_dev: bool,
) -> Result<BTreeSet<EventType>, EndpointError> {
    if existing >= MAX_ENDPOINTS {
        return Err(EndpointError::TooMany);
    }
    url::check(url, local_dev)?;
    check_description(description)?;
    parse_events(events)
}

/// Which event types any enabled endpoint wants: the workspace object keeps this to skip the
/// webhook object entirely when nobody listens.
pub fn subscribed(endpoints: &[Endpoint]) -> BTreeSet<EventType> {
    endpoints
        .iter()
        .filter(|e| e.enabled)
        .flat_map(|e| e.events.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(events: &[EventType], enabled: bool) -> Endpoint {
        Endpoint {
            id: "e".into(),
            url: "https://example.com".into(),
            description: String::new(),
            events: events.iter().copied().collect(),
            enabled,
            disabled_reason: None,
            created_at: Millis(0),
            health: Health::default(),
        }
    }

    #[test]
    fn events_go_where_subscribed_and_enabled() {
        let e = endpoint(&[EventType::ChatEnded], true);
        assert!(e.wants(EventType::ChatEnded));
        assert!(!e.wants(EventType::ChatAccepted));
        assert!(e.wants(EventType::Test));
        let off = endpoint(&[EventType::ChatEnded], false);
        assert!(!off.wants(EventType::ChatEnded));
        assert_eq!(
            subscribed(&[e, off, endpoint(&[EventType::ChatMissed], true)]),
            [EventType::ChatMissed, EventType::ChatEnded]
                .into_iter()
                .collect()
        );
    }

    #[test]
    fn new_endpoints_are_checked() {
        let ev = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_new("https://x.example", &ev(&["chat.ended"]), "", 0, false).is_ok());
        assert_eq!(
            check_new("https://x.example", &ev(&[]), "", 0, false),
            Err(EndpointError::NoEvents)
        );
        assert_eq!(
            check_new("https://x.example", &ev(&["chat.nope"]), "", 0, false),
            Err(EndpointError::UnknownEvent("chat.nope".into()))
        );
        assert_eq!(
            check_new("https://x.example", &ev(&["webhook.test"]), "", 0, false),
            Err(EndpointError::UnknownEvent("webhook.test".into()))
        );
        assert_eq!(
            check_new("http://x.example", &ev(&["chat.ended"]), "", 0, false),
            Err(EndpointError::Url(UrlError::PlainHttp))
        );
        assert_eq!(
            check_new(
                "https://x.example",
                &ev(&["chat.ended"]),
                "",
                MAX_ENDPOINTS,
                false
            ),
            Err(EndpointError::TooMany)
        );
        let long = "d".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert_eq!(
            check_new("https://x.example", &ev(&["chat.ended"]), &long, 0, false),
            Err(EndpointError::DescriptionTooLong)
        );
    }

    #[test]
    fn the_disabled_email_names_the_endpoint() {
        let mut e = endpoint(&[EventType::ChatEnded], true);
        e.description = "CRM".into();
        let mail = disabled_email(&e);
        assert!(!mail.subject.contains('\n'));
        assert!(mail.body.contains("https://example.com (CRM)"));
        assert!(mail.body.contains("24 hours"));
    }

    #[test]
    fn enabling_clears_the_failure_run() {
        let mut e = endpoint(&[EventType::ChatEnded], true);
        e.health.failing_since = Some(Millis(5));
        e.disable_for_failures();
        assert!(!e.enabled && e.disabled_reason.is_some());
        e.set_enabled(true);
        assert!(e.enabled && e.disabled_reason.is_none() && e.health.failing_since.is_none());
    }
}
