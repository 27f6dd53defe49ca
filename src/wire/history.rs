//! The programme's memory: `policy.memory` with its defaults, and
//! `SolveRequest.history` resolved to this request's people.

use std::collections::BTreeSet;

use crate::model::{Declined, EarlierPairs, History, Memory};
use crate::wire::pb;

use super::fields::{check_text, date, opt_number, Checker, MAX_WEIGHT};
use super::ids::Ids;

/// `policy.memory`, with defaults.
pub(super) fn memory(c: &mut Checker, p: Option<&pb::MemoryPolicy>) -> Memory {
    let d = Memory::DEFAULT;
    let Some(p) = p else { return d };
    let earlier_pairs = match p.earlier_pairs {
        0 | 1 => EarlierPairs::Penalty,
        2 => EarlierPairs::Avoid,
        3 => EarlierPairs::Allow,
        v => {
            c.bad(
                "policy.memory.earlier_pairs",
                format!("{v} is not an EarlierPairs value"),
            );
            d.earlier_pairs
        }
    };
    let f = |c: &mut Checker, name: &str, v: Option<f64>, default: f64| {
        opt_number(
            c,
            &format!("policy.memory.{name}"),
            v,
            default,
            0.0,
            MAX_WEIGHT,
        )
    };
    Memory {
        earlier_pairs,
        earlier_pair_penalty: f(
            c,
            "earlier_pair_penalty",
            p.earlier_pair_penalty,
            d.earlier_pair_penalty,
        ),
        cohort_load_weight: f(
            c,
            "cohort_load_weight",
            p.cohort_load_weight,
            d.cohort_load_weight,
        ),
    }
}

/// `history`: entries checked (dates, lengths), those naming this
/// request's people kept by index. Absent people left the programme; their
/// entries are not errors.
pub(super) fn history(
    c: &mut Checker,
    h: Option<&pb::ProgrammeHistory>,
    ids: &Ids<'_>,
    n_mentors: usize,
    max_entries: usize,
    max_text: usize,
) -> History {
    let mut out = History::default();
    let Some(h) = h else { return out };
    for (name, len) in [
        ("history.declined", h.declined.len()),
        ("history.earlier_pairs", h.earlier_pairs.len()),
    ] {
        if len > max_entries {
            c.bad(
                name,
                format!("{len} entries exceed the limit of {max_entries}"),
            );
            return out;
        }
    }
    for (k, d) in h.declined.iter().enumerate() {
        let f = format!("history.declined[{k}]");
        let Some(day) = date(c, &format!("{f}.date"), &d.date, "") else {
            continue;
        };
        check_text(c, &format!("{f}.reason"), &d.reason, max_text);
        check_text(c, &format!("{f}.cohort"), &d.cohort, max_text);
        let Some(pair) = ids.lookup(&d.mentor_id, &d.mentee_id) else {
            continue;
        };
        let declined = Declined {
            date: day,
            reason: d.reason.clone(),
            cohort: d.cohort.clone(),
        };
        // The first decline of a pair is the one explained.
        let into = match d.membership {
            true => &mut out.declined_members,
            false => &mut out.declined,
        };
        into.entry(pair).or_insert(declined);
    }
    let mut per_cohort: BTreeSet<(usize, &str)> = BTreeSet::new();
    for (k, x) in h.earlier_pairs.iter().enumerate() {
        check_text(
            c,
            &format!("history.earlier_pairs[{k}].cohort"),
            &x.cohort,
            max_text,
        );
        let Some(m) = ids.lookup_mentor(&x.mentor_id) else {
            continue;
        };
        // A mentor's load counts mentees of earlier cohorts, present or not.
        per_cohort.insert((m, x.mentee_id.as_str()));
        if let Some(pair) = ids.lookup(&x.mentor_id, &x.mentee_id) {
            out.earlier.entry(pair).or_insert_with(|| x.cohort.clone());
        }
    }
    if !per_cohort.is_empty() {
        out.mentor_load = vec![0; n_mentors];
        for &(m, _) in &per_cohort {
            out.mentor_load[m] += 1;
        }
    }
    out
}
