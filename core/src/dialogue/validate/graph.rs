//! The dialogue as a graph of branches: reachability, loops, and what comes before each
//! live chat card.

use std::collections::{BTreeMap, BTreeSet};

use super::{at, Validator};
use crate::dialogue::issue::IssueCode;
use crate::dialogue::model::{CardKind, Dialogue, FieldKind, START_BRANCH};

impl<'a> Validator<'a> {
    /// Unreachable branches (warning) and loops between branches (error).
    pub(super) fn graph(&mut self) {
        let g = Graph::new(self.d);
        let start = g.index.get(START_BRANCH).copied();
        let mut color = vec![Color::White; self.d.branches.len()];
        // From the start first, so "unreachable" means exactly that; then the rest, to find
        // loops among unreachable branches too.
        let order = start.into_iter().chain(0..self.d.branches.len());
        let mut reachable = None;
        for root in order {
            if color[root] == Color::White {
                self.dfs(&g, root, &mut color);
            }
            if reachable.is_none() {
                reachable = Some(color.iter().map(|c| *c == Color::Black).collect::<Vec<_>>());
            }
        }
        let reachable = reachable.unwrap_or_default();
        for (i, branch) in self.d.branches.iter().enumerate() {
            let first_of_id = g.index.get(branch.id.as_str()) == Some(&i);
            if start.is_some() && first_of_id && !reachable.get(i).copied().unwrap_or(false) {
                self.warn(
                    IssueCode::UnreachableBranch,
                    Some(branch),
                    None,
                    format!(
                        "Branch \"{}\" is never reached: no button leads to it.",
                        branch.id
                    ),
                );
            }
        }
    }

    fn dfs(&mut self, g: &Graph<'a>, node: usize, color: &mut [Color]) {
        // Iterative, so a long chain of branches cannot overflow the stack.
        color[node] = Color::Gray;
        let mut stack = vec![(node, 0usize)];
        while let Some((n, next_edge)) = stack.pop() {
            let Some(edge) = g.edges[n].get(next_edge) else {
                color[n] = Color::Black;
                continue;
            };
            stack.push((n, next_edge + 1));
            match color[edge.to] {
                Color::White => {
                    color[edge.to] = Color::Gray;
                    stack.push((edge.to, 0));
                }
                Color::Gray => {
                    let branch = &self.d.branches[n];
                    let card = &branch.cards[edge.card];
                    let target = &self.d.branches[edge.to].id;
                    self.card_error(
                        IssueCode::BranchCycle,
                        branch,
                        card,
                        &if edge.button.is_empty() {
                            format!("sends visitors nobody can chat with to branch \"{target}\", which leads here; the dialogue would loop.")
                        } else {
                            format!(
                                "has button \"{}\" going back to branch \"{target}\", which leads here; the dialogue would loop.",
                                edge.button
                            )
                        },
                    );
                }
                Color::Black => {}
            }
        }
    }

    /// Per reachable live chat card: is a question, and a capture asking first name and
    /// email, on every path leading to it?
    pub(super) fn best_practices(&mut self) {
        let g = Graph::new(self.d);
        let Some(&start) = g.index.get(START_BRANCH) else {
            return;
        };
        // A branch is walked at most once per (has question, has capture) pair.
        let mut seen: BTreeSet<(usize, bool, bool)> = BTreeSet::new();
        let mut reached: BTreeMap<(usize, usize), (bool, bool)> = BTreeMap::new();
        let mut todo = vec![(start, false, false)];
        while let Some(state) = todo.pop() {
            if !seen.insert(state) {
                continue;
            }
            let (b, mut has_q, mut has_c) = state;
            for (i, card) in self.d.branches[b].cards.iter().enumerate() {
                match &card.kind {
                    CardKind::Message { .. } => {}
                    CardKind::LiveChat { .. } => {
                        let lacks = reached.entry((b, i)).or_insert((true, true));
                        lacks.0 &= has_q;
                        lacks.1 &= has_c;
                    }
                    CardKind::InfoCapture { fields, .. } => {
                        let asks = |k| fields.iter().any(|f| f.kind == k);
                        has_c |= asks(FieldKind::FirstName) && asks(FieldKind::Email);
                    }
                    CardKind::Question { buttons, .. } => {
                        has_q = true;
                        for e in g.edges[b].iter().filter(|e| e.card == i) {
                            todo.push((e.to, has_q, has_c));
                        }
                        if buttons.iter().all(|bt| bt.goto.is_some()) {
                            break;
                        }
                    }
                }
            }
        }
        for ((b, i), (q_always, c_always)) in reached {
            let branch = &self.d.branches[b];
            let card = &branch.cards[i];
            if !q_always {
                let message = format!(
                    "{} has no question card before it asking whether the visitor wants to talk to someone.",
                    at(branch, card)
                );
                self.warn(
                    IssueCode::NoQuestionBeforeLiveChat,
                    Some(branch),
                    Some(card),
                    message,
                );
            }
            if !c_always {
                let message = format!(
                    "{} has no info capture card before it asking for at least first name and email.",
                    at(branch, card)
                );
                self.warn(
                    IssueCode::NoCaptureBeforeLiveChat,
                    Some(branch),
                    Some(card),
                    message,
                );
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Color {
    White,
    Gray,
    Black,
}

/// Branches as nodes, buttons with a known `goto` as edges (in card and button order).
struct Graph<'a> {
    /// Branch id → index of its first definition.
    index: BTreeMap<&'a str, usize>,
    edges: Vec<Vec<Edge<'a>>>,
}

struct Edge<'a> {
    card: usize,
    button: &'a str,
    to: usize,
}

impl<'a> Graph<'a> {
    fn new(d: &'a Dialogue) -> Self {
        let mut index = BTreeMap::new();
        for (i, b) in d.branches.iter().enumerate() {
            index.entry(b.id.as_str()).or_insert(i);
        }
        let edges = d
            .branches
            .iter()
            .map(|b| {
                let mut out = Vec::new();
                for (ci, card) in b.cards.iter().enumerate() {
                    // A card's branch for when nobody can chat: an edge with no button.
                    if let CardKind::LiveChat {
                        when_unavailable: Some(goto),
                        ..
                    }
                    | CardKind::Question {
                        when_unavailable: Some(goto),
                        ..
                    } = &card.kind
                    {
                        if let Some(&to) = index.get(goto.as_str()) {
                            out.push(Edge {
                                card: ci,
                                button: "",
                                to,
                            });
                        }
                    }
                    if let CardKind::Question { buttons, .. } = &card.kind {
                        for bt in buttons {
                            if let Some(&to) = bt.goto.as_deref().and_then(|g| index.get(g)) {
                                out.push(Edge {
                                    card: ci,
                                    button: bt.id.as_str(),
                                    to,
                                });
                            }
                        }
                    }
                }
                out
            })
            .collect();
        Graph { index, edges }
    }
}
