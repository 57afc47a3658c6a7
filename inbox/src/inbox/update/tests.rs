use std::collections::BTreeMap;

use parlor_core::protocol::{
    ChatClientMsg, ChatServerMsg, ChatSummary, EndReason, InboxClientMsg, InboxServerMsg,
    OfferView, Side, TranscriptEntry, TranscriptEvent,
};
use parlor_core::{ConversationId, Millis};

use super::update;
use crate::inbox::model::{list_sub, Effect, Model, Msg, Tip};
use crate::session::Session;

fn signed_in() -> Model {
    let s = Session {
        workspace: "w".into(),
        token: "t".into(),
        agent: None,
    };
    Model::new(Some(s), "default".into(), "n".into())
}

fn offer(id: u64, conv: &str) -> OfferView {
    OfferView {
        identity: None,
        offer: id,
        conversation: ConversationId(conv.into()),
        deadline: Millis(100_000),
        visitor: BTreeMap::from([("first_name".into(), "Ann".into())]),
        page_url: "https://x/pricing".into(),
        transfer_from: None,
    }
}

fn summary(conv: &str) -> ChatSummary {
    ChatSummary {
        identity: None,
        conversation: ConversationId(conv.into()),
        started_at: Millis(1),
        visitor: BTreeMap::new(),
        page_url: String::new(),
    }
}

fn message(seq: u64, from: Side, text: &str) -> ChatServerMsg {
    ChatServerMsg::Entry {
        entry: TranscriptEntry {
            seq,
            at: Millis(seq),
            event: TranscriptEvent::Message {
                from,
                text: text.into(),
                client_id: format!("c{seq}"),
            },
        },
    }
}

#[test]
fn an_offer_chimes_notifies_and_accept_sends_once() {
    let mut m = signed_in();
    let fx = update(
        &mut m,
        Msg::Inbox(InboxServerMsg::Offered {
            offer: offer(7, "c1"),
        }),
    );
    assert!(fx.contains(&Effect::Chime));
    assert!(fx
        .iter()
        .any(|f| matches!(f, Effect::Notify(o) if o.offer == 7)));
    let fx = update(&mut m, Msg::Accept(7));
    assert!(fx.contains(&Effect::SendInbox(InboxClientMsg::Accept { offer: 7 })));
    assert!(
        update(&mut m, Msg::Accept(7)).is_empty(),
        "no double accept"
    );
    let fx = update(
        &mut m,
        Msg::Inbox(InboxServerMsg::ChatStarted {
            chat: summary("c1"),
        }),
    );
    assert!(m.offers.is_empty());
    assert_eq!(m.live_count(), 1);
    assert!(fx.contains(&Effect::OpenChat("c1".into())));
    assert_eq!(m.active.as_deref(), Some("c1"));
}

#[test]
fn a_withdrawn_offer_leaves_a_note() {
    let mut m = signed_in();
    update(
        &mut m,
        Msg::Inbox(InboxServerMsg::Offered {
            offer: offer(1, "c"),
        }),
    );
    update(
        &mut m,
        Msg::Inbox(InboxServerMsg::OfferWithdrawn {
            offer: 1,
            reason: "expired".into(),
        }),
    );
    assert!(m.offers.is_empty());
    assert!(m
        .note
        .as_deref()
        .is_some_and(|n| n.contains("not accepted in time")));
}

#[test]
fn entries_render_once_and_say_resends_after_reconnect() {
    let mut m = signed_in();
    update(
        &mut m,
        Msg::Inbox(InboxServerMsg::ChatStarted { chat: summary("c") }),
    );
    update(
        &mut m,
        Msg::Chat("c".into(), message(1, Side::Visitor, "hi")),
    );
    update(
        &mut m,
        Msg::Chat("c".into(), message(1, Side::Visitor, "hi")),
    );
    assert_eq!(m.chats[0].entries.len(), 1);
    // Not connected yet: kept, sent on welcome.
    let fx = update(&mut m, Msg::Say("hello".into()));
    assert!(!fx.iter().any(|f| matches!(f, Effect::SendChat(..))));
    let fx = update(&mut m, chat_welcome(1, false));
    assert!(fx.iter().any(|f| matches!(
        f,
        Effect::SendChat(_, ChatClientMsg::Say { text, .. }) if text == "hello"
    )));
}

