//! A programme's memory for a new solve: its declined pairs and the pairs
//! of its other cohorts' current (adopted) matchings, as the request's
//! `history` (see `policy.memory` in the proto for how they count).

use super::contract::Store;
use super::decision::DecisionKind;
use super::row::StoreError;
use crate::wire::pb;

/// The history of `programme_id` for a solve of `cohort`: every decline
/// of the programme (oldest first), and the pairs of each other cohort's
/// latest adoption (by cohort, in response order) that were not declined.
pub async fn history(
    store: &dyn Store,
    programme_id: &str,
    cohort: &str,
) -> Result<pb::ProgrammeHistory, StoreError> {
    let declined: Vec<pb::DeclinedPair> = store
        .decisions(programme_id, "")
        .await?
        .into_iter()
        .filter(|d| d.kind == DecisionKind::Declined)
        .map(|d| pb::DeclinedPair {
            mentor_id: d.mentor_id,
            mentee_id: d.mentee_id,
            membership: d.membership,
            date: d.decided_on.to_string(),
            reason: d.reason,
            cohort: d.cohort,
        })
        .collect();
    let refused = |m: &str, e: &str| {
        declined
            .iter()
            .any(|d| !d.membership && d.mentor_id == m && d.mentee_id == e)
    };
    let mut earlier_pairs = Vec::new();
    for run in store.adopted(programme_id, None).await? {
        if run.cohort == cohort {
            continue;
        }
        let (_, resp) = run.matching()?;
        for p in resp.pairs {
            if !refused(&p.mentor_id, &p.mentee_id) {
                earlier_pairs.push(pb::EarlierPair {
                    mentor_id: p.mentor_id,
                    mentee_id: p.mentee_id,
                    cohort: run.cohort.clone(),
                });
            }
        }
    }
    Ok(pb::ProgrammeHistory {
        declined,
        earlier_pairs,
    })
}

/// Fills `req.history` from the store when the request names a programme,
/// carries no history of its own and does not opt out
/// (`policy.memory.ignore_store`). Returns whether it did.
pub async fn fill(store: &dyn Store, req: &mut pb::SolveRequest) -> Result<bool, StoreError> {
    let opted_out = req
        .policy
        .as_ref()
        .and_then(|p| p.memory.as_ref())
        .is_some_and(|m| m.ignore_store);
    if req.programme_id.is_empty() || req.history.is_some() || opted_out {
        return Ok(false);
    }
    let h = history(store, &req.programme_id, &req.cohort).await?;
    let any = !h.declined.is_empty() || !h.earlier_pairs.is_empty();
    if any {
        req.history = Some(h);
    }
    Ok(any)
}
