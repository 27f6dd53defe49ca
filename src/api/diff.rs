//! Exact diffs between a baseline and a response, on ids: one comparison
//! for pairs (mentee → mentor) and group memberships (mentee → lead).

use std::collections::BTreeMap;

use crate::model::from_milli;
use crate::wire::pb;

/// (lead mentor id, member id) of every baseline group membership.
pub(crate) fn baseline_memberships(groups: &[pb::GroupRef]) -> impl Iterator<Item = (&str, &str)> {
    groups.iter().flat_map(|g| {
        let lead = g.mentor_ids.first().map_or("", String::as_str);
        g.member_ids.iter().map(move |e| (lead, e.as_str()))
    })
}

/// The exact difference between baseline memberships and a response's
/// groups, a membership being (mentee, lead mentor).
pub(crate) fn membership_diff(
    baseline: &[pb::GroupRef],
    resp: &pb::SolveResponse,
) -> pb::MembershipDiff {
    let before: BTreeMap<&str, &str> = baseline_memberships(baseline)
        .map(|(m, e)| (e, m))
        .collect();
    let after: BTreeMap<&str, &str> = resp
        .groups
        .iter()
        .flat_map(|g| {
            let lead = g.mentor_ids.first().map_or("", String::as_str);
            g.member_ids.iter().map(move |e| (e.as_str(), lead))
        })
        .collect();
    let (_, kept, moved, added, dropped) = compare(&before, &after, true);
    pb::MembershipDiff {
        changes: (moved.len() + dropped.len()) as u32,
        coverage_change: after.len() as i32 - before.len() as i32,
        kept,
        moved,
        added,
        dropped,
    }
}

/// Kept (listed when `list_kept`, else counted), moved, added and dropped
/// assignments between two mentee → mentor maps.
fn compare(
    before: &BTreeMap<&str, &str>,
    after: &BTreeMap<&str, &str>,
    list_kept: bool,
) -> (
    usize,
    Vec<pb::PairRef>,
    Vec<pb::Move>,
    Vec<pb::PairRef>,
    Vec<pb::PairRef>,
) {
    let pair = |m: &str, e: &str| pb::PairRef {
        mentor_id: m.to_string(),
        mentee_id: e.to_string(),
    };
    let (mut kept, mut moved, mut added, mut dropped) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut n_kept = 0;
    for (&e, &m) in before {
        match after.get(e) {
            Some(&m2) if m2 == m => {
                n_kept += 1;
                if list_kept {
                    kept.push(pair(m, e));
                }
            }
            Some(&m2) => moved.push(pb::Move {
                mentee_id: e.to_string(),
                from_mentor_id: m.to_string(),
                to_mentor_id: m2.to_string(),
            }),
            None => dropped.push(pair(m, e)),
        }
    }
    for (&e, &m) in after {
        if !before.contains_key(e) {
            added.push(pair(m, e));
        }
    }
    (n_kept, kept, moved, added, dropped)
}

/// The exact difference between baseline pairs and a scenario's pairs
/// (`after`: mentee id → mentor id), kept pairs listed when `list_kept`.
pub(crate) fn diff(
    baseline: &[pb::PairRef],
    after: &BTreeMap<&str, &str>,
    score_change_milli: i64,
    list_kept: bool,
) -> pb::PairDiff {
    let before: BTreeMap<&str, &str> = baseline
        .iter()
        .map(|p| (p.mentee_id.as_str(), p.mentor_id.as_str()))
        .collect();
    let (n_kept, kept, moved, added, dropped) = compare(&before, after, list_kept);
    let mut d = pb::PairDiff {
        kept,
        moved,
        added,
        dropped,
        kept_count: n_kept as u32,
        ..Default::default()
    };
    d.coverage_change = after.len() as i32 - before.len() as i32;
    d.score_change = from_milli(score_change_milli);
    d.changes = (d.moved.len() + d.dropped.len()) as u32;
    d
}
