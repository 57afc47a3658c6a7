//! The admin views: Overview (the missed-chat report), Conversations (real time), Leads, Agents &
//! teams, Settings, Routing audit, Emails, Dialogues (form editor), Embed, Privacy, Webhooks. Sign
//! in as an admin agent or with the workspace key.

pub mod designer;
mod designer_events;
mod drafts;
pub mod edit;
pub mod flow;
pub mod history;
pub mod hooks;
mod hours_form;
mod leads;
pub mod model;
pub mod overview;
pub mod privacy;
pub mod probe;
pub mod slug;
pub mod update;
mod view;
pub mod wire;

use std::cell::RefCell;
use std::rc::Rc;

use parlor_core::canned::Scope;
use parlor_core::client::Backoff;
use parlor_core::dialogue::looks_like_email;
use parlor_core::protocol::AdminServerMsg;
use parlor_core::settings::WorkspaceSettings;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;

use self::model::{Check, Data, Detail, Effect, Model, Msg, Row, Tab};
use self::update::update;
use self::view::View;
use crate::api::{self, socket_url, ws_path};
use crate::dom::{self, action, attr, later, on, Res};
use crate::error::{log, InboxError};
use crate::json::{get, get_str};
use crate::mailbox::Mailbox;
use crate::session::{self, Session};
use crate::socket::Socket;

const STORE_KEY: &str = "parlor:admin";

pub struct App {
    inner: RefCell<Inner>,
    mailbox: Mailbox<Msg>,
}

struct Inner {
    model: Model,
    view: View,
    socket: Option<Socket>,
}

pub fn start(root: Element) -> Res<Rc<App>> {
    let model = Model {
        session: session::load(STORE_KEY),
        backoff: Backoff::new((js_sys::Math::random() * 1e15) as u64),
        ..Model::default()
    };
    let view = View::build(&root)?;
    let app = Rc::new(App {
        inner: RefCell::new(Inner {
            model,
            view,
            socket: None,
        }),
        mailbox: Mailbox::default(),
    });
    listen(&app, &root)?;
    dispatch(&app, Msg::Init);
    Ok(app)
}

