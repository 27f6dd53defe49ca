//! A min-cost flow on a general network, by successive shortest paths:
//! the engine of the demand network (`demand.rs`), whose mentees send
//! several units through role nodes. Arc data in flat arrays; each node's
//! arcs sorted by cost net of a snapshot of the heads' potentials, so that
//! a scan stops at the first arc that cannot beat the sink's label (as in
//! `network.rs`); the arcs that carry flow into a node are kept per node,
//! so that a node's backward arcs are found without scanning the rest.
//!
//! Costs are `i128`: the demand network's lexicographic levels (every
//! minimum, each tier's coverage, further mentors, score) multiply.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::solvers::{Deadline, SolveError};

/// No node or arc.
const NONE: u32 = u32::MAX;

/// Marks a residual arc as the backward twin of a flow-carrying arc.
const BACK: u32 = 1 << 31;

/// Arcs scanned, as a multiple of all arcs, after which every node's arcs
/// are sorted again by cost net of the potentials of the moment (1 took
/// 10k × 1k demand 1 from 7.2 s to 6.3 s against 4, the bipartite
/// network's choice: here every unit of a full mentor's mentees loosens
/// the bound). Sorting only the nodes scanned again, each after its own
/// arcs' worth of scans, was slower (3k × 300 demand 2: 0.94–1.43 s
/// against 0.80 s): the bounds of the others go stale.
const RESORT_SCANS: u64 = 1;

/// Arcs of a network being laid out; every arc goes from a lower node to a
/// higher one (the nodes are numbered in a topological order), so that the
/// first potentials come from one pass.
#[derive(Debug, Default)]
pub(super) struct Builder {
    nodes: u32,
    tail: Vec<u32>,
    head: Vec<u32>,
    cap: Vec<u32>,
    cost: Vec<i128>,
}

impl Builder {
    /// A network of `nodes` nodes and no arc.
    pub(super) fn new(nodes: u32) -> Self {
        Builder {
            nodes,
            ..Builder::default()
        }
    }

    /// Adds an arc `tail → head` (`tail < head`), returning its index.
    pub(super) fn arc(&mut self, tail: u32, head: u32, cap: u32, cost: i128) -> u32 {
        debug_assert!(tail < head && head < self.nodes);
        self.tail.push(tail);
        self.head.push(head);
        self.cap.push(cap);
        self.cost.push(cost);
        self.tail.len() as u32 - 1
    }

    /// The residual network with no flow, `t` its sink (the last node).
    pub(super) fn build(self, t: u32) -> Graph {
        let n = self.nodes as usize;
        let mut out_start = vec![0u32; n + 1];
        for &u in &self.tail {
            out_start[u as usize + 1] += 1;
        }
        for u in 0..n {
            out_start[u + 1] += out_start[u];
        }
        let mut fill = out_start.clone();
        let mut out = vec![0u32; self.tail.len()];
        for (a, &u) in self.tail.iter().enumerate() {
            out[fill[u as usize] as usize] = a as u32;
            fill[u as usize] += 1;
        }
        // Shortest distances from a source joined to every node at cost 0:
        // one pass over the arcs by tail, since every arc goes forward (a
        // node's label is final before its own arcs are read).
        let mut pot = vec![0i128; n];
        for &a in &out {
            let a = a as usize;
            let via = pot[self.tail[a] as usize] + self.cost[a];
            let h = self.head[a] as usize;
            pot[h] = pot[h].min(via);
        }
        let mut to_t = vec![Vec::new(); n];
        for (a, (&u, &h)) in self.tail.iter().zip(&self.head).enumerate() {
            if h == t {
                to_t[u as usize].push(a as u32);
            }
        }
        let arcs = self.tail.len();
        let mut g = Graph {
            tail: self.tail,
            head: self.head,
            cap: self.cap,
            cost: self.cost,
            flow: vec![0; arcs],
            out_start,
            out_head: vec![0; arcs],
            out_key: vec![0; arcs],
            out_room: vec![false; arcs],
            place: vec![0; arcs],
            out,
            to_t,
            inflow: vec![Vec::new(); n],
            at: vec![NONE; arcs],
            snap: pot.clone(),
            pot,
            t,
            scanned: 0,
            dist: vec![0; n],
            seen: vec![0; n],
            settled: vec![0; n],
            epoch: 0,
            pred: vec![NONE; n],
            heap: BinaryHeap::new(),
            settled_list: Vec::new(),
        };
        g.resort();
        g
    }
}

