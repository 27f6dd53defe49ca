//! The policy: programme period, hard rules, weights, objective and engine,
//! and the group policy, each field checked with its path.

use std::time::Duration;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::calendar::Period;
use crate::model::{
    to_milli, BilateralRelation, BilateralSessions, CountGoal, EngineChoice, GroupPolicy,
    GroupWeights, Level, Mentee, Objective, Policy, Proposer, ScoringMode, Weights,
};
use crate::settings::Limits;
use crate::wire::pb;

use super::fields::{
    date, level, opt_number, Checker, DEFAULT_END, DEFAULT_START, MAX_GROUP_SIZE, MAX_WEIGHT,
};
use super::ids::Ids;

/// The programme rules, with defaults applied (groups are read apart).
pub(super) fn policy(
    c: &mut Checker,
    p: &pb::Policy,
    forbidden: Vec<(usize, usize)>,
    pinned: Vec<(usize, usize)>,
    has_affinities: bool,
    limits: &Limits,
) -> Policy {
    let (start, end) = period(c, p, limits);
    let min_level = match p.min_language_level {
        0 => Level::B2,
        v => level(v).unwrap_or_else(|| {
            c.bad(
                "policy.min_language_level",
                format!("{v} is not a language level"),
            );
            Level::B2
        }),
    };
    let weights = weights(c, p, has_affinities);
    let min_overlap = opt_number(
        c,
        "policy.min_weekly_overlap_hours",
        p.min_weekly_overlap_hours,
        2.0,
        0.0,
        168.0,
    );
    let target = opt_number(
        c,
        "policy.overlap_target_hours",
        p.overlap_target_hours,
        10.0,
        0.0,
        168.0,
    );
    if p.overlap_target_hours == Some(0.0) {
        c.bad(
            "policy.overlap_target_hours",
            "0 is not a positive number of hours",
        );
    }
    let min_pair_score = p.min_pair_score.map(|x| {
        to_milli(opt_number(
            c,
            "policy.min_pair_score",
            Some(x),
            0.0,
            -1e9,
            1e9,
        ))
    });
    let (scoring_mode, objective, engine) = modes(c, p);
    Policy {
        start,
        end,
        min_level,
        min_weekly_overlap_min: (min_overlap * 60.0).round() as u32,
        min_shared_weeks: p
            .min_shared_weeks
            .unwrap_or(1)
            .min(Period::new(start, end).full_weeks() as u32),
        require_cross_border: p.require_cross_border,
        allow_same_organization: p.allow_same_organization,
        forbidden,
        pinned,
        min_pair_score,
        weights,
        scoring_mode,
        overlap_target_min: ((target * 60.0).round() as u32).max(1),
        objective,
        engine,
        time_limit: p
            .time_limit_ms
            .map(|ms| Duration::from_millis(u64::from(ms))),
        groups: None,
        bilateral_sessions: p
            .bilateral_sessions
            .as_ref()
            .map(|b| bilateral_sessions(c, b)),
        report_blocking_pairs: p.report_blocking_pairs,
        joint_meetings: None,
        sector_rule: super::sectors::sector_rule(c, p),
        related_sectors: Vec::new(),
        max_mentees_per_country: p.max_mentees_per_country,
        memory: super::history::memory(c, p.memory.as_ref()),
    }
}

/// The programme's first and last day, within the limit on its length.
fn period(c: &mut Checker, p: &pb::Policy, limits: &Limits) -> (NaiveDate, NaiveDate) {
    let start = date(
        c,
        "policy.programme_start",
        &p.programme_start,
        DEFAULT_START,
    );
    let end = date(c, "policy.programme_end", &p.programme_end, DEFAULT_END);
    let (Some(start), Some(end)) = (start, end) else {
        // A date is wrong: its violation says so, the length means nothing.
        return (NaiveDate::default(), NaiveDate::default());
    };
    let days = (end - start).num_days() + 1;
    if days < 1 {
        c.bad(
            "policy.programme_end",
            format!("{end} is before programme_start {start}"),
        );
    } else if days > limits.max_programme_days {
        c.bad(
            "policy.programme_end",
            format!(
                "a programme of {days} days exceeds the limit of {}",
                limits.max_programme_days
            ),
        );
    }
    (start, end)
}

