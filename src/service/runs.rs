//! The run store seen from the service: each answered call recorded (its
//! id in the `mentormatch-run-id` response header, so that response bodies
//! stay byte-identical for the same request), and `GetRun` / `ListRuns`.

use std::sync::Arc;

use tonic::{Code, Request, Response, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::store::{Method, RunFilter, RunRecord, Store, DEFAULT_PAGE, MAX_PAGE};
use crate::wire::pb;

/// The response header that carries a recorded call's run id.
pub const RUN_ID_HEADER: &str = "mentormatch-run-id";

/// The programme and cohort a request names, for its run.
pub(super) trait Programme {
    /// (programme id, cohort), empty when unnamed.
    fn programme(&self) -> (&str, &str);
}

fn of(r: Option<&pb::SolveRequest>) -> (&str, &str) {
    r.map_or(("", ""), |r| (&r.programme_id, &r.cohort))
}

impl Programme for pb::SolveRequest {
    fn programme(&self) -> (&str, &str) {
        of(Some(self))
    }
}

impl Programme for pb::WhatIfRequest {
    fn programme(&self) -> (&str, &str) {
        of(self.base.as_ref())
    }
}

impl Programme for pb::ValidateRequest {
    fn programme(&self) -> (&str, &str) {
        of(self.request.as_ref())
    }
}

impl Programme for pb::AlternativesRequest {
    fn programme(&self) -> (&str, &str) {
        of(self.request.as_ref())
    }
}

/// The programme and cohort a recorded what-if from a run belongs to
/// (its base's), carried to the recorder as a request extension.
#[derive(Debug, Clone)]
pub(super) struct RunProgramme(pub(super) String, pub(super) String);

/// A gRPC code as the spec spells it ("OK", "INVALID_ARGUMENT", …).
pub(super) fn code_name(code: Code) -> String {
    let debug = format!("{code:?}");
    let mut out = String::with_capacity(debug.len() + 4);
    for (i, ch) in debug.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_uppercase());
    }
    out
}

/// A call to record once it is answered.
pub(super) struct Pending {
    pub(super) run: RunRecord,
}

impl Pending {
    /// A call of `method` with request `q` from `caller`, of the programme
    /// and cohort `q` names (or `programme`'s: a what-if from a run).
    pub(super) fn new<Q: prost::Message + Programme>(
        method: Method,
        q: &Q,
        caller: &str,
        programme: Option<RunProgramme>,
    ) -> Self {
        let mut run = RunRecord::new(method, q.encode_to_vec(), caller);
        let (p, c) = q.programme();
        let (p, c) = programme.map_or_else(|| (p.to_string(), c.to_string()), |r| (r.0, r.1));
        run.programme_id = p;
        run.cohort = c;
        Pending { run }
    }

    /// Records the answer `result` (after `elapsed_ms`) in `store`; an
    /// answer that cannot be recorded becomes UNAVAILABLE (a programme
    /// relies on its runs being kept). Calls refused before they ran
    /// (RESOURCE_EXHAUSTED, UNAVAILABLE) are not runs.
    pub(super) async fn record<R: prost::Message>(
        mut self,
        store: &Arc<dyn Store>,
        result: Result<Response<R>, Status>,
        elapsed_ms: f64,
    ) -> Result<Response<R>, Status> {
        let code = result.as_ref().map_or_else(Status::code, |_| Code::Ok);
        if matches!(code, Code::ResourceExhausted | Code::Unavailable) {
            return result;
        }
        let run = &mut self.run;
        run.created_at = crate::store::now();
        run.status = code_name(code);
        run.elapsed_ms = elapsed_ms;
        match &result {
            Ok(resp) => run.response = resp.get_ref().encode_to_vec(),
            Err(status) => run.error = status.message().to_string(),
        }
        if let Err(e) = store.record(run).await {
            tracing::error!(run_id = %run.run_id, error = %e, "run not recorded");
            return Err(Status::unavailable(format!(
                "the answer could not be recorded in the run store ({e}); try again"
            )));
        }
        tracing::info!(run_id = %run.run_id, "run recorded");
        let mut resp = result?;
        if let Ok(v) = run.run_id.parse() {
            resp.metadata_mut().insert(RUN_ID_HEADER, v);
        }
        Ok(resp)
    }
}

/// A matching run: a Solve or Adopt answered OK, what what-ifs, adoptions
/// and decisions start from.
pub(super) fn need_matching(run: &RunRecord, field: &str) -> Result<(), Status> {
    if run.is_matching() {
        return Ok(());
    }
    Err(Status::failed_precondition(format!(
        "{field}: run {} is a {} answered {}, not a Solve or Adopt answered OK",
        run.run_id,
        run.method.name(),
        run.status
    )))
}

