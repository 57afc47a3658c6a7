//! The shell around `update`: owns the model, the view and the sockets; turns DOM events into
//! messages and effects into browser calls.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use parlor_core::protocol::Presence;
use wasm_bindgen::JsValue;
use web_sys::{Element, KeyboardEvent};

use super::canned::{Fx as CannedFx, Msg as CannedMsg};
use super::model::{Effect, Model, Msg, Tip};
use super::update::update;
use super::view::View;
use crate::api::{self, socket_url, ws_path};
use crate::dom::{self, action, attr, later, on, Res};
use crate::error::{log, InboxError};
use crate::json::get;
use crate::mailbox::Mailbox;
use crate::session::{self, Session};
use crate::socket::Socket;
use crate::wire;
use crate::{notify, sound};

const STORE_KEY: &str = "parlor:inbox";

pub struct App {
    inner: RefCell<Inner>,
    mailbox: Mailbox<Msg>,
}

struct Inner {
    model: Model,
    view: View,
    inbox: Option<Socket>,
    chats: BTreeMap<String, Socket>,
}

pub fn start(root: Element) -> Res<Rc<App>> {
    let nonce = format!("{:x}", (js_sys::Math::random() * 1e15) as u64);
    let mut model = Model::new(session::load(STORE_KEY), notify::permission().into(), nonce);
    model.opened_for = opened_for();
    model.tips_dismissed = Tip::ALL
        .into_iter()
        .filter(|t| session::flag(t.storage_key()))
        .collect();
    let view = View::build(&root)?;
    let app = Rc::new(App {
        inner: RefCell::new(Inner {
            model,
            view,
            inbox: None,
            chats: BTreeMap::new(),
        }),
        mailbox: Mailbox::default(),
    });
    listen(&app, &root)?;
    let a = app.clone();
    dom::every(1000, move || dispatch(&a, Msg::Tick))?;
    dispatch(&app, Msg::Init);
    Ok(app)
}

/// The offer a push notification opened this page on: `/inbox?offer=<id>`.
fn opened_for() -> Option<u64> {
    let search = dom::window().ok()?.location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("offer="))
        .and_then(|v| v.parse().ok())
}

/// Feeds one message through `update`, renders, then runs the effects. Messages raised while
/// this runs are queued and handled in order, never re-entrantly.
pub fn dispatch(app: &Rc<App>, msg: Msg) {
    app.mailbox.deliver(msg, |msg| {
        let Ok(mut inner) = app.inner.try_borrow_mut() else {
            return false;
        };
        inner.model.now = dom::now_ms();
        let effects = update(&mut inner.model, msg);
        let inner = &mut *inner;
        if let Err(e) = inner.view.render(&inner.model) {
            log(&e);
        }
        for fx in effects {
            if let Err(e) = run(app, inner, fx) {
                log(&e);
            }
        }
        true
    });
}

fn queue(app: &Rc<App>, msg: Msg) {
    app.mailbox.post(msg);
}

