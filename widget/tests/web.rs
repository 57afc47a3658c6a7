//! The widget in a real (headless) browser: rendering, safety, dedupe, the offline queue, and the
//! hand-written JSON decoder against core's serde.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;
use std::rc::Rc;

use parlor_core::client::Link;
use parlor_core::dialogue::{Button, Card, CardKind, FieldKind, FieldSpec};
use parlor_core::protocol::{
    AgentProfile, ChatClientMsg, ChatServerMsg, ConversationView, FallbackKind, FieldError, Side,
    TranscriptEntry, TranscriptEvent,
};
use parlor_core::routing::Routing;
use parlor_core::{ButtonId, CardId, ConversationId, Millis};
use parlor_widget::model::{Msg, WidgetSettings};
use parlor_widget::{dispatch, mount_recording, wire, App};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{
    Element, HtmlElement, HtmlFormElement, HtmlInputElement, HtmlTextAreaElement, ShadowRoot,
};

wasm_bindgen_test_configure!(run_in_browser);

fn root() -> ShadowRoot {
    let doc = web_sys::window().unwrap().document().unwrap();
    let host = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&host).unwrap();
    host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
        .unwrap()
}

/// A widget that is open, started and connected (welcome received), with nothing in it yet.
fn connected(ws: &str) -> (ShadowRoot, Rc<App>) {
    let r = root();
    let app = mount_recording(r.clone(), ws, true).unwrap();
    dispatch(
        &app,
        Msg::Started {
            conversation: ConversationId::new("c1"),
            token: "tok".into(),
            widget: WidgetSettings::default(),
        },
    );
    dispatch(&app, Msg::SocketOpened);
    server(
        &app,
        ChatServerMsg::Welcome {
            conversation: ConversationView {
                id: ConversationId::new("c1"),
                last_seq: 0,
                closed: false,
            },
        },
    );
    (r, app)
}

/// Sends a server message the way the socket does: core's serde JSON → the widget's decoder.
fn server(app: &Rc<App>, msg: ChatServerMsg) {
    app.server_frame(&serde_json::to_string(&msg).unwrap())
        .unwrap();
}

fn entry(app: &Rc<App>, seq: u64, event: TranscriptEvent) {
    server(
        app,
        ChatServerMsg::Entry {
            entry: TranscriptEntry {
                seq,
                at: Millis(1_700_000_000_000),
                event,
            },
        },
    );
}

fn card(id: &str, kind: CardKind) -> TranscriptEvent {
    TranscriptEvent::Card {
        prefill: Default::default(),
        card: Card {
            id: CardId::new(id),
            kind,
        },
    }
}

fn all(r: &ShadowRoot, sel: &str) -> Vec<Element> {
    let list = r.query_selector_all(sel).unwrap();
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|n| n.unchecked_into())
        .collect()
}

fn one(r: &ShadowRoot, sel: &str) -> Element {
    r.query_selector(sel)
        .unwrap()
        .unwrap_or_else(|| panic!("no {sel}"))
}

fn texts(r: &ShadowRoot, sel: &str) -> Vec<String> {
    all(r, sel)
        .iter()
        .map(|e| e.text_content().unwrap_or_default())
        .collect()
}

fn visible(e: &Element) -> bool {
    !e.unchecked_ref::<HtmlElement>().hidden()
}

fn agent_msg(text: &str) -> TranscriptEvent {
    TranscriptEvent::Message {
        from: Side::Agent,
        text: text.into(),
        client_id: String::new(),
    }
}

fn join(app: &Rc<App>, seq: u64, avatar: Option<&str>) {
    entry(app, seq, TranscriptEvent::LiveChatRequested);
    entry(
        app,
        seq + 1,
        TranscriptEvent::AgentJoined {
            agent: AgentProfile {
                name: "Ana".into(),
                avatar_url: avatar.map(Into::into),
            },
        },
    );
}

fn sent(app: &Rc<App>) -> Vec<ChatClientMsg> {
    app.recorded()
        .1
        .iter()
        .map(|s| serde_json::from_str(s).unwrap())
        .collect()
}

fn press_enter(r: &ShadowRoot, text: &str) {
    let ta: HtmlTextAreaElement = one(r, "textarea").unchecked_into();
    ta.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    ta.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    let k = web_sys::KeyboardEventInit::new();
    k.set_key("Enter");
    k.set_bubbles(true);
    k.set_cancelable(true);
    ta.dispatch_event(
        &web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &k).unwrap(),
    )
    .unwrap();
}

