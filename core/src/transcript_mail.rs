//! The transcript a visitor asks for by email after a chat with an agent: plain text only,
//! so nothing the visitor or the agent typed is ever read as markup.

use std::fmt::Write as _;

use crate::failed_action::{iso8601, truncate_chars, Email};
use crate::protocol::{Side, TranscriptEntry, TranscriptEvent};

/// The subject, naming where the chat happened when that is known to be the workspace's own
/// site (empty otherwise).
pub fn subject(site: &str) -> String {
    let site = crate::failed_action::one_line(site);
    if site.is_empty() {
        "Your conversation".to_owned()
    } else {
        truncate_chars(&format!("Your conversation on {site}"), 200)
    }
}

/// Renders the conversation's chat as a plain-text email, its subject naming no site: the
/// workspace names one ([`subject`]) when it is among its allowed origins.
pub fn render(entries: &[TranscriptEntry]) -> Email {
    let subject = subject("");
    let mut body = String::with_capacity(256 + entries.len() * 80);
    let _ = writeln!(body, "Here is your conversation, as you asked.");
    let _ = writeln!(body);
    let mut agent = String::from("Agent");
    for e in entries {
        let when = iso8601(e.at);
        let line = match &e.event {
            TranscriptEvent::AgentJoined { agent: p } => {
                agent = p.name.clone();
                format!("{} joined the chat.", p.name)
            }
            TranscriptEvent::AgentLeft { agent: p } => format!("{} left the chat.", p.name),
            TranscriptEvent::Message { from, text, .. } => {
                let who = match from {
                    Side::Visitor => "You",
                    Side::Agent => agent.as_str(),
                    Side::Bot => "Bot",
                };
                format!("{who}: {text}")
            }
            TranscriptEvent::Answered { label, .. } => format!("You: {label}"),
            TranscriptEvent::Ended {
                by: Side::Agent, ..
            } => format!("{agent} ended the chat."),
            TranscriptEvent::Ended {
                visitor_away: true, ..
            } => "The chat ended while you were away.".to_owned(),
            TranscriptEvent::Ended { .. } => "You ended the chat.".to_owned(),
            TranscriptEvent::Expired => "The chat ended after a while without messages.".to_owned(),
            _ => continue,
        };
        let _ = writeln!(body, "[{when}] {line}");
    }
    let _ = writeln!(body);
    let _ = writeln!(
        body,
        "You get this email because you asked for it in the chat. It is sent once."
    );
    Email { subject, body }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::AgentProfile;
    use crate::Millis;

    fn entry(seq: u64, event: TranscriptEvent) -> TranscriptEntry {
        TranscriptEntry {
            seq,
            at: Millis(seq * 1000),
            event,
        }
    }

    #[test]
    fn lists_the_chat_in_order_with_names_and_keeps_markup_as_text() {
        let entries = vec![
            entry(
                1,
                TranscriptEvent::AgentJoined {
                    agent: AgentProfile {
                        name: "Ada".into(),
                        avatar_url: None,
                    },
                },
            ),
            entry(
                2,
                TranscriptEvent::Message {
                    from: Side::Visitor,
                    text: "<b>hi</b>".into(),
                    client_id: "c1".into(),
                },
            ),
            entry(
                3,
                TranscriptEvent::Message {
                    from: Side::Agent,
                    text: "Hello!".into(),
                    client_id: "c2".into(),
                },
            ),
            entry(
                4,
                TranscriptEvent::Ended {
                    by: Side::Visitor,
                    visitor_away: false,
                },
            ),
        ];
        let mail = render(&entries);
        assert_eq!(mail.subject, "Your conversation");
        assert_eq!(subject("example.com"), "Your conversation on example.com");
        assert_eq!(
            subject("a.com\r\nBcc: x@y.z"),
            "Your conversation on a.com Bcc: x@y.z"
        );
        let a = mail.body.find("Ada joined").unwrap();
        let b = mail.body.find("You: <b>hi</b>").unwrap();
        let c = mail.body.find("Ada: Hello!").unwrap();
        let d = mail.body.find("You ended the chat.").unwrap();
        assert!(a < b && b < c && c < d, "{}", mail.body);
    }
}
