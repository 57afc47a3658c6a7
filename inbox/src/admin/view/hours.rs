//! The business hours editor, shared by the Settings form (the workspace's hours) and each team's
//! form (the team's own): a switch, the time zone, one line of ranges per weekday, and the dated
//! exceptions. The server checks the time zone and the ranges and names the day it refuses.

use parlor_core::hours::BusinessHours;
use parlor_core::hours_text::{format_exceptions, format_week};
use web_sys::Element;

use crate::dom::{checkbox, el, field, text_el, SetAttr};

pub const DAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// The editor's fields, named `hours_*`, inside a `<fieldset>` of `form`. With no hours yet, the
/// fields offer weekdays 09:00–18:00 in the admin's own time zone.
pub fn render(hours: Option<&BusinessHours>, switch_label: &str, form: &Element) {
    let set = el("fieldset", "hours", form);
    text_el("legend", "", "Business hours", &set);
    checkbox(switch_label, "hours_on", hours.is_some(), &set);
    let zone = hours
        .map(|h| h.time_zone.clone())
        .unwrap_or_else(browser_time_zone);
    let z = field(
        "Time zone (IANA name, e.g. Europe/Paris)",
        "input",
        "hours_time_zone",
        &zone,
        &set,
    );
    z.set_attr("autocomplete", "off");
    let week = match hours {
        Some(h) => format_week(&h.weekly),
        None => {
            let office = "09:00-18:00".to_owned();
            let closed = String::new();
            [
                office.clone(),
                office.clone(),
                office.clone(),
                office.clone(),
                office,
                closed.clone(),
                closed,
            ]
        }
    };
    let grid = el("div", "grid2", &set);
    for ((key, label), ranges) in DAYS.iter().zip(week.iter()) {
        let i = field(label, "input", &format!("hours_{key}"), ranges, &grid);
        crate::dom::say(&i, "placeholder", "Closed");
        crate::dom::say(
            &i,
            "title",
            "Ranges such as 09:00-12:00, 14:00-18:00; empty: closed",
        );
    }
    let ex = hours
        .map(|h| format_exceptions(&h.exceptions))
        .unwrap_or_default();
    let t = field(
        "Exceptions, one per line (2026-12-25 closed, 2026-12-24 09:00-12:00)",
        "textarea",
        "hours_exceptions",
        &ex,
        &set,
    );
    t.set_attr("rows", "3");
}

/// The browser's own time zone, the likeliest answer for a new schedule.
fn browser_time_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "UTC".to_owned())
}
