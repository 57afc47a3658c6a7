//! The email the workspace's admins get for a new lead or a new offline message.

use std::fmt::Write as _;

use super::utm::UTM_KEYS;
use super::Lead;
use crate::failed_action::{iso8601, one_line, truncate_chars, Email};

/// Renders the notification for `lead` as it stands after the merge; `message` says whether
/// it is about a message the visitor left (else it is a new lead).
pub fn email(lead: &Lead, message: bool) -> Email {
    let who = if lead.name.is_empty() {
        one_line(&lead.email)
    } else {
        format!("{} <{}>", one_line(&lead.name), one_line(&lead.email))
    };
    let what = if message {
        "New message from a visitor"
    } else {
        "New lead"
    };
    let subject = truncate_chars(&format!("{what}: {who}"), 200);
    let mut body = String::with_capacity(512);
    let _ = writeln!(body, "{what}.");
    let _ = writeln!(body);
    let _ = writeln!(body, "Email:        {}", one_line(&lead.email));
    if !lead.name.is_empty() {
        let _ = writeln!(body, "Name:         {}", one_line(&lead.name));
    }
    let _ = writeln!(body, "Outcome:      {}", lead.outcome.describe());
    let _ = writeln!(body, "Came via:     {}", lead.source.code());
    let _ = writeln!(body, "Last seen:    {}", iso8601(lead.last_seen));
    let _ = writeln!(
        body,
        "Conversation: {}",
        one_line(lead.last_conversation.as_str())
    );
    if !lead.page_url.trim().is_empty() {
        let _ = writeln!(body, "Page:         {}", one_line(&lead.page_url));
    }
    for key in UTM_KEYS {
        if let Some(v) = lead.utm.get(key) {
            let _ = writeln!(body, "utm_{key}: {}", one_line(v));
        }
    }
    let others: Vec<_> = lead
        .fields
        .iter()
        .filter(|(k, _)| k.as_str() != "email")
        .collect();
    if !others.is_empty() || !lead.answers.is_empty() {
        let _ = writeln!(body);
        let _ = writeln!(body, "What the visitor told us:");
        for (k, v) in others.into_iter().chain(lead.answers.iter()) {
            let _ = writeln!(body, "  {}: {}", one_line(k), one_line(v));
        }
    }
    if let Some(m) = &lead.message {
        let _ = writeln!(body);
        let _ = writeln!(body, "Their message:");
        for line in m.lines() {
            let _ = writeln!(body, "  {line}");
        }
    }
    let _ = writeln!(body);
    let _ = writeln!(
        body,
        "Reply to the visitor by email. Every lead is in the Leads view of the admin page."
    );
    Email { subject, body }
}