pub fn dispatch(app: &Rc<App>, msg: Msg) {
    app.mailbox.deliver(msg, |msg| {
        let Ok(mut inner) = app.inner.try_borrow_mut() else {
            return false;
        };
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

/// (workspace, token) of the session, if signed in.
fn creds(app: &Rc<App>) -> Option<(String, String)> {
    let i = app.inner.try_borrow().ok()?;
    let s = i.model.session.as_ref()?;
    Some((s.workspace.clone(), s.token.clone()))
}

/// Runs `f` with the session's credentials in the background and dispatches its message.
fn spawn<F, Fut>(app: &Rc<App>, ws: String, token: String, f: F)
where
    F: FnOnce(String, String) -> Fut + 'static,
    Fut: std::future::Future<Output = Msg> + 'static,
{
    let a = app.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let msg = f(ws, token).await;
        dispatch(&a, msg);
    });
}

fn run(app: &Rc<App>, inner: &mut Inner, fx: Effect) -> Res<()> {
    let (ws, token) = inner
        .model
        .session
        .as_ref()
        .map(|s| (s.workspace.clone(), s.token.clone()))
        .unwrap_or_default();
    match fx {
        Effect::SignIn {
            workspace,
            email,
            password,
        } => spawn(app, workspace, password, move |ws, pw| async move {
            match sign_in(&ws, &email, &pw).await {
                Ok(s) => Msg::SignedIn(s),
                Err(e) => Msg::SignInFailed(e),
            }
        }),
        // The key is exchanged for a session: the browser keeps the session, never the key.
        Effect::UseKey { workspace, key } => spawn(app, workspace, key, |ws, key| async move {
            match api::call("POST", &ws_path(&ws, "admin-sessions"), Some(&key), None).await {
                Ok(v) => Msg::SignedIn(Session {
                    workspace: ws,
                    token: get_str(&v, "token"),
                    agent: None,
                }),
                Err(e) if matches!(e.status(), 401 | 403) => {
                    Msg::SignInFailed("That admin key does not open this workspace.".into())
                }
                Err(e) => Msg::SignInFailed(crate::error::sign_in_error(&e)),
            }
        }),
        Effect::SaveSession(s) => session::save(STORE_KEY, &s),
        Effect::ClearSession => session::clear(STORE_KEY),
        Effect::OpenSocket => {
            inner.socket = None;
            let url = socket_url(&ws, "admin/ws", &token)?;
            let (a, b, c) = (app.clone(), app.clone(), app.clone());
            match Socket::open(
                &url,
                move || dispatch(&a, Msg::SocketOpened),
                move |text| match wire::admin_server_msg(&text) {
                    Ok(AdminServerMsg::Conversation { record }) => {
                        dispatch(&b, Msg::Changed(record))
                    }
                    Ok(AdminServerMsg::Erased { conversations }) => {
                        dispatch(&b, Msg::Gone(conversations))
                    }
                    Err(e) => log(&e),
                },
                move |code, reason| dispatch(&c, Msg::SocketClosed(code, reason)),
            ) {
                Ok(s) => inner.socket = Some(s),
                Err(e) => {
                    log(&e);
                    app.mailbox.post(Msg::SocketClosed(1006, String::new()));
                }
            }
        }
        Effect::CloseSocket => inner.socket = None,
        Effect::KeepDrafts => drafts::save(&ws, &inner.model.drafts),
        Effect::PostPreview(d, restart) => view::preview::post(&d, restart)?,
        Effect::CheckSoon(edits) => {
            let a = app.clone();
            later(600, move || dispatch(&a, Msg::AutoCheck(edits)))?;
        }
        Effect::Reconnect(delay) => {
            let a = app.clone();
            let ms = delay.as_u64().min(i32::MAX as u64) as i32;
            later(ms, move || dispatch(&a, Msg::Reconnect))?;
        }
        Effect::Load(Tab::Overview) => {
            let days = inner.model.report_days();
            spawn(app, ws, token, move |ws, t| async move {
                let mut rest = String::from("report?days=");
                rest.push_str(&days.to_string());
                match api::call("GET", &ws_path(&ws, &rest), Some(&t), None).await {
                    Ok(v) => match wire::report(&v) {
                        Ok(r) => Msg::Loaded(Data::Report(Box::new(r), days)),
                        Err(e) => Msg::Failed(Tab::Overview, e.to_string()),
                    },
                    Err(e) => Msg::Failed(Tab::Overview, explain(&e)),
                }
            })
        }
        Effect::Load(tab) => spawn(app, ws, token, move |ws, t| async move {
            match load(tab, &ws, &t).await {
                Ok(Some(d)) => Msg::Loaded(d),
                Ok(None) => Msg::Loaded(Data::Audit(Vec::new())),
                Err(e) => Msg::Failed(tab, e.to_string()),
            }
        }),
        Effect::LoadLeads { query, cursor } => spawn(app, ws, token, move |ws, t| async move {
            let more = cursor.is_some();
            match leads::page(&ws, &t, &query, cursor.as_deref()).await {
                Ok((list, next)) => Msg::Loaded(Data::Leads(list, next, more)),
                Err(e) => Msg::Failed(Tab::Leads, explain(&e)),
            }
        }),
        Effect::ExportLeads(query) => spawn(app, ws, token, move |ws, t| async move {
            match leads::export(&ws, &t, &query).await {
                Ok(()) => Msg::Done(Tab::Leads, "Export downloaded as leads.csv.".into()),
                Err(e) => Msg::Failed(Tab::Leads, explain(&e)),
            }
        }),
        Effect::LoadDetail(id) => spawn(app, ws, token, move |ws, t| async move {
            match detail(&ws, &t, &id).await {
                Ok(d) => Msg::Loaded(Data::Detail(Box::new(d))),
                Err(e) => Msg::Failed(Tab::Conversations, e.to_string()),
            }
        }),
        Effect::Validate(d) => spawn(app, ws, token, move |ws, t| async move {
            let body = wire::dialogue_js(&d);
            match api::send_js("POST", &ws_path(&ws, "dialogues/validate"), Some(&t), &body).await {
                Ok(v) => Msg::Checked(check_of(&v, false)),
                Err(e) => Msg::Checked(failed_check(&e)),
            }
        }),
        Effect::Erase(target) => spawn(app, ws, token, move |ws, t| async move {
            let body = wire::erase_target_js(&target);
            match api::send_js("POST", &ws_path(&ws, "erasures"), Some(&t), &body).await {
                Ok(v) => {
                    let counts = wire::erasure_counts(&get(&v, "erased"));
                    let more = get(&v, "more").as_bool().unwrap_or(false);
                    Msg::Erased(target, counts, more)
                }
                Err(e) => Msg::Failed(Tab::Privacy, explain(&e)),
            }
        }),
        Effect::LoadHookLog(id) => spawn(app, ws, token, move |ws, t| async move {
            let mut rest = String::from("webhooks/");
            rest.push_str(&String::from(js_sys::encode_uri_component(&id)));
            rest.push_str("/deliveries");
            match api::call("GET", &ws_path(&ws, &rest), Some(&t), None).await {
                Ok(v) => match wire::hook_lines(&get(&v, "deliveries")) {
                    Ok(lines) => Msg::Loaded(Data::HookLog(hooks::OpenLog {
                        endpoint: id,
                        lines,
                    })),
                    Err(e) => Msg::Failed(Tab::Webhooks, e.to_string()),
                },
                Err(e) => Msg::Failed(Tab::Webhooks, explain(&e)),
            }
        }),
        Effect::Save(d, base) => spawn(app, ws, token, move |ws, t| async move {
            let path = ws_path(&ws, &dialogue_path(d.id.as_str(), ""));
            let body = crate::json::stringify_js(&wire::dialogue_js(&d));
            let tag = base.map(|v| format!("\"{v}\""));
            let precondition = match &tag {
                Some(tag) => ("if-match", tag.as_str()),
                None => ("if-none-match", "*"),
            };
            let sent = match body {
                Ok(b) => api::call_with("PUT", &path, Some(&t), Some(b), &[precondition]).await,
                Err(e) => Err(e),
            };
            match sent {
                Ok(v) => {
                    let version = get(&v, "version").as_f64().map(|n| n as u64);
                    Msg::Saved(check_of(&v, true), version)
                }
                Err(e) => Msg::Saved(failed_check(&e), None),
            }
        }),
        Effect::LoadVersions(id) => spawn(app, ws, token, move |ws, t| async move {
            let path = ws_path(&ws, &dialogue_path(&id, "/versions"));
            match api::call("GET", &path, Some(&t), None).await {
                Ok(v) => match wire::versions(&v) {
                    Ok((list, current)) => Msg::Versions(list, current),
                    Err(e) => Msg::Failed(Tab::Dialogues, e.to_string()),
                },
                Err(e) => Msg::Failed(Tab::Dialogues, explain(&e)),
            }
        }),
        Effect::Reorder(ids) => spawn(app, ws, token, move |ws, t| async move {
            let list: js_sys::Array = ids.iter().map(|s| JsValue::from_str(s)).collect();
            let body = obj(&[("ids", list.into())]);
            let path = ws_path(&ws, "dialogues/reorder");
            match api::send_js("POST", &path, Some(&t), &body).await {
                Ok(_) => Msg::Done(
                    Tab::Dialogues,
                    "Order saved: pages get the first dialogue that matches.".into(),
                ),
                Err(e) => Msg::Failed(Tab::Dialogues, explain(&e)),
            }
        }),
    }
    Ok(())
}

/// `dialogues/{id}{rest}` with the id encoded.
fn dialogue_path(id: &str, rest: &str) -> String {
    let mut path = String::from("dialogues/");
    path.push_str(&String::from(js_sys::encode_uri_component(id)));
    path.push_str(rest);
    path
}

async fn sign_in(ws: &str, email: &str, password: &str) -> Result<Session, String> {
    let body = crate::wire::Obj::new()
        .strings([("email", email), ("password", password)])
        .into_json()
        .map_err(|e| e.to_string())?;
    let resp = api::call("POST", &ws_path(ws, "sessions"), None, Some(body))
        .await
        .map_err(|e| crate::error::sign_in_error(&e))?;
    let agent = get(&resp, "agent");
    if !agent.is_object() {
        return Err(InboxError::Data("agent".into()).to_string());
    }
    let agent = crate::wire::agent_info(&agent);
    if agent.role != "admin" {
        return Err("This account is not an admin of the workspace. Agents use the inbox.".into());
    }
    Ok(Session {
        workspace: ws.to_owned(),
        token: get_str(&resp, "token"),
        agent: Some(agent),
    })
}

async fn load(tab: Tab, ws: &str, t: &str) -> Result<Option<Data>, InboxError> {
    let get_json = |rest: &'static str| {
        let path = ws_path(ws, rest);
        let t = t.to_owned();
        async move { api::call("GET", &path, Some(&t), None).await }
    };
    Ok(Some(match tab {
        Tab::Conversations => Data::Conversations(crate::wire::items(
            &get_json("conversations").await?,
            wire::record,
        )?),
        Tab::Agents => {
            let teams = wire::teams(&get_json("teams").await?)?;
            let agents = wire::agents(&get_json("agents").await?)?;
            Data::People(teams, agents)
        }
        Tab::Settings => Data::Settings(Box::new(wire::settings(&get_json("settings").await?)?)),
        Tab::Audit => Data::Audit(rows(&get_json("audit").await?)),
        Tab::Emails => Data::Outbox(rows(&get_json("outbox").await?)),
        Tab::Dialogues => Data::Dialogues(
            wire::dialogues(&get_json("dialogues").await?)?,
            wire::templates(&get(&get_json("dialogue-templates").await?, "templates"))?,
            drafts::load(ws),
        ),
        Tab::Webhooks => Data::Webhooks(wire::hooks(&get(
            &get_json("webhooks").await?,
            "endpoints",
        ))?),
        Tab::Canned => {
            let all = crate::wire::canned_replies(&get_json("canned-replies").await?)?;
            // An admin agent's personal replies are theirs to manage in the inbox.
            Data::Canned(
                all.into_iter()
                    .filter(|r| r.scope == Scope::Workspace)
                    .collect(),
            )
        }
        Tab::Embed => Data::Sites(wire::sites(&get_json("sites").await?)?),
        // The Overview's report is loaded with its range (see `run`).
        Tab::Overview | Tab::Privacy | Tab::Leads => return Ok(None),
    }))
}

