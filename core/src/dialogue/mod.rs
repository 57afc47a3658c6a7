//! Dialogues: trees of cards shown to a visitor, and the rules a saved dialogue must follow.

mod fields;
mod issue;
mod model;
mod targeting;
mod templates;
mod validate;

pub use fields::{
    looks_like_email, looks_like_phone, validate_capture, MAX_CUSTOM_FIELD_CHARS, MAX_EMAIL_CHARS,
    MAX_SHORT_FIELD_CHARS, PHONE_DIGITS,
};
pub use issue::{Issue, IssueCode, Report};
pub use model::{
    Branch, BranchId, Button, Card, CardKind, Dialogue, FieldKind, FieldSpec, UrlMatch,
    START_BRANCH,
};
pub use targeting::{matches, page_address, path_and_query, select, targeted};
pub use templates::{template, Template, TEMPLATES};
pub use validate::{
    is_valid_id, validate, MAX_BUTTONS, MAX_CARDS, MAX_FIELDS, MAX_ID_CHARS, MAX_LABEL_CHARS,
    MAX_RULES, MAX_TARGETING_RULES, MAX_TEXT_CHARS,
};
