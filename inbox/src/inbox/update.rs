//! Every rule of the inbox: `update(model, msg) -> effects`. Pure, so it is tested natively.

use parlor_core::client::{refused, ClientEffect, ClientEvent, SESSION_ENDED};
use parlor_core::protocol::{
    AgentChatMsg, ChatClientMsg, ChatServerMsg, EndReason, InboxClientMsg, InboxServerMsg, Side,
    TranscriptEntry, TranscriptEvent, PROTOCOL_VERSION,
};
use parlor_core::Millis;

use super::model::{Chat, Conn, Effect, Model, Msg, NOT_SENT};

/// How long after the last keystroke the inbox says the agent stopped typing.
const TYPING_IDLE_MS: i32 = 3_000;

/// What the pane says of a chat the visitor ended (or, without the entry yet, that ended on
/// their side).
const VISITOR_ENDED: &str = "The visitor ended this chat.";

pub fn update(m: &mut Model, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Init => {
            if m.session.is_some() {
                m.conn = Conn::Connecting;
                fx.push(Effect::OpenInbox);
            }
            m.revs.top += 1;
        }
        Msg::SignIn {
            workspace,
            email,
            password,
        } => {
            let (workspace, email) = (workspace.trim().to_owned(), email.trim().to_owned());
            if workspace.is_empty() || email.is_empty() || password.is_empty() {
                m.sign_in_error =
                    Some("Please fill in the workspace, your email and your password.".into());
            } else {
                m.signing_in = true;
                m.sign_in_error = None;
                fx.push(Effect::UnlockSound);
                fx.push(Effect::SignIn {
                    workspace,
                    email,
                    password,
                });
            }
            m.revs.top += 1;
        }
        Msg::SignedIn(s) => {
            m.signing_in = false;
            m.session = Some(s.clone());
            m.conn = Conn::Connecting;
            m.revs.top += 1;
            fx.push(Effect::SaveSession(s));
            fx.push(Effect::OpenInbox);
        }
        Msg::SignInFailed(why) => {
            m.signing_in = false;
            m.sign_in_error = Some(why);
            m.revs.top += 1;
        }
        Msg::SignOut => {
            fx.push(Effect::CloseInbox);
            for c in &m.chats {
                fx.push(Effect::CloseChat(c.id().to_owned()));
            }
            for o in &m.offers {
                fx.push(Effect::CloseNotification(o.offer));
            }
            if let Some(s) = &m.session {
                fx.push(Effect::PushOff(s.workspace.clone(), s.token.clone()));
            }
            fx.push(Effect::ClearSession);
            let (perm, nonce) = (m.permission.clone(), m.nonce.clone());
            *m = Model::new(None, perm, nonce);
            m.revs = super::model::Revs {
                top: 1000,
                offers: 1000,
                list: 1000,
                chat: 1000,
            };
        }
        Msg::EnableNotifications => {
            fx.push(Effect::UnlockSound);
            fx.push(Effect::RequestPermission);
        }
        Msg::Permission(p) => {
            m.permission = p;
            m.revs.top += 1;
            push_on(m, &mut fx);
        }
        Msg::PushReady(ok) => {
            m.push = Some(ok);
            m.revs.top += 1;
        }
        Msg::DismissTip => {
            if let Some(tip) = m.notification_tip() {
                m.tips_dismissed.push(tip);
                m.revs.top += 1;
                fx.push(Effect::RememberTipDismissed(tip));
            }
        }
        Msg::InboxOpened => {
            fx.push(Effect::SendInbox(InboxClientMsg::Hello {
                v: PROTOCOL_VERSION,
            }));
            push_on(m, &mut fx);
        }
        Msg::Inbox(frame) => inbox_frame(m, frame, &mut fx),
        Msg::InboxClosed(code, reason) => {
            if m.session.is_some() && code == SESSION_ENDED {
                // Removed, role changed, password reset: back to sign-in, saying why.
                fx.extend(update(m, Msg::SignOut));
                m.sign_in_error = Some(crate::session::ended_words(&reason));
                m.revs.top += 1;
            } else if m.session.is_some() {
                m.conn = Conn::Offline;
                if refused(code) {
                    m.note = Some("The server closed this inbox. Sign out and in again.".into());
                    m.revs.offers += 1;
                } else {
                    let delay = m.backoff.next_delay();
                    fx.push(Effect::Later(millis(delay), Msg::Reconnect));
                }
                m.revs.top += 1;
            }
        }
        Msg::Reconnect => {
            if m.session.is_some() && m.conn == Conn::Offline {
                m.conn = Conn::Connecting;
                m.revs.top += 1;
                fx.push(Effect::OpenInbox);
            }
        }
        Msg::SetPresence(p) => {
            m.presence = p;
            m.revs.top += 1;
            fx.push(Effect::SendInbox(InboxClientMsg::SetPresence {
                presence: p,
            }));
        }
        Msg::Accept(offer) | Msg::Decline(offer) if m.answering.contains(&offer) => {}
        Msg::Accept(offer) => {
            m.answering.push(offer);
            m.revs.offers += 1;
            fx.push(Effect::CloseNotification(offer));
            fx.push(Effect::SendInbox(InboxClientMsg::Accept { offer }));
        }
        Msg::Decline(offer) => {
            m.answering.push(offer);
            m.revs.offers += 1;
            fx.push(Effect::CloseNotification(offer));
            fx.push(Effect::SendInbox(InboxClientMsg::Decline { offer }));
        }
        Msg::NotificationClicked(offer) => {
            if m.offers.iter().any(|o| o.offer == offer) {
                fx.push(Effect::FocusAccept(offer));
            }
        }
        Msg::Tick => {}
        Msg::ChatOpened(id) => client(m, &id, ClientEvent::Opened, &mut fx),
        Msg::Chat(id, frame) => chat_frame(m, &id, frame, &mut fx),
        Msg::ChatSocketClosed(id, code) => {
            if let Some(c) = m.chat_mut(&id) {
                c.visitor_typing = false;
            }
            client(m, &id, ClientEvent::SocketClosed { code }, &mut fx);
        }
        Msg::ChatReconnect(id) => {
            if m.session.is_some() {
                client(m, &id, ClientEvent::Tick, &mut fx);
            }
        }
        Msg::Select(id) => {
            if let Some(c) = m.chat_mut(&id) {
                c.unread = 0;
                m.active = Some(id);
                m.typing_sent = false;
                m.revs.list += 1;
                m.revs.chat += 1;
                fx.push(Effect::FocusComposer);
            }
        }
        Msg::Dismiss(id) => {
            if m.chat(&id).is_some_and(|c| c.closed.is_some()) {
                m.chats.retain(|c| c.id() != id);
                fx.push(Effect::CloseChat(id.clone()));
                if m.active.as_deref() == Some(&id) {
                    m.active = m.chats.first().map(|c| c.id().to_owned());
                    m.revs.chat += 1;
                }
                m.revs.list += 1;
            }
        }
        Msg::Say(text) => {
            let text = text.trim().to_owned();
            let Some(id) = m.active.clone() else {
                return fx;
            };
            if text.is_empty() || m.chat(&id).is_none_or(|c| c.closed.is_some()) {
                return fx;
            }
            m.canned.composer_cleared();
            if m.note_mode {
                // The inbox keeps its notes itself (core's session, shared with the widget,
                // carries messages only): sent now if open, again after each `welcome`.
                let Some(c) = m.chat_mut(&id) else { return fx };
                queue_note(c, &id, text, &mut fx);
                fx.push(Effect::ClearComposer);
                return fx;
            }
            client(m, &id, ClientEvent::Say { text }, &mut fx);
            if m.typing_sent {
                m.typing_sent = false;
                fx.push(Effect::SendChat(id, ChatClientMsg::Typing { on: false }));
            }
            m.revs.chat += 1;
            fx.push(Effect::ClearComposer);
        }
        Msg::NoteMode => {
            m.note_mode = !m.note_mode;
            m.revs.chat += 1;
            fx.push(Effect::FocusComposer);
        }
        Msg::Typed => {
            let Some(id) = m.active.clone() else {
                return fx;
            };
            if m.note_mode {
                // Writing a note: the visitor is not told someone is typing.
                return fx;
            }
            if m.chat(&id)
                .is_none_or(|c| c.closed.is_some() || !c.client.is_open())
            {
                return fx;
            }
            m.typing_gen += 1;
            if !m.typing_sent {
                m.typing_sent = true;
                fx.push(Effect::SendChat(id, ChatClientMsg::Typing { on: true }));
            }
            fx.push(Effect::Later(TYPING_IDLE_MS, Msg::TypingIdle(m.typing_gen)));
        }
        Msg::TypingIdle(gen) => {
            if gen == m.typing_gen && m.typing_sent {
                m.typing_sent = false;
                if let Some(id) = m.active.clone() {
                    fx.push(Effect::SendChat(id, ChatClientMsg::Typing { on: false }));
                }
            }
        }
        Msg::End => {
            if let Some(id) = m.active.clone() {
                if m.chat(&id).is_some_and(|c| c.closed.is_none()) {
                    fx.push(Effect::SendChat(id, ChatClientMsg::End));
                }
            }
        }
        Msg::DismissNote => {
            m.note = None;
            m.revs.offers += 1;
        }
        Msg::OpenTransfer => transfer::open(m, &mut fx),
        Msg::CloseTransfer => transfer::close(m),
        Msg::TransferTo(i, note) => transfer::pick(m, i, &note, &mut fx),
        Msg::OpenProfile => profile::open(m),
        Msg::CloseProfile => profile::close(m),
        Msg::SaveName(name) => profile::save_name(m, &name, &mut fx),
        Msg::UploadPicture => profile::upload(m, &mut fx),
        Msg::RemovePicture => profile::remove_picture(m, &mut fx),
        Msg::ProfileSaved(agent) => profile::saved(m, agent, &mut fx),
        Msg::ProfileFailed(why) => profile::failed(m, why),
        Msg::Canned(msg) => super::canned::update(m, msg, &mut fx),
    }
    fx
}

