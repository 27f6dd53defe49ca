//! A base's baseline state, a scenario of it, and the costs it is solved
//! under (see the parent module).

use crate::model::Milli;
use crate::solvers::scored::ScoredRows;

/// Largest mentors + 2 for which a base state is built (a dense matrix of
/// 4 M entries, 32 MiB).
pub const MAX_NODES: usize = 2048;

/// No arc, node or mentee.
pub(super) const NONE: u32 = u32::MAX;
/// A mentee's unit on `U` (unmatched).
pub(super) const TO_U: u32 = u32::MAX - 1;

/// Distances this low would overflow later potential updates.
pub(super) const MIN_DIST: i64 = i64::MIN / 4;

/// Cost models a scenario can be solved under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Coverage first, then total score.
    CoverageThenScore,
    /// Total score first, then coverage.
    ScoreThenCoverage,
}

/// A base problem's baseline as difference constraints in score units.
#[derive(Debug, Clone)]
pub struct BaseState {
    pub(super) n_m: usize,
    /// Per base mentee: baseline mentor, `TO_U` (scored, unmatched) or
    /// `NONE` (not scored: pinned).
    pub(super) placed: Vec<u32>,
    /// Per base mentee: the position of its baseline arc in its row.
    pub(super) placed_pos: Vec<u32>,
    /// `start[e]..start[e + 1]`: mentee `e`'s arcs, by (score descending,
    /// mentor), laid out in that order so that a scan reads them in
    /// sequence (empty when not scored).
    pub(super) start: Vec<u32>,
    /// Mentor and score of each arc.
    pub(super) mentor: Vec<u32>,
    pub(super) score: Vec<Milli>,
    /// `gap[j₀·n_m + v]`: least `s(e,j₀) − s(e,v)` over mentees `e` placed
    /// at `j₀` (`i64::MAX`: none).
    pub(super) gap: Vec<i64>,
    /// Per mentor: least baseline score of its mentees (`i64::MAX`: none).
    pub(super) least: Vec<i64>,
    /// Per mentor: best score of an unmatched mentee's arc to it
    /// (`i64::MIN`: none).
    pub(super) best_unmatched: Vec<i64>,
    /// Baseline load, capacity and minimum (net of pins) per mentor.
    pub(super) load: Vec<u32>,
    pub(super) capacity: Vec<u32>,
    pub(super) minimum: Vec<u32>,
    /// Least and greatest score of any arc (0, 0 without arcs).
    pub(super) low: i64,
    pub(super) high: i64,
}

impl BaseState {
    /// The baseline `placed` (per mentee of `rows`: its mentor, if any) as
    /// constraints, with the mentors' capacities and minimums net of pins;
    /// `None` when it is not an assignment of `rows` (an arc missing, a
    /// mentor over capacity) or the mentors are too many.
    pub fn new(
        rows: &ScoredRows,
        placed: &[Option<u32>],
        capacity: Vec<u32>,
        minimum: Vec<u32>,
    ) -> Option<BaseState> {
        let n_m = capacity.len();
        if n_m + 2 > MAX_NODES || placed.len() != rows.mentees() || minimum.len() != n_m {
            return None;
        }
        let mut s = BaseState {
            n_m,
            placed: vec![NONE; placed.len()],
            placed_pos: vec![NONE; placed.len()],
            start: Vec::with_capacity(placed.len() + 1),
            mentor: Vec::new(),
            score: Vec::new(),
            gap: vec![i64::MAX; n_m * n_m],
            least: vec![i64::MAX; n_m],
            best_unmatched: vec![i64::MIN; n_m],
            load: vec![0; n_m],
            capacity,
            minimum,
            low: i64::MAX,
            high: i64::MIN,
        };
        s.start.push(0);
        for (e, &p) in placed.iter().enumerate() {
            // Pinned mentees are outside the flow (their places are net).
            let Some((mentor, score, order)) = rows.arcs(e) else {
                s.start.push(s.mentor.len() as u32);
                continue;
            };
            let first = s.mentor.len();
            s.mentor.extend(order.iter().map(|&o| mentor[o as usize]));
            s.score.extend(order.iter().map(|&o| score[o as usize]));
            s.start.push(s.mentor.len() as u32);
            for &x in score {
                s.low = s.low.min(x);
                s.high = s.high.max(x);
            }
            match p {
                None => {
                    s.placed[e] = TO_U;
                    for (&v, &x) in mentor.iter().zip(score) {
                        let b = &mut s.best_unmatched[v as usize];
                        *b = (*b).max(x);
                    }
                }
                Some(j0) => {
                    let pos = s.mentor[first..].iter().position(|&m| m == j0)?;
                    let s0 = s.score[first + pos];
                    let j = j0 as usize;
                    s.placed[e] = j0;
                    s.placed_pos[e] = pos as u32;
                    s.load[j] += 1;
                    s.least[j] = s.least[j].min(s0);
                    let row = &mut s.gap[j * n_m..(j + 1) * n_m];
                    for (&v, &x) in mentor.iter().zip(score) {
                        let g = &mut row[v as usize];
                        *g = (*g).min(s0 - x);
                    }
                }
            }
        }
        if (0..n_m).any(|j| s.load[j] > s.capacity[j] || s.minimum[j] > s.capacity[j]) {
            return None;
        }
        if s.low > s.high {
            (s.low, s.high) = (0, 0);
        }
        Some(s)
    }

