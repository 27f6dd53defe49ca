//! Capacity certificates in problem terms: the Hall violator an alternating
//! search found (`solvers::hall`), mapped to request mentees and mentors,
//! said in words, with the smallest changes to the request that let a
//! coverage-first solve match one more of its mentees.

use crate::model::{from_milli, HardRule, Level, MenteeIdx, MentorIdx, Problem};
use crate::outcome::{Certificate, MentorPlaces, Relaxation};
use crate::scoring::Scorer;
use crate::solvers::hall::Violator;
use crate::solvers::Instance;

use super::words::{hours_text, id_list, language_name, rule_text};

/// Mentor–mentee pairs examined for rule relaxations per certificate.
pub(crate) const RELAXATION_BUDGET: usize = 200_000;

/// Most capacity relaxations listed (one per mentor).
const MAX_CAPACITY_RELAXATIONS: usize = 5;

/// The certificate of a violator found in `inst` (whose instance mentee `k`
/// is problem mentee `mentees[k]`). `loads` are the problem mentors' loads
/// in the result, pins included; `places` their places net of pins (the
/// single-mentor instance's capacities already are); `pinned` their pinned
/// mentees.
/// Relaxations are omitted when the instance carries side constraints (a
/// quota, a cap on changes), under which more room does not guarantee one
/// more pair.
pub(crate) fn certificate(
    scorer: &Scorer<'_>,
    inst: &Instance,
    mentees: &[MenteeIdx],
    v: &Violator,
    loads: &[u32],
    places: &[u32],
    pinned: &[u32],
) -> Certificate {
    let p = scorer.problem();
    let mut set: Vec<MenteeIdx> = v.mentees.iter().map(|&k| mentees[k as usize]).collect();
    set.sort_unstable();
    let mentors: Vec<MentorPlaces> = v
        .mentors
        .iter()
        .map(|&j| MentorPlaces {
            mentor: j as usize,
            places: places[j as usize],
            pinned: pinned[j as usize],
        })
        .collect();
    let relaxations = if inst.quota.is_some() || inst.keep.is_some() {
        Vec::new()
    } else {
        relaxations(scorer, &set, &mentors, loads)
    };
    let message = words(p, &set, &mentors, v.places);
    Certificate {
        mentees: set,
        mentors,
        places: v.places,
        message,
        relaxations,
    }
}

