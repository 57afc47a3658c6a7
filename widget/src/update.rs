//! `update(model, msg) -> effects`: every rule of the widget, with no DOM and no I/O.

use std::collections::BTreeMap;

use parlor_core::client::{push_hex, Action, ClientEffect, ClientEvent};
use parlor_core::dialogue::{CardKind, FieldKind};
use parlor_core::protocol::{
    ChatClientMsg, ChatServerMsg, FieldError, Side, TranscriptEntry, TranscriptEvent,
    MAX_MESSAGE_BYTES,
};

use crate::after_chat;
use crate::email::looks_like_email;
use crate::i18n::Lang;
use crate::model::{Effect, Focus, Model, Msg, Phase, Position, WidgetSettings};
use parlor_core::{start_key, ButtonId, CardId, Millis};

/// The workspace's look: from the loader at mount (read before it drew the launcher), then
/// from the start answer.
pub fn apply_look(m: &mut Model, widget: WidgetSettings) {
    m.lang = widget
        .language
        .as_deref()
        .map(Lang::from_tag)
        .unwrap_or(m.page_lang);
    m.color = widget.color;
    m.position = if widget.position.as_deref() == Some("left") {
        Position::Left
    } else {
        Position::Right
    };
}

/// `update`, then `open`/`close` for the host page when the panel changed (one place for every
/// way it opens or closes: the visitor, the API, an agent joining).
pub fn update(m: &mut Model, msg: Msg) -> Vec<Effect> {
    let was_open = m.open;
    let mut fx = step(m, msg);
    if m.open != was_open {
        fx.insert(0, Effect::Emit(if m.open { "open" } else { "close" }, ""));
    }
    // The time waited ticks while the visitor waits for an agent; a new wait starts at 0:00.
    if !m.waiting || m.closed {
        m.waiting_since = None;
    } else if m.waiting_since.is_none() {
        m.waiting_since = Some(m.now);
        fx.push(Effect::Second(m.now));
    }
    fx
}