fn run(app: &Rc<App>, inner: &mut Inner, fx: Effect) -> Res<()> {
    match fx {
        Effect::SignIn {
            workspace,
            email,
            password,
        } => {
            let a = app.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let msg = match sign_in(&workspace, &email, &password).await {
                    Ok(s) => Msg::SignedIn(s),
                    Err(e) => Msg::SignInFailed(crate::error::sign_in_error(&e)),
                };
                dispatch(&a, msg);
            });
        }
        Effect::SaveSession(s) => session::save(STORE_KEY, &s),
        Effect::ClearSession => session::clear(STORE_KEY),
        Effect::OpenInbox => {
            inner.inbox = None;
            let Some(s) = &inner.model.session else {
                return Ok(());
            };
            let url = socket_url(&s.workspace, "inbox/ws", &s.token)?;
            let (a, b, c) = (app.clone(), app.clone(), app.clone());
            let opened = Socket::open(
                &url,
                move || dispatch(&a, Msg::InboxOpened),
                move |text| match wire::inbox_server_msg(&text) {
                    Ok(m) => dispatch(&b, Msg::Inbox(m)),
                    Err(e) => log(&e),
                },
                move |code, reason| dispatch(&c, Msg::InboxClosed(code, reason)),
            );
            match opened {
                Ok(s) => inner.inbox = Some(s),
                Err(e) => {
                    log(&e);
                    queue(app, Msg::InboxClosed(1006, String::new()));
                }
            }
        }
        Effect::CloseInbox => inner.inbox = None,
        Effect::SendInbox(m) => {
            if let Some(s) = &inner.inbox {
                s.send(&wire::inbox_client_msg(&m)?)?;
            }
        }
        Effect::Later(ms, msg) => {
            let a = app.clone();
            later(ms, move || dispatch(&a, msg))?;
        }
        Effect::OpenChat(id) => {
            inner.chats.remove(&id);
            let Some(s) = &inner.model.session else {
                return Ok(());
            };
            let mut rest = String::from("conversations/");
            rest.push_str(&id);
            rest.push_str("/ws");
            let url = socket_url(&s.workspace, &rest, &s.token)?;
            let (a, b, c) = (app.clone(), app.clone(), app.clone());
            let (i1, i2, i3) = (id.clone(), id.clone(), id.clone());
            let opened = Socket::open(
                &url,
                move || dispatch(&a, Msg::ChatOpened(i1.clone())),
                move |text| match wire::chat_server_msg(&text) {
                    Ok(m) => dispatch(&b, Msg::Chat(i2.clone(), m)),
                    Err(e) => log(&e),
                },
                move |code, _| dispatch(&c, Msg::ChatSocketClosed(i3.clone(), code)),
            );
            match opened {
                Ok(s) => {
                    inner.chats.insert(id, s);
                }
                Err(e) => {
                    log(&e);
                    queue(app, Msg::ChatSocketClosed(id, 1006));
                }
            }
        }
        Effect::CloseChat(id) => {
            inner.chats.remove(&id);
        }
        Effect::SendChat(id, m) => {
            if let Some(s) = inner.chats.get(&id) {
                s.send(&wire::chat_client_msg(&m)?)?;
            }
        }
        Effect::SendAgent(id, m) => {
            if let Some(s) = inner.chats.get(&id) {
                s.send(&wire::agent_chat_msg(&m)?)?;
            }
        }
        Effect::Chime => sound::chime()?,
        Effect::Notify(offer) => {
            if notify::permission() == "granted" && notify::page_hidden() {
                let mut body = super::model::visitor_line(&offer.visitor);
                if !offer.page_url.is_empty() {
                    body.push_str(" — ");
                    body.push_str(&offer.page_url);
                }
                let a = app.clone();
                let id = offer.offer;
                notify::show(id, &body, move || {
                    dispatch(&a, Msg::NotificationClicked(id))
                })?;
                inner.model.notified = true;
                inner.model.revs.top += 1;
                inner.view.render(&inner.model)?;
            }
        }
        Effect::CloseNotification(id) => notify::close(id),
        Effect::RequestPermission => {
            if notify::permission() == "unsupported" {
                queue(app, Msg::Permission("unsupported".into()));
            } else {
                let a = app.clone();
                notify::request(move |p| dispatch(&a, Msg::Permission(p)))?;
            }
        }
        Effect::PushOn => {
            if let Some(s) = &inner.model.session {
                let (ws, token) = (s.workspace.clone(), s.token.clone());
                let a = app.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let ok = crate::push::on(&ws, &token).await.unwrap_or(false);
                    dispatch(&a, Msg::PushReady(ok));
                });
            }
        }
        Effect::PushOff(ws, token) => wasm_bindgen_futures::spawn_local(async move {
            let _ = crate::push::off(&ws, &token).await;
        }),
        Effect::UnlockSound => sound::unlock(),
        Effect::RememberTipDismissed(tip) => session::set_flag(tip.storage_key()),
        Effect::FocusAccept(offer) => inner.view.focus_accept(offer),
        Effect::FocusComposer => inner.view.focus_composer(),
        Effect::ClearComposer => inner.view.clear_composer(),
        Effect::SaveName(name) => {
            let body = wire::Obj::new()
                .strings([("name", name.as_str())])
                .into_json()?;
            save_profile(app, inner, "me", move |path, token| async move {
                api::call("PATCH", &path, Some(&token), Some(body)).await
            });
        }
        Effect::RemovePicture => {
            let body = wire::Obj::new()
                .set("avatar_url", JsValue::NULL)
                .into_json()?;
            save_profile(app, inner, "me", move |path, token| async move {
                api::call("PATCH", &path, Some(&token), Some(body)).await
            });
        }
        Effect::UploadPicture => match inner.view.chosen_picture() {
            Some(file) => save_profile(app, inner, "me/picture", move |path, token| async move {
                api::put_file(&path, &token, &file).await
            }),
            None => queue(app, Msg::ProfileFailed("Choose a picture first.".into())),
        },
        Effect::Canned(fx) => {
            let session = inner.model.session.as_ref();
            super::canned_view::run(app, session, inner.view.composer(), fx)
        }
    }
    Ok(())
}

async fn sign_in(workspace: &str, email: &str, password: &str) -> Result<Session, InboxError> {
    let body = wire::Obj::new()
        .strings([("email", email), ("password", password)])
        .into_json()?;
    let resp = api::call("POST", &ws_path(workspace, "sessions"), None, Some(body)).await?;
    let token = get(&resp, "token")
        .as_string()
        .ok_or_else(|| InboxError::Data("token".into()))?;
    let agent = get(&resp, "agent");
    if !agent.is_object() {
        return Err(InboxError::Data("agent".into()));
    }
    let agent = wire::agent_info(&agent);
    Ok(Session {
        workspace: workspace.to_owned(),
        token,
        agent: Some(agent),
    })
}

