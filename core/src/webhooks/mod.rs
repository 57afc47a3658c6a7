//! Outgoing webhooks, following the Standard Webhooks spec: the events and their bodies
//! ([`event`]), signatures ([`sign`]), endpoint URLs ([`url`]) and settings ([`endpoint`]),
//! the retry schedule ([`schedule`]) and each delivery's state ([`delivery`]).
//!
//! The workspace machine emits an [`Event`] for each chat requested, accepted, missed or
//! ended (`WorkspaceEffect::Webhook`); the edge's webhook object stores it, fans it out to
//! the subscribed endpoints and drives each [`Delivery`] from its alarm. Nothing here does I/O.

pub mod delivery;
pub mod endpoint;
pub mod event;
pub mod schedule;
pub mod sign;
pub mod url;

pub use delivery::{Attempt, Delivery, DeliveryState, Health, HealthVerdict, Outcome};
pub use endpoint::{Endpoint, EndpointError};
pub use event::{Event, EventAgent, EventData, EventType, MissedReason};
pub use schedule::Schedule;
pub use sign::{Secret, SignedHeaders};
