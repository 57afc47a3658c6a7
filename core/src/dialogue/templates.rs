//! Ready-made dialogues a marketer starts from in the dialogue designer. Each one follows every
//! best practice `validate` checks (a question and a capture before live chat, no dead branch),
//! so a new dialogue opens with no warning to explain.

use super::model::{Branch, Button, Card, CardKind, Dialogue, FieldKind, FieldSpec, START_BRANCH};
use crate::routing::Routing;

/// One entry of the template picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    pub key: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

pub const TEMPLATES: [Template; 3] = [
    Template {
        key: "sales_qualification",
        name: "Sales qualification",
        description: "Find out what visitors need and how big their team is, then connect the right ones with sales.",
    },
    Template {
        key: "demo_request",
        name: "Demo request",
        description: "Collect demo requests with contact details and hand hot leads straight to a live chat.",
    },
    Template {
        key: "pricing_question",
        name: "Pricing question",
        description: "Answer common pricing and billing questions, and offer a chat when a plan needs discussing.",
    },
];

/// The dialogue of template `key`, with id `id` (named after the template); `None` for an
/// unknown key.
pub fn template(key: &str, id: &str) -> Option<Dialogue> {
    let t = TEMPLATES.iter().find(|t| t.key == key)?;
    let branches = match t.key {
        "sales_qualification" => sales_qualification(),
        "demo_request" => demo_request(),
        "pricing_question" => pricing_question(),
        _ => return None,
    };
    Some(Dialogue {
        id: id.into(),
        name: t.name.to_owned(),
        targeting: Vec::new(),
        branches,
    })
}

fn sales_qualification() -> Vec<Branch> {
    vec![
        branch(
            START_BRANCH,
            vec![
                message("welcome", "Hi there! Thanks for stopping by."),
                question(
                    "intent",
                    "What brings you here today?",
                    &[
                        ("evaluating", "I'm choosing a tool for my team", "team_size"),
                        ("pricing", "I have a question about pricing", "pricing"),
                        ("browsing", "Just looking around", "browse"),
                    ],
                ),
            ],
        ),
        branch(
            "team_size",
            vec![question(
                "size",
                "Great! How many people would use it?",
                &[
                    ("small", "1 to 10", "self_serve"),
                    ("medium", "11 to 50", "talk"),
                    ("large", "More than 50", "talk"),
                ],
            )],
        ),
        branch(
            "self_serve",
            vec![
                message(
                    "trial",
                    "Teams your size usually get going fastest with our free trial: no credit card needed.",
                ),
                question(
                    "still_talk",
                    "Would you still like a quick chat with our team?",
                    &[
                        ("yes", "Yes, let's chat", "talk"),
                        ("no", "No thanks, I'll try it", "browse"),
                    ],
                ),
            ],
        ),
        branch(
            "pricing",
            vec![
                message(
                    "plans",
                    "Every plan is listed on our pricing page, and we're happy to help you pick one.",
                ),
                question(
                    "pricing_talk",
                    "Would you like to talk it through with someone from sales?",
                    &[
                        ("yes", "Yes, please", "talk"),
                        ("no", "Not right now", "browse"),
                    ],
                ),
            ],
        ),
        branch(
            "talk",
            vec![
                capture(
                    "details",
                    "Tell us a little about yourself so the right person can help.",
                    vec![
                        field("first_name", FieldKind::FirstName, "First name", true),
                        field("email", FieldKind::Email, "Work email", true),
                        field("company", FieldKind::Company, "Company", false),
                        field("job_title", FieldKind::JobTitle, "Job title", false),
                    ],
                ),
                live_chat(
                    "sales_chat",
                    "Thanks! Connecting you with someone from our sales team…",
                    "leave_details",
                ),
            ],
        ),
        branch(
            "leave_details",
            vec![
                message(
                    "offline",
                    "Our sales team can't chat right now, but we'll email you within one business day.",
                ),
                capture(
                    "offline_note",
                    "Anything we should know before we get in touch?",
                    vec![field("note", FieldKind::Custom, "Your message", false)],
                ),
            ],
        ),
        branch(
            "browse",
            vec![message(
                "goodbye",
                "No problem! We're right here if you need anything.",
            )],
        ),
    ]
}

fn demo_request() -> Vec<Branch> {
    vec![
        branch(
            START_BRANCH,
            vec![
                message("welcome", "Hi! Want to see the product in action?"),
                question(
                    "intent",
                    "How can we help you today?",
                    &[
                        ("demo", "Book a demo", "demo"),
                        ("question", "Ask a quick question", "ask"),
                        ("browsing", "Just browsing", "browse"),
                    ],
                ),
            ],
        ),
        branch(
            "demo",
            vec![
                capture(
                    "demo_details",
                    "Great choice! Who should we prepare the demo for?",
                    vec![
                        field("first_name", FieldKind::FirstName, "First name", true),
                        field("last_name", FieldKind::LastName, "Last name", false),
                        field("email", FieldKind::Email, "Work email", true),
                        field("company", FieldKind::Company, "Company", true),
                        field("phone", FieldKind::Phone, "Phone", false),
                    ],
                ),
                live_chat(
                    "demo_chat",
                    "Thanks! Connecting you with our team to set up your demo…",
                    "schedule",
                ),
            ],
        ),
        branch(
            "schedule",
            vec![
                message(
                    "offline",
                    "Our team is away right now, but we'll email you within one business day to pick a time.",
                ),
                capture(
                    "times",
                    "When would suit you best for a demo?",
                    vec![field("availability", FieldKind::Custom, "Preferred days and times", false)],
                ),
            ],
        ),
        branch(
            "ask",
            vec![
                capture(
                    "ask_details",
                    "Sure! Who are we talking to?",
                    vec![
                        field("first_name", FieldKind::FirstName, "First name", true),
                        field("email", FieldKind::Email, "Email", true),
                    ],
                ),
                live_chat(
                    "ask_chat",
                    "Connecting you with someone who can answer…",
                    "ask_later",
                ),
            ],
        ),
        branch(
            "ask_later",
            vec![
                message(
                    "ask_offline",
                    "Nobody can chat right now, but we'll answer by email soon.",
                ),
                capture(
                    "ask_question",
                    "What would you like to know?",
                    vec![field("question", FieldKind::Custom, "Your question", true)],
                ),
            ],
        ),
        branch(
            "browse",
            vec![message(
                "goodbye",
                "Enjoy looking around! Book a demo whenever you're ready.",
            )],
        ),
    ]
}

