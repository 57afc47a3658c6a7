//! Dialogues: trees of cards shown to a visitor, and the rules a saved dialogue must follow.

mod model;

pub use model::{
    Branch, BranchId, Button, Card, CardKind, Dialogue, FieldKind, FieldSpec, UrlMatch,
};
