//! Request in, response out: the function both the gRPC service and the
//! CLI call, so that they give the same answer for the same request.

use std::time::Instant;

use crate::convert::{
    invalid_wire, problem_from_request, report_wire, response_from_outcome, Limits,
};
use crate::error::Error;
use crate::matching::{self, SolveOptions};
use crate::pb;

/// Validates, solves and explains one request.
pub fn solve(
    req: &pb::SolveRequest,
    limits: &Limits,
    opts: &SolveOptions,
) -> Result<pb::SolveResponse, Error> {
    let t0 = Instant::now();
    let problem = problem_from_request(req, limits)?;
    let validated = t0.elapsed();
    let outcome = matching::solve(&problem, opts)?;
    let mut resp = response_from_outcome(&problem, &outcome);
    if let Some(t) = resp.stats.as_mut().and_then(|s| s.timings.as_mut()) {
        t.validate_ms = validated.as_secs_f64() * 1000.0;
        t.total_ms = t0.elapsed().as_secs_f64() * 1000.0;
    }
    tracing::info!(
        request_id = %problem.request_id,
        mentors = problem.mentors.len(),
        mentees = problem.mentees.len(),
        matched = outcome.pairs.len(),
        status = ?outcome.status,
        engine = ?outcome.engine,
        feasible_pairs = outcome.candidate_pairs_feasible,
        score_ms = outcome.timings.score.as_millis() as u64,
        solve_ms = outcome.timings.solve.as_millis() as u64,
        "solved"
    );
    Ok(resp)
}

/// Checks one request without solving it. Validation errors become ERROR
/// findings; only failures of the service itself are errors.
pub fn validate(
    req: &pb::ValidateRequest,
    limits: &Limits,
    opts: &SolveOptions,
) -> Result<pb::ValidateResponse, Error> {
    let req = req.request.clone().unwrap_or_default();
    let problem = match problem_from_request(&req, limits) {
        Ok(p) => p,
        Err(Error::InvalidArgument(v)) => {
            tracing::info!(
                request_id = %req.request_id,
                violations = v.len(),
                "validated: invalid"
            );
            return Ok(invalid_wire(&v));
        }
        Err(e) => return Err(e),
    };
    let report = crate::check::check(&problem, opts.threads);
    tracing::info!(
        request_id = %problem.request_id,
        findings = report.findings.len(),
        max_coverage = report.summary.max_coverage,
        "validated"
    );
    Ok(report_wire(&problem, &report))
}
