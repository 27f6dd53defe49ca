//! Min-cost flow engine: successive shortest paths with Johnson potentials.
//!
//! # Network
//! Nodes: every mentee `e`, every mentor `j`, a node `U` ("unmatched") and
//! a sink `T`. Every mentee supplies one unit; `T` absorbs them all.
//! - `e → j` for each feasible pair, capacity 1, cost `c(e, j)`;
//! - `e → U`, capacity 1, cost `c_U` (the price of leaving `e` unmatched);
//! - `j → T` twice: `min_j` units at cost `−H` and `cap_j − min_j` units at 0;
//! - `U → T`, unbounded, cost 0.
//!
//! # Costs (integers; scores `s` in milli-points)
//! - coverage then score: `c = s_max − s`, `c_U = n·(s_max − s_min) + 1`, so one
//!   more matched mentee outweighs any change of total score;
//! - score then coverage: `c = (s⁺ − s)(n + 1)`, `c_U = s⁺(n + 1) + 1` with
//!   `s⁺ = max(s_max, 0)`: total score first, then one unit per unmatched;
//! - `H = n·max(c) + 1` makes every minimum place outweigh everything else,
//!   so the optimum meets all minimums whenever any assignment does.
//!
//! # Algorithm
//! Each mentee in turn sends its unit along a shortest path in the residual
//! network (Dijkstra on reduced costs, stopping as soon as `T` is settled),
//! and the potentials of settled nodes are updated so that reduced costs
//! stay non-negative. Successive shortest paths from any supply node keep
//! the flow optimal for the supplies sent so far, so once every mentee has
//! sent its unit the flow is a min-cost flow: an optimal assignment.
//!
//! Fair mode: the maximum coverage `k` is computed with costs that count
//! only coverage; a binary search over the distinct scores finds the largest
//! threshold `t` at which coverage `k` (and every minimum) is still reached,
//! and the coverage-then-score optimum over arcs scoring `≥ t` is returned.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{Assignment, Deadline, Engine, Instance, SolveError};
use crate::model::{Milli, Objective};

/// The min-cost flow engine.
#[derive(Debug, Clone, Copy, Default)]
pub struct FlowEngine;

impl Engine for FlowEngine {
    fn solve(
        &self,
        inst: &Instance,
        objective: Objective,
        deadline: Deadline,
    ) -> Result<Assignment, SolveError> {
        if inst.quota.is_some() {
            return Err(SolveError::Unsupported(
                "a min-cost flow cannot express per-label quotas",
            ));
        }
        match objective {
            Objective::CoverageThenScore => run(inst, Costs::CoverageThenScore, deadline),
            Objective::Score => run(inst, Costs::ScoreThenCoverage, deadline),
            Objective::Fair => fair(inst, deadline),
        }
    }
}

/// Cost models of the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Costs {
    CoverageThenScore,
    ScoreThenCoverage,
    /// Coverage only (every pair costs 0).
    Coverage,
}

fn fair(inst: &Instance, deadline: Deadline) -> Result<Assignment, SolveError> {
    let k = matched(&run(inst, Costs::Coverage, deadline)?);
    let mut levels: Vec<Milli> = inst.score.clone();
    levels.sort_unstable();
    levels.dedup();
    if k == 0 || levels.is_empty() {
        return run(inst, Costs::CoverageThenScore, deadline);
    }
    // Invariant: threshold levels[lo] reaches coverage k; levels[hi + 1..] do not.
    let (mut lo, mut hi) = (0usize, levels.len() - 1);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        let (sub, _) = inst.with_threshold(levels[mid]);
        match run(&sub, Costs::Coverage, deadline) {
            Ok(a) if matched(&a) == k => lo = mid,
            Ok(_) | Err(SolveError::MinimumsUnmet { .. }) => hi = mid - 1,
            Err(e) => return Err(e),
        }
    }
    let (sub, kept) = inst.with_threshold(levels[lo]);
    let a = run(&sub, Costs::CoverageThenScore, deadline)?;
    Ok(Assignment {
        arc: a.arc.iter().map(|x| x.map(|a| kept[a as usize])).collect(),
        optimal: true,
    })
}

