//! Who is on the conversation's sockets: the visitor (a page may navigate, reload or close) and
//! the agent's chat pane. A visitor gone for a few seconds is announced to the agent; gone past
//! the settings' graces, a waiting request leaves the line and a live chat ends, so nobody holds
//! a slot for a visitor who left.

use super::io::{Effect, LiveState};
use super::state::Conversation;
use crate::protocol::{ChatServerMsg, Side};
use crate::Millis;

/// A visitor gone this long is announced to the agent; a page navigation reconnects sooner.
pub const VISITOR_ANNOUNCE_AFTER: Millis = Millis(5_000);

/// An agent the workspace reported gone, whose chat pane then closes, has this long to reopen
/// it before the chat is handed back.
pub const AGENT_PANE_GRACE: Millis = Millis(10_000);

impl Conversation {
    pub(super) fn socket_opened(&mut self, side: Side, fx: &mut Vec<Effect>) {
        match side {
            Side::Visitor => {
                self.visitor_sockets = self.visitor_sockets.saturating_add(1);
                self.visitor_gone_since = None;
                if std::mem::take(&mut self.visitor_announced_gone) {
                    fx.push(presence(true));
                }
            }
            Side::Agent => {
                self.agent_sockets = self.agent_sockets.saturating_add(1);
                self.agent_pane_gone_since = None;
            }
            Side::Bot => {}
        }
    }

    pub(super) fn socket_closed(&mut self, side: Side, now: Millis) {
        match side {
            Side::Visitor => {
                self.visitor_sockets = self.visitor_sockets.saturating_sub(1);
                if self.visitor_sockets == 0 && self.visitor_gone_since.is_none() {
                    self.visitor_gone_since = Some(now);
                }
            }
            Side::Agent => {
                self.agent_sockets = self.agent_sockets.saturating_sub(1);
                if self.agent_sockets == 0 && self.agent_reported_gone {
                    self.agent_pane_gone_since = Some(now);
                }
            }
            Side::Bot => {}
        }
    }

    /// After a reload of the object: the sockets that are still open.
    pub(super) fn sockets(&mut self, visitor: u32, agent: u32, now: Millis) {
        self.agent_sockets = agent;
        if agent == 0 && self.agent_reported_gone && self.agent_pane_gone_since.is_none() {
            self.agent_pane_gone_since = Some(now);
        }
        self.visitor_sockets = visitor;
        if visitor > 0 {
            self.visitor_gone_since = None;
        } else if self.visitor_gone_since.is_none() && self.live != LiveState::None {
            self.visitor_gone_since = Some(now);
        }
    }

    /// When the visitor's or the reported-gone agent's absence next matters, if it does.
    pub(super) fn presence_deadline(&self) -> Option<Millis> {
        let pane = self
            .agent_pane_gone_since
            .filter(|_| self.closed.is_none())
            .map(|t| t.after(AGENT_PANE_GRACE));
        crate::time::earliest(pane, self.visitor_deadline())
    }

    fn visitor_deadline(&self) -> Option<Millis> {
        let since = self.visitor_gone_since.filter(|_| self.closed.is_none())?;
        let announce = (!self.visitor_announced_gone).then(|| since.after(VISITOR_ANNOUNCE_AFTER));
        let leave = match self.live {
            LiveState::Requested => Some(since.after(self.settings.visitor_gone_waiting)),
            LiveState::Accepted => Some(since.after(self.settings.visitor_gone_chat)),
            _ => None,
        };
        crate::time::earliest(announce, leave)
    }

    /// Announces or ends what is due because the visitor or the agent is gone.
    pub(super) fn presence_timers(&mut self, now: Millis, fx: &mut Vec<Effect>) {
        if let Some(since) = self.agent_pane_gone_since {
            if now >= since.after(AGENT_PANE_GRACE) {
                self.agent_pane_gone_since = None;
                match (self.closed, self.live, self.agent.clone()) {
                    (None, LiveState::Accepted, Some(agent)) => self.hand_back(agent, now, fx),
                    _ => self.agent_reported_gone = false,
                }
            }
        }
        let Some(since) = self.visitor_gone_since.filter(|_| self.closed.is_none()) else {
            return;
        };
        if !self.visitor_announced_gone && now >= since.after(VISITOR_ANNOUNCE_AFTER) {
            self.visitor_announced_gone = true;
            fx.push(presence(false));
        }
        let grace = match self.live {
            LiveState::Requested => self.settings.visitor_gone_waiting,
            LiveState::Accepted => self.settings.visitor_gone_chat,
            _ => return,
        };
        if now >= since.after(grace) {
            // As if the visitor had clicked End: a waiting lead is emailed, a slot is freed.
            self.visitor_left(now, fx);
        }
    }
}

fn presence(here: bool) -> Effect {
    Effect::ToAgents(ChatServerMsg::Presence {
        side: Side::Visitor,
        here,
    })
}