/// A residual network and its Dijkstra scratch space.
#[derive(Debug)]
pub(super) struct Graph {
    tail: Vec<u32>,
    head: Vec<u32>,
    cap: Vec<u32>,
    cost: Vec<i128>,
    flow: Vec<u32>,
    /// `out[out_start[u]..out_start[u + 1]]`: `u`'s arcs, sorted by
    /// `cost − snap(head)`, then head, then index; beside them, in the same
    /// (scan) order, each arc's head, that key, and whether it has room, so
    /// that a scan reads them in sequence.
    out_start: Vec<u32>,
    out: Vec<u32>,
    out_head: Vec<u32>,
    out_key: Vec<i128>,
    out_room: Vec<bool>,
    /// Each arc's place in `out`.
    place: Vec<u32>,
    /// Per node: its arcs into `t`.
    to_t: Vec<Vec<u32>>,
    /// Per node: the arcs into it that carry flow (their backward twins
    /// are its backward arcs), and each arc's place there.
    inflow: Vec<Vec<u32>>,
    at: Vec<u32>,
    /// Potentials; they only fall.
    pot: Vec<i128>,
    /// Potentials when the arcs were last sorted.
    snap: Vec<i128>,
    t: u32,
    /// Arcs scanned since they were last sorted.
    scanned: u64,
    dist: Vec<i128>,
    seen: Vec<u32>,
    settled: Vec<u32>,
    epoch: u32,
    /// Residual arc by which each labelled node was reached (`BACK` set
    /// for a backward arc).
    pred: Vec<u32>,
    heap: BinaryHeap<Reverse<(i128, u32)>>,
    settled_list: Vec<u32>,
}

impl Graph {
    /// Units on arc `a`.
    pub(super) fn flow(&self, a: u32) -> u32 {
        self.flow[a as usize]
    }

    /// Capacity of arc `a`.
    pub(super) fn cap(&self, a: u32) -> u32 {
        self.cap[a as usize]
    }

    /// Node potentials (they prove the flow optimal once every unit is
    /// sent: no residual arc has a negative reduced cost).
    pub(super) fn potentials(&self) -> &[i128] {
        &self.pot
    }

    /// Number of arcs.
    pub(super) fn arcs(&self) -> usize {
        self.tail.len()
    }

    /// Arc `a`: (tail, head, capacity, cost).
    pub(super) fn arc(&self, a: usize) -> (u32, u32, u32, i128) {
        (self.tail[a], self.head[a], self.cap[a], self.cost[a])
    }

    /// Number of nodes (the sink is the last).
    pub(super) fn nodes(&self) -> usize {
        self.pot.len()
    }

    /// The flow's cost.
    pub(super) fn total_cost(&self) -> i128 {
        self.flow
            .iter()
            .zip(&self.cost)
            .map(|(&f, &c)| i128::from(f) * c)
            .sum()
    }

    /// The nodes reachable from `starts` along residual arcs (forward with
    /// room, backward with flow) that `usable` accepts, entering only the
    /// nodes `enter` accepts.
    pub(super) fn reach(
        &self,
        starts: &[u32],
        enter: impl Fn(u32) -> bool,
        usable: impl Fn(u32) -> bool,
    ) -> Vec<bool> {
        let mut seen = vec![false; self.nodes()];
        let mut stack: Vec<u32> = Vec::new();
        for &s in starts {
            if !seen[s as usize] {
                seen[s as usize] = true;
                stack.push(s);
            }
        }
        while let Some(u) = stack.pop() {
            let ui = u as usize;
            let (a, b) = (self.out_start[ui] as usize, self.out_start[ui + 1] as usize);
            let forward = self.out[a..b]
                .iter()
                .filter(|&&x| self.flow[x as usize] < self.cap[x as usize])
                .map(|&x| (x, self.head[x as usize]));
            let backward = self.inflow[ui].iter().map(|&x| (x, self.tail[x as usize]));
            for (x, v) in forward.chain(backward) {
                if !seen[v as usize] && usable(x) && enter(v) {
                    seen[v as usize] = true;
                    stack.push(v);
                }
            }
        }
        seen
    }

    /// Sends one unit from `s` to the sink along a shortest residual path;
    /// `false` if the sink cannot be reached. A min-cost flow stays one for
    /// the units sent so far.
    pub(super) fn send(&mut self, s: u32) -> bool {
        self.begin(s);
        let mut d_t = None;
        while let Some((d, u)) = self.settle_next() {
            if u == self.t {
                d_t = Some(d);
                break;
            }
            self.scan(u, d);
            if self.bound_t() <= d {
                d_t = Some(d);
                break;
            }
        }
        let Some(d_t) = d_t else { return false };
        for &v in &self.settled_list {
            let vi = v as usize;
            if self.dist[vi] < d_t {
                self.pot[vi] += self.dist[vi] - d_t;
            }
        }
        self.augment(s);
        if self.scanned > RESORT_SCANS * self.out.len() as u64 {
            self.resort();
        }
        true
    }

