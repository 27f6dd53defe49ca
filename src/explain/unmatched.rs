//! Why a mentee has no bilateral pair, in words: no candidate (with the
//! rules that exclude each mentor and the one-rule relaxations that would
//! make one), places short (with the bottleneck's certificate), or not
//! worth a pair under the score objective.

use crate::model::{from_milli, HardRule, MenteeIdx, MentorIdx, Problem};
use crate::outcome::{Unmatched, UnmatchedReason};
use crate::scoring::Scorer;
use crate::solvers::candidates::{CandidateArcs, Pins};
use crate::solvers::Assignment;

use super::bottlenecks::{Bottleneck, Bottlenecks, MAX_CERTIFICATES};
use super::words::{hours_text, id_list, rule_text};

/// Every unmatched mentee of an assignment, in request order, explained.
/// `mentor_of` is each problem mentee's mentor in the result (pins
/// included) and `loads` each mentor's mentees.
pub(crate) fn unmatched(
    scorer: &Scorer<'_>,
    cands: &CandidateArcs,
    assignment: &Assignment,
    pins: &Pins,
    mentor_of: &[Option<MentorIdx>],
    loads: &[u32],
) -> Vec<Unmatched> {
    let p = scorer.problem();
    let inst = &cands.instance;
    let mut row_of: Vec<Option<usize>> = vec![None; p.mentees.len()];
    for (k, &e) in cands.mentees.iter().enumerate() {
        row_of[e] = Some(k);
    }
    let mut finder = Bottlenecks::new(
        scorer,
        inst,
        &assignment.arc,
        &cands.mentees,
        loads,
        &pins.per_mentor,
        MAX_CERTIFICATES,
    )
    .over(cands.reach.as_ref());
    let mut out = Vec::new();
    for (e, m) in mentor_of.iter().enumerate() {
        if m.is_some() {
            continue;
        }
        let Some(k) = row_of[e] else { continue };
        let candidates: Vec<MentorIdx> = inst.arcs(k).map(|a| inst.mentor[a] as usize).collect();
        if candidates.is_empty() {
            out.push(no_candidate(scorer, e));
            continue;
        }
        let country = &p.mentees[e].profile.country;
        let at_quota = |c: MentorIdx| {
            p.policy.max_mentees_per_country.is_some_and(|q| {
                let same = mentor_of
                    .iter()
                    .enumerate()
                    .filter(|&(x, m)| *m == Some(c) && p.mentees[x].profile.country == *country)
                    .count();
                same as u32 >= q
            })
        };
        let full = candidates
            .iter()
            .all(|&c| loads[c] >= p.mentors[c].capacity || at_quota(c));
        let ids = id_list(candidates.iter().map(|&c| &p.mentors[c].profile.id));
        let message =
            format!("compatible mentors ({ids}) have room, but no pair raises the total score");
        let mut u = Unmatched {
            candidates,
            ..Unmatched::new(e, UnmatchedReason::NotWorthwhile, message)
        };
        if full {
            u.reason = UnmatchedReason::Capacity;
            u.message = format!(
                "all {} compatible mentors ({ids}) are at capacity{} in the optimum",
                u.candidates.len(),
                if p.policy.max_mentees_per_country.is_some() {
                    format!(" or at their quota of mentees from {country}")
                } else {
                    String::new()
                }
            );
            let side = inst.quota.is_some() || inst.keep.is_some();
            let found = finder.classify(k as u32);
            short_of_places(&mut u, found, scorer, assignment.optimal, side);
        }
        out.push(u);
    }
    out
}

/// Completes the explanation of a mentee whose compatible mentors are all
/// full, from what its bottleneck search `found`; `optimal` tells whether
/// the solve proved its optimum, `side` whether side constraints (a quota,
/// a cap on changes) apply.
fn short_of_places(
    u: &mut Unmatched,
    found: Bottleneck,
    scorer: &Scorer<'_>,
    optimal: bool,
    side: bool,
) {
    let p = scorer.problem();
    match found {
        Bottleneck::Known {
            first,
            mentees,
            places,
            ..
        } => {
            u.message = format!(
                "every compatible mentor is full: with {} in place of {}, the \
                 certificate of {} applies ({mentees} mentees for {places} places)",
                p.mentees[u.mentee].profile.id,
                p.mentees[first].profile.id,
                p.mentees[first].profile.id,
            );
            u.same_bottleneck_as = Some(first);
        }
        Bottleneck::New(c) => {
            u.message = format!("every compatible mentor is full: {}", c.message);
            if let Some(r) = c.relaxations.first() {
                u.message = format!("{}; {}", u.message, r.message);
            }
            u.certificate = Some(*c);
        }
        Bottleneck::Placeable if !side => {
            u.reason = UnmatchedReason::NotWorthwhile;
            u.message = if optimal {
                format!(
                    "{}; a chain of moves could place this mentee, but at a lower \
                     total score",
                    u.message
                )
            } else {
                format!(
                    "{}; a chain of moves could place this mentee (the solve stopped at \
                     its time limit)",
                    u.message
                )
            };
        }
        _ => {
            u.message
                .push_str("; placing this mentee would unmatch another mentee");
        }
    }
}

