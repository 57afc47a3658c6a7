//! Who is on the conversation's sockets: the visitor (a page may navigate, reload or close) and
//! the agent's chat pane. A visitor gone for a few seconds is announced to the agent; gone past
//! the settings' graces, a waiting request leaves the line and a live chat ends, so nobody holds
//! a slot for a visitor who left. An agent holding the chat with no chat socket for a few
//! seconds (a reload, a dropped connection) is announced to the visitor as reconnecting, so the
//! visitor never waits in silence; the workspace's agent-gone grace decides when they are gone.

use super::io::{Effect, LiveState};
use super::state::Conversation;
use crate::protocol::{ChatServerMsg, Side};
use crate::Millis;

/// A visitor gone this long is announced to the agent; a page navigation reconnects sooner.
pub const VISITOR_ANNOUNCE_AFTER: Millis = Millis(5_000);

/// An agent holding the chat with no chat socket this long is "reconnecting…" to the visitor.
pub const AGENT_ANNOUNCE_AFTER: Millis = Millis(5_000);

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
                self.agent_away_since = None;
                if std::mem::take(&mut self.agent_announced_away) {
                    fx.push(agent_presence(true));
                }
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
                if self.agent_sockets == 0 {
                    self.agent_may_be_away(now);
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
        if agent == 0 {
            self.agent_may_be_away(now);
        } else {
            self.agent_away_since = None;
        }
        self.visitor_sockets = visitor;
        if visitor > 0 {
            self.visitor_gone_since = None;
        } else if self.visitor_gone_since.is_none() && self.live != LiveState::None {
            self.visitor_gone_since = Some(now);
        }
    }

    /// When the visitor's or the reported-gone agent's absence next matters, if it does: the
    /// deadlines that decide where a chat goes, kept across a restart.
    pub(super) fn presence_deadline(&self) -> Option<Millis> {
        let pane = self
            .agent_pane_gone_since
            .filter(|_| self.closed.is_none())
            .map(|t| t.after(AGENT_PANE_GRACE));
        crate::time::earliest(pane, self.visitor_deadline())
    }

    /// When the visitor is to be told the agent is reconnecting, if they are. Only words on
    /// the visitor's screen, nothing a chat's outcome depends on (the workspace's agent-gone
    /// grace and [`AGENT_PANE_GRACE`] decide that), so it need not survive a restart: every
    /// acceptance sets it, and the agent's chat pane clears it a moment later.
    pub(super) fn away_announce_due(&self) -> Option<Millis> {
        self.agent_away_since
            .filter(|_| self.closed.is_none() && !self.agent_announced_away)
            .map(|t| t.after(AGENT_ANNOUNCE_AFTER))
    }

    /// The agent holding a live chat has no chat socket left: from now on the visitor may be
    /// told they are reconnecting. Kept from an earlier drop if already set.
    pub(super) fn agent_may_be_away(&mut self, now: Millis) {
        let holds = self.closed.is_none() && self.live == LiveState::Accepted;
        if holds && self.agent_away_since.is_none() {
            self.agent_away_since = Some(now);
        }
    }

    /// The agent's absence is over for this chat (they left it, or it ended): nothing more to
    /// announce. The visitor's widget clears "reconnecting…" on the entry that says why.
    pub(super) fn agent_absence_over(&mut self) {
        self.agent_away_since = None;
        self.agent_announced_away = false;
    }

    /// What a socket of `side` needs to hear after its replay: whether the other side is gone.
    pub fn presence_after_replay(&self, side: Side) -> Option<ChatServerMsg> {
        if self.closed.is_some() {
            return None;
        }
        match side {
            Side::Visitor if self.agent_announced_away => Some(ChatServerMsg::Presence {
                side: Side::Agent,
                here: false,
            }),
            Side::Agent if self.visitor_announced_gone => Some(ChatServerMsg::Presence {
                side: Side::Visitor,
                here: false,
            }),
            _ => None,
        }
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
        if let Some(since) = self.agent_away_since.filter(|_| self.closed.is_none()) {
            if !self.agent_announced_away && now >= since.after(AGENT_ANNOUNCE_AFTER) {
                self.agent_announced_away = true;
                fx.push(agent_presence(false));
            }
        }
        let Some(since) = self.visitor_gone_since.filter(|_| self.closed.is_none()) else {
            return;
        };
        if !self.visitor_announced_gone && now >= since.after(VISITOR_ANNOUNCE_AFTER) {
            self.visitor_announced_gone = true;
            fx.push(presence(false));
        }
        match self.live {
            LiveState::Requested if now >= since.after(self.settings.visitor_gone_waiting) => {
                self.gave_up_waiting(now, fx)
            }
            // As if the visitor had clicked End: the agent's slot is freed.
            LiveState::Accepted if now >= since.after(self.settings.visitor_gone_chat) => {
                self.visitor_left(now, fx)
            }
            _ => {}
        }
    }
}

fn agent_presence(here: bool) -> Effect {
    Effect::ToVisitors(ChatServerMsg::Presence {
        side: Side::Agent,
        here,
    })
}

fn presence(here: bool) -> Effect {
    Effect::ToAgents(ChatServerMsg::Presence {
        side: Side::Visitor,
        here,
    })
}
