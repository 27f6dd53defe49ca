//! The engine seam: a bipartite assignment instance in, an assignment out.
//!
//! Both engines solve the same [`Instance`] under the same [`Objective`],
//! exactly, over integer milli-point scores:
//! - [`flow::FlowEngine`]: successive shortest paths on a min-cost flow
//!   network (any scale);
//! - [`milp::MilpEngine`]: a MILP through `good_lp` (independent solver and
//!   the home of side constraints).
//!
//! The many-to-many model (a mentee's demand, tiers, roles:
//! [`demand::Demand`]) is solved exactly by [`flow::demand::solve`] and by
//! [`demand::solve_milp`]; the pipeline gives it requests with demand.
//!
//! Hard rules are already applied (an arc exists only for a feasible pair)
//! and pinned pairs are already removed from the instance.

pub mod candidates;
pub mod demand;
pub mod demand_hall;
pub mod flow;
pub mod group_milp;
pub mod hall;
pub(crate) mod max_flow;
pub(crate) mod microlp_run;
pub mod milp;
pub(crate) mod pricing;
pub mod scored;
pub mod stable;
pub mod stable_demand;

use std::time::{Duration, Instant};

use crate::model::{Milli, Objective};
use crate::outcome::{FlowCertificate, SearchBound};
use crate::settings::Cancel;

/// A bipartite assignment instance: mentees on the left, mentors on the
/// right, arcs for feasible pairs in compressed rows per mentee.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Instance {
    /// `start[e]..start[e + 1]` are mentee `e`'s arcs; `len = mentees + 1`.
    pub start: Vec<u32>,
    /// Mentor of each arc.
    pub mentor: Vec<u32>,
    /// Score of each arc, milli-points.
    pub score: Vec<Milli>,
    /// Mentor capacities (maximum mentees).
    pub capacity: Vec<u32>,
    /// Mentor minimums (at most the capacity).
    pub minimum: Vec<u32>,
    /// A side constraint a flow cannot express, if any.
    pub quota: Option<Quota>,
    /// At least `min_kept` of these arcs in the assignment (a cap on changes).
    pub keep: Option<Keep>,
    /// A starting assignment (arc per mentee, e.g. a what-if baseline). The
    /// flow engine extends it when it is optimal for the mentees it places
    /// (checked exactly; otherwise it is ignored); the optimum found is the
    /// same either way, ties may resolve towards it.
    pub warm: Option<Vec<Option<u32>>>,
    /// Each mentee's arcs by (score descending, mentor), when the builder
    /// knows it (from a [`scored::ScoredRows`]): the flow checks it in one
    /// pass and skips its sort. The solve is the same either way.
    pub sorted: Option<Vec<u32>>,
    /// The lowest and highest score of every feasible pair, when the
    /// instance holds only some of them (a priced solve): the flow's cost
    /// model spans this range, so that its network is the network of every
    /// pair. `None`: the arcs' own range.
    pub score_range: Option<(Milli, Milli)>,
}

/// The arcs of a run of consecutive mentees: each mentee's arc count, and
/// the arcs' mentors and scores, mentee after mentee.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Rows {
    /// Arcs per mentee.
    pub counts: Vec<u32>,
    /// Mentor of each arc.
    pub mentor: Vec<u32>,
    /// Score of each arc, milli-points.
    pub score: Vec<Milli>,
    /// Per row, offsets into the row by (score descending, mentor), when
    /// known for every row of the run (else empty).
    pub order: Vec<u32>,
}

/// At least `min_kept` of `arcs` must be used (a flow cannot express it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keep {
    /// Arc indices.
    pub arcs: Vec<u32>,
    /// How many of them must be used.
    pub min_kept: u32,
}

/// At most `max` mentees with the same label per mentor (e.g. per country).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota {
    /// Label of each mentee.
    pub label: Vec<u32>,
    /// Most mentees of one label per mentor.
    pub max: u32,
}

