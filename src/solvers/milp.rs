//! MILP engine through `good_lp` (pure-Rust `microlp` backend).
//!
//! Variables `x_a ∈ {0, 1}` per feasible arc. Constraints: each mentee at
//! most one arc; each mentor between its minimum and its capacity. The
//! lexicographic objectives are solved in stages, each fixing the previous
//! optimum:
//! 1. (if minimums) minimise the total shortfall `Σ short_j` with
//!    `Σ_a∈j x_a + short_j ≥ min_j`; a positive optimum means infeasible;
//! 2. coverage `K = max Σ x_a`;
//! 3. coverage-then-score: `max Σ s_a x_a` with `Σ x_a = K`;
//!    fair: `max z` with `z ≤ s_a + M(1 − x_a)` and `Σ x_a = K`, then
//!    `max Σ s_a x_a` over arcs with `s_a ≥ z*`;
//!    score: `max Σ ((n + 1) s_a + 1) x_a` (total score, then coverage).
//!
//! Scores are integers, so stage optima are rounded before being fixed.
//!
//! Under a time limit every stage starts from a feasible assignment (a
//! greedy one for the first, the previous stage's for the others) and gets
//! an equal share of the time left, so a stage stopped by the limit still
//! hands on its best assignment: the answer is then FEASIBLE, with what the
//! stages proved (`SearchBound`: the most mentees any matching could
//! match, and at the answer's coverage the highest total score), never "no
//! answer" while a matching within the capacities and side constraints
//! exists.

use good_lp::{constraint, microlp, variable, Expression, ProblemVariables, SolverModel, Variable};

use super::microlp_run::{self, Solved, Stopped, VarIndex};
use super::{Assignment, Deadline, Engine, Instance, SolveError};
use crate::model::{Milli, Objective};
use crate::outcome::SearchBound;

/// The MILP engine.
#[derive(Debug, Clone, Copy, Default)]
pub struct MilpEngine;

impl Engine for MilpEngine {
    fn solve(
        &self,
        inst: &Instance,
        objective: Objective,
        deadline: Deadline,
    ) -> Result<Assignment, SolveError> {
        if inst.minimum.iter().any(|&m| m > 0) {
            check_minimums(inst, &deadline.share(4))?;
        }
        let n = inst.mentees() as f64;
        let greedy = greedy(inst);
        let cap_total: u64 = inst.capacity.iter().map(|&c| u64::from(c)).sum();
        let anyone = (0..inst.mentees())
            .filter(|&e| !inst.arcs(e).is_empty())
            .count() as u64;
        let trivial = anyone.min(cap_total) as u32;
        // The total score, the weight of the last stage of the other objectives.
        let scores: Vec<f64> = inst.score.iter().map(|&s| s as f64).collect();
        match objective {
            Objective::Stable(_) => Err(SolveError::Unsupported(
                "the stable objective is solved by deferred acceptance",
            )),
            Objective::Score => {
                let w: Vec<f64> = inst
                    .score
                    .iter()
                    .map(|&s| (n + 1.0) * s as f64 + 1.0)
                    .collect();
                let (a, st) = stage(inst, &w, None, None, &greedy, &deadline)?;
                // Σ((n + 1)s + 1)x ≤ bound, so the total score is at most bound / (n + 1).
                let score_at_most = st.bound.map(|b| (b / (n + 1.0)).floor() as Milli);
                Ok(with_bound(a, st.proven, trivial, score_at_most))
            }
            Objective::CoverageThenScore => {
                let (k, k_bound, start) = coverage(inst, &greedy, &deadline.share(2))?;
                let (a, st) = stage(inst, &scores, Some(k), None, &start.arc, &deadline)?;
                let bound = st.bound.map(|b| b.floor() as Milli);
                Ok(with_bound(
                    a,
                    st.proven && k_bound == k as u32,
                    k_bound,
                    bound,
                ))
            }
            Objective::Fair => {
                let (k, k_bound, start) = coverage(inst, &greedy, &deadline.share(3))?;
                if k == 0 {
                    let (a, st) = stage(
                        inst,
                        &vec![0.0; inst.score.len()],
                        Some(0),
                        None,
                        &[],
                        &deadline,
                    )?;
                    return Ok(with_bound(a, st.proven && k_bound == 0, k_bound, None));
                }
                let (z, z_proof, start) = max_min(inst, k, &start.arc, &deadline.share(2))?;
                let (a, st) = stage(inst, &scores, Some(k), Some(z), &start, &deadline)?;
                let proven = st.proven && z_proof.proven && k_bound == k as u32;
                let score_at_most = st.bound.map(|b| b.floor() as Milli);
                let mut a = with_bound(a, proven, k_bound, score_at_most);
                if let Some(b) = a.bound.as_mut() {
                    b.lowest_at_most = match z_proof.proven {
                        true => Some(z),
                        false => z_proof.bound.map(|x| (x + 1e-6).floor() as Milli),
                    };
                }
                Ok(a)
            }
        }
    }
}

