//! The sentences of a check: one constructor per kind of finding, given
//! what the check found.

use crate::error::FieldViolation;
use crate::model::{MenteeIdx, MentorIdx, Problem, Profile};
use crate::outcome::{Certificate, Code, Finding, Infeasibility, Severity, Unmatched};

use super::infeasible::pin_over_capacity;
use super::words::id_list;

/// A pinned pair that breaks a hard rule.
pub(crate) fn pin_breaks_rule(v: FieldViolation) -> Finding {
    let mut f = Finding::new(Severity::Error, Code::PinBreaksRule, v.description);
    f.field = v.field;
    f
}

/// Mentor `m` has more pinned mentees than places.
pub(crate) fn pin_capacity(p: &Problem, m: MentorIdx, pinned: u32) -> Finding {
    let mut f = Finding::new(
        Severity::Error,
        Code::PinOverCapacity,
        pin_over_capacity(p, m, pinned),
    );
    f.field = format!("mentors[{m}].capacity");
    f.ids = vec![p.mentors[m].profile.id.clone()];
    f
}

/// Mentee `e` has no candidate; `u` says why.
pub(crate) fn no_candidate(p: &Problem, e: MenteeIdx, u: &Unmatched) -> Finding {
    let id = &p.mentees[e].profile.id;
    let mut f = Finding::new(
        Severity::Warning,
        Code::NoCandidate,
        format!("mentee {id}: {}", u.message),
    );
    f.ids = vec![id.clone()];
    f
}

/// Mentor `m` has `free` places but no compatible unpinned mentee.
pub(crate) fn mentor_without_candidate(p: &Problem, m: MentorIdx, free: u32) -> Finding {
    let id = &p.mentors[m].profile.id;
    let mut f = Finding::new(
        Severity::Info,
        Code::MentorWithoutCandidate,
        format!("mentor {id} has {free} free place(s) but no compatible unpinned mentee"),
    );
    f.ids = vec![id.clone()];
    f
}

/// Fewer places than mentees.
pub(crate) fn capacity_shortfall(places: u64, mentees: u64) -> Finding {
    Finding::new(
        Severity::Warning,
        Code::CapacityShortfall,
        format!(
            "the mentors offer {places} places for {mentees} mentees: at least {} \
             mentees stay unmatched",
            mentees - places
        ),
    )
}

/// Fewer places than the mentees ask for together (`asked`: Σ max_mentors).
pub(crate) fn places_short_of_demand(places: u64, asked: u64) -> Finding {
    Finding::new(
        Severity::Warning,
        Code::CapacityShortfall,
        format!(
            "the mentors offer {places} places and the mentees ask for {asked} mentors in all              (their max_mentors): at least {} asked for stay unfilled",
            asked - places
        ),
    )
}

/// A minimum no assignment meets (with demand), as the solve would say it.
pub(crate) fn demand_unmet(why: Infeasibility) -> Finding {
    let mut f = Finding::new(Severity::Error, Code::MinimumsInfeasible, why.message);
    f.ids = why.ids;
    f
}

/// The max-flow checks were skipped for `unpinned` mentees above `limit`.
pub(crate) fn not_checked(unpinned: usize, limit: usize) -> Finding {
    Finding::new(
        Severity::Info,
        Code::NotChecked,
        format!(
            "maximum coverage, bottlenecks and minimums were not checked: {unpinned} unpinned \
             mentees exceed the check's limit of {limit} (a solve still reports them)"
        ),
    )
}

/// At most `flow` of the `with_candidates` unpinned mentees with a
/// candidate can be matched.
pub(crate) fn coverage_shortfall(flow: u32, with_candidates: u32) -> Finding {
    Finding::new(
        Severity::Warning,
        Code::CoverageShortfall,
        format!(
            "at most {flow} of the {with_candidates} unpinned mentees with a candidate can be \
             matched: {} stay unmatched whatever the scores",
            with_candidates - flow,
        ),
    )
}