impl Instance {
    /// Number of mentees.
    pub fn mentees(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    /// Number of mentors.
    pub fn mentors(&self) -> usize {
        self.capacity.len()
    }

    /// Mentees per mentor under an assignment (arc per mentee).
    pub fn loads(&self, arc: &[Option<u32>]) -> Vec<u32> {
        let mut loads = vec![0u32; self.mentors()];
        for &a in arc.iter().flatten() {
            loads[self.mentor[a as usize] as usize] += 1;
        }
        loads
    }

    /// Arc indices of mentee `e`.
    pub fn arcs(&self, e: usize) -> std::ops::Range<usize> {
        self.start[e] as usize..self.start[e + 1] as usize
    }

    /// Builds an instance from per-mentee arc lists `(mentor, score)`.
    pub fn from_lists(lists: &[Vec<(u32, Milli)>], capacity: Vec<u32>, minimum: Vec<u32>) -> Self {
        let mut rows = Rows::default();
        for l in lists {
            for &(m, s) in l {
                rows.mentor.push(m);
                rows.score.push(s);
            }
            rows.counts.push(l.len() as u32);
        }
        Instance::from_rows(vec![rows], capacity, minimum)
    }

    /// Builds an instance from the rows of consecutive runs of mentees, in
    /// order (e.g. one run per scoring thread).
    pub(crate) fn from_rows(parts: Vec<Rows>, capacity: Vec<u32>, minimum: Vec<u32>) -> Self {
        let mentees: usize = parts.iter().map(|p| p.counts.len()).sum();
        let arcs: usize = parts.iter().map(|p| p.mentor.len()).sum();
        let mut inst = Instance {
            start: Vec::with_capacity(mentees + 1),
            capacity,
            minimum,
            ..Instance::default()
        };
        inst.mentor.reserve_exact(arcs);
        inst.score.reserve_exact(arcs);
        let ordered = parts.iter().all(|p| p.order.len() == p.mentor.len()) && arcs > 0;
        let mut sorted = Vec::with_capacity(if ordered { arcs } else { 0 });
        let mut last = 0u32;
        inst.start.push(last);
        for part in parts {
            let mut offsets = part.order.iter();
            for c in part.counts {
                if ordered {
                    sorted.extend(offsets.by_ref().take(c as usize).map(|&o| last + o));
                }
                last += c;
                inst.start.push(last);
            }
            inst.mentor.extend_from_slice(&part.mentor);
            inst.score.extend_from_slice(&part.score);
        }
        inst.sorted = ordered.then_some(sorted);
        inst
    }

    /// The instance restricted to arcs with a score of at least `t`, and
    /// the original index of each kept arc (its cost model spans the kept
    /// arcs' scores only).
    pub(crate) fn with_threshold(&self, t: Milli) -> (Instance, Vec<u32>) {
        let mut out = Instance {
            start: Vec::with_capacity(self.start.len()),
            capacity: self.capacity.clone(),
            minimum: self.minimum.clone(),
            quota: self.quota.clone(),
            keep: None,
            warm: None,
            score_range: None,
            ..Instance::default()
        };
        let mut kept = Vec::new();
        out.start.push(0);
        for e in 0..self.mentees() {
            for a in self.arcs(e) {
                if self.score[a] >= t {
                    out.mentor.push(self.mentor[a]);
                    out.score.push(self.score[a]);
                    kept.push(a as u32);
                }
            }
            out.start.push(out.mentor.len() as u32);
        }
        (out, kept)
    }
}

/// `range` widened to hold `s` (a lowest and highest score).
pub(crate) fn widen(range: Option<(Milli, Milli)>, s: Milli) -> Option<(Milli, Milli)> {
    Some(range.map_or((s, s), |(lo, hi)| (lo.min(s), hi.max(s))))
}

/// An assignment: for each mentee, the arc it uses, if matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// `arc[e]` is mentee `e`'s arc index, `None` when unmatched.
    pub arc: Vec<Option<u32>>,
    /// Optimality is proven (false only when a MILP stopped at its time limit).
    pub optimal: bool,
    /// Node potentials proving the flow optimal (the flow engine under
    /// coverage then score or score), mentees in instance order.
    pub duals: Option<FlowCertificate>,
    /// What a search stopped at its time limit proved (when not optimal).
    pub bound: Option<SearchBound>,
}

