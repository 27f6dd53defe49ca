//! The residual network and its successive shortest paths: arcs sorted
//! by cost per mentee, Dijkstra on reduced costs with Johnson potentials,
//! the sink relaxed as soon as a mentor with room is labelled.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::outcome::FlowCertificate;
use crate::solvers::{widen, Assignment, Deadline, Instance, SolveError};

use super::order::{laid_out, sort_net_of, sorted_arcs, ArcsPart, RESORT_SCANS};

/// Cost models of the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Costs {
    /// Coverage first, then total score.
    CoverageThenScore,
    /// Total score first, then coverage.
    ScoreThenCoverage,
    /// Coverage only (every pair costs 0).
    Coverage,
}

/// No arc, node or mentee yet.
pub(super) const NONE: u32 = u32::MAX;

/// A mentee's unit sent to `U` (unmatched).
pub(super) const TO_U: u32 = u32::MAX - 1;

/// Arc costs of the network in the instance's arc order.
pub(super) struct CostModel {
    /// Cost of each arc.
    pub(super) cost: Vec<i64>,
    /// Cost of leaving a mentee unmatched.
    pub(super) cost_u: i64,
    /// Weight of a minimum place.
    pub(super) h: i64,
}

/// Costs that do not fit exact integers.
fn overflow() -> SolveError {
    SolveError::Backend("scores too large for exact integer costs".into())
}

/// An arc's cost as a function of its score, `c_U`, and the largest arc cost.
struct CostFn {
    /// Cost = `(top − score) × scale`.
    top: i64,
    scale: i64,
    cost_u: i64,
    max_arc: i64,
}

impl CostFn {
    /// Under `costs`, for an instance's scores (every cost checked to fit).
    fn new(inst: &Instance, costs: Costs) -> Result<CostFn, SolveError> {
        let n = inst.mentees() as i64;
        // A priced instance's cost model spans every pair's scores.
        let (s_min, s_max) = inst
            .score
            .iter()
            .fold(inst.score_range, |r, &s| widen(r, s))
            .unwrap_or((0, 0));
        let f = match costs {
            Costs::CoverageThenScore => {
                let range = s_max.checked_sub(s_min).ok_or_else(overflow)?;
                let cu = n.checked_mul(range).and_then(|x| x.checked_add(1));
                CostFn {
                    top: s_max,
                    scale: 1,
                    cost_u: cu.ok_or_else(overflow)?,
                    max_arc: range,
                }
            }
            Costs::ScoreThenCoverage => {
                let top = s_max.max(0);
                let worst = top.checked_sub(s_min).and_then(|d| d.checked_mul(n + 1));
                let cu = top.checked_mul(n + 1).and_then(|x| x.checked_add(1));
                CostFn {
                    top,
                    scale: n + 1,
                    cost_u: cu.ok_or_else(overflow)?,
                    max_arc: worst.ok_or_else(overflow)?.max(0),
                }
            }
            Costs::Coverage => CostFn {
                top: 0,
                scale: 0,
                cost_u: 1,
                max_arc: 0,
            },
        };
        Ok(f)
    }

    fn of(&self, score: i64) -> i64 {
        (self.top - score) * self.scale
    }
}

/// The arc costs, `c_U` and `H` of the network under `costs`.
pub(super) fn cost_model(inst: &Instance, costs: Costs) -> Result<CostModel, SolveError> {
    let f = CostFn::new(inst, costs)?;
    let cost: Vec<i64> = inst.score.iter().map(|&s| f.of(s)).collect();
    let h = minimum_weight(inst, &f)?;
    Ok(CostModel {
        cost,
        cost_u: f.cost_u,
        h,
    })
}

/// `H`, the weight of a minimum place (0 without minimums).
fn minimum_weight(inst: &Instance, f: &CostFn) -> Result<i64, SolveError> {
    let n = inst.mentees() as i64;
    // With no score at all, `max_arc` is 0.
    let max_c = f.max_arc.max(f.cost_u);
    Ok(if inst.minimum.iter().any(|&m| m > 0) {
        n.checked_mul(max_c)
            .and_then(|x| x.checked_add(1))
            .filter(|&h| h <= i64::MAX / 8)
            .ok_or_else(overflow)?
    } else {
        0
    })
}