/// An assignment with what was proven about it: optimal, or the bounds.
fn with_bound(
    mut a: Assignment,
    proven: bool,
    matched_at_most: u32,
    score_at_most: Option<Milli>,
) -> Assignment {
    a.optimal = proven;
    a.bound = (!proven).then_some(SearchBound {
        matched_at_most,
        score_at_most,
        lowest_at_most: None,
    });
    a
}

/// A feasible start: arcs by score (baseline arcs a cap on changes keeps
/// first), each taken when its mentee is free and its mentor has room
/// within the quota. Minimums are left to the stages.
fn greedy(inst: &Instance) -> Vec<Option<u32>> {
    let n_arcs = inst.score.len();
    let mut owner = vec![0u32; n_arcs];
    for e in 0..inst.mentees() {
        for a in inst.arcs(e) {
            owner[a] = e as u32;
        }
    }
    let mut kept = vec![false; n_arcs];
    if let Some(k) = &inst.keep {
        for &a in &k.arcs {
            kept[a as usize] = true;
        }
    }
    let mut order: Vec<u32> = (0..n_arcs as u32).collect();
    order.sort_by_key(|&a| {
        (
            !kept[a as usize],
            std::cmp::Reverse(inst.score[a as usize]),
            a,
        )
    });
    let mut arc = vec![None; inst.mentees()];
    let mut load = vec![0u32; inst.mentors()];
    let mut per_label: std::collections::BTreeMap<(u32, u32), u32> = Default::default();
    for a in order {
        let (e, j) = (owner[a as usize] as usize, inst.mentor[a as usize]);
        if arc[e].is_some() || load[j as usize] >= inst.capacity[j as usize] {
            continue;
        }
        if let Some(q) = &inst.quota {
            let c = per_label.entry((j, q.label[e])).or_insert(0);
            if *c >= q.max {
                continue;
            }
            *c += 1;
        }
        arc[e] = Some(a);
        load[j as usize] += 1;
    }
    arc
}

/// Warm-start values of the arc variables for an assignment.
fn warm_of(x: &[Variable], arcs: &[Option<u32>]) -> Vec<(Variable, f64)> {
    let mut v: Vec<(Variable, f64)> = x.iter().map(|&xa| (xa, 0.0)).collect();
    for a in arcs.iter().flatten() {
        v[*a as usize].1 = 1.0;
    }
    v
}

/// The base model: binaries per arc with mentee and mentor constraints.
struct Model {
    vars: ProblemVariables,
    x: Vec<Variable>,
}

impl Model {
    fn new(inst: &Instance) -> Self {
        let mut vars = ProblemVariables::new();
        let x = (0..inst.score.len())
            .map(|_| vars.add(variable().binary()))
            .collect();
        Model { vars, x }
    }
}

/// Mentee and mentor constraints; `shortfall` relaxes the minimums.
fn base_constraints(
    inst: &Instance,
    x: &[Variable],
    shortfall: Option<&[Variable]>,
) -> Vec<good_lp::Constraint> {
    let mut out = Vec::new();
    let mut per_mentor: Vec<Expression> = vec![Expression::from(0.0); inst.mentors()];
    for e in 0..inst.mentees() {
        let arcs = inst.arcs(e);
        if arcs.is_empty() {
            continue;
        }
        let sum: Expression = arcs.clone().map(|a| x[a]).sum();
        out.push(constraint!(sum <= 1));
        for a in arcs {
            per_mentor[inst.mentor[a] as usize] += x[a];
        }
    }
    out.extend(side_constraints(inst, x));
    for (j, load) in per_mentor.into_iter().enumerate() {
        out.push(constraint!(load.clone() <= f64::from(inst.capacity[j])));
        if inst.minimum[j] > 0 {
            let floor = f64::from(inst.minimum[j]);
            match shortfall {
                Some(s) => out.push(constraint!(load + s[j] >= floor)),
                None => out.push(constraint!(load >= floor)),
            }
        }
    }
    out
}