    /// Mentors of the base.
    pub fn mentors(&self) -> usize {
        self.n_m
    }

    /// Whether scenario mentors (each base mentor `mentor_base[j]`) have
    /// the base's minimums.
    pub fn minimums_are(&self, mentor_base: &[u32], minimum: &[u32]) -> bool {
        mentor_base
            .iter()
            .zip(minimum)
            .all(|(&b, &m)| self.minimum.get(b as usize) == Some(&m))
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.placed.len() * 12 + self.mentor.len() * 12 + self.gap.len() * 8 + self.n_m * 36
    }

    /// Base mentee `b`'s arcs in order: mentors and scores; `None` if not scored.
    pub(super) fn row(&self, b: u32) -> Option<(&[u32], &[Milli])> {
        let b = b as usize;
        if self.placed.get(b).is_none_or(|&p| p == NONE) {
            return None;
        }
        let r = self.start[b] as usize..self.start[b + 1] as usize;
        Some((&self.mentor[r.clone()], &self.score[r]))
    }
}

/// Where a scenario mentee's arcs come from.
#[derive(Debug, Clone)]
pub enum Row {
    /// Its base row, unchanged (base mentee index).
    Base(u32),
    /// Scored for the scenario: `(scenario mentor, score)`, any order.
    Fresh(Vec<(u32, Milli)>),
}

/// A scenario of a base: its mentors (each a base mentor), its mentees
/// (unpinned, in order) and the costs it is solved under.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Base mentor of each scenario mentor, increasing.
    pub mentor_base: Vec<u32>,
    /// Capacity of each scenario mentor, net of pins.
    pub capacity: Vec<u32>,
    /// Minimum of each scenario mentor, net of pins (the base's).
    pub minimum: Vec<u32>,
    /// Rows of the scenario's mentees.
    pub rows: Vec<Row>,
    /// Points a base row's baseline arc gains (stability), milli-points.
    pub bonus: Milli,
    /// The objective's order.
    pub order: Order,
}

/// Costs under the scenario: `c = (top − s)·scale`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Costs {
    pub(super) top: i64,
    pub(super) scale: i64,
    pub(super) cost_u: i64,
    pub(super) h: i64,
}

impl Costs {
    pub(super) fn of(&self, s: Milli) -> i64 {
        (self.top - s) * self.scale
    }

    /// From score bounds `low..=high` and `n` mentees; `None` on overflow.
    pub(super) fn new(order: Order, low: i64, high: i64, n: i64, minimums: bool) -> Option<Costs> {
        let (top, scale, cost_u, max_arc) = match order {
            Order::CoverageThenScore => {
                let range = high.checked_sub(low)?;
                (high, 1, n.checked_mul(range)?.checked_add(1)?, range)
            }
            Order::ScoreThenCoverage => {
                let top = high.max(0);
                let worst = top.checked_sub(low)?.checked_mul(n + 1)?.max(0);
                let cu = top.checked_mul(n + 1)?.checked_add(1)?;
                (top, n + 1, cu, worst)
            }
        };
        let h = if minimums {
            n.checked_mul(max_arc.max(cost_u))?
                .checked_add(1)
                .filter(|&h| h <= i64::MAX / 8)?
        } else {
            0
        };
        // Room for every potential update.
        max_arc
            .max(cost_u)
            .checked_mul(n + 2)
            .filter(|&x| x < i64::MAX / 8)?;
        Some(Costs {
            top,
            scale,
            cost_u,
            h,
        })
    }
}
