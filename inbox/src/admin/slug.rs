//! Ids from labels: a marketer names things; the designer derives the ids the wire needs
//! (`[a-z0-9-]`, at most 40 characters, unique where they must be).

const MAX_SLUG: usize = 40;

/// `"Talk to sales!"` → `talk-to-sales`, `"Démo gratuite"` → `demo-gratuite`; a label with no
/// letter or digit gives `fallback`.
pub fn slug(label: &str, fallback: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for ch in label.chars().flat_map(char::to_lowercase) {
        let c = fold(ch);
        if c.is_ascii_alphanumeric() {
            let dash = gap && !out.is_empty();
            if out.len() + usize::from(dash) + 1 > MAX_SLUG {
                break;
            }
            if dash {
                out.push('-');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    if out.is_empty() {
        fallback.into()
    } else {
        out
    }
}

/// `base`, else `base-2`, `base-3`, … — the first one `used` says is free. (`dyn`: one copy
/// in the bundle for its eight callers.)
pub fn unique(base: &str, used: &dyn Fn(&str) -> bool) -> String {
    if !used(base) {
        return base.into();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|s| !used(s))
        .unwrap_or_default()
}

/// True while `id` is still the one derived from `label` (the admin has not set it apart).
pub fn follows(id: &str, label: &str) -> bool {
    let base = slug(label, "");
    if base.is_empty() {
        return true;
    }
    id == base
        || id
            .strip_prefix(&base)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Latin letters with accents to their base letter (French, Spanish, German, Portuguese).
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ß' => 's',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parlor_core::dialogue::is_valid_id;

    #[test]
    fn labels_become_valid_ids() {
        assert_eq!(slug("Talk to sales!", "x"), "talk-to-sales");
        assert_eq!(slug("  Démo GRATUITE  ", "x"), "demo-gratuite");
        assert_eq!(slug("💬", "answer"), "answer");
        for label in [
            "a b",
            "---",
            "Ünïcödé ß",
            &"long ".repeat(40),
            "é",
            "日本語 pricing",
        ] {
            let s = slug(label, "answer");
            assert!(is_valid_id(&s), "{label:?} → {s:?}");
            assert!(s.len() <= MAX_SLUG);
        }
    }

    #[test]
    fn unique_ids_count_up_and_ids_follow_labels_until_set_apart() {
        let taken = ["pricing", "pricing-2"];
        assert_eq!(unique("pricing", &|s| taken.contains(&s)), "pricing-3");
        assert_eq!(unique("demo", &|s| taken.contains(&s)), "demo");
        assert!(follows("pricing-2", "Pricing"));
        assert!(follows("yes", "Yes"));
        assert!(!follows("custom-id", "Pricing"));
        assert!(!follows("pricing-x", "Pricing"));
    }
}
