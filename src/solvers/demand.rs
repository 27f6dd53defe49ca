//! Mentees who need more than one mentor (issue 29): a mentee's demand
//! (between `min` and `max` distinct mentors), its priority tier, mentor
//! roles with per-mentee bounds, and pinned arcs, solved exactly by a
//! staged MILP: the engine of `ENGINE_MILP` with demand, and the
//! independent solver the demand flow ([`super::flow::demand`]) is tested
//! against, itself tested against exhaustive search
//! (`tests/integration/demand.rs`).
//!
//! The order of the objectives (larger first, each stage fixing the
//! previous optimum): every minimum met is a hard rule (a mentee's `min`,
//! a mentor's minimum, each role bound, pins); then
//! - coverage then score: the mentees with at least one mentor, tier by
//!   tier from the highest; the further mentors; the total score;
//! - score: the total score; then the same counts;
//! - fair: the counts; the lowest score of a pair not pinned; the total
//!   score over pinned pairs and those scoring at least that lowest.

use good_lp::{constraint, microlp, variable, Expression, ProblemVariables, SolverModel};

use super::microlp_run::{self, Stopped, VarIndex};
use super::{Deadline, Instance, SolveError};
use crate::model::{Milli, Objective, RoleDemand};

/// At least and at most this many of a mentee's mentors have `role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleBound {
    /// The role.
    pub role: u32,
    /// Fewest mentors of the role (hard).
    pub at_least: u32,
    /// Most mentors of the role.
    pub at_most: u32,
}

impl From<&RoleDemand> for RoleBound {
    fn from(r: &RoleDemand) -> Self {
        RoleBound {
            role: r.role,
            at_least: r.at_least,
            at_most: r.at_most,
        }
    }
}

/// The demand side of an [`Instance`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Demand {
    /// Per mentee: fewest mentors (hard).
    pub min: Vec<u32>,
    /// Per mentee: most mentors.
    pub max: Vec<u32>,
    /// Per mentee: priority tier, higher first.
    pub tier: Vec<u32>,
    /// Per mentor: its role, if any.
    pub role: Vec<Option<u32>>,
    /// Per mentee: bounds on its mentors' roles.
    pub roles: Vec<Vec<RoleBound>>,
    /// Arcs that must be used.
    pub pinned: Vec<u32>,
}

/// Whether a mentee asking for at most `max` mentors within `bounds` may
/// hold mentors of the roles `held` (a mentor without a role, or of a role
/// the mentee does not bound, counts only towards `max`): at most `max` of
/// them, at most each bound's `at_most` of its role, and room left within
/// `max` for every `at_least` still missing. The sets it admits are a
/// matroid (a gammoid: each mentor takes a place reserved for its role's
/// `at_least` or a free one), so choosing the best mentors greedily is
/// choosing the best set, and dropping one mentor for another is the only
/// exchange a mentee needs (the stable objective and the stability view).
pub fn admits(max: u32, bounds: &[RoleBound], held: &[Option<u32>]) -> bool {
    let mut missing = 0u32;
    for b in bounds {
        let c = held.iter().filter(|&&r| r == Some(b.role)).count() as u32;
        if c > b.at_most {
            return false;
        }
        missing += b.at_least.saturating_sub(c);
    }
    (held.len() as u32).saturating_add(missing) <= max
}

/// What a stage maximises.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Goal {
    /// Mentees of a tier with at least one mentor.
    Covered(u32),
    /// Mentors beyond each mentee's first.
    Further,
    /// Total score.
    Total,
    /// Lowest pair score.
    Lowest,
}

/// The stages of an objective, for tiers `top..=0`.
fn goals(objective: Objective, top: u32) -> Result<Vec<Goal>, SolveError> {
    let counts: Vec<Goal> = (0..=top)
        .rev()
        .map(Goal::Covered)
        .chain([Goal::Further])
        .collect();
    Ok(match objective {
        Objective::CoverageThenScore => counts.into_iter().chain([Goal::Total]).collect(),
        Objective::Score => [Goal::Total].into_iter().chain(counts).collect(),
        Objective::Fair => counts
            .into_iter()
            .chain([Goal::Lowest, Goal::Total])
            .collect(),
        Objective::Stable(_) => {
            return Err(SolveError::Unsupported(
                "the stable objective is solved by deferred acceptance",
            ))
        }
    })
}

/// The arcs each mentee gets in an optimum under `objective`, mentee by
/// mentee (each ascending); `SideConstraintsInfeasible` when no assignment
/// meets every minimum, role bound and pin; `Deadline` when the deadline
/// passes (or its cancel flag is set) before every stage is proven.
pub fn solve_milp(
    inst: &Instance,
    d: &Demand,
    objective: Objective,
    deadline: &Deadline,
) -> Result<Vec<Vec<u32>>, SolveError> {
    let top = d.tier.iter().copied().max().unwrap_or(0);
    let mut fixed: Vec<(Goal, f64)> = Vec::new();
    let mut floor: Option<Milli> = None;
    let mut last = None;
    for goal in goals(objective, top)? {
        if goal == Goal::Lowest && !fixed.iter().any(|&(_, v)| v > 0.5) {
            // Nobody matched: no lowest score to raise.
            continue;
        }
        let (value, chosen) = stage(inst, d, goal, &fixed, floor, deadline)?;
        match goal {
            Goal::Lowest => floor = Some(value.round() as Milli),
            _ => fixed.push((goal, value.round())),
        }
        last = Some(chosen);
    }
    Ok(last.unwrap_or_else(|| vec![Vec::new(); inst.mentees()]))
}