fn step(m: &mut Model, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Init => {
            // A conversation goes on (or may: a start the last page sent, never answered).
            if m.token.is_some() || m.start_key.is_some() || m.open {
                start(m, &mut fx);
            }
            if m.open {
                m.opened_once = true;
                fx.push(Effect::FetchAvailability);
                fx.push(Effect::Focus(Focus::Panel));
            }
        }
        // Only the wait that armed it re-arms: a new wait has its own.
        Msg::Second(since) => {
            if m.waiting_since == Some(since) {
                fx.push(Effect::Second(since));
            }
        }
        Msg::Availability { can_chat } => m.can_chat = Some(can_chat),
        Msg::Toggle => {
            m.open = !m.open;
            if m.open {
                m.unread = 0;
                // Asked once per page, when the visitor first looks: a closed launcher costs
                // the page no request.
                if !m.opened_once {
                    fx.push(Effect::FetchAvailability);
                }
                m.opened_once = true;
                if m.phase == Phase::Idle {
                    start(m, &mut fx);
                }
                fx.push(Effect::Focus(Focus::Panel));
            } else {
                fx.push(Effect::Focus(Focus::Launcher));
            }
        }
        Msg::Close => {
            if m.open {
                m.open = false;
                fx.push(Effect::Focus(Focus::Launcher));
            }
        }
        Msg::Retry => {
            if matches!(m.phase, Phase::Failed { .. } | Phase::Idle) {
                m.start_retries = 0;
                start(m, &mut fx);
            }
        }
        Msg::Started {
            conversation,
            token,
            widget,
        } => {
            if m.conversation.as_ref().is_some_and(|c| c != &conversation) {
                m.reset_conversation();
            }
            m.phase = Phase::Ready;
            m.start_retries = 0;
            answered(m, &mut fx);
            m.conversation = Some(conversation);
            apply_look(m, widget);
            m.resuming = m.token.as_deref() == Some(token.as_str());
            if !m.resuming {
                fx.push(Effect::StoreToken(token.clone()));
            }
            m.token = Some(token);
            chat(m, ClientEvent::Connect, &mut fx);
        }
        Msg::StartFailed { status } => {
            if start_key::passing(status) && m.start_retries < START_RETRIES {
                // Busy (503, `Retry-After: 1`) or a gateway between: most likely over in a
                // second, so the visitor is not asked to click before the widget tries again.
                m.start_retries += 1;
                m.phase = Phase::Retrying;
                let wait = START_RETRY_WAIT.0 * u64::from(2 * m.start_retries - 1);
                fx.push(Effect::ScheduleReconnect {
                    at: m.now.after(Millis(wait)),
                });
                return fx;
            }
            if start_key::settled_by(status) {
                // Refused: nothing was started under this key.
                answered(m, &mut fx);
            }
            m.phase = match status {
                // No dialogue here, or a site (an origin) or visitor the workspace refuses:
                // trying again would not change it, so no Retry button.
                403 | 404 => Phase::Unavailable,
                429 => Phase::Failed { rate_limited: true },
                _ => Phase::Failed {
                    rate_limited: false,
                },
            };
            if status == 404 && m.token.take().is_some() {
                fx.push(Effect::ClearToken);
            }
        }
        Msg::SocketOpened => chat(m, ClientEvent::Opened, &mut fx),
        Msg::SocketClosed { code } => {
            m.agent_typing = false;
            m.typing_sent = false;
            chat(m, ClientEvent::SocketClosed { code }, &mut fx);
        }
        Msg::Reconnect => {
            if m.phase == Phase::Retrying {
                m.phase = Phase::Idle;
                start(m, &mut fx);
            } else if m.token.is_some() {
                chat(m, ClientEvent::Tick, &mut fx);
            }
        }
        Msg::Server(s) => server(m, s, &mut fx),
        Msg::Answer { card, button } => {
            if !m.card_open(&card) {
                return fx;
            }
            if card.as_str() == after_chat::TRANSCRIPT {
                act(m, Action::EmailTranscript, &mut fx);
                return fx;
            }
            if !m.chat.is_open() {
                m.notice = Some(m.lang.strings().offline_action.into());
                return fx;
            }
            m.notice = None;
            fx.push(Effect::Send(ChatClientMsg::Answer { card, button }));
        }
        Msg::Submit { card, values } => submit(m, card, values, &mut fx),
        Msg::Draft { empty } => {
            if !m.can_chat() || !m.chat.is_open() {
                return fx;
            }
            if empty {
                typing_off(m, &mut fx);
            } else {
                if !m.typing_sent {
                    m.typing_sent = true;
                    fx.push(Effect::Send(ChatClientMsg::Typing { on: true }));
                }
                m.typing_gen = m.typing_gen.wrapping_add(1);
                fx.push(Effect::TypingTimer { gen: m.typing_gen });
            }
        }
        Msg::TypingIdle { gen } => {
            if gen == m.typing_gen {
                typing_off(m, &mut fx);
            }
        }
        Msg::Say { text } => {
            let text = crate::text::trim(&text);
            let text = text.as_str();
            // While waiting too: the agent who accepts reads the whole transcript.
            if text.is_empty() || !m.live() {
                return fx;
            }
            if text.len() > MAX_MESSAGE_BYTES {
                m.notice = Some(m.lang.strings().too_long.into());
                return fx;
            }
            m.notice = None;
            typing_off(m, &mut fx);
            let text = text.into();
            chat(m, ClientEvent::Say { text }, &mut fx);
            fx.push(Effect::ClearComposer);
        }
        Msg::End => {
            if m.live() && m.chat.is_open() {
                typing_off(m, &mut fx);
                fx.push(Effect::Send(ChatClientMsg::End));
            } else if m.live() {
                m.notice = Some(m.lang.strings().offline_action.into());
            }
        }
        Msg::Restart => {
            if m.closed || matches!(m.phase, Phase::Unavailable) {
                m.reset_conversation();
                fx.push(Effect::CloseSocket);
                fx.push(Effect::ClearToken);
                start(m, &mut fx);
                fx.push(Effect::Focus(Focus::Panel));
            }
        }
    }
    fx
}

