//! Undo and redo for the designer: snapshots of the draft. Typing in one field is one step.

use parlor_core::dialogue::Dialogue;

const DEPTH: usize = 100;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    undo: Vec<Dialogue>,
    redo: Vec<Dialogue>,
    /// The field typed in by the last step; more typing there extends that step.
    last_field: Option<String>,
}

impl History {
    /// Records the draft as it was before an edit. `field`: the bound path for typing, `None`
    /// for a structural edit (always its own step).
    pub fn record(&mut self, before: &Dialogue, field: Option<&str>) {
        if field.is_some() && field == self.last_field.as_deref() {
            return;
        }
        self.last_field = field.map(str::to_owned);
        self.undo.push(before.clone());
        if self.undo.len() > DEPTH {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    pub fn undo(&mut self, now: &mut Dialogue) -> bool {
        let Some(prev) = self.undo.pop() else {
            return false;
        };
        self.redo.push(std::mem::replace(now, prev));
        self.last_field = None;
        true
    }

    pub fn redo(&mut self, now: &mut Dialogue) -> bool {
        let Some(next) = self.redo.pop() else {
            return false;
        };
        self.undo.push(std::mem::replace(now, next));
        self.last_field = None;
        true
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::edit::{apply, bind, new_dialogue, Op};

    #[test]
    fn typing_is_one_step_and_redo_replays_it() {
        let mut d = new_dialogue("d");
        let mut h = History::default();
        for name in ["S", "Sa", "Sales"] {
            h.record(&d, Some("name"));
            bind(&mut d, "name", name);
        }
        h.record(&d, None);
        apply(&mut d, &Op::AddBranch);
        assert!(h.undo(&mut d));
        assert_eq!(d.branches.len(), 1);
        assert!(h.undo(&mut d));
        assert_eq!(d.name, "New dialogue", "the three keystrokes were one step");
        assert!(!h.undo(&mut d));
        assert!(h.redo(&mut d) && h.redo(&mut d));
        assert_eq!((d.name.as_str(), d.branches.len()), ("Sales", 2));
        assert!(!h.can_redo());
    }
}
