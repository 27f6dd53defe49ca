//! Text export of the min-cost flow network the flow engine solves, so an
//! independent solver (OR-Tools, in `bench/`) can solve the very same arcs.
//!
//! Format, one record a line: `n NODES`, `s NODE SUPPLY`,
//! `a FROM TO CAPACITY COST`, and a comment line
//! `c mentormatch cost COST solve_ms MS` with our optimum and solve time.

use std::fmt::Write;
use std::time::Instant;

use crate::error::Error;
use crate::model::Problem;
use crate::scoring::Scorer;
use crate::solvers::candidates::{demand_instance, instance};
use crate::solvers::flow;
use crate::solvers::Deadline;

/// The network for `problem` (pins removed; with demand, the demand
/// network, pins as arcs that must be used), with our optimum, as text.
pub fn network_text(problem: &Problem, threads: usize) -> Result<String, Error> {
    let (net, solved, solve_ms) = if problem.has_demand() {
        let scorer = Scorer::new(problem);
        let (cands, demand) = demand_instance(&scorer, threads, &Deadline::NONE)?;
        let (net, cost, took) =
            flow::demand::network(&cands.instance, &demand, problem.policy.objective)
                .map_err(|e| Error::Solver(e.to_string()))?;
        (
            net,
            cost.map(|c| c.to_string()),
            took.as_secs_f64() * 1000.0,
        )
    } else {
        let inst = instance(problem, threads)?;
        let net = flow::network(&inst, problem.policy.objective);
        let t = Instant::now();
        let solved = flow::min_cost(&inst, problem.policy.objective, Deadline::NONE);
        (
            net,
            solved.map(|c| c.to_string()),
            t.elapsed().as_secs_f64() * 1000.0,
        )
    };
    let mut out = String::with_capacity(net.arcs.len() * 24);
    let cost = solved.unwrap_or_else(|| "none".into());
    let _ = writeln!(out, "c mentormatch cost {cost} solve_ms {solve_ms:.1}");
    let _ = writeln!(out, "n {}", net.nodes);
    for &(node, supply) in &net.supplies {
        let _ = writeln!(out, "s {node} {supply}");
    }
    for &(a, b, cap, cost) in &net.arcs {
        let _ = writeln!(out, "a {a} {b} {cap} {cost}");
    }
    Ok(out)
}