fn matched(a: &Assignment) -> usize {
    a.arc.iter().filter(|x| x.is_some()).count()
}

/// The network solved for an objective, spelled out: node ids are mentees
/// `0..n`, mentors `n..n+m`, then `U`, then `T`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkDescription {
    /// Number of nodes.
    pub nodes: u32,
    /// (node, supply); `T` has the negative total.
    pub supplies: Vec<(u32, i64)>,
    /// (from, to, capacity, cost).
    pub arcs: Vec<(u32, u32, i64, i64)>,
}

fn costs_for(objective: Objective) -> Costs {
    match objective {
        Objective::Score => Costs::ScoreThenCoverage,
        Objective::CoverageThenScore | Objective::Fair => Costs::CoverageThenScore,
    }
}

/// The network of `inst` under `objective` (fair: its coverage-then-score
/// network over all arcs). Empty if costs would overflow.
pub fn network(inst: &Instance, objective: Objective) -> NetworkDescription {
    let Ok(net) = cost_model(inst, costs_for(objective)) else {
        return NetworkDescription::default();
    };
    let n_e = inst.mentees() as u32;
    let (node_u, node_t) = (n_e + inst.mentors() as u32, n_e + inst.mentors() as u32 + 1);
    let mut d = NetworkDescription {
        nodes: node_t + 1,
        ..NetworkDescription::default()
    };
    for e in 0..n_e {
        d.supplies.push((e, 1));
    }
    d.supplies.push((node_t, -i64::from(n_e)));
    for e in 0..n_e as usize {
        for a in inst.arcs(e) {
            d.arcs
                .push((e as u32, n_e + inst.mentor[a], 1, net.cost[a]));
        }
        d.arcs.push((e as u32, node_u, 1, net.cost_u));
    }
    for j in 0..inst.mentors() {
        let (cap, min) = (i64::from(inst.capacity[j]), i64::from(inst.minimum[j]));
        let node = n_e + j as u32;
        if min > 0 {
            d.arcs.push((node, node_t, min, -net.h));
        }
        if cap > min {
            d.arcs.push((node, node_t, cap - min, 0));
        }
    }
    d.arcs.push((node_u, node_t, i64::from(n_e), 0));
    d
}

/// Whether the flow engine would start from `inst.warm` under `objective`
/// (the hint is a min-cost flow for the mentees it places), rather than cold.
/// (Fair mode also tries the hint, for its first, coverage-only flow; this
/// answers for the other objectives.)
pub fn accepts_warm(inst: &Instance, objective: Objective) -> bool {
    match (
        objective,
        inst.warm.as_deref(),
        Network::new(inst, costs_for(objective)),
    ) {
        (Objective::Fair, ..) | (_, None, _) | (.., Err(_)) => false,
        (_, Some(w), Ok(mut net)) => net.warm_start(w),
    }
}

/// The optimal cost of [`network`]`(inst, objective)` found by this engine,
/// `None` if it cannot be solved (deadline, overflow).
pub fn min_cost(inst: &Instance, objective: Objective, deadline: Deadline) -> Option<i64> {
    let net = cost_model(inst, costs_for(objective)).ok()?;
    let a = run(inst, costs_for(objective), deadline).ok()?;
    let mut cost = 0i64;
    for arc in &a.arc {
        cost += arc.map_or(net.cost_u, |x| net.cost[x as usize]);
    }
    for j in 0..inst.mentors() {
        let load = a
            .arc
            .iter()
            .flatten()
            .filter(|&&x| inst.mentor[x as usize] as usize == j)
            .count();
        cost -= net.h * (load as i64).min(i64::from(inst.minimum[j]));
    }
    Some(cost)
}

const NONE: u32 = u32::MAX;

/// Largest mentors + 2 for which a warm start builds its dense constraint
/// matrix (4 M entries, 32 MiB); larger instances start cold.
const WARM_MAX_NODES: usize = 2048;

