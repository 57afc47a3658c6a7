//! The client chat session (`client::ChatSession`) against a fake server and a lossy socket.
//!
//! The fake server follows docs/protocol.md: `hello` → `welcome` + every entry after `last_seq`;
//! `say` → a new entry then `ack`, or only the original `ack` for a client id already stored.
//! A dropped socket loses every frame in flight both ways.

use std::collections::{BTreeMap, VecDeque};

use parlor_core::client::{
    Action, Backoff, ChatSession, ClientEffect, ClientEvent, Link, FIRST_DELAY, MAX_DELAY,
};
use parlor_core::protocol::{
    ChatClientMsg, ChatServerMsg, ConversationView, Side, TranscriptEntry, TranscriptEvent,
};
use parlor_core::{ConversationId, Millis};
use proptest::prelude::*;

fn entry(seq: u64, event: TranscriptEvent) -> TranscriptEntry {
    TranscriptEntry {
        seq,
        at: Millis(seq),
        event,
    }
}

fn note(seq: u64) -> TranscriptEntry {
    entry(
        seq,
        TranscriptEvent::Message {
            from: Side::Agent,
            text: format!("m{seq}"),
            client_id: format!("agent-{seq}"),
        },
    )
}

fn welcome(last_seq: u64, closed: bool) -> ClientEvent {
    ClientEvent::Frame(ChatServerMsg::Welcome {
        conversation: ConversationView {
            id: ConversationId::new("c"),
            last_seq,
            closed,
        },
    })
}

fn frame_entry(e: TranscriptEntry) -> ClientEvent {
    ClientEvent::Frame(ChatServerMsg::Entry { entry: e })
}

/// A session connected and welcomed at `last_seq` 0.
fn open_session() -> ChatSession {
    let mut s = ChatSession::new("p".into());
    s.handle(ClientEvent::Connect, Millis(0));
    s.handle(ClientEvent::Opened, Millis(0));
    s.handle(welcome(0, false), Millis(0));
    s
}

fn delivered(fx: &[ClientEffect]) -> Vec<u64> {
    fx.iter()
        .filter_map(|f| match f {
            ClientEffect::Deliver(e) => Some(e.seq),
            _ => None,
        })
        .collect()
}

