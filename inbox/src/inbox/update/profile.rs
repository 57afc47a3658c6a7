//! The agent's profile: their name and picture, as visitors see them in the chats they accept
//! from now on (each chat keeps the snapshot taken when it was accepted).

use super::super::model::{Effect, Model, ProfileForm};
use crate::session::AgentInfo;

pub(super) fn open(m: &mut Model) {
    m.profile = Some(ProfileForm::default());
    m.revs.top += 1;
}

pub(super) fn close(m: &mut Model) {
    if m.profile.take().is_some() {
        m.revs.top += 1;
    }
}

/// Sends a change unless one is on its way.
fn send(m: &mut Model, fx: &mut Vec<Effect>, effect: Effect) {
    let Some(form) = &mut m.profile else { return };
    if form.busy {
        return;
    }
    form.busy = true;
    form.error = None;
    m.revs.top += 1;
    fx.push(effect);
}

pub(super) fn save_name(m: &mut Model, name: &str, fx: &mut Vec<Effect>) {
    let name = name.trim();
    if name.is_empty() {
        if let Some(form) = &mut m.profile {
            form.error = Some("Please enter the name visitors will see.".into());
            m.revs.top += 1;
        }
        return;
    }
    send(m, fx, Effect::SaveName(name.to_owned()));
}

pub(super) fn upload(m: &mut Model, fx: &mut Vec<Effect>) {
    send(m, fx, Effect::UploadPicture);
}

pub(super) fn remove_picture(m: &mut Model, fx: &mut Vec<Effect>) {
    send(m, fx, Effect::RemovePicture);
}

pub(super) fn saved(m: &mut Model, agent: AgentInfo, fx: &mut Vec<Effect>) {
    if let Some(form) = &mut m.profile {
        form.busy = false;
        form.error = None;
        form.saved = true;
    }
    if let Some(s) = &mut m.session {
        s.agent = Some(agent);
        fx.push(Effect::SaveSession(s.clone()));
    }
    m.revs.top += 1;
}

pub(super) fn failed(m: &mut Model, why: String) {
    if let Some(form) = &mut m.profile {
        form.busy = false;
        form.saved = false;
        form.error = Some(why);
        m.revs.top += 1;
    }
}
