//! `Validate`: check one request without solving it.

use crate::error::Error;
use crate::pipeline::check;
use crate::settings::{Limits, SolveOptions};
use crate::wire::report::{invalid_wire, report_wire};
use crate::wire::{pb, problem_from_request};

pub use crate::pipeline::check::MAX_FLOW_MENTEES;

/// Checks one request without solving it. Validation errors become ERROR
/// findings; only failures of the service itself are errors. Above
/// [`MAX_FLOW_MENTEES`] unpinned mentees the max-flow checks are skipped (a
/// `NOT_CHECKED` finding says so).
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
    let report = check::check(&problem, opts)?;
    tracing::info!(
        request_id = %problem.request_id,
        findings = report.findings.len(),
        max_coverage = report.summary.max_coverage,
        "validated"
    );
    Ok(report_wire(&problem, &report))
}