fn sent(fx: &[ClientEffect]) -> Vec<ChatClientMsg> {
    fx.iter()
        .filter_map(|f| match f {
            ClientEffect::Send(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

fn wake_at(fx: &[ClientEffect]) -> Option<Millis> {
    fx.iter().find_map(|f| match f {
        ClientEffect::WakeAt(at) => Some(*at),
        _ => None,
    })
}

/// Every seq 1..=n at least once, plus duplicates, in any order.
fn scrambled() -> impl Strategy<Value = (u64, Vec<u64>)> {
    (1u64..40).prop_flat_map(|n| {
        let all: Vec<u64> = (1..=n).collect();
        (
            Just(n),
            Just(all).prop_shuffle(),
            proptest::collection::vec((any::<prop::sample::Index>(), 1..=n), 0..40),
        )
            .prop_map(|(n, mut order, extra)| {
                for (at, seq) in extra {
                    let i = at.index(order.len() + 1);
                    order.insert(i, seq);
                }
                (n, order)
            })
    })
}

proptest! {
    #[test]
    fn the_ui_sees_each_seq_once_and_in_order((n, order) in scrambled()) {
        let mut s = open_session();
        let mut seen = Vec::new();
        for seq in order {
            let fx = s.handle(frame_entry(note(seq)), Millis(0));
            seen.extend(delivered(&fx));
        }
        prop_assert_eq!(seen, (1..=n).collect::<Vec<_>>());
        prop_assert_eq!(s.last_seq(), n);
    }

    #[test]
    fn backoff_is_bounded_and_grows_until_welcome(seed in ".{0,12}", drops in 1usize..40) {
        let mut s = ChatSession::new(seed);
        s.handle(ClientEvent::Connect, Millis(0));
        let mut now = Millis(1_000);
        let mut last = Millis::ZERO;
        for attempt in 1..=drops {
            let fx = s.handle(ClientEvent::SocketClosed { code: 1006 }, now);
            let Some(at) = wake_at(&fx) else {
                return Err(TestCaseError::fail("no reconnect scheduled"));
            };
            let delay = at.since(now);
            prop_assert!(delay >= FIRST_DELAY && delay <= MAX_DELAY, "{delay:?}");
            prop_assert!(delay >= last, "shrank: {last:?} then {delay:?}");
            prop_assert_eq!(s.link(), Link::Waiting { attempt: attempt as u32, at });
            prop_assert_eq!(s.next_deadline(), Some(at));
            last = delay;
            now = at;
            prop_assert_eq!(s.handle(ClientEvent::Tick, now), vec![ClientEffect::Connect]);
        }
        // A welcome resets it.
        s.handle(ClientEvent::Opened, now);
        s.handle(welcome(0, false), now);
        let fx = s.handle(ClientEvent::SocketClosed { code: 1006 }, now);
        let Some(at) = wake_at(&fx) else {
            return Err(TestCaseError::fail("no reconnect after welcome"));
        };
        prop_assert!(at.since(now) < Millis(FIRST_DELAY.0 * 3 / 2));
    }

    #[test]
    fn backoff_alone_is_monotone_and_capped(seed in any::<u64>(), n in 1usize..64) {
        let mut b = Backoff::new(seed);
        let delays: Vec<Millis> = (0..n).map(|_| b.next_delay()).collect();
        prop_assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{:?}", delays);
        prop_assert!(delays.iter().all(|d| *d >= FIRST_DELAY && *d <= MAX_DELAY));
    }

    #[test]
    fn every_message_is_stored_once_and_acked_once_across_drops(
        ops in proptest::collection::vec(op(), 0..120),
    ) {
        let mut w = World::new();
        for op in ops {
            w.step(op);
        }
        w.settle();
        // Each message said is stored once by the server, confirmed once to the app, never failed.
        let stored: Vec<&String> = w.server.seen.keys().collect();
        let mut said: Vec<&String> = w.said.iter().collect();
        said.sort();
        prop_assert_eq!(stored, said);
        for id in &w.said {
            prop_assert_eq!(w.stored.get(id).copied(), Some(1), "{}", id);
        }
        prop_assert!(w.failed.is_empty(), "{:?}", w.failed);
        prop_assert!(w.session.pending().is_empty());
        let n = w.server.transcript.len() as u64;
        prop_assert_eq!(&w.ui, &(1..=n).collect::<Vec<_>>());
    }
}

#[derive(Debug, Clone)]
enum Op {
    Say,
    /// The agent writes (an entry the client did not cause).
    Agent,
    /// The server handles this many frames from the client.
    ServerReads(u8),
    /// The client receives this many frames from the server.
    ClientReads(u8),
    /// The socket drops, or fails to open.
    Drop,
    /// Time passes to the next deadline.
    Tick,
    /// A pending connection opens.
    Open,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Say),
        1 => Just(Op::Agent),
        3 => (1u8..4).prop_map(Op::ServerReads),
        3 => (1u8..6).prop_map(Op::ClientReads),
        1 => Just(Op::Drop),
        2 => Just(Op::Tick),
        2 => Just(Op::Open),
    ]
}

#[derive(Default)]
struct Server {
    transcript: Vec<TranscriptEntry>,
    seen: BTreeMap<String, u64>,
}

impl Server {
    fn append(&mut self, event: TranscriptEvent) -> TranscriptEntry {
        let e = entry(self.transcript.len() as u64 + 1, event);
        self.transcript.push(e.clone());
        e
    }
}

struct World {
    session: ChatSession,
    server: Server,
    now: Millis,
    /// A socket is being opened.
    opening: bool,
    connected: bool,
    to_server: VecDeque<ChatClientMsg>,
    to_client: VecDeque<ChatServerMsg>,
    said: Vec<String>,
    stored: BTreeMap<String, u32>,
    failed: Vec<String>,
    ui: Vec<u64>,
}

impl World {
    fn new() -> World {
        let mut w = World {
            session: ChatSession::new("t".into()),
            server: Server::default(),
            now: Millis(0),
            opening: false,
            connected: false,
            to_server: VecDeque::new(),
            to_client: VecDeque::new(),
            said: Vec::new(),
            stored: BTreeMap::new(),
            failed: Vec::new(),
            ui: Vec::new(),
        };
        w.handle(ClientEvent::Connect);
        w
    }

    fn handle(&mut self, event: ClientEvent) {
        for fx in self.session.handle(event, self.now) {
            match fx {
                ClientEffect::Connect => {
                    self.drop_socket();
                    self.opening = true;
                }
                ClientEffect::Send(m) => {
                    if self.connected {
                        self.to_server.push_back(m);
                    }
                }
                ClientEffect::WakeAt(_) => {}
                ClientEffect::Deliver(e) => self.ui.push(e.seq),
                ClientEffect::Stored { client_id, .. } => {
                    *self.stored.entry(client_id).or_default() += 1;
                }
                ClientEffect::Failed { client_id, .. } => self.failed.push(client_id),
                ClientEffect::Refused | ClientEffect::Outdated => {
                    self.failed.push("refused".into())
                }
            }
        }
    }

    fn drop_socket(&mut self) {
        self.connected = false;
        self.opening = false;
        self.to_server.clear();
        self.to_client.clear();
    }

    fn step(&mut self, op: Op) {
        match op {
            Op::Say => {
                let before = self.session.pending().len();
                self.handle(ClientEvent::Say { text: "hi".into() });
                if let Some(o) = self.session.pending().get(before) {
                    self.said.push(o.client_id.clone());
                }
            }
            Op::Agent => {
                let e = self.server.append(TranscriptEvent::Message {
                    from: Side::Agent,
                    text: "yo".into(),
                    client_id: format!("a{}", self.server.transcript.len()),
                });
                if self.connected {
                    self.to_client.push_back(ChatServerMsg::Entry { entry: e });
                }
            }
            Op::ServerReads(n) => {
                for _ in 0..n {
                    if let Some(m) = self.to_server.pop_front() {
                        self.serve(m);
                    }
                }
            }
            Op::ClientReads(n) => {
                for _ in 0..n {
                    if let Some(m) = self.to_client.pop_front() {
                        self.handle(ClientEvent::Frame(m));
                    }
                }
            }
            Op::Drop => {
                if self.connected || self.opening {
                    self.drop_socket();
                    self.handle(ClientEvent::SocketClosed { code: 1006 });
                }
            }
            Op::Tick => {
                if let Some(at) = self.session.next_deadline() {
                    self.now = at;
                }
                self.handle(ClientEvent::Tick);
            }
            Op::Open => {
                if self.opening {
                    self.opening = false;
                    self.connected = true;
                    self.handle(ClientEvent::Opened);
                }
            }
        }
    }

    fn serve(&mut self, m: ChatClientMsg) {
        match m {
            ChatClientMsg::Hello { last_seq, .. } => {
                self.to_client.push_back(ChatServerMsg::Welcome {
                    conversation: ConversationView {
                        id: ConversationId::new("c"),
                        last_seq: self.server.transcript.len() as u64,
                        closed: false,
                    },
                });
                for e in &self.server.transcript[last_seq as usize..] {
                    self.to_client
                        .push_back(ChatServerMsg::Entry { entry: e.clone() });
                }
            }
            ChatClientMsg::Say { client_id, text } => {
                let seq = match self.server.seen.get(&client_id) {
                    Some(&seq) => seq,
                    None => {
                        let e = self.server.append(TranscriptEvent::Message {
                            from: Side::Visitor,
                            text,
                            client_id: client_id.clone(),
                        });
                        self.server.seen.insert(client_id.clone(), e.seq);
                        self.to_client
                            .push_back(ChatServerMsg::Entry { entry: e.clone() });
                        e.seq
                    }
                };
                self.to_client
                    .push_back(ChatServerMsg::Ack { client_id, seq });
            }
            _ => {}
        }
    }

    /// The network behaves from now on: everything in flight arrives.
    fn settle(&mut self) {
        for _ in 0..100 {
            if self.session.link() == Link::Open
                && self.to_server.is_empty()
                && self.to_client.is_empty()
                && self.session.pending().is_empty()
            {
                return;
            }
            self.step(Op::Tick);
            self.step(Op::Open);
            self.step(Op::ServerReads(u8::MAX));
            self.step(Op::ClientReads(u8::MAX));
        }
    }
}

#[test]
fn an_early_tick_waits_on_and_a_due_one_reconnects() {
    let mut s = open_session();
    let at = wake_at(&s.handle(ClientEvent::SocketClosed { code: 1001 }, Millis(100)));
    let Some(at) = at else {
        panic!("no reconnect scheduled")
    };
    assert_eq!(
        s.handle(ClientEvent::Tick, Millis(at.0 - 1)),
        vec![ClientEffect::WakeAt(at)]
    );
    assert_eq!(s.handle(ClientEvent::Tick, at), vec![ClientEffect::Connect]);
    assert_eq!(s.link(), Link::Connecting);
    assert_eq!(s.next_deadline(), None);
    assert!(s.handle(ClientEvent::Tick, at).is_empty());
}

#[test]
fn hello_resumes_after_the_last_seq_applied() {
    let mut s = open_session();
    s.handle(frame_entry(note(1)), Millis(0));
    s.handle(frame_entry(note(3)), Millis(0));
    s.handle(ClientEvent::SocketClosed { code: 1006 }, Millis(0));
    assert_eq!(
        sent(&s.handle(ClientEvent::Opened, Millis(9))),
        vec![ChatClientMsg::Hello { v: 1, last_seq: 1 }]
    );
    // The entry held back is applied once its gap is filled by the replay.
    let fx = s.handle(frame_entry(note(2)), Millis(9));
    assert_eq!(delivered(&fx), vec![2, 3]);
}

#[test]
fn refused_tokens_end_the_session_and_fail_what_was_not_stored() {
    for (code, end) in [
        (4000, ClientEffect::Outdated),
        (4401, ClientEffect::Refused),
        (4999, ClientEffect::Refused),
        (1008, ClientEffect::Refused),
    ] {
        let mut s = open_session();
        s.handle(ClientEvent::Say { text: "a".into() }, Millis(0));
        let fx = s.handle(ClientEvent::SocketClosed { code }, Millis(0));
        assert_eq!(
            fx,
            vec![
                ClientEffect::Failed {
                    client_id: "p-1".into(),
                    text: "a".into()
                },
                end
            ]
        );
        assert_eq!(s.link(), Link::Offline);
        assert!(s.pending().is_empty() && s.next_deadline().is_none());
        assert!(s.handle(ClientEvent::Tick, Millis(1_000_000)).is_empty());
    }
}

#[test]
fn an_ack_settles_once_and_the_entry_clears_the_outbox() {
    let mut s = open_session();
    let fx = s.handle(ClientEvent::Say { text: "a".into() }, Millis(0));
    assert_eq!(
        sent(&fx),
        vec![ChatClientMsg::Say {
            client_id: "p-1".into(),
            text: "a".into()
        }]
    );
    let ack = || {
        ClientEvent::Frame(ChatServerMsg::Ack {
            client_id: "p-1".into(),
            seq: 1,
        })
    };
    assert_eq!(
        s.handle(ack(), Millis(0)),
        vec![ClientEffect::Stored {
            client_id: "p-1".into(),
            seq: 1
        }]
    );
    assert!(
        s.handle(ack(), Millis(0)).is_empty(),
        "a resend's ack is no news"
    );
    assert_eq!(s.pending().len(), 1, "shown pending until its entry comes");
    // Not resent after a reconnect: it is stored.
    s.handle(ClientEvent::SocketClosed { code: 1006 }, Millis(0));
    s.handle(ClientEvent::Opened, Millis(0));
    assert!(sent(&s.handle(welcome(1, false), Millis(0))).is_empty());
    let mine = entry(
        1,
        TranscriptEvent::Message {
            from: Side::Visitor,
            text: "a".into(),
            client_id: "p-1".into(),
        },
    );
    assert_eq!(delivered(&s.handle(frame_entry(mine), Millis(0))), vec![1]);
    assert!(s.pending().is_empty());
}

#[test]
fn a_closed_conversation_fails_what_it_did_not_store_and_is_not_reopened() {
    // Closed by an entry while open: the say processed after the end is refused by the server.
    let mut s = open_session();
    s.handle(
        ClientEvent::Say {
            text: "late".into(),
        },
        Millis(0),
    );
    let fx = s.handle(
        frame_entry(entry(
            1,
            TranscriptEvent::Ended {
                by: Side::Agent,
                visitor_away: false,
            },
        )),
        Millis(0),
    );
    assert!(
        fx.contains(&ClientEffect::Failed {
            client_id: "p-1".into(),
            text: "late".into()
        }),
        "what was typed comes back, so the client can offer it again"
    );
    assert!(s.is_closed() && s.pending().is_empty());
    assert_eq!(
        s.handle(
            ClientEvent::Say {
                text: "more".into()
            },
            Millis(0)
        ),
        vec![ClientEffect::Failed {
            client_id: "p-2".into(),
            text: "more".into()
        }],
        "nothing more is sent to a closed conversation"
    );
    assert!(s
        .handle(ClientEvent::SocketClosed { code: 1000 }, Millis(0))
        .is_empty());
    assert_eq!(s.link(), Link::Offline);

    // Said offline, then the conversation turns out closed: nothing is resent, and once the
    // replay is applied the message fails.
    let mut s = open_session();
    s.handle(ClientEvent::SocketClosed { code: 1006 }, Millis(0));
    s.handle(ClientEvent::Say { text: "x".into() }, Millis(0));
    s.handle(ClientEvent::Opened, Millis(0));
    let fx = s.handle(welcome(2, true), Millis(0));
    assert!(sent(&fx).is_empty() && s.pending().len() == 1);
    s.handle(frame_entry(note(1)), Millis(0));
    let fx = s.handle(frame_entry(entry(2, TranscriptEvent::Expired)), Millis(0));
    assert!(fx.contains(&ClientEffect::Failed {
        client_id: "p-1".into(),
        text: "x".into()
    }));
}

#[test]
fn ended_elsewhere_stops_reconnects_once_nothing_is_pending() {
    let mut s = open_session();
    s.handle(ClientEvent::Say { text: "a".into() }, Millis(0));
    assert!(s.handle(ClientEvent::Ended, Millis(0)).is_empty());
    assert_eq!(s.pending().len(), 1, "its entry may still be on the way");
    // Something is still unsettled: reconnect once to learn its fate.
    let fx = s.handle(ClientEvent::SocketClosed { code: 1006 }, Millis(0));
    assert!(wake_at(&fx).is_some());
    s.handle(ClientEvent::Opened, Millis(0));
    s.handle(welcome(1, true), Millis(0));
    let mine = entry(
        1,
        TranscriptEvent::Message {
            from: Side::Agent,
            text: "a".into(),
            client_id: "p-1".into(),
        },
    );
    let fx = s.handle(frame_entry(mine), Millis(0));
    assert!(fx.contains(&ClientEffect::Stored {
        client_id: "p-1".into(),
        seq: 1
    }));
    assert!(s
        .handle(ClientEvent::SocketClosed { code: 1006 }, Millis(0))
        .is_empty());
}

fn leave_message() -> Action {
    Action::LeaveMessage {
        client_id: "p-lm".into(),
        email: Some("v@example.com".into()),
        text: "Call me back".into(),
    }
}

/// The frame an action is sent as.
fn leave_message_frame() -> ChatClientMsg {
    ChatClientMsg::LeaveMessage {
        client_id: "p-lm".into(),
        email: Some("v@example.com".into()),
        text: "Call me back".into(),
    }
}

fn fallback(seq: u64) -> TranscriptEntry {
    entry(
        seq,
        TranscriptEvent::Fallback {
            kind: parlor_core::protocol::FallbackKind::LiveChat,
            text: "Nobody is free: leave us a message.".into(),
            visitor_away: false,
        },
    )
}

#[test]
fn the_offline_form_reaches_the_server_after_a_drop_that_followed_the_fallback() {
    let mut s = open_session();
    s.handle(frame_entry(fallback(1)), Millis(0));
    // The socket drops after the fallback: nothing is owed, so no reconnect is planned…
    assert!(s
        .handle(ClientEvent::SocketClosed { code: 1006 }, Millis(10))
        .is_empty());
    assert_eq!(s.link(), Link::Offline);
    // …until the visitor sends the form: the session connects at once, and sends it after
    // the welcome (not into the closed socket).
    let fx = s.handle(ClientEvent::Act(leave_message()), Millis(20));
    assert_eq!(fx, vec![ClientEffect::Connect]);
    assert!(s.acting());
    s.handle(ClientEvent::Opened, Millis(30));
    assert_eq!(
        sent(&s.handle(welcome(1, true), Millis(40))),
        vec![leave_message_frame()]
    );
    // Dropped again before the server's answer: reconnect (the conversation is closed, yet
    // something is owed), and send it again (the server stores one per conversation).
    let fx = s.handle(ClientEvent::SocketClosed { code: 1006 }, Millis(50));
    assert!(matches!(fx.as_slice(), [ClientEffect::WakeAt(_)]), "{fx:?}");
    let at = s.next_deadline().expect("a reconnect is planned");
    assert_eq!(s.handle(ClientEvent::Tick, at), vec![ClientEffect::Connect]);
    s.handle(ClientEvent::Opened, at);
    assert_eq!(
        sent(&s.handle(welcome(1, true), at)),
        vec![leave_message_frame()]
    );
    // The entry that says it was left settles it: nothing more is sent after a later welcome,
    // and a later drop plans no reconnect.
    let left = entry(
        2,
        TranscriptEvent::LeftMessage {
            email: "v@example.com".into(),
            text: "Call me back".into(),
            client_id: "p-lm".into(),
        },
    );
    s.handle(frame_entry(left), at);
    assert!(!s.acting());
    assert!(s
        .handle(ClientEvent::SocketClosed { code: 1006 }, at)
        .is_empty());
    assert_eq!(s.link(), Link::Offline);
}

#[test]
fn a_refused_after_chat_request_is_not_sent_again() {
    for (code, action, frame) in [
        ("email_required", leave_message(), leave_message_frame()),
        (
            "message_already_left",
            leave_message(),
            leave_message_frame(),
        ),
        (
            "transcript_already_sent",
            Action::EmailTranscript,
            ChatClientMsg::EmailTranscript,
        ),
        (
            "no_email",
            Action::EmailTranscript,
            ChatClientMsg::EmailTranscript,
        ),
    ] {
        let mut s = open_session();
        s.handle(frame_entry(fallback(1)), Millis(0));
        assert_eq!(
            sent(&s.handle(ClientEvent::Act(action), Millis(0))),
            vec![frame]
        );
        s.handle(
            ClientEvent::Frame(ChatServerMsg::Error {
                code: code.into(),
                message: "no".into(),
            }),
            Millis(0),
        );
        assert!(!s.acting(), "{code}: answered");
        s.handle(ClientEvent::SocketClosed { code: 1006 }, Millis(0));
        s.handle(ClientEvent::Connect, Millis(1));
        s.handle(ClientEvent::Opened, Millis(1));
        assert!(
            sent(&s.handle(welcome(1, true), Millis(1))).is_empty(),
            "{code}"
        );
    }
}

#[test]
fn a_second_request_of_the_same_kind_replaces_the_first() {
    let mut s = open_session();
    s.handle(frame_entry(fallback(1)), Millis(0));
    s.handle(ClientEvent::SocketClosed { code: 1006 }, Millis(0));
    s.handle(ClientEvent::Act(leave_message()), Millis(0));
    let second = Action::LeaveMessage {
        client_id: "p-lm".into(),
        email: Some("v@example.com".into()),
        text: "Call me back, please".into(),
    };
    // Already connecting: no second Connect.
    assert!(s.handle(ClientEvent::Act(second), Millis(0)).is_empty());
    s.handle(ClientEvent::Opened, Millis(1));
    assert_eq!(
        sent(&s.handle(welcome(1, true), Millis(1))),
        vec![ChatClientMsg::LeaveMessage {
            client_id: "p-lm".into(),
            email: Some("v@example.com".into()),
            text: "Call me back, please".into(),
        }]
    );
}
