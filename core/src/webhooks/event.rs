//! The events a workspace sends to its endpoints and their JSON bodies. Every body is
//! `{"type": "chat.accepted", "timestamp": "2026-01-01T12:00:00Z", "data": {...}}`, as the
//! Standard Webhooks spec recommends; `docs/webhooks.md` shows each one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::protocol::{EndReason, FallbackKind, Side, TranscriptEntry, TranscriptEvent};
use crate::routing::{FallbackReason, RoutingMode};
use crate::{AgentId, ConversationId, Millis};

/// The kinds of events an endpoint may subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "chat.requested")]
    ChatRequested,
    #[serde(rename = "chat.accepted")]
    ChatAccepted,
    #[serde(rename = "chat.missed")]
    ChatMissed,
    #[serde(rename = "chat.ended")]
    ChatEnded,
    #[serde(rename = "chat.transferred")]
    ChatTransferred,
    #[serde(rename = "lead.created")]
    LeadCreated,
    /// The admin's "Send test event"; every endpoint gets it whatever it subscribes to.
    #[serde(rename = "webhook.test")]
    Test,
}

impl EventType {
    /// The events an endpoint can choose.
    pub const SUBSCRIBABLE: [EventType; 6] = [
        EventType::ChatRequested,
        EventType::ChatAccepted,
        EventType::ChatMissed,
        EventType::ChatEnded,
        EventType::ChatTransferred,
        EventType::LeadCreated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ChatRequested => "chat.requested",
            EventType::ChatAccepted => "chat.accepted",
            EventType::ChatMissed => "chat.missed",
            EventType::ChatEnded => "chat.ended",
            EventType::ChatTransferred => "chat.transferred",
            EventType::LeadCreated => "lead.created",
            EventType::Test => "webhook.test",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        EventType::SUBSCRIBABLE
            .into_iter()
            .chain([EventType::Test])
            .find(|t| t.as_str() == s)
    }
}

/// An agent as an event names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventAgent {
    pub id: AgentId,
    pub name: String,
}

/// Why nobody took a chat, in the words an integration branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissedReason {
    /// No agent could take it (offline, away, full, no rule or team matched).
    NobodyAvailable,
    /// The last offer ran out of time.
    Expired,
    /// Every agent offered it declined.
    DeclinedByAll,
    OutsideHours,
    /// The plan's live chat engagement limit was reached.
    EngagementLimit,
}

impl MissedReason {
    pub fn of(reason: FallbackReason) -> MissedReason {
        match reason {
            FallbackReason::EngagementLimitReached => MissedReason::EngagementLimit,
            FallbackReason::OfferExpired => MissedReason::Expired,
            FallbackReason::OfferDeclined => MissedReason::DeclinedByAll,
            FallbackReason::OutsideHours => MissedReason::OutsideHours,
            FallbackReason::NoRuleMatched
            | FallbackReason::UnknownAgent
            | FallbackReason::UnknownTeam
            | FallbackReason::NoEligibleAgent
            | FallbackReason::AgentUnavailable => MissedReason::NobodyAvailable,
        }
    }
}

/// Who wrote a transcript line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// `visitor`, `agent` or `bot`.
    pub kind: Side,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One message of a chat's transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub author: Author,
    pub text: String,
    /// When it was stored, ISO 8601 UTC.
    pub time: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum EventData {
    #[serde(rename = "chat.requested")]
    ChatRequested {
        conversation_id: ConversationId,
        routing: RoutingMode,
        #[serde(default)]
        visitor: BTreeMap<String, String>,
        #[serde(default)]
        page_url: String,
    },
    #[serde(rename = "chat.accepted")]
    ChatAccepted {
        conversation_id: ConversationId,
        agent: EventAgent,
        /// From the request to the acceptance.
        waited_ms: u64,
    },
    #[serde(rename = "chat.missed")]
    ChatMissed {
        conversation_id: ConversationId,
        reason: MissedReason,
        /// The routing's precise reason and a sentence for people.
        detail: FallbackReason,
        description: String,
        /// Which fallback message the visitor saw.
        fallback: FallbackKind,
        #[serde(default)]
        visitor: BTreeMap<String, String>,
        #[serde(default)]
        page_url: String,
    },
    #[serde(rename = "chat.ended")]
    ChatEnded {
        conversation_id: ConversationId,
        agent: EventAgent,
        /// `ended_by_agent`, `ended_by_visitor` or `expired`.
        reason: EndReason,
        /// Filled in by the webhook object from the conversation before the first attempt.
        #[serde(default)]
        transcript: Vec<Line>,
    },
    /// An agent handed the chat to a colleague, who accepted it (the chat goes on; no
    /// `chat.ended` for the first agent).
    #[serde(rename = "chat.transferred")]
    ChatTransferred {
        conversation_id: ConversationId,
        from: EventAgent,
        to: EventAgent,
    },
    /// A new lead (an email given for the first time); its JSON is passed through as the leads feature stores it.
    #[serde(rename = "lead.created")]
    LeadCreated { lead: serde_json::Value },
    #[serde(rename = "webhook.test")]
    Test { message: String },
}

