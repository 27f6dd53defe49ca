//! The residual network of a scenario over its base, and its successive
//! shortest paths from excesses to deficits (see the parent module).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::model::Milli;

use super::potentials::base_potentials;
use super::state::{BaseState, Costs, Row, Scenario, NONE, TO_U};

/// A fresh row, sorted by (score descending, mentor).
#[derive(Debug)]
struct Fresh {
    mentor: Vec<u32>,
    score: Vec<Milli>,
}

/// The residual network of a scenario over its base.
pub(super) struct Net<'a> {
    base: &'a BaseState,
    scen: &'a Scenario,
    costs: Costs,
    /// Scenario mentor of each base mentor (`NONE`: gone).
    now_of: Vec<u32>,
    fresh: Vec<Option<Fresh>>,
    /// Per mentee: the offset of its baseline arc in its base row, with the bonus.
    bonus_arc: Vec<u32>,
    n_e: u32,
    node_u: u32,
    node_t: u32,
    pot: Vec<i64>,
    /// Per mentee: arc (offset in its base row, or position in its fresh
    /// row), `TO_U`, or `NONE` (a supply).
    assign: Vec<u32>,
    /// Per mentor, then `U`: mentees on it.
    members: Vec<Vec<u32>>,
    /// Per mentor, then `U`: units on its arc to `T`.
    tflow: Vec<u32>,
    /// Units into `T` minus mentees.
    t_balance: i64,
    // Dijkstra scratch.
    dist: Vec<i64>,
    seen: Vec<u32>,
    settled: Vec<u32>,
    epoch: u32,
    pred: Vec<u32>,
    pred_arc: Vec<u32>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
    settled_list: Vec<u32>,
    /// Best label of a deficit node in this search.
    bound: i64,
}

impl<'a> Net<'a> {
    pub(super) fn new(base: &'a BaseState, scen: &'a Scenario) -> Option<Self> {
        let n_m = scen.mentor_base.len();
        let n_e = scen.rows.len();
        let mut now_of = vec![NONE; base.n_m];
        for (j, &b) in scen.mentor_base.iter().enumerate() {
            *now_of.get_mut(b as usize)? = j as u32;
        }
        let (mut low, mut high) = (base.low, base.high.checked_add(scen.bonus.max(0))?);
        low = low.min(base.low.checked_add(scen.bonus.min(0))?);
        let fresh: Vec<Option<Fresh>> = scen
            .rows
            .iter()
            .map(|r| match r {
                Row::Base(_) => None,
                Row::Fresh(arcs) => {
                    let mut arcs = arcs.clone();
                    arcs.sort_unstable_by_key(|&(m, s)| (Reverse(s), m));
                    for &(_, s) in &arcs {
                        low = low.min(s);
                        high = high.max(s);
                    }
                    Some(Fresh {
                        mentor: arcs.iter().map(|a| a.0).collect(),
                        score: arcs.iter().map(|a| a.1).collect(),
                    })
                }
            })
            .collect();
        let minimums = scen.minimum.iter().chain(&base.minimum).any(|&m| m > 0);
        let costs = Costs::new(scen.order, low, high, n_e as i64, minimums)?;
        let nodes = n_e + n_m + 2;
        Some(Net {
            base,
            scen,
            costs,
            now_of,
            fresh,
            bonus_arc: vec![NONE; n_e],
            n_e: n_e as u32,
            node_u: (n_e + n_m) as u32,
            node_t: (n_e + n_m + 1) as u32,
            pot: vec![0; nodes],
            assign: vec![NONE; n_e],
            members: vec![Vec::new(); n_m + 1],
            tflow: vec![0; n_m + 1],
            t_balance: 0,
            dist: vec![0; nodes],
            seen: vec![0; nodes],
            settled: vec![0; nodes],
            epoch: 0,
            pred: vec![NONE; nodes],
            pred_arc: vec![NONE; nodes],
            heap: BinaryHeap::new(),
            settled_list: Vec::new(),
            bound: i64::MAX,
        })
    }