/// One stage: the best value of `goal` with the earlier goals held at
/// their optima and arcs below `floor` left out, and an assignment there.
fn stage(
    inst: &Instance,
    d: &Demand,
    goal: Goal,
    fixed: &[(Goal, f64)],
    floor: Option<Milli>,
    deadline: &Deadline,
) -> Result<(f64, Vec<Vec<u32>>), SolveError> {
    let n_arcs = inst.score.len();
    let mut vars = ProblemVariables::new();
    let x: Vec<_> = (0..n_arcs).map(|_| vars.add(variable().binary())).collect();
    let y: Vec<_> = (0..inst.mentees())
        .map(|_| vars.add(variable().binary()))
        .collect();
    let (lo, hi) = inst
        .score
        .iter()
        .fold((0, 0), |(a, b), &s| (a.min(s), b.max(s)));
    let z = vars.add(variable().min(lo as f64).max(hi as f64));
    let measure = |g: Goal| -> Expression {
        match g {
            Goal::Covered(t) => (0..inst.mentees())
                .filter(|&e| d.tier[e] == t)
                .map(|e| y[e])
                .sum(),
            Goal::Further => {
                let all: Expression = x.iter().copied().sum();
                let first: Expression = y.iter().copied().sum();
                all - first
            }
            Goal::Total => (0..n_arcs).map(|a| inst.score[a] as f64 * x[a]).sum(),
            Goal::Lowest => z.into(),
        }
    };
    let mut cons = Vec::new();
    let mut per_mentor: Vec<Expression> = vec![Expression::from(0.0); inst.mentors()];
    for (e, &ye) in y.iter().enumerate() {
        let mine: Expression = inst.arcs(e).map(|a| x[a]).sum();
        cons.push(constraint!(ye <= mine.clone()));
        cons.push(constraint!(mine.clone() <= f64::from(d.max[e])));
        cons.push(constraint!(mine >= f64::from(d.min[e])));
        for b in &d.roles[e] {
            let of_role: Expression = inst
                .arcs(e)
                .filter(|&a| d.role[inst.mentor[a] as usize] == Some(b.role))
                .map(|a| x[a])
                .sum();
            cons.push(constraint!(of_role.clone() <= f64::from(b.at_most)));
            cons.push(constraint!(of_role >= f64::from(b.at_least)));
        }
        for a in inst.arcs(e) {
            per_mentor[inst.mentor[a] as usize] += x[a];
        }
    }
    for (j, load) in per_mentor.into_iter().enumerate() {
        cons.push(constraint!(load.clone() <= f64::from(inst.capacity[j])));
        cons.push(constraint!(load >= f64::from(inst.minimum[j])));
    }
    for &a in &d.pinned {
        cons.push(constraint!(x[a as usize] == 1));
    }
    cons.extend(super::milp::side_constraints(inst, &x));
    let mut pinned = vec![false; n_arcs];
    for &a in &d.pinned {
        pinned[a as usize] = true;
    }
    // The lowest is a free pair's: pinned arcs neither bound it nor fall
    // below its floor.
    for a in (0..n_arcs).filter(|&a| !pinned[a]) {
        let (xa, score) = (x[a], inst.score[a]);
        if goal == Goal::Lowest {
            // z is at most the score of every arc used.
            let (s, big) = (score as f64, (hi - lo) as f64);
            cons.push(constraint!(z <= s + big - big * xa));
        }
        if floor.is_some_and(|f| score < f) {
            cons.push(constraint!(xa == 0));
        }
    }
    for &(g, v) in fixed {
        cons.push(constraint!(measure(g) >= v - 0.5));
    }
    let objective = measure(goal);
    let index = VarIndex::of(&vars);
    let mut model = vars.maximise(objective).using(microlp);
    for c in cons {
        model = model.with(c);
    }
    // A stage fixes the next one's floor: only a proven optimum will do.
    let sol = match microlp_run::solve(&model, index, None, 0.0, deadline) {
        Ok(sol) if sol.proven => sol,
        Ok(_) | Err(Stopped::Deadline | Stopped::Cancelled) => return Err(SolveError::Deadline),
        Err(Stopped::Infeasible) => return Err(SolveError::SideConstraintsInfeasible),
        Err(Stopped::Backend(m)) => return Err(SolveError::Backend(m)),
    };
    let chosen = (0..inst.mentees())
        .map(|e| {
            inst.arcs(e)
                .filter(|&a| sol.value(x[a]) > 0.5)
                .map(|a| a as u32)
                .collect()
        })
        .collect();
    Ok((sol.objective, chosen))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mentee_admits_its_bounds_and_room_for_every_at_least() {
        let tech = |at_least, at_most| RoleBound {
            role: 0,
            at_least,
            at_most,
        };
        let (t, g, none) = (Some(0), Some(1), None);
        // At most two, one technical at least and at most.
        let b = [tech(1, 1)];
        assert!(admits(2, &b, &[]));
        assert!(admits(2, &b, &[t]));
        assert!(admits(2, &b, &[g]));
        assert!(admits(2, &b, &[t, g]));
        assert!(!admits(2, &b, &[t, t]), "two technical");
        assert!(!admits(2, &b, &[g, none]), "no room left for the technical");
        assert!(!admits(2, &b, &[t, g, none]), "three");
        // More required than allowed: nothing is admitted.
        assert!(!admits(
            1,
            &[
                tech(1, 1),
                RoleBound {
                    role: 1,
                    at_least: 1,
                    at_most: 1
                }
            ],
            &[]
        ));
        // No bound: the count only.
        assert!(admits(1, &[], &[g]) && !admits(1, &[], &[g, t]));
    }
}
