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

use good_lp::{
    constraint, microlp, variable, Expression, ProblemVariables, ResolutionError, Solution,
    SolutionStatus, SolverModel, Variable, WithTimeLimit,
};

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

fn map_err(e: ResolutionError) -> SolveError {
    match e {
        ResolutionError::Infeasible => SolveError::SideConstraintsInfeasible,
        ResolutionError::Other(msg) if msg.contains("Time limit") => SolveError::Deadline,
        other => SolveError::Backend(format!("MILP backend: {other}")),
    }
}

fn time_limit_s(deadline: &Deadline) -> Result<Option<f64>, SolveError> {
    match deadline.remaining() {
        Some(d) if d.is_zero() => Err(SolveError::Deadline),
        Some(d) => Ok(Some(d.as_secs_f64())),
        None => Ok(None),
    }
}

fn check_minimums(inst: &Instance, deadline: &Deadline) -> Result<(), SolveError> {
    let Model { mut vars, x } = Model::new(inst);
    let short: Vec<Variable> = inst
        .minimum
        .iter()
        .map(|&m| vars.add(variable().min(0.0).max(f64::from(m))))
        .collect();
    let total: Expression = short.iter().copied().sum();
    let mut model = vars.minimise(total).using(microlp);
    if let Some(s) = time_limit_s(deadline)? {
        model = model.with_time_limit(s);
    }
    for c in base_constraints(inst, &x, Some(&short)) {
        model = model.with(c);
    }
    let sol = model.solve().map_err(map_err)?;
    let shortfall: f64 = short.iter().map(|&v| sol.value(v)).sum();
    if shortfall > 0.5 {
        let short = (0..inst.mentors())
            .filter(|&j| sol.value(short[j]) > 0.5)
            .map(|j| {
                let load = (0..inst.score.len())
                    .filter(|&a| inst.mentor[a] as usize == j && sol.value(x[a]) > 0.5)
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
    let mut model = vars.maximise(z).using(microlp);
    if let Some(s) = time_limit_s(deadline)? {
        model = model.with_time_limit(s);
    }
    for c in base_constraints(inst, &x, None) {
        model = model.with(c);
    }
    let all: Expression = x.iter().copied().sum();
    model = model.with(constraint!(all == k as f64));
    for (a, &xa) in x.iter().enumerate() {
        let s = inst.score[a] as f64;
        model = model.with(constraint!(z <= s + big - big * xa));
    }
    let sol = model.solve().map_err(map_err)?;
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
    let mut model = vars.maximise(objective).using(microlp);
    if let Some(s) = time_limit_s(deadline)? {
        model = model.with_time_limit(s);
    }
    for c in base_constraints(inst, &x, None) {
        model = model.with(c);
    }
    if let Some(k) = k {
        let all: Expression = x.iter().copied().sum();
        model = model.with(constraint!(all == k as f64));
    }
    if let Some(f) = floor {
        for (a, &xa) in x.iter().enumerate() {
            if inst.score[a] < f {
                model = model.with(constraint!(xa == 0));
            }
        }
    }
    let sol = model.solve().map_err(map_err)?;
    let optimal = matches!(sol.status(), SolutionStatus::Optimal);
    let mut arc = vec![None; inst.mentees()];
    for (e, slot) in arc.iter_mut().enumerate() {
        *slot = inst
            .arcs(e)
            .find(|&a| sol.value(x[a]) > 0.5)
            .map(|a| a as u32);
    }
    Ok(Assignment { arc, optimal })
}
