//! The dialogue designer's rules: selection, edits with undo, deletion with confirmation,
//! versions, the test boxes, publishing with a version check. Pure over the model.

use super::edit::{self, Op};
use super::model::{Draft, Editor, Effect, Model, Msg, Sel, Tab};

/// Handles the designer's messages; gives back any other message.
pub fn update(m: &mut Model, msg: Msg, fx: &mut Vec<Effect>) -> Option<Msg> {
    match msg {
        // A published dialogue, with the changes this browser kept if any; or a kept draft of
        // one never published.
        Msg::Edit(id) => {
            let published = m.dialogues.iter().find(|d| d.id.as_str() == id);
            let draft = m.drafts.iter().find(|k| k.key == id);
            let mut e = match (published, draft) {
                (Some(d), _) => Editor::open(d.clone(), false),
                (None, Some(k)) => Editor::open(k.dialogue.clone(), true),
                (None, None) => return None,
            };
            e.key = id.clone();
            if let (Some(_), Some(k)) = (published, draft) {
                // Back in the editor, the published version one undo away.
                e.history.record(&e.dialogue, None);
                e.dialogue = k.dialogue.clone();
                e.version = k.base;
                e.dirty = true;
                e.note = Some((
                    "Your unpublished changes are back. Undo shows the published version.".into(),
                    true,
                ));
            }
            fx.push(Effect::Validate(Box::new(e.dialogue.clone())));
            if published.is_some() {
                fx.push(Effect::LoadVersions(id));
            }
            m.editor = Some(e);
            m.flash = None;
            m.rev += 1;
        }
        Msg::DiscardDraft(key) => {
            drop_draft(m, &key);
            fx.push(Effect::KeepDrafts);
            m.rev += 1;
        }
        Msg::NewDialogue => return update(m, Msg::NewFrom(String::new()), fx),
        Msg::CloseEditor => {
            keep_draft(m, fx);
            m.editor = None;
            m.rev += 1;
        }
        Msg::NewFrom(key) => {
            let base = if key.is_empty() {
                "dialogue"
            } else {
                key.as_str()
            };
            let id = super::slug::unique(&base.replace('_', "-"), &|s| {
                m.dialogues.iter().any(|d| d.id.as_str() == s)
            });
            let d = match m.templates.iter().find(|t| t.key == key) {
                Some(t) => {
                    let mut d = t.dialogue.clone();
                    d.id = parlor_core::DialogueId(id);
                    d
                }
                None => edit::new_dialogue(&id),
            };
            fx.push(Effect::Validate(Box::new(d.clone())));
            m.editor = Some(Editor::open(d, true));
            m.flash = None;
            m.rev += 1;
        }
        Msg::MoveDialogueTo(from, to) => {
            let n = m.dialogues.len();
            if from != to && from < n && to < n {
                let d = m.dialogues.remove(from);
                m.dialogues.insert(to, d);
                fx.push(Effect::Reorder(
                    m.dialogues.iter().map(|d| d.id.0.clone()).collect(),
                ));
                m.rev += 1;
            }
        }
        Msg::MoveDialogue(i, up) => {
            let to = if up { i.checked_sub(1) } else { Some(i + 1) };
            if let Some(to) = to.filter(|t| *t < m.dialogues.len() && i < m.dialogues.len()) {
                m.dialogues.swap(i, to);
                fx.push(Effect::Reorder(
                    m.dialogues.iter().map(|d| d.id.0.clone()).collect(),
                ));
                m.rev += 1;
            }
        }
        other => {
            let Some(e) = &mut m.editor else {
                return Some(other);
            };
            // The draft is kept when typing pauses, and dropped once published.
            let keep = match &other {
                Msg::AutoCheck(n) => *n == e.edits,
                Msg::Saved(..) => true,
                _ => false,
            };
            let rest = editor(e, other, fx, &mut m.rev, &mut m.flow_rev);
            if keep {
                keep_draft(m, fx);
            }
            return rest;
        }
    }
    None
}

fn drop_draft(m: &mut Model, key: &str) {
    m.drafts.retain(|k| k.key != key);
}

/// The editor's draft among the kept ones: there while it has unpublished changes.
fn keep_draft(m: &mut Model, fx: &mut Vec<Effect>) {
    let Some(e) = m.editor.take() else { return };
    let before = m.drafts.len();
    drop_draft(m, &e.key);
    if e.dirty {
        m.drafts.push(Draft {
            key: e.key.clone(),
            base: e.version,
            new: e.new,
            dialogue: e.dialogue.clone(),
        });
    }
    if e.dirty || before != m.drafts.len() {
        fx.push(Effect::KeepDrafts);
    }
    m.editor = Some(e);
}