fn inbox_frame(m: &mut Model, frame: InboxServerMsg, fx: &mut Vec<Effect>) {
    match frame {
        InboxServerMsg::Welcome {
            presence,
            offers,
            chats,
            capacity,
            ..
        } => {
            m.conn = Conn::Online;
            m.backoff.reset();
            m.presence = presence;
            m.capacity = capacity;
            for o in &offers {
                if !m.offers.iter().any(|x| x.offer == o.offer) {
                    fx.push(Effect::Chime);
                }
            }
            m.offers = offers;
            m.answering.clear();
            if let Some(o) = m.opened_for.take() {
                if m.offers.iter().any(|x| x.offer == o) {
                    fx.push(Effect::FocusAccept(o));
                }
            }
            for c in &mut m.chats {
                let held = chats
                    .iter()
                    .any(|s| s.conversation == c.summary.conversation);
                if !held {
                    close(c, "This chat is over.");
                }
            }
            for s in chats {
                if m.chat(s.conversation.as_str()).is_none() {
                    let id = s.conversation.as_str().to_owned();
                    m.chats.push(Chat::new(s, &m.nonce));
                    client(m, &id, ClientEvent::Connect, fx);
                }
            }
            if m.active.is_none() {
                m.active = m.chats.first().map(|c| c.id().to_owned());
            }
            m.revs.top += 1;
            m.revs.offers += 1;
            m.revs.list += 1;
            m.revs.chat += 1;
        }
        InboxServerMsg::Offered { offer } => {
            if !m.offers.iter().any(|o| o.offer == offer.offer) {
                fx.push(Effect::Chime);
                fx.push(Effect::Notify(offer.clone()));
                m.offers.push(offer);
                m.note = None;
                m.revs.offers += 1;
            }
        }
        InboxServerMsg::OfferWithdrawn { offer, reason } => {
            let had = m.offers.iter().any(|o| o.offer == offer);
            let answered = m.answering.contains(&offer);
            m.offers.retain(|o| o.offer != offer);
            m.answering.retain(|o| *o != offer);
            fx.push(Effect::CloseNotification(offer));
            if had && !answered {
                m.note = Some(withdrawn_note(&reason));
            }
            m.revs.offers += 1;
        }
        InboxServerMsg::ChatStarted { chat } => {
            let id = chat.conversation.as_str().to_owned();
            let offers: Vec<u64> = m
                .offers
                .iter()
                .filter(|o| o.conversation == chat.conversation)
                .map(|o| o.offer)
                .collect();
            for o in offers {
                fx.push(Effect::CloseNotification(o));
            }
            m.offers.retain(|o| o.conversation != chat.conversation);
            if m.chat(&id).is_none() {
                m.chats.insert(0, Chat::new(chat, &m.nonce));
                client(m, &id, ClientEvent::Connect, fx);
            }
            m.active = Some(id);
            m.note = None;
            m.revs.offers += 1;
            m.revs.list += 1;
            m.revs.chat += 1;
            fx.push(Effect::FocusComposer);
        }
        InboxServerMsg::ChatClosed {
            conversation,
            reason: EndReason::Erased,
        } => {
            // The visitor asked to be forgotten: the transcript leaves this inbox too.
            let id = conversation.as_str();
            if m.chat(id).is_some() {
                m.chats.retain(|c| c.id() != id);
                fx.push(Effect::CloseChat(id.to_owned()));
                if m.active.as_deref() == Some(id) {
                    m.active = m.chats.first().map(|c| c.id().to_owned());
                }
                m.note = Some(
                    "A chat was erased at the visitor's request; its messages are gone.".into(),
                );
                m.revs.offers += 1;
                m.revs.list += 1;
                m.revs.chat += 1;
            }
        }
        InboxServerMsg::ChatClosed {
            conversation,
            reason,
        } => {
            if let Some(c) = m.chat_mut(conversation.as_str()) {
                close(
                    c,
                    match reason {
                        EndReason::EndedByAgent => "You ended this chat.",
                        EndReason::EndedByVisitor => VISITOR_ENDED,
                        EndReason::Expired => "This chat expired after a period of inactivity.",
                        EndReason::AgentLeft => "You were away, so this chat went to a colleague.",
                        EndReason::Erased => "This chat was erased.",
                        EndReason::Transferred => "You transferred this chat to a colleague.",
                    },
                );
                c.visitor_typing = false;
                c.transfer = None;
                m.revs.list += 1;
                m.revs.chat += 1;
            }
        }
        InboxServerMsg::Colleagues { agents, teams } => transfer::colleagues(m, agents, teams),
        InboxServerMsg::TransferStarted {
            conversation, to, ..
        } => transfer::started(m, conversation.as_str(), &to),
        InboxServerMsg::TransferEnded {
            conversation,
            reason,
        } => transfer::ended(m, conversation.as_str(), &reason),
        InboxServerMsg::Error { code, message } => {
            if code == "transfer_refused" {
                transfer::refused(m);
            }
            m.answering.clear();
            m.note = Some(message);
            m.revs.offers += 1;
        }
    }
}

