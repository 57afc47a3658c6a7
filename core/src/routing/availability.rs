//! "Can someone chat now?" — what a widget may ask before it offers live chat: whether the
//! workspace is within its business hours and whether at least one agent could take a chat
//! right now (permitted, inbox open, available, below capacity, engagements left). It names
//! no agent and counts none.

use serde::{Deserialize, Serialize};

use super::Router;
use crate::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    /// Within business hours (always, when the workspace has none).
    pub open: bool,
    /// Open, and some agent could be offered a chat now.
    pub can_chat: bool,
}

impl Router {
    pub fn availability(&self, now: Millis) -> Availability {
        let settings = self.settings();
        let open = settings
            .business_hours
            .as_ref()
            .is_none_or(|h| h.is_open(now));
        let engagements_left = !settings.engagement_limited()
            || u64::from(self.engagements()) < u64::from(settings.engagement_limit);
        // Permitted, inbox open, available, below capacity, and one of their teams open.
        let someone = self.agents().any(|a| self.is_eligible(a, now));
        Availability {
            open,
            can_chat: open && engagements_left && someone,
        }
    }
}