/// Residual network state and Dijkstra scratch space.
///
/// Each mentee's arcs are stored sorted by cost, so that a scan can stop
/// at the first arc that cannot lead to a path shorter than the best one
/// known to `T`. Potentials only fall, so with `snap` the mentors'
/// potentials when the arcs were last sorted, an arc's reduced cost is at
/// least `c − snap(j) + π(e)`: the arcs are sorted by `c − snap(j)`, first
/// with `snap = 0`. When the places are short, full mentors' potentials
/// fall far and unevenly, the bound loosens, and scans grow; once the
/// scans since the last sort add up to [`RESORT_SCANS`] times the arcs,
/// the arcs are sorted again with the potentials of the moment.
pub(super) struct Network<'a> {
    pub(super) inst: &'a Instance,
    /// Mentor of each arc, arcs sorted by cost within each mentee.
    pub(super) mentor: Vec<u32>,
    /// Cost of each arc, in the same order.
    pub(super) cost: Vec<i64>,
    /// Instance arc index of each arc.
    pub(super) orig: Vec<u32>,
    pub(super) cost_u: i64,
    pub(super) h: i64,
    /// The cost model: an arc costs `(top − score) × scale`.
    pub(super) top: i64,
    pub(super) scale: i64,
    pub(super) n_e: u32,
    pub(super) node_u: u32,
    pub(super) node_t: u32,
    /// Potentials per node.
    pub(super) pot: Vec<i64>,
    /// Mentor potentials when the arcs were last sorted (by `c − snap(j)`).
    pub(super) snap: Vec<i64>,
    /// Arcs scanned since the last sort.
    scanned: u64,
    /// Threads that sort the arcs.
    threads: usize,
    /// Why a sort's thread failed, if one did.
    pub(super) broken: Option<String>,
    /// Per mentee: (sorted) arc used, `TO_U`, or `NONE` (not yet sent).
    pub(super) assign: Vec<u32>,
    /// Per mentee: the cost of the arc it uses (`c_U` for `TO_U`), kept
    /// beside `assign` so that a mentor's scan of its members reads no arc.
    pub(super) held: Vec<i64>,
    /// Per mentor, then `U` last: mentees assigned.
    pub(super) members: Vec<Vec<u32>>,
    /// Per mentor, then `U` last: places whose unit flows on to `T` with
    /// no mentee on them (a warm start's, see `reprice.rs`). A slot's flow
    /// to `T` is its members plus its reserved places.
    pub(super) reserved: Vec<u32>,
    pub(super) dist: Vec<i64>,
    pub(super) seen: Vec<u32>,
    pub(super) settled: Vec<u32>,
    pub(super) epoch: u32,
    pub(super) pred: Vec<u32>,
    pub(super) pred_arc: Vec<u32>,
    pub(super) heap: BinaryHeap<Reverse<(i64, u32)>>,
    pub(super) settled_list: Vec<u32>,
}

/// Successive shortest paths from every mentee not placed by a warm start.
pub(super) fn run(
    inst: &Instance,
    costs: Costs,
    deadline: &Deadline,
    threads: usize,
) -> Result<Assignment, SolveError> {
    sent(inst, costs, deadline, threads)?.answer()
}

/// The network once every mentee not placed by a warm start has sent its
/// unit: a min-cost flow, minimums met or not.
pub(super) fn sent<'a>(
    inst: &'a Instance,
    costs: Costs,
    deadline: &Deadline,
    threads: usize,
) -> Result<Network<'a>, SolveError> {
    let mut net = Network::new(inst, costs, threads, deadline)?;
    if let Some(w) = inst.warm.as_deref() {
        net.warm_start(w);
    }
    for e in 0..net.n_e {
        if deadline.passed() {
            return Err(SolveError::Deadline);
        }
        if net.assign[e as usize] == NONE {
            net.send(e);
        }
        if let Some(why) = net.broken.take() {
            return Err(SolveError::Backend(why));
        }
    }
    Ok(net)
}

