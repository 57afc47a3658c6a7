//! The admin's API bodies and socket frames by hand over `js_sys` (see `crate::wire` for why
//! not serde): the Conversations view's socket and rows, transcripts, agents, leads, dialogues
//! (`dialogue.rs`), the missed-chat report, settings and business hours (read and written),
//! teams, webhook endpoints and their log, dialogue issues and erasures. A field the server
//! leaves out takes the value serde's `default` gives it; every encoder names every field, so
//! one added to a type fails to compile here.

use std::collections::BTreeMap;

use js_sys::{Array, Object, JSON};
use parlor_core::hours::{BusinessHours, Exception, Range, Weekly};
use parlor_core::lead::{Lead, LeadOutcome, LeadSource};
use parlor_core::privacy::ErasureCounts;
use parlor_core::protocol::{
    AdminServerMsg, ConversationRecord, ConversationStatus, TranscriptEntry,
};
use parlor_core::report::{AgentRow, Counts, DayRow, Missed, Report};
use parlor_core::routing::FallbackReason;
use parlor_core::routing::Plan;
use parlor_core::settings::{WidgetLook, WidgetPosition, WorkspaceSettings};
use parlor_core::AgentId;
use parlor_core::{ConversationId, Millis};
use wasm_bindgen::{JsCast, JsValue};

use super::hooks::{Hook, HookHealth, HookLine};
use super::model::{Issue, Team};
use super::privacy::EraseTarget;
use crate::error::InboxError;
use crate::session::AgentInfo;
use crate::wire::{agent_info, entry, get, items, opt_string, Obj, Reader};

mod dialogue;
pub use dialogue::{dialogue, dialogue_js, dialogues, templates, versions};

type Res<T> = Result<T, InboxError>;

fn absent(v: &JsValue) -> bool {
    v.is_undefined()
}