fn editor(
    e: &mut Editor,
    msg: Msg,
    fx: &mut Vec<Effect>,
    rev: &mut u32,
    flow_rev: &mut u32,
) -> Option<Msg> {
    match msg {
        Msg::Select(sel) => {
            e.sel = sel;
            e.confirm = None;
        }
        Msg::Bind(path, value) => {
            e.history.record(&e.dialogue, Some(&path));
            if path == "id" && e.new {
                e.dialogue.id = parlor_core::DialogueId(value.trim().into());
            } else {
                edit::bind(&mut e.dialogue, &path, &value);
            }
            changed(e, fx);
            if edit::structural(&path) {
                *rev += 1;
            } else {
                *flow_rev += 1;
            }
            return None;
        }
        Msg::EditOp(op) => {
            e.history.record(&e.dialogue, None);
            if let Some((b, c)) = edit::apply(&mut e.dialogue, &op) {
                e.sel = Sel::Card(b, c);
            } else if matches!(op, Op::RemoveCard(..) | Op::RemoveBranch(_)) {
                e.sel = Sel::Dialogue;
            }
            e.confirm = None;
            changed(e, fx);
        }
        Msg::AskDelete(sel) => e.confirm = Some(sel),
        Msg::CancelDelete => e.confirm = None,
        Msg::ConfirmDelete => {
            let op = match e.confirm.take() {
                Some(Sel::Card(b, c)) => Op::RemoveCard(b, c),
                Some(Sel::Branch(b)) => Op::RemoveBranch(b),
                _ => return None,
            };
            return editor(e, Msg::EditOp(op), fx, rev, flow_rev);
        }
        Msg::Undo | Msg::Redo => {
            let moved = if msg == Msg::Undo {
                e.history.undo(&mut e.dialogue)
            } else {
                e.history.redo(&mut e.dialogue)
            };
            if !moved {
                return None;
            }
            e.sel = keep_selection(e);
            changed(e, fx);
        }
        Msg::ToggleVersions => {
            if e.versions.take().is_none() {
                fx.push(Effect::LoadVersions(e.dialogue.id.0.clone()));
            }
        }
        Msg::Versions(list, current) => {
            if !e.dirty || e.version.is_none() {
                e.version = Some(current);
            }
            e.versions = Some(list);
        }
        Msg::Restore(v) => {
            let found = e
                .versions
                .as_ref()
                .and_then(|l| l.iter().find(|x| x.version == v))?;
            let restored = found.dialogue.clone();
            e.history.record(&e.dialogue, None);
            e.dialogue = restored;
            e.sel = Sel::Dialogue;
            changed(e, fx);
        }
        Msg::ProbeUrl(url) => {
            e.url_probe = url;
            *flow_rev += 1;
            return None;
        }
        Msg::Sample(key, value) => {
            e.sample.insert(key, value);
            *flow_rev += 1;
            return None;
        }
        Msg::AutoCheck(n) => {
            if n == e.edits {
                fx.push(Effect::Validate(Box::new(e.dialogue.clone())));
                if e.preview {
                    fx.push(Effect::PostPreview(Box::new(e.dialogue.clone()), false));
                }
            }
            return None;
        }
        Msg::TogglePreview => {
            e.preview = !e.preview;
            if e.preview {
                fx.push(Effect::PostPreview(Box::new(e.dialogue.clone()), true));
            }
        }
        Msg::PreviewReady => {
            if e.preview {
                fx.push(Effect::PostPreview(Box::new(e.dialogue.clone()), true));
            }
            return None;
        }
        Msg::CheckDialogue => {
            fx.push(Effect::Validate(Box::new(e.dialogue.clone())));
        }
        Msg::SaveDialogue => {
            e.busy = true;
            let base = if e.new {
                None
            } else {
                Some(e.version.unwrap_or(0))
            };
            fx.push(Effect::Save(Box::new(e.dialogue.clone()), base));
        }
        Msg::Checked(check) => {
            // Only the drawing and the issue lists change: the inspector keeps focus and caret.
            e.busy = false;
            e.check = Some(check);
            *flow_rev += 1;
            return None;
        }
        Msg::Saved(check, version) => {
            e.busy = false;
            e.note = Some((check.summary.clone(), check.ok));
            if check.ok {
                e.new = false;
                e.dirty = false;
                if version.is_some() {
                    e.version = version;
                }
                e.versions = None;
                fx.push(Effect::Load(Tab::Dialogues));
            }
            e.check = Some(check);
        }
        Msg::ToggleJson => e.json = !e.json,
        Msg::JsonEdited(_) => return None,
        other => return Some(other),
    }
    *rev += 1;
    None
}

