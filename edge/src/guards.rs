//! Frame limits of the objects' sockets (the rules are `parlor_core::guard`): one guard per
//! socket (per agent for inbox sockets), in memory — a hibernated or restarted object starts
//! them afresh.

use std::cell::RefCell;
use std::collections::HashMap;

use parlor_core::guard::{Frame, FrameGuard, Verdict};
use parlor_core::protocol::{ChatClientMsg, InboxClientMsg};
use parlor_core::Millis;

/// More sockets than an object is expected to have open at once; beyond, the guards restart.
const MAX_GUARDS: usize = 4_096;

#[derive(Default)]
pub struct Guards(RefCell<HashMap<String, FrameGuard>>);

impl Guards {
    /// Whether to handle a frame of this kind, arriving on socket `socket`.
    pub fn check(&self, socket: &str, frame: Frame, now: Millis) -> Verdict {
        self.with(socket, now, |g| g.check(frame, now))
    }

    /// The socket sent a frame that was refused or unreadable.
    pub fn strike(&self, socket: &str, now: Millis) -> Verdict {
        self.with(socket, now, |g| g.strike(now))
    }

    pub fn forget(&self, socket: &str) {
        self.0.borrow_mut().remove(socket);
    }

    fn with(
        &self,
        socket: &str,
        now: Millis,
        f: impl FnOnce(&mut FrameGuard) -> Verdict,
    ) -> Verdict {
        let mut guards = self.0.borrow_mut();
        if !guards.contains_key(socket) && guards.len() >= MAX_GUARDS {
            guards.clear();
        }
        f(guards
            .entry(socket.to_owned())
            .or_insert_with(|| FrameGuard::new(now)))
    }
}

/// The kind of an inbox socket's frame.
pub fn inbox_frame(msg: &InboxClientMsg) -> Frame {
    match msg {
        InboxClientMsg::Hello { .. } => Frame::Hello,
        _ => Frame::Inbox,
    }
}

/// The close reason of a socket that kept sending refused or unreadable frames.
pub const TOO_MANY_REFUSED: &str = "Too many refused frames.";

/// The kind of a conversation socket's frame.
pub fn chat_frame(msg: &ChatClientMsg) -> Frame {
    match msg {
        ChatClientMsg::Hello { .. } => Frame::Hello,
        ChatClientMsg::Typing { on } => Frame::Typing { on: *on },
        ChatClientMsg::Answer { .. } | ChatClientMsg::Capture { .. } => Frame::Answer,
        ChatClientMsg::End => Frame::End,
        ChatClientMsg::Say { .. } => Frame::Say,
        ChatClientMsg::LeaveMessage { .. } | ChatClientMsg::EmailTranscript => Frame::AfterChat,
    }
}
