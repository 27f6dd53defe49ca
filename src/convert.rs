//! The one place where wire types meet domain types.
//!
//! [`problem_from_request`] validates a [`pb::SolveRequest`] and builds a
//! [`Problem`]; every violation names the field path and the offending
//! value. [`response_from_outcome`] maps an [`Outcome`] back to the wire.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::error::{Error, FieldViolation};
use crate::groups::{GroupCriterion, GroupOutcome, UngroupedReason};
use crate::matching::{Outcome, UnmatchedReason};
use crate::model::{
    from_milli, to_milli, BilateralRelation, CountGoal, Criterion, EngineChoice, EngineUsed,
    GroupPolicy, GroupWeights, HardRule, Hours, Level, Mentee, Mentor, Objective, Policy, Problem,
    Profile, Schedule, ScoringMode, Skill, Status, Vocab, Weights,
};
use crate::overlap::parse_hhmm;
use crate::pb;
use crate::slots;

/// Size limits on a request. All configurable by the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum mentors.
    pub max_mentors: usize,
    /// Maximum mentees.
    pub max_mentees: usize,
    /// Maximum mentors × mentees.
    pub max_pairs: u64,
    /// Maximum affinities.
    pub max_affinities: usize,
    /// Maximum programme length in days.
    pub max_programme_days: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_mentors: 50_000,
            max_mentees: 200_000,
            max_pairs: 50_000_000,
            max_affinities: 5_000_000,
            max_programme_days: 3 * 366,
        }
    }
}

/// Most violations reported for one request.
const MAX_VIOLATIONS: usize = 100;
const MAX_ID: usize = 128;
const MAX_TEXT: usize = 256;
const MAX_LIST: usize = 256;
const MAX_CAPACITY: u32 = 100_000;
const MAX_WEIGHT: f64 = 1000.0;
const MAX_AFFINITY: f64 = 1000.0;
const MAX_GROUP_SIZE: u32 = 50;

/// Default programme period: 52 full weeks from Monday 2026-01-05.
pub const DEFAULT_START: &str = "2026-01-05";
/// Last day of the default programme period.
pub const DEFAULT_END: &str = "2027-01-03";

struct Checker {
    v: Vec<FieldViolation>,
}

impl Checker {
    fn bad(&mut self, field: impl Into<String>, description: impl Into<String>) {
        if self.v.len() < MAX_VIOLATIONS {
            self.v.push(FieldViolation::new(field, description));
        }
    }
}

#[derive(Default)]
struct Interner {
    map: HashMap<String, u32>,
    list: Vec<String>,
}

impl Interner {
    fn get(&mut self, s: String) -> u32 {
        if let Some(&k) = self.map.get(&s) {
            return k;
        }
        let k = self.list.len() as u32;
        self.map.insert(s.clone(), k);
        self.list.push(s);
        k
    }
}

#[derive(Default)]
struct Builder {
    languages: Interner,
    sectors: Interner,
    topics: Interner,
    orgs: Interner,
    schedules: Vec<Schedule>,
    schedule_ix: HashMap<Schedule, u32>,
}