#[wasm_bindgen_test]
fn renders_every_card_kind_and_live_chat() {
    let (r, app) = connected("render");
    assert!(visible(&one(&r, ".pn")));
    assert_eq!(
        one(&r, ".ln").get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    entry(
        &app,
        1,
        card(
            "m1",
            CardKind::Message {
                text: "Welcome!".into(),
            },
        ),
    );
    let buttons = vec![
        Button {
            id: ButtonId::new("yes"),
            label: "Yes please".into(),
            goto: None,
        },
        Button {
            id: ButtonId::new("no"),
            label: "No".into(),
            goto: Some("other".into()),
        },
    ];
    entry(
        &app,
        2,
        card(
            "q1",
            CardKind::Question {
                when_unavailable: None,
                text: "Talk to sales?".into(),
                buttons,
            },
        ),
    );
    let q: Vec<Element> = all(&r, ".bt button");
    assert_eq!(q.len(), 2);
    assert_eq!(q[0].text_content().as_deref(), Some("Yes please"));
    // Focus moved to the new card's first control.
    assert_eq!(
        r.active_element().map(|e| e.text_content()),
        Some(Some("Yes please".into()))
    );

    q[0].unchecked_ref::<HtmlElement>().click();
    assert_eq!(
        sent(&app).last(),
        Some(&ChatClientMsg::Answer {
            card: CardId::new("q1"),
            button: ButtonId::new("yes")
        })
    );
    entry(
        &app,
        3,
        TranscriptEvent::Answered {
            card: CardId::new("q1"),
            button: ButtonId::new("yes"),
            label: "Yes please".into(),
        },
    );
    assert!(all(&r, ".bt button")
        .iter()
        .all(|b| b.has_attribute("disabled")));
    assert_eq!(q[0].get_attribute("aria-pressed").as_deref(), Some("true"));
    assert!(texts(&r, ".b.me").contains(&"Yes please".to_string()));

    let f = |key: &str, kind, required| FieldSpec {
        key: key.into(),
        kind,
        label: key.to_uppercase(),
        required,
    };
    entry(
        &app,
        4,
        card(
            "f1",
            CardKind::InfoCapture {
                text: "About you".into(),
                fields: vec![
                    f("first_name", FieldKind::FirstName, true),
                    f("email", FieldKind::Email, true),
                    f("company", FieldKind::Company, false),
                ],
            },
        ),
    );
    let labels = all(&r, "form label");
    assert_eq!(labels.len(), 3);
    for l in &labels {
        let input = one(&r, &format!("#{}", l.get_attribute("for").unwrap()));
        assert_eq!(input.tag_name(), "INPUT");
    }
    assert_eq!(all(&r, "form .rq").len(), 2, "required marks");
    assert_eq!(
        one(&r, "input[name=email]")
            .get_attribute("type")
            .as_deref(),
        Some("email")
    );

    // Local validation, then the server's.
    let form: HtmlFormElement = one(&r, "form").unchecked_into();
    form.request_submit().unwrap();
    assert_eq!(texts(&r, ".er").iter().filter(|t| !t.is_empty()).count(), 2);
    assert_eq!(
        one(&r, "input[name=first_name]")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    one(&r, "input[name=first_name]")
        .unchecked_into::<HtmlInputElement>()
        .set_value("Ann");
    one(&r, "input[name=email]")
        .unchecked_into::<HtmlInputElement>()
        .set_value("ann@example.com");
    form.request_submit().unwrap();
    let mut values = BTreeMap::new();
    values.insert("email".to_string(), "ann@example.com".to_string());
    values.insert("first_name".to_string(), "Ann".to_string());
    assert_eq!(
        sent(&app).last(),
        Some(&ChatClientMsg::Capture {
            card: CardId::new("f1"),
            values: values.clone()
        })
    );
    server(
        &app,
        ChatServerMsg::Invalid {
            card: CardId::new("f1"),
            errors: vec![FieldError {
                key: "email".into(),
                message: "Unknown domain".into(),
            }],
        },
    );
    assert!(texts(&r, ".er").contains(&"Unknown domain".to_string()));
    entry(
        &app,
        5,
        TranscriptEvent::Captured {
            card: CardId::new("f1"),
            values,
        },
    );
    assert!(all(&r, "form input")
        .iter()
        .all(|i| i.has_attribute("disabled")));
    assert!(texts(&r, ".er").iter().all(|t| t.is_empty()));

    entry(
        &app,
        6,
        card(
            "l1",
            CardKind::LiveChat {
                text: "Let me find someone".into(),
                routing: Routing::RoundRobin,
                when_unavailable: None,
            },
        ),
    );
    entry(&app, 7, TranscriptEvent::LiveChatRequested);
    assert!(visible(&one(&r, ".wt")));
    assert!(one(&r, ".wt")
        .text_content()
        .unwrap()
        .contains("Waiting for an agent"));
    assert!(
        visible(&one(&r, ".cp")),
        "the visitor can write while waiting: the agent who accepts reads it"
    );
    entry(
        &app,
        8,
        TranscriptEvent::AgentJoined {
            agent: AgentProfile {
                name: "Ana".into(),
                avatar_url: Some("https://cdn.example/a.png".into()),
            },
        },
    );
    assert!(!visible(&one(&r, ".wt")));
    assert!(visible(&one(&r, ".cp")));
    assert_eq!(one(&r, ".tt").text_content().as_deref(), Some("Ana"));
    let img = one(&r, ".hd img");
    assert_eq!(img.get_attribute("alt").as_deref(), Some("Ana"));
    assert_eq!(
        img.get_attribute("src").as_deref(),
        Some("https://cdn.example/a.png")
    );
    assert_eq!(
        r.active_element().map(|e| e.tag_name()),
        Some("TEXTAREA".into())
    );

    server(
        &app,
        ChatServerMsg::Typing {
            from: Side::Agent,
            on: true,
        },
    );
    assert!(visible(&one(&r, ".ty")));
    entry(&app, 9, agent_msg("Hi, how can I help?"));
    assert!(!visible(&one(&r, ".ty")));
    assert_eq!(
        one(&r, "[aria-live=polite]").text_content().as_deref(),
        Some("Ana: Hi, how can I help?")
    );
    let last = all(&r, ".b").pop().unwrap();
    assert!(last.text_content().unwrap().contains("Hi, how can I help?"));
    // The visitor's locale and clock, as Intl.DateTimeFormat formats hours and minutes.
    let opts = js_sys::Object::new();
    js_sys::Reflect::set(&opts, &"hour".into(), &"numeric".into()).unwrap();
    js_sys::Reflect::set(&opts, &"minute".into(), &"2-digit".into()).unwrap();
    let intl = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &opts);
    let at = js_sys::Date::new(&JsValue::from_f64(1_700_000_000_000.0));
    let expected = intl.format().call1(&JsValue::NULL, &at).unwrap();
    assert_eq!(
        last.query_selector(".tm").unwrap().unwrap().text_content(),
        expected.as_string(),
    );
    assert!(visible(&one(&r, "[data-act=end]")));

    entry(&app, 10, TranscriptEvent::Expired);
    assert!(
        texts(&r, ".sy").contains(&"This conversation has ended due to inactivity.".to_string())
    );
    assert!(!visible(&one(&r, ".cp")));
    assert!(visible(&one(&r, "[data-act=restart]")));
}

#[wasm_bindgen_test]
fn fallback_and_ended_are_shown() {
    let (r, app) = connected("fallback");
    entry(&app, 1, TranscriptEvent::LiveChatRequested);
    entry(
        &app,
        2,
        TranscriptEvent::Fallback {
            kind: FallbackKind::LiveChat,
            text: "We'll email you soon.".into(),
            visitor_away: false,
        },
    );
    assert!(texts(&r, ".b").contains(&"We'll email you soon.".to_string()));
    assert!(!visible(&one(&r, ".wt")));

    let (r, app) = connected("ended");
    join(&app, 1, None);
    assert!(
        all(&r, ".hd img").iter().all(|i| !visible(i)),
        "no avatar url: no image"
    );
    one(&r, "[data-act=end]")
        .unchecked_into::<HtmlElement>()
        .click();
    assert_eq!(sent(&app).last(), Some(&ChatClientMsg::End));
    entry(
        &app,
        3,
        TranscriptEvent::Ended {
            by: Side::Agent,
            visitor_away: false,
        },
    );
    assert!(texts(&r, ".sy").contains(&"The agent ended the chat.".to_string()));
}

const XSS: &str = "<img src=x onerror=alert(1)><script>alert(2)</script>";

#[wasm_bindgen_test]
fn server_text_is_inert() {
    let (r, app) = connected("xss");
    entry(&app, 1, card("m1", CardKind::Message { text: XSS.into() }));
    let buttons = vec![Button {
        id: ButtonId::new("b\"><img src=x>"),
        label: XSS.into(),
        goto: None,
    }];
    entry(
        &app,
        2,
        card(
            "q\"><img src=x>",
            CardKind::Question {
                when_unavailable: None,
                text: XSS.into(),
                buttons,
            },
        ),
    );
    entry(&app, 3, TranscriptEvent::LiveChatRequested);
    entry(
        &app,
        4,
        TranscriptEvent::AgentJoined {
            agent: AgentProfile {
                name: XSS.into(),
                avatar_url: Some("javascript:alert(1)".into()),
            },
        },
    );
    entry(&app, 5, agent_msg(XSS));
    entry(
        &app,
        6,
        TranscriptEvent::Message {
            from: Side::Visitor,
            text: XSS.into(),
            client_id: "x".into(),
        },
    );
    entry(
        &app,
        7,
        TranscriptEvent::Fallback {
            kind: FallbackKind::Global,
            text: XSS.into(),
            visitor_away: false,
        },
    );
    // The only <img> elements are the header avatar slot, never shown for a javascript: URL.
    let imgs = all(&r, "img");
    assert_eq!(imgs.len(), 1);
    assert!(!visible(&imgs[0]) && !imgs[0].has_attribute("src"));
    assert!(all(&r, "script").is_empty());
    let shown = texts(&r, ".b").iter().filter(|t| t.contains(XSS)).count();
    assert!(shown >= 5, "payload shown as text ({shown})");
    assert_eq!(one(&r, ".bt button").text_content().as_deref(), Some(XSS));
}

#[wasm_bindgen_test]
fn only_http_links_in_agent_messages_are_links() {
    let (r, app) = connected("links");
    join(&app, 1, None);
    entry(
        &app,
        3,
        agent_msg(
            "See https://example.com/pricing?x=1. Or javascript:alert(1) or data:text/html,x",
        ),
    );
    let links = all(&r, "a");
    assert_eq!(links.len(), 1);
    let a = &links[0];
    assert_eq!(
        a.get_attribute("href").as_deref(),
        Some("https://example.com/pricing?x=1")
    );
    assert_eq!(
        a.get_attribute("rel").as_deref(),
        Some("noopener noreferrer nofollow")
    );
    assert_eq!(a.get_attribute("target").as_deref(), Some("_blank"));
    entry(&app, 4, agent_msg("javascript:alert(document.cookie)"));
    entry(
        &app,
        5,
        TranscriptEvent::Message {
            from: Side::Visitor,
            text: "mine https://example.org".into(),
            client_id: "v".into(),
        },
    );
    assert_eq!(
        all(&r, "a").len(),
        1,
        "no link for javascript:, none in visitor text"
    );
}

#[wasm_bindgen_test]
fn each_seq_renders_once() {
    let (r, app) = connected("dedupe");
    join(&app, 1, None);
    for _ in 0..3 {
        entry(&app, 3, agent_msg("once"));
    }
    entry(
        &app,
        2,
        TranscriptEvent::AgentJoined {
            agent: AgentProfile {
                name: "Ana".into(),
                avatar_url: None,
            },
        },
    );
    assert_eq!(
        texts(&r, ".b")
            .iter()
            .filter(|t| t.contains("once"))
            .count(),
        1
    );
    assert_eq!(texts(&r, ".sy").len(), 1);
}

#[wasm_bindgen_test]
fn offline_messages_are_queued_then_sent_once() {
    let (r, app) = connected("offline");
    join(&app, 1, None);
    press_enter(&r, "first");
    let says = |app: &Rc<App>| {
        sent(app)
            .into_iter()
            .filter(|m| matches!(m, ChatClientMsg::Say { .. }))
            .collect::<Vec<_>>()
    };
    assert_eq!(says(&app).len(), 1);
    assert_eq!(
        one(&r, "textarea")
            .unchecked_into::<HtmlTextAreaElement>()
            .value(),
        "",
        "composer cleared"
    );
    assert!(sent(&app).contains(&ChatClientMsg::Typing { on: true }));
    assert_eq!(texts(&r, ".b.pd").len(), 1, "pending bubble");

    dispatch(&app, Msg::SocketClosed { code: 1006 });
    assert!(matches!(
        app.model().unwrap().chat.link(),
        Link::Waiting { attempt: 1, .. }
    ));
    assert!(visible(&one(&r, ".st")));
    assert_eq!(
        one(&r, ".st").text_content().as_deref(),
        Some("Reconnecting…")
    );
    press_enter(&r, "second");
    assert_eq!(says(&app).len(), 1, "nothing sent while offline");
    assert_eq!(texts(&r, ".b.pd").len(), 2);

    dispatch(&app, Msg::Reconnect);
    dispatch(&app, Msg::SocketOpened);
    assert_eq!(
        sent(&app).last(),
        Some(&ChatClientMsg::Hello { v: 1, last_seq: 2 })
    );
    server(
        &app,
        ChatServerMsg::Welcome {
            conversation: ConversationView {
                id: ConversationId::new("c1"),
                last_seq: 2,
                closed: false,
            },
        },
    );
    assert!(!visible(&one(&r, ".st")));
    let s = says(&app);
    assert_eq!(s.len(), 3, "both resent once: {s:?}");
    let ids: Vec<String> = s
        .iter()
        .map(|m| {
            if let ChatClientMsg::Say { client_id, .. } = m {
                client_id.clone()
            } else {
                String::new()
            }
        })
        .collect();
    assert_eq!(ids[0], ids[1], "same client_id on resend");
    assert_ne!(ids[1], ids[2]);

    // The server stores each once and echoes them as entries (one possibly twice): shown once each.
    server(
        &app,
        ChatServerMsg::Ack {
            client_id: ids[0].clone(),
            seq: 3,
        },
    );
    entry(
        &app,
        3,
        TranscriptEvent::Message {
            from: Side::Visitor,
            text: "first".into(),
            client_id: ids[0].clone(),
        },
    );
    entry(
        &app,
        3,
        TranscriptEvent::Message {
            from: Side::Visitor,
            text: "first".into(),
            client_id: ids[0].clone(),
        },
    );
    entry(
        &app,
        4,
        TranscriptEvent::Message {
            from: Side::Visitor,
            text: "second".into(),
            client_id: ids[2].clone(),
        },
    );
    assert!(texts(&r, ".b.pd").is_empty());
    let mine = texts(&r, ".b.me");
    assert_eq!(mine.iter().filter(|t| t.starts_with("first")).count(), 1);
    assert_eq!(mine.iter().filter(|t| t.starts_with("second")).count(), 1);
}

#[wasm_bindgen_test]
fn launcher_and_escape_toggle_the_panel() {
    let r = root();
    let app = mount_recording(r.clone(), "toggle", false).unwrap();
    let launcher: HtmlElement = one(&r, ".ln").unchecked_into();
    assert_eq!(
        launcher.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert_eq!(
        launcher.get_attribute("aria-label").as_deref(),
        Some("Open chat")
    );
    assert!(!visible(&one(&r, ".pn")));
    assert!(
        app.recorded().0.is_empty(),
        "nothing is fetched until the visitor opens the widget"
    );
    launcher.click();
    assert!(visible(&one(&r, ".pn")));
    assert_eq!(
        launcher.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    let k = web_sys::KeyboardEventInit::new();
    k.set_key("Escape");
    k.set_bubbles(true);
    one(&r, ".x")
        .dispatch_event(
            &web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &k).unwrap(),
        )
        .unwrap();
    assert!(!visible(&one(&r, ".pn")));
    assert_eq!(
        r.active_element().map(|e| e.class_name()),
        Some("ln".into()),
        "focus back on the launcher"
    );
}

#[wasm_bindgen_test]
fn french_strings_and_theme_from_settings() {
    let r = root();
    let app = mount_recording(r.clone(), "fr", true).unwrap();
    let widget = WidgetSettings {
        color: Some("#facc15".into()),
        position: Some("left".into()),
        language: Some("fr".into()),
    };
    dispatch(
        &app,
        Msg::Started {
            conversation: ConversationId::new("c"),
            token: "t".into(),
            widget,
        },
    );
    assert_eq!(
        one(&r, ".ln").get_attribute("aria-label").as_deref(),
        Some("Fermer le chat")
    );
    let wrap: HtmlElement = one(&r, ".pw").unchecked_into();
    assert!(wrap.class_name().contains("left"));
    assert_eq!(wrap.style().get_property_value("--pa").unwrap(), "#facc15");
    assert_eq!(
        wrap.style().get_property_value("--pf").unwrap(),
        "#111",
        "dark text on a light accent"
    );
}

#[wasm_bindgen_test]
fn decoder_reads_what_core_writes() {
    let entries = vec![
        TranscriptEvent::Card {
            prefill: Default::default(),
            card: Card {
                id: CardId::new("c"),
                kind: CardKind::Message { text: "hi".into() },
            },
        },
        TranscriptEvent::Card {
            prefill: Default::default(),
            card: Card {
                id: CardId::new("q"),
                kind: CardKind::Question {
                    when_unavailable: None,
                    text: "?".into(),
                    buttons: vec![Button {
                        id: ButtonId::new("b"),
                        label: "B".into(),
                        goto: Some("x".into()),
                    }],
                },
            },
        },
        TranscriptEvent::Card {
            prefill: [("job".to_string(), "CTO".to_string())]
                .into_iter()
                .collect(),
            card: Card {
                id: CardId::new("f"),
                kind: CardKind::InfoCapture {
                    text: "t".into(),
                    fields: vec![FieldSpec {
                        key: "job".into(),
                        kind: FieldKind::JobTitle,
                        label: "Job".into(),
                        required: false,
                    }],
                },
            },
        },
        TranscriptEvent::Card {
            prefill: Default::default(),
            card: Card {
                id: CardId::new("l"),
                kind: CardKind::LiveChat {
                    text: "t".into(),
                    routing: Routing::RoundRobin,
                    when_unavailable: None,
                },
            },
        },
        TranscriptEvent::Answered {
            card: CardId::new("q"),
            button: ButtonId::new("b"),
            label: "B".into(),
        },
        TranscriptEvent::Captured {
            card: CardId::new("f"),
            values: [("job".to_string(), "CTO".to_string())]
                .into_iter()
                .collect(),
        },
        TranscriptEvent::LiveChatRequested,
        TranscriptEvent::LiveChatUnavailable,
        TranscriptEvent::AgentJoined {
            agent: AgentProfile {
                name: "A".into(),
                avatar_url: Some("https://x/y.png".into()),
            },
        },
        TranscriptEvent::Message {
            from: Side::Bot,
            text: "m".into(),
            client_id: "k".into(),
        },
        TranscriptEvent::Fallback {
            kind: FallbackKind::Global,
            text: "f".into(),
            visitor_away: false,
        },
        TranscriptEvent::Expired,
        TranscriptEvent::Ended {
            by: Side::Visitor,
            visitor_away: false,
        },
        TranscriptEvent::LeftMessage {
            email: "a@b.co".into(),
            text: "call \"me\"".into(),
            client_id: "n-lm".into(),
        },
        TranscriptEvent::TranscriptEmailed {
            to: "a@b.co".into(),
        },
    ];
    let mut msgs: Vec<ChatServerMsg> = entries
        .into_iter()
        .enumerate()
        .map(|(i, event)| ChatServerMsg::Entry {
            entry: TranscriptEntry {
                seq: i as u64 + 1,
                at: Millis(1_700_000_000_123),
                event,
            },
        })
        .collect();
    msgs.push(ChatServerMsg::Welcome {
        conversation: ConversationView {
            id: ConversationId::new("c"),
            last_seq: 9,
            closed: true,
        },
    });
    msgs.push(ChatServerMsg::Ack {
        client_id: "k".into(),
        seq: 4,
    });
    msgs.push(ChatServerMsg::Invalid {
        card: CardId::new("f"),
        errors: vec![FieldError {
            key: "email".into(),
            message: "bad".into(),
        }],
    });
    msgs.push(ChatServerMsg::Typing {
        from: Side::Agent,
        on: false,
    });
    msgs.push(ChatServerMsg::Error {
        code: "rate_limited".into(),
        message: "slow".into(),
    });
    for m in msgs {
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(wire::server_msg(&json).ok(), Some(m), "{json}");
    }
    assert!(wire::server_msg("{\"type\":\"nope\"}").is_err());
    assert!(wire::server_msg("not json").is_err());

    let mut values = BTreeMap::new();
    values.insert("email".to_string(), "a\"@b.c".to_string());
    for m in [
        ChatClientMsg::Hello { v: 1, last_seq: 42 },
        ChatClientMsg::Answer {
            card: CardId::new("q"),
            button: ButtonId::new("b"),
        },
        ChatClientMsg::Capture {
            card: CardId::new("f"),
            values,
        },
        ChatClientMsg::Say {
            client_id: "n-1".into(),
            text: "hé \"quoted\"\n".into(),
        },
        ChatClientMsg::Typing { on: true },
        ChatClientMsg::End,
        ChatClientMsg::LeaveMessage {
            client_id: "n-lm".into(),
            email: Some("a@b.co".into()),
            text: "hi".into(),
        },
        ChatClientMsg::LeaveMessage {
            client_id: "n-lm".into(),
            email: None,
            text: "hi".into(),
        },
        ChatClientMsg::EmailTranscript,
    ] {
        let json = wire::client_msg(&m).unwrap();
        assert_eq!(
            serde_json::from_str::<ChatClientMsg>(&json).unwrap(),
            m,
            "{json}"
        );
    }
}

/// The widget asks the browser's RegExp for the Unicode classes of `looks_like_email`; it
/// must agree with core's (the server's) on every kind of address.
#[wasm_bindgen_test]
fn email_check_agrees_with_core() {
    let long_local = "a".repeat(64);
    let too_long_local = "a".repeat(65);
    let at_limit = format!("a@{}.com", "b".repeat(248));
    let over_limit = format!("a@{}.com", "b".repeat(249));
    let samples = [
        "a@b.co",
        "first.last@example.com",
        "é@ü.de",
        "x@xn--80ak6aa92e.com",
        "x@b.xn--p1ai",
        "a@b.c",
        "a@-b.com",
        "a@b-.com",
        "a@b..com",
        "a@.com",
        "a@b.com.",
        "@b.com",
        "a@b@c.com",
        "a b@c.com",
        "a\u{0}@b.com",
        "a@b.c0m",
        "a@b.com\u{a0}",
        "a@b.com\u{2028}",
        "a@١٢٣.com",
        "a@Ⅻ.com",
        "a@²³.com",
        "a@b.ⅫⅫ",
        "a@b.日本",
        "名前@例え.テスト",
        "a@b.c\u{301}om",
        "a@😀.com",
        "a@b_c.com",
        "a@b.co_m",
        "a@xn--.com",
        "a@b.xn--",
        "a@b.xn--p1ai-",
        "a@b-c.com",
        "a@b.c-m",
        "a@1.com",
        "a@b.c.d.example",
        "a\u{85}b@c.com",
        "a@b.com@",
        "",
        "plain",
        &format!("{long_local}@b.com"),
        &format!("{too_long_local}@b.com"),
        &at_limit,
        &over_limit,
    ];
    for s in samples {
        assert_eq!(
            parlor_widget::email::looks_like_email(s),
            parlor_core::dialogue::looks_like_email(s),
            "{s:?}"
        );
    }
}

#[wasm_bindgen_test]
fn a_capture_card_starts_with_what_the_site_said_and_sends_what_is_shown() {
    let (r, app) = connected("ws-prefill");
    let field = |key: &str, kind| FieldSpec {
        key: key.into(),
        kind,
        label: key.into(),
        required: true,
    };
    entry(
        &app,
        1,
        TranscriptEvent::Card {
            prefill: [
                ("first_name".to_string(), "Ada".to_string()),
                ("email".to_string(), "ada@example.com".to_string()),
            ]
            .into_iter()
            .collect(),
            card: Card {
                id: CardId::new("f1"),
                kind: CardKind::InfoCapture {
                    text: "About you".into(),
                    fields: vec![
                        field("first_name", FieldKind::FirstName),
                        field("email", FieldKind::Email),
                        field("company", FieldKind::Company),
                    ],
                },
            },
        },
    );
    let value = |name: &str| {
        one(&r, &format!("input[name={name}]"))
            .unchecked_into::<HtmlInputElement>()
            .value()
    };
    assert_eq!(value("first_name"), "Ada");
    assert_eq!(value("email"), "ada@example.com");
    assert_eq!(value("company"), "");
    one(&r, "input[name=company]")
        .unchecked_into::<HtmlInputElement>()
        .set_value("Analytical Engines");
    one(&r, "form")
        .unchecked_into::<HtmlFormElement>()
        .request_submit()
        .unwrap();
    let values: BTreeMap<String, String> = [
        ("first_name", "Ada"),
        ("email", "ada@example.com"),
        ("company", "Analytical Engines"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(
        sent(&app).last(),
        Some(&ChatClientMsg::Capture {
            card: CardId::new("f1"),
            values
        })
    );
}
