//! An object's open sockets per side, listed once per instance and then kept by the events
//! that open and close them.
//!
//! Asking the runtime for a tag's sockets (`getWebSockets(tag)`) makes an array and a wrapper
//! per socket, and a conversation asked twice per chat message (one list per side). The
//! runtime's list stays the truth: an instance starts without a list and reads it the first
//! time it needs one (after hibernation or a restart the sockets are still open, the memory is
//! new); from then on the instance hears of every change to it — `accept` adds a socket, the
//! close and error events remove it — because every event of the object reaches this instance.

use std::cell::RefCell;

use worker::{State, WebSocket};

/// The sockets of each side; `None` until the side is first listed by this instance.
#[derive(Default)]
pub struct OpenSockets {
    sides: RefCell<[Option<Vec<WebSocket>>; 2]>,
}

/// The two tags a conversation's sockets carry.
pub const TAGS: [&str; 2] = ["visitor", "agent"];

fn slot(tag: &str) -> usize {
    usize::from(tag == TAGS[1])
}

impl OpenSockets {
    /// Calls `f` with each open socket tagged `tag`, in the order they were accepted.
    pub fn each(&self, state: &State, tag: &str, mut f: impl FnMut(&WebSocket)) {
        let mut sides = self.sides.borrow_mut();
        let list = sides[slot(tag)].get_or_insert_with(|| state.get_websockets_with_tag(tag));
        for ws in list.iter() {
            f(ws);
        }
    }

    /// Closes every socket tagged `tag` with `code` and `reason`; none is sent to after.
    pub fn close_all(&self, state: &State, tag: &str, code: u16, reason: &str) {
        self.each(state, tag, |ws| {
            let _ = ws.close(Some(code), Some(reason));
        });
        self.sides.borrow_mut()[slot(tag)] = Some(Vec::new());
    }

    /// `ws` was just accepted with `tag`. A side not listed yet is left unlisted: its first
    /// listing will include it.
    pub fn opened(&self, tag: &str, ws: &WebSocket) {
        if let Some(list) = self.sides.borrow_mut()[slot(tag)].as_mut() {
            if !list.contains(ws) {
                list.push(ws.clone());
            }
        }
    }

    /// `ws` closed, failed, or was closed by this object: no frame goes to it any more. A side
    /// not listed yet is listed now, without it: during its close event the runtime may still
    /// list a closing socket, and no later event would take it out.
    pub fn closed(&self, state: &State, ws: &WebSocket) {
        let mut sides = self.sides.borrow_mut();
        for (tag, list) in TAGS.iter().zip(sides.iter_mut()) {
            list.get_or_insert_with(|| state.get_websockets_with_tag(tag))
                .retain(|w| w != ws);
        }
    }
}
