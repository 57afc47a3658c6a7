//! The widget's errors. Nothing panics: every failure becomes one of these and is logged.

use wasm_bindgen::JsValue;

#[derive(Debug, thiserror::Error)]
pub enum WidgetError {
    /// A browser API threw.
    #[error("browser API failed")]
    Js(JsValue),
    /// JSON from the server or the loader lacked this field or had the wrong type in it.
    #[error("unexpected data in {0}")]
    Data(&'static str),
    /// Something the widget needs is not there (window, document, localStorage…).
    #[error("missing {0}")]
    Missing(&'static str),
}

impl From<JsValue> for WidgetError {
    fn from(v: JsValue) -> Self {
        WidgetError::Js(v)
    }
}

impl From<WidgetError> for JsValue {
    fn from(e: WidgetError) -> JsValue {
        match e {
            WidgetError::Js(v) => v,
            WidgetError::Data(what) | WidgetError::Missing(what) => JsValue::from_str(what),
        }
    }
}

/// Logs an error to the console; the widget carries on.
pub fn log(e: WidgetError) {
    web_sys::console::error_2(&JsValue::from_str("parlor:"), &JsValue::from(e));
}