/// Starts a failed start is tried again by itself before the visitor is offered "Try again".
const START_RETRIES: u8 = 2;
/// The first wait before trying again (a busy server asks for 1 s); the second is 3×.
const START_RETRY_WAIT: Millis = Millis(1_000);

fn start(m: &mut Model, fx: &mut Vec<Effect>) {
    if m.phase == Phase::Starting {
        return;
    }
    m.phase = Phase::Starting;
    let key = m
        .start_key
        .get_or_insert_with(|| {
            let mut key = m.start_base.clone();
            key.push('-');
            push_hex(&mut key, u64::from(m.starts));
            key
        })
        .clone();
    fx.push(Effect::Start {
        token: m.token.clone(),
        key,
    });
}

/// The server answered the start: the next start is another one, with a key of its own.
fn answered(m: &mut Model, fx: &mut Vec<Effect>) {
    m.starts += 1;
    if m.start_key.take().is_some() {
        fx.push(Effect::ForgetStartKey);
    }
}

fn typing_off(m: &mut Model, fx: &mut Vec<Effect>) {
    if m.typing_sent {
        m.typing_sent = false;
        if m.chat.is_open() {
            fx.push(Effect::Send(ChatClientMsg::Typing { on: false }));
        }
    }
}

/// An after-chat request: core's session keeps it until the server answers, connecting for
/// it when the socket of the finished conversation is gone.
fn act(m: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    m.notice = if m.chat.is_open() {
        None
    } else {
        Some(m.lang.strings().sending.into())
    };
    chat(m, ClientEvent::Act(action), fx);
}

/// Runs core's chat session and carries out what it asks.
fn chat(m: &mut Model, event: ClientEvent, fx: &mut Vec<Effect>) {
    for effect in m.chat.handle(event, m.now) {
        match effect {
            ClientEffect::Connect => fx.push(Effect::Connect),
            ClientEffect::Send(msg) => fx.push(Effect::Send(msg)),
            ClientEffect::WakeAt(at) => fx.push(Effect::ScheduleReconnect { at }),
            ClientEffect::Deliver(entry) => entry_in(m, entry, fx),
            ClientEffect::Outdated => {
                // This page's widget is older than the server, whose `unsupported_version`
                // error (the notice) asked for a reload: the token is kept for the reloaded page.
                m.closed = true;
                m.waiting = false;
            }
            ClientEffect::Refused => {
                // The token is refused for good: this conversation is over for this page.
                m.closed = true;
                m.waiting = false;
                if m.token.take().is_some() {
                    fx.push(Effect::ClearToken);
                }
            }
            ClientEffect::Failed { text, .. } => unsent(m, text),
            // The pending bubbles are drawn from the session's outbox.
            ClientEffect::Stored { .. } => {}
        }
    }
}

/// A message the conversation closed before storing (typed as the chat fell back) goes into
/// the offline form's message, after any other, so the visitor need not type it again.
fn unsent(m: &mut Model, text: String) {
    for e in m.entries.iter_mut().rev() {
        if let TranscriptEvent::Card { card, prefill } = &mut e.event {
            if card.id.as_str() == after_chat::OFFLINE {
                let kept = prefill.entry("text".into()).or_default();
                if !kept.is_empty() {
                    kept.push('\n');
                }
                kept.push_str(&text);
                return;
            }
        }
    }
}

