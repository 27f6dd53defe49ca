//! A programme's life in the store: adoptions (the current matching of a
//! cohort), decisions on its pairs and memberships, its audit trail, and
//! the erasure of a person or of the whole programme. Each handler checks
//! its request (field violations as INVALID_ARGUMENT with BadRequest) and
//! leaves the transactions to the store.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use prost::Message;
use tonic::Status;

use crate::error::{Error, FieldViolation};
use crate::store::{
    erase, DecisionKind, DecisionRecord, Method, RunRecord, Store, DEFAULT_PAGE, MAX_PAGE,
};
use crate::wire::pb;

use super::runs::{invalid, need, need_matching, store_status};
use super::status_from_error;
use super::whatif;

/// Most decisions in one call.
pub(super) const MAX_DECISIONS: usize = 10_000;

/// A stored run, or NOT_FOUND naming `field`.
async fn run_named(store: &dyn Store, field: &str, id: &str) -> Result<RunRecord, Status> {
    if id.is_empty() {
        return Err(invalid(field, "required".into()));
    }
    let run = store.get(id).await.map_err(store_status)?;
    run.ok_or_else(|| Status::not_found(format!("{field}: no run {id:?}")))
}

/// A matching run of a named programme.
fn need_named_matching(run: &RunRecord, field: &str) -> Result<(), Status> {
    need_matching(run, field)?;
    need_programme(run, field)
}

fn need_programme(run: &RunRecord, field: &str) -> Result<(), Status> {
    if run.programme_id.is_empty() {
        return Err(Status::failed_precondition(format!(
            "{field}: run {} names no programme (SolveRequest.programme_id)",
            run.run_id
        )));
    }
    Ok(())
}

/// `AdoptMatching`: the adopted request and response recorded as a run.
pub(super) async fn adopt<F, Fut>(
    store: Option<&Arc<dyn Store>>,
    caller: &str,
    q: pb::AdoptMatchingRequest,
    again: F,
) -> Result<pb::Run, Status>
where
    F: FnOnce(pb::WhatIfRequest) -> Fut,
    Fut: std::future::Future<Output = Result<pb::WhatIfResponse, Status>>,
{
    let store = need(store)?;
    let t0 = std::time::Instant::now();
    let source = run_named(store.as_ref(), "run_id", &q.run_id).await?;
    let (request, response) = match source.method {
        Method::Solve | Method::Adopt => {
            need_named_matching(&source, "run_id")?;
            if !q.scenario.is_empty() {
                return Err(invalid(
                    "scenario",
                    format!(
                        "{:?}: a {} run has no scenarios",
                        q.scenario,
                        source.method.name()
                    ),
                ));
            }
            (source.request.clone(), source.response.clone())
        }
        Method::WhatIf if source.status == "OK" => {
            need_programme(&source, "run_id")?;
            scenario_of(store.as_ref(), &source, &q.scenario, again).await?
        }
        _ => {
            return Err(Status::failed_precondition(format!(
                "run_id: run {} is a {} answered {}; adopt a Solve or WhatIf answered OK",
                source.run_id,
                source.method.name(),
                source.status
            )))
        }
    };
    let mut run = RunRecord::new(Method::Adopt, request, caller);
    run.programme_id = source.programme_id.clone();
    run.cohort = source.cohort.clone();
    run.status = "OK".into();
    run.response = response;
    run.adopted_run_id = source.run_id.clone();
    run.adopted_scenario = q.scenario.clone();
    run.elapsed_ms = t0.elapsed().as_secs_f64() * 1000.0;
    store.record(&run).await.map_err(store_status)?;
    tracing::info!(run_id = %run.run_id, adopted = %source.run_id, "matching adopted");
    run.to_pb(false).map_err(store_status)
}