impl<'a> Network<'a> {
    /// The residual network of `inst` under `costs`, with no unit sent
    /// (or [`SolveError::Deadline`] if `deadline` passes first).
    pub(super) fn new(
        inst: &'a Instance,
        costs: Costs,
        threads: usize,
        deadline: &Deadline,
    ) -> Result<Self, SolveError> {
        let f = CostFn::new(inst, costs)?;
        let h = minimum_weight(inst, &f)?;
        let cost_u = f.cost_u;
        // A builder's order by score is the order by cost (cost falls as the
        // score rises), once checked; else the arcs are sorted here.
        let known = (costs != Costs::Coverage)
            .then_some(inst.sorted.as_ref())
            .flatten()
            .and_then(|o| Some((o, laid_out(inst, o, |s| f.of(s))?)));
        let (order, mentor, cost) = match known {
            Some((o, (mentor, cost))) => (o.clone(), mentor, cost),
            None => {
                let cost: Vec<i64> = inst.score.iter().map(|&s| f.of(s)).collect();
                let order = sorted_arcs(inst, &cost, threads, deadline)?;
                let sorted_cost = order.iter().map(|&a| cost[a as usize]).collect();
                let mentor = order.iter().map(|&a| inst.mentor[a as usize]).collect();
                (order, mentor, sorted_cost)
            }
        };
        let n_e = inst.mentees() as u32;
        let n_m = inst.mentors() as u32;
        let nodes = (n_e + n_m + 2) as usize;
        let mut pot = vec![0i64; nodes];
        // Reduced costs start non-negative: j → T at −H is tight.
        pot[nodes - 1] = -h;
        Ok(Network {
            inst,
            mentor,
            cost,
            orig: order,
            cost_u,
            h,
            top: f.top,
            scale: f.scale,
            n_e,
            node_u: n_e + n_m,
            node_t: n_e + n_m + 1,
            pot,
            snap: vec![0; n_m as usize],
            scanned: 0,
            threads,
            broken: None,
            assign: vec![NONE; n_e as usize],
            held: vec![0; n_e as usize],
            members: vec![Vec::new(); n_m as usize + 1],
            reserved: vec![0; n_m as usize + 1],
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

    /// The assignment once every unit is sent (an error if a minimum is
    /// unmet), with its potentials.
    pub(super) fn answer(&self) -> Result<Assignment, SolveError> {
        let inst = self.inst;
        let short: Vec<(u32, u32)> = (0..inst.mentors())
            .filter(|&j| (self.members[j].len() as u32) < inst.minimum[j])
            .map(|j| (j as u32, self.members[j].len() as u32))
            .collect();
        if !short.is_empty() {
            return Err(SolveError::MinimumsUnmet { short });
        }
        Ok(Assignment {
            arc: self
                .assign
                .iter()
                .map(|&a| (a != TO_U && a != NONE).then(|| self.orig[a as usize]))
                .collect(),
            optimal: true,
            duals: Some(self.duals()),
            bound: None,
        })
    }

    /// The flow's cost: its arcs', `c_U` per unmatched mentee, `−H` per
    /// minimum place filled.
    pub(super) fn cost(&self) -> i128 {
        let arcs: i128 = self
            .assign
            .iter()
            .map(|&a| match a {
                TO_U => i128::from(self.cost_u),
                NONE => 0,
                a => i128::from(self.cost[a as usize]),
            })
            .sum();
        let filled: i128 = (0..self.inst.mentors())
            .map(|j| i128::from((self.members[j].len() as u32).min(self.inst.minimum[j])))
            .sum();
        arcs - filled * i128::from(self.h)
    }

    /// The potentials, which prove the flow optimal once every unit is sent.
    pub(super) fn duals(&self) -> FlowCertificate {
        let (n_e, u) = (self.n_e as usize, self.node_u as usize);
        FlowCertificate {
            top: self.top,
            scale: self.scale,
            cost_unmatched: self.cost_u,
            minimum_weight: self.h,
            mentee: self.pot[..n_e].to_vec(),
            mentor: self.pot[n_e..u].to_vec(),
            unmatched: self.pot[u],
            sink: self.pot[u + 1],
            fair: None,
        }
    }

    /// Index in `members` of a mentor node or `U`.
    pub(super) fn slot(&self, node: u32) -> usize {
        (node - self.n_e) as usize
    }

    /// Lowers `v`'s label to `d` if that is better; returns whether it did.
    pub(super) fn relax(&mut self, v: u32, d: i64, from: u32, arc: u32) -> bool {
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

    /// Units on a mentor's (or `U`'s) arcs to `T`.
    pub(super) fn flow_to_t(&self, slot: usize) -> u32 {
        self.members[slot].len() as u32 + self.reserved[slot]
    }

    /// Cost of the residual arc from a mentor node or `U` to `T`, if any.
    pub(super) fn sink_cost(&self, u: u32) -> Option<i64> {
        if u == self.node_u {
            return Some(0);
        }
        let slot = self.slot(u);
        let load = self.flow_to_t(slot);
        if load < self.inst.minimum[slot] {
            Some(-self.h)
        } else if load < self.inst.capacity[slot] {
            Some(0)
        } else {
            None
        }
    }

    /// Best label of `T` so far in this search, if any.
    pub(super) fn bound_t(&self) -> i64 {
        let t = self.node_t as usize;
        if self.seen[t] == self.epoch {
            self.dist[t]
        } else {
            i64::MAX
        }
    }

    /// After `v`'s label improved to `d`: `T` through `v`, if `v` has room.
    pub(super) fn relax_t_through(&mut self, v: u32, d: i64) {
        if let Some(c) = self.sink_cost(v) {
            let rc = c + self.pot[v as usize] - self.pot[self.node_t as usize];
            debug_assert!(rc >= 0);
            self.relax(self.node_t, d + rc, v, NONE);
        }
    }

    /// Starts a search from `s` at distance 0.
    pub(super) fn begin(&mut self, s: u32) {
        self.epoch += 1;
        self.heap.clear();
        self.settled_list.clear();
        self.seen[s as usize] = self.epoch;
        self.dist[s as usize] = 0;
        self.pred[s as usize] = NONE;
        self.heap.push(Reverse((0, s)));
    }

    /// Settles the unsettled node of smallest label, if any: (label, node).
    #[inline]
    pub(super) fn settle_next(&mut self) -> Option<(i64, u32)> {
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

    /// Shifts each settled node's potential by its label minus `d_end`
    /// (the label of the search's end) where that is below: reduced costs
    /// stay non-negative and the path found becomes tight.
    pub(super) fn shift_settled(&mut self, d_end: i64) {
        for &v in &self.settled_list {
            let vi = v as usize;
            if self.dist[vi] < d_end {
                self.pot[vi] += self.dist[vi] - d_end;
            }
        }
    }

    /// Sends mentee `s`'s unit along a shortest residual path to `T`.
    pub(super) fn send(&mut self, s: u32) {
        self.begin(s);
        let t = self.node_t;
        let mut d_t = None;
        while let Some((d, u)) = self.settle_next() {
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
        self.shift_settled(d_t);
        self.augment(s);
        if self.scanned > RESORT_SCANS * self.mentor.len() as u64 {
            self.resort();
        }
    }

    /// Sorts each mentee's arcs by `c − π(j)` with today's potentials
    /// (then by mentor), keeping each mentee's arc in use; on threads.
    pub(super) fn resort(&mut self) {
        let n_e = self.n_e as usize;
        let pot_m = &self.pot[n_e..self.node_u as usize];
        let all = ArcsPart {
            first: 0,
            mentor: &mut self.mentor,
            orig: &mut self.orig,
            cost: &mut self.cost,
            assign: &mut self.assign,
        };
        if let Err(e) = sort_net_of(self.inst, all, pot_m, self.threads) {
            self.broken = Some(e.to_string());
        }
        self.snap.copy_from_slice(pot_m);
        self.scanned = 0;
    }

    pub(super) fn scan_mentee(&mut self, e: u32, d: i64) {
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
        // No mentor potential is above its snapshot, so rc ≥ cost − snap + pe.
        let floor = d + pe;
        let first = arcs.start;
        let mut end = arcs.end;
        for a in arcs {
            let m = self.mentor[a] as usize;
            debug_assert!(self.pot[self.n_e as usize + m] <= self.snap[m]);
            if floor + self.cost[a] - self.snap[m] >= self.bound_t() {
                end = a;
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
        self.scanned += (end - first) as u64;
    }

    /// Scans a mentor (or `U`): its arc to `T`, and back to its mentees.
    pub(super) fn scan_mentor_or_u(&mut self, u: u32, d: i64) {
        self.relax_t_through(u, d);
        if self.bound_t() <= d {
            return;
        }
        let slot = self.slot(u);
        let pu = self.pot[u as usize];
        self.touch_rows(slot);
        for k in 0..self.members[slot].len() {
            let e = self.members[slot][k];
            let rc = -self.held[e as usize] + pu - self.pot[e as usize];
            debug_assert!(rc >= 0);
            self.relax(e, d + rc, u, NONE);
        }
    }

    /// Reads the first arc of each member of `slot`'s row, all at once, so
    /// that the cache misses of the scans to come overlap rather than
    /// follow one another (the reads are independent; `black_box` keeps
    /// them). Most members are scanned next: they sit at the mentor's
    /// distance, their assigned arcs being tight.
    fn touch_rows(&self, slot: usize) {
        let mut sum = 0u64;
        for &e in &self.members[slot] {
            let a = self.inst.start[e as usize] as usize;
            if let (Some(&m), Some(&c)) = (self.mentor.get(a), self.cost.get(a)) {
                sum = sum.wrapping_add(u64::from(m) ^ c as u64);
            }
        }
        std::hint::black_box(sum);
    }

    /// Flips the path found by the last search, ending at `T`.
    pub(super) fn augment(&mut self, s: u32) {
        let mut v = self.pred[self.node_t as usize];
        loop {
            let e = self.pred[v as usize];
            let old = self.assign[e as usize];
            self.place(e, self.pred_arc[v as usize]);
            if e == s || old == NONE {
                break;
            }
            let old_slot = self.slot_of(old);
            if let Some(k) = self.members[old_slot].iter().position(|&x| x == e) {
                self.members[old_slot].swap_remove(k);
            }
            v = self.n_e + old_slot as u32;
        }
    }

    /// The slot in `members` of a (sorted) arc, or of `U` for `TO_U`.
    pub(super) fn slot_of(&self, arc: u32) -> usize {
        if arc == TO_U {
            self.members.len() - 1
        } else {
            self.mentor[arc as usize] as usize
        }
    }

    /// Puts mentee `e` on `arc` (a sorted arc, or `TO_U`): its assignment,
    /// the cost it holds, and its membership (the caller takes it off the
    /// arc it leaves).
    pub(super) fn place(&mut self, e: u32, arc: u32) {
        self.assign[e as usize] = arc;
        self.held[e as usize] = if arc == TO_U {
            self.cost_u
        } else {
            self.cost[arc as usize]
        };
        let slot = self.slot_of(arc);
        self.members[slot].push(e);
    }

    /// Takes mentee `e` off the arc it is on (membership only).
    pub(super) fn unplace(&mut self, e: u32) {
        let slot = self.slot_of(self.assign[e as usize]);
        if let Some(k) = self.members[slot].iter().position(|&x| x == e) {
            self.members[slot].swap_remove(k);
        }
    }
}