    /// Mentor and U potentials from the base's constraints under these
    /// costs (Bellman–Ford over base mentors, `U`, `T`), then every
    /// mentee's: tight on its baseline arc, or the least that keeps its arcs
    /// non-negative. `None` on a negative cycle or overflow.
    pub(super) fn potentials(&mut self, base: &BaseState) -> Option<()> {
        let dist = base_potentials(base, &self.costs, self.scen.bonus)?;
        let n_m = base.n_m;
        for (b, &j) in self.now_of.iter().enumerate() {
            if j != NONE {
                self.pot[(self.n_e + j) as usize] = dist[b];
            }
        }
        self.pot[self.node_u as usize] = dist[n_m];
        self.pot[self.node_t as usize] = dist[n_m + 1];
        for k in 0..self.n_e as usize {
            let Row::Base(b) = self.scen.rows[k] else {
                continue;
            };
            let (_, score) = base.row(b)?;
            match base.placed[b as usize] {
                TO_U => {
                    self.assign[k] = TO_U;
                    self.pot[k] = self.pot[self.node_u as usize] - self.costs.cost_u;
                }
                NONE => return None,
                j0 if self.now_of[j0 as usize] != NONE => {
                    let pos = base.placed_pos[b as usize];
                    self.bonus_arc[k] = pos;
                    self.assign[k] = pos;
                    let j = self.n_e + self.now_of[j0 as usize];
                    let c = self.costs.of(score[pos as usize] + self.scen.bonus);
                    self.pot[k] = self.pot[j as usize] - c;
                }
                _ => {} // its mentor left: a supply
            }
        }
        for k in 0..self.n_e {
            if self.assign[k as usize] == NONE {
                self.pot[k as usize] = self.free_potential(k);
            }
        }
        Some(())
    }

    /// The least potential of an unassigned mentee that keeps its arcs'
    /// reduced costs non-negative.
    fn free_potential(&self, k: u32) -> i64 {
        let mut best = self.pot[self.node_u as usize] - self.costs.cost_u;
        self.for_each_arc(k, |j, c| {
            best = best.max(self.pot[(self.n_e + j) as usize] - c);
        });
        best
    }

    /// Every present arc of mentee `k`: (scenario mentor, cost).
    fn for_each_arc(&self, k: u32, mut f: impl FnMut(u32, i64)) {
        let k = k as usize;
        match &self.fresh[k] {
            Some(r) => {
                for (&j, &s) in r.mentor.iter().zip(&r.score) {
                    f(j, self.costs.of(s));
                }
            }
            None => {
                let Row::Base(b) = self.scen.rows[k] else {
                    return;
                };
                let Some((mentor, score)) = self.base.row(b) else {
                    return;
                };
                for (o, (&bm, &s)) in mentor.iter().zip(score).enumerate() {
                    let j = self.now_of[bm as usize];
                    if j != NONE {
                        f(j, self.arc_cost_at(k, o as u32, s));
                    }
                }
            }
        }
    }

    fn arc_cost_at(&self, k: usize, o: u32, s: Milli) -> i64 {
        if self.bonus_arc[k] == o {
            self.costs.of(s + self.scen.bonus)
        } else {
            self.costs.of(s)
        }
    }

    /// Scenario mentor and cost of mentee `k`'s arc `a`.
    fn arc(&self, k: usize, a: u32) -> (u32, i64) {
        match &self.fresh[k] {
            Some(r) => (r.mentor[a as usize], self.costs.of(r.score[a as usize])),
            None => {
                let Row::Base(b) = self.scen.rows[k] else {
                    unreachable!("a mentee without a fresh row has a base row")
                };
                let (mentor, score) = self.base.row(b).expect("a scored row");
                let s = score[a as usize];
                (
                    self.now_of[mentor[a as usize] as usize],
                    self.arc_cost_at(k, a, s),
                )
            }
        }
    }