    /// Sends `units` from each `(node, units)`, every unit of a node before
    /// the next node's; `Deadline` if the deadline passes first, `Backend`
    /// if a unit finds no path.
    ///
    /// Not round by round (every mentee's first unit, then every second
    /// one): a mentee's places left empty are priced convexly by the units
    /// it has sent, so while a mentee has sent only its first unit, taking
    /// its only mentor from it looks as cheap as a further mentor missed,
    /// and the second round's searches ran long undoing such moves (3k ×
    /// 300 demand 2: 1.69 s against 1.13–1.5 s node by node, same optimum).
    pub(super) fn send_all(
        &mut self,
        supplies: &[(u32, u32)],
        deadline: &Deadline,
    ) -> Result<(), SolveError> {
        for &(s, units) in supplies {
            for _ in 0..units {
                if deadline.passed() {
                    return Err(SolveError::Deadline);
                }
                if !self.send(s) {
                    return Err(SolveError::Backend(format!(
                        "node {s} cannot reach the sink"
                    )));
                }
            }
        }
        Ok(())
    }

    fn begin(&mut self, s: u32) {
        self.epoch += 1;
        self.heap.clear();
        self.settled_list.clear();
        self.seen[s as usize] = self.epoch;
        self.dist[s as usize] = 0;
        self.pred[s as usize] = NONE;
        self.heap.push(Reverse((0, s)));
    }

    fn settle_next(&mut self) -> Option<(i128, u32)> {
        while let Some(Reverse((d, u))) = self.heap.pop() {
            let ui = u as usize;
            if self.settled[ui] == self.epoch || d > self.dist[ui] {
                continue;
            }
            self.settled[ui] = self.epoch;
            self.settled_list.push(u);
            return Some((d, u));
        }
        None
    }

    fn bound_t(&self) -> i128 {
        let t = self.t as usize;
        if self.seen[t] == self.epoch {
            self.dist[t]
        } else {
            i128::MAX
        }
    }

    /// Lowers `v`'s label to `d` (reached by residual arc `by`) if better,
    /// and then the sink's through `v`'s arcs into it.
    fn relax(&mut self, v: u32, d: i128, by: u32) {
        let vi = v as usize;
        if self.settled[vi] == self.epoch || (self.seen[vi] == self.epoch && d >= self.dist[vi]) {
            return;
        }
        self.seen[vi] = self.epoch;
        self.dist[vi] = d;
        self.pred[vi] = by;
        self.heap.push(Reverse((d, v)));
        if v == self.t {
            return;
        }
        for k in 0..self.to_t[vi].len() {
            let a = self.to_t[vi][k] as usize;
            if self.flow[a] < self.cap[a] {
                let rc = self.cost[a] + self.pot[vi] - self.pot[self.t as usize];
                debug_assert!(rc >= 0, "negative reduced cost {rc}");
                self.relax(self.t, d + rc, a as u32);
            }
        }
    }

    /// Scans `u`'s residual arcs: its own in order up to the first that
    /// cannot beat the sink's label, and its backward arcs.
    fn scan(&mut self, u: u32, d: i128) {
        let ui = u as usize;
        let pu = self.pot[ui];
        let (first, last) = (self.out_start[ui] as usize, self.out_start[ui + 1] as usize);
        let mut end = last;
        for k in first..last {
            // Potentials only fall: rc ≥ cost − snap(h) + π(u).
            let key = self.out_key[k];
            if d + pu + key >= self.bound_t() {
                end = k;
                break;
            }
            if !self.out_room[k] {
                continue;
            }
            let h = self.out_head[k] as usize;
            let rc = key + self.snap[h] + pu - self.pot[h];
            debug_assert!(rc >= 0, "negative reduced cost {rc}");
            self.relax(h as u32, d + rc, self.out[k]);
        }
        self.scanned += (end - first) as u64;
        for k in 0..self.inflow[ui].len() {
            let a = self.inflow[ui][k] as usize;
            let w = self.tail[a] as usize;
            let rc = -self.cost[a] + pu - self.pot[w];
            debug_assert!(rc >= 0, "negative reduced cost {rc}");
            self.relax(w as u32, d + rc, a as u32 | BACK);
        }
    }

    /// Pushes a unit along the path the last search found, from `s` to `t`.
    fn augment(&mut self, s: u32) {
        let mut v = self.t;
        while v != s {
            let by = self.pred[v as usize];
            let a = (by & !BACK) as usize;
            if by & BACK == 0 {
                self.put(a);
                v = self.tail[a];
            } else {
                self.take(a);
                v = self.head[a];
            }
        }
    }

    /// One more unit on arc `a`.
    fn put(&mut self, a: usize) {
        self.flow[a] += 1;
        self.out_room[self.place[a] as usize] = self.flow[a] < self.cap[a];
        if self.flow[a] == 1 {
            let h = self.head[a] as usize;
            self.at[a] = self.inflow[h].len() as u32;
            self.inflow[h].push(a as u32);
        }
    }