/// The criterion weights (affinity 20 by default when the request has
/// affinities).
fn weights(c: &mut Checker, p: &pb::Policy, has_affinities: bool) -> Weights {
    let w = p.weights.unwrap_or_default();
    let wf = |c: &mut Checker, name: &str, v: Option<f64>, d: f64| {
        opt_number(c, &format!("policy.weights.{name}"), v, d, 0.0, MAX_WEIGHT)
    };
    let dw = Weights::DEFAULT;
    let default_affinity = if has_affinities {
        Weights::DEFAULT_AFFINITY
    } else {
        0.0
    };
    Weights {
        sector: wf(c, "sector", w.sector, dw.sector),
        topics: wf(c, "topics", w.topics, dw.topics),
        language: wf(c, "language", w.language, dw.language),
        time_zone: wf(c, "time_zone", w.time_zone, dw.time_zone),
        preference: wf(c, "preference", w.preference, dw.preference),
        different_country: wf(
            c,
            "different_country",
            w.different_country,
            dw.different_country,
        ),
        affinity: wf(c, "affinity", w.affinity, default_affinity),
    }
}

/// Scoring mode, objective and engine (a country quota needs the MILP).
fn modes(c: &mut Checker, p: &pb::Policy) -> (ScoringMode, Objective, EngineChoice) {
    let scoring_mode = match p.scoring_mode {
        0 | 1 => ScoringMode::Weighted,
        2 => ScoringMode::AffinityOnly,
        v => {
            c.bad("policy.scoring_mode", format!("{v} is not a scoring mode"));
            ScoringMode::Weighted
        }
    };
    let objective = match p.objective {
        0 | 1 => Objective::CoverageThenScore,
        2 => Objective::Fair,
        3 => Objective::Score,
        4 => Objective::Stable(match p.stable_proposer {
            0 | 1 => Proposer::Mentees,
            2 => Proposer::Mentors,
            v => {
                c.bad(
                    "policy.stable_proposer",
                    format!("{v} is not a proposing side"),
                );
                Proposer::Mentees
            }
        }),
        v => {
            c.bad("policy.objective", format!("{v} is not an objective"));
            Objective::CoverageThenScore
        }
    };
    if matches!(objective, Objective::Stable(_)) {
        if p.engine != 0 {
            c.bad(
                "policy.engine",
                "OBJECTIVE_STABLE is solved by deferred acceptance: leave the engine automatic",
            );
        }
        if p.max_mentees_per_country.is_some() {
            c.bad(
                "policy.max_mentees_per_country",
                "OBJECTIVE_STABLE cannot take a country quota (deferred acceptance has none)",
            );
        }
    }
    if p.max_mentees_per_country.is_some() && p.engine == 1 {
        c.bad(
            "policy.engine",
            "ENGINE_FLOW cannot express max_mentees_per_country: use ENGINE_MILP or leave the engine automatic",
        );
    }
    if p.max_mentees_per_country == Some(0) {
        c.bad(
            "policy.max_mentees_per_country",
            "0 would forbid every pair: omit it for no quota",
        );
    }
    let engine = match p.engine {
        0 => EngineChoice::Auto,
        1 => EngineChoice::Flow,
        2 => EngineChoice::Milp,
        v => {
            c.bad("policy.engine", format!("{v} is not an engine"));
            EngineChoice::Auto
        }
    };
    (scoring_mode, objective, engine)
}

/// How groups are formed, with defaults applied.
pub(super) fn group_policy(
    c: &mut Checker,
    g: &pb::GroupPolicy,
    policy: &Policy,
    mentees: &[Mentee],
    has_affinities: bool,
    ids: &Ids<'_>,
) -> GroupPolicy {
    let f = |name: &str| format!("policy.groups.{name}");
    let (min_size, max_size) = group_sizes(c, g, mentees.len() as u64);
    let mentors_per_group = g.mentors_per_group.unwrap_or(1);
    if !(1..=2).contains(&mentors_per_group) {
        c.bad(
            f("mentors_per_group"),
            format!("{mentors_per_group} is not 1 or 2"),
        );
    }
    let min_level = match g.min_language_level {
        0 => policy.min_level,
        v => level(v).unwrap_or_else(|| {
            c.bad(
                f("min_language_level"),
                format!("{v} is not a language level"),
            );
            policy.min_level
        }),
    };
    let (session_min, slot_step_min, slot_tz) = session(c, g);
    if g.min_countries > max_size {
        c.bad(
            f("min_countries"),
            format!(
                "{} countries cannot fit in groups of at most {max_size}",
                g.min_countries
            ),
        );
    }
    let count_goal = match g.count_goal {
        0 => CountGoal::None,
        1 => CountGoal::Fewest,
        2 => CountGoal::Most,
        v => {
            c.bad(f("count_goal"), format!("{v} is not a count goal"));
            CountGoal::None
        }
    };
    let bilateral = match g.bilateral_mentor {
        0 => BilateralRelation::Any,
        1 => BilateralRelation::Different,
        2 => BilateralRelation::Same,
        v => {
            c.bad(
                f("bilateral_mentor"),
                format!("{v} is not a bilateral relation"),
            );
            BilateralRelation::Any
        }
    };
    let (pinned, forbidden, apart) = memberships(c, g, ids);
    let weights = group_weights(c, g, has_affinities);
    let mip_gap = opt_number(c, "policy.groups.mip_gap", g.mip_gap, 0.0, 0.0, 1.0);
    GroupPolicy {
        min_size,
        max_size,
        count: g.group_count,
        count_goal,
        mentors_per_group,
        require_all: g.require_all_mentees,
        min_level,
        session_min,
        slot_tz,
        slot_step_min,
        distinct_organizations: g.distinct_organizations,
        min_countries: g.min_countries,
        bilateral,
        pinned,
        forbidden,
        apart,
        weights,
        mip_gap,
    }
}