fn absent_or_null(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

fn number_or(r: &mut Reader, o: &JsValue, k: &'static str, d: u64) -> u64 {
    match absent(&get(o, k)) {
        true => d,
        false => r.number(o, k),
    }
}

fn small(r: &mut Reader, k: &'static str, n: u64) -> u32 {
    u32::try_from(n).unwrap_or_else(|_| {
        r.fail(k);
        0
    })
}

fn u32_or(r: &mut Reader, o: &JsValue, k: &'static str, d: u32) -> u32 {
    let n = number_or(r, o, k, d.into());
    small(r, k, n)
}

fn string_or(r: &mut Reader, o: &JsValue, k: &'static str, d: String) -> String {
    match absent(&get(o, k)) {
        true => d,
        false => r.string(o, k),
    }
}

fn bool_or(r: &mut Reader, o: &JsValue, k: &'static str, d: bool) -> bool {
    match absent(&get(o, k)) {
        true => d,
        false => r.boolean(o, k),
    }
}

fn optional_number(r: &mut Reader, o: &JsValue, k: &'static str) -> Option<u64> {
    match absent_or_null(&get(o, k)) {
        true => None,
        false => Some(r.number(o, k)),
    }
}

fn optional_string(r: &mut Reader, o: &JsValue, k: &'static str) -> Option<String> {
    match absent_or_null(&get(o, k)) {
        true => None,
        false => Some(r.string(o, k)),
    }
}

fn strings(r: &mut Reader, o: &JsValue, k: &'static str) -> Vec<String> {
    r.list(o, k, |r, v| {
        v.as_string().unwrap_or_else(|| {
            r.fail(k);
            String::new()
        })
    })
}

fn strings_or_empty(r: &mut Reader, o: &JsValue, k: &'static str) -> Vec<String> {
    match absent(&get(o, k)) {
        true => Vec::new(),
        false => strings(r, o, k),
    }
}

/// One object read with `f`, refused if malformed.
fn one<T>(v: &JsValue, f: impl FnOnce(&mut Reader, &JsValue) -> T) -> Res<T> {
    let mut r = Reader::default();
    if !v.is_object() {
        r.fail("object");
    }
    let value = f(&mut r, v);
    r.done(value)
}

fn array(items: impl IntoIterator<Item = JsValue>) -> JsValue {
    items.into_iter().collect::<Array>().into()
}

fn text_list(items: &[String]) -> JsValue {
    array(items.iter().map(|s| JsValue::from_str(s)))
}

fn number(n: u64) -> JsValue {
    JsValue::from_f64(n as f64)
}

fn or_null(v: Option<JsValue>) -> JsValue {
    v.unwrap_or(JsValue::NULL)
}

// The Conversations view: its socket, rows and transcripts; agents and leads.

/// A transcript's entries.
pub fn entries(v: &JsValue) -> Res<Vec<TranscriptEntry>> {
    items(v, entry)
}

/// The agents of `GET …/agents`.
pub fn agents(v: &JsValue) -> Res<Vec<AgentInfo>> {
    items(v, |r, a| {
        if !a.is_object() {
            r.fail("agent");
        }
        agent_info(a)
    })
}

/// A row of the conversation index.
pub fn record(r: &mut Reader, o: &JsValue) -> ConversationRecord {
    ConversationRecord {
        identity: r.identity(o),
        id: r.string(o, "id"),
        created_at: r.number(o, "created_at"),
        updated_at: r.number(o, "updated_at"),
        dialogue: r.string(o, "dialogue"),
        page_url: r.string(o, "page_url"),
        status: match r.string(o, "status").as_str() {
            "automated" => ConversationStatus::Automated,
            "waiting" => ConversationStatus::Waiting,
            "live" => ConversationStatus::Live,
            "ended" => ConversationStatus::Ended,
            "expired" => ConversationStatus::Expired,
            "fell_back" => ConversationStatus::FellBack,
            _ => {
                r.fail("status");
                ConversationStatus::Automated
            }
        },
        agent: opt_string(o, "agent"),
        captured: map_or_empty(r, o, "captured"),
        last_message: opt_string(o, "last_message"),
        revision: optional_number(r, o, "revision").unwrap_or(0),
        first_agent_reply_at: optional_number(r, o, "first_agent_reply_at"),
    }
}

/// A string map that may be missing or null (serde's `default`).
fn map_or_empty(r: &mut Reader, o: &JsValue, k: &'static str) -> BTreeMap<String, String> {
    let v = get(o, k);
    match v.is_null() || v.is_undefined() {
        true => BTreeMap::new(),
        false => r.string_map(o, k),
    }
}

fn fallback_reason(r: &mut Reader, s: &str) -> FallbackReason {
    match s {
        "engagement_limit_reached" => FallbackReason::EngagementLimitReached,
        "no_rule_matched" => FallbackReason::NoRuleMatched,
        "unknown_agent" => FallbackReason::UnknownAgent,
        "unknown_team" => FallbackReason::UnknownTeam,
        "no_eligible_agent" => FallbackReason::NoEligibleAgent,
        "offer_expired" => FallbackReason::OfferExpired,
        "offer_declined" => FallbackReason::OfferDeclined,
        "agent_unavailable" => FallbackReason::AgentUnavailable,
        "outside_hours" => FallbackReason::OutsideHours,
        _ => {
            r.fail("reason");
            FallbackReason::NoEligibleAgent
        }
    }
}

/// A lead of `GET …/leads`.
pub fn lead(r: &mut Reader, o: &JsValue) -> Lead {
    let out = get(o, "outcome");
    let outcome = match r.string(&out, "kind").as_str() {
        "no_live_chat" => LeadOutcome::NoLiveChat,
        "missed" => LeadOutcome::Missed {
            reason: {
                let s = r.string(&out, "reason");
                fallback_reason(r, &s)
            },
        },
        "chatted" => LeadOutcome::Chatted {
            agent: r.string(&out, "agent"),
        },
        "left_message" => LeadOutcome::LeftMessage {
            reason: opt_string(&out, "reason").map(|s| fallback_reason(r, &s)),
        },
        _ => {
            r.fail("outcome");
            LeadOutcome::NoLiveChat
        }
    };
    let source = LeadSource::parse(&r.string(o, "source")).unwrap_or_else(|| {
        r.fail("source");
        LeadSource::Capture
    });
    let recent = get(o, "recent");
    Lead {
        key: r.string(o, "key"),
        email: r.string(o, "email"),
        name: opt_string(o, "name").unwrap_or_default(),
        fields: map_or_empty(r, o, "fields"),
        answers: map_or_empty(r, o, "answers"),
        page_url: opt_string(o, "page_url").unwrap_or_default(),
        utm: map_or_empty(r, o, "utm"),
        source,
        outcome,
        message: opt_string(o, "message"),
        first_seen: Millis(r.number(o, "first_seen")),
        last_seen: Millis(r.number(o, "last_seen")),
        conversations: u32::try_from(r.number(o, "conversations")).unwrap_or_else(|_| {
            r.fail("conversations");
            0
        }),
        last_conversation: ConversationId(r.string(o, "last_conversation")),
        recent: match recent.is_null() || recent.is_undefined() {
            true => Vec::new(),
            false => r.list(o, "recent", |r, c| {
                ConversationId(c.as_string().unwrap_or_else(|| {
                    r.fail("recent");
                    String::new()
                }))
            }),
        },
    }
}

/// One text frame of the Conversations view's socket.
pub fn admin_server_msg(text: &str) -> Res<AdminServerMsg> {
    let o = JSON::parse(text)?;
    let mut r = Reader::default();
    let msg = match r.string(&o, "type").as_str() {
        "conversation" => AdminServerMsg::Conversation {
            record: record(&mut r, &get(&o, "record")),
        },
        "erased" => AdminServerMsg::Erased {
            conversations: r.list(&o, "conversations", |r, c| {
                c.as_string().unwrap_or_else(|| {
                    r.fail("conversations");
                    String::new()
                })
            }),
        },
        _ => return Err(InboxError::Data("type".into())),
    };
    r.done(msg)
}

// The missed-chat report.

fn missed(r: &mut Reader, o: &JsValue) -> Missed {
    Missed {
        total: r.number(o, "total"),
        nobody_available: r.number(o, "nobody_available"),
        expired: r.number(o, "expired"),
        declined: r.number(o, "declined"),
        outside_hours: r.number(o, "outside_hours"),
        engagement_limit: r.number(o, "engagement_limit"),
    }
}

fn counts(r: &mut Reader, o: &JsValue) -> Counts {
    Counts {
        conversations: r.number(o, "conversations"),
        requests: r.number(o, "requests"),
        accepted: r.number(o, "accepted"),
        missed: missed(r, &get(o, "missed")),
        median_accept_ms: optional_number(r, o, "median_accept_ms"),
        median_first_response_ms: optional_number(r, o, "median_first_response_ms"),
    }
}

/// `GET …/report`.
pub fn report(v: &JsValue) -> Res<Report> {
    one(v, |r, o| Report {
        time_zone: r.string(o, "time_zone"),
        from: r.string(o, "from"),
        to: r.string(o, "to"),
        days: r.list(o, "days", |r, d| DayRow {
            date: r.string(d, "date"),
            counts: counts(r, d),
        }),
        agents: r.list(o, "agents", |r, a| AgentRow {
            agent: AgentId(r.string(a, "agent")),
            name: string_or(r, a, "name", String::new()),
            offers: r.number(a, "offers"),
            accepted: r.number(a, "accepted"),
            declined: r.number(a, "declined"),
            expired: r.number(a, "expired"),
            went_away: r.number(a, "went_away"),
            median_accept_ms: optional_number(r, a, "median_accept_ms"),
            median_first_response_ms: optional_number(r, a, "median_first_response_ms"),
        }),
        totals: counts(r, &get(o, "totals")),
        complete: bool_or(r, o, "complete", true),
    })
}

// Business hours.

fn ranges(r: &mut Reader, o: &JsValue, k: &'static str) -> Vec<Range> {
    match absent(&get(o, k)) {
        true => Vec::new(),
        false => r.list(o, k, |r, x| Range {
            from: r.string(x, "from"),
            to: r.string(x, "to"),
        }),
    }
}

fn hours(r: &mut Reader, o: &JsValue) -> BusinessHours {
    let w = get(o, "weekly");
    BusinessHours {
        time_zone: r.string(o, "time_zone"),
        weekly: match absent(&w) {
            true => Weekly::default(),
            false => Weekly {
                mon: ranges(r, &w, "mon"),
                tue: ranges(r, &w, "tue"),
                wed: ranges(r, &w, "wed"),
                thu: ranges(r, &w, "thu"),
                fri: ranges(r, &w, "fri"),
                sat: ranges(r, &w, "sat"),
                sun: ranges(r, &w, "sun"),
            },
        },
        exceptions: match absent(&get(o, "exceptions")) {
            true => Vec::new(),
            false => r.list(o, "exceptions", |r, e| Exception {
                date: r.string(e, "date"),
                ranges: ranges(r, e, "ranges"),
            }),
        },
    }
}

fn optional_hours(r: &mut Reader, o: &JsValue, k: &'static str) -> Option<BusinessHours> {
    let v = get(o, k);
    match absent_or_null(&v) {
        true => None,
        false => Some(hours(r, &v)),
    }
}

fn ranges_js(list: &[Range]) -> JsValue {
    array(list.iter().map(|Range { from, to }| {
        Obj::new()
            .strings([("from", from.as_str()), ("to", to)])
            .into_js()
    }))
}

/// Business hours as core's serde writes them.
pub fn hours_js(h: &BusinessHours) -> JsValue {
    let BusinessHours {
        time_zone,
        weekly,
        exceptions,
    } = h;
    let Weekly {
        mon,
        tue,
        wed,
        thu,
        fri,
        sat,
        sun,
    } = weekly;
    let weekly = Obj::new()
        .set("mon", ranges_js(mon))
        .set("tue", ranges_js(tue))
        .set("wed", ranges_js(wed))
        .set("thu", ranges_js(thu))
        .set("fri", ranges_js(fri))
        .set("sat", ranges_js(sat))
        .set("sun", ranges_js(sun));
    let exceptions = array(exceptions.iter().map(|Exception { date, ranges }| {
        Obj::new()
            .set("date", date.as_str())
            .set("ranges", ranges_js(ranges))
            .into_js()
    }));
    Obj::new()
        .set("time_zone", time_zone.as_str())
        .set("weekly", weekly.into_js())
        .set("exceptions", exceptions)
        .into_js()
}

// Settings.

/// `GET …/settings`: what is left out keeps the defaults.
pub fn settings(v: &JsValue) -> Res<WorkspaceSettings> {
    one(v, |r, o| {
        let d = WorkspaceSettings::default();
        let plan = match get(o, "plan").as_string().as_deref() {
            None if absent(&get(o, "plan")) => d.plan,
            Some("select") => Plan::Select,
            Some("standard") => Plan::Standard,
            Some("prime") => Plan::Prime,
            _ => {
                r.fail("plan");
                d.plan
            }
        };
        let w = get(o, "widget");
        let widget = match absent(&w) {
            true => d.widget,
            false => {
                let dw = WidgetLook::default();
                WidgetLook {
                    color: string_or(r, &w, "color", dw.color),
                    position: match get(&w, "position").as_string().as_deref() {
                        None if absent(&get(&w, "position")) => dw.position,
                        Some("left") => WidgetPosition::Left,
                        Some("right") => WidgetPosition::Right,
                        _ => {
                            r.fail("position");
                            dw.position
                        }
                    },
                    language: string_or(r, &w, "language", dw.language),
                }
            }
        };
        let retention = optional_number(r, o, "retention_days");
        WorkspaceSettings {
            plan,
            accept_timeout_ms: number_or(r, o, "accept_timeout_ms", d.accept_timeout_ms),
            inactivity_timeout_ms: number_or(
                r,
                o,
                "inactivity_timeout_ms",
                d.inactivity_timeout_ms,
            ),
            capacity: u32_or(r, o, "capacity", d.capacity),
            engagement_limit: u32_or(r, o, "engagement_limit", d.engagement_limit),
            extra_team_attempts: u32_or(r, o, "extra_team_attempts", d.extra_team_attempts),
            visitor_gone_waiting_ms: number_or(
                r,
                o,
                "visitor_gone_waiting_ms",
                d.visitor_gone_waiting_ms,
            ),
            visitor_gone_chat_ms: number_or(r, o, "visitor_gone_chat_ms", d.visitor_gone_chat_ms),
            agent_gone_ms: number_or(r, o, "agent_gone_ms", d.agent_gone_ms),
            live_chat_fallback: string_or(r, o, "live_chat_fallback", d.live_chat_fallback),
            global_fallback: string_or(r, o, "global_fallback", d.global_fallback),
            allowed_origins: strings_or_empty(r, o, "allowed_origins"),
            notification_emails: strings_or_empty(r, o, "notification_emails"),
            widget,
            retention_days: retention.map(|n| small(r, "retention_days", n)),
            test_retention_ms: optional_number(r, o, "test_retention_ms"),
            business_hours: optional_hours(r, o, "business_hours"),
            require_verified_identity: bool_or(
                r,
                o,
                "require_verified_identity",
                d.require_verified_identity,
            ),
        }
    })
}

/// Settings as core's serde writes them, for `PUT …/settings`.
pub fn settings_js(s: &WorkspaceSettings) -> JsValue {
    let WorkspaceSettings {
        plan,
        accept_timeout_ms,
        inactivity_timeout_ms,
        capacity,
        engagement_limit,
        extra_team_attempts,
        visitor_gone_waiting_ms,
        visitor_gone_chat_ms,
        agent_gone_ms,
        live_chat_fallback,
        global_fallback,
        allowed_origins,
        notification_emails,
        widget,
        retention_days,
        test_retention_ms,
        business_hours,
        require_verified_identity,
    } = s;
    let WidgetLook {
        color,
        position,
        language,
    } = widget;
    let widget = Obj::new()
        .set("color", color.as_str())
        .set(
            "position",
            match position {
                WidgetPosition::Left => "left",
                WidgetPosition::Right => "right",
            },
        )
        .set("language", language.as_str());
    let o = Obj::new()
        .set(
            "plan",
            match plan {
                Plan::Select => "select",
                Plan::Standard => "standard",
                Plan::Prime => "prime",
            },
        )
        .set("accept_timeout_ms", number(*accept_timeout_ms))
        .set("inactivity_timeout_ms", number(*inactivity_timeout_ms))
        .set("capacity", *capacity)
        .set("engagement_limit", *engagement_limit)
        .set("extra_team_attempts", *extra_team_attempts)
        .set("visitor_gone_waiting_ms", number(*visitor_gone_waiting_ms))
        .set("visitor_gone_chat_ms", number(*visitor_gone_chat_ms))
        .set("agent_gone_ms", number(*agent_gone_ms))
        .set("live_chat_fallback", live_chat_fallback.as_str())
        .set("global_fallback", global_fallback.as_str())
        .set("allowed_origins", text_list(allowed_origins))
        .set("notification_emails", text_list(notification_emails))
        .set("widget", widget.into_js())
        .set("retention_days", or_null(retention_days.map(JsValue::from)));
    let o = match test_retention_ms {
        Some(ms) => o.set("test_retention_ms", number(*ms)),
        None => o,
    };
    o.set(
        "business_hours",
        or_null(business_hours.as_ref().map(hours_js)),
    )
    .set("require_verified_identity", *require_verified_identity)
    .into_js()
}

// Teams, webhooks, dialogue issues, erasures.

/// `GET …/teams`.
pub fn teams(v: &JsValue) -> Res<Vec<Team>> {
    items(v, |r, t| Team {
        id: r.string(t, "id"),
        name: r.string(t, "name"),
        business_hours: optional_hours(r, t, "business_hours"),
    })
}

/// The endpoints of `GET …/webhooks` (every field optional).
pub fn hooks(v: &JsValue) -> Res<Vec<Hook>> {
    items(v, |r, h| Hook {
        id: string_or(r, h, "id", String::new()),
        url: string_or(r, h, "url", String::new()),
        description: string_or(r, h, "description", String::new()),
        events: strings_or_empty(r, h, "events"),
        enabled: bool_or(r, h, "enabled", false),
        disabled_reason: optional_string(r, h, "disabled_reason"),
        pending: number_or(r, h, "pending", 0),
        health: {
            let health = get(h, "health");
            match absent(&health) {
                true => HookHealth::default(),
                false => HookHealth {
                    failing_since: optional_number(r, &health, "failing_since"),
                },
            }
        },
    })
}

/// Where the widget is installed (`GET …/sites`).
pub fn sites(v: &JsValue) -> Res<Vec<parlor_core::sites::Site>> {
    items(v, |r, s| parlor_core::sites::Site {
        origin: string_or(r, s, "origin", String::new()),
        first_seen: number_or(r, s, "first_seen", 0),
        last_seen: number_or(r, s, "last_seen", 0),
        allowed: bool_or(r, s, "allowed", true),
    })
}

/// An endpoint's delivery log (every field optional).
pub fn hook_lines(v: &JsValue) -> Res<Vec<HookLine>> {
    items(v, |r, l| HookLine {
        delivery: number_or(r, l, "delivery", 0),
        message: string_or(r, l, "message", String::new()),
        event: string_or(r, l, "event", String::new()),
        attempt: u32_or(r, l, "attempt", 0),
        at: number_or(r, l, "at", 0),
        duration_ms: number_or(r, l, "duration_ms", 0),
        result: string_or(r, l, "result", String::new()),
        next_retry: optional_number(r, l, "next_retry"),
        manual: bool_or(r, l, "manual", false),
    })
}

/// Dialogue problems as the server lists them (`[]` when unreadable).
pub fn issues(v: &JsValue) -> Vec<Issue> {
    items(v, |r, i| Issue {
        code: string_or(r, i, "code", String::new()),
        branch: optional_string(r, i, "branch"),
        card: optional_string(r, i, "card"),
        message: string_or(r, i, "message", String::new()),
    })
    .unwrap_or_default()
}

/// What an erasure counted (zeros when unreadable).
pub fn erasure_counts(v: &JsValue) -> ErasureCounts {
    one(v, |r, o| ErasureCounts {
        conversations: r.number(o, "conversations"),
        transcript_entries: r.number(o, "transcript_entries"),
        index_rows: r.number(o, "index_rows"),
        outbox_rows: r.number(o, "outbox_rows"),
        audit_rows: r.number(o, "audit_rows"),
        leads: number_or(r, o, "leads", 0),
    })
    .unwrap_or_default()
}

/// `POST …/erasures`'s body: `{"email": …}` or `{"conversation": …}`.
pub fn erase_target_js(t: &EraseTarget) -> JsValue {
    match t {
        EraseTarget::Email(e) => Obj::new().set("email", e.as_str()),
        EraseTarget::Conversation(c) => Obj::new().set("conversation", c.as_str()),
    }
    .into_js()
}

/// A string map (`{}` when missing or unreadable).
pub fn string_map(v: &JsValue) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if v.is_object() {
        for pair in Object::entries(v.unchecked_ref::<Object>()).iter() {
            let pair: Array = pair.unchecked_into();
            if let (Some(k), Some(val)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                out.insert(k, val);
            }
        }
    }
    out
}
