//! The one place the workspace announces a lead created or updated (after it is stored).

use parlor_core::lead::LeadEvent;

use crate::workspace::WorkspaceDO;

impl WorkspaceDO {
    /// Called once per stored change of a lead, in order.
    pub(super) fn lead_changed(&self, event: &LeadEvent) {
        // webhooks: lead.created / lead.updated — deliver `event` here.
        let _ = event;
    }
}