/// One event, as it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: Millis,
    #[serde(flatten)]
    pub data: EventData,
}

impl Event {
    /// `lead.created` for a new lead as its API shows it: the workspace object
    /// hands it over like a routing event (`queue_webhooks`, then `flush_webhooks`).
    pub fn lead_created(at: Millis, lead: serde_json::Value) -> Event {
        Event {
            at,
            data: EventData::LeadCreated { lead },
        }
    }

    pub fn kind(&self) -> EventType {
        match &self.data {
            EventData::ChatRequested { .. } => EventType::ChatRequested,
            EventData::ChatAccepted { .. } => EventType::ChatAccepted,
            EventData::ChatMissed { .. } => EventType::ChatMissed,
            EventData::ChatEnded { .. } => EventType::ChatEnded,
            EventData::ChatTransferred { .. } => EventType::ChatTransferred,
            EventData::LeadCreated { .. } => EventType::LeadCreated,
            EventData::Test { .. } => EventType::Test,
        }
    }

    /// The conversation the event is about.
    pub fn conversation(&self) -> Option<&ConversationId> {
        match &self.data {
            EventData::ChatRequested {
                conversation_id, ..
            }
            | EventData::ChatAccepted {
                conversation_id, ..
            }
            | EventData::ChatMissed {
                conversation_id, ..
            }
            | EventData::ChatEnded {
                conversation_id, ..
            }
            | EventData::ChatTransferred {
                conversation_id, ..
            } => Some(conversation_id),
            EventData::LeadCreated { .. } | EventData::Test { .. } => None,
        }
    }

    /// A chat that ended still needs its transcript read from the conversation.
    pub fn needs_transcript(&self) -> Option<&ConversationId> {
        match &self.data {
            EventData::ChatEnded {
                conversation_id,
                transcript,
                ..
            } if transcript.is_empty() => Some(conversation_id),
            _ => None,
        }
    }

    /// The request body: `{"type", "timestamp", "data"}`. Fixed once built, so every attempt of
    /// a delivery signs the same bytes.
    pub fn body(&self) -> String {
        let mut value = serde_json::to_value(&self.data).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.insert("timestamp".into(), iso(self.at).into());
        }
        value.to_string()
    }
}

/// `2026-01-01T12:00:00.000Z`.
pub fn iso(at: Millis) -> String {
    match jiff::Timestamp::from_millisecond(at.0 as i64) {
        Ok(t) => format!("{t:.3}"),
        Err(_) => String::new(),
    }
}

