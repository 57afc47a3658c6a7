//! The designer's drawing, computed: each branch a column of card nodes, each answer or
//! "when nobody can chat" choice an edge to the branch it opens. Pure (tested natively); the
//! view only places boxes and draws the paths, so rows and edges always line up.

use parlor_core::dialogue::{CardKind, Dialogue};
use parlor_core::routing::{Routing, RuleTarget};

pub const COL_W: i32 = 236;
pub const GAP_X: i32 = 84;
pub const PAD: i32 = 16;
pub const HEAD_H: i32 = 40;
pub const NODE_GAP: i32 = 18;
/// Height of a node's kind line and two lines of text.
pub const NODE_TOP: i32 = 62;
pub const ROW_H: i32 = 24;
const NODE_BOTTOM: i32 = 8;

/// One line under a node's text: an answer, the routing, the fields asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub text: String,
    /// The branch (index) this row opens, if any.
    pub to: Option<usize>,
    /// Names a branch that does not exist.
    pub broken: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub b: usize,
    pub c: usize,
    pub x: i32,
    pub y: i32,
    pub h: i32,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: (usize, usize),
    pub to: usize,
    /// SVG path data from the row's right edge to the target branch's header.
    pub path: String,
    /// "When nobody can chat" edges are drawn dashed.
    pub dashed: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    pub nodes: Vec<Node>,
    /// The x of each branch's column.
    pub columns: Vec<i32>,
    pub edges: Vec<Edge>,
    pub width: i32,
    pub height: i32,
}

pub fn column_x(b: usize) -> i32 {
    PAD + b as i32 * (COL_W + GAP_X)
}

pub fn layout(d: &Dialogue) -> Layout {
    let branch = |id: &str| d.branches.iter().position(|b| b.id == id);
    let mut out = Layout::default();
    for (bi, br) in d.branches.iter().enumerate() {
        let x = column_x(bi);
        out.columns.push(x);
        let mut y = PAD + HEAD_H + NODE_GAP;
        for (ci, card) in br.cards.iter().enumerate() {
            let rows = rows(&card.kind, &branch);
            let h = NODE_TOP + rows.len() as i32 * ROW_H + NODE_BOTTOM;
            for (ri, row) in rows.iter().enumerate() {
                let Some(to) = row.to else { continue };
                let y1 = y + NODE_TOP + ri as i32 * ROW_H + ROW_H / 2;
                out.edges.push(Edge {
                    from: (bi, ci),
                    to,
                    path: curve(x + COL_W, y1, column_x(to), PAD + HEAD_H / 2),
                    dashed: row.text.starts_with(NOBODY),
                });
            }
            out.nodes.push(Node {
                b: bi,
                c: ci,
                x,
                y,
                h,
                rows,
            });
            y += h + NODE_GAP;
        }
        out.height = out.height.max(y + PAD);
    }
    out.width = column_x(d.branches.len()) - GAP_X + PAD;
    out
}

const NOBODY: &str = "Nobody can chat";

fn rows(kind: &CardKind, branch: &impl Fn(&str) -> Option<usize>) -> Vec<Row> {
    let link = |text: String, goto: Option<&str>| match goto {
        Some(id) => Row {
            to: branch(id),
            broken: branch(id).is_none(),
            text: format!("{text} → {id}"),
        },
        None => Row {
            to: None,
            broken: false,
            text: format!("{text} → next card"),
        },
    };
    let mut out = Vec::new();
    match kind {
        CardKind::Message { .. } => {}
        CardKind::Question {
            buttons,
            when_unavailable,
            ..
        } => {
            for b in buttons {
                out.push(link(format!("“{}”", b.label), b.goto.as_deref()));
            }
            if let Some(u) = when_unavailable {
                out.push(link(NOBODY.into(), Some(u)));
            }
        }
        CardKind::InfoCapture { fields, .. } => {
            let names: Vec<&str> = fields.iter().map(|f| f.label.as_str()).collect();
            out.push(plain(format!("Asks: {}", names.join(", "))));
        }
        CardKind::LiveChat {
            routing,
            when_unavailable,
            ..
        } => {
            out.push(plain(routing_text(routing)));
            if let Some(u) = when_unavailable {
                out.push(link(NOBODY.into(), Some(u)));
            }
        }
    }
    out
}

fn plain(text: String) -> Row {
    Row {
        text,
        to: None,
        broken: false,
    }
}

/// How a live chat card routes, in a few words.
pub fn routing_text(r: &Routing) -> String {
    match r {
        Routing::RoundRobin => "Routing: round robin".into(),
        Routing::Agent { agent } => format!("Routing: agent {}", agent.as_str()),
        Routing::Team { team } => format!("Routing: team {}", team.as_str()),
        Routing::Rules { rules } => {
            let targets: Vec<String> = rules
                .iter()
                .map(|r| match &r.target {
                    RuleTarget::Agent { agent } => agent.as_str().to_owned(),
                    RuleTarget::Team { team } => team.as_str().to_owned(),
                })
                .collect();
            format!("Routing: {} rule(s) → {}", rules.len(), targets.join(", "))
        }
    }
}

/// A cubic curve leaving rightwards and entering the target from the left.
fn curve(x1: i32, y1: i32, x2: i32, y2: i32) -> String {
    let bend = ((x2 - x1).abs() / 2).max(48);
    format!(
        "M{x1} {y1} C{} {y1}, {} {y2}, {} {y2}",
        x1 + bend,
        x2 - bend,
        x2 - 6
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::edit::{apply, bind, new_dialogue, Op};

    #[test]
    fn answers_become_edges_to_the_branches_they_open() {
        let mut d = new_dialogue("d");
        apply(&mut d, &Op::AddCard(0, "question".into()));
        apply(&mut d, &Op::BranchFrom(0, 1, 0));
        apply(&mut d, &Op::AddItem(0, 1));
        bind(&mut d, "b.0.c.1.q.1.goto", "nowhere");
        let l = layout(&d);
        assert_eq!(l.columns.len(), 2);
        assert_eq!(l.nodes.len(), 3);
        let q = &l.nodes[1];
        assert_eq!(q.rows.len(), 2);
        assert_eq!(q.rows[0].to, Some(1));
        assert!(
            q.rows[1].broken,
            "a goto to a missing branch is shown broken"
        );
        assert_eq!(l.edges.len(), 1);
        assert_eq!(l.edges[0].from, (0, 1));
        // The edge starts at the row's middle, on the node's right side.
        let y = q.y + NODE_TOP + ROW_H / 2;
        assert!(l.edges[0]
            .path
            .starts_with(&format!("M{} {y} ", q.x + COL_W)));
        // Nodes of a column do not overlap, and the drawing holds them all.
        assert!(l.nodes[1].y >= l.nodes[0].y + l.nodes[0].h);
        assert!(l
            .nodes
            .iter()
            .all(|n| n.y + n.h <= l.height && n.x + COL_W <= l.width));
    }
}