/// Warm-start distances must stay above minus this (room for the potential
/// updates of later sends); lower means a cold start.
const WARM_MIN_DIST: i64 = i64::MAX / 4;
const TO_U: u32 = u32::MAX - 1;

/// Arc costs of the network in the instance's arc order.
struct CostModel {
    cost: Vec<i64>,
    cost_u: i64,
    h: i64,
}

fn overflow() -> SolveError {
    SolveError::Backend("scores too large for exact integer costs".into())
}

fn cost_model(inst: &Instance, costs: Costs) -> Result<CostModel, SolveError> {
    let n = inst.mentees() as i64;
    let s_max = inst.score.iter().copied().max().unwrap_or(0);
    let s_min = inst.score.iter().copied().min().unwrap_or(0);
    let (cost, cost_u): (Vec<i64>, i64) = match costs {
        Costs::CoverageThenScore => {
            let range = s_max.checked_sub(s_min).ok_or_else(overflow)?;
            let cu = n.checked_mul(range).and_then(|x| x.checked_add(1));
            (
                inst.score.iter().map(|&s| s_max - s).collect(),
                cu.ok_or_else(overflow)?,
            )
        }
        Costs::ScoreThenCoverage => {
            let top = s_max.max(0);
            let cost = inst
                .score
                .iter()
                .map(|&s| top.checked_sub(s).and_then(|d| d.checked_mul(n + 1)))
                .collect::<Option<Vec<i64>>>()
                .ok_or_else(overflow)?;
            let cu = top.checked_mul(n + 1).and_then(|x| x.checked_add(1));
            (cost, cu.ok_or_else(overflow)?)
        }
        Costs::Coverage => (vec![0; inst.score.len()], 1),
    };
    let max_c = cost.iter().copied().max().unwrap_or(0).max(cost_u);
    let h = if inst.minimum.iter().any(|&m| m > 0) {
        n.checked_mul(max_c)
            .and_then(|x| x.checked_add(1))
            .filter(|&h| h <= i64::MAX / 8)
            .ok_or_else(overflow)?
    } else {
        0
    };
    Ok(CostModel { cost, cost_u, h })
}

/// Fewest arcs for which the arc sort runs on several threads.
const PARALLEL_SORT_ARCS: usize = 200_000;

/// Arc indices sorted by (cost, mentor) within each mentee, in parallel
/// over contiguous mentee chunks (the order does not depend on it). Keys are
/// packed into one integer when they fit, for a cache-friendly sort.
fn sorted_arcs(inst: &Instance, cost: &[i64]) -> Vec<u32> {
    let n_e = inst.mentees();
    let mut order: Vec<u32> = (0..inst.mentor.len() as u32).collect();
    let packable = inst.mentors() < (1 << 24) && cost.iter().all(|&c| (0..1 << 39).contains(&c));
    let sort = |e: usize, out: &mut [u32], buf: &mut Vec<(u64, u32)>| {
        let arcs = inst.arcs(e);
        if packable {
            buf.clear();
            buf.extend(arcs.map(|a| {
                (
                    ((cost[a] as u64) << 24) | u64::from(inst.mentor[a]),
                    a as u32,
                )
            }));
            buf.sort_unstable();
            for (o, &(_, a)) in out.iter_mut().zip(buf.iter()) {
                *o = a;
            }
        } else {
            out.sort_unstable_by_key(|&a| (cost[a as usize], inst.mentor[a as usize]));
        }
    };
    // Threads only pay off on large instances (spawning costs ~50 µs).
    let threads = if inst.mentor.len() < PARALLEL_SORT_ARCS {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    };
    // Sorts mentees first..last, whose arcs are `mine`.
    let sort_chunk = |first: usize, last: usize, mine: &mut [u32]| {
        let mut buf = Vec::new();
        let base = inst.start[first] as usize;
        for e in first..last {
            let r = inst.arcs(e);
            sort(e, &mut mine[r.start - base..r.end - base], &mut buf);
        }
    };
    if threads == 1 {
        sort_chunk(0, n_e, &mut order);
        return order;
    }
    let chunk = n_e.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let mut rest: &mut [u32] = &mut order;
        let mut first = 0usize;
        while first < n_e {
            let last = (first + chunk).min(n_e);
            let len = inst.start[last] as usize - inst.start[first] as usize;
            let (mine, tail) = rest.split_at_mut(len);
            rest = tail;
            let sort_chunk = &sort_chunk;
            scope.spawn(move || sort_chunk(first, last, mine));
            first = last;
        }
    });
    order
}