/// The messages of a transcript, with who wrote them. An agent's name is the one shown when
/// they joined; the visitor's is their captured first name, if any.
pub fn transcript(entries: &[TranscriptEntry], visitor_name: Option<&str>) -> Vec<Line> {
    let mut agent: Option<String> = None;
    let mut lines = Vec::new();
    for e in entries {
        match &e.event {
            TranscriptEvent::AgentJoined { agent: p } => agent = Some(p.name.clone()),
            TranscriptEvent::Message { from, text, .. } => lines.push(Line {
                author: Author {
                    kind: *from,
                    name: match from {
                        Side::Agent => agent.clone(),
                        Side::Visitor => visitor_name.map(str::to_owned),
                        Side::Bot => None,
                    },
                },
                text: text.clone(),
                time: iso(e.at),
            }),
            _ => {}
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::AgentProfile;

    fn ended() -> Event {
        Event {
            at: Millis(1_767_268_800_000),
            data: EventData::ChatEnded {
                conversation_id: "c1".into(),
                agent: EventAgent {
                    id: "alice".into(),
                    name: "Alice".into(),
                },
                reason: EndReason::EndedByVisitor,
                transcript: vec![],
            },
        }
    }

    #[test]
    fn bodies_follow_the_standard_envelope() {
        let body: serde_json::Value = serde_json::from_str(&ended().body()).unwrap();
        assert_eq!(body["type"], "chat.ended");
        assert_eq!(body["timestamp"], "2026-01-01T12:00:00.000Z");
        assert_eq!(body["data"]["conversation_id"], "c1");
        assert_eq!(body["data"]["agent"]["name"], "Alice");
        assert_eq!(body["data"]["reason"], "ended_by_visitor");
        let missed = Event {
            at: Millis(0),
            data: EventData::ChatMissed {
                conversation_id: "c2".into(),
                reason: MissedReason::of(FallbackReason::OfferDeclined),
                detail: FallbackReason::OfferDeclined,
                description: FallbackReason::OfferDeclined.describe().into(),
                fallback: FallbackKind::LiveChat,
                visitor: BTreeMap::new(),
                page_url: String::new(),
            },
        };
        let body: serde_json::Value = serde_json::from_str(&missed.body()).unwrap();
        assert_eq!(body["data"]["reason"], "declined_by_all");
        assert_eq!(body["data"]["detail"], "offer_declined");
        // Stored events read back the same.
        let stored = serde_json::to_string(&missed).unwrap();
        assert_eq!(serde_json::from_str::<Event>(&stored).unwrap(), missed);
    }

    #[test]
    fn every_fallback_reason_maps_to_a_missed_reason() {
        use FallbackReason::*;
        let cases = [
            (EngagementLimitReached, MissedReason::EngagementLimit),
            (NoRuleMatched, MissedReason::NobodyAvailable),
            (UnknownAgent, MissedReason::NobodyAvailable),
            (UnknownTeam, MissedReason::NobodyAvailable),
            (NoEligibleAgent, MissedReason::NobodyAvailable),
            (OfferExpired, MissedReason::Expired),
            (OfferDeclined, MissedReason::DeclinedByAll),
            (AgentUnavailable, MissedReason::NobodyAvailable),
            (OutsideHours, MissedReason::OutsideHours),
        ];
        for (reason, missed) in cases {
            assert_eq!(MissedReason::of(reason), missed);
        }
    }

    #[test]
    fn a_lead_passes_through_as_json() {
        let lead =
            serde_json::json!({"id": "l1", "email": "ada@example.com", "message": "<b>hi</b>"});
        let e = Event::lead_created(Millis(0), lead.clone());
        assert_eq!(e.kind(), EventType::LeadCreated);
        assert_eq!(e.conversation(), None);
        let body: serde_json::Value = serde_json::from_str(&e.body()).unwrap();
        assert_eq!(body["type"], "lead.created");
        assert_eq!(body["data"]["lead"], lead);
    }

    #[test]
    fn event_types_parse_their_names() {
        for t in EventType::SUBSCRIBABLE {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        assert_eq!(EventType::parse("chat.nope"), None);
    }

    #[test]
    fn the_transcript_names_its_authors() {
        let entry = |seq, event| TranscriptEntry {
            seq,
            at: Millis(seq * 1000),
            event,
        };
        let say = |from, text: &str| TranscriptEvent::Message {
            from,
            text: text.into(),
            client_id: String::new(),
        };
        let entries = vec![
            entry(1, TranscriptEvent::LiveChatRequested),
            entry(2, say(Side::Visitor, "hi")),
            entry(
                3,
                TranscriptEvent::AgentJoined {
                    agent: AgentProfile {
                        name: "Alice".into(),
                        avatar_url: None,
                    },
                },
            ),
            entry(4, say(Side::Agent, "hello <b>")),
        ];
        let lines = transcript(&entries, Some("Ada"));
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].author.name.as_deref(), Some("Ada"));
        assert_eq!(lines[1].author.kind, Side::Agent);
        assert_eq!(lines[1].author.name.as_deref(), Some("Alice"));
        assert_eq!(lines[1].text, "hello <b>");
        assert_eq!(lines[1].time, "1970-01-01T00:00:04.000Z");
        let mut e = ended();
        assert!(e.needs_transcript().is_some());
        if let EventData::ChatEnded { transcript, .. } = &mut e.data {
            *transcript = lines;
        }
        assert!(e.needs_transcript().is_none());
    }
}
