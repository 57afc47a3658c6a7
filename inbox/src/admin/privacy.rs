//! Erasing a visitor's data from the admin Privacy tab: what the admin typed, the question
//! asked before anything is erased, and the result in words.

use parlor_core::dialogue::looks_like_email;
use parlor_core::privacy::ErasureCounts;
use serde::Serialize;

/// Whose data to erase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EraseTarget {
    /// Every conversation whose captured details name this email.
    Email(String),
    /// One conversation by id.
    Conversation(String),
}

impl EraseTarget {
    /// `by` is `email` or `conversation`; the value as typed. Refusals are sentences.
    pub fn parse(by: &str, value: &str) -> Result<EraseTarget, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err("Enter the visitor's email address or a conversation id.".into());
        }
        if by == "conversation" {
            if value.len() <= 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(EraseTarget::Conversation(value.to_ascii_lowercase()))
            } else {
                Err("A conversation id is made of the digits 0-9 and letters a-f, as shown in Conversations.".into())
            }
        } else if looks_like_email(value) {
            Ok(EraseTarget::Email(value.to_owned()))
        } else {
            Err(format!("“{value}” is not an email address."))
        }
    }

    /// (`by`, value) for the form.
    pub fn fields(&self) -> (&'static str, &str) {
        match self {
            EraseTarget::Email(e) => ("email", e),
            EraseTarget::Conversation(c) => ("conversation", c),
        }
    }

    /// The question asked before erasing.
    pub fn question(&self) -> String {
        let whose = match self {
            EraseTarget::Email(e) => format!("every conversation of {e}"),
            EraseTarget::Conversation(c) => format!("conversation {c}"),
        };
        format!(
            "Erase {whose}? Messages, captured details and failed-action emails are deleted for good. This cannot be undone."
        )
    }

    /// The result, e.g. "Erased 2 conversations of ann@example.com."
    pub fn result(&self, counts: &ErasureCounts, more: bool) -> String {
        let n = counts.conversations.max(counts.index_rows);
        let mut s = match (self, n) {
            (EraseTarget::Email(e), 0) => format!(
                "Nothing to erase: no conversation of {e} was found (it may have been erased already)."
            ),
            (EraseTarget::Email(e), 1) => format!("Erased 1 conversation of {e}."),
            (EraseTarget::Email(e), n) => format!("Erased {n} conversations of {e}."),
            (EraseTarget::Conversation(c), 0) => format!(
                "Nothing to erase: conversation {c} was not found (it may have been erased already)."
            ),
            (EraseTarget::Conversation(c), _) => format!("Erased conversation {c}."),
        };
        if more {
            s.push_str(" More conversations remain: erase again to continue.");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(conversations: u64) -> ErasureCounts {
        ErasureCounts {
            conversations,
            index_rows: conversations,
            ..ErasureCounts::default()
        }
    }

    #[test]
    fn the_typed_target_is_checked_in_words() {
        assert_eq!(
            EraseTarget::parse("email", "  ann@example.com "),
            Ok(EraseTarget::Email("ann@example.com".into()))
        );
        assert_eq!(
            EraseTarget::parse("conversation", "ABCDEF0123"),
            Ok(EraseTarget::Conversation("abcdef0123".into()))
        );
        assert!(EraseTarget::parse("email", "").is_err());
        let why = EraseTarget::parse("email", "ann").expect_err("not an email");
        assert!(why.contains("not an email"), "{why}");
        assert!(EraseTarget::parse("conversation", "../x").is_err());
    }

    #[test]
    fn the_body_is_what_the_api_takes() {
        let body = serde_json::to_value(EraseTarget::Email("a@b.io".into())).expect("json");
        assert_eq!(body, serde_json::json!({"email": "a@b.io"}));
        let body = serde_json::to_value(EraseTarget::Conversation("ab".into())).expect("json");
        assert_eq!(body, serde_json::json!({"conversation": "ab"}));
    }

    #[test]
    fn nothing_is_erased_before_the_admin_confirms() {
        use crate::admin::model::{Effect, Model, Msg, Tab};
        use crate::admin::update::update;
        let mut m = Model::default();
        let fx = update(&mut m, Msg::EraseAsk("email".into(), "ann".into()));
        assert!(fx.is_empty());
        assert!(m
            .flash
            .as_ref()
            .is_some_and(|(t, _, err)| *t == Tab::Privacy && *err));
        let fx = update(
            &mut m,
            Msg::EraseAsk("email".into(), "ann@example.com".into()),
        );
        assert!(fx.is_empty(), "asking erases nothing");
        assert_eq!(
            m.erase_ask,
            Some(EraseTarget::Email("ann@example.com".into()))
        );
        update(&mut m, Msg::EraseCancel);
        assert_eq!(m.erase_ask, None);
        assert!(
            update(&mut m, Msg::EraseConfirm).is_empty(),
            "nothing to confirm"
        );
        update(
            &mut m,
            Msg::EraseAsk("email".into(), "ann@example.com".into()),
        );
        let fx = update(&mut m, Msg::EraseConfirm);
        assert_eq!(
            fx,
            vec![Effect::Erase(EraseTarget::Email("ann@example.com".into()))]
        );
        assert!(m.erasing);
        update(
            &mut m,
            Msg::Erased(
                EraseTarget::Email("ann@example.com".into()),
                counts(2),
                false,
            ),
        );
        assert!(!m.erasing);
        assert_eq!(
            m.flash,
            Some((
                Tab::Privacy,
                "Erased 2 conversations of ann@example.com.".into(),
                false
            ))
        );
    }

    #[test]
    fn erased_conversations_leave_the_list() {
        use crate::admin::model::{Model, Msg};
        use crate::admin::update::update;
        use parlor_core::protocol::{ConversationRecord, ConversationStatus};
        let row = |id: &str| ConversationRecord {
            identity: None,
            id: id.into(),
            created_at: 1,
            updated_at: 2,
            dialogue: "d1".into(),
            page_url: String::new(),
            status: ConversationStatus::Ended,
            agent: None,
            captured: Default::default(),
            last_message: None,
            revision: 1,
            first_agent_reply_at: None,
        };
        let mut m = Model {
            conversations: vec![row("a"), row("b"), row("c")],
            ..Model::default()
        };
        update(&mut m, Msg::Gone(vec!["a".into(), "c".into()]));
        assert_eq!(m.conversations, vec![row("b")]);
    }

    #[test]
    fn results_are_sentences() {
        let ann = EraseTarget::Email("ann@example.com".into());
        assert_eq!(
            ann.result(&counts(2), false),
            "Erased 2 conversations of ann@example.com."
        );
        assert_eq!(
            ann.result(&counts(1), false),
            "Erased 1 conversation of ann@example.com."
        );
        assert!(ann
            .result(&counts(0), false)
            .starts_with("Nothing to erase"));
        assert!(ann
            .result(&counts(100), true)
            .ends_with("erase again to continue."));
        let one = EraseTarget::Conversation("abc".into());
        assert_eq!(one.result(&counts(1), false), "Erased conversation abc.");
        assert!(one.question().contains("cannot be undone"));
    }
}
