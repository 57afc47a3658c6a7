//! The Transfer dialog: hand the active chat to a colleague or a team. The rules (who may
//! take it, what happens when nobody does) are the server's; here only what the agent sees.

use parlor_core::protocol::{Colleague, InboxClientMsg, TeamAvailability};
use parlor_core::routing::{RuleTarget, SkipReason};

use super::super::model::{Effect, Model, TransferPick, TransferTarget};
use super::queue_note;

/// Shown on the chat from the click until the server answers.
const SENDING: &str = "Transferring…";

/// Opens the dialog on the active open chat and asks who could take it.
pub(super) fn open(m: &mut Model, fx: &mut Vec<Effect>) {
    let Some(id) = m.active.clone() else { return };
    if m.chat(&id)
        .is_none_or(|c| c.closed.is_some() || c.transfer.is_some())
    {
        return;
    }
    m.transfer = Some(TransferPick {
        conversation: id,
        targets: None,
    });
    fx.push(Effect::SendInbox(InboxClientMsg::Colleagues));
    m.revs.chat += 1;
}

pub(super) fn close(m: &mut Model) {
    if m.transfer.take().is_some() {
        m.revs.chat += 1;
    }
}

/// The server's list: colleagues first (in workspace order), then teams.
pub(super) fn colleagues(m: &mut Model, agents: Vec<Colleague>, teams: Vec<TeamAvailability>) {
    let Some(pick) = &mut m.transfer else { return };
    let mut targets: Vec<TransferTarget> = agents
        .into_iter()
        .map(|a| TransferTarget {
            label: a.name,
            why_not: a.unavailable.map(SkipReason::describe),
            to: RuleTarget::Agent { agent: a.agent },
        })
        .collect();
    targets.extend(teams.into_iter().map(|t| TransferTarget {
        label: format!("Team {} ({} available)", t.team, t.available),
        why_not: (t.available == 0).then_some("nobody available"),
        to: RuleTarget::Team { team: t.team },
    }));
    pick.targets = Some(targets);
    m.revs.chat += 1;
}

/// The agent picked target `i`: the note (if any) goes into the chat first, where the
/// colleague reads it with the transcript once they accept.
pub(super) fn pick(m: &mut Model, i: usize, note: &str, fx: &mut Vec<Effect>) {
    let Some(pick) = m.transfer.take() else {
        return;
    };
    m.revs.chat += 1;
    let Some(target) = pick.targets.and_then(|t| t.into_iter().nth(i)) else {
        return;
    };
    if target.why_not.is_some() {
        return;
    }
    let id = pick.conversation;
    let Some(c) = m.chat_mut(&id).filter(|c| c.closed.is_none()) else {
        return;
    };
    let note = note.trim();
    if !note.is_empty() {
        queue_note(c, &id, note.to_owned(), fx);
    }
    c.transfer = Some(SENDING.into());
    m.revs.list += 1;
    fx.push(Effect::SendInbox(InboxClientMsg::Transfer {
        conversation: id.as_str().into(),
        to: target.to,
    }));
}

/// The offer is out: the chat stays the agent's until the colleague accepts.
pub(super) fn started(m: &mut Model, conversation: &str, to: &str) {
    if let Some(c) = m.chat_mut(conversation) {
        c.transfer = Some(format!(
            "Offered to {to} — the chat stays yours until they accept"
        ));
        m.revs.chat += 1;
    }
}

/// Nobody took it: the agent keeps the chat, and reads why.
pub(super) fn ended(m: &mut Model, conversation: &str, reason: &str) {
    if let Some(c) = m.chat_mut(conversation) {
        c.transfer = None;
        let why = match reason {
            "expired" => "nobody accepted it in time",
            "declined" => "it was declined",
            "agent_unavailable" => "your colleague became unavailable",
            _ => "it was withdrawn",
        };
        m.note = Some(format!(
            "The transfer did not happen ({why}). The chat is still yours."
        ));
        m.revs.offers += 1;
        m.revs.chat += 1;
    }
}

/// A refused transfer (`error {code: transfer_refused}`): the chat is the agent's as before.
pub(super) fn refused(m: &mut Model) {
    for c in &mut m.chats {
        if c.transfer.as_deref() == Some(SENDING) {
            c.transfer = None;
        }
    }
    m.revs.chat += 1;
}