/// The side constraints a flow cannot express, over the arcs' variables
/// `x`: the quota per (mentor, label) and the cap on changes (shared by the
/// single-mentor and the demand MILP).
pub(super) fn side_constraints(inst: &Instance, x: &[Variable]) -> Vec<good_lp::Constraint> {
    let mut out = Vec::new();
    if let Some(q) = &inst.quota {
        let mut per_label: std::collections::BTreeMap<(u32, u32), Expression> =
            std::collections::BTreeMap::new();
        for e in 0..inst.mentees() {
            for a in inst.arcs(e) {
                *per_label
                    .entry((inst.mentor[a], q.label[e]))
                    .or_insert_with(|| Expression::from(0.0)) += x[a];
            }
        }
        for sum in per_label.into_values() {
            out.push(constraint!(sum <= f64::from(q.max)));
        }
    }
    if let Some(k) = &inst.keep {
        let kept: Expression = k.arcs.iter().map(|&a| x[a as usize]).sum();
        out.push(constraint!(kept >= f64::from(k.min_kept)));
    }
    out
}

/// Whether a stage maximises or minimises.
#[derive(Clone, Copy)]
enum Sense {
    Max,
    Min,
}

/// Solves one model under the deadline (a cancel stops it at once).
fn run(
    vars: ProblemVariables,
    sense: Sense,
    objective: Expression,
    constraints: Vec<good_lp::Constraint>,
    warm: &[(Variable, f64)],
    deadline: &Deadline,
) -> Result<Solved, SolveError> {
    let index = VarIndex::of(&vars);
    let problem = match sense {
        Sense::Max => vars.maximise(objective),
        Sense::Min => vars.minimise(objective),
    };
    let mut model = problem.using(microlp);
    for c in constraints {
        model = model.with(c);
    }
    let sol =
        microlp_run::solve(&model, index, Some(warm), 0.0, deadline).map_err(
            |stop| match stop {
                Stopped::Infeasible => SolveError::SideConstraintsInfeasible,
                Stopped::Deadline | Stopped::Cancelled => SolveError::Deadline,
                Stopped::Backend(m) => SolveError::Backend(m),
            },
        )?;
    Ok(sol)
}

fn check_minimums(inst: &Instance, deadline: &Deadline) -> Result<(), SolveError> {
    let Model { mut vars, x } = Model::new(inst);
    let short: Vec<Variable> = inst
        .minimum
        .iter()
        .map(|&m| vars.add(variable().min(0.0).max(f64::from(m))))
        .collect();
    let total: Expression = short.iter().copied().sum();
    let cons = base_constraints(inst, &x, Some(&short));
    let start = greedy(inst);
    let mut warm = warm_of(&x, &start);
    let mut load = vec![0u32; inst.mentors()];
    for a in start.iter().flatten() {
        load[inst.mentor[*a as usize] as usize] += 1;
    }
    for (j, &v) in short.iter().enumerate() {
        warm.push((v, f64::from(inst.minimum[j].saturating_sub(load[j]))));
    }
    let sol = run(vars, Sense::Min, total, cons, &warm, deadline)?;
    if !sol.proven {
        // A shortfall not proven minimal says nothing: no answer in time.
        return Err(SolveError::Deadline);
    }
    let value = |v: Variable| sol.value(v);
    let shortfall: f64 = short.iter().map(|&v| value(v)).sum();
    if shortfall > 0.5 {
        let short = (0..inst.mentors())
            .filter(|&j| value(short[j]) > 0.5)
            .map(|j| {
                let load = (0..inst.score.len())
                    .filter(|&a| inst.mentor[a] as usize == j && value(x[a]) > 0.5)
                    .count();
                (j as u32, load as u32)
            })
            .collect();
        return Err(SolveError::MinimumsUnmet { short });
    }
    Ok(())
}

