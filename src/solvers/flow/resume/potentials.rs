//! Potentials of a base's mentors, `U` and `T` from its difference
//! constraints (see the parent module).

use crate::model::Milli;

use super::state::{BaseState, Costs, MIN_DIST, TO_U};

/// Potentials of the base mentors, `U` and `T` (in that order) from the
/// base's constraints under `costs`, baseline arcs raised by `bonus`:
/// shortest distances from a virtual source at 0 (queue-based
/// Bellman–Ford), each constraint's weight computed as it is relaxed;
/// `None` on a negative cycle or overflow.
pub(super) fn base_potentials(base: &BaseState, costs: &Costs, bonus: Milli) -> Option<Vec<i64>> {
    let n_m = base.n_m;
    let v_n = n_m + 2;
    let (u_i, t_i) = (n_m, n_m + 1);
    let scale = costs.scale;
    // Weights of the edges out of U and T, and into them from each mentor.
    let mut from_u = vec![i64::MAX; v_n];
    let mut from_t = vec![i64::MAX; v_n];
    let mut to_u = vec![i64::MAX; n_m];
    let mut to_t = vec![i64::MAX; n_m];
    for j in 0..n_m {
        if base.least[j] != i64::MAX {
            // c_U − c₀ for the mentee of j with the lowest baseline score.
            let c0 = costs.of(base.least[j].checked_add(bonus)?);
            to_u[j] = costs.cost_u.checked_sub(c0)?;
        }
        if base.best_unmatched[j] != i64::MIN {
            from_u[j] = costs.of(base.best_unmatched[j]).checked_sub(costs.cost_u)?;
        }
        let (l, m, k) = (base.load[j], base.minimum[j], base.capacity[j]);
        // j → T while it has room (−H below its minimum), T → j while it has units.
        if l < m {
            to_t[j] = -costs.h;
        } else if l < k {
            to_t[j] = 0;
        }
        if l > 0 && l <= m {
            from_t[j] = costs.h;
        } else if l > m {
            from_t[j] = 0;
        }
    }
    from_u[t_i] = 0;
    if base.placed.contains(&TO_U) {
        from_t[u_i] = 0;
    }
    // Gaps are at most the score range, so `(gap + bonus)·scale` fits
    // whenever the costs do (checked by `Costs::new`).
    let weight = |g: i64| (g + bonus) * scale;
    let mut bf = Queue {
        dist: vec![0; v_n],
        in_queue: vec![true; v_n],
        hops: vec![0; v_n],
        queue: (0..v_n).collect(),
    };
    while let Some(u) = bf.queue.pop_front() {
        bf.in_queue[u] = false;
        let du = bf.dist[u];
        if u < n_m {
            for (v, &g) in base.gap[u * n_m..(u + 1) * n_m].iter().enumerate() {
                if g != i64::MAX && v != u {
                    bf.lower(u, v, du.checked_add(weight(g))?)?;
                }
            }
            for (v, w) in [(u_i, to_u[u]), (t_i, to_t[u])] {
                if w != i64::MAX {
                    bf.lower(u, v, du.checked_add(w)?)?;
                }
            }
        } else {
            let out = if u == u_i { &from_u } else { &from_t };
            for (v, &w) in out.iter().enumerate() {
                if w != i64::MAX {
                    bf.lower(u, v, du.checked_add(w)?)?;
                }
            }
        }
    }
    Some(bf.dist)
}

/// Queue-based Bellman–Ford state.
struct Queue {
    dist: Vec<i64>,
    in_queue: Vec<bool>,
    /// Edges on the current shortest path to each node.
    hops: Vec<usize>,
    queue: std::collections::VecDeque<usize>,
}

impl Queue {
    /// Lowers `v` to `d` through `u` if shorter; `None` on a negative cycle
    /// (the baseline is not an optimum) or a distance too low.
    fn lower(&mut self, u: usize, v: usize, d: i64) -> Option<()> {
        if d >= self.dist[v] {
            return Some(());
        }
        if d <= MIN_DIST {
            return None;
        }
        self.dist[v] = d;
        self.hops[v] = self.hops[u] + 1;
        if self.hops[v] > self.dist.len() {
            return None;
        }
        if !self.in_queue[v] {
            self.in_queue[v] = true;
            self.queue.push_back(v);
        }
        Some(())
    }
}
