//! The Leads CSV export (RFC 4180, `\r\n` line ends, UTF-8). Every cell is quoted when it
//! holds a comma, quote, line break or outer space, and a cell a spreadsheet would read as a
//! formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) is prefixed with `'`,
//! so visitor text never runs as a formula.

use std::collections::BTreeMap;

use super::utm::UTM_KEYS;
use super::Lead;
use crate::failed_action::iso8601;

/// The header row, in column order.
pub const COLUMNS: [&str; 17] = [
    "email",
    "name",
    "source",
    "outcome",
    "message",
    "first_seen",
    "last_seen",
    "conversations",
    "last_conversation",
    "page_url",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "fields",
    "answers",
];

/// The whole file: the header, then one row per lead in the given order.
pub fn render(leads: &[Lead]) -> String {
    let mut out = String::with_capacity(256 + leads.len() * 256);
    push_row(&mut out, COLUMNS.iter().map(|c| (*c).to_owned()));
    for lead in leads {
        push_row(&mut out, row(lead));
    }
    out
}

/// One lead's cells, in [`COLUMNS`] order (unescaped).
pub fn row(lead: &Lead) -> Vec<String> {
    let mut cells = vec![
        lead.email.clone(),
        lead.name.clone(),
        lead.source.code().to_owned(),
        lead.outcome.describe(),
        lead.message.clone().unwrap_or_default(),
        iso8601(lead.first_seen),
        iso8601(lead.last_seen),
        lead.conversations.to_string(),
        lead.last_conversation.to_string(),
        lead.page_url.clone(),
    ];
    for key in UTM_KEYS {
        cells.push(lead.utm.get(key).cloned().unwrap_or_default());
    }
    cells.push(pairs(&lead.fields));
    cells.push(pairs(&lead.answers));
    cells
}

/// `key: value; key: value`.
fn pairs(map: &BTreeMap<String, String>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn push_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&cell_text(&cell));
    }
    out.push_str("\r\n");
}

/// One cell as written: neutralised against formulas, then quoted if needed.
pub fn cell_text(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    let needs_quotes = neutral.contains([',', '"', '\n', '\r'])
        || neutral.starts_with(' ')
        || neutral.ends_with(' ');
    if needs_quotes {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}
