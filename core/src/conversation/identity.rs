//! Who the visitor is, learnt after the conversation began.

use super::state::Conversation;
use crate::identity::VisitorIdentity;

impl Conversation {
    /// Takes the site's word for who the visitor is. A verified identity is never replaced by
    /// a claim: a page that forgot its `user_hash` does not undo what the site's server vouched
    /// for. The index row follows (the Conversations view links the person).
    pub(super) fn identify(&mut self, identity: VisitorIdentity) {
        let keep_old = self
            .facts
            .identity
            .as_ref()
            .is_some_and(|old| old.verified && !identity.verified);
        if !keep_old {
            self.facts.identity = Some(identity);
        }
    }
}