async fn detail(ws: &str, t: &str, id: &str) -> Result<Detail, InboxError> {
    let mut rest = String::from("conversations/");
    rest.push_str(id);
    let v = api::call("GET", &ws_path(ws, &rest), Some(t), None).await?;
    let transcript = get(&v, "transcript");
    let entries = wire::entries(&get(&transcript, "entries")).unwrap_or_default();
    let mut r = crate::wire::Reader::default();
    let record = wire::record(&mut r, &get(&v, "conversation"));
    Ok(Detail {
        record: r.done(record)?,
        entries,
        captured: wire::string_map(&get(&transcript, "captured")),
    })
}

/// A JSON array of objects → rows of (key, text); times written as dates.
fn rows(v: &JsValue) -> Vec<Row> {
    let Some(arr) = v.dyn_ref::<js_sys::Array>() else {
        return Vec::new();
    };
    arr.iter()
        .map(|item| {
            let keys = js_sys::Object::keys(&js_sys::Object::from(item.clone()));
            let mut row: Row = keys
                .iter()
                .filter_map(|k| k.as_string())
                .map(|k| {
                    let val = get(&item, &k);
                    let text = match val.as_f64() {
                        Some(n) if k == "at" || k.ends_with("_at") || k == "time" => {
                            crate::fmt::date_time(n as u64)
                        }
                        _ => get_str(&item, &k),
                    };
                    (k, text)
                })
                .collect();
            // Time first, then conversation, outcome, reason, then the rest.
            let rank = |k: &str| match k {
                "at" | "time" | "sent_at" | "created_at" => 0,
                "conversation" => 1,
                "outcome" | "decision" | "kind" => 2,
                "reason" => 3,
                _ => 4,
            };
            row.sort_by_key(|(k, _)| rank(k));
            row
        })
        .collect()
}

