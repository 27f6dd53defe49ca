//! A warm re-solve after pricing: the previous optimum and its potentials
//! loaded into the network with the priced arcs added, so that only the
//! mentees with an added arc of negative reduced cost are sent again.
//!
//! Each such mentee leaves its arc, but its place stays counted on its
//! mentor's arc to `T`: a reserved place ([`Network::reserved`]). No
//! residual arc enters an unsent mentee, so its potential may rise until
//! every arc out of it has a non-negative reduced cost; every other
//! residual arc is one of the previous optimum, already non-negative.
//!
//! 1. Each unsent mentee sends its unit to `T` as in a cold solve: `T`
//!    then holds one unit more than its share per reserved place.
//! 2. Each reserved place takes a unit back from `T` along a shortest
//!    residual path from `T` to it, found backwards from the place (over
//!    each mentor's incoming arcs): a place given up at a mentor, or a
//!    chain of mentees moving towards the reserved place. Searched
//!    forwards from `T`, the zero-cost arcs back to every mentor with room
//!    would settle most of the network each time.
//!
//! Each search keeps every reduced cost non-negative, so once every place
//! is settled the flow is a min-cost flow of the instance: the value a
//! cold solve finds (ties may be resolved differently).

use crate::outcome::FlowCertificate;
use crate::solvers::{Assignment, Deadline, Instance, SolveError};

use super::network::{Costs, Network, NONE, TO_U};

/// Solves `inst` from `prior` (its instance arc per mentee, every one an
/// arc of `inst`) and the potentials `duals` that proved it optimal over
/// fewer arcs. `Ok(None)` if they do not fit this instance (another cost
/// model, too many mentees on a mentor) or the potentials would drift too
/// far: the caller solves cold.
pub(super) fn reprice(
    inst: &Instance,
    costs: Costs,
    prior: &[Option<u32>],
    duals: &FlowCertificate,
    threads: usize,
    deadline: &Deadline,
) -> Result<Option<Assignment>, SolveError> {
    let mut net = Network::new(inst, costs, threads, deadline)?;
    if !net.load(prior, duals) {
        return Ok(None);
    }
    let unsent: Vec<u32> = (0..net.n_e).filter(|&e| net.violated(e as usize)).collect();
    if unsent.is_empty() {
        return net.answer().map(Some);
    }
    for &e in &unsent {
        net.reserve(e as usize);
    }
    // Arcs by cost net of today's potentials, for tight scan cut-offs.
    net.resort();
    for &e in &unsent {
        if deadline.passed() {
            return Err(SolveError::Deadline);
        }
        net.send(e);
        if let Some(why) = net.broken.take() {
            return Err(SolveError::Backend(why));
        }
    }
    let incoming = Incoming::new(&net);
    let mut lift = 0i64;
    for slot in 0..net.reserved.len() {
        while net.reserved[slot] > 0 {
            if deadline.passed() {
                return Err(SolveError::Deadline);
            }
            // Potentials stay within `lift` of their start; far from the
            // integers' limits, or the caller solves cold.
            lift = match lift.checked_add(net.take_back(&incoming, slot)) {
                Some(l) if l <= i64::MAX / 8 => l,
                _ => return Ok(None),
            };
        }
    }
    // The searches raised potentials; one shift lowers them all again.
    for p in &mut net.pot {
        *p -= lift;
    }
    net.answer().map(Some)
}

/// Per mentor: the arcs into it, as (`c + π(e)` when built, mentee,
/// sorted arc position), by that key. Mentee potentials only rise while
/// places are taken back, so an arc's reduced cost is at least its key
/// minus the mentor's potential: a scan stops at the first key that cannot
/// beat the best path to `T`.
struct Incoming {
    start: Vec<u32>,
    arc: Vec<(i64, u32, u32)>,
}

impl Incoming {
    fn new(net: &Network<'_>) -> Incoming {
        let n_m = net.inst.mentors();
        let mut start = vec![0u32; n_m + 1];
        for &m in &net.mentor {
            start[m as usize + 1] += 1;
        }
        for j in 0..n_m {
            start[j + 1] += start[j];
        }
        let mut fill = start.clone();
        let mut arc = vec![(0, 0, 0); net.mentor.len()];
        for e in 0..net.n_e as usize {
            for p in net.inst.arcs(e) {
                let j = net.mentor[p] as usize;
                arc[fill[j] as usize] = (net.cost[p] + net.pot[e], e as u32, p as u32);
                fill[j] += 1;
            }
        }
        for j in 0..n_m {
            arc[start[j] as usize..start[j + 1] as usize].sort_unstable();
        }
        Incoming { start, arc }
    }

    fn of(&self, j: usize) -> &[(i64, u32, u32)] {
        &self.arc[self.start[j] as usize..self.start[j + 1] as usize]
    }
}