fn withdrawn_note(reason: &str) -> String {
    // The server's codes (docs/protocol.md), in words; never the raw code.
    let why = match reason {
        "expired" => "it was not accepted in time",
        "declined" => "you declined it",
        "agent_unavailable" => "you were away or offline, so it went to a colleague",
        "cancelled" => "the visitor left",
        "engagement_limit" => "the workspace reached its live chat limit",
        _ => "",
    };
    if why.is_empty() {
        "The chat offer was withdrawn.".into()
    } else {
        format!("The chat offer was withdrawn: {why}.")
    }
}

/// Marks a chat over (the first reason wins) and tells its client not to reconnect for it.
fn close(c: &mut Chat, why: &str) {
    c.closed.get_or_insert_with(|| why.into());
    c.client.handle(ClientEvent::Ended, Millis::ZERO);
}

/// A delay as a timer argument.
fn millis(d: Millis) -> i32 {
    d.as_u64().min(i32::MAX as u64) as i32
}

/// Runs a chat's protocol client (core's `ChatSession`) and carries out what it asks.
fn client(m: &mut Model, id: &str, event: ClientEvent, fx: &mut Vec<Effect>) {
    let now = Millis(m.now);
    let Some(c) = m.chat_mut(id) else { return };
    let effects = c.client.handle(event, now);
    for effect in effects {
        match effect {
            ClientEffect::Connect => fx.push(Effect::OpenChat(id.to_owned())),
            ClientEffect::Send(msg) => fx.push(Effect::SendChat(id.to_owned(), msg)),
            ClientEffect::WakeAt(at) => fx.push(Effect::Later(
                millis(at.since(now)),
                Msg::ChatReconnect(id.to_owned()),
            )),
            ClientEffect::Deliver(entry) => entry_in(m, id, entry),
            e @ (ClientEffect::Refused | ClientEffect::Outdated) => {
                let why = if e == ClientEffect::Outdated {
                    "Parlor was updated. Please reload the page."
                } else {
                    "This chat is no longer available."
                };
                if let Some(c) = m.chat_mut(id) {
                    close(c, why);
                }
                m.revs.list += 1;
                m.revs.chat += 1;
            }
            // Messages show once the transcript has them; nothing to draw before.
            ClientEffect::Stored { .. } => {}
            // The chat closed before storing it: the visitor never got it, and the agent sees so.
            ClientEffect::Failed { text, .. } => {
                if let Some(c) = m.chat_mut(id) {
                    c.unsent(NOT_SENT, &text);
                    redraw(m, id);
                }
            }
        }
    }
}

