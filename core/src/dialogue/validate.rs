//! The rules a dialogue must follow to be saved (errors) or should follow (warnings).

use std::collections::{BTreeMap, BTreeSet};

use super::issue::{Issue, IssueCode, Report};
use super::model::{Branch, Card, CardKind, Dialogue, FieldKind, START_BRANCH};

/// Most cards in one dialogue.
pub const MAX_CARDS: usize = 200;
/// Longest card text, in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// Longest button or field label, in characters.
pub const MAX_LABEL_CHARS: usize = 200;
pub const MAX_BUTTONS: usize = 10;
pub const MAX_FIELDS: usize = 20;
/// Most routing rules on one live chat card.
pub const MAX_RULES: usize = 50;
pub const MAX_TARGETING_RULES: usize = 50;
/// Longest branch, card, button id or field key; ids are `[A-Za-z0-9_-]`.
pub const MAX_ID_CHARS: usize = 64;

mod graph;
mod routing;

/// Checks a dialogue before it is saved. Errors block saving; warnings are advice.
pub fn validate(dialogue: &Dialogue) -> Report {
    let mut v = Validator {
        d: dialogue,
        report: Report::default(),
    };
    v.dialogue_level();
    v.branches();
    v.graph();
    v.best_practices();
    v.report
}

/// True for a non-empty id of at most [`MAX_ID_CHARS`] characters in `[A-Za-z0-9_-]`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_CHARS
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

struct Validator<'a> {
    d: &'a Dialogue,
    report: Report,
}

/// `Branch "b": card "c" (question)` — how every card issue starts.
fn at(branch: &Branch, card: &Card) -> String {
    format!(
        "Branch \"{}\": card \"{}\" ({})",
        branch.id,
        card.id,
        kind_name(&card.kind)
    )
}

fn kind_name(kind: &CardKind) -> &'static str {
    match kind {
        CardKind::Message { .. } => "message",
        CardKind::Question { .. } => "question",
        CardKind::InfoCapture { .. } => "info capture",
        CardKind::LiveChat { .. } => "live chat",
    }
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

impl<'a> Validator<'a> {
    fn error(
        &mut self,
        code: IssueCode,
        branch: Option<&Branch>,
        card: Option<&Card>,
        message: String,
    ) {
        self.report.errors.push(issue(code, branch, card, message));
    }

    fn warn(
        &mut self,
        code: IssueCode,
        branch: Option<&Branch>,
        card: Option<&Card>,
        message: String,
    ) {
        self.report
            .warnings
            .push(issue(code, branch, card, message));
    }

    fn card_error(&mut self, code: IssueCode, branch: &Branch, card: &Card, rest: &str) {
        let message = format!("{} {rest}", at(branch, card));
        self.error(code, Some(branch), Some(card), message);
    }

    fn dialogue_level(&mut self) {
        let d = self.d;
        let cards: usize = d.branches.iter().map(|b| b.cards.len()).sum();
        if cards > MAX_CARDS {
            self.error(
                IssueCode::TooManyCards,
                None,
                None,
                format!("The dialogue has {cards} cards; the limit is {MAX_CARDS}."),
            );
        }
        if d.targeting.len() > MAX_TARGETING_RULES {
            self.error(
                IssueCode::TooManyTargetingRules,
                None,
                None,
                format!(
                    "The dialogue has {} page targeting rules; the limit is {MAX_TARGETING_RULES}.",
                    d.targeting.len()
                ),
            );
        }
        if too_long(&d.name, MAX_LABEL_CHARS) {
            self.error(
                IssueCode::TextTooLong,
                None,
                None,
                format!("The dialogue name is longer than {MAX_LABEL_CHARS} characters."),
            );
        }
        if d.branch(START_BRANCH).is_none() {
            self.report.errors.push(Issue {
                code: IssueCode::MissingStartBranch,
                branch: Some(START_BRANCH.to_owned()),
                card: None,
                message: format!("The dialogue has no \"{START_BRANCH}\" branch to start from."),
            });
        }
    }