/// A what-if from a stored run names no base or baseline of its own.
pub(super) fn check_from_run(req: &pb::WhatIfRequest) -> Result<(), Status> {
    for (field, set) in [
        ("base", req.base.is_some()),
        ("baseline_pairs", !req.baseline_pairs.is_empty()),
        ("baseline_groups", !req.baseline_groups.is_empty()),
    ] {
        if set {
            return Err(invalid(
                field,
                "must be empty with base_run_id (the run gives it)".into(),
            ));
        }
    }
    Ok(())
}

/// The run id a recorded answer carries in its header.
pub(super) fn run_id_of<R>(resp: &Response<R>) -> Option<String> {
    let v = resp.metadata().get(RUN_ID_HEADER)?;
    Some(v.to_str().ok()?.to_string())
}

/// Fills a request's programme history from the store (see
/// [`crate::store::memory::fill`]; `also`: ids of people a what-if adds);
/// nothing without a store.
pub(super) async fn remember(
    store: Option<&Arc<dyn Store>>,
    req: Option<&mut pb::SolveRequest>,
    also: &[&str],
) -> Result<(), Status> {
    if let (Some(store), Some(req)) = (store, req) {
        crate::store::memory::fill(store.as_ref(), req, also)
            .await
            .map_err(store_status)?;
    }
    Ok(())
}

/// The ids of the people a what-if's scenarios add.
pub(super) fn added_people(req: &pb::WhatIfRequest) -> Vec<String> {
    use pb::edit::Edit as E;
    let id = |p: &Option<pb::Profile>| p.as_ref().map(|p| p.id.clone());
    req.scenarios
        .iter()
        .flat_map(|s| &s.edits)
        .filter_map(|e| match e.edit.as_ref()? {
            E::AddMentor(m) => id(&m.profile),
            E::AddMentee(m) => id(&m.profile),
            _ => None,
        })
        .collect()
}

pub(super) fn invalid(field: &str, why: String) -> Status {
    Status::with_error_details(
        Code::InvalidArgument,
        format!("{field}: {why}"),
        ErrorDetails::with_bad_request_violation(field, why),
    )
}

pub(super) fn store_status(e: crate::store::StoreError) -> Status {
    tracing::error!(error = %e, "run store");
    Status::unavailable(format!("run store: {e}"))
}

pub(super) fn need(store: Option<&Arc<dyn Store>>) -> Result<&Arc<dyn Store>, Status> {
    store.ok_or_else(|| {
        Status::failed_precondition(
            "this server keeps no run store (it was started with --no-store)",
        )
    })
}

/// `GetRun`.
pub(super) async fn get_run(
    store: Option<&Arc<dyn Store>>,
    request: Request<pb::GetRunRequest>,
) -> Result<Response<pb::Run>, Status> {
    let store = need(store)?;
    let id = &request.get_ref().run_id;
    if id.is_empty() {
        return Err(invalid("run_id", "required".into()));
    }
    let run = store.get(id).await.map_err(store_status)?;
    let run = run.ok_or_else(|| Status::not_found(format!("no run {id:?}")))?;
    Ok(Response::new(run.to_pb(true).map_err(store_status)?))
}

/// `ListRuns`: newest first; the page token is the last run id of the
/// previous page.
pub(super) async fn list_runs(
    store: Option<&Arc<dyn Store>>,
    request: Request<pb::ListRunsRequest>,
) -> Result<Response<pb::ListRunsResponse>, Status> {
    let store = need(store)?;
    let q = request.into_inner();
    let size = match q.page_size {
        0 => DEFAULT_PAGE,
        n => n.min(MAX_PAGE),
    };
    let before = (!q.page_token.is_empty()).then_some(q.page_token.as_str());
    if let Some(t) = before {
        if uuid::Uuid::try_parse(t).is_err() {
            return Err(invalid(
                "page_token",
                format!("{t:?} is not a token from ListRuns"),
            ));
        }
    }
    let filter = RunFilter {
        programme_id: q.programme_id,
        cohort: q.cohort,
    };
    let mut runs = store
        .list(&filter, size + 1, before)
        .await
        .map_err(store_status)?;
    let more = runs.len() > size as usize;
    runs.truncate(size as usize);
    let next_page_token = match (more, runs.last()) {
        (true, Some(last)) => last.run_id.clone(),
        _ => String::new(),
    };
    let runs = runs
        .iter()
        .map(|r| r.to_pb(false))
        .collect::<Result<_, _>>()
        .map_err(store_status)?;
    Ok(Response::new(pb::ListRunsResponse {
        runs,
        next_page_token,
    }))
}

#[cfg(test)]
mod tests {
    use super::code_name;
    use tonic::Code;

    #[test]
    fn codes_are_spelled_as_in_the_spec() {
        assert_eq!(code_name(Code::Ok), "OK");
        assert_eq!(code_name(Code::InvalidArgument), "INVALID_ARGUMENT");
        assert_eq!(code_name(Code::DeadlineExceeded), "DEADLINE_EXCEEDED");
    }
}
