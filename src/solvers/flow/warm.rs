//! Warm start: a baseline assignment loaded as a partial flow when it is a
//! min-cost flow for the mentees it places (difference constraints over
//! mentors, solved by Bellman–Ford), so only the other mentees are sent.

use super::network::{Network, NONE};

/// Largest mentors + 2 for which a warm start builds its dense constraint
/// matrix (4 M entries, 32 MiB); larger instances start cold.
const WARM_MAX_NODES: usize = 2048;

/// Warm-start distances must stay above minus this (room for the potential
/// updates of later sends); lower means a cold start.
const WARM_MIN_DIST: i64 = i64::MAX / 4;

impl Network<'_> {
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
    pub(super) fn warm_start(&mut self, hint: &[Option<u32>]) -> bool {
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
                self.place(e as u32, p0);
            }
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
