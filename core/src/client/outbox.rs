//! Messages said and not yet seen stored, keyed by client id.
//!
//! An item is "stored" once the server says so: its `ack`, or its own entry in the transcript
//! (an entry carries its `client_id`, and a resend's ack may be lost with the socket). A stored
//! item is never sent again. It stays listed until its entry has been applied, so the UI shows
//! it as pending until the transcript takes its place.

/// One message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub client_id: String,
    pub text: String,
    /// The `seq` it was stored as, once acknowledged.
    pub seq: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outbox {
    items: Vec<Outgoing>,
}

impl Outbox {
    pub fn push(&mut self, client_id: String, text: String) {
        self.items.push(Outgoing {
            client_id,
            text,
            seq: None,
        });
    }

    /// Everything not yet shown as an entry, oldest first.
    pub fn items(&self) -> &[Outgoing] {
        &self.items
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// What to send again on a new socket: every item not known to be stored.
    pub fn unacked(&self) -> impl Iterator<Item = &Outgoing> {
        self.items.iter().filter(|o| o.seq.is_none())
    }

    /// An `ack`. `applied` is the highest seq applied to the UI. True the first time the item
    /// is known stored (a resend is acked again: that is no news).
    pub fn ack(&mut self, client_id: &str, seq: u64, applied: u64) -> bool {
        let Some(i) = self.items.iter().position(|o| o.client_id == client_id) else {
            return false;
        };
        let first = self.items[i].seq.is_none();
        if seq <= applied {
            self.items.remove(i);
        } else {
            self.items[i].seq = Some(seq);
        }
        first
    }

    /// The item's own entry was applied: it leaves the outbox. True if it was not yet acked.
    pub fn entry_applied(&mut self, client_id: &str) -> bool {
        match self.items.iter().position(|o| o.client_id == client_id) {
            Some(i) => self.items.remove(i).seq.is_none(),
            None => false,
        }
    }

    /// Removes the items that will never be stored and returns them.
    pub fn drain_unacked(&mut self) -> Vec<Outgoing> {
        let mut failed = Vec::new();
        let mut kept = Vec::new();
        for o in std::mem::take(&mut self.items) {
            if o.seq.is_none() {
                failed.push(o);
            } else {
                kept.push(o);
            }
        }
        self.items = kept;
        failed
    }
}