/// A WhatIf run's scenario as a Solve request and response (encoded). A
/// what-if recorded from a run is expanded on that run (which must still
/// hold the request it had); a scenario answered in the CHANGES view is
/// answered again in full by `again` (the same answer: it is determined by
/// the request).
async fn scenario_of<F, Fut>(
    store: &dyn Store,
    run: &RunRecord,
    name: &str,
    again: F,
) -> Result<(Vec<u8>, Vec<u8>), Status>
where
    F: FnOnce(pb::WhatIfRequest) -> Fut,
    Fut: std::future::Future<Output = Result<pb::WhatIfResponse, Status>>,
{
    let corrupt = |e: prost::DecodeError| {
        store_status(crate::store::StoreError::Corrupt {
            run_id: run.run_id.clone(),
            why: e.to_string(),
        })
    };
    let mut req = pb::WhatIfRequest::decode(&run.request[..]).map_err(corrupt)?;
    let resp = pb::WhatIfResponse::decode(&run.response[..]).map_err(corrupt)?;
    let named: Vec<usize> = (0..req.scenarios.len())
        .filter(|&k| name.is_empty() || req.scenarios[k].name == name)
        .collect();
    let k = match named[..] {
        [k] => k,
        [] => {
            let names: Vec<&str> = req.scenarios.iter().map(|s| s.name.as_str()).collect();
            return Err(invalid(
                "scenario",
                format!(
                    "{name:?} is not a scenario of run {} ({names:?})",
                    run.run_id
                ),
            ));
        }
        _ => {
            return Err(invalid(
                "scenario",
                format!(
                    "{name:?} names {} scenarios of run {}: name one",
                    named.len(),
                    run.run_id
                ),
            ))
        }
    };
    if !req.base_run_id.is_empty() {
        let base = whatif::load(store, &req.base_run_id, "base_run_id")
            .await?
            .into();
        whatif::check_pinned(&req, &base)?;
        whatif::expand(&mut req, &base);
    }
    let solved = crate::api::scenario_request(&req, k).map_err(|e| status_from_error(&e))?;
    let missing = || {
        store_status(crate::store::StoreError::Corrupt {
            run_id: run.run_id.clone(),
            why: format!("no result for scenario {k}"),
        })
    };
    let result = if req.view == pb::WhatIfView::Changes as i32 {
        let mut whole = req.clone();
        whole.scenarios = vec![req.scenarios[k].clone()];
        whole.view = pb::WhatIfView::Full as i32;
        let answer = again(whole).await?;
        let r = answer.results.into_iter().next();
        r.and_then(|r| r.response).ok_or_else(missing)?
    } else {
        let r = resp.results.into_iter().nth(k);
        r.and_then(|r| r.response).ok_or_else(missing)?
    };
    Ok((solved.encode_to_vec(), result.encode_to_vec()))
}

/// `GetCurrentMatching`.
pub(super) async fn current(
    store: Option<&Arc<dyn Store>>,
    q: pb::GetCurrentMatchingRequest,
) -> Result<pb::Run, Status> {
    let store = need(store)?;
    if q.programme_id.is_empty() {
        return Err(invalid("programme_id", "required".into()));
    }
    let runs = store
        .adopted(&q.programme_id, Some(&q.cohort))
        .await
        .map_err(store_status)?;
    let run = runs.into_iter().next().ok_or_else(|| {
        Status::not_found(format!(
            "no matching adopted for programme {:?}, cohort {:?}",
            q.programme_id, q.cohort
        ))
    })?;
    run.to_pb(true).map_err(store_status)
}