/// One bottleneck: the mentees `members` (in request order) compete for
/// the places of certificate `c`'s mentors; `short` of them stay unmatched.
pub(crate) fn bottleneck(
    p: &Problem,
    c: Certificate,
    members: &[MenteeIdx],
    short: u32,
) -> Finding {
    let ids: Vec<String> = members
        .iter()
        .map(|&e| p.mentees[e].profile.id.clone())
        .collect();
    let mut f = Finding::new(
        Severity::Warning,
        Code::CoverageShortfall,
        format!(
            "{} mentees ({}) compete for {} places at {} mentors ({}): {short} of them \
             stay unmatched in every matching; a smallest such set: {}",
            members.len(),
            id_list(&ids),
            c.places,
            c.mentors.len(),
            id_list(
                c.mentors
                    .iter()
                    .map(|x| p.mentors[x.mentor].profile.id.as_str())
            ),
            c.message
        ),
    );
    f.ids = ids;
    f.certificate = Some(c);
    f
}

/// `free - flow` of `free` places stay empty in every matching.
pub(crate) fn idle_capacity(free: u64, flow: u32) -> Finding {
    Finding::new(
        Severity::Info,
        Code::IdleCapacity,
        format!(
            "{} of {free} free places stay empty in every matching (no compatible \
             mentee is left for them)",
            free - u64::from(flow)
        ),
    )
}

/// Minimums ask for `need` unpinned mentees, at most `got` can be given at
/// once; `short` lists (mentor, mentees it got, its minimum) in one best
/// attempt.
pub(crate) fn minimums_infeasible(
    p: &Problem,
    need: u64,
    got: u32,
    short: &[(MentorIdx, u32, u32)],
) -> Finding {
    let mut f = Finding::new(
        Severity::Error,
        Code::MinimumsInfeasible,
        format!(
            "mentor minimums ask for {need} unpinned mentees, but at most {got} can be given \
             to them at once; short in one best attempt: {}",
            short
                .iter()
                .map(|&(j, load, min)| format!("{} ({load} of {min})", p.mentors[j].profile.id))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    f.ids = short
        .iter()
        .map(|&(j, _, _)| p.mentors[j].profile.id.clone())
        .collect();
    f
}

/// Person `x` (the `k`-th of `path`, on `side`) works hours (schedule
/// `sched`) that never meet anyone's on the `other` side.
pub(crate) fn zero_overlap(
    p: &Problem,
    (side, other, path): (&str, &str, &str),
    k: usize,
    x: &Profile,
    sched: u32,
) -> Finding {
    let hours = super::words::schedule(&p.schedules[sched as usize]);
    let mut f = Finding::new(
        Severity::Warning,
        Code::ZeroOverlap,
        format!(
            "{side} {}'s working hours ({hours}) never overlap with any {other}'s: \
             check time_zone and working_hours",
            x.id
        ),
    );
    f.field = format!("{path}[{k}].profile.working_hours");
    f.ids = vec![x.id.clone()];
    f
}

/// `pairs` pairs overlap on average but not in some week; `zones` are
/// examples (mentor zone, mentee zone).
pub(crate) fn weeks_without_overlap(pairs: u64, zones: &[(&str, &str)]) -> Finding {
    let zones: Vec<String> = zones.iter().map(|(m, e)| format!("{m} / {e}")).collect();
    Finding::new(
        Severity::Info,
        Code::WeeksWithoutOverlap,
        format!(
            "{pairs} mentor–mentee pairs overlap on average but not at all in some week of \
             the programme (clock changes or date overrides), e.g. {}",
            zones.join(", ")
        ),
    )
}

/// `n` more findings like the ones listed before it.
pub(crate) fn more_like_above(severity: Severity, code: Code, n: usize) -> Finding {
    Finding::new(
        severity,
        code,
        format!("and {n} more findings like the above"),
    )
}