fn check_of(v: &JsValue, saved: bool) -> Check {
    let errors = wire::issues(&get(v, "errors"));
    let warnings = wire::issues(&get(v, "warnings"));
    let ok = errors.is_empty();
    let summary = match (saved, ok, warnings.len()) {
        (true, _, 0) => "Saved.".into(),
        (true, _, n) => format!("Saved, with {n} best-practice suggestion(s) below."),
        (false, true, 0) => "No problems found.".into(),
        (false, true, n) => format!("No errors; {n} best-practice suggestion(s) below."),
        (false, false, _) => format!(
            "{} error(s) must be fixed before this dialogue can be saved.",
            errors.len()
        ),
    };
    Check {
        errors,
        warnings,
        summary,
        ok,
    }
}

fn failed_check(e: &InboxError) -> Check {
    let (body, message) = match e {
        InboxError::Api { body, message, .. } => (body.clone(), message.clone()),
        other => (JsValue::NULL, other.to_string()),
    };
    let errors = wire::issues(&get(&body, "issues"));
    let summary = if errors.is_empty() {
        format!("Not saved: {message}")
    } else {
        format!(
            "Not saved: {} error(s) must be fixed first. {message}",
            errors.len()
        )
    };
    Check {
        errors,
        warnings: Vec::new(),
        summary,
        ok: false,
    }
}

/// Collects the settings form into the settings object.
fn settings_from(form: &Element, base: &WorkspaceSettings) -> WorkspaceSettings {
    let v = |n: &str| {
        form.query_selector(&format!("[name={n}]"))
            .ok()
            .flatten()
            .map(|e| dom::value(&e))
            .unwrap_or_default()
    };
    let n = |name: &str| v(name).trim().parse::<u64>().unwrap_or(0);
    let lines = |name: &str| -> Vec<String> {
        v(name)
            .lines()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect()
    };
    let mut s = base.clone();
    s.plan = match v("plan").as_str() {
        "select" => parlor_core::routing::Plan::Select,
        "prime" => parlor_core::routing::Plan::Prime,
        _ => parlor_core::routing::Plan::Standard,
    };
    s.accept_timeout_ms = n("accept_timeout_s") * 1000;
    s.inactivity_timeout_ms = n("inactivity_timeout_s") * 1000;
    s.visitor_gone_waiting_ms = n("visitor_gone_waiting_s") * 1000;
    s.visitor_gone_chat_ms = n("visitor_gone_chat_s") * 1000;
    s.agent_gone_ms = n("agent_gone_s") * 1000;
    s.capacity = n("capacity") as u32;
    s.engagement_limit = n("engagement_limit") as u32;
    s.extra_team_attempts = n("extra_team_attempts") as u32;
    s.live_chat_fallback = v("live_chat_fallback");
    s.global_fallback = v("global_fallback");
    s.notification_emails = lines("notification_emails");
    s.allowed_origins = lines("allowed_origins");
    s.widget.color = v("color");
    s.widget.position = if v("position") == "left" {
        parlor_core::settings::WidgetPosition::Left
    } else {
        parlor_core::settings::WidgetPosition::Right
    };
    s.widget.language = v("language");
    s.require_verified_identity = v("require_verified_identity") == "true";
    // Empty (or 0) keeps conversations forever; anything unreadable is left to the check.
    let days = v("retention_days");
    s.retention_days = match days.trim() {
        "" | "0" => None,
        d => Some(d.parse::<u32>().unwrap_or(0)),
    };
    s
}