fn server(m: &mut Model, s: ChatServerMsg, fx: &mut Vec<Effect>) {
    match s {
        ChatServerMsg::Welcome { conversation } => {
            m.notice = None;
            if m.resuming && m.chat.last_seq() == 0 {
                // A reload: the transcript is history. Entries missed during a drop are news.
                m.replay_until = conversation.last_seq;
            }
            m.closed = m.closed || conversation.closed;
            m.conversation = Some(conversation.id.clone());
            chat(
                m,
                ClientEvent::Frame(ChatServerMsg::Welcome { conversation }),
                fx,
            );
        }
        ChatServerMsg::Invalid { card, errors } => {
            if let Some(first) = errors.first() {
                fx.push(Effect::Focus(Focus::Field(card.clone(), first.key.clone())));
            }
            m.set_errors(card, errors);
        }
        ChatServerMsg::Typing { from, on } => {
            if from == Side::Agent {
                m.agent_typing = on && !m.closed;
            }
        }
        ChatServerMsg::Presence { side, here } => {
            if side == Side::Agent {
                m.agent_away = !here && m.agent.is_some() && !m.closed;
            }
        }
        ChatServerMsg::Error { code, message } => {
            m.notice = Some(message.clone());
            // The session drops an after-chat request the server refused.
            chat(
                m,
                ClientEvent::Frame(ChatServerMsg::Error { code, message }),
                fx,
            );
        }
        frame => chat(m, ClientEvent::Frame(frame), fx),
    }
}

/// One entry, new to this page (core's session dedupes and orders them).
fn entry_in(m: &mut Model, entry: TranscriptEntry, fx: &mut Vec<Effect>) {
    let live = entry.seq > m.replay_until;
    let s = m.lang.strings();
    match &entry.event {
        TranscriptEvent::Card { card, .. } => {
            if live
                && m.open
                && matches!(
                    card.kind,
                    CardKind::Question { .. } | CardKind::InfoCapture { .. }
                )
            {
                fx.push(Effect::Focus(Focus::Card(card.id.clone())));
            }
        }
        TranscriptEvent::Answered { card, button, .. } => {
            if m.answer(card).is_none() {
                m.answered.push((card.clone(), button.clone()));
            }
        }
        TranscriptEvent::Captured { card, values } => {
            if !m.captured.contains(card) {
                m.captured.push(card.clone());
            }
            m.clear_errors(card);
            let email = m.fields(card).is_some_and(|f| {
                f.iter()
                    .any(|f| f.kind == FieldKind::Email && values.contains_key(f.key.as_str()))
            });
            if live && email {
                fx.push(Effect::Emit("lead_captured", ""));
            }
        }
        TranscriptEvent::LiveChatRequested => {
            m.waiting = true;
            if live {
                fx.push(Effect::Emit("chat_requested", ""));
            }
        }
        TranscriptEvent::LiveChatUnavailable => m.waiting = false,
        TranscriptEvent::AgentJoined { agent } => {
            m.waiting = false;
            m.agent_away = false;
            m.agent = Some(agent.clone());
            if live {
                let mut a = agent.name.clone();
                a.push(' ');
                a.push_str(s.agent_joined);
                fx.push(Effect::Announce(a));
                fx.push(Effect::Emit("chat_started", ""));
                // The visitor asked for a human: show them the one who came.
                if !m.open {
                    m.open = true;
                    m.opened_once = true;
                }
                fx.push(Effect::Focus(Focus::Composer));
            }
        }
        TranscriptEvent::AgentLeft { agent } => {
            // Routing looks for someone else: the visitor is waiting again.
            m.waiting = true;
            m.agent = None;
            m.agent_typing = false;
            m.agent_away = false;
            if live {
                let mut a = agent.name.clone();
                a.push(' ');
                a.push_str(s.agent_left);
                fx.push(Effect::Announce(a));
            }
        }
        TranscriptEvent::Message { from, text, .. } => {
            if live {
                fx.push(Effect::Emit(
                    "message",
                    if *from == Side::Visitor {
                        "visitor"
                    } else {
                        "agent"
                    },
                ));
            }
            if *from != Side::Visitor {
                m.agent_typing = false;
                if live {
                    if !m.open {
                        m.unread += 1;
                    }
                    let mut a = m
                        .agent
                        .as_ref()
                        .map(|a| a.name.clone())
                        .unwrap_or_else(|| s.agent.into());
                    a.push_str(": ");
                    a.push_str(text);
                    fx.push(Effect::Announce(a));
                }
            }
        }
        TranscriptEvent::Fallback { text, .. } => {
            finish(m);
            if live {
                fx.push(Effect::Announce(text.clone()));
                fx.push(Effect::Emit("chat_unavailable", ""));
                // The visitor asked for a human: show them what they can do instead, as an
                // agent's arrival would be shown.
                if !m.open {
                    m.open = true;
                    m.opened_once = true;
                }
            }
            let form = after_chat::offline_form(m, &entry);
            m.entries.push(entry);
            m.entries.push(form);
            if live && m.open {
                fx.push(Effect::Focus(Focus::Card(CardId(
                    after_chat::OFFLINE.into(),
                ))));
            }
            return;
        }
        TranscriptEvent::LeftMessage { email, .. } => {
            let card = CardId(after_chat::OFFLINE.into());
            m.clear_errors(&card);
            m.captured.push(card);
            if live {
                fx.push(Effect::Emit("lead_captured", ""));
                fx.push(Effect::Announce(after_chat::thanks(m, email)));
            }
        }
        TranscriptEvent::TranscriptEmailed { .. } => {
            let card = CardId(after_chat::TRANSCRIPT.into());
            m.answered
                .push((card, ButtonId(after_chat::SEND_TRANSCRIPT.into())));
            if live {
                fx.push(Effect::Announce(s.transcript_sent.into()));
            }
        }
        TranscriptEvent::Expired => {
            finish(m);
            if live {
                fx.push(Effect::Announce(s.expired.into()));
            }
            offer_transcript(m, entry);
            return;
        }
        TranscriptEvent::Ended { by, visitor_away } => {
            finish(m);
            if let Some(t) = s.ended(*by, *visitor_away).filter(|_| live) {
                fx.push(Effect::Announce(t.into()));
            }
            offer_transcript(m, entry);
            return;
        }
        // Internal notes never reach a visitor's socket (core's rule).
        TranscriptEvent::Note { .. } => return,
    }
    m.entries.push(entry);
}

