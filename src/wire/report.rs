//! A check's report → `ValidateResponse`, and validation errors as ERROR
//! findings.

use crate::error::FieldViolation;
use crate::model::Problem;
use crate::outcome::{Code, Finding, Report, Severity};
use crate::wire::pb;

use super::response::{certificate_wire, engine};

pub(crate) fn report_wire(problem: &Problem, r: &Report) -> pb::ValidateResponse {
    let findings: Vec<pb::Finding> = r
        .findings
        .iter()
        .map(|f| {
            finding_wire(
                f,
                f.certificate.as_ref().map(|c| certificate_wire(problem, c)),
            )
        })
        .collect();
    let s = &r.summary;
    pb::ValidateResponse {
        ok: r.findings.iter().all(|f| f.severity != Severity::Error),
        findings,
        summary: Some(pb::FeasibilitySummary {
            mentees: s.mentees,
            mentors: s.mentors,
            places: s.places,
            pinned_pairs: s.pinned_pairs,
            candidate_pairs_total: s.candidate_pairs_total,
            candidate_pairs_feasible: s.candidate_pairs_feasible,
            mentees_without_candidate: s.mentees_without_candidate,
            max_coverage: s.max_coverage,
            minimum_places: s.minimum_places,
            minimums_feasible: s.minimums_feasible,
            engine: s.engine.map_or(pb::Engine::Unspecified, engine) as i32,
        }),
    }
}

/// The response of `Validate` for a request that fails validation: one
/// ERROR finding per violation.
pub(crate) fn invalid_wire(violations: &[FieldViolation]) -> pb::ValidateResponse {
    pb::ValidateResponse {
        ok: false,
        findings: violations
            .iter()
            .map(|v| {
                let f = Finding {
                    severity: Severity::Error,
                    code: if v.field.ends_with("time_zone") {
                        Code::UnknownTimeZone
                    } else {
                        Code::InvalidField
                    },
                    field: v.field.clone(),
                    ids: Vec::new(),
                    message: v.description.clone(),
                    certificate: None,
                };
                finding_wire(&f, None)
            })
            .collect(),
        summary: None,
    }
}

/// A finding, with its certificate already on the wire.
fn finding_wire(f: &Finding, cert: Option<pb::CapacityCertificate>) -> pb::Finding {
    pb::Finding {
        severity: match f.severity {
            Severity::Error => pb::Severity::Error,
            Severity::Warning => pb::Severity::Warning,
            Severity::Info => pb::Severity::Info,
        } as i32,
        code: match f.code {
            Code::InvalidField => pb::FindingCode::InvalidField,
            Code::UnknownTimeZone => pb::FindingCode::UnknownTimeZone,
            Code::PinBreaksRule => pb::FindingCode::PinBreaksRule,
            Code::PinOverCapacity => pb::FindingCode::PinOverCapacity,
            Code::MinimumsInfeasible => pb::FindingCode::MinimumsInfeasible,
            Code::NoCandidate => pb::FindingCode::NoCandidate,
            Code::MentorWithoutCandidate => pb::FindingCode::MentorWithoutCandidate,
            Code::ZeroOverlap => pb::FindingCode::ZeroOverlap,
            Code::WeeksWithoutOverlap => pb::FindingCode::WeeksWithoutOverlap,
            Code::CapacityShortfall => pb::FindingCode::CapacityShortfall,
            Code::CoverageShortfall => pb::FindingCode::CoverageShortfall,
            Code::IdleCapacity => pb::FindingCode::IdleCapacity,
            Code::NotChecked => pb::FindingCode::NotChecked,
        } as i32,
        field: f.field.clone(),
        ids: f.ids.clone(),
        message: f.message.clone(),
        certificate: cert,
    }
}