fn chat_frame(m: &mut Model, id: &str, frame: ChatServerMsg, fx: &mut Vec<Effect>) {
    let Some(c) = m.chat_mut(id) else { return };
    match frame {
        ChatServerMsg::Welcome { conversation } => {
            // Notes not yet acked go again (stored once per client id); a closed
            // conversation refuses them: the replay's closing entry says they were not saved.
            if !conversation.closed {
                for (client_id, text) in &c.notes {
                    fx.push(note_frame(id, client_id, text));
                }
            }
            // Closed with nothing left to replay: no entry will come to say why.
            if conversation.closed && conversation.last_seq <= c.client.last_seq() {
                c.notes_unsaved();
                c.closed.get_or_insert_with(|| "This chat is over.".into());
                redraw(m, id);
            }
            let welcome = ChatServerMsg::Welcome { conversation };
            client(m, id, ClientEvent::Frame(welcome), fx);
        }
        ChatServerMsg::Typing {
            from: Side::Visitor,
            on,
        } => {
            c.visitor_typing = on;
            redraw(m, id);
        }
        ChatServerMsg::Presence {
            side: Side::Visitor,
            here,
        } => {
            c.visitor_gone = !here;
            m.revs.list += 1;
            redraw(m, id);
        }
        ChatServerMsg::Typing { .. }
        | ChatServerMsg::Presence { .. }
        | ChatServerMsg::Invalid { .. } => {}
        ChatServerMsg::Error { message, .. } => {
            m.note = Some(message);
            m.revs.offers += 1;
        }
        frame => {
            if let ChatServerMsg::Ack { client_id, .. } = &frame {
                c.notes.retain(|(n, _)| n != client_id);
            }
            client(m, id, ClientEvent::Frame(frame), fx)
        }
    }
}