/// Residual network state and Dijkstra scratch space.
///
/// Each mentee's arcs are stored sorted by cost, so that a scan can stop
/// at the first arc that cannot lead to a path shorter than the best one
/// known to `T`: mentor potentials never rise above 0, so an arc's reduced
/// cost is at least `c + π(e)`.
struct Network<'a> {
    inst: &'a Instance,
    /// Mentor of each arc, arcs sorted by cost within each mentee.
    mentor: Vec<u32>,
    /// Cost of each arc, in the same order.
    cost: Vec<i64>,
    /// Instance arc index of each arc.
    orig: Vec<u32>,
    cost_u: i64,
    h: i64,
    n_e: u32,
    node_u: u32,
    node_t: u32,
    /// Potentials per node.
    pot: Vec<i64>,
    /// Per mentee: (sorted) arc used, `TO_U`, or `NONE` (not yet sent).
    assign: Vec<u32>,
    /// Per mentor, then `U` last: mentees assigned.
    members: Vec<Vec<u32>>,
    dist: Vec<i64>,
    seen: Vec<u32>,
    settled: Vec<u32>,
    epoch: u32,
    pred: Vec<u32>,
    pred_arc: Vec<u32>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
    settled_list: Vec<u32>,
}

fn run(inst: &Instance, costs: Costs, deadline: Deadline) -> Result<Assignment, SolveError> {
    let mut net = Network::new(inst, costs)?;
    if let Some(w) = inst.warm.as_deref() {
        net.warm_start(w);
    }
    for e in 0..net.n_e {
        if e.is_multiple_of(256) && deadline.passed() {
            return Err(SolveError::Deadline);
        }
        if net.assign[e as usize] == NONE {
            net.send(e);
        }
    }
    let short: Vec<(u32, u32)> = (0..inst.mentors())
        .filter(|&j| (net.members[j].len() as u32) < inst.minimum[j])
        .map(|j| (j as u32, net.members[j].len() as u32))
        .collect();
    if !short.is_empty() {
        return Err(SolveError::MinimumsUnmet { short });
    }
    Ok(Assignment {
        arc: net
            .assign
            .iter()
            .map(|&a| (a != TO_U && a != NONE).then(|| net.orig[a as usize]))
            .collect(),
        optimal: true,
    })
}

impl<'a> Network<'a> {
    fn new(inst: &'a Instance, costs: Costs) -> Result<Self, SolveError> {
        let CostModel { cost, cost_u, h } = cost_model(inst, costs)?;
        let order = sorted_arcs(inst, &cost);
        let n_e = inst.mentees() as u32;
        let n_m = inst.mentors() as u32;
        let nodes = (n_e + n_m + 2) as usize;
        let mut pot = vec![0i64; nodes];
        // Reduced costs start non-negative: j → T at −H is tight.
        pot[nodes - 1] = -h;
        Ok(Network {
            inst,
            mentor: order.iter().map(|&a| inst.mentor[a as usize]).collect(),
            cost: order.iter().map(|&a| cost[a as usize]).collect(),
            orig: order,
            cost_u,
            h,
            n_e,
            node_u: n_e + n_m,
            node_t: n_e + n_m + 1,
            pot,
            assign: vec![NONE; n_e as usize],
            members: vec![Vec::new(); n_m as usize + 1],
            dist: vec![0; nodes],
            seen: vec![0; nodes],
            settled: vec![0; nodes],
            epoch: 0,
            pred: vec![NONE; nodes],
            pred_arc: vec![NONE; nodes],
            heap: BinaryHeap::new(),
            settled_list: Vec::new(),
        })
    }

