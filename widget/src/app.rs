//! The shell around `update`: owns the model, the view and the socket; turns DOM events into
//! messages and effects into browser calls.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use parlor_core::client::{push_hex, push_hex_bytes};
use parlor_core::{ButtonId, CardId, Millis};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Event, ShadowRoot};

use crate::dom::on;
use crate::error::{log, WidgetError};
use crate::i18n::Lang;
use crate::model::{Effect, Focus, Model, Msg};
use crate::socket::Socket;
use crate::storage::{self, START_KEY, TOKEN};
use crate::text::ws_url;
use crate::update::update;
use crate::view::View;
use crate::wire::{client_msg as encode, field, object};

/// How long after the last keystroke the widget says it stopped typing.
const TYPING_IDLE_MS: i32 = 3_000;

/// Live runs effects against the network; Record keeps them for tests (the `record` feature,
/// on only in this crate's tests, so the page's bundle carries none of it).
pub enum Mode {
    Live,
    #[cfg(feature = "record")]
    Record,
}

/// The widget on the page: made once at `mount` and kept for the page's lifetime (leaked), so
/// every listener, timer and callback holds a plain `&'static` to it: no reference count, and
/// no code to tear the widget down, which never happens.
pub struct Shell {
    inner: RefCell<Inner>,
    /// Messages waiting their turn, oldest first (a few at most: a `Vec`, not a `VecDeque`).
    queue: RefCell<Vec<Msg>>,
    busy: Cell<bool>,
}

/// The widget as the page's lifetime holds it.
pub type Sh = &'static Shell;

/// A mounted widget, for the test hooks.
pub struct App(pub(crate) Sh);

struct Inner {
    model: Model,
    view: View,
    socket: Option<Socket>,
    workspace: String,
    base: String,
    /// The loader's config: `emit(name, detail)` tells the host page (`Effect::Emit`), and
    /// `identity` is who the page says the visitor is (`Parlor('identify')`), read at each start.
    config: JsValue,
    #[cfg(feature = "record")]
    mode: Mode,
    /// Record mode: every effect, and every frame that would have been sent (as JSON).
    #[cfg(feature = "record")]
    effects: Vec<Effect>,
    #[cfg(feature = "record")]
    sent: Vec<String>,
}