fn listen(app: &Rc<App>, root: &Element) -> Res<()> {
    let a = app.clone();
    on(root, "click", move |e| {
        sound::unlock();
        let Some((t, act)) = action(&e) else { return };
        let offer = || attr(&t, "data-offer").parse::<u64>().unwrap_or(0);
        let chat = || attr(&t, "data-chat");
        let msg = match act.as_str() {
            "presence" => Msg::SetPresence(if attr(&t, "data-value") == "away" {
                Presence::Away
            } else {
                Presence::Available
            }),
            "signout" => Msg::SignOut,
            "enable-notifications" => Msg::EnableNotifications,
            "dismiss-tip" => Msg::DismissTip,
            "accept" => Msg::Accept(offer()),
            "decline" => Msg::Decline(offer()),
            "select" => Msg::Select(chat()),
            "dismiss" => Msg::Dismiss(chat()),
            "end" => Msg::End,
            "note-mode" => Msg::NoteMode,
            "dismiss-note" => Msg::DismissNote,
            "transfer" => Msg::OpenTransfer,
            "profile" => Msg::OpenProfile,
            "profile-close" => Msg::CloseProfile,
            "profile-upload" => Msg::UploadPicture,
            "profile-remove" => Msg::RemovePicture,
            "profile-name" => Msg::SaveName(root_value(&t, "profile-name")),
            "transfer-cancel" => Msg::CloseTransfer,
            "transfer-to" => {
                let note = root_value(&t, "transfer-note");
                Msg::TransferTo(attr(&t, "data-i").parse().unwrap_or(usize::MAX), note)
            }
            "canned-pick" => Msg::Canned(CannedMsg::Pick(Some(attr(&t, "data-id")))),
            "canned-manage" => Msg::Canned(CannedMsg::Do(CannedFx::Load)),
            "canned-delete" => Msg::Canned(CannedMsg::Do(CannedFx::Delete(attr(&t, "data-id")))),
            _ => return,
        };
        dispatch(&a, msg);
    })?;
    let a = app.clone();
    on(root, "submit", move |e| {
        e.prevent_default();
        let Some(form) = dom::target(&e) else { return };
        let val = |name: &str| {
            form.query_selector(&format!("[name={name}]"))
                .ok()
                .flatten()
                .map(|el| dom::value(&el))
                .unwrap_or_default()
        };
        let msg = match attr(&form, "data-form").as_str() {
            "signin" => Msg::SignIn {
                workspace: val("workspace"),
                email: val("email"),
                password: val("password"),
            },
            "say" => Msg::Say(val("message")),
            "canned-add" => Msg::Canned(CannedMsg::Do(CannedFx::Add(val("shortcut"), val("text")))),
            _ => return,
        };
        dispatch(&a, msg);
    })?;
    let a = app.clone();
    on(root, "keydown", move |e| {
        let Some(k) = wasm_bindgen::JsCast::dyn_ref::<KeyboardEvent>(&e) else {
            return;
        };
        if k.key() == "Escape" {
            dispatch(&a, Msg::CloseTransfer);
            dispatch(&a, Msg::CloseProfile);
        }
        let in_composer = dom::target(&e).is_some_and(|t| t.id() == "composer");
        // While the `/` list is open, its keys work it (`canned::key`).
        let listing = in_composer && a.inner.try_borrow().is_ok_and(|i| i.model.canned.is_open());
        let other = k.shift_key() || k.is_composing();
        if let Some(msg) = listing
            .then(|| super::canned::key(&k.key(), other))
            .flatten()
        {
            e.prevent_default();
            dispatch(&a, Msg::Canned(msg));
            return;
        }
        if in_composer && k.key() == "Enter" && !k.shift_key() && !k.is_composing() {
            e.prevent_default();
            let text = a
                .inner
                .try_borrow()
                .map(|i| dom::value(i.view.composer()))
                .unwrap_or_default();
            dispatch(&a, Msg::Say(text));
        }
    })?;
    let a = app.clone();
    on(root, "input", move |e| {
        if let Some(t) = dom::target(&e).filter(|t| t.id() == "composer") {
            dispatch(&a, Msg::Typed);
            dispatch(&a, Msg::Canned(CannedMsg::Input(dom::value(&t))));
        }
    })?;
    Ok(())
}

/// Runs a profile change (`send(path, token)`) and dispatches the agent the server answers.
fn save_profile<F, Fut>(app: &Rc<App>, inner: &Inner, rest: &str, send: F)
where
    F: FnOnce(String, String) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<JsValue, InboxError>> + 'static,
{
    let Some(s) = &inner.model.session else {
        return;
    };
    let (path, token) = (ws_path(&s.workspace, rest), s.token.clone());
    let a = app.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let msg = match send(path, token).await {
            Ok(agent) => Msg::ProfileSaved(wire::agent_info(&agent)),
            Err(e) => Msg::ProfileFailed(e.to_string()),
        };
        dispatch(&a, msg);
    });
}

/// The value of the field named `name` in the dialog holding `t`.
fn root_value(t: &Element, name: &str) -> String {
    t.closest("[role=dialog]")
        .ok()
        .flatten()
        .and_then(|d| d.query_selector(&format!("[name={name}]")).ok().flatten())
        .map(|el| dom::value(&el))
        .unwrap_or_default()
}

/// For tests: the model's live chat count.
pub fn live_count(app: &Rc<App>) -> usize {
    app.inner
        .try_borrow()
        .map(|i| i.model.live_count())
        .unwrap_or(0)
}
