//! Per-socket frame limits. Every frame a client sends costs the server work (a `hello` replays
//! the whole transcript, a `typing` is relayed to the other side, an answer or a capture is
//! stored), so every kind has its own budget, and a socket that keeps sending frames the server
//! refuses or cannot read is closed (1008). `say` keeps its own limit per side of the
//! conversation (see the edge), since a visitor may open several sockets.

use crate::rate::{Bucket, Limit};
use crate::Millis;

/// The frames a guard tells apart (conversation and inbox sockets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// `hello`: answered with `welcome` and a replay.
    Hello,
    /// `typing {on}`: relayed only when it changes.
    Typing { on: bool },
    /// `answer`, `capture`: each stored and run through the dialogue.
    Answer,
    /// `end`.
    End,
    /// `say`: limited per side of the conversation by the caller; counted here only as valid.
    Say,
    /// An inbox frame: `set_presence`, `accept`, `decline`.
    Inbox,
    /// `leave_message`, `email_transcript`: each stored once per conversation, so a visitor
    /// needs a few at most (a retry after an invalid email, a resend after a drop).
    AfterChat,
}

/// What to do with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Handle it.
    Pass,
    /// Drop it without a word: a repeated `typing` state, or typing changes beyond the budget.
    Drop,
    /// Refuse it with a `rate_limited` error.
    Refuse,
    /// Close the socket with 1008: it kept sending refused or unreadable frames.
    Close,
}

/// `hello`: a few reconnects' worth at once, then one per 10 s.
pub const HELLO: Limit = Limit {
    burst: 5,
    per_minute: 6,
};
/// Changes of the typing state: one a second is more than a fast typist makes.
pub const TYPING: Limit = Limit {
    burst: 10,
    per_minute: 60,
};
/// Answers and captures: a dialogue has a handful of cards.
pub const ANSWER: Limit = Limit {
    burst: 10,
    per_minute: 30,
};
pub const END: Limit = Limit {
    burst: 3,
    per_minute: 6,
};
/// The offline form and the transcript request: a few tries, then one every 10 s.
pub const AFTER_CHAT: Limit = Limit {
    burst: 5,
    per_minute: 6,
};
/// Inbox frames (presence, accept, decline): an agent clicking fast.
pub const INBOX: Limit = Limit {
    burst: 20,
    per_minute: 120,
};
/// Refused or unreadable frames a socket may send before it is closed.
pub const STRIKES: Limit = Limit {
    burst: 20,
    per_minute: 20,
};

/// One socket's budgets.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameGuard {
    hello: Bucket,
    typing: Bucket,
    answer: Bucket,
    end: Bucket,
    inbox: Bucket,
    after_chat: Bucket,
    strikes: Bucket,
    /// The typing state last let through (a repeat changes nothing for the other side).
    typing_on: Option<bool>,
}

impl FrameGuard {
    pub fn new(now: Millis) -> Self {
        FrameGuard {
            hello: Bucket::full(HELLO, now),
            typing: Bucket::full(TYPING, now),
            answer: Bucket::full(ANSWER, now),
            end: Bucket::full(END, now),
            inbox: Bucket::full(INBOX, now),
            after_chat: Bucket::full(AFTER_CHAT, now),
            strikes: Bucket::full(STRIKES, now),
            typing_on: None,
        }
    }

    /// Whether to handle this frame.
    pub fn check(&mut self, frame: Frame, now: Millis) -> Verdict {
        let budget = match frame {
            Frame::Say => return Verdict::Pass,
            Frame::Typing { on } => {
                if self.typing_on == Some(on) {
                    return Verdict::Drop;
                }
                if !self.typing.take(TYPING, now) {
                    // Beyond the budget a typing flood is dropped, and counts against the socket.
                    return match self.strike(now) {
                        Verdict::Close => Verdict::Close,
                        _ => Verdict::Drop,
                    };
                }
                self.typing_on = Some(on);
                return Verdict::Pass;
            }
            Frame::Hello => (&mut self.hello, HELLO),
            Frame::Answer => (&mut self.answer, ANSWER),
            Frame::End => (&mut self.end, END),
            Frame::Inbox => (&mut self.inbox, INBOX),
            Frame::AfterChat => (&mut self.after_chat, AFTER_CHAT),
        };
        let (bucket, limit) = budget;
        if bucket.take(limit, now) {
            Verdict::Pass
        } else {
            self.strike(now)
        }
    }

