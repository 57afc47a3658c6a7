//! Routing: who gets a live chat. The choice made on a live chat card, and the engine that applies it.

mod choice;

pub use choice::{Condition, Operator, Routing, Rule, RuleTarget, Subject, VisitorFacts};