/// The coverage stage from `start`: the coverage found, the most any
/// matching could reach (proven), and the assignment.
fn coverage(
    inst: &Instance,
    start: &[Option<u32>],
    deadline: &Deadline,
) -> Result<(usize, u32, Assignment), SolveError> {
    let w = vec![1.0; inst.score.len()];
    let (a, st) = stage(inst, &w, None, None, start, deadline)?;
    let k = a.arc.iter().flatten().count();
    let bound = match st.proven {
        true => k as u32,
        // A bound within an integrality tolerance of k + 1 still proves k + 1 impossible.
        false => st.bound.map_or(inst.mentees() as u32, |b| {
            (b + 1e-6).floor().max(k as f64) as u32
        }),
    };
    Ok((k, bound, a))
}

/// Largest `z` such that coverage `k` is reachable with every pair `≥ z`
/// (from `start`, an assignment of `k` pairs): `z`, what the search proved
/// about it, and an assignment that reaches it.
fn max_min(
    inst: &Instance,
    k: usize,
    start: &[Option<u32>],
    deadline: &Deadline,
) -> Result<(i64, Proof, Vec<Option<u32>>), SolveError> {
    let s_max = inst.score.iter().copied().max().unwrap_or(0) as f64;
    let s_min = inst.score.iter().copied().min().unwrap_or(0) as f64;
    let big = s_max - s_min;
    let Model { mut vars, x } = Model::new(inst);
    let z = vars.add(variable().min(s_min).max(s_max));
    let mut cons = base_constraints(inst, &x, None);
    let all: Expression = x.iter().copied().sum();
    cons.push(constraint!(all == k as f64));
    for (a, &xa) in x.iter().enumerate() {
        let s = inst.score[a] as f64;
        cons.push(constraint!(z <= s + big - big * xa));
    }
    let mut warm = warm_of(&x, start);
    let lowest = start
        .iter()
        .flatten()
        .map(|&a| inst.score[a as usize])
        .min();
    warm.push((z, lowest.map_or(s_min, |s| s as f64)));
    let sol = run(vars, Sense::Max, z.into(), cons, &warm, deadline)?;
    let arcs = (0..inst.mentees())
        .map(|e| {
            inst.arcs(e)
                .find(|&a| sol.value(x[a]) > 0.5)
                .map(|a| a as u32)
        })
        .collect::<Vec<_>>();
    // The assignment's own lowest pair is the threshold it proves reachable.
    let z = arcs
        .iter()
        .flatten()
        .map(|&a| inst.score[a as usize])
        .min()
        .unwrap_or(s_min as i64);
    let proof = Proof {
        proven: sol.proven,
        bound: sol.bound,
    };
    Ok((z, proof, arcs))
}

/// Maximises `Σ w_a x_a`, optionally with `Σ x_a = k` and only arcs
/// scoring `≥ floor`, from `start` (a feasible assignment when not empty);
/// the assignment, with the solve's proof and bound.
fn stage(
    inst: &Instance,
    w: &[f64],
    k: Option<usize>,
    floor: Option<i64>,
    start: &[Option<u32>],
    deadline: &Deadline,
) -> Result<(Assignment, Proof), SolveError> {
    let Model { vars, x } = Model::new(inst);
    let objective: Expression = x.iter().zip(w).map(|(&xa, &wa)| wa * xa).sum();
    let mut cons = base_constraints(inst, &x, None);
    if let Some(k) = k {
        let all: Expression = x.iter().copied().sum();
        cons.push(constraint!(all == k as f64));
    }
    if let Some(f) = floor {
        for (a, &xa) in x.iter().enumerate() {
            if inst.score[a] < f {
                cons.push(constraint!(xa == 0));
            }
        }
    }
    let warm = warm_of(&x, start);
    let sol = run(vars, Sense::Max, objective, cons, &warm, deadline)?;
    let optimal = sol.proven;
    let mut arc = vec![None; inst.mentees()];
    for (e, slot) in arc.iter_mut().enumerate() {
        *slot = inst
            .arcs(e)
            .find(|&a| sol.value(x[a]) > 0.5)
            .map(|a| a as u32);
    }
    let proof = Proof {
        proven: sol.proven,
        bound: sol.bound,
    };
    Ok((
        Assignment {
            arc,
            optimal,
            duals: None,
            bound: None,
        },
        proof,
    ))
}

/// What a stage proved: optimality, or a bound on its objective.
struct Proof {
    proven: bool,
    bound: Option<f64>,
}