    fn branches(&mut self) {
        let d = self.d;
        let mut branch_ids = BTreeSet::new();
        let mut card_ids = BTreeMap::new();
        for branch in &d.branches {
            if !is_valid_id(&branch.id) {
                self.error(
                    IssueCode::InvalidId,
                    Some(branch),
                    None,
                    format!("Branch \"{}\": {}", branch.id, id_rule("a branch id")),
                );
            }
            if !branch_ids.insert(branch.id.as_str()) {
                self.error(
                    IssueCode::DuplicateBranchId,
                    Some(branch),
                    None,
                    format!("Branch \"{}\" is defined more than once.", branch.id),
                );
            }
            if branch.cards.is_empty() {
                self.error(
                    IssueCode::EmptyBranch,
                    Some(branch),
                    None,
                    format!("Branch \"{}\" has no cards.", branch.id),
                );
            }
            for (i, card) in branch.cards.iter().enumerate() {
                if !is_valid_id(card.id.as_str()) {
                    self.card_error(
                        IssueCode::InvalidId,
                        branch,
                        card,
                        &format!(": {}", id_rule("a card id")),
                    );
                }
                if let Some(first) = card_ids.insert(card.id.as_str(), branch.id.as_str()) {
                    self.card_error(
                        IssueCode::DuplicateCardId,
                        branch,
                        card,
                        &format!("reuses an id already used in branch \"{first}\"; card ids must be unique."),
                    );
                }
                if let (CardKind::LiveChat { .. }, Some(next)) =
                    (&card.kind, branch.cards.get(i + 1))
                {
                    self.card_error(
                        IssueCode::LiveChatNotLast,
                        branch,
                        card,
                        &format!(
                            "must be the last card of its branch; card \"{}\" comes after it.",
                            next.id
                        ),
                    );
                }
                self.card(branch, card);
            }
        }
    }

    fn card(&mut self, branch: &Branch, card: &Card) {
        let text = match &card.kind {
            CardKind::Message { text }
            | CardKind::Question { text, .. }
            | CardKind::InfoCapture { text, .. }
            | CardKind::LiveChat { text, .. } => text,
        };
        if too_long(text, MAX_TEXT_CHARS) {
            self.card_error(
                IssueCode::TextTooLong,
                branch,
                card,
                &format!("has text longer than {MAX_TEXT_CHARS} characters."),
            );
        }
        match &card.kind {
            CardKind::Message { text } if text.trim().is_empty() => {
                self.card_error(IssueCode::EmptyText, branch, card, "has no text.");
            }
            CardKind::Message { .. } => {}
            CardKind::Question {
                text,
                buttons,
                when_unavailable,
            } => {
                if text.trim().is_empty() {
                    self.card_error(IssueCode::EmptyText, branch, card, "has no question text.");
                }
                self.buttons(branch, card, buttons);
                if let Some(goto) = when_unavailable {
                    self.unavailable_branch(branch, card, goto);
                }
            }
            CardKind::InfoCapture { fields, .. } => self.fields(branch, card, fields),
            CardKind::LiveChat {
                routing,
                when_unavailable,
                ..
            } => {
                self.routing(branch, card, routing);
                if let Some(goto) = when_unavailable {
                    self.unavailable_branch(branch, card, goto);
                }
            }
        }
    }

    /// Where a live chat or question card sends visitors nobody can chat with: a branch that exists and
    /// asks for no live chat itself (no loop back into routing).
    fn unavailable_branch(&mut self, branch: &Branch, card: &Card, goto: &str) {
        match self.d.branch(goto) {
            None => self.card_error(
                IssueCode::UnknownBranch,
                branch,
                card,
                &format!("sends visitors nobody can chat with to branch \"{goto}\", which does not exist."),
            ),
            Some(target) => {
                if target
                    .cards
                    .iter()
                    .any(|c| matches!(c.kind, CardKind::LiveChat { .. }))
                {
                    self.card_error(
                        IssueCode::UnavailableBranchHasLiveChat,
                        branch,
                        card,
                        &format!("sends visitors nobody can chat with to branch \"{goto}\", which asks for a live chat again; use a branch with a form or a message."),
                    );
                }
            }
        }
    }