/// Group sizes and count against the `n` mentees of the request.
fn group_sizes(c: &mut Checker, g: &pb::GroupPolicy, n: u64) -> (u32, u32) {
    let f = |name: &str| format!("policy.groups.{name}");
    let min_size = g.min_size.unwrap_or(3);
    let max_size = g.max_size.unwrap_or(5);
    if min_size == 0 {
        c.bad(f("min_size"), "0 is not a group size: at least 1 member");
    }
    if max_size < min_size {
        c.bad(
            f("max_size"),
            format!("max_size {max_size} is below min_size {min_size}"),
        );
    }
    if max_size > MAX_GROUP_SIZE {
        c.bad(
            f("max_size"),
            format!("max_size {max_size} exceeds the limit of {MAX_GROUP_SIZE}"),
        );
    }
    if u64::from(min_size) > n {
        c.bad(
            f("min_size"),
            format!("min_size {min_size} is more than the {n} mentees of the request"),
        );
    }
    if let Some(k) = g.group_count {
        let (k64, lo, hi) = (u64::from(k), u64::from(min_size), u64::from(max_size));
        if k == 0 {
            c.bad(
                f("group_count"),
                "0 groups: omit group_count for no exact count",
            );
        } else if k64 * lo > n {
            c.bad(
                f("group_count"),
                format!(
                    "{k} groups of at least {min_size} need {} mentees; the request has {n}",
                    k64 * lo
                ),
            );
        } else if g.require_all_mentees && k64 * hi < n {
            c.bad(
                f("group_count"),
                format!("{k} groups of at most {max_size} cannot hold all {n} mentees, as require_all_mentees asks"),
            );
        }
    }
    if g.require_all_mentees && min_size > 0 && max_size >= min_size {
        let (lo, hi) = (u64::from(min_size), u64::from(max_size));
        if !(1..=n).any(|k| k * lo <= n && n <= k * hi) {
            c.bad(
                f("max_size"),
                format!("{n} mentees cannot be split into groups of {min_size} to {max_size}"),
            );
        }
    }
    (min_size, max_size)
}

/// Bilateral session slots: length, slots per pair, start-time step.
fn bilateral_sessions(c: &mut Checker, b: &pb::BilateralSessions) -> BilateralSessions {
    let f = |name: &str| format!("policy.bilateral_sessions.{name}");
    let slots = b.slots_per_pair.unwrap_or(3);
    if !(1..=10).contains(&slots) {
        c.bad(
            f("slots_per_pair"),
            format!("{slots} is not between 1 and 10"),
        );
    }
    BilateralSessions {
        session_min: session_minutes(c, f("session_minutes"), b.session_minutes, 60),
        slots,
        step_min: slot_step(c, f("slot_step_minutes"), b.slot_step_minutes),
    }
}

/// A session length in minutes (15 to 480), `default` when absent.
pub(super) fn session_minutes(c: &mut Checker, field: String, v: Option<u32>, default: u32) -> u32 {
    let minutes = v.unwrap_or(default);
    if !(15..=480).contains(&minutes) {
        c.bad(
            field,
            format!("{minutes} is not between 15 and 480 minutes"),
        );
    }
    minutes
}