/// The error text of a failed admin request, with the server's issues when it lists them.
fn explain(e: &InboxError) -> String {
    let mut s = e.to_string();
    if let InboxError::Api { body, .. } = e {
        if let Some(arr) = get(body, "issues").dyn_ref::<js_sys::Array>() {
            for i in arr.iter() {
                let text = i.as_string().unwrap_or_else(|| get_str(&i, "message"));
                if !text.is_empty() && !s.contains(&text) {
                    s.push_str(" — ");
                    s.push_str(&text);
                }
            }
        }
    }
    s
}

/// Sends a request for a form or button and reports it on `tab`.
fn act(
    app: &Rc<App>,
    tab: Tab,
    method: &'static str,
    rest: String,
    body: Option<JsValue>,
    done: &'static str,
) {
    let Some((ws, token)) = creds(app) else {
        return;
    };
    spawn(app, ws, token, move |ws, t| async move {
        let body = body.and_then(|b| crate::json::stringify_js(&b).ok());
        match api::call(method, &ws_path(&ws, &rest), Some(&t), body).await {
            Ok(_) => Msg::Done(tab, done.into()),
            Err(e) => Msg::Failed(tab, explain(&e)),
        }
    });
}

/// Reads (`GET`) or rotates (`POST`) the identity secret and shows it on the Embed tab.
fn identity_secret(app: &Rc<App>, method: &'static str) {
    let Some((ws, token)) = creds(app) else {
        return;
    };
    spawn(app, ws, token, move |ws, t| async move {
        match api::call(method, &ws_path(&ws, "identity-secret"), Some(&t), None).await {
            Ok(v) => Msg::Done(
                Tab::Embed,
                format!("Identity secret: {}", get_str(&v, "secret")),
            ),
            Err(e) => Msg::Failed(Tab::Embed, explain(&e)),
        }
    });
}

/// Adds a site the Embed view lists as refused to the allowed origins: the settings as they
/// are now, with one more origin.
fn allow_site(app: &Rc<App>, origin: String) {
    let Some((ws, token)) = creds(app) else {
        return;
    };
    spawn(app, ws, token, move |ws, t| async move {
        let path = ws_path(&ws, "settings");
        let saved = async {
            let mut settings = wire::settings(&api::call("GET", &path, Some(&t), None).await?)?;
            if !settings.allowed_origins.contains(&origin) {
                settings.allowed_origins.push(origin.clone());
            }
            let body = crate::json::stringify_js(&wire::settings_js(&settings)).ok();
            api::call("PUT", &path, Some(&t), body).await
        };
        match saved.await {
            Ok(_) => Msg::Done(
                Tab::Embed,
                format!("{origin} is now an allowed origin: its pages show the chat button."),
            ),
            Err(e) => Msg::Failed(Tab::Embed, explain(&e)),
        }
    });
}

/// Removes a site from the Embed view's list (and so from every view's warning).
fn forget_site(app: &Rc<App>, origin: String) {
    let Some((ws, token)) = creds(app) else {
        return;
    };
    spawn(app, ws, token, move |ws, t| async move {
        let mut rest = String::from("sites?origin=");
        rest.push_str(&String::from(js_sys::encode_uri_component(&origin)));
        match api::call("DELETE", &ws_path(&ws, &rest), Some(&t), None).await {
            Ok(_) => Msg::Done(
                Tab::Embed,
                format!("{origin} is no longer listed. It comes back if one of its pages loads the chat again."),
            ),
            Err(e) => Msg::Failed(Tab::Embed, explain(&e)),
        }
    });
}

