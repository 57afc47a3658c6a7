//! Erasing a conversation (an admin's erasure or the workspace's retention period): the
//! transcript, the captured fields and the visitor's token hash are deleted, every socket
//! closes, and a tombstone makes the object refuse to come back with the old data.

use parlor_core::link::{ConversationToWorkspace, ToConversation};
use parlor_core::privacy::erased_answer;
use serde::{Deserialize, Serialize};

use super::{store, ConversationObject};
use crate::error::ApiResult;
use crate::now_ms;
use crate::open_sockets;

/// Close code of the sockets of an erased conversation (4000–4999: do not reconnect).
pub const ERASED_CLOSE: u16 = 4002;
const ERASED_REASON: &str = "This conversation was erased.";

/// The answer to the workspace's `/internal/erase`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Erased {
    /// False when there was nothing to erase (never existed, erased before, or another
    /// workspace's conversation, which is left alone).
    pub erased: bool,
    pub entries: u64,
    /// What the workspace must free for this conversation (its live chat or request).
    pub release: Vec<ConversationToWorkspace>,
}

impl ConversationObject {
    /// Erases this conversation if it belongs to `workspace`. Idempotent.
    pub(super) async fn erase(&self, workspace: &str) -> ApiResult<Erased> {
        let Some((meta, conv)) = self.load()? else {
            return Ok(Erased::default());
        };
        if meta.workspace != workspace {
            return Ok(Erased::default());
        }
        let release = conv.erase_release();
        // One synchronous section: storage and memory forget together.
        let entries = store::erase(&self.sql, now_ms())?;
        *self.loaded.borrow_mut() = None;
        *self.revoked.borrow_mut() = None;
        self.meta_unsaved.set(false);
        for tag in open_sockets::TAGS {
            self.open
                .close_all(&self.state, tag, ERASED_CLOSE, ERASED_REASON);
        }
        self.alarm_slot.delete(&self.state.storage()).await?;
        Ok(Erased {
            erased: true,
            entries,
            release,
        })
    }

    /// Whether only the tombstone is left here. Such a conversation answers every request
    /// itself: sockets and reads get 410, a repeated erasure finds nothing (`calls.rs`). (A
    /// workspace message still on its way comes by the link: see [`answers_after_erasure`].)
    pub(super) fn is_erased(&self) -> ApiResult<bool> {
        // A new object (before its init) has no tables yet, so nothing was erased; one that
        // loads was not (an erasure leaves nothing but the tombstone), and the load is what the
        // caller does next anyway, so a woken object reads no tombstone.
        Ok(self.exists() && !self.is_loaded()? && store::erased_at(&self.sql)?.is_some())
    }
}

/// An erased conversation's answers to the workspace's messages still on their way (an
/// acceptance refused, so the agent's slot is freed).
pub(super) fn answers_after_erasure(batch: &ToConversation) -> Vec<ConversationToWorkspace> {
    batch.messages.iter().filter_map(erased_answer).collect()
}