/// The draft changed: it is unpublished, and the server checks it once the admin pauses.
fn changed(e: &mut Editor, fx: &mut Vec<Effect>) {
    e.dirty = true;
    e.note = None;
    e.edits += 1;
    fx.push(Effect::CheckSoon(e.edits));
}

/// After undo or redo, the selection if it still names something, else the dialogue.
fn keep_selection(e: &Editor) -> Sel {
    let d = &e.dialogue;
    match e.sel {
        Sel::Card(b, c) if d.branches.get(b).is_some_and(|br| c < br.cards.len()) => e.sel,
        Sel::Branch(b) if b < d.branches.len() => e.sel,
        _ => Sel::Dialogue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::model::Check;

    fn with_editor() -> Model {
        let mut m = Model::default();
        update(&mut m, Msg::NewFrom(String::new()), &mut Vec::new());
        m
    }

    #[test]
    fn deleting_asks_first_and_undo_brings_the_card_back() {
        let mut m = with_editor();
        let mut fx = Vec::new();
        update(
            &mut m,
            Msg::EditOp(Op::AddCard(0, "question".into())),
            &mut fx,
        );
        let e = m
            .editor
            .as_ref()
            .map(|e| (e.sel, e.dialogue.branches[0].cards.len()));
        assert_eq!(e, Some((Sel::Card(0, 1), 2)), "the new card is selected");
        update(&mut m, Msg::AskDelete(Sel::Card(0, 1)), &mut fx);
        assert_eq!(
            m.editor
                .as_ref()
                .map(|e| e.dialogue.branches[0].cards.len()),
            Some(2)
        );
        update(&mut m, Msg::ConfirmDelete, &mut fx);
        assert_eq!(
            m.editor
                .as_ref()
                .map(|e| e.dialogue.branches[0].cards.len()),
            Some(1)
        );
        update(&mut m, Msg::Undo, &mut fx);
        assert_eq!(
            m.editor
                .as_ref()
                .map(|e| e.dialogue.branches[0].cards.len()),
            Some(2)
        );
    }

    #[test]
    fn dragging_a_dialogue_in_the_list_saves_the_new_order() {
        let mut m = Model {
            dialogues: ["a", "b", "c"].map(edit::new_dialogue).to_vec(),
            ..Model::default()
        };
        let mut fx = Vec::new();
        update(&mut m, Msg::MoveDialogueTo(2, 0), &mut fx);
        let order = vec!["c".to_owned(), "a".into(), "b".into()];
        assert_eq!(fx, vec![Effect::Reorder(order)]);
    }

    #[test]
    fn closing_the_designer_goes_back_to_the_list() {
        let mut m = with_editor();
        update(&mut m, Msg::CloseEditor, &mut Vec::new());
        assert!(m.editor.is_none());
    }

    #[test]
    fn publishing_names_the_version_it_started_from() {
        let mut m = with_editor();
        let mut fx = Vec::new();
        update(&mut m, Msg::SaveDialogue, &mut fx);
        assert!(
            matches!(fx.last(), Some(Effect::Save(_, None))),
            "new: If-None-Match"
        );
        let ok = Check {
            ok: true,
            ..Check::default()
        };
        update(&mut m, Msg::Saved(ok, Some(1)), &mut fx);
        update(&mut m, Msg::Bind("name".into(), "Sales".into()), &mut fx);
        update(&mut m, Msg::SaveDialogue, &mut fx);
        assert!(matches!(fx.last(), Some(Effect::Save(_, Some(1)))));
    }

    /// The drafts the model asked to keep, if it asked.
    fn kept(m: &Model, fx: &[Effect]) -> Option<Vec<Draft>> {
        fx.contains(&Effect::KeepDrafts).then(|| m.drafts.clone())
    }

    #[test]
    fn a_pause_in_typing_keeps_the_draft_and_publishing_drops_it() {
        let mut m = with_editor();
        let mut fx = Vec::new();
        update(&mut m, Msg::Bind("name".into(), "Sales".into()), &mut fx);
        assert_eq!(kept(&m, &fx), None, "not at every keystroke");
        update(&mut m, Msg::Bind("name".into(), "Sales!".into()), &mut fx);
        update(&mut m, Msg::AutoCheck(1), &mut fx);
        assert_eq!(kept(&m, &fx), None, "an edit came after that pause");
        update(&mut m, Msg::AutoCheck(2), &mut fx);
        let list = kept(&m, &fx).unwrap_or_default();
        assert_eq!(list.len(), 1);
        assert_eq!((list[0].key.as_str(), list[0].new), ("dialogue", true));
        assert_eq!(list[0].dialogue.name, "Sales!");
        // The id typed for a new dialogue does not orphan its draft: same key.
        update(&mut m, Msg::Bind("id".into(), "sales".into()), &mut fx);
        update(&mut m, Msg::AutoCheck(3), &mut fx);
        let list = kept(&m, &fx).unwrap_or_default();
        assert_eq!((list.len(), list[0].key.as_str()), (1, "dialogue"));
        assert_eq!(list[0].dialogue.id.as_str(), "sales");
        let ok = Check {
            ok: true,
            ..Check::default()
        };
        update(&mut m, Msg::Saved(ok, Some(1)), &mut fx);
        assert_eq!(kept(&m, &fx), Some(Vec::new()), "published: nothing kept");
    }

    #[test]
    fn a_refused_publish_and_closing_the_designer_keep_the_draft() {
        let mut m = with_editor();
        let mut fx = Vec::new();
        update(&mut m, Msg::Bind("name".into(), "Sales".into()), &mut fx);
        update(&mut m, Msg::Saved(Check::default(), None), &mut fx);
        assert_eq!(kept(&m, &fx).map(|l| l.len()), Some(1));
        fx.clear();
        update(
            &mut m,
            Msg::Bind("name".into(), "Sales team".into()),
            &mut fx,
        );
        update(&mut m, Msg::CloseEditor, &mut fx);
        let list = kept(&m, &fx).unwrap_or_default();
        assert_eq!(
            list[0].dialogue.name, "Sales team",
            "typed just before closing"
        );
        // The list offers to continue it; continuing opens it as it was left.
        update(&mut m, Msg::Edit("dialogue".into()), &mut fx);
        let e = m
            .editor
            .as_ref()
            .map(|e| (e.dialogue.name.clone(), e.new, e.dirty));
        assert_eq!(e, Some(("Sales team".into(), true, true)));
    }

    #[test]
    fn a_kept_draft_of_a_published_dialogue_opens_one_undo_from_the_published_version() {
        let published = edit::new_dialogue("welcome");
        let mut changed = published.clone();
        changed.name = "Welcome back".into();
        let mut m = Model {
            dialogues: vec![published.clone()],
            drafts: vec![Draft {
                key: "welcome".into(),
                base: Some(3),
                new: false,
                dialogue: changed.clone(),
            }],
            ..Model::default()
        };
        let mut fx = Vec::new();
        update(&mut m, Msg::Edit("welcome".into()), &mut fx);
        let e = m
            .editor
            .as_ref()
            .map(|e| (e.dialogue.clone(), e.version, e.dirty));
        assert_eq!(e, Some((changed.clone(), Some(3), true)));
        assert!(
            fx.contains(&Effect::Validate(Box::new(changed))),
            "the draft is checked"
        );
        // The versions arriving do not move the base: publishing is checked against version 3.
        update(&mut m, Msg::Versions(Vec::new(), 4), &mut fx);
        update(&mut m, Msg::SaveDialogue, &mut fx);
        assert!(matches!(fx.last(), Some(Effect::Save(_, Some(3)))));
        update(&mut m, Msg::Undo, &mut fx);
        assert_eq!(
            m.editor.as_ref().map(|e| e.dialogue.clone()),
            Some(published)
        );
        // Discarding from the list drops it.
        update(&mut m, Msg::CloseEditor, &mut fx);
        update(&mut m, Msg::DiscardDraft("welcome".into()), &mut fx);
        assert_eq!(kept(&m, &fx), Some(Vec::new()));
        assert!(m.drafts.is_empty());
    }

    #[test]
    fn templates_open_as_new_drafts_with_free_ids() {
        let mut m = Model::default();
        let mut fx = Vec::new();
        let mut t = edit::new_dialogue("demo_request");
        t.name = "Demo request".into();
        m.templates = vec![crate::admin::model::Template {
            key: "demo_request".into(),
            name: "Demo request".into(),
            description: String::new(),
            dialogue: t,
        }];
        m.dialogues = vec![edit::new_dialogue("demo-request")];
        update(&mut m, Msg::NewFrom("demo_request".into()), &mut fx);
        let d = m.editor.as_ref().map(|e| e.dialogue.clone());
        let d = d.unwrap_or_else(|| edit::new_dialogue("missing"));
        assert_eq!(
            (d.id.as_str(), d.name.as_str()),
            ("demo-request-2", "Demo request")
        );
        assert!(
            matches!(fx.last(), Some(Effect::Validate(_))),
            "checked at once"
        );
    }
}
