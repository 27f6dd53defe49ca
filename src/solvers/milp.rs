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

use good_lp::{constraint, microlp, variable, Expression, ProblemVariables, SolverModel, Variable};

use super::microlp_run::{self, Solved, Stopped, VarIndex};
use super::{Assignment, Deadline, Engine, Instance, SolveError};
use crate::model::Objective;

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
            check_minimums(inst, &deadline)?;
        }
        let n = inst.mentees() as f64;
        match objective {
            Objective::Score => {
                let w: Vec<f64> = inst
                    .score
                    .iter()
                    .map(|&s| (n + 1.0) * s as f64 + 1.0)
                    .collect();
                stage(inst, &w, None, None, &deadline)
            }
            Objective::CoverageThenScore => {
                let k = coverage(inst, &deadline)?;
                let w: Vec<f64> = inst.score.iter().map(|&s| s as f64).collect();
                stage(inst, &w, Some(k), None, &deadline)
            }
            Objective::Fair => {
                let k = coverage(inst, &deadline)?;
                if k == 0 {
                    return stage(inst, &vec![0.0; inst.score.len()], Some(0), None, &deadline);
                }
                let z = max_min(inst, k, &deadline)?;
                let w: Vec<f64> = inst.score.iter().map(|&s| s as f64).collect();
                stage(inst, &w, Some(k), Some(z), &deadline)
            }
        }
    }
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
        microlp_run::solve(&model, index, None, 0.0, deadline).map_err(|stop| match stop {
            Stopped::Infeasible => SolveError::SideConstraintsInfeasible,
            Stopped::Deadline | Stopped::Cancelled => SolveError::Deadline,
            Stopped::Backend(m) => SolveError::Backend(m),
        })?;
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
    let sol = run(vars, Sense::Min, total, cons, deadline)?;
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

fn coverage(inst: &Instance, deadline: &Deadline) -> Result<usize, SolveError> {
    let w = vec![1.0; inst.score.len()];
    let a = stage(inst, &w, None, None, deadline)?;
    Ok(a.arc.iter().flatten().count())
}

/// Largest `z` such that coverage `k` is reachable with every pair `≥ z`.
fn max_min(inst: &Instance, k: usize, deadline: &Deadline) -> Result<i64, SolveError> {
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
    let sol = run(vars, Sense::Max, z.into(), cons, deadline)?;
    Ok(sol.value(z).round() as i64)
}

/// Maximises `Σ w_a x_a`, optionally with `Σ x_a = k` and only arcs scoring `≥ floor`.
fn stage(
    inst: &Instance,
    w: &[f64],
    k: Option<usize>,
    floor: Option<i64>,
    deadline: &Deadline,
) -> Result<Assignment, SolveError> {
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
    let sol = run(vars, Sense::Max, objective, cons, deadline)?;
    let optimal = sol.proven;
    let mut arc = vec![None; inst.mentees()];
    for (e, slot) in arc.iter_mut().enumerate() {
        *slot = inst
            .arcs(e)
            .find(|&a| sol.value(x[a]) > 0.5)
            .map(|a| a as u32);
    }
    Ok(Assignment {
        arc,
        optimal,
        duals: None,
    })
}