    fn buttons(&mut self, branch: &Branch, card: &Card, buttons: &[super::model::Button]) {
        if buttons.is_empty() {
            self.card_error(
                IssueCode::QuestionWithoutButtons,
                branch,
                card,
                "has no buttons to answer with.",
            );
        }
        if buttons.len() > MAX_BUTTONS {
            self.card_error(
                IssueCode::TooManyButtons,
                branch,
                card,
                &format!("has {} buttons; the limit is {MAX_BUTTONS}.", buttons.len()),
            );
        }
        let mut seen = BTreeSet::new();
        for b in buttons {
            let name = format!("button \"{}\"", b.id);
            if !is_valid_id(b.id.as_str()) {
                self.card_error(
                    IssueCode::InvalidId,
                    branch,
                    card,
                    &format!(": {name}: {}", id_rule("a button id")),
                );
            }
            if !seen.insert(b.id.as_str()) {
                self.card_error(
                    IssueCode::DuplicateButtonId,
                    branch,
                    card,
                    &format!("has more than one {name}."),
                );
            }
            if b.label.trim().is_empty() {
                self.card_error(
                    IssueCode::EmptyText,
                    branch,
                    card,
                    &format!("has {name} without a label."),
                );
            }
            if too_long(&b.label, MAX_LABEL_CHARS) {
                self.card_error(
                    IssueCode::TextTooLong,
                    branch,
                    card,
                    &format!("has {name} with a label longer than {MAX_LABEL_CHARS} characters."),
                );
            }
            if let Some(goto) = &b.goto {
                if self.d.branch(goto).is_none() {
                    self.card_error(
                        IssueCode::UnknownBranch,
                        branch,
                        card,
                        &format!("has {name} going to branch \"{goto}\", which does not exist."),
                    );
                }
            }
        }
    }

    fn fields(&mut self, branch: &Branch, card: &Card, fields: &[super::model::FieldSpec]) {
        if fields.is_empty() {
            self.card_error(
                IssueCode::CaptureWithoutFields,
                branch,
                card,
                "asks for no fields.",
            );
        }
        if fields.len() > MAX_FIELDS {
            self.card_error(
                IssueCode::TooManyFields,
                branch,
                card,
                &format!("has {} fields; the limit is {MAX_FIELDS}.", fields.len()),
            );
        }
        let mut seen = BTreeSet::new();
        for f in fields {
            if f.key.is_empty() {
                let what = if f.kind == FieldKind::Custom {
                    "custom field"
                } else {
                    "field"
                };
                let label = f.label.trim();
                self.card_error(
                    IssueCode::MissingFieldKey,
                    branch,
                    card,
                    &format!("has a {what} \"{label}\" without a key to store the answer under."),
                );
                continue;
            }
            if !is_valid_id(&f.key) {
                self.card_error(
                    IssueCode::InvalidId,
                    branch,
                    card,
                    &format!(": field \"{}\": {}", f.key, id_rule("a field key")),
                );
            }
            if !seen.insert(f.key.as_str()) {
                self.card_error(
                    IssueCode::DuplicateFieldKey,
                    branch,
                    card,
                    &format!("asks for field \"{}\" more than once.", f.key),
                );
            }
            if too_long(&f.label, MAX_LABEL_CHARS) {
                self.card_error(
                    IssueCode::TextTooLong,
                    branch,
                    card,
                    &format!(
                        "has field \"{}\" with a label longer than {MAX_LABEL_CHARS} characters.",
                        f.key
                    ),
                );
            }
        }
    }
}

fn issue(code: IssueCode, branch: Option<&Branch>, card: Option<&Card>, message: String) -> Issue {
    Issue {
        code,
        branch: branch.map(|b| b.id.clone()),
        card: card.map(|c| c.id.clone()),
        message,
    }
}

fn id_rule(what: &str) -> String {
    format!("{what} must be 1 to {MAX_ID_CHARS} letters, digits, '_' or '-'.")
}
