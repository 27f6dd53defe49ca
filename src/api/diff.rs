//! Exact diffs between a baseline and a response, on ids: one comparison
//! for pairs (mentee → its mentors, several with demand) and group
//! memberships (mentee → lead).

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
    let before = by_mentee(baseline_memberships(baseline).map(|(m, e)| (e, m)));
    let after = by_mentee(resp.groups.iter().flat_map(|g| {
        let lead = g.mentor_ids.first().map_or("", String::as_str);
        g.member_ids.iter().map(move |e| (e.as_str(), lead))
    }));
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

/// Each mentee's mentors (sorted, each once) from (mentee, mentor) pairs.
pub(crate) fn by_mentee<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
) -> BTreeMap<&'a str, Vec<&'a str>> {
    let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (e, m) in pairs {
        out.entry(e).or_default().push(m);
    }
    for ms in out.values_mut() {
        ms.sort_unstable();
        ms.dedup();
    }
    out
}

/// Kept (listed when `list_kept`, else counted), moved, added and dropped
/// pairs between two mentee → mentors maps. Per mentee, the mentors it
/// lost and those it gained (each in id order) pair up as moves; the rest
/// are dropped or added.
fn compare(
    before: &BTreeMap<&str, Vec<&str>>,
    after: &BTreeMap<&str, Vec<&str>>,
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
    let none = Vec::new();
    // A mentee's mentors lost and gained, each in id order.
    let change = |e: &str| {
        let (was, now) = (
            before.get(e).unwrap_or(&none),
            after.get(e).unwrap_or(&none),
        );
        let lost: Vec<&str> = was.iter().filter(|m| !now.contains(m)).copied().collect();
        let gained: Vec<&str> = now.iter().filter(|m| !was.contains(m)).copied().collect();
        (lost, gained)
    };
    let (mut kept, mut moved, mut added, mut dropped) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut n_kept = 0;
    for (&e, was) in before {
        let now = after.get(e).unwrap_or(&none);
        for &m in was.iter().filter(|m| now.contains(m)) {
            n_kept += 1;
            if list_kept {
                kept.push(pair(m, e));
            }
        }
        let (lost, gained) = change(e);
        for (k, &m) in lost.iter().enumerate() {
            match gained.get(k) {
                Some(&m2) => moved.push(pb::Move {
                    mentee_id: e.to_string(),
                    from_mentor_id: m.to_string(),
                    to_mentor_id: m2.to_string(),
                }),
                None => dropped.push(pair(m, e)),
            }
        }
    }
    // Added, in mentee order: gained mentors beyond those paired as moves.
    for &e in after.keys() {
        let (lost, gained) = change(e);
        added.extend(gained.iter().skip(lost.len()).map(|&m| pair(m, e)));
    }
    (n_kept, kept, moved, added, dropped)
}

/// The exact difference between baseline pairs and a scenario's pairs
/// (`after`: mentee id → its mentor ids), kept pairs listed when
/// `list_kept`. `coverage_change` counts mentees with at least one mentor.
pub(crate) fn diff(
    baseline: &[pb::PairRef],
    after: &BTreeMap<&str, Vec<&str>>,
    score_change_milli: i64,
    list_kept: bool,
) -> pb::PairDiff {
    let before = by_mentee(
        baseline
            .iter()
            .map(|p| (p.mentee_id.as_str(), p.mentor_id.as_str())),
    );
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