    /// The socket sent a frame the server refused or could not read: `Refuse` (answer with an
    /// error) until the strikes run out, then `Close`.
    pub fn strike(&mut self, now: Millis) -> Verdict {
        if self.strikes.take(STRIKES, now) {
            Verdict::Refuse
        } else {
            Verdict::Close
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typing_flood_is_coalesced_then_dropped_then_closed() {
        let mut g = FrameGuard::new(Millis(0));
        let mut passed = 0;
        let mut closed_at = None;
        for i in 0..3_000u64 {
            // Alternating states: the worst case for coalescing.
            match g.check(Frame::Typing { on: i % 2 == 0 }, Millis(i)) {
                Verdict::Pass => passed += 1,
                Verdict::Close => {
                    closed_at = Some(i);
                    break;
                }
                _ => {}
            }
        }
        assert!(passed <= 13, "{passed} typing changes let through in 3 s");
        assert!(
            closed_at.is_some(),
            "a socket that keeps flooding is closed"
        );
    }

    #[test]
    fn a_repeated_typing_state_is_dropped_silently_and_never_closes() {
        let mut g = FrameGuard::new(Millis(0));
        assert_eq!(
            g.check(Frame::Typing { on: true }, Millis(0)),
            Verdict::Pass
        );
        for i in 1..5_000 {
            assert_eq!(
                g.check(Frame::Typing { on: true }, Millis(i)),
                Verdict::Drop
            );
        }
        assert_eq!(
            g.check(Frame::Typing { on: false }, Millis(5_000)),
            Verdict::Pass
        );
    }

    #[test]
    fn hello_is_capped_and_a_flood_is_closed() {
        let mut g = FrameGuard::new(Millis(0));
        let verdicts: Vec<Verdict> = (0..500).map(|i| g.check(Frame::Hello, Millis(i))).collect();
        let passed = verdicts.iter().filter(|v| **v == Verdict::Pass).count();
        let refused = verdicts.iter().filter(|v| **v == Verdict::Refuse).count();
        assert_eq!(passed, 5);
        assert_eq!(refused, STRIKES.burst as usize);
        assert_eq!(verdicts[5 + refused], Verdict::Close);
    }

    #[test]
    fn a_person_is_never_limited() {
        // A visitor who reconnects every minute, answers five cards, types and sends for an
        // hour, and ends: never refused.
        let mut g = FrameGuard::new(Millis(0));
        let mut t = 0;
        for minute in 0..60u64 {
            t = minute * 60_000;
            assert_eq!(g.check(Frame::Hello, Millis(t)), Verdict::Pass);
            for s in 0..6u64 {
                let at = Millis(t + s * 10_000);
                assert_eq!(g.check(Frame::Typing { on: true }, at), Verdict::Pass);
                assert_eq!(g.check(Frame::Say, at), Verdict::Pass);
                let idle = Millis(at.0 + 3_000);
                assert_eq!(g.check(Frame::Typing { on: false }, idle), Verdict::Pass);
            }
            if minute < 5 {
                assert_eq!(g.check(Frame::Answer, Millis(t + 1)), Verdict::Pass);
            }
        }
        assert_eq!(g.check(Frame::End, Millis(t + 59_000)), Verdict::Pass);
    }

    #[test]
    fn the_offline_form_allows_a_few_tries_then_refuses() {
        let mut g = FrameGuard::new(Millis(0));
        let passed = (0..50)
            .filter(|i| g.check(Frame::AfterChat, Millis(*i)) == Verdict::Pass)
            .count();
        assert_eq!(passed, AFTER_CHAT.burst as usize);
        assert_eq!(g.check(Frame::AfterChat, Millis(20_000)), Verdict::Pass);
    }

    #[test]
    fn strikes_refill_so_an_occasional_bad_frame_is_forgiven() {
        let mut g = FrameGuard::new(Millis(0));
        for minute in 0..100u64 {
            for k in 0..10 {
                assert_eq!(g.strike(Millis(minute * 60_000 + k)), Verdict::Refuse);
            }
        }
    }
}