/// `RecordDecisions`: every decision checked against the matching, then
/// all stored in one transaction.
pub(super) async fn decide(
    store: Option<&Arc<dyn Store>>,
    caller: &str,
    q: pb::RecordDecisionsRequest,
    max_reason_chars: usize,
) -> Result<pb::RecordDecisionsResponse, Status> {
    let store = need(store)?;
    let run = run_named(store.as_ref(), "run_id", &q.run_id).await?;
    need_named_matching(&run, "run_id")?;
    let (_, resp) = run.matching().map_err(store_status)?;
    let records = check_decisions(&run, &resp, &q.decisions, caller, max_reason_chars)
        .map_err(|v| status_from_error(&Error::InvalidArgument(v)))?;
    let stored = store.decide(records).await.map_err(store_status)?;
    tracing::info!(run_id = %run.run_id, decisions = stored.len(), "decisions recorded");
    Ok(pb::RecordDecisionsResponse {
        recorded: stored.iter().map(DecisionRecord::to_pb).collect(),
    })
}

/// The decisions as records, or every violation (field path and value).
fn check_decisions(
    run: &RunRecord,
    resp: &pb::SolveResponse,
    decisions: &[pb::Decision],
    caller: &str,
    max_reason_chars: usize,
) -> Result<Vec<DecisionRecord>, Vec<FieldViolation>> {
    let pairs: BTreeSet<(&str, &str)> = resp
        .pairs
        .iter()
        .map(|p| (p.mentor_id.as_str(), p.mentee_id.as_str()))
        .collect();
    let members: BTreeSet<(&str, &str)> = resp
        .groups
        .iter()
        .filter_map(|g| Some((g.mentor_ids.first()?.as_str(), g)))
        .flat_map(|(lead, g)| g.member_ids.iter().map(move |e| (lead, e.as_str())))
        .collect();
    let mut bad = Vec::new();
    if decisions.is_empty() {
        bad.push(FieldViolation::new("decisions", "no decisions"));
    }
    if decisions.len() > MAX_DECISIONS {
        bad.push(FieldViolation::new(
            "decisions",
            format!(
                "{} decisions exceed the limit of {MAX_DECISIONS}",
                decisions.len()
            ),
        ));
        return Err(bad);
    }
    let today = crate::store::now().date_naive();
    let mut out = Vec::with_capacity(decisions.len());
    for (k, d) in decisions.iter().enumerate() {
        let f = |name: &str| format!("decisions[{k}].{name}");
        let kind = DecisionKind::from_pb(d.kind);
        if kind.is_none() {
            bad.push(FieldViolation::new(
                f("kind"),
                format!("{} is not ACCEPTED, DECLINED or ENDED_EARLY", d.kind),
            ));
        }
        let set = if d.membership { &members } else { &pairs };
        if !set.contains(&(d.mentor_id.as_str(), d.mentee_id.as_str())) {
            let what = if d.membership {
                "a group membership (lead mentor, mentee)"
            } else {
                "a pair"
            };
            bad.push(FieldViolation::new(
                f("mentee_id"),
                format!(
                    "({:?}, {:?}) is not {what} of run {}",
                    d.mentor_id, d.mentee_id, run.run_id
                ),
            ));
        }
        // A reason becomes part of later requests' history: it meets the
        // same rules as any text of a request.
        if d.reason.chars().count() > max_reason_chars {
            bad.push(FieldViolation::new(
                f("reason"),
                format!("longer than {max_reason_chars} characters"),
            ));
        } else if d.reason.chars().any(char::is_control) {
            bad.push(FieldViolation::new(
                f("reason"),
                "contains control characters (a line break?): write it on one line",
            ));
        }
        if kind == Some(DecisionKind::Declined) && d.reason.trim().is_empty() {
            bad.push(FieldViolation::new(f("reason"), "required when declined"));
        }
        let date = match (d.date.as_str(), kind) {
            ("", Some(DecisionKind::EndedEarly)) => {
                bad.push(FieldViolation::new(f("date"), "required when ended early"));
                None
            }
            ("", _) => Some(today),
            (s, _) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(day) => Some(day),
                Err(_) => {
                    bad.push(FieldViolation::new(
                        f("date"),
                        format!("{s:?} is not a date \"YYYY-MM-DD\""),
                    ));
                    None
                }
            },
        };
        if let (Some(kind), Some(decided_on)) = (kind, date) {
            out.push(DecisionRecord {
                decision_id: 0,
                programme_id: run.programme_id.clone(),
                cohort: run.cohort.clone(),
                run_id: run.run_id.clone(),
                mentor_id: d.mentor_id.clone(),
                mentee_id: d.mentee_id.clone(),
                membership: d.membership,
                kind,
                reason: d.reason.clone(),
                decided_on,
                recorded_at: crate::store::now(),
                caller: caller.to_string(),
            });
        }
    }
    if bad.is_empty() {
        Ok(out)
    } else {
        Err(bad)
    }
}

