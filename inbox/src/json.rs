//! JSON helpers over `JSON.parse`/`JSON.stringify`; typed bodies and frames are read and
//! written by hand in `wire` (and the admin's `admin/wire`).

use wasm_bindgen::JsValue;

use crate::error::InboxError;

pub fn stringify_js(v: &JsValue) -> Result<String, InboxError> {
    js_sys::JSON::stringify(v)?
        .as_string()
        .ok_or_else(|| InboxError::Data("JSON.stringify".into()))
}

#[cfg(feature = "admin")]
/// Pretty JSON, for the advanced views.
pub fn pretty_js(v: &JsValue) -> String {
    js_sys::JSON::stringify_with_replacer_and_space(v, &JsValue::NULL, &JsValue::from_f64(2.0))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// `obj[key]` as a string ("" when absent; numbers and booleans written out).
pub fn get_str(obj: &JsValue, key: &str) -> String {
    let v = get(obj, key);
    if let Some(s) = v.as_string() {
        s
    } else if let Some(n) = v.as_f64() {
        let mut s = String::new();
        push_num(&mut s, n);
        s
    } else if let Some(b) = v.as_bool() {
        if b { "yes" } else { "no" }.into()
    } else if v.is_null() || v.is_undefined() {
        String::new()
    } else {
        stringify_js(&v).unwrap_or_default()
    }
}

pub fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn push_num(s: &mut String, n: f64) {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        s.push_str(&(n as i64).to_string());
    } else {
        s.push_str(&crate::fmt::num(n));
    }
}