impl Network<'_> {
    /// Loads `prior` and its potentials; false if they do not fit.
    fn load(&mut self, prior: &[Option<u32>], duals: &FlowCertificate) -> bool {
        let (n_e, u) = (self.n_e as usize, self.node_u as usize);
        let model = (self.top, self.scale, self.cost_u, self.h);
        if prior.len() != n_e
            || duals.mentee.len() != n_e
            || duals.mentor.len() != u - n_e
            || model
                != (
                    duals.top,
                    duals.scale,
                    duals.cost_unmatched,
                    duals.minimum_weight,
                )
        {
            return false;
        }
        self.pot[..n_e].copy_from_slice(&duals.mentee);
        self.pot[n_e..u].copy_from_slice(&duals.mentor);
        self.pot[u] = duals.unmatched;
        self.pot[u + 1] = duals.sink;
        // Arcs are sorted by cost with snapshots at 0: every mentor's
        // potential must be at most 0 (potentials only fall).
        if duals.mentor.iter().any(|&p| p > 0) {
            return false;
        }
        for (e, &a) in prior.iter().enumerate() {
            let arc = match a {
                None => TO_U,
                Some(a) => match self.inst.arcs(e).find(|&p| self.orig[p] == a) {
                    Some(p) => p as u32,
                    None => return false,
                },
            };
            self.place(e as u32, arc);
        }
        (0..self.inst.mentors()).all(|j| self.members[j].len() as u32 <= self.inst.capacity[j])
    }

    /// Whether an arc out of mentee `e` has a negative reduced cost.
    /// (Its own arc's backward residual arc holds by the prior's proof.)
    fn violated(&self, e: usize) -> bool {
        let (pe, cur) = (self.pot[e], self.assign[e]);
        let u = self.node_u as usize;
        (cur != TO_U && self.cost_u + pe < self.pot[u])
            || self.inst.arcs(e).any(|a| {
                a as u32 != cur
                    && self.cost[a] + pe < self.pot[self.n_e as usize + self.mentor[a] as usize]
            })
    }

    /// Takes mentee `e` off its arc, its place kept reserved, and raises its
    /// potential so that no arc out of it has a negative reduced cost.
    fn reserve(&mut self, e: usize) {
        let slot = self.slot_of(self.assign[e]);
        self.unplace(e as u32);
        self.reserved[slot] += 1;
        self.assign[e] = NONE;
        let n_e = self.n_e as usize;
        let mut pe = self.pot[e].max(self.pot[self.node_u as usize] - self.cost_u);
        for a in self.inst.arcs(e) {
            pe = pe.max(self.pot[n_e + self.mentor[a] as usize] - self.cost[a]);
        }
        self.pot[e] = pe;
    }
}

impl Network<'_> {
    /// Fills one reserved place of `slot` with a unit from `T`, along a
    /// shortest residual path from `T` found backwards from the place.
    /// Raises the potential of each node settled at distance `d < D` (from
    /// it to the place; `D` the path's length) by `D − d`, which keeps
    /// every reduced cost non-negative (potentials of a backward search
    /// move the other way), and returns `D`.
    fn take_back(&mut self, incoming: &Incoming, slot: usize) -> i64 {
        let goal = self.n_e + slot as u32;
        let t = self.node_t;
        self.begin(goal);
        // `T → goal` is residual (the reserved unit flows on it), so `T`
        // is always reached.
        let mut d_t = 0;
        while let Some((d, v)) = self.settle_next() {
            if v == t {
                d_t = d;
                break;
            }
            if v < self.n_e {
                self.scan_back_mentee(v, d);
            } else {
                self.scan_back_slot(incoming, v, d);
            }
        }
        for &v in &self.settled_list {
            let vi = v as usize;
            if self.dist[vi] < d_t {
                self.pot[vi] += d_t - self.dist[vi];
            }
        }
        self.flip_back(goal);
        d_t
    }

    /// Relaxes the residual arc into mentee `e` (from its mentor or `U`).
    fn scan_back_mentee(&mut self, e: u32, d: i64) {
        let ei = e as usize;
        let from = match self.assign[ei] {
            NONE => return,
            TO_U => self.node_u,
            a => self.n_e + self.mentor[a as usize],
        };
        let rc = -self.held[ei] + self.pot[from as usize] - self.pot[ei];
        debug_assert!(rc >= 0, "negative reduced cost {rc} into a mentee");
        self.relax(from, d + rc, e, NONE);
    }

    /// Relaxes the residual arcs into a mentor or `U`: from the mentees not
    /// on it that have an arc to it, and from `T` if it sends units there.
    fn scan_back_slot(&mut self, incoming: &Incoming, v: u32, d: i64) {
        let (slot, pv) = (self.slot(v), self.pot[v as usize]);
        let flow = self.flow_to_t(slot);
        if flow > 0 {
            // The last unit sent leaves first: a minimum place's costs −H.
            let back = if v != self.node_u && flow <= self.inst.minimum[slot] {
                self.h
            } else {
                0
            };
            let rc = back + self.pot[self.node_t as usize] - pv;
            debug_assert!(rc >= 0, "negative reduced cost {rc} from T");
            self.relax(self.node_t, d + rc, v, NONE);
        }
        if v == self.node_u {
            for e in 0..self.n_e {
                if self.assign[e as usize] != TO_U {
                    let rc = self.cost_u + self.pot[e as usize] - pv;
                    debug_assert!(rc >= 0);
                    self.relax(e, d + rc, v, TO_U);
                }
            }
            return;
        }
        for &(key, e, p) in incoming.of(slot) {
            if d + key - pv >= self.bound_t() {
                break;
            }
            if self.assign[e as usize] != p {
                let rc = self.cost[p as usize] + self.pot[e as usize] - pv;
                debug_assert!(rc >= 0, "negative reduced cost {rc} into a mentor");
                self.relax(e, d + rc, v, p);
            }
        }
    }

    /// Flips the path from `T` to the reserved place at `goal` found by the
    /// last backward search: each mentee on it moves one mentor along.
    fn flip_back(&mut self, goal: u32) {
        let mut v = self.pred[self.node_t as usize];
        while v != goal {
            let e = self.pred[v as usize];
            self.unplace(e);
            self.place(e, self.pred_arc[e as usize]);
            v = self.pred[e as usize];
        }
        let slot = self.slot(goal);
        self.reserved[slot] -= 1;
    }
}