    /// Loads the base's places onto the scenario's mentors and applies
    /// capacity changes (see the module docs).
    pub(super) fn apply(&mut self, base: &BaseState) {
        let n_m = self.scen.mentor_base.len();
        for k in 0..self.n_e as usize {
            match self.assign[k] {
                NONE => {}
                TO_U => self.members[n_m].push(k as u32),
                a => {
                    let (j, _) = self.arc(k, a);
                    self.members[j as usize].push(k as u32);
                }
            }
        }
        for j in 0..n_m {
            self.tflow[j] = base.load[self.scen.mentor_base[j] as usize];
        }
        self.tflow[n_m] = self.members[n_m].len() as u32;
        for j in 0..n_m {
            let b = self.scen.mentor_base[j] as usize;
            let (cap, was) = (self.scen.capacity[j], base.capacity[b]);
            let node = self.n_e as usize + j;
            if cap > self.tflow[j] {
                // A full mentor's new places: held unless `j → T` is already
                // non-negative.
                let full = self.tflow[j] == was;
                if full && self.pot[node] < self.pot[self.node_t as usize] {
                    self.tflow[j] = cap;
                }
            } else {
                while self.tflow[j] > cap && self.tflow[j] as usize > self.members[j].len() {
                    self.tflow[j] -= 1;
                }
                while self.tflow[j] > cap {
                    let k = self.members[j].pop().expect("members above capacity");
                    self.assign[k as usize] = NONE;
                    self.tflow[j] -= 1;
                }
            }
        }
        for k in 0..self.n_e {
            if self.assign[k as usize] == NONE {
                self.pot[k as usize] = self.free_potential(k);
            }
        }
        let into_t: i64 = self.tflow.iter().map(|&x| i64::from(x)).sum();
        self.t_balance = into_t - i64::from(self.n_e);
    }

    /// Sends every excess; `false` if one finds no deficit (never, when
    /// supplies balance: a mentee reaches `T` through `U`, and `T` every
    /// held place).
    pub(super) fn run(&mut self) -> bool {
        for k in 0..self.n_e {
            if self.assign[k as usize] == NONE && !self.send(k) {
                return false;
            }
        }
        while self.t_balance > 0 {
            if !self.send(self.node_t) {
                return false;
            }
        }
        true
    }

    /// Every residual arc's reduced cost is non-negative, every current
    /// arc's is 0, and every unit is placed (the optimality conditions),
    /// checked over all arcs.
    #[cfg(debug_assertions)]
    pub(super) fn check(&self) -> Result<(), String> {
        let n_m = self.scen.mentor_base.len();
        let t = self.node_t as usize;
        for k in 0..self.n_e as usize {
            let a = self.assign[k];
            if a == NONE {
                return Err(format!("mentee {k} unassigned"));
            }
            let pe = self.pot[k];
            if a != TO_U {
                let rc = self.costs.cost_u + pe - self.pot[self.node_u as usize];
                if rc < 0 {
                    return Err(format!("mentee {k} -> U rc {rc}"));
                }
            }
            let mut bad = None;
            self.for_each_arc(k as u32, |j, c| {
                let rc = c + pe - self.pot[(self.n_e + j) as usize];
                let cur = a != TO_U && self.arc(k, a).0 == j;
                if cur && rc != 0 && bad.is_none() {
                    bad = Some(format!("mentee {k} current arc to {j} rc {rc}"));
                }
                if !cur && rc < 0 && bad.is_none() {
                    bad = Some(format!("mentee {k} -> {j} rc {rc}"));
                }
            });
            if let Some(b) = bad {
                return Err(b);
            }
        }
        for s in 0..=n_m {
            let v = self.pot[self.n_e as usize + s];
            if let Some(c) = self.arc_to_t(s) {
                if c + v - self.pot[t] < 0 {
                    return Err(format!("slot {s} -> T rc {}", c + v - self.pot[t]));
                }
            }
            if let Some(c) = self.arc_from_t(s) {
                if c + self.pot[t] - v < 0 {
                    return Err(format!("T -> slot {s} rc {}", c + self.pot[t] - v));
                }
            }
            if s < n_m && self.tflow[s] as usize != self.members[s].len() {
                return Err(format!("slot {s} holds a place"));
            }
        }
        if self.t_balance != 0 {
            return Err(format!("T balance {}", self.t_balance));
        }
        Ok(())
    }

    pub(super) fn answer(&self) -> Vec<Option<u32>> {
        (0..self.n_e as usize)
            .map(|k| match self.assign[k] {
                NONE | TO_U => None,
                a => Some(self.arc(k, a).0),
            })
            .collect()
    }

