//! Which methods a public path accepts, read from the published API description
//! (`docs/openapi.json`, the contract third parties build against), so a wrong method on a
//! known path is a 405 with an `Allow` header and never a misleading 404.

use std::sync::OnceLock;

/// One documented path: its segments (`None` for a `{parameter}`) and its methods, upper case.
struct Template {
    segments: Vec<Option<String>>,
    methods: Vec<String>,
}

static TEMPLATES: OnceLock<Vec<Template>> = OnceLock::new();

fn templates() -> &'static [Template] {
    TEMPLATES.get_or_init(|| parse(crate::routes::OPENAPI))
}

fn parse(openapi: &str) -> Vec<Template> {
    const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
    let doc: serde_json::Value = serde_json::from_str(openapi).unwrap_or_default();
    let Some(paths) = doc.get("paths").and_then(|p| p.as_object()) else {
        return Vec::new();
    };
    paths
        .iter()
        .map(|(path, ops)| Template {
            segments: path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                .collect(),
            methods: METHODS
                .iter()
                .filter(|m| ops.get(**m).is_some())
                .map(|m| m.to_ascii_uppercase())
                .collect(),
        })
        .collect()
}

/// The methods documented for `path`, or `None` when no documented path matches it. Where
/// several match (`/dialogues/validate` and `/dialogues/{id}`), the one with the most literal
/// segments wins. Borrowed: every API request asks, and only a refusal needs a copy.
pub fn allowed(path: &str) -> Option<&'static [String]> {
    allowed_in(templates(), path)
}

fn allowed_in<'t>(templates: &'t [Template], path: &str) -> Option<&'t [String]> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let literal_count = |t: &Template| t.segments.iter().filter(|s| s.is_some()).count();
    templates
        .iter()
        .filter(|t| {
            t.segments.len() == segs.len()
                && t.segments
                    .iter()
                    .zip(&segs)
                    .all(|(t, s)| t.as_deref().is_none_or(|lit| lit == *s))
        })
        .max_by_key(|t| literal_count(t))
        .map(|t| t.methods.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Vec<Template> {
        parse(include_str!("../../docs/openapi.json"))
    }

    #[test]
    fn a_documented_path_lists_its_methods() {
        let t = doc();
        assert_eq!(
            allowed_in(&t, "/api/workspaces/acme/settings").map(<[String]>::to_vec),
            Some(vec!["GET".to_owned(), "PUT".to_owned()])
        );
        assert_eq!(
            allowed_in(&t, "/api/workspaces/acme/dialogues/welcome").map(<[String]>::to_vec),
            Some(vec!["GET".into(), "PUT".into(), "DELETE".into()])
        );
    }

    #[test]
    fn a_literal_segment_beats_a_parameter() {
        let t = doc();
        assert_eq!(
            allowed_in(&t, "/api/workspaces/acme/dialogues/validate").map(<[String]>::to_vec),
            Some(vec!["POST".to_owned()])
        );
    }

    #[test]
    fn an_unknown_path_has_no_methods() {
        let t = doc();
        assert_eq!(allowed_in(&t, "/api/workspaces/acme/nothing-here"), None);
        assert_eq!(allowed_in(&t, "/api/nope"), None);
        assert_eq!(allowed_in(&t, "/api/workspaces/acme/settings/extra"), None);
    }

    #[test]
    fn every_documented_path_has_a_method() {
        let t = doc();
        assert!(t.len() > 30);
        assert!(t.iter().all(|t| !t.methods.is_empty()));
    }
}
