//! The dialogue data model, as stored by the edge and edited in the admin views.

use serde::{Deserialize, Serialize};

use crate::routing::Routing;
use crate::{ButtonId, CardId, DialogueId};

/// Branch names are chosen by the marketer ("main", "pricing", …).
pub type BranchId = String;

/// The branch every dialogue starts with.
pub const START_BRANCH: &str = "main";

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dialogue {
    pub id: DialogueId,
    pub name: String,
    /// Pages this dialogue is shown on. Empty means every page.
    #[serde(default)]
    pub targeting: Vec<UrlMatch>,
    /// Branches by id; the dialogue starts at the branch `main` ([`START_BRANCH`]).
    pub branches: Vec<Branch>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    pub id: BranchId,
    pub cards: Vec<Card>,
}

/// Serialized flat: `{"id": "q1", "kind": "question", "text": …, "buttons": […]}`.
///
/// Deserialized through [`CardWire`]: serde cannot combine `flatten` with
/// `deny_unknown_fields`, and a card with a misspelt field must be rejected, not ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "CardWire")]
pub struct Card {
    pub id: CardId,
    #[serde(flatten)]
    pub kind: CardKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CardKind {
    /// A line of text from the bot; the dialogue moves on by itself.
    Message { text: String },
    /// A question with buttons; each button may open a branch.
    Question {
        text: String,
        buttons: Vec<Button>,
        /// When nobody can chat at the moment the card is reached (outside business hours,
        /// nobody available below capacity), the visitor goes on with this branch instead of
        /// seeing the question: a "Talk to sales?" asked only when someone can answer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        when_unavailable: Option<BranchId>,
    },
    /// A form collecting the visitor's details.
    InfoCapture {
        text: String,
        fields: Vec<FieldSpec>,
    },
    /// Hand the visitor to a human. Must be the last card of its branch.
    LiveChat {
        text: String,
        routing: Routing,
        /// When nobody can chat at the moment of asking (outside business hours, nobody
        /// available, the engagement limit), the visitor goes on with this branch (an offline
        /// form, say) instead of the fallback message. None: the fallback message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        when_unavailable: Option<BranchId>,
    },
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Button {
    pub id: ButtonId,
    pub label: String,
    /// The branch this answer opens; absent (null) continues with the next card of the current branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goto: Option<BranchId>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    FirstName,
    LastName,
    Email,
    JobTitle,
    Company,
    Phone,
    Custom,
}

impl FieldKind {
    /// Every kind, in the order an editor lists them.
    pub const ALL: [FieldKind; 7] = [
        FieldKind::FirstName,
        FieldKind::LastName,
        FieldKind::Email,
        FieldKind::JobTitle,
        FieldKind::Company,
        FieldKind::Phone,
        FieldKind::Custom,
    ];

    /// The kind's name on the wire (serde's), for the clients' hand-written decoders, which
    /// carry no serde: one table for all of them.
    pub fn key(self) -> &'static str {
        match self {
            FieldKind::FirstName => "first_name",
            FieldKind::LastName => "last_name",
            FieldKind::Email => "email",
            FieldKind::JobTitle => "job_title",
            FieldKind::Company => "company",
            FieldKind::Phone => "phone",
            FieldKind::Custom => "custom",
        }
    }

    /// The kind named `key` on the wire, if any (a match, not a search of `ALL`: smaller in
    /// the widget's wasm).
    pub fn from_key(key: &str) -> Option<FieldKind> {
        Some(match key {
            "first_name" => FieldKind::FirstName,
            "last_name" => FieldKind::LastName,
            "email" => FieldKind::Email,
            "job_title" => FieldKind::JobTitle,
            "company" => FieldKind::Company,
            "phone" => FieldKind::Phone,
            "custom" => FieldKind::Custom,
            _ => return None,
        })
    }
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// The key the captured value is stored under (`email`, `first_name`, or a custom key).
    pub key: String,
    pub kind: FieldKind,
    pub label: String,
    #[serde(default)]
    pub required: bool,
}

/// A card as JSON: flat, `{"id", "kind", …the kind's fields}`; an unknown field is refused.
/// (The strict shape [`Card`] is read from.)
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum CardWire {
    Message {
        id: CardId,
        text: String,
    },
    Question {
        id: CardId,
        text: String,
        buttons: Vec<Button>,
        #[serde(default)]
        when_unavailable: Option<BranchId>,
    },
    InfoCapture {
        id: CardId,
        text: String,
        fields: Vec<FieldSpec>,
    },
    LiveChat {
        id: CardId,
        text: String,
        routing: Routing,
        #[serde(default)]
        when_unavailable: Option<BranchId>,
    },
}

/// A card's schema is the flat shape it is read from and written as.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Card {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Card".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        CardWire::json_schema(generator)
    }
}

impl From<CardWire> for Card {
    fn from(w: CardWire) -> Self {
        let (id, kind) = match w {
            CardWire::Message { id, text } => (id, CardKind::Message { text }),
            CardWire::Question {
                id,
                text,
                buttons,
                when_unavailable,
            } => (
                id,
                CardKind::Question {
                    text,
                    buttons,
                    when_unavailable,
                },
            ),
            CardWire::InfoCapture { id, text, fields } => {
                (id, CardKind::InfoCapture { text, fields })
            }
            CardWire::LiveChat {
                id,
                text,
                routing,
                when_unavailable,
            } => (
                id,
                CardKind::LiveChat {
                    text,
                    routing,
                    when_unavailable,
                },
            ),
        };
        Card { id, kind }
    }
}

/// A page-targeting rule, matched against the page URL's path (and query).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "match", content = "value", rename_all = "snake_case")]
pub enum UrlMatch {
    Exact(String),
    Prefix(String),
    Contains(String),
}

impl Dialogue {
    pub fn branch(&self, id: &str) -> Option<&Branch> {
        self.branches.iter().find(|b| b.id == id)
    }

    /// The first card of the dialogue, where a new conversation starts.
    pub fn first_card(&self) -> Option<&Card> {
        self.branch(START_BRANCH).and_then(|b| b.cards.first())
    }

    /// Finds a card and where it sits: (branch, index in branch).
    pub fn locate(&self, card: &CardId) -> Option<(&Branch, usize)> {
        self.branches
            .iter()
            .find_map(|b| b.cards.iter().position(|c| &c.id == card).map(|i| (b, i)))
    }

    pub fn card(&self, card: &CardId) -> Option<&Card> {
        self.locate(card).map(|(b, i)| &b.cards[i])
    }
}