/// An internal note's frame (agent-only).
/// Keeps a new note until it is acked: sent now if the chat's socket is open, again after each
/// `welcome` otherwise.
fn queue_note(c: &mut Chat, id: &str, text: String, fx: &mut Vec<Effect>) {
    let client_id = c.note_ids.next_id();
    if c.client.is_open() {
        fx.push(note_frame(id, &client_id, &text));
    }
    c.notes.push((client_id, text));
}

fn note_frame(id: &str, client_id: &str, text: &str) -> Effect {
    Effect::SendAgent(
        id.to_owned(),
        AgentChatMsg::Note {
            client_id: client_id.to_owned(),
            text: text.to_owned(),
        },
    )
}

/// One entry new to this chat (core's session drops duplicates and keeps the order).
fn entry_in(m: &mut Model, id: &str, entry: TranscriptEntry) {
    let active = m.active.as_deref() == Some(id);
    let Some(c) = m.chat_mut(id) else { return };
    match &entry.event {
        TranscriptEvent::Message {
            from: Side::Visitor,
            ..
        } => {
            c.visitor_typing = false;
            if !active {
                c.unread += 1;
            }
        }
        // An end while the visitor's page was gone is told apart. The inbox socket's
        // `chat_closed` may have come first, with the plainer words only.
        TranscriptEvent::Ended { by, visitor_away } => {
            let why = match by {
                Side::Agent => "You ended this chat.",
                _ if *visitor_away => "The visitor left the page, so the chat ended.",
                _ => VISITOR_ENDED,
            };
            if c.closed.as_deref().is_none_or(|w| w == VISITOR_ENDED) {
                c.closed = Some(why.into());
            }
            c.notes_unsaved();
        }
        TranscriptEvent::Expired => {
            c.closed
                .get_or_insert_with(|| "This chat expired after a period of inactivity.".into());
            c.notes_unsaved();
        }
        // A note of ours is stored (its ack may have been lost with the socket).
        TranscriptEvent::Note { client_id, .. } => c.notes.retain(|(n, _)| n != client_id),
        _ => {}
    }
    c.entries.push(entry);
    redraw(m, id);
}

/// The chat list, and the chat pane if it shows this chat, must be drawn again.
fn redraw(m: &mut Model, id: &str) {
    m.revs.list += 1;
    if m.active.as_deref() == Some(id) {
        m.revs.chat += 1;
    }
}

mod profile;

/// Once per sign-in, with notifications allowed: offers should reach this browser by Web Push
/// when no inbox tab is open.
fn push_on(m: &mut Model, fx: &mut Vec<Effect>) {
    if m.session.is_some() && m.permission == "granted" && !m.push_asked {
        m.push_asked = true;
        fx.push(Effect::PushOn);
    }
}

#[cfg(test)]
mod tests;
mod transfer;
