//! Why no assignment meets every minimum with demand (issue 29), read off
//! the demand network's optimum: the smallest relaxation, and the mentees
//! and mentors that compete (a Hall-type set).
//!
//! The demand flow over the counts alone weighs every unit of a minimum
//! above everything else, so its optimum breaks as few minimum units as
//! any assignment can: lowering each broken minimum to what the optimum
//! gives it (a mentee's `min`, a role's `at_least`, a mentor's minimum) is
//! a smallest relaxation, and the optimum itself meets it.
//!
//! A mentee short of its minimum (or of a role's `at_least`) has no
//! residual path to a mentor with a free place: follow every residual arc
//! from it, never into `U` or `T` and never across a pinned pair, and each
//! mentor reached is full, each mentee reached holds its mentors there and
//! cannot give one up without breaking a minimum of its own (else the
//! optimum would have moved it). Those mentees need more mentors than the
//! mentors reached have places: they compete for them.

use super::demand::{build, levels, weights};
use crate::model::Objective;
use crate::solvers::demand::Demand;
use crate::solvers::{Deadline, Instance, SolveError};

/// The smallest relaxation of the minimums, and who competes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shortfall {
    /// (mentee, the most mentors it can have): its `min` is lowered to it.
    pub mentee_min: Vec<(u32, u32)>,
    /// (mentee, index of the role bound, the most mentors of the role it
    /// can have): that `at_least` is lowered to it.
    pub role_min: Vec<(u32, u32, u32)>,
    /// (mentor, the most mentees it can have): its minimum is lowered to it.
    pub mentor_min: Vec<(u32, u32)>,
    /// Mentees that compete with those short (themselves included), ascending.
    pub mentees: Vec<u32>,
    /// The mentors they compete for, every place taken, ascending.
    pub mentors: Vec<u32>,
}

impl Shortfall {
    /// Whether every minimum is met (nothing to relax).
    pub fn is_empty(&self) -> bool {
        self.mentee_min.is_empty() && self.role_min.is_empty() && self.mentor_min.is_empty()
    }
}

/// The shortfall of `inst` under demand `d` (empty when every minimum can
/// be met; `Deadline` if the deadline passes first).
pub fn shortfall(
    inst: &Instance,
    d: &Demand,
    deadline: &Deadline,
) -> Result<Shortfall, SolveError> {
    let top = d.tier.iter().copied().max().unwrap_or(0);
    let order = levels(Objective::CoverageThenScore, top, false)?;
    let all = vec![true; inst.score.len()];
    let mut net = build(inst, d, &weights(inst, d, &order, &all)?, &all)?;
    net.graph.send_all(&net.supplies, deadline)?;
    let (g, h) = (&net.graph, &net.hard);
    let mut out = Shortfall::default();
    let mut starts = Vec::new();
    for &(e, a) in &h.mentee_min {
        if g.flow(a) > 0 {
            out.mentee_min.push((e, d.min[e as usize] - g.flow(a)));
            starts.push(e);
        }
    }
    for &(e, k, a) in &h.role_min {
        if g.flow(a) < g.cap(a) {
            out.role_min.push((e, k, g.flow(a)));
            // The role's node: its forward arcs lead to the role's mentors.
            let (_, node, _, _) = g.arc(a as usize);
            starts.push(node);
        }
    }
    let mut load = vec![0u32; inst.mentors()];
    for &(ga, ia, _) in &net.pairs {
        load[inst.mentor[ia as usize] as usize] += g.flow(ga);
    }
    for &(j, a) in &h.mentor_min {
        if g.flow(a) < g.cap(a) {
            out.mentor_min.push((j, load[j as usize]));
        }
    }
    let pinned: std::collections::HashSet<u32> = h.pins.iter().copied().collect();
    let (u, t, first_mentor) = (net.u, net.t, net.first_mentor);
    let seen = g.reach(&starts, |v| v != u && v != t, |x| !pinned.contains(&x));
    let n_e = inst.mentees() as u32;
    let mut owner = Vec::new();
    for (e, bounds) in d.roles.iter().enumerate() {
        owner.extend(std::iter::repeat_n(e as u32, bounds.len()));
    }
    let mut mentees: Vec<u32> = (0..first_mentor)
        .filter(|&v| seen[v as usize])
        .map(|v| {
            if v < n_e {
                v
            } else {
                owner[(v - n_e) as usize]
            }
        })
        .collect();
    mentees.sort_unstable();
    mentees.dedup();
    out.mentees = mentees;
    out.mentors = (first_mentor..u)
        .filter(|&v| seen[v as usize])
        .map(|v| v - first_mentor)
        .collect();
    Ok(out)
}