/// Validates a request against `limits` and builds the problem.
pub fn problem_from_request(req: &pb::SolveRequest, limits: &Limits) -> Result<Problem, Error> {
    let mut c = Checker { v: Vec::new() };
    if req.mentors.is_empty() {
        c.bad("mentors", "no mentors: at least one is required");
    }
    if req.mentees.is_empty() {
        c.bad("mentees", "no mentees: at least one is required");
    }
    if req.mentors.len() > limits.max_mentors {
        c.bad(
            "mentors",
            format!(
                "{} mentors exceed the limit of {}",
                req.mentors.len(),
                limits.max_mentors
            ),
        );
    }
    if req.mentees.len() > limits.max_mentees {
        c.bad(
            "mentees",
            format!(
                "{} mentees exceed the limit of {}",
                req.mentees.len(),
                limits.max_mentees
            ),
        );
    }
    let pairs = req.mentors.len() as u64 * req.mentees.len() as u64;
    if pairs > limits.max_pairs {
        c.bad(
            "mentees",
            format!(
                "{} mentors × {} mentees = {pairs} pairs exceed the limit of {}",
                req.mentors.len(),
                req.mentees.len(),
                limits.max_pairs
            ),
        );
    }
    if req.affinities.len() > limits.max_affinities {
        c.bad(
            "affinities",
            format!(
                "{} affinities exceed the limit of {}",
                req.affinities.len(),
                limits.max_affinities
            ),
        );
    }
    if !c.v.is_empty() {
        return Err(Error::InvalidArgument(c.v));
    }
    check_text(&mut c, "request_id", &req.request_id, MAX_ID);

    // Ids first, so that references can be resolved.
    let mut ids: HashMap<&str, String> = HashMap::new();
    let mut mentor_ix: HashMap<&str, usize> = HashMap::new();
    let mut mentee_ix: HashMap<&str, usize> = HashMap::new();
    for (k, m) in req.mentors.iter().enumerate() {
        let field = format!("mentors[{k}].profile.id");
        if let Some(id) = m.profile.as_ref().map(|p| p.id.as_str()) {
            if check_id(&mut c, &field, id, &ids) {
                ids.insert(id, field);
                mentor_ix.insert(id, k);
            }
        }
    }
    for (k, e) in req.mentees.iter().enumerate() {
        let field = format!("mentees[{k}].profile.id");
        if let Some(id) = e.profile.as_ref().map(|p| p.id.as_str()) {
            if check_id(&mut c, &field, id, &ids) {
                ids.insert(id, field);
                mentee_ix.insert(id, k);
            }
        }
    }

    let mut b = Builder::default();
    let mut mentors = Vec::with_capacity(req.mentors.len());
    for (k, m) in req.mentors.iter().enumerate() {
        let path = format!("mentors[{k}]");
        let profile = profile(&mut c, &mut b, &path, m.profile.as_ref());
        let capacity = m.capacity.unwrap_or(1);
        if capacity > MAX_CAPACITY {
            c.bad(
                format!("{path}.capacity"),
                format!("capacity {capacity} exceeds the limit of {MAX_CAPACITY}"),
            );
        }
        if m.min_mentees > capacity {
            c.bad(
                format!("{path}.min_mentees"),
                format!("minimum {} is above the capacity {capacity}", m.min_mentees),
            );
        }
        let max_groups = m.max_groups.unwrap_or(1);
        if max_groups > MAX_CAPACITY {
            c.bad(
                format!("{path}.max_groups"),
                format!("max_groups {max_groups} exceeds the limit of {MAX_CAPACITY}"),
            );
        }
        mentors.push(Mentor {
            profile,
            capacity,
            min_mentees: m.min_mentees,
            max_groups,
        });
    }
    let resolve_mentor = |c: &mut Checker, field: String, id: &str| -> Option<usize> {
        match mentor_ix.get(id) {
            Some(&k) => Some(k),
            None if mentee_ix.contains_key(id) => {
                c.bad(field, format!("{id:?} is a mentee, not a mentor"));
                None
            }
            None => {
                c.bad(field, format!("unknown mentor id {id:?}"));
                None
            }
        }
    };
    let resolve_mentee = |c: &mut Checker, field: String, id: &str| -> Option<usize> {
        match mentee_ix.get(id) {
            Some(&k) => Some(k),
            None if mentor_ix.contains_key(id) => {
                c.bad(field, format!("{id:?} is a mentor, not a mentee"));
                None
            }
            None => {
                c.bad(field, format!("unknown mentee id {id:?}"));
                None
            }
        }
    };

    let mut mentees = Vec::with_capacity(req.mentees.len());
    for (k, e) in req.mentees.iter().enumerate() {
        let path = format!("mentees[{k}]");
        let profile = profile(&mut c, &mut b, &path, e.profile.as_ref());
        let list = |name: &str, ids: &[String], c: &mut Checker| -> Vec<usize> {
            if ids.len() > MAX_LIST {
                c.bad(
                    format!("{path}.{name}"),
                    format!("{} entries exceed the limit of {MAX_LIST}", ids.len()),
                );
                return Vec::new();
            }
            let mut out: Vec<usize> = Vec::new();
            for (i, id) in ids.iter().enumerate() {
                let field = format!("{path}.{name}[{i}]");
                if let Some(m) = resolve_mentor(c, field.clone(), id) {
                    if out.contains(&m) {
                        c.bad(field, format!("mentor {id:?} is listed twice"));
                    } else {
                        out.push(m);
                    }
                }
            }
            out
        };
        let preferred = list("preferred_mentors", &e.preferred_mentors, &mut c);
        let excluded = list("excluded_mentors", &e.excluded_mentors, &mut c);
        for (i, m) in excluded.iter().enumerate() {
            if preferred.contains(m) {
                c.bad(
                    format!("{path}.excluded_mentors[{i}]"),
                    format!(
                        "mentor {:?} is both preferred and excluded",
                        e.excluded_mentors[i]
                    ),
                );
            }
        }
        mentees.push(Mentee {
            profile,
            preferred,
            excluded,
        });
    }

    let default_policy = pb::Policy::default();
    let pp = req.policy.as_ref().unwrap_or(&default_policy);
    let pair_list = |name: &str, list: &[pb::PairRef], c: &mut Checker| {
        let mut out = Vec::new();
        for (k, pr) in list.iter().enumerate() {
            let f = format!("policy.{name}[{k}]");
            let m = resolve_mentor(c, format!("{f}.mentor_id"), &pr.mentor_id);
            let e = resolve_mentee(c, format!("{f}.mentee_id"), &pr.mentee_id);
            if let (Some(m), Some(e)) = (m, e) {
                out.push((m, e));
            }
        }
        out
    };
    let forbidden = pair_list("forbidden_pairs", &pp.forbidden_pairs, &mut c);
    let pinned = pair_list("pinned_pairs", &pp.pinned_pairs, &mut c);
    let mut pinned_mentee: HashMap<usize, usize> = HashMap::new();
    for (k, &(m, e)) in pinned.iter().enumerate() {
        if let Some(prev) = pinned_mentee.insert(e, k) {
            c.bad(
                format!("policy.pinned_pairs[{k}].mentee_id"),
                format!(
                    "mentee {:?} is already pinned by policy.pinned_pairs[{prev}]; a mentee has one bilateral mentor",
                    pp.pinned_pairs[k].mentee_id
                ),
            );
        }
        if forbidden.contains(&(m, e)) {
            c.bad(
                format!("policy.pinned_pairs[{k}]"),
                format!(
                    "pair ({:?}, {:?}) is both pinned and forbidden",
                    pp.pinned_pairs[k].mentor_id, pp.pinned_pairs[k].mentee_id
                ),
            );
        }
    }

    let mut affinities = BTreeMap::new();
    for (k, a) in req.affinities.iter().enumerate() {
        let f = format!("affinities[{k}]");
        let m = resolve_mentor(&mut c, format!("{f}.mentor_id"), &a.mentor_id);
        let e = resolve_mentee(&mut c, format!("{f}.mentee_id"), &a.mentee_id);
        if !a.value.is_finite() || a.value.abs() > MAX_AFFINITY {
            c.bad(
                format!("{f}.value"),
                format!(
                    "affinity {} is not a finite number in [-{MAX_AFFINITY}, {MAX_AFFINITY}]",
                    a.value
                ),
            );
            continue;
        }
        if let (Some(m), Some(e)) = (m, e) {
            if affinities.insert((m, e), a.value).is_some() {
                c.bad(
                    f,
                    format!(
                        "a second affinity for ({:?}, {:?})",
                        a.mentor_id, a.mentee_id
                    ),
                );
            }
        }
    }

    let mut policy = policy(
        &mut c,
        pp,
        forbidden,
        pinned,
        !req.affinities.is_empty(),
        limits,
    );
    if let Some(g) = pp.groups.as_ref() {
        policy.groups = Some(group_policy(
            &mut c,
            g,
            &policy,
            &mentees,
            !req.affinities.is_empty(),
            &resolve_mentor,
            &resolve_mentee,
        ));
    }
    if !c.v.is_empty() {
        return Err(Error::InvalidArgument(c.v));
    }
    Ok(Problem {
        request_id: req.request_id.clone(),
        mentors,
        mentees,
        schedules: b.schedules,
        policy,
        affinities,
        vocab: Vocab {
            languages: b.languages.list,
            sectors: b.sectors.list,
            topics: b.topics.list,
            organizations: b.orgs.list,
        },
        include_timings: req.include_timings,
        stability: None,
    })
}

