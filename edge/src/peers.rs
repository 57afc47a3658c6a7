//! Who is on each socket, kept in memory beside the socket's attachment.
//!
//! The attachment, stored with the socket, is the truth: it survives hibernation. Reading it
//! is a structured-clone deserialization and a serde walk of the JavaScript object, and an
//! object reads it on every frame. Where an object never changes an attachment after
//! accepting the socket (a conversation's), the instance keeps what it wrote or read, per
//! socket, and reads the attachment only for a socket it has not seen yet — after hibernation
//! or a restart, a new instance starts empty and reads each socket once.

use std::cell::RefCell;
use std::collections::VecDeque;

use serde::de::DeserializeOwned;
use worker::WebSocket;

/// More sockets than an object has open at once; past it the oldest is read again when it
/// next sends (correct, only slower).
const KEPT: usize = 32;

pub struct SocketPeers<P> {
    known: RefCell<VecDeque<(WebSocket, P)>>,
}

impl<P> Default for SocketPeers<P> {
    fn default() -> Self {
        SocketPeers {
            known: RefCell::new(VecDeque::new()),
        }
    }
}

impl<P: Clone + DeserializeOwned> SocketPeers<P> {
    /// The socket was accepted with `peer` as its attachment.
    pub fn remember(&self, ws: &WebSocket, peer: P) {
        let mut known = self.known.borrow_mut();
        known.retain(|(w, _)| w != ws);
        if known.len() >= KEPT {
            known.pop_front();
        }
        known.push_back((ws.clone(), peer));
    }

    /// Who is on `ws`: kept, or read from its attachment (and kept); `None` for a socket
    /// without a readable attachment.
    pub fn of(&self, ws: &WebSocket) -> Option<P> {
        if let Some((_, peer)) = self.known.borrow().iter().find(|(w, _)| w == ws) {
            return Some(peer.clone());
        }
        let peer: P = ws.deserialize_attachment().ok().flatten()?;
        self.remember(ws, peer.clone());
        Some(peer)
    }

    /// The socket closed: who was on it, no longer kept.
    pub fn take(&self, ws: &WebSocket) -> Option<P> {
        let peer = self.of(ws);
        self.known.borrow_mut().retain(|(w, _)| w != ws);
        peer
    }
}