#[test]
fn note_mode_sends_notes_never_messages_or_typing() {
    let mut m = signed_in();
    update(
        &mut m,
        Msg::Inbox(InboxServerMsg::ChatStarted { chat: summary("c") }),
    );
    update(&mut m, chat_welcome(0, false));
    update(&mut m, Msg::NoteMode);
    assert!(m.note_mode);
    assert!(
        update(&mut m, Msg::Typed).is_empty(),
        "no typing for a note"
    );
    let fx = update(&mut m, Msg::Say("  VIP  ".into()));
    assert!(fx.iter().any(|f| matches!(
        f,
        Effect::SendAgent(_, parlor_core::protocol::AgentChatMsg::Note { text, .. }) if text == "VIP"
    )));
    assert!(!fx.iter().any(|f| matches!(f, Effect::SendChat(..))));
    let welcome = || chat_welcome(0, false);
    let notes_sent = |fx: &[Effect]| {
        fx.iter()
            .filter_map(|f| match f {
                Effect::SendAgent(
                    _,
                    parlor_core::protocol::AgentChatMsg::Note { client_id, .. },
                ) => Some(client_id.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let first = notes_sent(&fx);
    // Not acked before a reconnect: sent again, under the same client id.
    assert_eq!(notes_sent(&update(&mut m, welcome())), first);
    update(
        &mut m,
        Msg::Chat(
            "c".into(),
            ChatServerMsg::Ack {
                client_id: first[0].clone(),
                seq: 3,
            },
        ),
    );
    assert!(
        notes_sent(&update(&mut m, welcome())).is_empty(),
        "acked: not again"
    );
    update(&mut m, Msg::NoteMode);
    let fx = update(&mut m, Msg::Say("hello".into()));
    assert!(fx.iter().any(|f| matches!(
        f,
        Effect::SendChat(_, ChatClientMsg::Say { text, .. }) if text == "hello"
    )));
}

#[test]
fn a_closed_chat_stays_greyed_until_dismissed() {
    let mut m = signed_in();
    update(
        &mut m,
        Msg::Inbox(InboxServerMsg::ChatStarted { chat: summary("c") }),
    );
    update(
        &mut m,
        Msg::Inbox(InboxServerMsg::ChatClosed {
            conversation: ConversationId("c".into()),
            reason: EndReason::EndedByVisitor,
        }),
    );
    assert_eq!(m.live_count(), 0);
    assert_eq!(m.chats.len(), 1);
    update(&mut m, Msg::Dismiss("c".into()));
    assert!(m.chats.is_empty());
}

#[test]
fn an_erased_chat_leaves_the_inbox_at_once_with_a_note() {
    let mut m = signed_in();
    update(
        &mut m,
        Msg::Inbox(InboxServerMsg::ChatStarted { chat: summary("c") }),
    );
    let fx = update(
        &mut m,
        Msg::Inbox(InboxServerMsg::ChatClosed {
            conversation: ConversationId("c".into()),
            reason: EndReason::Erased,
        }),
    );
    assert!(m.chats.is_empty());
    assert_eq!(m.active, None);
    assert!(fx.contains(&Effect::CloseChat("c".into())));
    assert!(m.note.as_deref().is_some_and(|n| n.contains("erased")));
}

fn chat_started(m: &mut Model) {
    update(
        m,
        Msg::Inbox(InboxServerMsg::ChatStarted { chat: summary("c") }),
    );
    update(m, Msg::ChatOpened("c".into()));
    update(m, chat_welcome(0, false));
}

#[test]
fn the_chat_list_changes_only_for_what_it_shows() {
    let mut m = signed_in();
    chat_started(&mut m);
    update(
        &mut m,
        Msg::Chat("c".into(), message(1, Side::Visitor, "Hi")),
    );
    assert_eq!(list_sub(&m.chats[0]), "Hi");
    let drawn = m.list_print();
    // Typing shows in the chat pane, not in the list: the list (and the buttons under the
    // agent's pointer) stays as drawn.
    for on in [true, false] {
        let typing = ChatServerMsg::Typing {
            from: Side::Visitor,
            on,
        };
        update(&mut m, Msg::Chat("c".into(), typing));
        assert_eq!(m.list_print(), drawn);
    }
    let more = message(2, Side::Visitor, "Still there?");
    update(&mut m, Msg::Chat("c".into(), more));
    assert_eq!(list_sub(&m.chats[0]), "Still there?");
    assert_ne!(m.list_print(), drawn);
    let drawn = m.list_print();
    update(
        &mut m,
        Msg::Inbox(InboxServerMsg::ChatClosed {
            conversation: ConversationId("c".into()),
            reason: EndReason::EndedByVisitor,
        }),
    );
    assert_eq!(list_sub(&m.chats[0]), "Ended");
    assert_ne!(m.list_print(), drawn);
    let ended = m.list_print();
    // The visitor's page closing after the end changes nothing the list shows.
    let gone = ChatServerMsg::Presence {
        side: Side::Visitor,
        here: false,
    };
    update(&mut m, Msg::Chat("c".into(), gone));
    assert_eq!(m.list_print(), ended);
    // A second chat (selected as it starts), then the first one selected again: each changes
    // the list.
    update(
        &mut m,
        Msg::Inbox(InboxServerMsg::ChatStarted { chat: summary("d") }),
    );
    assert_eq!(m.active.as_deref(), Some("d"));
    assert_ne!(m.list_print(), ended);
    let two = m.list_print();
    update(&mut m, Msg::Select("c".into()));
    assert_ne!(m.list_print(), two);
}

#[test]
fn a_dropped_chat_socket_reconnects_with_backoff_unless_refused() {
    let mut m = signed_in();
    chat_started(&mut m);
    let fx = update(&mut m, Msg::ChatSocketClosed("c".into(), 1006));
    let [Effect::Later(ms, Msg::ChatReconnect(id))] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert!((500..=30_000).contains(ms) && id == "c");
    m.now += *ms as u64;
    assert_eq!(
        update(&mut m, Msg::ChatReconnect("c".into())),
        vec![Effect::OpenChat("c".into())]
    );
    // The server refuses the token: the chat is over, no more reconnects.
    assert!(update(&mut m, Msg::ChatSocketClosed("c".into(), 4401)).is_empty());
    assert!(m.chats[0].closed.is_some());
}

#[test]
fn an_acked_message_is_not_resent_after_a_reconnect() {
    let mut m = signed_in();
    chat_started(&mut m);
    let fx = update(&mut m, Msg::Say("hello".into()));
    let client_id = fx
        .iter()
        .find_map(|f| match f {
            Effect::SendChat(_, ChatClientMsg::Say { client_id, .. }) => Some(client_id.clone()),
            _ => None,
        })
        .unwrap_or_default();
    assert_eq!(client_id, "n-1");
    update(
        &mut m,
        Msg::Chat("c".into(), ChatServerMsg::Ack { client_id, seq: 1 }),
    );
    update(&mut m, Msg::ChatSocketClosed("c".into(), 1006));
    update(&mut m, Msg::ChatOpened("c".into()));
    let fx = update(&mut m, chat_welcome(1, false));
    assert!(!fx
        .iter()
        .any(|f| matches!(f, Effect::SendChat(_, ChatClientMsg::Say { .. }))));
}

/// The chat socket's `welcome` for conversation "c".
fn chat_welcome(last_seq: u64, closed: bool) -> Msg {
    Msg::Chat(
        "c".into(),
        ChatServerMsg::Welcome {
            conversation: parlor_core::protocol::ConversationView {
                id: ConversationId("c".into()),
                last_seq,
                closed,
            },
        },
    )
}

fn ended(seq: u64, visitor_away: bool) -> ChatServerMsg {
    ChatServerMsg::Entry {
        entry: TranscriptEntry {
            seq,
            at: Millis(seq),
            event: TranscriptEvent::Ended {
                by: Side::Visitor,
                visitor_away,
            },
        },
    }
}

#[test]
fn messages_the_chat_closed_before_storing_are_shown_as_not_sent() {
    let mut m = signed_in();
    chat_started(&mut m);
    for i in 1..=7 {
        update(&mut m, Msg::Say(format!("answer {i}")));
    }
    // The socket drops before any is stored; back, the conversation is closed.
    update(&mut m, Msg::ChatSocketClosed("c".into(), 1006));
    update(&mut m, Msg::ChatOpened("c".into()));
    let chat = m.revs.chat;
    let fx = update(&mut m, chat_welcome(0, true));
    assert!(!fx
        .iter()
        .any(|f| matches!(f, Effect::SendChat(_, ChatClientMsg::Say { .. }))));
    // The first five are kept, in order, and the pane is drawn again to show them.
    let kept: Vec<String> = (1..=5)
        .map(|i| format!("Not sent to the visitor: answer {i}"))
        .collect();
    assert_eq!(m.chats[0].unsent, kept);
    assert!(m.revs.chat > chat);
}

#[test]
fn notes_the_chat_closed_before_storing_are_shown_as_not_saved_and_stored_ones_are_not() {
    let note_entry = |seq: u64, client_id: &str| ChatServerMsg::Entry {
        entry: TranscriptEntry {
            seq,
            at: Millis(seq),
            event: TranscriptEvent::Note {
                by: "Alice".into(),
                text: "stored".into(),
                client_id: client_id.into(),
            },
        },
    };
    // Two notes written while the socket is down; back, the conversation is closed and its
    // replay holds the first note (its ack was lost), then the end.
    let mut m = signed_in();
    chat_started(&mut m);
    update(&mut m, Msg::NoteMode);
    update(&mut m, Msg::Say("stored".into()));
    update(&mut m, Msg::Say("Call them back Monday".into()));
    let first = m.chats[0].notes[0].0.clone();
    update(&mut m, Msg::ChatSocketClosed("c".into(), 1006));
    let fx = update(&mut m, chat_welcome(2, true));
    assert!(
        !fx.iter().any(|f| matches!(
            f,
            Effect::SendAgent(_, parlor_core::protocol::AgentChatMsg::Note { .. })
        )),
        "a closed conversation is not sent notes"
    );
    assert!(
        m.chats[0].unsent.is_empty(),
        "the replay may still store them"
    );
    update(&mut m, Msg::Chat("c".into(), note_entry(1, &first)));
    update(&mut m, Msg::Chat("c".into(), ended(2, false)));
    let c = &m.chats[0];
    assert_eq!(c.unsent, ["Note not saved: Call them back Monday"]);
    assert!(c.notes.is_empty());
    // Closed with nothing left to replay: what is still pending was not saved.
    let mut m = signed_in();
    chat_started(&mut m);
    update(&mut m, Msg::NoteMode);
    update(&mut m, Msg::Say("Angry about the invoice".into()));
    update(&mut m, Msg::ChatSocketClosed("c".into(), 1006));
    update(&mut m, chat_welcome(0, true));
    assert_eq!(
        m.chats[0].unsent,
        ["Note not saved: Angry about the invoice"]
    );
    assert_eq!(m.chats[0].closed.as_deref(), Some("This chat is over."));
}

#[test]
fn a_chat_ended_while_the_visitor_was_away_says_so_and_shows_what_was_not_sent() {
    let mut m = signed_in();
    chat_started(&mut m);
    update(&mut m, Msg::Say("Let me check that for you".into()));
    update(&mut m, Msg::Chat("c".into(), ended(1, true)));
    let c = &m.chats[0];
    assert_eq!(
        c.closed.as_deref(),
        Some("The visitor left the page, so the chat ended.")
    );
    assert_eq!(
        c.unsent,
        ["Not sent to the visitor: Let me check that for you"]
    );
    // The inbox socket's `chat_closed` first, the entry after: the entry's words win.
    let mut m = signed_in();
    chat_started(&mut m);
    update(
        &mut m,
        Msg::Inbox(InboxServerMsg::ChatClosed {
            conversation: ConversationId("c".into()),
            reason: EndReason::EndedByVisitor,
        }),
    );
    assert_eq!(
        m.chats[0].closed.as_deref(),
        Some("The visitor ended this chat.")
    );
    update(&mut m, Msg::Chat("c".into(), ended(1, true)));
    assert_eq!(
        m.chats[0].closed.as_deref(),
        Some("The visitor left the page, so the chat ended.")
    );
    assert!(m.chats[0].unsent.is_empty(), "nothing was outstanding");
    // The visitor's own End stays theirs.
    let mut m = signed_in();
    chat_started(&mut m);
    update(&mut m, Msg::Chat("c".into(), ended(1, false)));
    assert_eq!(
        m.chats[0].closed.as_deref(),
        Some("The visitor ended this chat.")
    );
}

#[test]
fn a_session_ended_by_the_server_signs_out_and_says_why() {
    let mut m = signed_in();
    m.conn = crate::inbox::model::Conn::Online;
    let reason = "Your account was removed from this workspace.";
    let fx = update(&mut m, Msg::InboxClosed(4001, reason.into()));
    assert!(m.session.is_none(), "signed out");
    assert!(fx.contains(&Effect::ClearSession));
    assert_eq!(m.sign_in_error.as_deref(), Some(reason));
    // A close without words still says something a person understands.
    let mut m = signed_in();
    update(&mut m, Msg::InboxClosed(4001, String::new()));
    assert_eq!(
        m.sign_in_error.as_deref(),
        Some("Your session has ended. Please sign in again.")
    );
    // A dropped connection is not the end of the session: it reconnects.
    let mut m = signed_in();
    let fx = update(&mut m, Msg::InboxClosed(1006, String::new()));
    assert!(m.session.is_some());
    assert!(fx.iter().any(|e| matches!(e, Effect::Later(..))));
}

fn colleagues() -> InboxServerMsg {
    use parlor_core::protocol::{Colleague, TeamAvailability};
    InboxServerMsg::Colleagues {
        agents: vec![
            Colleague {
                agent: "bob".into(),
                name: "Bob".into(),
                unavailable: None,
            },
            Colleague {
                agent: "cy".into(),
                name: "Cy".into(),
                unavailable: Some(parlor_core::routing::SkipReason::Away),
            },
        ],
        teams: vec![TeamAvailability {
            team: "sales".into(),
            available: 0,
        }],
    }
}

#[test]
fn a_transfer_asks_who_is_free_sends_the_note_first_and_keeps_the_chat_until_accepted() {
    let mut m = signed_in();
    chat_started(&mut m);
    let fx = update(&mut m, Msg::OpenTransfer);
    assert_eq!(fx, vec![Effect::SendInbox(InboxClientMsg::Colleagues)]);
    update(&mut m, Msg::Inbox(colleagues()));
    let targets = m
        .transfer
        .as_ref()
        .and_then(|p| p.targets.clone())
        .expect("listed");
    assert_eq!(targets.len(), 3);
    assert_eq!(targets[1].why_not, Some("away"));
    assert_eq!(targets[2].why_not, Some("nobody available"));
    // Someone who cannot take it now cannot be picked.
    assert!(update(&mut m, Msg::TransferTo(1, String::new())).is_empty());
    update(&mut m, Msg::OpenTransfer);
    update(&mut m, Msg::Inbox(colleagues()));
    let fx = update(&mut m, Msg::TransferTo(0, " VIP, wants a quote ".into()));
    let note = fx.iter().position(|f| matches!(f,
        Effect::SendAgent(_, parlor_core::protocol::AgentChatMsg::Note { text, .. }) if text == "VIP, wants a quote"));
    let transfer = fx.iter().position(|f| matches!(f,
        Effect::SendInbox(InboxClientMsg::Transfer { to: parlor_core::routing::RuleTarget::Agent { agent }, .. }) if agent.as_str() == "bob"));
    assert!(
        note.is_some() && transfer.is_some() && note < transfer,
        "{fx:?}"
    );
    assert!(m.transfer.is_none(), "the dialog closed");
    update(
        &mut m,
        Msg::Inbox(InboxServerMsg::TransferStarted {
            conversation: ConversationId("c".into()),
            to: "Bob".into(),
            deadline: Millis(100),
        }),
    );
    let status = m
        .chat("c")
        .and_then(|c| c.transfer.clone())
        .expect("waiting");
    assert!(status.contains("Bob"), "{status}");
    // No second transfer while one waits.
    assert!(update(&mut m, Msg::OpenTransfer).is_empty());
    update(
        &mut m,
        Msg::Inbox(InboxServerMsg::ChatClosed {
            conversation: ConversationId("c".into()),
            reason: EndReason::Transferred,
        }),
    );
    let c = m.chat("c").expect("kept, greyed");
    assert_eq!(
        c.closed.as_deref(),
        Some("You transferred this chat to a colleague.")
    );
    assert!(c.transfer.is_none());
}

#[test]
fn a_transfer_nobody_takes_or_the_server_refuses_leaves_the_chat_with_the_agent() {
    let mut m = signed_in();
    chat_started(&mut m);
    update(&mut m, Msg::OpenTransfer);
    update(&mut m, Msg::Inbox(colleagues()));
    update(&mut m, Msg::TransferTo(0, String::new()));
    update(
        &mut m,
        Msg::Inbox(InboxServerMsg::Error {
            code: "transfer_refused".into(),
            message: "This agent cannot take a chat now (away).".into(),
        }),
    );
    assert!(m
        .chat("c")
        .is_some_and(|c| c.transfer.is_none() && c.closed.is_none()));
    assert_eq!(
        m.note.as_deref(),
        Some("This agent cannot take a chat now (away).")
    );
    update(&mut m, Msg::OpenTransfer);
    update(&mut m, Msg::Inbox(colleagues()));
    update(&mut m, Msg::TransferTo(0, String::new()));
    update(
        &mut m,
        Msg::Inbox(InboxServerMsg::TransferEnded {
            conversation: ConversationId("c".into()),
            reason: "declined".into(),
        }),
    );
    assert!(m
        .chat("c")
        .is_some_and(|c| c.transfer.is_none() && c.closed.is_none()));
    assert!(m.note.as_deref().is_some_and(|n| n.contains("still yours")));
    update(&mut m, Msg::OpenTransfer);
    update(&mut m, Msg::CloseTransfer);
    assert!(m.transfer.is_none());
}

#[test]
fn the_profile_panel_saves_once_at_a_time_and_keeps_the_new_picture() {
    use crate::session::AgentInfo;
    let mut m = signed_in();
    update(&mut m, Msg::OpenProfile);
    assert!(update(&mut m, Msg::SaveName("   ".into())).is_empty());
    assert!(m.profile.as_ref().is_some_and(|p| p.error.is_some()));
    let fx = update(&mut m, Msg::UploadPicture);
    assert_eq!(fx, vec![Effect::UploadPicture]);
    assert!(
        update(&mut m, Msg::RemovePicture).is_empty(),
        "one change at a time"
    );
    update(
        &mut m,
        Msg::ProfileFailed(
            "SVG pictures are not accepted: please upload a PNG, JPEG or WebP image.".into(),
        ),
    );
    assert!(m
        .profile
        .as_ref()
        .is_some_and(|p| !p.busy && p.error.as_deref().is_some_and(|e| e.starts_with("SVG"))));
    update(&mut m, Msg::UploadPicture);
    let agent = AgentInfo {
        id: "ann".into(),
        email: "ann@x".into(),
        name: "Ann".into(),
        avatar_url: Some("/api/pictures/w/ann/0123456789abcdef.png".into()),
        live_chat: true,
        role: "agent".into(),
        teams: Vec::new(),
    };
    let fx = update(&mut m, Msg::ProfileSaved(agent.clone()));
    assert!(matches!(&fx[..], [Effect::SaveSession(s)] if s.agent.as_ref() == Some(&agent)));
    assert!(m
        .profile
        .as_ref()
        .is_some_and(|p| p.saved && p.error.is_none()));
    update(&mut m, Msg::CloseProfile);
    assert!(m.profile.is_none());
    assert!(
        update(&mut m, Msg::SaveName("Ann B".into())).is_empty(),
        "closed: nothing sent"
    );
}

#[test]
fn push_is_asked_for_once_notifications_are_allowed_and_dropped_on_sign_out() {
    let mut m = signed_in();
    // Not allowed yet: the inbox opening asks nothing.
    assert!(!update(&mut m, Msg::InboxOpened).contains(&Effect::PushOn));
    let fx = update(&mut m, Msg::Permission("granted".into()));
    assert_eq!(fx.iter().filter(|e| **e == Effect::PushOn).count(), 1);
    // A reconnect does not subscribe again.
    assert!(!update(&mut m, Msg::InboxOpened).contains(&Effect::PushOn));
    let fx = update(&mut m, Msg::SignOut);
    assert!(fx.contains(&Effect::PushOff("w".into(), "t".into())));
    // Signed out: nothing to subscribe for.
    assert!(!update(&mut m, Msg::Permission("granted".into())).contains(&Effect::PushOn));
}

#[test]
fn the_offer_a_notification_opened_the_inbox_on_gets_focus_once_listed() {
    let mut m = signed_in();
    m.opened_for = Some(7);
    let welcome = |offers| InboxServerMsg::Welcome {
        agent: "a".into(),
        presence: parlor_core::protocol::Presence::Available,
        offers,
        chats: Vec::new(),
        capacity: 10,
    };
    let fx = update(&mut m, Msg::Inbox(welcome(vec![offer(7, "c7")])));
    assert!(fx.contains(&Effect::FocusAccept(7)));
    // A reconnect's welcome does not take focus again.
    let fx = update(&mut m, Msg::Inbox(welcome(vec![offer(7, "c7")])));
    assert!(!fx.contains(&Effect::FocusAccept(7)));
}

#[test]
fn notification_tips_say_what_applies_and_stay_dismissed() {
    let mut m = signed_in();
    assert_eq!(
        m.notification_tip(),
        None,
        "nothing to say before permission"
    );
    update(&mut m, Msg::Permission("granted".into()));
    assert_eq!(
        m.notification_tip(),
        None,
        "nothing shown yet, push unknown"
    );
    update(&mut m, Msg::PushReady(true));
    assert_eq!(
        m.notification_tip(),
        None,
        "push works: nothing to warn about"
    );
    m.notified = true;
    assert_eq!(m.notification_tip(), Some(Tip::OsSettings));
    update(&mut m, Msg::PushReady(false));
    assert_eq!(
        m.notification_tip(),
        Some(Tip::NoPush),
        "the bigger news first"
    );
    let top = m.revs.top;
    let fx = update(&mut m, Msg::DismissTip);
    assert_eq!(fx, vec![Effect::RememberTipDismissed(Tip::NoPush)]);
    assert!(m.revs.top > top, "the view redraws");
    assert_eq!(
        m.notification_tip(),
        Some(Tip::OsSettings),
        "then the other one"
    );
    update(&mut m, Msg::DismissTip);
    assert_eq!(m.notification_tip(), None);
    assert_eq!(
        update(&mut m, Msg::DismissTip),
        vec![],
        "nothing left to dismiss"
    );
}
