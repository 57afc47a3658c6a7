//! The Leads view's I/O: the filter form as a query string, a page of leads, and the CSV
//! export downloaded with the session's token (a plain link could not carry it).

use parlor_core::lead::Lead;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, Headers, Request, RequestInit, Response};

use crate::api::{self, ws_path};
use crate::dom::{self, window, SetAttr};
use crate::error::InboxError;
use crate::json::get;

/// The filter form (`q`, `source`, `outcome`, `from`, `to` as dates) as a query string; dates
/// become the UTC day's bounds in milliseconds (`to` includes its day).
pub fn query_of(form: &Element) -> String {
    let v = |n: &str| {
        form.query_selector(&format!("[name={n}]"))
            .ok()
            .flatten()
            .map(|e| dom::value(&e))
            .unwrap_or_default()
    };
    let mut parts = Vec::new();
    for key in ["q", "source", "outcome"] {
        let value = v(key);
        if !value.trim().is_empty() {
            parts.push(pair(key, value.trim()));
        }
    }
    for (key, extra) in [("from", 0.0), ("to", 86_400_000.0)] {
        let ms = js_sys::Date::parse(&v(key));
        if ms.is_finite() {
            parts.push(pair(key, &((ms + extra) as u64).to_string()));
        }
    }
    parts.join("&")
}

fn pair(k: &str, v: &str) -> String {
    let mut p = String::from(k);
    p.push('=');
    p.push_str(&String::from(js_sys::encode_uri_component(v)));
    p
}

fn path(ws: &str, rest: &str, query: &str, cursor: Option<&str>) -> String {
    let mut p = ws_path(ws, rest);
    p.push('?');
    p.push_str(query);
    if let Some(c) = cursor {
        if !query.is_empty() {
            p.push('&');
        }
        p.push_str(&pair("cursor", c));
    }
    p
}

/// One page of leads and the next page's cursor.
pub async fn page(
    ws: &str,
    token: &str,
    query: &str,
    cursor: Option<&str>,
) -> Result<(Vec<Lead>, Option<String>), InboxError> {
    let v = api::call("GET", &path(ws, "leads", query, cursor), Some(token), None).await?;
    let leads = crate::wire::items(&get(&v, "leads"), super::wire::lead)?;
    let next = get(&v, "next_cursor").as_string();
    Ok((leads, next))
}

/// Fetches the CSV and hands it to the browser as a `leads.csv` download.
pub async fn export(ws: &str, token: &str, query: &str) -> Result<(), InboxError> {
    let headers = Headers::new()?;
    headers.set("authorization", &format!("Bearer {token}"))?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    let req = Request::new_with_str_and_init(&path(ws, "leads.csv", query, None), &init)?;
    let resp: Response = JsFuture::from(window()?.fetch_with_request(&req))
        .await
        .map_err(|_| InboxError::Network)?
        .unchecked_into();
    if !resp.ok() {
        // The same words as every other call: the JSON error of the same request.
        api::call("GET", &path(ws, "leads", query, None), Some(token), None).await?;
        return Err(InboxError::Network);
    }
    let text = JsFuture::from(resp.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    let mut href = String::from("data:text/csv;charset=utf-8,");
    href.push_str(&String::from(js_sys::encode_uri_component(&text)));
    let a: web_sys::HtmlElement = dom::document()?.create_element("a")?.unchecked_into();
    a.set_attr("href", &href);
    a.set_attr("download", "leads.csv");
    a.click();
    Ok(())
}
