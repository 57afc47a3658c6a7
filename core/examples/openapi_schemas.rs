//! Prints the JSON Schemas of the API's request and response types, as OpenAPI 3.1 components
//! (`#/components/schemas/…`), derived from the Rust types themselves (`schemars`, following
//! their serde attributes). `scripts/docs/openapi.py` runs it and writes them into
//! docs/openapi.json, so the description cannot drift from the code.
//!
//! Run: `cargo run -q -p parlor-core --features schema --example openapi_schemas`

use parlor_core::canned::CannedReply;
use parlor_core::dialogue::{Dialogue, Issue};
use parlor_core::hours::BusinessHours;
use parlor_core::identity::{IdentityClaim, VisitorIdentity};
use parlor_core::protocol::ConversationRecord;
use parlor_core::report::Report;
use parlor_core::routing::FallbackReason;
use parlor_core::settings::WorkspaceSettings;
use schemars::generate::SchemaSettings;

fn main() -> Result<(), serde_json::Error> {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();
    // Each call adds the type and every named type under it to the definitions.
    generator.subschema_for::<Dialogue>();
    generator.subschema_for::<Issue>();
    generator.subschema_for::<WorkspaceSettings>();
    generator.subschema_for::<BusinessHours>();
    generator.subschema_for::<IdentityClaim>();
    generator.subschema_for::<VisitorIdentity>();
    generator.subschema_for::<ConversationRecord>();
    generator.subschema_for::<Report>();
    generator.subschema_for::<FallbackReason>();
    generator.subschema_for::<CannedReply>();
    let definitions = generator.take_definitions(true);
    println!("{}", serde_json::to_string_pretty(&definitions)?);
    Ok(())
}