fn pricing_question() -> Vec<Branch> {
    vec![
        branch(
            START_BRANCH,
            vec![
                message(
                    "welcome",
                    "Hi! Questions about pricing? We're happy to help.",
                ),
                question(
                    "topic",
                    "What would you like to know?",
                    &[
                        ("plan", "Which plan fits my team", "plan"),
                        ("discounts", "Discounts for nonprofits or startups", "discounts"),
                        ("billing", "Billing and invoices", "billing"),
                    ],
                ),
            ],
        ),
        branch(
            "plan",
            vec![question(
                "seats",
                "How many people would use it?",
                &[
                    ("few", "Up to 10", "small_team"),
                    ("many", "More than 10", "talk"),
                ],
            )],
        ),
        branch(
            "small_team",
            vec![
                message(
                    "starter",
                    "Our Starter plan is made for small teams, and you can compare every plan on our pricing page.",
                ),
                question(
                    "small_talk",
                    "Would you like a hand choosing?",
                    &[
                        ("yes", "Yes, let's chat", "talk"),
                        ("no", "I'm all set", "done"),
                    ],
                ),
            ],
        ),
        branch(
            "discounts",
            vec![
                message(
                    "special",
                    "We offer special pricing for nonprofits, schools and early-stage startups.",
                ),
                question(
                    "qualify",
                    "Want to check whether you qualify?",
                    &[
                        ("yes", "Yes, please", "talk"),
                        ("no", "Maybe later", "done"),
                    ],
                ),
            ],
        ),
        branch(
            "billing",
            vec![
                message(
                    "invoices",
                    "You can download invoices and update your payment method under Settings, then Billing.",
                ),
                question(
                    "billing_help",
                    "Still need a hand?",
                    &[
                        ("yes", "Yes, talk to someone", "talk"),
                        ("no", "No, that's it", "done"),
                    ],
                ),
            ],
        ),
        branch(
            "talk",
            vec![
                capture(
                    "details",
                    "Happy to help! Tell us who you are.",
                    vec![
                        field("first_name", FieldKind::FirstName, "First name", true),
                        field("email", FieldKind::Email, "Work email", true),
                        field("company", FieldKind::Company, "Company", false),
                    ],
                ),
                live_chat(
                    "pricing_chat",
                    "Connecting you with someone from our team…",
                    "leave_details",
                ),
            ],
        ),
        branch(
            "leave_details",
            vec![
                message(
                    "offline",
                    "Our team can't chat right now, but we'll email you a clear answer within one business day.",
                ),
                capture(
                    "offline_question",
                    "What should we look into for you?",
                    vec![field("question", FieldKind::Custom, "Your question", false)],
                ),
            ],
        ),
        branch(
            "done",
            vec![message(
                "goodbye",
                "Thanks for stopping by! Reach out any time.",
            )],
        ),
    ]
}

fn branch(id: &str, cards: Vec<Card>) -> Branch {
    Branch {
        id: id.to_owned(),
        cards,
    }
}

fn message(id: &str, text: &str) -> Card {
    card(
        id,
        CardKind::Message {
            text: text.to_owned(),
        },
    )
}

/// A question whose buttons are `(id, label, branch it opens)`.
fn question(id: &str, text: &str, buttons: &[(&str, &str, &str)]) -> Card {
    let buttons = buttons
        .iter()
        .map(|(id, label, goto)| Button {
            id: (*id).into(),
            label: (*label).to_owned(),
            goto: Some((*goto).to_owned()),
        })
        .collect();
    card(
        id,
        CardKind::Question {
            text: text.to_owned(),
            buttons,
            when_unavailable: None,
        },
    )
}

fn capture(id: &str, text: &str, fields: Vec<FieldSpec>) -> Card {
    card(
        id,
        CardKind::InfoCapture {
            text: text.to_owned(),
            fields,
        },
    )
}

fn field(key: &str, kind: FieldKind, label: &str, required: bool) -> FieldSpec {
    FieldSpec {
        key: key.to_owned(),
        kind,
        label: label.to_owned(),
        required,
    }
}

/// A round-robin live chat card; visitors nobody can chat with go on with `unavailable`.
fn live_chat(id: &str, text: &str, unavailable: &str) -> Card {
    card(
        id,
        CardKind::LiveChat {
            text: text.to_owned(),
            routing: Routing::RoundRobin,
            when_unavailable: Some(unavailable.to_owned()),
        },
    )
}

fn card(id: &str, kind: CardKind) -> Card {
    Card {
        id: id.into(),
        kind,
    }
}