fn check_text(c: &mut Checker, field: &str, s: &str, max: usize) -> bool {
    if s.chars().count() > max {
        c.bad(
            field,
            format!("{} characters exceed the limit of {max}", s.chars().count()),
        );
        return false;
    }
    if s.chars().any(char::is_control) {
        c.bad(field, format!("{s:?} contains control characters"));
        return false;
    }
    true
}

fn check_id(c: &mut Checker, field: &str, id: &str, seen: &HashMap<&str, String>) -> bool {
    if id.trim().is_empty() {
        c.bad(field, "empty id");
        return false;
    }
    if !check_text(c, field, id, MAX_ID) {
        return false;
    }
    if let Some(first) = seen.get(id) {
        c.bad(
            field,
            format!("duplicate id {id:?} (first used at {first})"),
        );
        return false;
    }
    true
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

fn profile(c: &mut Checker, b: &mut Builder, path: &str, p: Option<&pb::Profile>) -> Profile {
    let Some(p) = p else {
        c.bad(format!("{path}.profile"), "missing profile");
        return empty_profile();
    };
    let path = format!("{path}.profile");
    check_text(c, &format!("{path}.name"), &p.name, MAX_TEXT);
    let country = p.country.trim().to_uppercase();
    if isocountry::CountryCode::for_alpha2(&country).is_err() {
        c.bad(
            format!("{path}.country"),
            format!("{:?} is not an ISO 3166-1 alpha-2 country code", p.country),
        );
    }
    let organization = if check_text(
        c,
        &format!("{path}.organization"),
        &p.organization,
        MAX_TEXT,
    ) && !p.organization.trim().is_empty()
    {
        Some(b.orgs.get(norm(&p.organization)))
    } else {
        None
    };

    let mut languages: Vec<Skill> = Vec::new();
    if p.languages.is_empty() {
        c.bad(
            format!("{path}.languages"),
            "no languages: at least one is required",
        );
    }
    for (k, l) in p.languages.iter().enumerate() {
        let f = format!("{path}.languages[{k}]");
        let code = norm(&l.code);
        if isolang::Language::from_639_1(&code).is_none() {
            c.bad(
                format!("{f}.code"),
                format!("{:?} is not an ISO 639-1 language code", l.code),
            );
            continue;
        }
        let Some(level) = level(l.level) else {
            c.bad(
                format!("{f}.level"),
                format!("level {} is not a language level (A1..C2, NATIVE)", l.level),
            );
            continue;
        };
        let language = b.languages.get(code);
        if languages.iter().any(|s| s.language == language) {
            c.bad(
                format!("{f}.code"),
                format!("language {:?} is listed twice", l.code),
            );
            continue;
        }
        languages.push(Skill { language, level });
    }
    languages.sort_by_key(|s| s.language);

    let tz = match p.time_zone.trim().parse::<Tz>() {
        Ok(tz) => tz,
        Err(_) => {
            c.bad(
                format!("{path}.time_zone"),
                format!(
                    "{:?} is not an IANA time-zone name (e.g. \"Africa/Casablanca\")",
                    p.time_zone
                ),
            );
            Tz::UTC
        }
    };
    let hours = hours(
        c,
        &format!("{path}.working_hours"),
        p.working_hours.as_ref(),
    );
    let schedule = Schedule { tz, hours };
    let schedule = *b.schedule_ix.entry(schedule).or_insert_with(|| {
        b.schedules.push(schedule);
        (b.schedules.len() - 1) as u32
    });

    let terms = |name: &str, list: &[String], intern: &mut Interner, c: &mut Checker| {
        if list.len() > MAX_LIST {
            c.bad(
                format!("{path}.{name}"),
                format!("{} entries exceed the limit of {MAX_LIST}", list.len()),
            );
            return Vec::new();
        }
        let mut out: Vec<u32> = Vec::new();
        for (k, s) in list.iter().enumerate() {
            let f = format!("{path}.{name}[{k}]");
            if s.trim().is_empty() {
                c.bad(f, "empty string");
            } else if check_text(c, &f, s, MAX_TEXT) {
                out.push(intern.get(norm(s)));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    };
    let sectors = terms("sectors", &p.sectors, &mut b.sectors, c);
    let topics = terms("topics", &p.topics, &mut b.topics, c);
    Profile {
        id: p.id.clone(),
        name: p.name.clone(),
        country,
        organization,
        languages,
        schedule,
        sectors,
        topics,
    }
}

fn empty_profile() -> Profile {
    Profile {
        id: String::new(),
        name: String::new(),
        country: String::new(),
        organization: None,
        languages: Vec::new(),
        schedule: 0,
        sectors: Vec::new(),
        topics: Vec::new(),
    }
}

fn level(v: i32) -> Option<Level> {
    (1..=7).contains(&v).then_some(Level(v as u8))
}

fn hours(c: &mut Checker, path: &str, h: Option<&pb::WorkingHours>) -> Hours {
    let mut out = Hours::default();
    let Some(h) = h else { return out };
    if !h.start.is_empty() {
        match parse_hhmm(&h.start) {
            Some(m) if m < 24 * 60 => out.start_min = m,
            _ => c.bad(
                format!("{path}.start"),
                format!("{:?} is not a time \"HH:MM\" before 24:00", h.start),
            ),
        }
    }
    if !h.end.is_empty() {
        match parse_hhmm(&h.end) {
            Some(m) => out.end_min = m,
            None => c.bad(
                format!("{path}.end"),
                format!("{:?} is not a time \"HH:MM\"", h.end),
            ),
        }
    }
    if out.end_min <= out.start_min {
        c.bad(
            format!("{path}.end"),
            format!("end {:?} is not after start {:?}", h.end, h.start),
        );
        out.end_min = out.start_min + 1;
    }
    if !h.days.is_empty() {
        out.days = 0;
        for (k, &d) in h.days.iter().enumerate() {
            if (1..=7).contains(&d) {
                out.days |= 1 << (d - 1);
            } else {
                c.bad(
                    format!("{path}.days[{k}]"),
                    format!("{d} is not a weekday (1 = Monday … 7 = Sunday)"),
                );
            }
        }
    }
    out
}

fn opt_number(c: &mut Checker, field: &str, v: Option<f64>, default: f64, lo: f64, hi: f64) -> f64 {
    match v {
        None => default,
        Some(x) if x.is_finite() && x >= lo && x <= hi => x,
        Some(x) => {
            c.bad(field, format!("{x} is not a finite number in [{lo}, {hi}]"));
            default
        }
    }
}

fn date(c: &mut Checker, field: &str, s: &str, default: &str) -> NaiveDate {
    let s = if s.is_empty() { default } else { s };
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|_| {
        c.bad(field, format!("{s:?} is not a date \"YYYY-MM-DD\""));
        NaiveDate::default()
    })
}

fn policy(
    c: &mut Checker,
    p: &pb::Policy,
    forbidden: Vec<(usize, usize)>,
    pinned: Vec<(usize, usize)>,
    has_affinities: bool,
    limits: &Limits,
) -> Policy {
    let start = date(
        c,
        "policy.programme_start",
        &p.programme_start,
        DEFAULT_START,
    );
    let end = date(c, "policy.programme_end", &p.programme_end, DEFAULT_END);
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
    let weights = Weights {
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
    };
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
        v => {
            c.bad("policy.objective", format!("{v} is not an objective"));
            Objective::CoverageThenScore
        }
    };
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
    Policy {
        start,
        end,
        min_level,
        min_weekly_overlap_min: (min_overlap * 60.0).round() as u32,
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
        max_mentees_per_country: p.max_mentees_per_country,
    }
}

type Resolver<'a> = dyn Fn(&mut Checker, String, &str) -> Option<usize> + 'a;

fn group_policy(
    c: &mut Checker,
    g: &pb::GroupPolicy,
    policy: &Policy,
    mentees: &[Mentee],
    has_affinities: bool,
    resolve_mentor: &Resolver<'_>,
    resolve_mentee: &Resolver<'_>,
) -> GroupPolicy {
    let f = |name: &str| format!("policy.groups.{name}");
    let n = mentees.len() as u64;
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
    let session_min = g.session_minutes.unwrap_or(90);
    if !(15..=480).contains(&session_min) {
        c.bad(
            f("session_minutes"),
            format!("{session_min} is not between 15 and 480 minutes"),
        );
    }
    let slot_step_min = g.slot_step_minutes.unwrap_or(30);
    if slot_step_min < 5 || 1440 % slot_step_min != 0 {
        c.bad(
            f("slot_step_minutes"),
            format!("{slot_step_min} is not at least 5 and a divisor of 1440"),
        );
    }
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
    let mut pinned: Vec<(usize, usize)> = Vec::new();
    for (k, pr) in g.pinned_members.iter().enumerate() {
        let fm = format!("policy.groups.pinned_members[{k}]");
        let m = resolve_mentor(c, format!("{fm}.mentor_id"), &pr.mentor_id);
        let e = resolve_mentee(c, format!("{fm}.mentee_id"), &pr.mentee_id);
        if let (Some(m), Some(e)) = (m, e) {
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
        let m = resolve_mentor(c, format!("{ff}.mentor_id"), &pr.mentor_id);
        let e = resolve_mentee(c, format!("{ff}.mentee_id"), &pr.mentee_id);
        if let (Some(m), Some(e)) = (m, e) {
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
        let a = resolve_mentee(c, format!("{fa}.first_id"), &pr.first_id);
        let b = resolve_mentee(c, format!("{fa}.second_id"), &pr.second_id);
        if let (Some(a), Some(b)) = (a, b) {
            if a == b {
                c.bad(fa, format!("{:?} is kept apart from itself", pr.first_id));
            } else {
                apart.push((a.min(b), a.max(b)));
            }
        }
    }
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
    let weights = GroupWeights {
        theme: wf(c, "theme", w.theme, 40.0),
        language: wf(c, "language", w.language, 10.0),
        diversity: wf(c, "diversity", w.diversity, 10.0),
        co_mentor: wf(c, "co_mentor", w.co_mentor, 10.0),
        affinity: wf(c, "affinity", w.affinity, default_affinity),
    };
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

// ---------------------------------------------------------------------------
// Domain → wire
// ---------------------------------------------------------------------------

fn criterion(c: Criterion) -> pb::Criterion {
    match c {
        Criterion::Sector => pb::Criterion::Sector,
        Criterion::Topics => pb::Criterion::Topics,
        Criterion::Language => pb::Criterion::Language,
        Criterion::TimeZone => pb::Criterion::TimeZone,
        Criterion::Preference => pb::Criterion::Preference,
        Criterion::DifferentCountry => pb::Criterion::DifferentCountry,
        Criterion::Affinity => pb::Criterion::Affinity,
        Criterion::Stability => pb::Criterion::Stability,
    }
}

/// Wire enum of a hard rule.
pub fn hard_rule(r: HardRule) -> pb::HardRule {
    match r {
        HardRule::Forbidden => pb::HardRule::Forbidden,
        HardRule::SameOrganization => pb::HardRule::SameOrganization,
        HardRule::CrossBorder => pb::HardRule::CrossBorder,
        HardRule::Language => pb::HardRule::Language,
        HardRule::Overlap => pb::HardRule::Overlap,
        HardRule::MinScore => pb::HardRule::MinScore,
        HardRule::NoCapacity => pb::HardRule::NoCapacity,
    }
}

fn objective(o: Objective) -> pb::Objective {
    match o {
        Objective::CoverageThenScore => pb::Objective::CoverageThenScore,
        Objective::Fair => pb::Objective::Fair,
        Objective::Score => pb::Objective::Score,
    }
}

fn level_pb(l: Level) -> i32 {
    i32::from(l.0)
}

fn hours_of(min: f64) -> f64 {
    (min / 60.0 * 100.0).round() / 100.0
}

/// Maps a diagnosis report to the wire.
pub fn report_wire(problem: &Problem, r: &crate::check::Report) -> pb::ValidateResponse {
    let findings: Vec<pb::Finding> = r
        .findings
        .iter()
        .map(|f| {
            finding_wire(
                f,
                f.certificate.as_ref().map(|c| certificate_wire(problem, c)),
            )
        })
        .collect();
    let s = &r.summary;
    pb::ValidateResponse {
        ok: r
            .findings
            .iter()
            .all(|f| f.severity != crate::check::Severity::Error),
        findings,
        summary: Some(pb::FeasibilitySummary {
            mentees: s.mentees,
            mentors: s.mentors,
            places: s.places,
            pinned_pairs: s.pinned_pairs,
            candidate_pairs_total: s.candidate_pairs_total,
            candidate_pairs_feasible: s.candidate_pairs_feasible,
            mentees_without_candidate: s.mentees_without_candidate,
            max_coverage: s.max_coverage,
            minimum_places: s.minimum_places,
            minimums_feasible: s.minimums_feasible,
            engine: match s.engine {
                Some(EngineUsed::Flow) => pb::Engine::Flow,
                Some(EngineUsed::Milp) => pb::Engine::Milp,
                None => pb::Engine::Unspecified,
            } as i32,
        }),
    }
}

/// The response of `Validate` for a request that fails validation: one
/// ERROR finding per violation.
pub fn invalid_wire(violations: &[FieldViolation]) -> pb::ValidateResponse {
    use crate::check::{Code, Finding, Severity};
    pb::ValidateResponse {
        ok: false,
        findings: violations
            .iter()
            .map(|v| {
                let f = Finding {
                    severity: Severity::Error,
                    code: if v.field.ends_with("time_zone") {
                        Code::UnknownTimeZone
                    } else {
                        Code::InvalidField
                    },
                    field: v.field.clone(),
                    ids: Vec::new(),
                    message: v.description.clone(),
                    certificate: None,
                };
                finding_wire(&f, None)
            })
            .collect(),
        summary: None,
    }
}

fn finding_wire(f: &crate::check::Finding, cert: Option<pb::CapacityCertificate>) -> pb::Finding {
    use crate::check::{Code, Severity};
    pb::Finding {
        severity: match f.severity {
            Severity::Error => pb::Severity::Error,
            Severity::Warning => pb::Severity::Warning,
            Severity::Info => pb::Severity::Info,
        } as i32,
        code: match f.code {
            Code::InvalidField => pb::FindingCode::InvalidField,
            Code::UnknownTimeZone => pb::FindingCode::UnknownTimeZone,
            Code::PinBreaksRule => pb::FindingCode::PinBreaksRule,
            Code::PinOverCapacity => pb::FindingCode::PinOverCapacity,
            Code::MinimumsInfeasible => pb::FindingCode::MinimumsInfeasible,
            Code::NoCandidate => pb::FindingCode::NoCandidate,
            Code::MentorWithoutCandidate => pb::FindingCode::MentorWithoutCandidate,
            Code::ZeroOverlap => pb::FindingCode::ZeroOverlap,
            Code::WeeksWithoutOverlap => pb::FindingCode::WeeksWithoutOverlap,
            Code::CapacityShortfall => pb::FindingCode::CapacityShortfall,
            Code::CoverageShortfall => pb::FindingCode::CoverageShortfall,
            Code::IdleCapacity => pb::FindingCode::IdleCapacity,
            Code::NotChecked => pb::FindingCode::NotChecked,
        } as i32,
        field: f.field.clone(),
        ids: f.ids.clone(),
        message: f.message.clone(),
        certificate: cert,
    }
}

/// Maps a capacity certificate to the wire.
pub fn certificate_wire(
    problem: &Problem,
    c: &crate::hall::Certificate,
) -> pb::CapacityCertificate {
    pb::CapacityCertificate {
        mentee_ids: c
            .mentees
            .iter()
            .map(|&e| problem.mentees[e].profile.id.clone())
            .collect(),
        mentors: c
            .mentors
            .iter()
            .map(|x| pb::MentorPlaces {
                mentor_id: problem.mentors[x.mentor].profile.id.clone(),
                places: x.places,
                pinned: x.pinned,
            })
            .collect(),
        places: c.places,
        message: c.message.clone(),
        relaxations: c
            .relaxations
            .iter()
            .map(|r| pb::Relaxation {
                rule: r.rule.map_or(pb::HardRule::Unspecified, hard_rule) as i32,
                field: r.field.clone(),
                from: r.from.clone(),
                to: r.to.clone(),
                mentor_id: problem.mentors[r.mentor].profile.id.clone(),
                mentee_id: r
                    .mentee
                    .map_or_else(String::new, |e| problem.mentees[e].profile.id.clone()),
                message: r.message.clone(),
            })
            .collect(),
    }
}

/// Builds the response for an outcome of `problem`.
pub fn response_from_outcome(problem: &Problem, o: &Outcome) -> pb::SolveResponse {
    let v = &problem.vocab;
    let mentor_id = |m: usize| problem.mentors[m].profile.id.clone();
    let pairs = o
        .pairs
        .iter()
        .map(|p| {
            let d = &p.detail;
            pb::Pair {
                mentor_id: mentor_id(p.mentor),
                mentee_id: problem.mentees[p.mentee].profile.id.clone(),
                score: from_milli(d.score),
                breakdown: d
                    .terms
                    .iter()
                    .map(|t| pb::ScoreTerm {
                        criterion: criterion(t.criterion) as i32,
                        value: t.value,
                        weight: t.weight,
                        points: from_milli(t.milli),
                        detail: term_detail(problem, p, t.criterion),
                    })
                    .collect(),
                shared_languages: d
                    .shared_languages
                    .iter()
                    .map(|&(l, a, b)| pb::SharedLanguage {
                        code: v.languages[l as usize].clone(),
                        mentor_level: level_pb(a),
                        mentee_level: level_pb(b),
                    })
                    .collect(),
                weekly_overlap_hours: hours_of(f64::from(d.overlap.min_week_min)),
                mean_weekly_overlap_hours: hours_of(d.overlap.mean_week_min),
                pinned: p.pinned,
            }
        })
        .collect();
    let unmatched = o
        .unmatched
        .iter()
        .map(|u| pb::UnmatchedMentee {
            mentee_id: problem.mentees[u.mentee].profile.id.clone(),
            reason: match u.reason {
                UnmatchedReason::NoCandidate => pb::UnmatchedReason::NoCandidate,
                UnmatchedReason::Capacity => pb::UnmatchedReason::Capacity,
                UnmatchedReason::NotWorthwhile => pb::UnmatchedReason::NotWorthwhile,
            } as i32,
            message: u.message.clone(),
            candidate_mentor_ids: u.candidates.iter().map(|&m| mentor_id(m)).collect(),
            excluded_by: u
                .excluded_by
                .iter()
                .map(|&(r, n)| pb::RuleCount {
                    rule: hard_rule(r) as i32,
                    mentors: n,
                })
                .collect(),
            suggestions: u.suggestions.clone(),
            certificate: u.certificate.as_ref().map(|c| certificate_wire(problem, c)),
            same_bottleneck_as: u
                .same_bottleneck_as
                .map_or_else(String::new, |x| problem.mentees[x].profile.id.clone()),
        })
        .collect();
    let mentor_loads = problem
        .mentors
        .iter()
        .zip(&o.loads)
        .map(|(m, &l)| pb::MentorLoad {
            mentor_id: m.profile.id.clone(),
            mentees: l,
            capacity: m.capacity,
            min_mentees: m.min_mentees,
        })
        .collect();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let timings = problem.include_timings.then(|| pb::Timings {
        validate_ms: 0.0,
        score_ms: ms(o.timings.score),
        solve_ms: ms(o.timings.solve),
        explain_ms: ms(o.timings.explain),
        groups_ms: ms(o.timings.groups),
        total_ms: ms(o.timings.score + o.timings.solve + o.timings.explain + o.timings.groups),
    });
    let (groups, ungrouped, group_stats) = match &o.groups {
        Some(g) => group_wire(problem, g),
        None => (Vec::new(), Vec::new(), None),
    };
    pb::SolveResponse {
        groups,
        ungrouped,
        group_stats,
        request_id: problem.request_id.clone(),
        status: match o.status {
            Status::Optimal => pb::SolveStatus::Optimal,
            Status::Feasible => pb::SolveStatus::Feasible,
            Status::Infeasible => pb::SolveStatus::Infeasible,
        } as i32,
        pairs,
        unmatched,
        mentor_loads,
        infeasibilities: o
            .infeasibilities
            .iter()
            .map(|i| pb::Infeasibility {
                kind: i.kind.to_string(),
                ids: i.ids.clone(),
                message: i.message.clone(),
            })
            .collect(),
        stats: Some(pb::Stats {
            matched: o.pairs.len() as u32,
            mentees: problem.mentees.len() as u32,
            mentors: problem.mentors.len() as u32,
            total_score: from_milli(o.total_score()),
            min_pair_score: from_milli(o.min_score().unwrap_or(0)),
            objective: objective(o.objective) as i32,
            engine: match o.engine {
                EngineUsed::Flow => pb::Engine::Flow,
                EngineUsed::Milp => pb::Engine::Milp,
            } as i32,
            candidate_pairs_total: o.candidate_pairs_total,
            candidate_pairs_feasible: o.candidate_pairs_feasible,
            timings,
        }),
    }
}

type GroupWire = (
    Vec<pb::Group>,
    Vec<pb::UngroupedMentee>,
    Option<pb::GroupStats>,
);

fn group_wire(problem: &Problem, g: &GroupOutcome) -> GroupWire {
    let gp = problem.policy.groups.as_ref();
    let (tz, minutes) = gp.map_or((chrono_tz::Tz::UTC, 0), |gp| (gp.slot_tz, gp.session_min));
    let len_s = i64::from(minutes) * 60;
    let groups = g
        .groups
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let mentors: Vec<usize> = std::iter::once(r.lead).chain(r.co).collect();
            let people = mentors
                .iter()
                .map(|&m| &problem.mentors[m].profile)
                .chain(r.members.iter().map(|&e| &problem.mentees[e].profile));
            let local_times = people
                .map(|pr| {
                    let ptz = problem.schedules[pr.schedule as usize].tz;
                    pb::LocalSession {
                        person_id: pr.id.clone(),
                        time_zone: ptz.name().to_string(),
                        local: slots::local_times(&r.occurrences, len_s, ptz),
                    }
                })
                .collect();
            pb::Group {
                id: format!("g{}", k + 1),
                mentor_ids: mentors
                    .iter()
                    .map(|&m| problem.mentors[m].profile.id.clone())
                    .collect(),
                member_ids: r
                    .members
                    .iter()
                    .map(|&e| problem.mentees[e].profile.id.clone())
                    .collect(),
                theme: r.theme.clone(),
                working_language: problem.vocab.languages[r.language as usize].clone(),
                slot: Some(pb::SessionSlot {
                    weekday: i32::from(r.slot.weekday) + 1,
                    start: crate::overlap::format_hhmm(r.slot.start_min),
                    minutes,
                    time_zone: tz.name().to_string(),
                    first_utc: r
                        .occurrences
                        .first()
                        .and_then(|&t| chrono::DateTime::from_timestamp(t, 0))
                        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                        .unwrap_or_default(),
                }),
                local_times,
                score: from_milli(r.score),
                breakdown: r
                    .terms
                    .iter()
                    .map(|(c, milli, detail)| pb::GroupTerm {
                        criterion: match c {
                            GroupCriterion::Theme => pb::GroupCriterion::Theme,
                            GroupCriterion::Language => pb::GroupCriterion::Language,
                            GroupCriterion::Diversity => pb::GroupCriterion::Diversity,
                            GroupCriterion::CoMentor => pb::GroupCriterion::CoMentor,
                            GroupCriterion::Affinity => pb::GroupCriterion::Affinity,
                            GroupCriterion::Stability => pb::GroupCriterion::Stability,
                        } as i32,
                        points: from_milli(*milli),
                        detail: detail.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    let ungrouped = g
        .ungrouped
        .iter()
        .map(|u| pb::UngroupedMentee {
            mentee_id: problem.mentees[u.mentee].profile.id.clone(),
            reason: match u.reason {
                UngroupedReason::NoCompatibleMentor => pb::UngroupedReason::NoCompatibleMentor,
                UngroupedReason::NotPlaced => pb::UngroupedReason::NotPlaced,
            } as i32,
            message: u.message.clone(),
        })
        .collect();
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let stats = pb::GroupStats {
        status: if g.infeasible {
            pb::SolveStatus::Infeasible
        } else if g.optimal {
            pb::SolveStatus::Optimal
        } else {
            pb::SolveStatus::Feasible
        } as i32,
        groups: g.groups.len() as u32,
        grouped_mentees: g.groups.iter().map(|r| r.members.len() as u32).sum(),
        objective: round(g.objective),
        bound: g.bound.is_finite().then(|| round(g.bound)),
        gap: g.gap.is_finite().then(|| (g.gap * 1e6).round() / 1e6),
        slot_classes: g.slot_classes as u32,
        variables: g.variables as u32,
        constraints: g.constraints as u32,
    };
    (groups, ungrouped, Some(stats))
}

fn term_detail(problem: &Problem, p: &crate::matching::MatchedPair, c: Criterion) -> String {
    let v = &problem.vocab;
    let d = &p.detail;
    let names = |ix: &[u32], list: &[String]| {
        ix.iter()
            .map(|&k| list[k as usize].as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mentee = &problem.mentees[p.mentee];
    match c {
        Criterion::Sector if d.shared_sectors.is_empty() => "no shared sector".into(),
        Criterion::Sector => format!("shares {}", names(&d.shared_sectors, &v.sectors)),
        Criterion::Topics => format!(
            "covers {} of {} needs{}",
            d.shared_topics.len(),
            mentee.profile.topics.len(),
            if d.shared_topics.is_empty() {
                String::new()
            } else {
                format!(": {}", names(&d.shared_topics, &v.topics))
            }
        ),
        Criterion::Language => match d.shared_languages.first() {
            Some(&(l, a, b)) => format!(
                "{} at {} (mentor {}, mentee {})",
                v.languages[l as usize],
                a.min(b).name(),
                a.name(),
                b.name()
            ),
            None => "no shared language at the minimum level".into(),
        },
        Criterion::TimeZone => format!(
            "{} h overlap in the worst week (target {} h)",
            hours_of(f64::from(d.overlap.min_week_min)),
            hours_of(f64::from(problem.policy.overlap_target_min))
        ),
        Criterion::Preference => match d.preference_rank {
            Some(r) => format!("rank {} of {}", r + 1, mentee.preferred.len()),
            None => "not ranked".into(),
        },
        Criterion::DifferentCountry => format!(
            "{} – {}",
            problem.mentors[p.mentor].profile.country, mentee.profile.country
        ),
        Criterion::Stability => {
            if d.terms
                .iter()
                .any(|t| t.criterion == Criterion::Stability && t.value > 0.0)
            {
                "kept from the baseline".into()
            } else {
                "not a baseline pair".into()
            }
        }
        Criterion::Affinity => {
            if problem.affinities.contains_key(&(p.mentor, p.mentee)) {
                "explicit affinity".into()
            } else {
                "no affinity given".into()
            }
        }
    }
}