    /// Index in `members`/`tflow` of a mentor node or `U`.
    fn slot(&self, node: u32) -> usize {
        (node - self.n_e) as usize
    }

    fn is_deficit(&self, v: u32) -> bool {
        if v == self.node_t {
            return self.t_balance < 0;
        }
        if v < self.n_e || v == self.node_u {
            return false;
        }
        let s = self.slot(v);
        self.tflow[s] as usize > self.members[s].len()
    }

    fn relax(&mut self, v: u32, d: i64, from: u32, arc: u32) {
        let vi = v as usize;
        if self.settled[vi] == self.epoch {
            return;
        }
        if self.seen[vi] != self.epoch || d < self.dist[vi] {
            self.seen[vi] = self.epoch;
            self.dist[vi] = d;
            self.pred[vi] = from;
            self.pred_arc[vi] = arc;
            self.heap.push(Reverse((d, v)));
            if d < self.bound && self.is_deficit(v) {
                self.bound = d;
            }
            if v >= self.n_e && v != self.node_t {
                // T through a mentor (or U) as soon as it is labelled, so
                // that a deficit at T bounds the scans early.
                if let Some(c) = self.arc_to_t(self.slot(v)) {
                    let t = self.node_t;
                    let rc = c + self.pot[vi] - self.pot[t as usize];
                    debug_assert!(rc >= 0, "negative reduced cost {rc} to T");
                    self.relax(t, d + rc, v, NONE);
                }
            }
        }
    }

    /// Cost of mentor (or `U`) slot `s`'s residual arc to `T`, if any.
    fn arc_to_t(&self, s: usize) -> Option<i64> {
        let n_m = self.scen.mentor_base.len();
        if s == n_m {
            return Some(0);
        }
        let f = self.tflow[s];
        if f < self.scen.minimum[s] {
            Some(-self.costs.h)
        } else if f < self.scen.capacity[s] {
            Some(0)
        } else {
            None
        }
    }

    /// Cost of the residual arc from `T` back to slot `s`, if any.
    fn arc_from_t(&self, s: usize) -> Option<i64> {
        let n_m = self.scen.mentor_base.len();
        let f = self.tflow[s];
        if f == 0 {
            None
        } else if s < n_m && f <= self.scen.minimum[s] {
            Some(self.costs.h)
        } else {
            Some(0)
        }
    }

    /// Sends one unit from `src` (an unassigned mentee, or `T` with an
    /// excess) along a shortest residual path to the nearest deficit;
    /// `false` if none is reachable.
    fn send(&mut self, src: u32) -> bool {
        self.epoch += 1;
        self.heap.clear();
        self.settled_list.clear();
        self.bound = i64::MAX;
        self.seen[src as usize] = self.epoch;
        self.dist[src as usize] = 0;
        self.pred[src as usize] = NONE;
        self.heap.push(Reverse((0, src)));
        let mut reached = None;
        while let Some(Reverse((d, u))) = self.heap.pop() {
            let ui = u as usize;
            if self.settled[ui] == self.epoch || d > self.dist[ui] {
                continue;
            }
            self.settled[ui] = self.epoch;
            self.settled_list.push(u);
            if u != src && self.is_deficit(u) {
                reached = Some((u, d));
                break;
            }
            if u < self.n_e {
                self.scan_mentee(u, d);
            } else if u == self.node_t {
                self.scan_t(d);
            } else {
                self.scan_mentor_or_u(u, d);
            }
        }
        let Some((target, d_t)) = reached else {
            return false;
        };

        for &v in &self.settled_list {
            let vi = v as usize;
            if self.dist[vi] < d_t {
                self.pot[vi] += self.dist[vi] - d_t;
            }
        }
        self.augment(src, target);
        true
    }

