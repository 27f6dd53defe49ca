//! One MILP solve of a `good_lp` model on microlp, under a [`Deadline`].
//!
//! good_lp builds the model (its constraint macros keep the formulations
//! readable); the solve itself calls microlp directly, because good_lp
//! passes on neither an interrupt nor the outcome of a solve that ran out
//! of time. microlp (vendored, see `vendor/microlp/MENTORMATCH.md`) reads
//! the clock and our cancel flag every 32 simplex pivots, so a cancelled
//! solve stops within milliseconds and a timed-out one returns its
//! incumbent (if any) with the proven bound, on time.
//!
//! microlp creates its variables in good_lp's order, so variable `i` of
//! one is variable `i` of the other.

use std::collections::HashMap;
use std::time::Duration;

use good_lp::solvers::microlp::MicroLpProblem;
use good_lp::{ProblemVariables, Variable};
use microlp::{Interrupt, SolveOptions, SolveOutcome, TerminationReason};

use super::Deadline;

/// Each good_lp variable's creation index, which is its microlp index.
#[derive(Debug, Default)]
pub(crate) struct VarIndex(HashMap<Variable, usize>);

impl VarIndex {
    /// The indices of every variable in `vars` (take it before `vars`
    /// becomes a problem).
    pub(crate) fn of(vars: &ProblemVariables) -> Self {
        VarIndex(
            vars.iter_variables_with_def()
                .enumerate()
                .map(|(i, (v, _))| (v, i))
                .collect(),
        )
    }

    fn get(&self, v: Variable) -> usize {
        self.0[&v]
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Why a solve returned no assignment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stopped {
    /// The constraints admit no assignment.
    Infeasible,
    /// Time ran out before any assignment was found.
    Deadline,
    /// The cancel flag was set.
    Cancelled,
    /// microlp failed (unbounded, numerical trouble, bad options).
    Backend(String),
}

/// An assignment from a solve.
#[derive(Debug)]
pub(crate) struct Solved {
    index: VarIndex,
    values: Vec<f64>,
    /// Objective value of the assignment, in the model's direction.
    pub(crate) objective: f64,
    /// Whether optimality was proven (not only within a MIP gap).
    pub(crate) proven: bool,
    /// Best proven bound, when microlp has one.
    pub(crate) bound: Option<f64>,
    /// Relative gap between the assignment and the bound, when known.
    pub(crate) gap: Option<f64>,
}

impl Solved {
    /// The value of `v` (integers and binaries rounded).
    pub(crate) fn value(&self, v: Variable) -> f64 {
        self.values[self.index.get(v)]
    }
}

/// The time left, or why there is none.
fn time_left(deadline: &Deadline) -> Result<Option<Duration>, Stopped> {
    if deadline.cancelled() {
        return Err(Stopped::Cancelled);
    }
    match deadline.remaining() {
        Some(left) if left.is_zero() => Err(Stopped::Deadline),
        left => Ok(left),
    }
}

fn backend(e: microlp::Error) -> Stopped {
    match e {
        microlp::Error::Infeasible => Stopped::Infeasible,
        other => Stopped::Backend(format!("MILP backend: {other}")),
    }
}

/// microlp handles for variables `0..n` (a microlp variable is its creation
/// index, so any problem's first `n` variables name the same indices).
fn handles(n: usize) -> Vec<microlp::Variable> {
    let mut scratch = microlp::Problem::new(microlp::OptimizationDirection::Minimize);
    (0..n).map(|_| scratch.add_var(0.0, (0.0, 0.0))).collect()
}

/// Solves `model` until it is proven optimal (or within `mip_gap`), the
/// deadline passes (then the incumbent comes back with `proven = false`),
/// or the deadline's cancel flag is set.
pub(crate) fn solve(
    model: &MicroLpProblem,
    index: VarIndex,
    warm: Option<&[(Variable, f64)]>,
    mip_gap: f64,
    deadline: &Deadline,
) -> Result<Solved, Stopped> {
    let mut options = SolveOptions::default();
    options.time_limit = time_left(deadline)?;
    options.mip_gap = mip_gap;
    let flag = deadline.clone();
    options.interrupt = Some(Interrupt::new(move || flag.cancelled()));
    if let Some(warm) = warm {
        let h = handles(index.len());
        options.warm_start = Some(warm.iter().map(|&(v, x)| (h[index.get(v)], x)).collect());
    }
    let outcome = model.as_inner().solve_with(options).map_err(backend)?;
    if deadline.cancelled() {
        return Err(Stopped::Cancelled);
    }
    let stats = outcome.stats();
    let proven = outcome.termination_reason() == TerminationReason::ProvenOptimal;
    let SolveOutcome::Solution(solution) = outcome else {
        return Err(Stopped::Deadline);
    };
    Ok(Solved {
        index,
        values: solution.iter().map(|(_, x)| x).collect(),
        objective: solution.objective(),
        proven,
        bound: stats.best_bound,
        gap: solution.gap(),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use good_lp::{constraint, microlp, variable, Expression, Solution, SolverModel};

    use super::*;
    use crate::settings::Cancel;

    /// A knapsack-like MILP with `n` binaries.
    fn knapsack(n: usize) -> (ProblemVariables, Vec<Variable>) {
        let mut vars = ProblemVariables::new();
        let x = (0..n).map(|_| vars.add(variable().binary())).collect();
        (vars, x)
    }

    fn weights(n: usize) -> Vec<f64> {
        (0..n).map(|i| ((i * 37 + 11) % 23 + 5) as f64).collect()
    }

    fn model(n: usize) -> (MicroLpProblem, VarIndex, Vec<Variable>) {
        let (vars, x) = knapsack(n);
        let index = VarIndex::of(&vars);
        let w = weights(n);
        let value: Expression = x.iter().zip(&w).map(|(&v, &wi)| (wi + 3.0) * v).sum();
        let weight: Expression = x.iter().zip(&w).map(|(&v, &wi)| wi * v).sum();
        let cap = w.iter().sum::<f64>() / 2.0 + 0.5;
        let model = vars
            .maximise(value)
            .using(microlp)
            .with(constraint!(weight <= cap));
        (model, index, x)
    }

    #[test]
    fn equals_good_lps_own_solve() {
        let (m, index, x) = model(12);
        let ours = solve(&m, index, None, 0.0, &Deadline::NONE).unwrap();
        let (whole, _, y) = model(12);
        let whole = whole.solve().unwrap();
        assert!(ours.proven);
        for (a, b) in x.iter().zip(&y) {
            assert_eq!(ours.value(*a), whole.value(*b));
        }
    }

    #[test]
    fn a_set_cancel_flag_stops_the_solve() {
        let (m, index, _) = model(12);
        let cancel = Cancel::default();
        cancel.cancel();
        let d = Deadline::new(None, Some(cancel));
        assert_eq!(
            solve(&m, index, None, 0.0, &d).unwrap_err(),
            Stopped::Cancelled
        );
    }

    #[test]
    fn a_passed_deadline_stops_the_solve() {
        let (m, index, _) = model(12);
        let d = Deadline::new(Some(Instant::now()), None);
        assert_eq!(
            solve(&m, index, None, 0.0, &d).unwrap_err(),
            Stopped::Deadline
        );
    }
}
