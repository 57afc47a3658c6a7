//! The admin in another language. The views are written in English; every word they put in
//! the DOM passes through [`tr`] (in `dom.rs`), which looks it up in the catalogue admin-boot.js
//! fetched for the admin's language (`inbox/i18n/admin.fr.txt`; none for English).
//!
//! A catalogue is lines of `English<TAB>translation`, sorted by the English (bytewise). In the
//! English, `{}` stands for a value formatted into the text (a name, a count), kept as it is, and
//! `{t}` for one that is itself a text to translate; the translation writes each as `{}`, in the
//! same order. A text that is not in the catalogue stays as it is: a missing line shows English,
//! never nothing.

use std::cell::RefCell;

pub struct Catalogue {
    lines: Vec<(String, String)>,
}

impl Catalogue {
    pub fn parse(text: &str) -> Catalogue {
        let lines = text.lines().filter_map(|l| l.split_once('\t'));
        Catalogue {
            lines: lines.map(|(en, to)| (en.into(), to.into())).collect(),
        }
    }

    /// The line that reads `s` with the most words of its own (so "Delete this {} card?" wins
    /// over "Delete {}"), else `s` as it is.
    pub fn translate(&self, s: &str) -> String {
        let best = self
            .lines
            .iter()
            .filter_map(|(en, to)| Some((en.len(), self.fill(en, to, s)?)))
            .max_by_key(|(n, _)| *n);
        best.map_or_else(|| s.into(), |(_, t)| t)
    }

    /// `s` read through the line `en` (a text, or a template whose holes pick out values) and
    /// written through `to`. A `{}` value stays as it is (a name, a visitor's words); a `{t}`
    /// value is translated in turn (a message inside a message, as in "Error: {t}").
    fn fill(&self, en: &str, to: &str, s: &str) -> Option<String> {
        let (mut en, mut to) = (en.split('{'), to.split("{}"));
        let mut rest = s.strip_prefix(en.next()?)?;
        let mut out = String::from(to.next()?);
        let mut en = en.peekable();
        while let Some(hole) = en.next() {
            let (translated, part) = match hole.strip_prefix("t}") {
                Some(p) => (true, p),
                None => (false, hole.strip_prefix('}')?),
            };
            let end = if en.peek().is_some() {
                rest.find(part)?
            } else {
                rest.strip_suffix(part)?.len()
            };
            let value = &rest[..end];
            if translated {
                out.push_str(&self.translate(value));
            } else {
                out.push_str(value);
            }
            out.push_str(to.next()?);
            rest = &rest[end + part.len()..];
        }
        rest.is_empty().then_some(out)
    }
}

thread_local! {
    static WORDS: RefCell<Catalogue> = const {
        RefCell::new(Catalogue { lines: Vec::new() })
    };
}

/// Takes the catalogue of the admin's language (empty for English).
pub fn load(text: &str) {
    WORDS.with(|w| *w.borrow_mut() = Catalogue::parse(text));
}

/// `s` in the admin's language.
pub fn tr(s: &str) -> String {
    WORDS.with(|w| w.borrow().translate(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Add card\tAjouter une carte\nError: {t}\tErreur : {}\nYou chose “{}”.\tVous avez choisi « {} ».\nYes\tOui\nAnswer {}\tRéponse {}\nAnswer {} id\tIdentifiant de la réponse {}\nDelete branch “{}” and its {} card(s)?\tSupprimer la branche « {} » et ses {} carte(s) ?\n";

    #[test]
    fn exact_texts_and_templates_translate() {
        let c = Catalogue::parse(SAMPLE);
        assert_eq!(c.translate("Add card"), "Ajouter une carte");
        assert_eq!(c.translate("Answer 2"), "Réponse 2");
        assert_eq!(c.translate("Answer 2 id"), "Identifiant de la réponse 2");
        assert_eq!(
            c.translate("Delete branch “sales” and its 3 card(s)?"),
            "Supprimer la branche « sales » et ses 3 carte(s) ?"
        );
        assert_eq!(
            c.translate("Error: Answer 4 id"),
            "Erreur : Identifiant de la réponse 4"
        );
        // A visitor's words are not the interface's: "Yes" alone is, “Yes” as an answer is not.
        assert_eq!(c.translate("Yes"), "Oui");
        assert_eq!(c.translate("You chose “Yes”."), "Vous avez choisi « Yes ».");
    }

    #[test]
    fn unknown_texts_stay_as_they_are() {
        let c = Catalogue::parse(SAMPLE);
        assert_eq!(c.translate("Hello"), "Hello");
        assert_eq!(
            c.translate("Delete branch “sales”"),
            "Delete branch “sales”"
        );
        assert_eq!(Catalogue::parse("").translate("Add card"), "Add card");
    }
}