impl Assignment {
    /// Mentor of mentee `e`, if matched.
    pub fn mentor(&self, inst: &Instance, e: usize) -> Option<u32> {
        self.arc[e].map(|a| inst.mentor[a as usize])
    }

    /// The value of the assignment under the objective's terms.
    pub fn value(&self, inst: &Instance) -> Value {
        let scores: Vec<Milli> = self
            .arc
            .iter()
            .flatten()
            .map(|&a| inst.score[a as usize])
            .collect();
        Value {
            matched: scores.len(),
            total: scores.iter().sum(),
            min: scores.iter().copied().min(),
        }
    }
}

/// What an assignment achieves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Value {
    /// Matched mentees.
    pub matched: usize,
    /// Total score.
    pub total: Milli,
    /// Lowest pair score.
    pub min: Option<Milli>,
}

/// Why an engine returned no assignment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SolveError {
    /// Mentor minimums cannot all be met. `short` lists, for one assignment
    /// that meets as many minimum places as possible, the mentors left
    /// short with the number of mentees they would get.
    #[error("mentor minimums cannot be met")]
    MinimumsUnmet {
        /// (mentor, mentees it would get) for mentors below their minimum.
        short: Vec<(u32, u32)>,
    },
    /// The deadline passed before an assignment was found.
    #[error("deadline reached")]
    Deadline,
    /// The engine failed (numerical trouble, cost overflow).
    #[error("{0}")]
    Backend(String),
    /// The side constraints (quota, cap on changes) admit no assignment.
    #[error("side constraints admit no assignment")]
    SideConstraintsInfeasible,
    /// The instance has a constraint this engine cannot express.
    #[error("{0}")]
    Unsupported(&'static str),
}

/// When an engine gives up: a point in time, or a cancel flag being set,
/// whichever comes first.
#[derive(Debug, Clone)]
pub struct Deadline {
    at: Option<Instant>,
    cancel: Option<Cancel>,
}

impl Deadline {
    /// No deadline.
    pub const NONE: Deadline = Deadline {
        at: None,
        cancel: None,
    };

    /// A deadline `d` from now.
    pub fn after(d: Duration) -> Self {
        Deadline::new(Instant::now().checked_add(d), None)
    }

    /// A deadline at `at` (if any) that a set `cancel` also ends.
    pub fn new(at: Option<Instant>, cancel: Option<Cancel>) -> Self {
        Deadline { at, cancel }
    }

    /// The point in time, if bounded.
    pub fn at(&self) -> Option<Instant> {
        self.at
    }

    /// Whether the cancel flag is set.
    pub fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(Cancel::is_cancelled)
    }

    /// Whether the deadline has passed or the solve was cancelled.
    pub fn passed(&self) -> bool {
        self.cancelled() || self.at.is_some_and(|t| Instant::now() >= t)
    }

    /// The first of `parts` equal shares of the time left, with the same
    /// cancel flag (unbounded stays unbounded).
    pub(crate) fn share(&self, parts: u32) -> Deadline {
        let at = self
            .remaining()
            .zip(self.at)
            .map(|(left, at)| at - left + left / parts.max(1));
        Deadline::new(at, self.cancel.clone())
    }

    /// Time left, if bounded (none once cancelled).
    pub fn remaining(&self) -> Option<Duration> {
        if self.cancelled() {
            return Some(Duration::ZERO);
        }
        self.at.map(|t| t.saturating_duration_since(Instant::now()))
    }
}

/// An exact assignment engine.
pub trait Engine {
    /// Finds an optimal assignment of `inst` under `objective`, meeting every
    /// mentor minimum and capacity.
    fn solve(
        &self,
        inst: &Instance,
        objective: Objective,
        deadline: Deadline,
    ) -> Result<Assignment, SolveError>;
}
