//! Reads the business hours editor (`view/hours.rs`) back into a schedule.

use parlor_core::hours::BusinessHours;
use parlor_core::hours_text::{parse_exceptions, parse_week};
use web_sys::Element;

use crate::admin::view::hours::DAYS;
use crate::dom;

/// `None` when the switch is off; an error in words when a line cannot be read.
pub fn read(form: &Element) -> Result<Option<BusinessHours>, String> {
    let v = |n: &str| {
        form.query_selector(&format!("[name={n}]"))
            .ok()
            .flatten()
            .map(|e| dom::value(&e))
            .unwrap_or_default()
    };
    if v("hours_on") != "true" {
        return Ok(None);
    }
    let lines = DAYS.map(|(key, _)| v(&format!("hours_{key}")));
    let names = DAYS.map(|(_, label)| label);
    let weekly =
        parse_week(names, lines.each_ref().map(String::as_str)).map_err(|e| e.to_string())?;
    let exceptions = parse_exceptions(&v("hours_exceptions")).map_err(|e| e.to_string())?;
    Ok(Some(BusinessHours {
        time_zone: v("hours_time_zone").trim().to_owned(),
        weekly,
        exceptions,
    }))
}