    /// One unit less on arc `a`.
    fn take(&mut self, a: usize) {
        self.flow[a] -= 1;
        self.out_room[self.place[a] as usize] = true;
        if self.flow[a] == 0 {
            let h = self.head[a] as usize;
            let k = self.at[a] as usize;
            self.inflow[h].swap_remove(k);
            if let Some(&moved) = self.inflow[h].get(k) {
                self.at[moved as usize] = k as u32;
            }
            self.at[a] = NONE;
        }
    }

    /// Sorts every node's arcs by cost net of today's potentials of their
    /// heads (then by head and index), and lays out the scan-order arrays.
    fn resort(&mut self) {
        self.snap.copy_from_slice(&self.pot);
        let mut keyed: Vec<(i128, u32, u32)> = Vec::new();
        for u in 0..self.out_start.len() - 1 {
            let (a, b) = (self.out_start[u] as usize, self.out_start[u + 1] as usize);
            keyed.clear();
            keyed.extend(self.out[a..b].iter().map(|&x| {
                let h = self.head[x as usize];
                (self.cost[x as usize] - self.snap[h as usize], h, x)
            }));
            keyed.sort_unstable();
            for (k, &(key, h, x)) in (a..b).zip(&keyed) {
                self.out[k] = x;
                self.out_head[k] = h;
                self.out_key[k] = key;
                self.out_room[k] = self.flow[x as usize] < self.cap[x as usize];
                self.place[x as usize] = k as u32;
            }
        }
        self.scanned = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cheapest cost of sending `supplies` by brute force over every
    /// flow of a tiny network (arcs of capacity ≤ 2), `None` if none.
    fn brute(
        nodes: u32,
        arcs: &[(u32, u32, u32, i128)],
        supplies: &[(u32, u32)],
        t: u32,
    ) -> Option<i128> {
        let mut best: Option<i128> = None;
        let mut flow = vec![0u32; arcs.len()];
        loop {
            let mut bal = vec![0i64; nodes as usize];
            for (k, &(u, v, _, _)) in arcs.iter().enumerate() {
                bal[u as usize] -= i64::from(flow[k]);
                bal[v as usize] += i64::from(flow[k]);
            }
            let total: i64 = supplies.iter().map(|&(_, s)| i64::from(s)).sum();
            let ok = (0..nodes).all(|v| {
                let supply: i64 = supplies
                    .iter()
                    .filter(|&&(s, _)| s == v)
                    .map(|&(_, s)| i64::from(s))
                    .sum();
                let want = if v == t { total } else { -supply };
                bal[v as usize] == want
            });
            if ok {
                let c: i128 = arcs
                    .iter()
                    .zip(&flow)
                    .map(|(a, &f)| a.3 * i128::from(f))
                    .sum();
                best = Some(best.map_or(c, |b| b.min(c)));
            }
            let mut k = 0;
            loop {
                if k == arcs.len() {
                    return best;
                }
                if flow[k] < arcs[k].2 {
                    flow[k] += 1;
                    break;
                }
                flow[k] = 0;
                k += 1;
            }
        }
    }

    #[test]
    fn successive_shortest_paths_equal_brute_force_on_tiny_networks() {
        // SplitMix64, so that the networks are the same on every machine.
        let mut x = 7u64;
        let mut next = move |m: u64| {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) % m
        };
        for _ in 0..300 {
            let nodes = 3 + next(3) as u32;
            let t = nodes - 1;
            let mut arcs = Vec::new();
            for _ in 0..(2 + next(5)) {
                let u = next(u64::from(t)) as u32;
                let v = u + 1 + next(u64::from(t - u)) as u32;
                arcs.push((u, v, 1 + next(2) as u32, next(21) as i128 - 10));
            }
            // A way out for every node, so that every unit arrives.
            for u in 0..t {
                arcs.push((u, t, 2, 40));
            }
            let supplies: Vec<(u32, u32)> = (0..t).map(|u| (u, next(2) as u32)).collect();
            let mut b = Builder::new(nodes);
            for &(u, v, c, w) in &arcs {
                b.arc(u, v, c, w);
            }
            let mut g = b.build(t);
            g.send_all(&supplies, &Deadline::NONE).expect("sent");
            assert_eq!(
                Some(g.total_cost()),
                brute(nodes, &arcs, &supplies, t),
                "{arcs:?} {supplies:?}"
            );
            // The potentials prove it: no residual arc of negative reduced cost.
            let p = g.potentials();
            for (a, &(u, v, c, w)) in arcs.iter().enumerate() {
                let rc = w + p[u as usize] - p[v as usize];
                let f = g.flow(a as u32);
                assert!(f == c || rc >= 0, "forward arc {a} rc {rc}");
                assert!(f == 0 || rc <= 0, "backward arc {a} rc {rc}");
            }
        }
    }
}
