//! `WhatIf` from a stored run (`base_run_id`): the base taken from the
//! cache of scored bases or read from the store, never copied into the
//! request. When the store's programme history adds nothing to the base,
//! the request is recorded as sent, with the base's request hash pinned
//! (`base_request_sha256`): a few hundred bytes, and an adoption can
//! answer it again exactly. When history was recorded since the run, the
//! base is expanded into the request with the history merged, and that is
//! what the run records.

use std::sync::Arc;

use tonic::{Request, Status};

use crate::api::{Base, ScoredBase};
use crate::store::Store;
use crate::wire::pb;

use super::bases::Cached;
use super::runs::{need_matching, store_status, RunProgramme};

/// A stored Solve or Adopt run as a what-if base.
#[derive(Debug, Clone)]
pub(super) enum RunBase {
    /// From the cache, with its scores.
    Cached(Arc<Cached>),
    /// Read from the store.
    Loaded(Arc<Loaded>),
}

/// A base read from the store.
#[derive(Debug)]
pub(super) struct Loaded {
    request_sha256: String,
    request: pb::SolveRequest,
    pairs: Vec<pb::PairRef>,
    groups: Vec<pb::GroupRef>,
}

impl RunBase {
    /// The base's request, pairs and groups.
    pub(super) fn base(&self) -> Base<'_> {
        match self {
            RunBase::Cached(c) => Base {
                request: c.scored.request(),
                pairs: &c.baseline_pairs,
                groups: &c.baseline_groups,
            },
            RunBase::Loaded(l) => Base {
                request: &l.request,
                pairs: &l.pairs,
                groups: &l.groups,
            },
        }
    }

    /// The run's request hash.
    pub(super) fn request_sha256(&self) -> &str {
        match self {
            RunBase::Cached(c) => &c.request_sha256,
            RunBase::Loaded(l) => &l.request_sha256,
        }
    }

    /// The base's scores, when cached.
    pub(super) fn scored(&self) -> Option<&ScoredBase> {
        match self {
            RunBase::Cached(c) => Some(&c.scored),
            RunBase::Loaded(_) => None,
        }
    }
}

/// Run `id` read from the store as a what-if base (`field` names the
/// request field for errors).
pub(super) async fn load(store: &dyn Store, id: &str, field: &str) -> Result<Loaded, Status> {
    let run = store.get(id).await.map_err(store_status)?;
    let run = run.ok_or_else(|| Status::not_found(format!("{field}: no run {id:?}")))?;
    need_matching(&run, field)?;
    let (request, resp) = run.matching().map_err(store_status)?;
    Ok(Loaded {
        request_sha256: run.request_sha256.clone(),
        request,
        pairs: crate::api::baseline_pairs(&resp),
        groups: crate::api::baseline_groups(&resp),
    })
}

impl From<Loaded> for RunBase {
    fn from(l: Loaded) -> Self {
        RunBase::Loaded(Arc::new(l))
    }
}

/// A pinned base hash that is not the run's any more.
pub(super) fn check_pinned(req: &pb::WhatIfRequest, base: &RunBase) -> Result<(), Status> {
    let pinned = &req.base_request_sha256;
    if pinned.is_empty() || pinned == base.request_sha256() {
        return Ok(());
    }
    Err(Status::failed_precondition(format!(
        "base_request_sha256: run {} now holds request {} (changed since, e.g. by an \
         erasure), not {pinned}",
        req.base_run_id,
        base.request_sha256()
    )))
}

/// `req` with its base expanded inline: the self-contained request a
/// what-if from a run is recorded as when history must be merged.
pub(super) fn expand(req: &mut pb::WhatIfRequest, base: &RunBase) {
    let b = base.base();
    req.base_run_id.clear();
    req.base_request_sha256.clear();
    req.base = Some(b.request.clone());
    req.baseline_pairs = b.pairs.to_vec();
    req.baseline_groups = b.groups.to_vec();
}

/// Marks `request` (recorded as sent) with its base's programme.
pub(super) fn mark<T>(request: &mut Request<T>, base: &RunBase) {
    let r = base.base().request;
    request
        .extensions_mut()
        .insert(RunProgramme(r.programme_id.clone(), r.cohort.clone()));
}