    /// Loads the starting assignment `hint` (instance arc per mentee) as a
    /// partial flow, if it is a min-cost flow for the mentees it places, and
    /// finds potentials that make every residual reduced cost non-negative;
    /// the successive shortest paths then only send the other mentees.
    ///
    /// Potentials come from difference constraints over mentors, `U` and
    /// `T` alone: a placed mentee's potential is fixed by its (tight) arc,
    /// so each of its other arcs `e → j` says `π(j) − π(j₀) ≤ c(e,j) − c(e,j₀)`.
    /// Bellman–Ford solves them, or finds a negative cycle: the hint is not
    /// optimal, and the state is left untouched (a cold start). Returns
    /// whether the hint was loaded.
    fn warm_start(&mut self, hint: &[Option<u32>]) -> bool {
        let inst = self.inst;
        let (n_e, n_m) = (self.n_e as usize, inst.mentors());
        if hint.len() != n_e || n_m + 2 > WARM_MAX_NODES {
            return false;
        }
        let Some((pos, load)) = self.hint_positions(hint) else {
            return false;
        };
        let adj = self.difference_constraints(&pos, &load);
        let Some(dist) = bellman_ford(&adj) else {
            return false;
        };
        let Some(pot_e) = self.warm_mentee_potentials(&pos, &dist) else {
            return false;
        };
        self.load_warm_state(&pos, &pot_e, &dist);
        true
    }

    /// Sorted position of each hinted arc (`NONE` if unplaced) and mentor loads; `None` if invalid.
    fn hint_positions(&self, hint: &[Option<u32>]) -> Option<(Vec<u32>, Vec<u32>)> {
        let inst = self.inst;
        let (n_e, n_m) = (self.n_e as usize, inst.mentors());
        let mut pos = vec![NONE; n_e];
        let mut load = vec![0u32; n_m];
        for (e, h) in hint.iter().enumerate() {
            let Some(a) = *h else { continue };
            let p = inst.arcs(e).find(|&p| self.orig[p] == a)?;
            pos[e] = p as u32;
            load[self.mentor[p] as usize] += 1;
        }
        if (0..n_m).any(|j| load[j] > inst.capacity[j]) {
            return None;
        }
        Some((pos, load))
    }

    /// Difference constraints π(v) − π(u) ≤ w over mentors, `U`, `T`, as adjacency lists.
    fn difference_constraints(&self, pos: &[u32], load: &[u32]) -> Vec<Vec<(u32, i64)>> {
        let inst = self.inst;
        let n_m = inst.mentors();
        let v_n = n_m + 2;
        let (u_i, t_i) = (n_m, n_m + 1);
        // The tightest bound per pair, as a dense matrix.
        let mut w = vec![i64::MAX; v_n * v_n];
        let mut add = |u: usize, v: usize, x: i64| {
            let c = &mut w[u * v_n + v];
            *c = (*c).min(x);
        };
        for (e, &p0) in pos.iter().enumerate() {
            if p0 == NONE {
                continue;
            }
            let (j0, c0) = (self.mentor[p0 as usize] as usize, self.cost[p0 as usize]);
            for p in inst.arcs(e) {
                if p as u32 != p0 {
                    add(j0, self.mentor[p] as usize, self.cost[p] - c0);
                }
            }
            add(j0, u_i, self.cost_u - c0);
        }
        for (j, &l) in load.iter().enumerate() {
            let (m, k) = (inst.minimum[j], inst.capacity[j]);
            if l < m {
                add(j, t_i, -self.h);
            } else if l < k {
                add(j, t_i, 0);
            }
            if l > 0 && l <= m {
                add(t_i, j, self.h);
            }
            if l > m {
                add(t_i, j, 0);
            }
        }
        add(u_i, t_i, 0);
        (0..v_n)
            .map(|u| {
                (0..v_n)
                    .filter(|&v| v != u && w[u * v_n + v] != i64::MAX)
                    .map(|v| (v as u32, w[u * v_n + v]))
                    .collect()
            })
            .collect()
    }