    fn scan_mentee(&mut self, k: u32, d: i64) {
        let ki = k as usize;
        let cur = self.assign[ki];
        let pe = self.pot[ki];
        if cur != TO_U {
            let u = self.node_u;
            let rc = self.costs.cost_u + pe - self.pot[u as usize];
            debug_assert!(rc >= 0);
            self.relax(u, d + rc, k, TO_U);
        }
        // Taken out while its arcs relax labels (put back below).
        if let Some(r) = self.fresh[ki].take() {
            for p in 0..r.mentor.len() {
                let c = self.costs.of(r.score[p]);
                // Mentor potentials are at most 0, so rc ≥ c + pe.
                if d + c + pe >= self.bound {
                    break;
                }
                if p as u32 == cur {
                    continue;
                }
                let j = self.n_e + r.mentor[p];
                let rc = c + pe - self.pot[j as usize];
                debug_assert!(rc >= 0, "negative reduced cost {rc}");
                self.relax(j, d + rc, k, p as u32);
            }
            self.fresh[ki] = Some(r);
            return;
        }
        let Row::Base(b) = self.scen.rows[ki] else {
            return;
        };
        let base = self.base;
        let Some((mentor, score)) = base.row(b) else {
            return;
        };
        // The baseline arc is out of the order by its bonus.
        let bonus = self.bonus_arc[ki];
        if bonus != NONE && bonus != cur {
            let c = self.costs.of(score[bonus as usize] + self.scen.bonus);
            let j = self.n_e + self.now_of[mentor[bonus as usize] as usize];
            let rc = c + pe - self.pot[j as usize];
            debug_assert!(rc >= 0, "negative reduced cost {rc}");
            self.relax(j, d + rc, k, bonus);
        }
        for (p, (&m, &x)) in mentor.iter().zip(score).enumerate() {
            let p = p as u32;
            if p == bonus {
                continue;
            }
            let c = self.costs.of(x);
            if d + c + pe >= self.bound {
                break;
            }
            let j = self.now_of[m as usize];
            if p == cur || j == NONE {
                continue;
            }
            let j = self.n_e + j;
            let rc = c + pe - self.pot[j as usize];
            debug_assert!(rc >= 0, "negative reduced cost {rc}");
            self.relax(j, d + rc, k, p);
        }
    }

    /// A mentor (or `U`): back to its mentees.
    fn scan_mentor_or_u(&mut self, u: u32, d: i64) {
        // Its arc to T was relaxed when it was labelled.
        let s = self.slot(u);
        let pu = self.pot[u as usize];
        for i in 0..self.members[s].len() {
            let k = self.members[s][i];
            let a = self.assign[k as usize];
            let c = if a == TO_U {
                self.costs.cost_u
            } else {
                self.arc(k as usize, a).1
            };
            let rc = -c + pu - self.pot[k as usize];
            debug_assert!(rc >= 0, "negative reduced cost {rc}");
            self.relax(k, d + rc, u, NONE);
        }
    }

    /// `T`: back to every mentor (and `U`) with units on its arc.
    fn scan_t(&mut self, d: i64) {
        let pt = self.pot[self.node_t as usize];
        for s in 0..self.tflow.len() {
            if let Some(c) = self.arc_from_t(s) {
                let v = self.n_e + s as u32;
                let rc = c + pt - self.pot[v as usize];
                debug_assert!(rc >= 0, "negative reduced cost {rc} from T");
                self.relax(v, d + rc, self.node_t, NONE);
            }
        }
    }

    /// Flips the path of the last search, from `target` back to `src`.
    fn augment(&mut self, src: u32, target: u32) {
        let t = self.node_t;
        let mut v = target;
        while v != src {
            let u = self.pred[v as usize];
            if u < self.n_e {
                // Mentee u onto v (a mentor or U).
                self.assign[u as usize] = self.pred_arc[v as usize];
                let s = self.slot(v);
                self.members[s].push(u);
            } else if v < self.n_e {
                // Mentee v leaves mentor (or U) u.
                let s = self.slot(u);
                if let Some(i) = self.members[s].iter().position(|&x| x == v) {
                    self.members[s].swap_remove(i);
                }
            } else if v == t {
                let s = self.slot(u);
                self.tflow[s] += 1;
                self.t_balance += 1;
            } else {
                debug_assert_eq!(u, t);
                let s = self.slot(v);
                self.tflow[s] -= 1;
                self.t_balance -= 1;
            }
            v = u;
        }
    }
}
