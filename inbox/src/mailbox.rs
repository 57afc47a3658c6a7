//! The message queue of an Elm-style app: a message raised while another is being handled
//! waits its turn, so `update` never runs re-entrantly and messages keep their order.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

pub struct Mailbox<M> {
    queue: RefCell<VecDeque<M>>,
    busy: Cell<bool>,
}

impl<M> Default for Mailbox<M> {
    fn default() -> Self {
        Mailbox {
            queue: RefCell::new(VecDeque::new()),
            busy: Cell::new(false),
        }
    }
}

impl<M> Mailbox<M> {
    /// Queues `msg` for the drain already running (or the next one).
    pub fn post(&self, msg: M) {
        self.queue.borrow_mut().push_back(msg);
    }

    /// Queues `msg`; unless a drain is already running up the stack, hands every queued
    /// message to `handle` in order. `handle` returns false to stop draining.
    pub fn deliver(&self, msg: M, mut handle: impl FnMut(M) -> bool) {
        self.post(msg);
        if self.busy.replace(true) {
            return;
        }
        loop {
            let next = self.queue.borrow_mut().pop_front();
            let Some(msg) = next else { break };
            if !handle(msg) {
                break;
            }
        }
        self.busy.set(false);
    }
}