    /// Potentials of the mentees from the mentor, `U` distances; `None` on overflow.
    ///
    /// Distances start at 0 and only fall, so mentor potentials are at
    /// most 0, as the scans' pruning requires. Mentee potentials: a
    /// placed mentee's arc is tight; an unplaced one's is high enough for
    /// every arc out of it.
    fn warm_mentee_potentials(&self, pos: &[u32], dist: &[i64]) -> Option<Vec<i64>> {
        let inst = self.inst;
        let u_i = inst.mentors();
        let pot_m = |j: usize| dist[j];
        let mut pot_e = Vec::with_capacity(pos.len());
        for (e, &p0) in pos.iter().enumerate() {
            let pe = if p0 == NONE {
                let mut best = dist[u_i].checked_sub(self.cost_u);
                for p in inst.arcs(e) {
                    let x = pot_m(self.mentor[p] as usize).checked_sub(self.cost[p]);
                    best = best.zip(x).map(|(a, b)| a.max(b));
                }
                best
            } else {
                pot_m(self.mentor[p0 as usize] as usize).checked_sub(self.cost[p0 as usize])
            };
            pot_e.push(pe?);
        }
        Some(pot_e)
    }

    /// Stores the warm potentials and the hinted arcs as the partial flow.
    fn load_warm_state(&mut self, pos: &[u32], pot_e: &[i64], dist: &[i64]) {
        let (n_e, n_m) = (self.n_e as usize, self.inst.mentors());
        let (u_i, t_i) = (n_m, n_m + 1);
        self.pot[..n_e].copy_from_slice(pot_e);
        for (j, &d) in dist.iter().enumerate().take(n_m) {
            self.pot[n_e + j] = d;
        }
        self.pot[self.node_u as usize] = dist[u_i];
        self.pot[self.node_t as usize] = dist[t_i];
        for (e, &p0) in pos.iter().enumerate() {
            if p0 != NONE {
                self.assign[e] = p0;
                self.members[self.mentor[p0 as usize] as usize].push(e as u32);
            }
        }
    }

    /// Index in `members` of a mentor node or `U`.
    fn slot(&self, node: u32) -> usize {
        (node - self.n_e) as usize
    }

    /// Lowers `v`'s label to `d` if that is better; returns whether it did.
    fn relax(&mut self, v: u32, d: i64, from: u32, arc: u32) -> bool {
        let vi = v as usize;
        if self.settled[vi] == self.epoch {
            return false;
        }
        if self.seen[vi] != self.epoch || d < self.dist[vi] {
            self.seen[vi] = self.epoch;
            self.dist[vi] = d;
            self.pred[vi] = from;
            self.pred_arc[vi] = arc;
            self.heap.push(Reverse((d, v)));
            true
        } else {
            false
        }
    }

    /// Cost of the residual arc from a mentor node or `U` to `T`, if any.
    fn sink_cost(&self, u: u32) -> Option<i64> {
        if u == self.node_u {
            return Some(0);
        }
        let slot = self.slot(u);
        let load = self.members[slot].len() as u32;
        if load < self.inst.minimum[slot] {
            Some(-self.h)
        } else if load < self.inst.capacity[slot] {
            Some(0)
        } else {
            None
        }
    }

    /// Best label of `T` so far in this search, if any.
    fn bound_t(&self) -> i64 {
        let t = self.node_t as usize;
        if self.seen[t] == self.epoch {
            self.dist[t]
        } else {
            i64::MAX
        }
    }

    /// After `v`'s label improved to `d`: `T` through `v`, if `v` has room.
    fn relax_t_through(&mut self, v: u32, d: i64) {
        if let Some(c) = self.sink_cost(v) {
            let rc = c + self.pot[v as usize] - self.pot[self.node_t as usize];
            debug_assert!(rc >= 0);
            self.relax(self.node_t, d + rc, v, NONE);
        }
    }

