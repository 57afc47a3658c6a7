//! The French catalogue covers every text the admin writes: each string literal of the admin's
//! sources (and the dialogue validator's messages it shows) that reads as words has a line in
//! `inbox/i18n/admin.fr.txt`, and every line is well formed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use parlor_inbox::i18n::Catalogue;

const CATALOGUE: &str = include_str!("../i18n/admin.fr.txt");

/// Literals of the admin's sources that are not words shown to a person: HTTP headers, key
/// names, CSS classes and selectors, the embed snippet, an SVG path.
const NOT_TEXT: &[&str] = &[
    " has-error",
    " has-warning",
    " selected",
    ".flow [data-sel=\"{}\"]",
    "<script src=\"{}/widget.js\" data-workspace=\"{}\" async></script>",
    "Authorization",
    "Bearer {}",
    "Content-Type",
    "If-Match",
    "M0 0 L10 5 L0 10 z",
    "Option::is_none",
    "badge error",
    "badge warning",
    "bar-seg seg-{}",
    "branch-head selected",
    "chart-title chart-desc",
    "conn off",
    "conn on",
    "details > summary",
    "details[open] > summary",
    "edge dashed",
    "error flash",
    "form [name], [data-keep]",
    "muted draft-state",
    "node kind-{}",
    "node-row broken",
    "ok flash",
    "panel secret",
    "row-click selected",
    "signin card",
    "status status-{}",
    "template card",
    "toolbar card-actions",
    "toolbar designer-bar",
    "Control+Shift+Z",
    "Control+Z",
    "idv claim",
    "idv ok",
    "parlor inbox:",
];

/// A new card's first words: the marketer's content from then on, stored and shown as written.
const CARD_DEFAULTS: &[&str] = &[
    "Hello!",
    "What brings you here today?",
    "Tell us who you are.",
    "Connecting you to an agent…",
];

/// Pieces of a text the catalogue holds whole (the view builds it from them), and formats whose
/// finished texts it holds ("Move {dir} {name}": "Move up {}", "Move down {}").
const PIECES: &[&str] = &[
    "Unpublished changes to “",
    "Discard: ",
    "Missed: ",
    "Move {} {}",
    "Unverified claim: ",
    "✓ Verified: ",
    "{} · as given: {}",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The string literals of Rust source `src` before its tests, format arguments written `{}`.
fn literals(src: &str) -> Vec<String> {
    let src = src.split("#[cfg(test)]").next().unwrap();
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            '/' if b.get(i + 1) == Some(&'/') => {
                while i < b.len() && b[i] != '\n' {
                    i += 1;
                }
            }
            '\'' if b.get(i + 1) == Some(&'"') || b.get(i + 1) == Some(&'\\') => {
                // '"' or an escaped char literal.
                i += if b[i + 1] == '\\' { 4 } else { 3 };
                continue;
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                while i < b.len() && b[i] != '"' {
                    if b[i] == '\\' {
                        i += 1;
                        match b[i] {
                            'n' => s.push('\n'),
                            c => s.push(c),
                        }
                    } else {
                        s.push(b[i]);
                    }
                    i += 1;
                }
                out.push(format_args_as_holes(&s));
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// `format!`'s `{name}`, `{0}`, `{:?}` as `{}`; `{{` and `}}` as braces.
fn format_args_as_holes(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
                out.push_str("{}");
            }
            c => out.push(c),
        }
    }
    out
}

/// Reads as words: a capital then a small letter, or words with a space between.
fn reads_as_words(s: &str) -> bool {
    let mut c = s.chars();
    let (a, b) = (c.next(), c.next());
    let capital =
        a.is_some_and(|a| a.is_uppercase()) && b.is_some_and(|b| b.is_lowercase() || b == ' ');
    let words = s.contains(' ') && s.chars().filter(|c| c.is_alphabetic()).count() > 2;
    (capital || words) && !s.contains('\n')
}

fn texts() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&root().join("inbox/src/admin"), &mut files);
    // What the admin shares with the inbox and shows: sign-in errors, transcript lines.
    for f in ["dom.rs", "error.rs", "fmt.rs"] {
        files.push(root().join("inbox/src").join(f));
    }
    rust_files(&root().join("core/src/dialogue/validate"), &mut files);
    files.push(root().join("core/src/dialogue/validate.rs"));
    let mut all = BTreeSet::new();
    for f in files {
        let src = std::fs::read_to_string(&f).unwrap();
        for l in literals(&src) {
            if reads_as_words(&l)
                && !NOT_TEXT.contains(&l.as_str())
                && !PIECES.contains(&l.as_str())
                && !CARD_DEFAULTS.contains(&l.as_str())
            {
                all.insert(l);
            }
        }
    }
    all
}

fn lines() -> Vec<(&'static str, &'static str)> {
    CATALOGUE
        .lines()
        .map(|l| {
            l.split_once('\t')
                .unwrap_or_else(|| panic!("no tab in {l:?}"))
        })
        .collect()
}

#[test]
fn every_admin_text_has_a_french_line() {
    let have: BTreeSet<String> = lines()
        .into_iter()
        .map(|(en, _)| en.replace("{t}", "{}"))
        .collect();
    let missing: Vec<String> = texts().into_iter().filter(|t| !have.contains(t)).collect();
    assert!(
        missing.is_empty(),
        "{} admin text(s) without a line in inbox/i18n/admin.fr.txt:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn the_catalogue_is_sorted_and_well_formed() {
    let lines = lines();
    for w in lines.windows(2) {
        assert!(
            w[0].0 < w[1].0,
            "not sorted or repeated: {:?} then {:?}",
            w[0].0,
            w[1].0
        );
    }
    for (en, fr) in &lines {
        assert!(!fr.trim().is_empty(), "no translation for {en:?}");
        let holes = en.replace("{t}", "{}");
        assert_eq!(
            holes.matches("{}").count(),
            fr.matches("{}").count(),
            "values differ: {en:?} → {fr:?}"
        );
        assert!(
            !holes.contains("{}{}"),
            "two values side by side cannot be told apart: {en:?}"
        );
        assert!(
            holes.replace("{}", "").trim().len() > 1,
            "a template must have words: {en:?}"
        );
        assert!(
            !fr.contains("{t}"),
            "{{t}} marks values in the English only: {en:?}"
        );
    }
}

#[test]
fn each_template_reads_its_own_texts() {
    // A text made from a template (values filled in) translates through that template, not
    // through a shorter one that also matches.
    let c = Catalogue::parse(CATALOGUE);
    for (en, fr) in lines().into_iter().filter(|(en, _)| en.contains('{')) {
        let sample = en.replace("{t}", "Q7").replace("{}", "Q7");
        assert_eq!(
            c.translate(&sample),
            fr.replace("{}", "Q7"),
            "{en:?} read through another template"
        );
    }
}