/// A start-time step in minutes (at least 5, divides 1440), 30 when absent.
pub(super) fn slot_step(c: &mut Checker, field: String, v: Option<u32>) -> u32 {
    let step = v.unwrap_or(30);
    if step < 5 || 1440 % step != 0 {
        c.bad(
            field,
            format!("{step} is not at least 5 and a divisor of 1440"),
        );
    }
    step
}

/// Session length, start-time step and the zone of session times.
fn session(c: &mut Checker, g: &pb::GroupPolicy) -> (u32, u32, Tz) {
    let f = |name: &str| format!("policy.groups.{name}");
    let session_min = session_minutes(c, f("session_minutes"), g.session_minutes, 90);
    let slot_step_min = slot_step(c, f("slot_step_minutes"), g.slot_step_minutes);
    let slot_tz = if g.slot_time_zone.trim().is_empty() {
        Tz::UTC
    } else {
        g.slot_time_zone.trim().parse::<Tz>().unwrap_or_else(|_| {
            c.bad(
                f("slot_time_zone"),
                format!("{:?} is not an IANA time-zone name", g.slot_time_zone),
            );
            Tz::UTC
        })
    };
    (session_min, slot_step_min, slot_tz)
}

/// (mentor, mentee) pairs for a member.
type Memberships = Vec<(usize, usize)>;

/// Pinned and forbidden memberships, and mentees kept apart.
fn memberships(
    c: &mut Checker,
    g: &pb::GroupPolicy,
    ids: &Ids<'_>,
) -> (Memberships, Memberships, Vec<(usize, usize)>) {
    let f = |name: &str| format!("policy.groups.{name}");
    if c.list_too_long(|| f("pinned_members"), g.pinned_members.len())
        | c.list_too_long(|| f("forbidden_members"), g.forbidden_members.len())
        | c.list_too_long(|| f("apart"), g.apart.len())
    {
        return (Vec::new(), Vec::new(), Vec::new());
    }
    let mut pinned: Vec<(usize, usize)> = Vec::new();
    for (k, pr) in g.pinned_members.iter().enumerate() {
        let fm = format!("policy.groups.pinned_members[{k}]");
        if let Some((m, e)) = ids.pair(c, &fm, pr) {
            if pinned.iter().any(|&(_, x)| x == e) {
                c.bad(
                    format!("{fm}.mentee_id"),
                    format!("mentee {:?} is pinned to two groups", pr.mentee_id),
                );
            }
            pinned.push((m, e));
        }
    }
    let mut forbidden = Vec::new();
    for (k, pr) in g.forbidden_members.iter().enumerate() {
        let ff = format!("policy.groups.forbidden_members[{k}]");
        if let Some((m, e)) = ids.pair(c, &ff, pr) {
            if pinned.contains(&(m, e)) {
                c.bad(
                    ff,
                    format!(
                        "({:?}, {:?}) is both pinned and forbidden",
                        pr.mentor_id, pr.mentee_id
                    ),
                );
            }
            forbidden.push((m, e));
        }
    }
    let mut apart = Vec::new();
    for (k, pr) in g.apart.iter().enumerate() {
        let fa = format!("policy.groups.apart[{k}]");
        let a = ids.mentee(c, format!("{fa}.first_id"), &pr.first_id);
        let b = ids.mentee(c, format!("{fa}.second_id"), &pr.second_id);
        if let (Some(a), Some(b)) = (a, b) {
            if a == b {
                c.bad(fa, format!("{:?} is kept apart from itself", pr.first_id));
            } else {
                apart.push((a.min(b), a.max(b)));
            }
        }
    }
    (pinned, forbidden, apart)
}

/// Group criterion weights (affinity 20 by default with affinities).
fn group_weights(c: &mut Checker, g: &pb::GroupPolicy, has_affinities: bool) -> GroupWeights {
    let w = g.weights.unwrap_or_default();
    let wf = |c: &mut Checker, name: &str, v: Option<f64>, d: f64| {
        opt_number(
            c,
            &format!("policy.groups.weights.{name}"),
            v,
            d,
            0.0,
            MAX_WEIGHT,
        )
    };
    let default_affinity = if has_affinities {
        Weights::DEFAULT_AFFINITY
    } else {
        0.0
    };
    GroupWeights {
        theme: wf(c, "theme", w.theme, 40.0),
        language: wf(c, "language", w.language, 10.0),
        diversity: wf(c, "diversity", w.diversity, 10.0),
        co_mentor: wf(c, "co_mentor", w.co_mentor, 10.0),
        affinity: wf(c, "affinity", w.affinity, default_affinity),
    }
}