    /// Sends mentee `s`'s unit along a shortest residual path to `T`.
    fn send(&mut self, s: u32) {
        self.epoch += 1;
        self.heap.clear();
        self.settled_list.clear();
        self.seen[s as usize] = self.epoch;
        self.dist[s as usize] = 0;
        self.pred[s as usize] = NONE;
        self.heap.push(Reverse((0, s)));
        let t = self.node_t;
        let mut d_t = None;
        while let Some(Reverse((d, u))) = self.heap.pop() {
            let ui = u as usize;
            if self.settled[ui] == self.epoch || d > self.dist[ui] {
                continue;
            }
            self.settled[ui] = self.epoch;
            self.settled_list.push(u);
            if u == t {
                d_t = Some(d);
                break;
            }
            if u < self.n_e {
                self.scan_mentee(u, d);
            } else {
                self.scan_mentor_or_u(u, d);
            }
            if self.bound_t() <= d {
                // T is at distance d, the smallest label left: settled.
                d_t = Some(d);
                break;
            }
        }
        // T is always reachable through s → U → T.
        let Some(d_t) = d_t else { return };
        for &v in &self.settled_list {
            let vi = v as usize;
            if self.dist[vi] < d_t {
                self.pot[vi] += self.dist[vi] - d_t;
            }
        }
        self.augment(s);
    }

    fn scan_mentee(&mut self, e: u32, d: i64) {
        let ei = e as usize;
        let cur = self.assign[ei];
        let pe = self.pot[ei];
        if cur != TO_U {
            let u = self.node_u;
            let rc = self.cost_u + pe - self.pot[u as usize];
            debug_assert!(rc >= 0);
            if self.relax(u, d + rc, e, TO_U) {
                self.relax_t_through(u, d + rc);
            }
        }
        let arcs = self.inst.arcs(ei);
        for a in arcs {
            // Mentor potentials are at most 0, so rc ≥ cost + pe.
            if d + self.cost[a] + pe >= self.bound_t() {
                break;
            }
            if a as u32 == cur {
                continue;
            }
            let j = self.n_e + self.mentor[a];
            let rc = self.cost[a] + pe - self.pot[j as usize];
            debug_assert!(rc >= 0, "negative reduced cost {rc}");
            if self.relax(j, d + rc, e, a as u32) {
                self.relax_t_through(j, d + rc);
            }
        }
    }

    /// Scans a mentor (or `U`): its arc to `T`, and back to its mentees.
    fn scan_mentor_or_u(&mut self, u: u32, d: i64) {
        self.relax_t_through(u, d);
        if self.bound_t() <= d {
            return;
        }
        let slot = self.slot(u);
        let pu = self.pot[u as usize];
        for k in 0..self.members[slot].len() {
            let e = self.members[slot][k];
            let a = self.assign[e as usize];
            let c = if a == TO_U {
                self.cost_u
            } else {
                self.cost[a as usize]
            };
            let rc = -c + pu - self.pot[e as usize];
            debug_assert!(rc >= 0);
            self.relax(e, d + rc, u, NONE);
        }
    }

    /// Flips the path found by the last search, ending at `T`.
    fn augment(&mut self, s: u32) {
        let mut v = self.pred[self.node_t as usize];
        loop {
            let e = self.pred[v as usize];
            let arc = self.pred_arc[v as usize];
            let old = self.assign[e as usize];
            self.assign[e as usize] = arc;
            let slot = self.slot(v);
            self.members[slot].push(e);
            if e == s || old == NONE {
                break;
            }
            let old_node = if old == TO_U {
                self.node_u
            } else {
                self.n_e + self.mentor[old as usize]
            };
            let old_slot = self.slot(old_node);
            if let Some(k) = self.members[old_slot].iter().position(|&x| x == e) {
                self.members[old_slot].swap_remove(k);
            }
            v = old_node;
        }
    }
}

