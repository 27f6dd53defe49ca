//! A run as stored, its listing filter, the [`Store`] trait and its errors.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use prost::Message;
use sha2::{Digest, Sha256};

use super::row::{Columns, StoreError};
use crate::wire::pb;

/// Which RPC a run answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `Solve`.
    Solve,
    /// `WhatIf`.
    WhatIf,
    /// `Validate`.
    Validate,
    /// `AdoptMatching`: a Solve request and response made current.
    Adopt,
}

impl Method {
    /// The RPC's name, as stored.
    pub fn name(self) -> &'static str {
        match self {
            Method::Solve => "Solve",
            Method::WhatIf => "WhatIf",
            Method::Validate => "Validate",
            Method::Adopt => "Adopt",
        }
    }

    fn parse(s: &str) -> Option<Method> {
        [
            Method::Solve,
            Method::WhatIf,
            Method::Validate,
            Method::Adopt,
        ]
        .into_iter()
        .find(|m| m.name() == s)
    }
}

/// One recorded run. `request` and `response` are protobuf; `response` is
/// empty unless `status` is "OK" (and both are empty in listings).
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// Time-ordered id (UUID v7).
    pub run_id: String,
    /// The RPC.
    pub method: Method,
    /// From the request; may be empty.
    pub programme_id: String,
    /// From the request; may be empty.
    pub cohort: String,
    /// When the call was answered.
    pub created_at: DateTime<Utc>,
    /// The caller's token name, or "anonymous".
    pub caller: String,
    /// Hex SHA-256 of `request`.
    pub request_sha256: String,
    /// gRPC code name of the answer ("OK", "INVALID_ARGUMENT", …).
    pub status: String,
    /// The status message when not OK.
    pub error: String,
    /// The version of mentormatch that answered.
    pub engine_version: String,
    /// Admission to answer, milliseconds.
    pub elapsed_ms: f64,
    /// The request's protobuf encoding.
    pub request: Vec<u8>,
    /// The response's protobuf encoding (empty unless OK).
    pub response: Vec<u8>,
    /// An Adopt run: the run it adopted.
    pub adopted_run_id: String,
    /// An Adopt run of a WhatIf: the scenario's name.
    pub adopted_scenario: String,
}

impl RunRecord {
    /// A new run (a fresh id, now) of `method` answering `request`.
    pub fn new(method: Method, request: Vec<u8>, caller: &str) -> Self {
        RunRecord {
            run_id: uuid::Uuid::now_v7().to_string(),
            method,
            programme_id: String::new(),
            cohort: String::new(),
            created_at: now(),
            caller: caller.to_string(),
            request_sha256: hex_sha256(&request),
            status: String::new(),
            error: String::new(),
            engine_version: env!("CARGO_PKG_VERSION").to_string(),
            elapsed_ms: 0.0,
            request,
            response: Vec::new(),
            adopted_run_id: String::new(),
            adopted_scenario: String::new(),
        }
    }

    /// Whether this run's bodies are a SolveRequest and a SolveResponse (a
    /// Solve or an Adopt run): a matching that what-ifs and decisions start from.
    pub fn is_matching(&self) -> bool {
        matches!(self.method, Method::Solve | Method::Adopt) && self.status == "OK"
    }

    /// The event this run writes in its programme's log: kind and detail
    /// (an Adopt run is an adoption).
    pub(super) fn event(&self) -> (&'static str, String) {
        match self.method {
            Method::Adopt => ("adoption", format!("adopted run {}", self.adopted_run_id)),
            m => ("run", format!("{} {}", m.name(), self.status)),
        }
    }

    /// An answered Adopt run's pairs (mentor, mentee), in response order;
    /// none for other runs.
    pub(super) fn adopted_pairs(&self) -> Result<Vec<(String, String)>, StoreError> {
        if self.method != Method::Adopt || self.status != "OK" {
            return Ok(Vec::new());
        }
        let (_, resp) = self.matching()?;
        Ok(resp
            .pairs
            .into_iter()
            .map(|p| (p.mentor_id, p.mentee_id))
            .collect())
    }