/// Builds the widget in `root` and runs `Msg::Init`: on the page in a task of its own, so the
/// frame, then the first render with its requests, each stay well under 50 ms on a slow machine.
pub fn start(
    root: ShadowRoot,
    workspace: String,
    base: String,
    open: bool,
    look: crate::model::WidgetSettings,
    config: JsValue,
    mode: Mode,
) -> Result<Sh, WidgetError> {
    #[cfg(not(feature = "record"))]
    let Mode::Live = mode;
    // Tests (Record mode) read the first render at once.
    let init_now = !matches!(mode, Mode::Live);
    let page_lang = Lang::from_tag(
        &crate::wire::field(&crate::dom::global("navigator"), "language").unwrap_or_default(),
    );
    let mut nonce = String::new();
    push_hex(
        &mut nonce,
        (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64,
    );
    let mut model = Model::new(storage::load(&workspace, TOKEN), page_lang, nonce);
    model.start_base = random_hex128();
    model.start_key = storage::load(&workspace, START_KEY);
    model.open = open;
    crate::update::apply_look(&mut model, look);
    let view = View::build(&root, &base)?;
    view.frame(&model);
    let app: Sh = Box::leak(Box::new(Shell {
        inner: RefCell::new(Inner {
            model,
            view,
            socket: None,
            workspace,
            base,
            config,
            #[cfg(feature = "record")]
            mode,
            #[cfg(feature = "record")]
            effects: Vec::new(),
            #[cfg(feature = "record")]
            sent: Vec::new(),
        }),
        queue: RefCell::new(Vec::new()),
        busy: Cell::new(false),
    }));
    listen(app, &root);
    if init_now {
        dispatch(app, Msg::Init);
    } else {
        later(app, 0, Msg::Init);
    }
    Ok(app)
}

/// Feeds one message through `update`, renders, then runs the effects. Messages raised while
/// this runs (by effects or events) are queued and handled in order, never re-entrantly.
pub fn dispatch(app: Sh, msg: Msg) {
    app.queue.borrow_mut().push(msg);
    if app.busy.replace(true) {
        return;
    }
    loop {
        let next = {
            let mut q = app.queue.borrow_mut();
            (!q.is_empty()).then(|| q.remove(0))
        };
        let Some(msg) = next else { break };
        let Ok(mut inner) = app.inner.try_borrow_mut() else {
            break;
        };
        inner.model.now = Millis(js_sys::Date::now() as u64);
        let effects = update(&mut inner.model, msg);
        let inner = &mut *inner;
        inner.view.render(&inner.model);
        for fx in effects {
            if let Err(e) = run(app, inner, fx) {
                log(e);
            }
        }
    }
    app.busy.set(false);
}

fn run(app: Sh, inner: &mut Inner, fx: Effect) -> Result<(), WidgetError> {
    #[cfg(feature = "record")]
    if let Mode::Record = inner.mode {
        inner.effects.push(fx.clone());
        match &fx {
            Effect::Send(msg) => {
                inner.sent.push(encode(msg)?);
                return Ok(());
            }
            Effect::Focus(_)
            | Effect::Announce(_)
            | Effect::ClearComposer
            | Effect::StoreToken(_)
            | Effect::ClearToken
            | Effect::ForgetStartKey => {}
            _ => return Ok(()),
        }
    }
    match fx {
        // Each request is built and sent in a task of its own (see `timer`).
        Effect::Start { token, key } => {
            storage::save(&inner.workspace, START_KEY, &key);
            let (a, base, ws) = (app, inner.base.clone(), inner.workspace.clone());
            let identity = crate::wire::object(&inner.config, "identity");
            timer(
                0,
                Box::new(move || {
                    crate::http::start(a, &base, &ws, token.as_deref(), &key, identity)
                }),
            );
        }
        Effect::FetchAvailability => {
            // The loader names the address of its read (`availability` of the config).
            if let Some(url) = crate::wire::field(&inner.config, "availability") {
                timer(0, Box::new(move || crate::http::availability(app, &url)));
            }
        }
        Effect::Connect => {
            inner.socket = None;
            let token = inner.model.token.as_deref().unwrap_or_default();
            let url = ws_url(
                &inner.base,
                &String::from(js_sys::encode_uri_component(token)),
            );
            match Socket::open(app, &url) {
                Ok(s) => inner.socket = Some(s),
                Err(e) => {
                    log(e);
                    app.queue
                        .borrow_mut()
                        .push(Msg::SocketClosed { code: 1006 });
                }
            }
        }
        Effect::CloseSocket => inner.socket = None,
        Effect::Send(msg) => {
            if let Some(s) = &inner.socket {
                s.send(&encode(&msg)?)?;
            }
        }
        Effect::ScheduleReconnect { at } => {
            let ms = at.since(inner.model.now).as_u64().min(i32::MAX as u64) as i32;
            later(app, ms, Msg::Reconnect);
        }
        Effect::TypingTimer { gen } => later(app, TYPING_IDLE_MS, Msg::TypingIdle { gen }),
        Effect::Second(since) => later(app, 1000, Msg::Second(since)),
        Effect::StoreToken(t) => storage::save(&inner.workspace, TOKEN, &t),
        Effect::ClearToken => storage::clear(&inner.workspace, TOKEN),
        Effect::ForgetStartKey => storage::clear(&inner.workspace, START_KEY),
        Effect::Focus(f) => focus(app, inner, f),
        Effect::Announce(s) => inner.view.announce(&s),
        Effect::ClearComposer => inner.view.clear_composer(),
        Effect::Emit(name, detail) => {
            crate::dom::emit(&crate::wire::object(&inner.config, "emit"), name, detail)
        }
    }
    Ok(())
}

/// Moves keyboard focus, on the page in a task of its own: focusing makes the browser lay the
/// panel out, the costliest step of a render (the first time: tens of ms on a slow machine).
fn focus(app: Sh, inner: &Inner, f: Focus) {
    #[cfg(feature = "record")]
    if let Mode::Record = inner.mode {
        return inner.view.focus(&inner.model, &f);
    }
    let _ = inner;
    let a = app;
    timer(
        0,
        Box::new(move || {
            if let Ok(i) = a.inner.try_borrow() {
                i.view.focus(&i.model, &f);
            }
        }),
    );
}

/// Dispatches `msg` after `ms` milliseconds.
fn later(app: Sh, ms: i32, msg: Msg) {
    let a = app;
    timer(ms, Box::new(move || dispatch(a, msg)));
}

/// Runs `f` after `ms` milliseconds, in a task of its own. The widget's start is cut this way
/// (frame, first render, each request, each focus move) so that no task of the page passes
/// 50 ms on a slow machine. (Boxed: one closure type for every timer, so one set of shims.)
fn timer(ms: i32, f: Box<dyn FnOnce()>) {
    let cb = Closure::once_into_js(move |_: JsValue| f());
    crate::dom::set_timeout(&cb, ms);
}

/// One listener per event type on the shadow root (event delegation via `data-act`).
fn listen(app: Sh, root: &ShadowRoot) {
    let a = app;
    on(root, "click", move |e| {
        let Some(t) = target(&e).and_then(|t| crate::dom::closest(&t, "[data-act]")) else {
            return;
        };
        let attr = |n: &str| t.get_attribute(n).unwrap_or_default();
        let msg = match attr("data-act").as_str() {
            "toggle" => Msg::Toggle,
            "close" => Msg::Close,
            "answer" => Msg::Answer {
                card: CardId(attr("data-card")),
                button: ButtonId(attr("data-button")),
            },
            "send" => Msg::Say {
                text: a.composer_text(),
            },
            "end" => Msg::End,
            "restart" => Msg::Restart,
            "retry" => Msg::Retry,
            _ => return,
        };
        dispatch(a, msg);
    });
    let a = app;
    on(root, "submit", move |e| {
        e.prevent_default();
        let Some(form) = target(&e) else { return };
        let card = form.get_attribute("data-card").unwrap_or_default();
        let mut values = BTreeMap::new();
        let inputs = crate::dom::all(&form, "input[name]");
        for i in 0..inputs.length() {
            let input = inputs.get(i).map(JsValue::from).unwrap_or_default();
            if let (Some(k), Some(v)) = (field(&input, "name"), field(&input, "value")) {
                values.insert(k, v);
            }
        }
        dispatch(
            a,
            Msg::Submit {
                card: CardId(card),
                values,
            },
        );
    });
    let a = app;
    on(root, "keydown", move |e| {
        // Read as properties: anything but a KeyboardEvent has no `key`.
        let key = field(&e, "key");
        let held = |k: &str| object(&e, k).as_bool().unwrap_or(false);
        if key.as_deref() == Some("Escape") {
            dispatch(a, Msg::Close);
        } else if key.as_deref() == Some("Enter")
            && !held("shiftKey")
            && !held("isComposing")
            && is_composer(&e)
        {
            e.prevent_default();
            dispatch(
                a,
                Msg::Say {
                    text: a.composer_text(),
                },
            );
        }
    });
    let a = app;
    on(root, "input", move |e| {
        if is_composer(&e) {
            dispatch(
                a,
                Msg::Draft {
                    empty: crate::text::trim(&a.composer_text()).is_empty(),
                },
            );
        }
    });
}

fn target(e: &Event) -> Option<Element> {
    e.target().and_then(|t| t.dyn_into::<Element>().ok())
}

fn is_composer(e: &Event) -> bool {
    target(e).is_some_and(|t| t.get_attribute("data-act").as_deref() == Some("draft"))
}

impl Shell {
    fn composer_text(&self) -> String {
        self.inner
            .try_borrow()
            .map(|i| i.view.composer_text())
            .unwrap_or_default()
    }
}

impl App {
    /// Test hook: the model as it is now.
    #[cfg(feature = "record")]
    pub fn model(&self) -> Option<Model> {
        self.0.inner.try_borrow().ok().map(|i| i.model.clone())
    }

    /// Test hook (Record mode): effects run so far, and frames that would have been sent.
    #[cfg(feature = "record")]
    pub fn recorded(&self) -> (Vec<Effect>, Vec<String>) {
        self.0
            .inner
            .try_borrow()
            .map(|i| (i.effects.clone(), i.sent.clone()))
            .unwrap_or_default()
    }

    /// Test hook: feed a server frame as it would arrive on the socket.
    #[cfg(feature = "record")]
    pub fn server_frame(&self, json: &str) -> Result<(), wasm_bindgen::JsValue> {
        let msg = crate::wire::server_msg(json)?;
        dispatch(self.0, Msg::Server(msg));
        Ok(())
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `crypto.getRandomValues`: never throws for an array of at most 65,536 bytes, and is
    /// there on pages served over plain HTTP too.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]);
}

/// 128 bits from the browser's CSPRNG, as 32 hex digits: the base of this page's start keys,
/// which only this page and the server ever see.
fn random_hex128() -> String {
    let mut bytes = [0u8; 16];
    get_random_values(&mut bytes);
    let mut s = String::with_capacity(32);
    push_hex_bytes(&mut s, &bytes);
    s
}