/// Distinct values, in first-seen order.
fn distinct<T: PartialEq>(it: impl Iterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for x in it {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

/// "these 4 mentees (…), who speak only Arabic …, compete for 3 places …".
fn words(p: &Problem, set: &[MenteeIdx], mentors: &[MentorPlaces], places: u32) -> String {
    let min = p.policy.min_level;
    let mut traits = Vec::new();
    let langs = distinct(set.iter().flat_map(|&e| {
        p.mentees[e]
            .profile
            .languages
            .iter()
            .filter(move |s| s.level >= min)
            .map(|s| s.language)
    }));
    if !langs.is_empty() && langs.len() <= 2 && p.vocab.languages.len() > langs.len() {
        let names: Vec<String> = langs
            .iter()
            .map(|&l| language_name(&p.vocab.languages[l as usize]))
            .collect();
        traits.push(format!(
            "speak only {} at {} or above",
            names.join(" or "),
            min.name()
        ));
    }
    let zones = distinct(set.iter().map(|&e| {
        p.schedules[p.mentees[e].profile.schedule as usize]
            .tz
            .name()
    }));
    if zones.len() <= 3 {
        traits.push(format!("work in {}", zones.join(", ")));
    }
    let countries = distinct(set.iter().map(|&e| p.mentees[e].profile.country.as_str()));
    if countries.len() <= 3 {
        traits.push(format!("come from {}", countries.join(", ")));
    }
    let per_mentor = id_list(mentors.iter().map(|x| {
        let pins = if x.pinned > 0 {
            format!(" after {} pinned", x.pinned)
        } else {
            String::new()
        };
        format!("{} {}{pins}", p.mentors[x.mentor].profile.id, x.places)
    }));
    let who = if traits.is_empty() {
        String::new()
    } else {
        format!(", who {},", traits.join(" and "))
    };
    format!(
        "these {} mentees ({}){who} compete for {places} place{} at the {} mentor{} compatible \
         with any of them ({per_mentor}), so one of them stays unmatched",
        set.len(),
        id_list(set.iter().map(|&e| p.mentees[e].profile.id.as_str())),
        if places == 1 { "" } else { "s" },
        mentors.len(),
        if mentors.len() == 1 { "" } else { "s" },
    )
}

/// Capacity increases at the certificate's mentors, then the mildest
/// relaxation of each hard rule that gives a member an arc to a mentor
/// with room.
fn relaxations(
    scorer: &Scorer<'_>,
    set: &[MenteeIdx],
    mentors: &[MentorPlaces],
    loads: &[u32],
) -> Vec<Relaxation> {
    let p = scorer.problem();
    let mut out: Vec<Relaxation> = mentors
        .iter()
        .take(MAX_CAPACITY_RELAXATIONS)
        .map(|x| capacity_relaxation(p, x.mentor))
        .collect();
    let mut best = single_rule_arcs(scorer, set, mentors, loads);
    best.sort_by_key(|b| b.0);
    out.extend(
        best.into_iter()
            .map(|(rule, key, m, e)| rule_relaxation(p, rule, key, m, e)),
    );
    out
}

/// One more place at mentor `m`.
fn capacity_relaxation(p: &Problem, m: MentorIdx) -> Relaxation {
    let cap = p.mentors[m].capacity;
    Relaxation {
        rule: None,
        field: format!("mentors[{m}].capacity"),
        from: cap.to_string(),
        to: (cap + 1).to_string(),
        mentor: m,
        mentee: None,
        message: format!(
            "raising the capacity of {} from {cap} to {} lets a coverage-first solve \
             match one more mentee",
            p.mentors[m].profile.id,
            cap + 1
        ),
    }
}

/// Per hard rule, the pair (member of `set`, mentor outside the
/// certificate with room) that breaks only that rule and needs the mildest
/// relaxation: `(rule, key to maximise, mentor, mentee)`, in scan order.
fn single_rule_arcs(
    scorer: &Scorer<'_>,
    set: &[MenteeIdx],
    mentors: &[MentorPlaces],
    loads: &[u32],
) -> Vec<(HardRule, i64, MentorIdx, MenteeIdx)> {
    let p = scorer.problem();
    // Mentors outside N(S) with room (or with no capacity at all).
    let mut inside = vec![false; p.mentors.len()];
    for x in mentors {
        inside[x.mentor] = true;
    }
    let outside: Vec<MentorIdx> = (0..p.mentors.len())
        .filter(|&m| !inside[m])
        .filter(|&m| loads[m] < p.mentors[m].capacity || p.mentors[m].capacity == 0)
        .collect();
    let mut best: Vec<(HardRule, i64, MentorIdx, MenteeIdx)> = Vec::new();
    let mut examined = 0usize;
    'scan: for &m in &outside {
        for &e in set {
            examined += 1;
            if examined > RELAXATION_BUDGET {
                break 'scan;
            }
            let v = scorer.violations(m, e);
            let [rule] = v[..] else { continue };
            let key = match rule {
                HardRule::Language => match scorer.best_shared_level(m, e) {
                    Some(l) => i64::from(l.0),
                    None => continue,
                },
                HardRule::Overlap => i64::from(scorer.overlap(m, e).min_week_min),
                HardRule::SharedWeeks => i64::from(scorer.overlap(m, e).shared_weeks),
                HardRule::Sector => (scorer.sector_share(m, e) * 1e6).floor() as i64,
                HardRule::MinScore => scorer.score(m, e),
                _ => 0,
            };
            match best.iter_mut().find(|b| b.0 == rule) {
                Some(b) if key > b.1 => *b = (rule, key, m, e),
                Some(_) => {}
                None => best.push((rule, key, m, e)),
            }
        }
    }
    best
}

/// The request change that lifts `rule` for the pair `(m, e)`: the field,
/// its value now and the value that suffices (`key`, as scanned).
fn rule_relaxation(
    p: &Problem,
    rule: HardRule,
    key: i64,
    m: MentorIdx,
    e: MenteeIdx,
) -> Relaxation {
    let (mid, eid) = (&p.mentors[m].profile.id, &p.mentees[e].profile.id);
    let pol = &p.policy;
    let (field, from, to) = match rule {
        HardRule::Language => (
            "policy.min_language_level".to_string(),
            pol.min_level.name().to_string(),
            Level(key as u8).name().to_string(),
        ),
        HardRule::Overlap => (
            "policy.min_weekly_overlap_hours".to_string(),
            hours_text(pol.min_weekly_overlap_min),
            hours_text(key as u32),
        ),
        HardRule::Sector => (
            "policy.sector_rule.min_share".to_string(),
            pol.sector_rule.unwrap_or(0.0).to_string(),
            match key {
                0 => "none (remove policy.sector_rule)".to_string(),
                k => (k as f64 / 1e6).to_string(),
            },
        ),
        HardRule::SharedWeeks => (
            "policy.min_shared_weeks".to_string(),
            pol.min_shared_weeks.to_string(),
            key.to_string(),
        ),
        HardRule::MinScore => (
            "policy.min_pair_score".to_string(),
            from_milli(pol.min_pair_score.unwrap_or(0)).to_string(),
            from_milli(key).to_string(),
        ),
        HardRule::CrossBorder => (
            "policy.require_cross_border".to_string(),
            "true".to_string(),
            "false".to_string(),
        ),
        HardRule::SameOrganization => (
            "policy.allow_same_organization".to_string(),
            "false".to_string(),
            "true".to_string(),
        ),
        HardRule::Forbidden if p.mentees[e].excluded.contains(&m) => (
            format!("mentees[{e}].excluded_mentors"),
            format!("contains {mid:?}"),
            format!("without {mid:?}"),
        ),
        HardRule::NotAllowed => (
            format!("mentees[{e}].allowed_mentors"),
            format!("without {mid:?}"),
            format!("with {mid:?}"),
        ),
        HardRule::Forbidden => (
            "policy.forbidden_pairs".to_string(),
            format!("contains ({mid:?}, {eid:?})"),
            format!("without ({mid:?}, {eid:?})"),
        ),
        HardRule::Declined => (
            "history.declined".to_string(),
            format!("contains ({mid:?}, {eid:?})"),
            format!("without ({mid:?}, {eid:?})"),
        ),
        HardRule::EarlierCohort => (
            "policy.memory.earlier_pairs".to_string(),
            "EARLIER_PAIRS_AVOID".to_string(),
            "EARLIER_PAIRS_PENALTY".to_string(),
        ),
        HardRule::NoCapacity => (
            format!("mentors[{m}].capacity"),
            "0".to_string(),
            "1".to_string(),
        ),
    };
    let message = format!(
        "changing {field} from {from} to {to} lifts the rule \"{}\" for {mid} and {eid}, \
         and {mid} has room: a coverage-first solve then matches at least one more mentee",
        rule_text(rule, p)
    );
    Relaxation {
        rule: Some(rule),
        field,
        from,
        to,
        mentor: m,
        mentee: Some(e),
        message,
    }
}