/// Stores the end of a chat, then the transcript offer when it applies.
fn offer_transcript(m: &mut Model, entry: TranscriptEntry) {
    let offer = after_chat::transcript_offer(m, &entry);
    m.entries.push(entry);
    m.entries.extend(offer);
}

fn finish(m: &mut Model) {
    m.closed = true;
    m.waiting = false;
    m.agent_typing = false;
    m.typing_sent = false;
}

fn submit(
    m: &mut Model,
    card: parlor_core::CardId,
    values: BTreeMap<String, String>,
    fx: &mut Vec<Effect>,
) {
    if !m.card_open(&card) {
        return;
    }
    let s = m.lang.strings();
    let mut errors = Vec::new();
    if let Some(fields) = m.fields(&card) {
        for f in fields {
            let v = values
                .get(f.key.as_str())
                .map(|v| crate::text::trim(v))
                .unwrap_or_default();
            if v.is_empty() {
                if f.required {
                    errors.push(FieldError {
                        key: f.key.clone(),
                        message: s.required.into(),
                    });
                }
            } else if f.kind == FieldKind::Email && !looks_like_email(&v) {
                errors.push(FieldError {
                    key: f.key.clone(),
                    message: s.invalid_email.into(),
                });
            }
        }
    }
    if let Some(first) = errors.first() {
        fx.push(Effect::Focus(Focus::Field(card.clone(), first.key.clone())));
        m.set_errors(card, errors);
        return;
    }
    m.clear_errors(&card);
    if !m.chat.is_open() && card.as_str() != after_chat::OFFLINE {
        m.notice = Some(s.offline_action.into());
        return;
    }
    m.notice = None;
    let mut clean = BTreeMap::new();
    for (k, v) in values {
        let v = crate::text::trim(&v);
        if !v.is_empty() {
            clean.insert(k, v);
        }
    }
    let values = clean;
    if card.as_str() == after_chat::OFFLINE {
        // Stored once per conversation: a resend after a drop carries the same id.
        let mut client_id = m.nonce.clone();
        client_id.push_str("-lm");
        let action = Action::LeaveMessage {
            client_id,
            email: values.get("email").cloned(),
            text: values.get("text").cloned().unwrap_or_default(),
        };
        act(m, action, fx);
        return;
    }
    fx.push(Effect::Send(ChatClientMsg::Capture { card, values }));
}

#[cfg(test)]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod replay_tests;
