//! The workspace object's WebSockets: agents' inboxes (tag `agent:<id>`) and admin views
//! (tag `admin`, plus `admin:<id>` when an agent with the admin role opened it).
//! Hibernatable: who is on a socket, and the session that opened it, is kept in its attachment.

use serde::{Deserialize, Serialize};
use worker::{State, WebSocket};

/// Who is on a socket, as the routing adapter counts inboxes. It reads the same attachment as
/// [`Attachment`] (the session fields are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Peer {
    Agent { agent: String },
    Admin,
}

/// A socket's attachment: who opened it, with which session epoch and until when (`until`,
/// epoch ms; 0 for a key or the operator token), checked again on every frame and closed by the
/// alarm when the session ends. Attachments written before epochs existed read as epoch 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attachment {
    /// An agent's inbox.
    Agent {
        agent: String,
        #[serde(default)]
        epoch: u64,
        #[serde(default, skip_serializing_if = "is_zero")]
        until: u64,
    },
    /// An admin view: opened with the workspace key or the operator token (`agent: None`), or
    /// by an agent with the admin role, or with an admin-view session made from the key.
    Admin {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
        #[serde(default)]
        epoch: u64,
        #[serde(default, skip_serializing_if = "is_zero")]
        until: u64,
    },
    /// Closed by the server because its session ended: no longer anybody's inbox, so a close
    /// event arriving later is not counted a second time.
    Revoked,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Attachment {
    /// The agent whose session opened this socket, with that session's epoch.
    pub fn session(&self) -> Option<(&str, u64)> {
        match self {
            Attachment::Agent { agent, epoch, .. } => Some((agent, *epoch)),
            Attachment::Admin {
                agent: Some(agent),
                epoch,
                ..
            } => Some((agent, *epoch)),
            Attachment::Admin { agent: None, .. } | Attachment::Revoked => None,
        }
    }

    /// When the session that opened this socket ends (epoch ms), if it does.
    pub fn until(&self) -> Option<u64> {
        match self {
            Attachment::Agent { until, .. } | Attachment::Admin { until, .. } => {
                Some(*until).filter(|u| *u > 0)
            }
            Attachment::Revoked => None,
        }
    }
}

pub fn agent_tag(agent: &str) -> String {
    format!("agent:{agent}")
}

/// The admin views an agent (with the admin role) opened, to close them when that changes.
pub fn admin_tag(agent: &str) -> String {
    format!("admin:{agent}")
}

pub fn send_json<T: Serialize>(ws: &WebSocket, msg: &T) {
    if let Ok(text) = serde_json::to_string(msg) {
        let _ = ws.send_with_str(text);
    }
}

