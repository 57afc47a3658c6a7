//! A workspace's settings: every number of the product is a default here that a workspace may
//! override (tests shorten the timeouts).

use serde::{Deserialize, Serialize};

use crate::dialogue::looks_like_email;
use crate::hours::BusinessHours;
use crate::routing::{Plan, RoutingSettings};
use crate::Millis;

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(rename = "Settings", example = WorkspaceSettings::default())
)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkspaceSettings {
    pub plan: Plan,
    /// Time an agent has to accept an offered chat.
    #[cfg_attr(feature = "schema", schemars(range(min = 1_000, max = 3_600_000)))]
    pub accept_timeout_ms: u64,
    /// A conversation with no activity from either side for this long expires.
    #[cfg_attr(feature = "schema", schemars(range(min = 1_000, max = 86_400_000)))]
    pub inactivity_timeout_ms: u64,
    /// Live chats an agent may hold at once (offers included).
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 100)))]
    pub capacity: u32,
    /// Select plan: accepted live chats allowed over the workspace's lifetime.
    #[cfg_attr(feature = "schema", schemars(range(max = 1_000_000)))]
    pub engagement_limit: u32,
    /// Prime plan, team routing: more agents of the team tried after an unaccepted offer.
    #[cfg_attr(feature = "schema", schemars(range(max = 5)))]
    pub extra_team_attempts: u32,
    /// A visitor waiting for an agent whose page has been gone this long leaves the line (the
    /// lead is emailed).
    #[cfg_attr(feature = "schema", schemars(range(min = 10_000, max = 3_600_000)))]
    pub visitor_gone_waiting_ms: u64,
    /// A live chat whose visitor has been gone this long ends, freeing the agent.
    #[cfg_attr(feature = "schema", schemars(range(min = 10_000, max = 86_400_000)))]
    pub visitor_gone_chat_ms: u64,
    /// The chats of an agent whose inbox has been closed this long (and who has no chat socket
    /// open) go back to routing; the visitor is told.
    #[cfg_attr(feature = "schema", schemars(range(min = 10_000, max = 3_600_000)))]
    pub agent_gone_ms: u64,
    /// Shown when no rule matched, no agent was available, or offers expired.
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 2_000)))]
    pub live_chat_fallback: String,
    /// Shown when live chat is not allowed at all (engagement limit reached).
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 2_000)))]
    pub global_fallback: String,
    /// Origins allowed to embed the widget (`https://www.example.com`). Empty allows any.
    #[cfg_attr(feature = "schema", schemars(length(max = 50)))]
    pub allowed_origins: Vec<String>,
    /// Addresses that receive failed-action emails.
    #[cfg_attr(feature = "schema", schemars(length(max = 20)))]
    pub notification_emails: Vec<String>,
    pub widget: WidgetLook,
    /// Ended conversations (ended, expired, fell back) are erased this many days after their
    /// row last changed, by the workspace's alarm (1 to 3,650); null keeps them forever
    /// (`crate::privacy`).
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = 3_650)))]
    pub retention_days: Option<u32>,
    /// For automated tests only: the retention in milliseconds, overriding `retention_days`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_retention_ms: Option<u64>,
    /// When the workspace is open (`crate::hours`); null is always open. A live chat requested
    /// while closed falls back at once (reason `outside_hours`).
    pub business_hours: Option<BusinessHours>,
    /// Refuse a visitor identity (`Parlor('identify')`) without a valid `user_hash` (403
    /// `identity_not_verified`); visitors who give none are not affected (`crate::identity`).
    #[serde(default)]
    pub require_verified_identity: bool,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WidgetLook {
    /// `#rrggbb`.
    pub color: String,
    pub position: WidgetPosition,
    /// `auto` follows the visitor's browser; otherwise `en` or `fr`.
    pub language: String,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WidgetPosition {
    Left,
    #[default]
    Right,
}

impl Default for WidgetLook {
    fn default() -> Self {
        WidgetLook {
            color: "#2563eb".into(),
            position: WidgetPosition::Right,
            language: "auto".into(),
        }
    }
}

impl Default for WorkspaceSettings {
    fn default() -> Self {
        WorkspaceSettings {
            plan: Plan::Standard,
            accept_timeout_ms: 100_000,
            inactivity_timeout_ms: 600_000,
            capacity: 10,
            engagement_limit: 100,
            extra_team_attempts: 1,
            visitor_gone_waiting_ms: 60_000,
            visitor_gone_chat_ms: 300_000,
            agent_gone_ms: 120_000,
            live_chat_fallback: "All our agents are busy right now. Leave us your details and we will get back to you shortly.".into(),
            global_fallback: "Live chat is not available right now. Leave us your details and we will get back to you.".into(),
            allowed_origins: Vec::new(),
            notification_emails: Vec::new(),
            widget: WidgetLook::default(),
            retention_days: None,
            test_retention_ms: None,
            business_hours: None,
            require_verified_identity: false,
        }
    }
}

impl WorkspaceSettings {
    pub fn accept_timeout(&self) -> Millis {
        Millis(self.accept_timeout_ms)
    }

    pub fn inactivity_timeout(&self) -> Millis {
        Millis(self.inactivity_timeout_ms)
    }

    /// The routing engine's view of these settings, with the hours of the teams that have their
    /// own (teams are stored apart from the settings).
    pub fn routing(
        &self,
        team_hours: std::collections::BTreeMap<crate::TeamId, BusinessHours>,
    ) -> RoutingSettings {
        RoutingSettings {
            plan: self.plan,
            accept_timeout: self.accept_timeout(),
            capacity: self.capacity,
            engagement_limit: self.engagement_limit,
            extra_team_attempts: self.extra_team_attempts,
            agent_gone_grace: Millis(self.agent_gone_ms),
            business_hours: self.business_hours.clone(),
            team_hours,
        }
    }

    /// Checks bounds; each message names the setting in words an admin understands.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut errors = self.errors_except_hours();
        if let Some(Err(e)) = self.business_hours.as_ref().map(BusinessHours::validate) {
            errors.push(format!("business_hours: {e}"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Every check but the business hours' (whose time zone check needs the tz database): for
    /// a browser form that does not edit them, which then does not carry the database. The
    /// server runs [`WorkspaceSettings::validate`].
    pub fn validate_except_hours(&self) -> Result<(), Vec<String>> {
        let errors = self.errors_except_hours();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn errors_except_hours(&self) -> Vec<String> {
        let mut errors = Vec::new();
        if !(1_000..=3_600_000).contains(&self.accept_timeout_ms) {
            errors.push("accept_timeout_ms must be between 1 second and 1 hour".to_owned());
        }
        if !(1_000..=86_400_000).contains(&self.inactivity_timeout_ms) {
            errors.push("inactivity_timeout_ms must be between 1 second and 24 hours".to_owned());
        }
        if !(10_000..=3_600_000).contains(&self.visitor_gone_waiting_ms) {
            errors.push("visitor_gone_waiting_ms must be between 10 seconds and 1 hour".to_owned());
        }
        if !(10_000..=86_400_000).contains(&self.visitor_gone_chat_ms) {
            errors.push("visitor_gone_chat_ms must be between 10 seconds and 24 hours".to_owned());
        }
        if !(10_000..=3_600_000).contains(&self.agent_gone_ms) {
            errors.push("agent_gone_ms must be between 10 seconds and 1 hour".to_owned());
        }
        if !(1..=100).contains(&self.capacity) {
            errors.push("capacity must be between 1 and 100 chats".to_owned());
        }
        if self.extra_team_attempts > 5 {
            errors.push("extra_team_attempts must be at most 5".to_owned());
        }
        if self.engagement_limit > 1_000_000 {
            errors.push("engagement_limit must be at most 1,000,000".to_owned());
        }
        for (name, text) in [
            ("live_chat_fallback", &self.live_chat_fallback),
            ("global_fallback", &self.global_fallback),
        ] {
            if text.trim().is_empty() || text.len() > 2_000 {
                errors.push(format!("{name} must be 1 to 2,000 characters"));
            }
        }
        if self.allowed_origins.len() > 50 {
            errors.push("at most 50 allowed origins".to_owned());
        }
        for origin in &self.allowed_origins {
            let ok = (origin.starts_with("https://") || origin.starts_with("http://"))
                && origin.len() <= 200
                && !origin.trim_end_matches('/').contains(['?', '#', ' '])
                && origin
                    .split("://")
                    .nth(1)
                    .is_some_and(|h| !h.is_empty() && !h.contains('/'));
            if !ok {
                errors.push(format!(
                    "allowed origin \"{origin}\" must look like https://www.example.com"
                ));
            }
        }
        if self.notification_emails.len() > 20 {
            errors.push("at most 20 notification emails".to_owned());
        }
        for email in &self.notification_emails {
            if !looks_like_email(email) {
                errors.push(format!(
                    "notification email \"{email}\" is not an email address"
                ));
            }
        }
        let c = self.widget.color.as_bytes();
        if c.len() != 7 || c[0] != b'#' || !c[1..].iter().all(u8::is_ascii_hexdigit) {
            errors.push("widget.color must look like #2563eb".to_owned());
        }
        if !["auto", "en", "fr"].contains(&self.widget.language.as_str()) {
            errors.push("widget.language must be auto, en or fr".to_owned());
        }
        errors.extend(crate::privacy::retention_errors(self));
        errors
    }

    /// Does this workspace accept a widget embedded on `origin`?
    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        origin_in(&self.allowed_origins, origin)
    }

    /// Is `host` (a page's host, as a visitor named it) the host of one of the allowed origins?
    /// An empty list vouches for no site.
    pub fn is_own_host(&self, host: &str) -> bool {
        !host.is_empty()
            && self.allowed_origins.iter().any(|o| {
                let rest = o.split_once("://").map_or(o.as_str(), |(_, r)| r);
                rest.trim_end_matches('/').eq_ignore_ascii_case(host)
            })
    }
}

/// Whether `origin` (a request's `Origin` header) is on an allowed-origins list; an empty
/// list allows every origin. Checked on a visitor's conversation start and on their socket.
pub fn origin_in(allowed: &[String], origin: Option<&str>) -> bool {
    if allowed.is_empty() {
        return true;
    }
    origin.is_some_and(|o| {
        allowed
            .iter()
            .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(o))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let s = WorkspaceSettings::default();
        assert_eq!(s.accept_timeout(), Millis::from_secs(100));
        assert_eq!(s.inactivity_timeout(), Millis::from_secs(600));
        assert_eq!(s.capacity, 10);
        assert_eq!(s.engagement_limit, 100);
        assert!(s.validate().is_ok());
    }

    #[test]
    fn validation_names_each_bad_setting() {
        let s = WorkspaceSettings {
            capacity: 0,
            allowed_origins: vec!["example.com".into()],
            notification_emails: vec!["nope".into()],
            widget: WidgetLook {
                color: "blue".into(),
                ..WidgetLook::default()
            },
            ..WorkspaceSettings::default()
        };
        let errors = s.validate().err().unwrap_or_default();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("capacity")));
        assert!(errors.iter().any(|e| e.contains("example.com")));
        assert!(errors.iter().any(|e| e.contains("nope")));
        assert!(errors.iter().any(|e| e.contains("color")));
    }

    #[test]
    fn origins_are_checked_only_when_listed() {
        let mut s = WorkspaceSettings::default();
        assert!(s.origin_allowed(None));
        s.allowed_origins = vec!["https://www.example.com/".into()];
        assert!(s.origin_allowed(Some("https://www.example.com")));
        assert!(!s.origin_allowed(Some("https://evil.example")));
        assert!(!s.origin_allowed(None));
    }

    #[test]
    fn only_a_listed_origin_vouches_for_a_page_host() {
        let mut s = WorkspaceSettings::default();
        assert!(
            !s.is_own_host("acme.com"),
            "an empty list vouches for nothing"
        );
        s.allowed_origins = vec![
            "https://www.acme.com/".into(),
            "http://localhost:8787".into(),
        ];
        assert!(s.is_own_host("www.acme.com"));
        assert!(s.is_own_host("WWW.ACME.COM"));
        assert!(s.is_own_host("localhost:8787"));
        assert!(!s.is_own_host("acme.com"));
        assert!(!s.is_own_host("evil.example"));
        assert!(!s.is_own_host(""));
    }

    #[test]
    fn unknown_settings_are_rejected() {
        let r: Result<WorkspaceSettings, _> = serde_json::from_str(r#"{"capacityy": 3}"#);
        assert!(r.is_err());
        let r: WorkspaceSettings = serde_json::from_str(r#"{"capacity": 3}"#).unwrap_or_default();
        assert_eq!(r.capacity, 3);
        assert_eq!(r.accept_timeout_ms, 100_000);
    }
}