/// Explains a mentee without candidates: rule counts and one-rule relaxations.
pub(crate) fn no_candidate(scorer: &Scorer<'_>, e: MenteeIdx) -> Unmatched {
    let p = scorer.problem();
    let mut counts: Vec<(HardRule, u32)> = Vec::new();
    // Mentors failing exactly one rule, by rule.
    let mut only: Vec<(HardRule, MentorIdx)> = Vec::new();
    for m in 0..p.mentors.len() {
        let v = scorer.violations(m, e);
        for &r in &v {
            match counts.iter_mut().find(|(x, _)| *x == r) {
                Some((_, c)) => *c += 1,
                None => counts.push((r, 1)),
            }
        }
        if let [r] = v[..] {
            only.push((r, m));
        }
    }
    counts.sort();
    let summary = counts
        .iter()
        .map(|&(r, c)| format!("{c} for {}", rule_text(r, p)))
        .collect::<Vec<_>>()
        .join(", ");
    let suggestions = suggestions(scorer, e, &only);
    let mut message = format!("no mentor passes every hard rule (mentors excluded: {summary})");
    if let Some(s) = suggestions.first() {
        message.push_str(&format!("; {s}"));
    }
    Unmatched {
        excluded_by: counts,
        suggestions,
        ..Unmatched::new(e, UnmatchedReason::NoCandidate, message)
    }
}

/// The best value of `key` over the mentors `ms` and the ids of those
/// that have it.
fn best_of<K: PartialOrd + Copy>(
    p: &Problem,
    ms: &[MentorIdx],
    key: impl Fn(MentorIdx) -> K,
) -> (K, String) {
    let best = ms
        .iter()
        .map(|&m| key(m))
        .fold(key(ms[0]), |a, b| if b > a { b } else { a });
    let who = id_list(
        ms.iter()
            .filter(|&&m| key(m) == best)
            .map(|&m| &p.mentors[m].profile.id),
    );
    (best, who)
}

fn suggestions(scorer: &Scorer<'_>, e: MenteeIdx, only: &[(HardRule, MentorIdx)]) -> Vec<String> {
    let p = scorer.problem();
    let mut out = Vec::new();
    for rule in HardRule::ALL {
        let ms: Vec<MentorIdx> = only
            .iter()
            .filter(|(r, _)| *r == rule)
            .map(|&(_, m)| m)
            .collect();
        if ms.is_empty() {
            continue;
        }
        let ids = id_list(ms.iter().map(|&m| &p.mentors[m].profile.id));
        let n = ms.len();
        out.push(match rule {
            HardRule::Language => match best_of(p, &ms, |m| scorer.best_shared_level(m, e)) {
                (Some(l), who) => format!(
                    "lowering min_language_level to {} would make a candidate of {who}",
                    l.name()
                ),
                (None, _) => continue,
            },
            HardRule::Overlap => {
                let (best, who) = best_of(p, &ms, |m| scorer.overlap(m, e).min_week_min);
                format!(
                    "lowering min_weekly_overlap_hours to {} would make a candidate of {who}",
                    hours_text(best)
                )
            }
            HardRule::Sector => {
                let (best, who) = best_of(p, &ms, |m| scorer.sector_share(m, e));
                if best > 0.0 {
                    format!(
                        "lowering sector_rule.min_share to {} would make a candidate of {who}",
                        round3(best)
                    )
                } else {
                    format!(
                        "lifting sector_rule, or relating sectors in related_sectors, would \
                         make a candidate of {who}"
                    )
                }
            }
            HardRule::SharedWeeks => {
                let (best, who) = best_of(p, &ms, |m| scorer.overlap(m, e).shared_weeks);
                format!(
                    "lowering min_shared_weeks to {best}, or dates of availability that \
                     overlap longer, would make a candidate of {who}"
                )
            }
            HardRule::CrossBorder => {
                format!("allowing same-country pairs would make candidates of {n} mentor(s): {ids}")
            }
            HardRule::SameOrganization => format!(
                "allowing same-organisation pairs would make candidates of {n} mentor(s): {ids}"
            ),
            HardRule::Forbidden => {
                format!("lifting the exclusion of {ids} would make candidates of them")
            }
            HardRule::NotAllowed => {
                format!(
                    "adding {ids} to the mentee's allowed_mentors would make candidates of them"
                )
            }
            HardRule::Declined => {
                let said: Vec<String> = ms
                    .iter()
                    .filter_map(|&m| {
                        let d = p.history.declined.get(&(m, e))?;
                        Some(declined_text(&p.mentors[m].profile.id, d))
                    })
                    .collect();
                format!("declined earlier in the programme: {}", said.join("; "))
            }
            HardRule::EarlierCohort => format!(
                "allowing pairs of earlier cohorts (policy.memory.earlier_pairs) would make \
                 candidates of {ids}"
            ),
            HardRule::MinScore => {
                let top = ms.iter().map(|&m| scorer.score(m, e)).max().unwrap_or(0);
                format!(
                    "lowering min_pair_score to {} would make a candidate",
                    from_milli(top)
                )
            }
            HardRule::NoCapacity => {
                format!("giving a bilateral capacity to {ids} would make candidates of them")
            }
        });
    }
    out
}

/// "m-fr-1 on 2021-03-02 (cohort \"2021\"): no time this year".
pub(crate) fn declined_text(mentor_id: &str, d: &crate::model::Declined) -> String {
    let mut out = format!("{mentor_id} on {}", d.date);
    if !d.cohort.is_empty() {
        out.push_str(&format!(" (cohort {:?})", d.cohort));
    }
    if !d.reason.is_empty() {
        out.push_str(&format!(": {}", d.reason));
    }
    out
}

/// A share rounded to 0.001, as suggestions print it.
fn round3(x: f64) -> f64 {
    (x * 1000.0).floor() / 1000.0
}