pub fn to_admins<T: Serialize>(state: &State, msg: &T) {
    for ws in state.get_websockets_with_tag("admin") {
        send_json(&ws, msg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_attachments_keep_their_json_shape() {
        // Attachments outlive a deploy (hibernated sockets): the shape is stored data.
        let agent = Peer::Agent {
            agent: "eve".into(),
        };
        assert_eq!(
            serde_json::to_value(&agent).expect("json"),
            serde_json::json!({"kind": "agent", "agent": "eve"})
        );
        assert_eq!(
            serde_json::to_value(Peer::Admin).expect("json"),
            serde_json::json!({"kind": "admin"})
        );
    }

    #[test]
    fn peer_attachments_round_trip() {
        for peer in [
            Peer::Agent {
                agent: "eve".into(),
            },
            Peer::Agent {
                agent: "ag_\u{e9}t\u{e9}:1".into(),
            },
            Peer::Admin,
        ] {
            let text = serde_json::to_string(&peer).expect("json");
            let back: Peer = serde_json::from_str(&text).expect("peer");
            assert_eq!(back, peer);
        }
    }

    #[test]
    fn an_unknown_or_incomplete_attachment_is_no_peer() {
        for text in [
            r#"{"kind":"visitor"}"#,
            r#"{"kind":"agent"}"#,
            r#"{"agent":"eve"}"#,
            r#"{"side":"agent","agent":"eve"}"#,
        ] {
            assert!(serde_json::from_str::<Peer>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn agent_tags_name_the_agent() {
        assert_eq!(agent_tag("eve"), "agent:eve");
        assert_ne!(agent_tag("eve"), agent_tag("eve2"));
        // Never the admin views' tag, whatever the agent id.
        assert_ne!(agent_tag("admin"), "admin");
        assert_eq!(agent_tag(""), "agent:");
    }

    #[test]
    fn admin_tags_name_the_agent_and_differ_from_every_other_tag() {
        assert_eq!(admin_tag("alice"), "admin:alice");
        for id in ["alice", "admin", "agent", ""] {
            // The broadcast to every admin view uses the bare `admin` tag.
            assert_ne!(admin_tag(id), "admin");
            assert_ne!(admin_tag(id), agent_tag(id));
        }
    }

    #[test]
    fn attachments_keep_their_json_shape() {
        let inbox = Attachment::Agent {
            agent: "eve".into(),
            epoch: 1_700_000_000_123,
            until: 0,
        };
        assert_eq!(
            serde_json::to_value(&inbox).expect("json"),
            serde_json::json!({"kind": "agent", "agent": "eve", "epoch": 1_700_000_000_123u64})
        );
        let by_key = Attachment::Admin {
            agent: None,
            epoch: 0,
            until: 0,
        };
        assert_eq!(
            serde_json::to_value(&by_key).expect("json"),
            serde_json::json!({"kind": "admin", "epoch": 0})
        );
        let by_agent = Attachment::Admin {
            agent: Some("alice".into()),
            epoch: 7,
            until: 0,
        };
        assert_eq!(
            serde_json::to_value(&by_agent).expect("json"),
            serde_json::json!({"kind": "admin", "agent": "alice", "epoch": 7})
        );
        assert_eq!(
            serde_json::to_value(Attachment::Revoked).expect("json"),
            serde_json::json!({"kind": "revoked"})
        );
        // A session's end is kept, and read back.
        let ending = Attachment::Agent {
            agent: "eve".into(),
            epoch: 1,
            until: 1_700_043_200_000,
        };
        let json = serde_json::to_value(&ending).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"kind": "agent", "agent": "eve", "epoch": 1, "until": 1_700_043_200_000u64})
        );
        let back: Attachment = serde_json::from_value(json).expect("attachment");
        assert_eq!(back.until(), Some(1_700_043_200_000));
        assert_eq!(inbox.until(), None, "no end known: none");
        assert_eq!(Attachment::Revoked.until(), None);
    }

    #[test]
    fn peer_reads_the_attachment_the_sockets_are_written_with() {
        // The routing adapter counts inboxes by reading attachments as `Peer`.
        let read = |a: &Attachment| -> Option<Peer> {
            serde_json::from_value(serde_json::to_value(a).expect("json")).ok()
        };
        assert_eq!(
            read(&Attachment::Agent {
                agent: "eve".into(),
                epoch: 9,
                until: 1_700_043_200_000,
            }),
            Some(Peer::Agent {
                agent: "eve".into()
            })
        );
        for admin in [
            Attachment::Admin {
                agent: None,
                epoch: 0,
                until: 0,
            },
            Attachment::Admin {
                agent: Some("alice".into()),
                epoch: 3,
                until: 1_700_043_200_000,
            },
        ] {
            assert_eq!(read(&admin), Some(Peer::Admin), "{admin:?}");
        }
        // A revoked socket is nobody's inbox any more.
        assert_eq!(read(&Attachment::Revoked), None);
    }

    #[test]
    fn attachments_written_before_epochs_read_as_epoch_zero() {
        let old = serde_json::to_string(&Peer::Agent {
            agent: "eve".into(),
        })
        .expect("json");
        let back: Attachment = serde_json::from_str(&old).expect("attachment");
        assert_eq!(back.session(), Some(("eve", 0)));
        let old_admin = serde_json::to_string(&Peer::Admin).expect("json");
        let back: Attachment = serde_json::from_str(&old_admin).expect("attachment");
        assert_eq!(back.session(), None, "a key holder's view has no session");
    }
}
