//! Every rule of the inbox: `update(model, msg) -> effects`. Pure, so it is tested natively.

use parlor_core::protocol::{
    ChatClientMsg, ChatServerMsg, EndReason, InboxClientMsg, InboxServerMsg, Side, TranscriptEvent,
    PROTOCOL_VERSION,
};

use super::model::{Chat, Conn, Effect, Model, Msg};

/// How long after the last keystroke the inbox says the agent stopped typing.
const TYPING_IDLE_MS: i32 = 3_000;

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
        }
        Msg::InboxOpened => {
            m.attempt = 0;
            fx.push(Effect::SendInbox(InboxClientMsg::Hello {
                v: PROTOCOL_VERSION,
            }));
        }
        Msg::Inbox(frame) => inbox_frame(m, frame, &mut fx),
        Msg::InboxClosed => {
            if m.session.is_some() {
                m.conn = Conn::Offline;
                fx.push(Effect::Backoff(m.attempt, Msg::Reconnect));
                m.attempt += 1;
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
        Msg::ChatOpened(id) => {
            if let Some(c) = m.chat_mut(&id) {
                c.attempt = 0;
                let last_seq = c.last_seq;
                fx.push(Effect::SendChat(
                    id,
                    ChatClientMsg::Hello {
                        v: PROTOCOL_VERSION,
                        last_seq,
                    },
                ));
            }
        }
        Msg::Chat(id, frame) => chat_frame(m, &id, frame, &mut fx),
        Msg::ChatSocketClosed(id) => {
            if let Some(c) = m.chat_mut(&id) {
                c.connected = false;
                if c.closed.is_none() {
                    fx.push(Effect::Backoff(c.attempt, Msg::ChatReconnect(id)));
                    c.attempt += 1;
                }
            }
        }
        Msg::ChatReconnect(id) => {
            if m.session.is_some() && m.chat(&id).is_some_and(|c| c.closed.is_none()) {
                fx.push(Effect::OpenChat(id));
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
            m.next_client += 1;
            let client_id = format!("{}-{}", m.nonce, m.next_client);
            let mut connected = false;
            if let Some(c) = m.chat_mut(&id) {
                c.pending.push((client_id.clone(), text.clone()));
                connected = c.connected;
            }
            if connected {
                fx.push(Effect::SendChat(
                    id.clone(),
                    ChatClientMsg::Say { client_id, text },
                ));
            }
            if m.typing_sent {
                m.typing_sent = false;
                fx.push(Effect::SendChat(id, ChatClientMsg::Typing { on: false }));
            }
            m.revs.chat += 1;
            fx.push(Effect::ClearComposer);
        }
        Msg::Typed => {
            let Some(id) = m.active.clone() else {
                return fx;
            };
            if m.chat(&id)
                .is_none_or(|c| c.closed.is_some() || !c.connected)
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
            m.presence = presence;
            m.capacity = capacity;
            for o in &offers {
                if !m.offers.iter().any(|x| x.offer == o.offer) {
                    fx.push(Effect::Chime);
                }
            }
            m.offers = offers;
            m.answering.clear();
            for c in &mut m.chats {
                let held = chats
                    .iter()
                    .any(|s| s.conversation == c.summary.conversation);
                if !held && c.closed.is_none() {
                    c.closed = Some("This chat is over.".into());
                }
            }
            for s in chats {
                if m.chat(s.conversation.as_str()).is_none() {
                    let id = s.conversation.as_str().to_owned();
                    m.chats.push(Chat::new(s));
                    fx.push(Effect::OpenChat(id));
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
                m.chats.insert(0, Chat::new(chat));
                fx.push(Effect::OpenChat(id.clone()));
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
            reason,
        } => {
            if let Some(c) = m.chat_mut(conversation.as_str()) {
                if c.closed.is_none() {
                    c.closed = Some(
                        match reason {
                            EndReason::EndedByAgent => "You ended this chat.",
                            EndReason::EndedByVisitor => "The visitor ended this chat.",
                            EndReason::Expired => "This chat expired after a period of inactivity.",
                        }
                        .into(),
                    );
                }
                c.visitor_typing = false;
                m.revs.list += 1;
                m.revs.chat += 1;
            }
        }
        InboxServerMsg::Error { message, .. } => {
            m.answering.clear();
            m.note = Some(message);
            m.revs.offers += 1;
        }
    }
}

fn withdrawn_note(reason: &str) -> String {
    let why = match reason {
        "expired" | "timeout" => "it was not accepted in time",
        "declined" => "you declined it",
        "taken" | "accepted" => "another agent took it",
        "visitor_left" | "ended" | "closed" => "the visitor left",
        "" => "",
        other => other,
    };
    if why.is_empty() {
        "The chat offer was withdrawn.".into()
    } else {
        format!("The chat offer was withdrawn: {why}.")
    }
}

fn chat_frame(m: &mut Model, id: &str, frame: ChatServerMsg, fx: &mut Vec<Effect>) {
    let active = m.active.as_deref() == Some(id);
    let Some(c) = m.chat_mut(id) else { return };
    let mut changed = false;
    match frame {
        ChatServerMsg::Welcome { conversation } => {
            c.connected = true;
            if conversation.closed && c.closed.is_none() && conversation.last_seq <= c.last_seq {
                c.closed = Some("This chat is over.".into());
                changed = true;
            }
            for (client_id, text) in c.pending.clone() {
                fx.push(Effect::SendChat(
                    id.to_owned(),
                    ChatClientMsg::Say { client_id, text },
                ));
            }
        }
        ChatServerMsg::Entry { entry } => {
            if entry.seq <= c.last_seq {
                return;
            }
            c.last_seq = entry.seq;
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
                TranscriptEvent::Message { client_id, .. } => {
                    c.pending.retain(|(id, _)| id != client_id);
                }
                TranscriptEvent::Ended { by } => {
                    c.closed.get_or_insert_with(|| {
                        match by {
                            Side::Agent => "You ended this chat.",
                            _ => "The visitor ended this chat.",
                        }
                        .into()
                    });
                }
                TranscriptEvent::Expired => {
                    c.closed.get_or_insert_with(|| {
                        "This chat expired after a period of inactivity.".into()
                    });
                }
                _ => {}
            }
            c.entries.push(entry);
            changed = true;
        }
        ChatServerMsg::Ack { client_id, .. } => {
            c.pending.retain(|(id, _)| *id != client_id);
        }
        ChatServerMsg::Typing {
            from: Side::Visitor,
            on,
        } => {
            c.visitor_typing = on;
            changed = true;
        }
        ChatServerMsg::Typing { .. } | ChatServerMsg::Invalid { .. } => {}
        ChatServerMsg::Error { message, .. } => {
            m.note = Some(message);
            m.revs.offers += 1;
        }
    }
    if changed {
        m.revs.list += 1;
        if active {
            m.revs.chat += 1;
        }
    }
}

#[cfg(test)]
mod tests;