/// `ListDecisions`.
pub(super) async fn decisions(
    store: Option<&Arc<dyn Store>>,
    q: pb::ListDecisionsRequest,
) -> Result<pb::ListDecisionsResponse, Status> {
    let store = need(store)?;
    if q.programme_id.is_empty() {
        return Err(invalid("programme_id", "required".into()));
    }
    let list = store
        .decisions(&q.programme_id, &q.cohort)
        .await
        .map_err(store_status)?;
    Ok(pb::ListDecisionsResponse {
        decisions: list.iter().map(DecisionRecord::to_pb).collect(),
    })
}

/// `ListEvents`: oldest first; the page token is the last event id.
pub(super) async fn events(
    store: Option<&Arc<dyn Store>>,
    q: pb::ListEventsRequest,
) -> Result<pb::ListEventsResponse, Status> {
    let store = need(store)?;
    if q.programme_id.is_empty() {
        return Err(invalid("programme_id", "required".into()));
    }
    let size = match q.page_size {
        0 => DEFAULT_PAGE,
        n => n.min(MAX_PAGE),
    };
    let after = match q.page_token.as_str() {
        "" => 0,
        t => t.parse::<i64>().map_err(|_| {
            invalid(
                "page_token",
                format!("{t:?} is not a token from ListEvents"),
            )
        })?,
    };
    let mut list = store
        .events(&q.programme_id, size + 1, after)
        .await
        .map_err(store_status)?;
    let more = list.len() > size as usize;
    list.truncate(size as usize);
    let next_page_token = match (more, list.last()) {
        (true, Some(last)) => last.event_id.to_string(),
        _ => String::new(),
    };
    Ok(pb::ListEventsResponse {
        events: list.iter().map(|e| e.to_pb()).collect(),
        next_page_token,
    })
}

/// `ErasePerson`.
pub(super) async fn erase_person(
    store: Option<&Arc<dyn Store>>,
    caller: &str,
    q: pb::ErasePersonRequest,
) -> Result<pb::ErasePersonResponse, Status> {
    let store = need(store)?;
    if q.person_id.is_empty() {
        return Err(invalid("person_id", "required".into()));
    }
    let counts = erase::erase_person(store.as_ref(), &q.programme_id, &q.person_id, caller)
        .await
        .map_err(store_status)?;
    tracing::info!(person_id = %q.person_id, runs = counts.runs, decisions = counts.decisions, "person erased");
    Ok(pb::ErasePersonResponse {
        runs_rewritten: counts.runs,
        decisions_rewritten: counts.decisions,
    })
}

/// `DeleteProgramme`.
pub(super) async fn delete_programme(
    store: Option<&Arc<dyn Store>>,
    caller: &str,
    q: pb::DeleteProgrammeRequest,
) -> Result<pb::DeleteProgrammeResponse, Status> {
    let store = need(store)?;
    if q.programme_id.is_empty() {
        return Err(invalid("programme_id", "required".into()));
    }
    let counts = store
        .delete_programme(&q.programme_id, caller)
        .await
        .map_err(store_status)?;
    tracing::info!(programme_id = %q.programme_id, runs = counts.runs, "programme deleted");
    Ok(pb::DeleteProgrammeResponse {
        runs_deleted: counts.runs,
        decisions_deleted: counts.decisions,
        events_deleted: counts.events,
    })
}