/// Rotates an endpoint's secret and shows the new one once.
fn hook_secret(app: &Rc<App>, rest: String, endpoint: String, done: &'static str) {
    let Some((ws, token)) = creds(app) else {
        return;
    };
    spawn(app, ws, token, move |ws, t| async move {
        match api::call("POST", &ws_path(&ws, &rest), Some(&t), None).await {
            Ok(v) => Msg::HookSecret(
                hooks::FreshSecret {
                    endpoint,
                    secret: get_str(&v, "secret"),
                },
                done.into(),
            ),
            Err(e) => Msg::Failed(Tab::Webhooks, explain(&e)),
        }
    });
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

fn checked_values(scope: &Element, sel: &str) -> js_sys::Array {
    let arr = js_sys::Array::new();
    if let Ok(list) = scope.query_selector_all(sel) {
        for i in 0..list.length() {
            if let Some(inp) = list
                .get(i)
                .and_then(|n| n.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                if inp.checked() {
                    arr.push(&JsValue::from_str(&inp.value()));
                }
            }
        }
    }
    arr
}

fn input(scope: &Element, sel: &str) -> String {
    scope
        .query_selector(sel)
        .ok()
        .flatten()
        .map(|e| dom::value(&e))
        .unwrap_or_default()
}

fn on_click(app: &Rc<App>, t: &Element, act_name: &str) -> Option<Msg> {
    let id = attr(t, "data-id");
    let seg = |rest: &str| {
        let mut p = String::from(rest);
        p.push_str(&String::from(js_sys::encode_uri_component(&id)));
        p
    };
    if let Some(msg) = designer_events::click(t, act_name) {
        return msg;
    }
    Some(match act_name {
        "tab" => Msg::Show(Tab::from_key(&attr(t, "data-tab"))?),
        "report-days" => Msg::ReportDays(attr(t, "data-days").parse().ok()?),
        "signout" => Msg::SignOut,
        "more-leads" => Msg::MoreLeads,
        "export-leads" => Msg::ExportLeads,
        "open" => Msg::Open(id),
        "edit-dialogue" => Msg::Edit(id),
        "continue-draft" => Msg::Edit(id),
        "discard-draft" => Msg::DiscardDraft(id),
        "new-dialogue" => Msg::NewDialogue,
        "close-editor" => Msg::CloseEditor,
        "check-dialogue" => Msg::CheckDialogue,
        "save-dialogue" => Msg::SaveDialogue,
        "toggle-json" => Msg::ToggleJson,
        "erase-confirm" => Msg::EraseConfirm,
        "erase-cancel" => Msg::EraseCancel,
        "save-agent" => {
            let row = t.closest("tr").ok()??;
            let live = row
                .query_selector("[name=live_chat]")
                .ok()??
                .dyn_into::<web_sys::HtmlInputElement>()
                .ok()?
                .checked();
            let body = obj(&[
                ("live_chat", JsValue::from_bool(live)),
                ("role", JsValue::from_str(&input(&row, "[name=role]"))),
                ("teams", checked_values(&row, "[name=team]").into()),
            ]);
            act(
                app,
                Tab::Agents,
                "PATCH",
                seg("agents/"),
                Some(body),
                "Agent saved.",
            );
            return None;
        }
        "reset-password" => {
            let row = t.closest("tr").ok()??;
            let pw = input(&row, "[name=password]");
            if pw.len() < 8 {
                return Some(Msg::Failed(
                    Tab::Agents,
                    "A new password needs at least 8 characters.".into(),
                ));
            }
            let mut rest = seg("agents/");
            rest.push_str("/password");
            let body = obj(&[("password", JsValue::from_str(&pw))]);
            act(
                app,
                Tab::Agents,
                "POST",
                rest,
                Some(body),
                "Password reset.",
            );
            return None;
        }
        "delete-agent" | "delete-team" => {
            let confirmed = dom::window()
                .ok()?
                .confirm_with_message(&dom::tr("Delete it? This cannot be undone."))
                .unwrap_or(false);
            if confirmed {
                let (rest, done) = if act_name == "delete-agent" {
                    (seg("agents/"), "Agent deleted.")
                } else {
                    (seg("teams/"), "Team deleted.")
                };
                act(app, Tab::Agents, "DELETE", rest, None, done);
            }
            return None;
        }
        "hook-log" => Msg::OpenHookLog(id),
        "delete-canned" => {
            act(
                app,
                Tab::Canned,
                "DELETE",
                seg("canned-replies/"),
                None,
                "Reply deleted.",
            );
            return None;
        }
        "hook-test" => {
            let mut rest = seg("webhooks/");
            rest.push_str("/test");
            act(
                app,
                Tab::Webhooks,
                "POST",
                rest,
                None,
                "Test event sent. Open the delivery log to see how it went.",
            );
            return None;
        }
        "hook-toggle" => {
            let on = attr(t, "data-enable") == "true";
            let body = obj(&[("enabled", JsValue::from_bool(on))]);
            let done = if on {
                "Endpoint enabled."
            } else {
                "Endpoint disabled."
            };
            act(
                app,
                Tab::Webhooks,
                "PATCH",
                seg("webhooks/"),
                Some(body),
                done,
            );
            return None;
        }
        "hook-delete" => {
            let confirmed = dom::window()
                .ok()?
                .confirm_with_message(&dom::tr(
                    "Delete this endpoint and its delivery log? This cannot be undone.",
                ))
                .unwrap_or(false);
            if confirmed {
                act(
                    app,
                    Tab::Webhooks,
                    "DELETE",
                    seg("webhooks/"),
                    None,
                    "Endpoint deleted.",
                );
            }
            return None;
        }
        "hook-rotate" => {
            let confirmed = dom::window()
                .ok()?
                .confirm_with_message(&dom::tr(
                    "Make a new signing secret? The current one stops working at once.",
                ))
                .unwrap_or(false);
            if confirmed {
                let mut rest = seg("webhooks/");
                rest.push_str("/secret");
                hook_secret(app, rest, id, "New signing secret made.");
            }
            return None;
        }
        "hook-again" => {
            let mut rest = seg("webhooks/");
            rest.push_str("/deliveries/");
            rest.push_str(&attr(t, "data-delivery"));
            rest.push_str("/retry");
            act(
                app,
                Tab::Webhooks,
                "POST",
                rest,
                None,
                "Sent again; the log shows the new attempt.",
            );
            return None;
        }
        "copy-secret" => {
            let doc = dom::document().ok()?;
            let text = doc.get_element_by_id("webhook-secret")?.text_content()?;
            let _ = dom::window()
                .ok()?
                .navigator()
                .clipboard()
                .write_text(&text);
            if let Some(s) = doc.get_element_by_id("secret-status") {
                dom::set_text(&s, "Copied to the clipboard.");
            }
            return None;
        }
        "idv-show" => {
            identity_secret(app, "GET");
            return None;
        }
        "idv-rotate" => {
            let confirmed = dom::window()
                .ok()?
                .confirm_with_message(
                    &dom::tr("Make a new identity secret? Hashes made with the current one stop verifying at once."),
                )
                .unwrap_or(false);
            if confirmed {
                identity_secret(app, "POST");
            }
            return None;
        }
        "allow-site" => {
            allow_site(app, attr(t, "data-origin"));
            return None;
        }
        "forget-site" => {
            forget_site(app, attr(t, "data-origin"));
            return None;
        }
        "copy-snippet" => {
            let doc = dom::document().ok()?;
            let text = doc.get_element_by_id("snippet")?.text_content()?;
            let _ = dom::window()
                .ok()?
                .navigator()
                .clipboard()
                .write_text(&text);
            if let Some(s) = doc.get_element_by_id("copy-status") {
                dom::set_text(&s, "Copied to the clipboard.");
            }
            return None;
        }
        _ => return None,
    })
}

fn on_submit(app: &Rc<App>, form: &Element) -> Option<Msg> {
    let v = |n: &str| input(form, &format!("[name={n}]"));
    match attr(form, "data-form").as_str() {
        "signin" => Some(Msg::SignIn {
            workspace: v("workspace"),
            email: v("email"),
            password: v("password"),
            key: v("key"),
        }),
        "erase" => Some(Msg::EraseAsk(v("by"), v("target"))),
        "leads" => Some(Msg::LeadQuery(leads::query_of(form))),
        "new-agent" => {
            if !looks_like_email(v("email").trim()) {
                let why = "Please enter a valid email address.".to_owned();
                return Some(Msg::Failed(Tab::Agents, why));
            }
            let live = v("live_chat") == "true";
            let body = obj(&[
                ("name", JsValue::from_str(&v("name"))),
                ("email", JsValue::from_str(v("email").trim())),
                ("password", JsValue::from_str(&v("password"))),
                ("role", JsValue::from_str(&v("role"))),
                ("live_chat", JsValue::from_bool(live)),
                ("teams", checked_values(form, "[name=team]").into()),
            ]);
            act(
                app,
                Tab::Agents,
                "POST",
                "agents".into(),
                Some(body),
                "Agent added.",
            );
            None
        }
        "team" => {
            let id = form.get_attribute("data-id")?;
            let hours = match hours_form::read(form) {
                Ok(Some(h)) => wire::hours_js(&h),
                Ok(None) => JsValue::NULL,
                Err(why) => return Some(Msg::Failed(Tab::Agents, why)),
            };
            let mut rest = String::from("teams/");
            rest.push_str(&String::from(js_sys::encode_uri_component(&id)));
            let body = obj(&[
                ("name", JsValue::from_str(&v("name"))),
                ("business_hours", hours),
            ]);
            act(app, Tab::Agents, "PUT", rest, Some(body), "Team saved.");
            None
        }
        "new-canned" => {
            let body = obj(&[
                ("shortcut", JsValue::from_str(v("shortcut").trim())),
                ("text", JsValue::from_str(&v("text"))),
                ("scope", JsValue::from_str("workspace")),
            ]);
            let rest = "canned-replies".into();
            act(app, Tab::Canned, "POST", rest, Some(body), "Reply added.");
            None
        }
        "new-webhook" => {
            let body = obj(&[
                ("url", JsValue::from_str(v("url").trim())),
                ("description", JsValue::from_str(v("description").trim())),
                ("events", checked_values(form, "[name=event]").into()),
            ]);
            let (ws, token) = creds(app)?;
            spawn(app, ws, token, move |ws, t| async move {
                let body = crate::json::stringify_js(&body).ok();
                match api::call("POST", &ws_path(&ws, "webhooks"), Some(&t), body).await {
                    Ok(v) => Msg::HookSecret(
                        hooks::FreshSecret {
                            endpoint: get_str(&get(&v, "endpoint"), "id"),
                            secret: get_str(&v, "secret"),
                        },
                        "Endpoint added. Copy its signing secret now: it is shown only once."
                            .into(),
                    ),
                    Err(e) => Msg::Failed(Tab::Webhooks, explain(&e)),
                }
            });
            None
        }
        "new-team" => {
            let mut rest = String::from("teams/");
            rest.push_str(&String::from(js_sys::encode_uri_component(v("id").trim())));
            let body = obj(&[("name", JsValue::from_str(&v("name")))]);
            act(app, Tab::Agents, "PUT", rest, Some(body), "Team saved.");
            None
        }
        "settings" => {
            let base = app.inner.try_borrow().ok()?.model.settings.clone()?;
            let mut settings = settings_from(form, &base);
            match hours_form::read(form) {
                Ok(hours) => settings.business_hours = hours,
                Err(why) => return Some(Msg::Failed(Tab::Settings, why)),
            }
            // Core's own checks (email rule included) before the server repeats them; the
            // server alone checks business hours (their tz database stays out of this page).
            if let Err(issues) = settings.validate_except_hours() {
                return Some(Msg::Failed(Tab::Settings, issues.join("; ")));
            }
            act(
                app,
                Tab::Settings,
                "PUT",
                "settings".into(),
                Some(wire::settings_js(&settings)),
                "Settings saved.",
            );
            None
        }
        _ => None,
    }
}

fn listen(app: &Rc<App>, root: &Element) -> Res<()> {
    let a = app.clone();
    on(root, "click", move |e| {
        let Some((t, name)) = action(&e) else { return };
        if let Some(msg) = on_click(&a, &t, &name) {
            dispatch(&a, msg);
        }
    })?;
    let a = app.clone();
    on(root, "submit", move |e| {
        e.prevent_default();
        let Some(form) = dom::target(&e) else { return };
        if let Some(msg) = on_submit(&a, &form) {
            dispatch(&a, msg);
        }
    })?;
    for kind in ["input", "change"] {
        let a = app.clone();
        on(root, kind, move |e| {
            let Some(t) = dom::target(&e) else { return };
            let is_select_or_check = t.tag_name() == "SELECT" || attr(&t, "type") == "checkbox";
            // Text fields update on input; selects and checkboxes on change (once).
            if (e.type_() == "input") == is_select_or_check {
                return;
            }
            if let Some(path) = t.get_attribute("data-bind") {
                dispatch(&a, Msg::Bind(path, dom::value(&t)));
            } else if t.get_attribute("data-bind-msg").as_deref() == Some("filter") {
                dispatch(&a, Msg::Filter(dom::value(&t)));
            } else if let Some(msg) = designer_events::input(&t) {
                dispatch(&a, msg);
            }
        })?;
    }
    designer_events::listen(app, root)?;
    // Arrow keys move between tabs.
    let a = app.clone();
    on(root, "keydown", move |e| {
        let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
            return;
        };
        let Some(t) = dom::target(&e) else { return };
        if attr(&t, "role") != "tab" || !matches!(k.key().as_str(), "ArrowLeft" | "ArrowRight") {
            return;
        }
        let i = Tab::ALL
            .iter()
            .position(|x| x.key() == attr(&t, "data-tab"))
            .unwrap_or(0);
        let n = Tab::ALL.len();
        let next = if k.key() == "ArrowLeft" {
            (i + n - 1) % n
        } else {
            (i + 1) % n
        };
        let tab = Tab::ALL[next];
        dispatch(&a, Msg::Show(tab));
        if let Ok(Some(b)) =
            dom::document().map(|d| d.get_element_by_id(&format!("tab-{}", tab.key())))
        {
            dom::focus(&b);
        }
    })?;
    Ok(())
}
