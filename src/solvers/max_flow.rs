//! Maximum flow source → mentee → mentor → sink on an [`Instance`]'s arcs
//! (petgraph's Dinic): the most mentees any matching places under given
//! mentor capacities, with no scores involved. Used by checks, which need a
//! coverage answer without an optimisation.

use petgraph::algo::dinics;
use petgraph::graph::{DiGraph, EdgeIndex};

use super::Instance;

/// A maximum flow mentee → mentor → sink with the given mentor
/// capacities: its value and the arc each mentee uses.
pub(crate) fn max_flow(inst: &Instance, capacity: &[u32]) -> (u32, Vec<Option<u32>>) {
    let mut g = DiGraph::<(), u32>::with_capacity(
        inst.mentees() + inst.mentors() + 2,
        inst.mentor.len() + inst.mentees() + inst.mentors(),
    );
    let s = g.add_node(());
    let t = g.add_node(());
    let ms: Vec<_> = (0..inst.mentors()).map(|_| g.add_node(())).collect();
    let mut edge_of: Vec<EdgeIndex> = Vec::with_capacity(inst.mentor.len());
    for e in 0..inst.mentees() {
        let n = g.add_node(());
        g.add_edge(s, n, 1);
        for a in inst.arcs(e) {
            edge_of.push(g.add_edge(n, ms[inst.mentor[a] as usize], 1));
        }
    }
    for (j, &n) in ms.iter().enumerate() {
        g.add_edge(n, t, capacity[j]);
    }
    let (value, flows) = dinics(&g, s, t);
    let arc = (0..inst.mentees())
        .map(|e| {
            inst.arcs(e)
                .find(|&a| flows[edge_of[a].index()] > 0)
                .map(|a| a as u32)
        })
        .collect();
    (value, arc)
}
