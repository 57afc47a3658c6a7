//! What `validate` reports: stable codes for programs, sentences for people.

use serde::{Deserialize, Serialize};

use super::model::BranchId;
use crate::CardId;

/// The result of validating a dialogue. It may be saved only if `errors` is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

impl Report {
    /// True when the dialogue may be saved (warnings do not block).
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub code: IssueCode,
    /// The branch concerned; null for issues about the whole dialogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<BranchId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<CardId>,
    /// A sentence naming the branch and card, for the admin view.
    pub message: String,
}

/// Stable identifiers of dialogue problems (snake_case on the wire). Never renamed.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueCode {
    // Errors.
    LiveChatNotLast,
    MissingStartBranch,
    EmptyBranch,
    DuplicateBranchId,
    DuplicateCardId,
    DuplicateButtonId,
    DuplicateFieldKey,
    UnknownBranch,
    BranchCycle,
    QuestionWithoutButtons,
    EmptyText,
    CaptureWithoutFields,
    MissingFieldKey,
    InvalidId,
    TooManyCards,
    TooManyButtons,
    TooManyFields,
    TooManyRules,
    TooManyTargetingRules,
    TextTooLong,
    MissingRoutingTarget,
    NoRoutingRules,
    RuleWithoutConditions,
    ConditionValues,
    ConditionSubject,
    UnavailableBranchHasLiveChat,
    // Warnings.
    UnreachableBranch,
    NoQuestionBeforeLiveChat,
    NoCaptureBeforeLiveChat,
}

impl IssueCode {
    pub fn as_str(self) -> &'static str {
        use IssueCode::*;
        match self {
            LiveChatNotLast => "live_chat_not_last",
            MissingStartBranch => "missing_start_branch",
            EmptyBranch => "empty_branch",
            DuplicateBranchId => "duplicate_branch_id",
            DuplicateCardId => "duplicate_card_id",
            DuplicateButtonId => "duplicate_button_id",
            DuplicateFieldKey => "duplicate_field_key",
            UnknownBranch => "unknown_branch",
            BranchCycle => "branch_cycle",
            QuestionWithoutButtons => "question_without_buttons",
            EmptyText => "empty_text",
            CaptureWithoutFields => "capture_without_fields",
            MissingFieldKey => "missing_field_key",
            InvalidId => "invalid_id",
            TooManyCards => "too_many_cards",
            TooManyButtons => "too_many_buttons",
            TooManyFields => "too_many_fields",
            TooManyRules => "too_many_rules",
            TooManyTargetingRules => "too_many_targeting_rules",
            TextTooLong => "text_too_long",
            MissingRoutingTarget => "missing_routing_target",
            NoRoutingRules => "no_routing_rules",
            RuleWithoutConditions => "rule_without_conditions",
            ConditionValues => "condition_values",
            ConditionSubject => "condition_subject",
            UnavailableBranchHasLiveChat => "unavailable_branch_has_live_chat",
            UnreachableBranch => "unreachable_branch",
            NoQuestionBeforeLiveChat => "no_question_before_live_chat",
            NoCaptureBeforeLiveChat => "no_capture_before_live_chat",
        }
    }
}

impl core::fmt::Display for IssueCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}