    /// A matching run's request and response, decoded.
    pub fn matching(&self) -> Result<(pb::SolveRequest, pb::SolveResponse), StoreError> {
        let corrupt = |why: String| StoreError::Corrupt {
            run_id: self.run_id.clone(),
            why,
        };
        if !self.is_matching() {
            return Err(corrupt(format!(
                "a {} answered {} is not a matching",
                self.method.name(),
                self.status
            )));
        }
        let req = Message::decode(&self.request[..]).map_err(|e| corrupt(e.to_string()))?;
        let resp = Message::decode(&self.response[..]).map_err(|e| corrupt(e.to_string()))?;
        Ok((req, resp))
    }

    /// The run as the API shows it; with its request and response decoded
    /// when `bodies`.
    pub fn to_pb(&self, bodies: bool) -> Result<pb::Run, StoreError> {
        let mut run = pb::Run {
            run_id: self.run_id.clone(),
            method: self.method.name().to_string(),
            programme_id: self.programme_id.clone(),
            cohort: self.cohort.clone(),
            create_time: self.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            caller: self.caller.clone(),
            request_sha256: self.request_sha256.clone(),
            status: self.status.clone(),
            error: self.error.clone(),
            engine_version: self.engine_version.clone(),
            elapsed_ms: self.elapsed_ms,
            request: None,
            response: None,
            adopted_run_id: self.adopted_run_id.clone(),
            adopted_scenario: self.adopted_scenario.clone(),
        };
        if bodies {
            self.decode_bodies(&mut run)?;
        }
        Ok(run)
    }

    fn decode_bodies(&self, run: &mut pb::Run) -> Result<(), StoreError> {
        use pb::run::{Request as Q, Response as R};
        let corrupt = |e: prost::DecodeError| StoreError::Corrupt {
            run_id: self.run_id.clone(),
            why: e.to_string(),
        };
        let (req, resp) = (&self.request[..], &self.response[..]);
        let answered = !resp.is_empty();
        match self.method {
            Method::Solve | Method::Adopt => {
                run.request = Some(Q::SolveRequest(Message::decode(req).map_err(corrupt)?));
                if answered {
                    run.response = Some(R::SolveResponse(Message::decode(resp).map_err(corrupt)?));
                }
            }
            Method::WhatIf => {
                run.request = Some(Q::WhatIfRequest(Message::decode(req).map_err(corrupt)?));
                if answered {
                    run.response = Some(R::WhatIfResponse(Message::decode(resp).map_err(corrupt)?));
                }
            }
            Method::Validate => {
                run.request = Some(Q::ValidateRequest(Message::decode(req).map_err(corrupt)?));
                if answered {
                    run.response =
                        Some(R::ValidateResponse(Message::decode(resp).map_err(corrupt)?));
                }
            }
        }
        Ok(())
    }
}

/// Now, to the microsecond that both backends keep.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Lowercase hex SHA-256 of `bytes`: a run's `request_sha256` of its encoded request.
pub fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A run from its row; with its request and response when `bodies`.
pub(super) fn from_row(row: &impl Columns, bodies: bool) -> Result<RunRecord, StoreError> {
    let run_id = row.text("run_id")?;
    let method = row.text("method")?;
    let body = |name: &str| -> Result<Vec<u8>, StoreError> {
        Ok(match bodies {
            true => row.bytes(name)?.unwrap_or_default(),
            false => Vec::new(),
        })
    };
    Ok(RunRecord {
        method: Method::parse(&method).ok_or_else(|| StoreError::Corrupt {
            run_id: run_id.clone(),
            why: format!("unknown method {method:?}"),
        })?,
        programme_id: row.text("programme_id")?,
        cohort: row.text("cohort")?,
        created_at: row.time("created_at")?,
        caller: row.text("caller")?,
        request_sha256: row.text("request_sha256")?,
        status: row.text("status")?,
        error: row.text("error")?,
        engine_version: row.text("engine_version")?,
        elapsed_ms: row.real("elapsed_ms")?,
        request: body("request")?,
        response: body("response")?,
        adopted_run_id: row.text("adopted_run_id")?,
        adopted_scenario: row.text("adopted_scenario")?,
        run_id,
    })
}