/// Shortest distances from a virtual source at 0 to every node of `adj`
/// (queue-based Bellman–Ford); `None` on a negative cycle or distances too
/// low for later potential updates (both mean a cold start).
fn bellman_ford(adj: &[Vec<(u32, i64)>]) -> Option<Vec<i64>> {
    let v_n = adj.len();
    let mut dist = vec![0i64; v_n];
    let mut in_queue = vec![true; v_n];
    // Edges on the current shortest path to each node.
    let mut hops = vec![0usize; v_n];
    let mut queue: std::collections::VecDeque<usize> = (0..v_n).collect();
    while let Some(u) = queue.pop_front() {
        in_queue[u] = false;
        for &(v, x) in &adj[u] {
            let v = v as usize;
            // Distances this low would overflow later potential updates:
            // treat them like a negative cycle (start cold).
            let d = dist[u].checked_add(x).filter(|&d| d > -WARM_MIN_DIST)?;
            if d < dist[v] {
                dist[v] = d;
                hops[v] = hops[u] + 1;
                if hops[v] > v_n {
                    return None; // negative cycle: the hint is not optimal
                }
                if !in_queue[v] {
                    in_queue[v] = true;
                    queue.push_back(v);
                }
            }
        }
    }
    Some(dist)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(lists: &[&[(u32, Milli)]], cap: &[u32], min: &[u32]) -> Instance {
        let lists: Vec<Vec<(u32, Milli)>> = lists.iter().map(|l| l.to_vec()).collect();
        Instance::from_lists(&lists, cap.to_vec(), min.to_vec())
    }

    fn solve(i: &Instance, o: Objective) -> Result<Assignment, SolveError> {
        FlowEngine.solve(i, o, Deadline::NONE)
    }

    #[test]
    fn prefers_higher_score_at_equal_coverage() {
        // Mentee 0 can only take mentor 0 (score 1); mentee 1 only mentor 0 (score 10).
        let i = inst(&[&[(0, 1)], &[(0, 10)]], &[1], &[0]);
        let a = solve(&i, Objective::CoverageThenScore).unwrap();
        assert_eq!(a.arc, vec![None, Some(1)]);
    }

    #[test]
    fn coverage_beats_score() {
        // Mentee 0: mentor 0 (100) or mentor 1 (1); mentee 1: mentor 0 (1).
        let i = inst(&[&[(0, 100), (1, 1)], &[(0, 1)]], &[1, 1], &[0, 0]);
        let a = solve(&i, Objective::CoverageThenScore).unwrap();
        assert_eq!(a.value(&i).matched, 2);
        assert_eq!(a.value(&i).total, 2);
        let b = solve(&i, Objective::Score).unwrap();
        assert_eq!(b.value(&i).total, 100);
        assert_eq!(b.value(&i).matched, 1);
    }

    #[test]
    fn minimum_forces_an_assignment() {
        // Mentor 1 needs one mentee though mentor 0 scores better for both.
        let i = inst(&[&[(0, 50), (1, 10)], &[(0, 40)]], &[2, 1], &[0, 1]);
        let a = solve(&i, Objective::CoverageThenScore).unwrap();
        assert_eq!(a.mentor(&i, 0), Some(1));
        assert_eq!(a.mentor(&i, 1), Some(0));
    }

    #[test]
    fn unmet_minimum_is_reported() {
        let i = inst(&[&[(0, 5)]], &[1, 1], &[0, 1]);
        assert_eq!(
            solve(&i, Objective::CoverageThenScore),
            Err(SolveError::MinimumsUnmet {
                short: vec![(1, 0)]
            })
        );
    }

    #[test]
    fn fair_raises_the_lowest_pair() {
        // Total-optimal: (0→0: 10) + (1→1: 1) = 11; fair: (0→1: 5) + (1→0: 5) = 10.
        let i = inst(&[&[(0, 10), (1, 5)], &[(0, 5), (1, 1)]], &[1, 1], &[0, 0]);
        let a = solve(&i, Objective::Fair).unwrap();
        assert_eq!(a.value(&i).min, Some(5));
        assert_eq!(a.value(&i).total, 10);
        let b = solve(&i, Objective::CoverageThenScore).unwrap();
        assert_eq!(b.value(&i).total, 11);
    }

    #[test]
    fn empty_instance() {
        let i = inst(&[&[], &[]], &[], &[]);
        let a = solve(&i, Objective::Fair).unwrap();
        assert_eq!(a.arc, vec![None, None]);
    }
}
