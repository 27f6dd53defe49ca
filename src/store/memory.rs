//! A programme's memory for a new solve: its declined pairs and the pairs
//! of its other cohorts' current (adopted) matchings, as the request's
//! `history` (see `policy.memory` in the proto for how they count).

use std::collections::HashSet;

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
    let refused: HashSet<(&str, &str)> = declined
        .iter()
        .filter(|d| !d.membership)
        .map(|d| (d.mentor_id.as_str(), d.mentee_id.as_str()))
        .collect();
    let refused = |m: &str, e: &str| refused.contains(&(m, e));
    let earlier_pairs = store
        .adopted_pairs(programme_id)
        .await?
        .into_iter()
        .filter(|(c, m, e)| c != cohort && !refused(m, e))
        .map(|(cohort, mentor_id, mentee_id)| pb::EarlierPair {
            mentor_id,
            mentee_id,
            cohort,
        })
        .collect();
    Ok(pb::ProgrammeHistory {
        declined,
        earlier_pairs,
    })
}

/// Adds the store's history of the request's programme to `req.history`
/// (what the request already carries stays first; entries it has are not
/// repeated), unless the request names no programme or opts out
/// (`policy.memory.ignore_store`). A stored run's request thus gains the
/// declines recorded since it was solved. Returns whether anything was added.
///
/// Only entries about the request's people (and the ids in `also`, e.g. the
/// people a what-if's scenarios add) are added: declines between two of
/// them, earlier pairs of their mentors (a mentor's load counts every
/// earlier mentee).
pub async fn fill(
    store: &dyn Store,
    req: &mut pb::SolveRequest,
    also: &[&str],
) -> Result<bool, StoreError> {
    Ok(match found_for(store, req, also).await? {
        Some(found) => merge(&mut req.history, found),
        None => false,
    })
}

/// Whether [`fill`] would add anything to `req` (which stays as it is).
pub async fn adds_history(
    store: &dyn Store,
    req: &pb::SolveRequest,
    also: &[&str],
) -> Result<bool, StoreError> {
    Ok(match found_for(store, req, also).await? {
        Some(found) => merge(&mut req.history.clone(), found),
        None => false,
    })
}

/// The store's history about `req`'s people (see [`fill`]); `None` when
/// the request names no programme or opts out.
async fn found_for(
    store: &dyn Store,
    req: &pb::SolveRequest,
    also: &[&str],
) -> Result<Option<pb::ProgrammeHistory>, StoreError> {
    let opted_out = req
        .policy
        .as_ref()
        .and_then(|p| p.memory.as_ref())
        .is_some_and(|m| m.ignore_store);
    if req.programme_id.is_empty() || opted_out {
        return Ok(None);
    }
    let mut found = history(store, &req.programme_id, &req.cohort).await?;
    fn id(p: &Option<pb::Profile>) -> Option<&str> {
        p.as_ref().map(|p| p.id.as_str())
    }
    let people: HashSet<&str> = (req.mentors.iter().filter_map(|m| id(&m.profile)))
        .chain(req.mentees.iter().filter_map(|e| id(&e.profile)))
        .chain(also.iter().copied())
        .collect();
    found
        .declined
        .retain(|d| people.contains(d.mentor_id.as_str()) && people.contains(d.mentee_id.as_str()));
    found
        .earlier_pairs
        .retain(|x| people.contains(x.mentor_id.as_str()));
    Ok(Some(found))
}

/// `into` with the entries of `more` it lacks appended; whether any were.
fn merge(into: &mut Option<pb::ProgrammeHistory>, more: pb::ProgrammeHistory) -> bool {
    if more.declined.is_empty() && more.earlier_pairs.is_empty() {
        return false;
    }
    let h = into.get_or_insert_with(Default::default);
    let before = (h.declined.len(), h.earlier_pairs.len());
    let mut seen: HashSet<(String, String, bool)> = h
        .declined
        .iter()
        .map(|x| (x.mentor_id.clone(), x.mentee_id.clone(), x.membership))
        .collect();
    for d in more.declined {
        if seen.insert((d.mentor_id.clone(), d.mentee_id.clone(), d.membership)) {
            h.declined.push(d);
        }
    }
    let mut seen: HashSet<(String, String, String)> = h
        .earlier_pairs
        .iter()
        .map(|x| (x.mentor_id.clone(), x.mentee_id.clone(), x.cohort.clone()))
        .collect();
    for e in more.earlier_pairs {
        if seen.insert((e.mentor_id.clone(), e.mentee_id.clone(), e.cohort.clone())) {
            h.earlier_pairs.push(e);
        }
    }
    (h.declined.len(), h.earlier_pairs.len()) != before
}
