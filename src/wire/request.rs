//! Request → [`Problem`]: every field validated (field path and offending
//! value for each violation), ids resolved to indices, strings interned,
//! defaults applied. The policy is read in [`super::policy`].

use std::collections::{BTreeMap, HashMap};

use chrono_tz::Tz;

use crate::error::Error;
use crate::model::{Mentee, Mentor, Problem, Profile, Schedule, Skill, Vocab};
use crate::settings::Limits;
use crate::wire::pb;

use super::demand::{extra_pair, mentee_demand, mentor_role, ExtraPair};
use super::fields::{
    check_text, level, norm, text_ok, Checker, Interner, MAX_AFFINITY, MAX_CAPACITY,
};
use super::history::history;
use super::hours::{availability, working_hours};
use super::ids::Ids;
use super::meetings::joint_meetings;
use super::policy::{group_policy, policy};
use super::sectors::related_sectors;

/// Interned strings and distinct schedules, built while reading profiles.
#[derive(Default)]
struct Builder {
    languages: Interner,
    sectors: Interner,
    topics: Interner,
    orgs: Interner,
    roles: Interner,
    schedules: Vec<Schedule>,
    schedule_ix: HashMap<Schedule, u32>,
}

/// Validates a request against `limits` and builds the problem.
pub fn problem_from_request(req: &pb::SolveRequest, limits: &Limits) -> Result<Problem, Error> {
    build_problem(req, limits, Builder::default())
}

/// [`problem_from_request`] for a what-if scenario of `base`: a role the
/// base's mentors carry stays a known role even when the scenario removes
/// its last mentor, so that a role demand on it is a rule the scenario
/// cannot meet (INFEASIBLE when it asks for at least one, nothing when it
/// only caps them) rather than a typo.
pub fn scenario_problem(
    req: &pb::SolveRequest,
    limits: &Limits,
    base: &pb::SolveRequest,
) -> Result<Problem, Error> {
    let mut b = Builder::default();
    for m in base.mentors.iter().filter(|m| !m.role.trim().is_empty()) {
        b.roles.get(norm(&m.role));
    }
    build_problem(req, limits, b)
}

/// Validates a request against `limits` and builds the problem, interning
/// into `b`.
fn build_problem(
    req: &pb::SolveRequest,
    limits: &Limits,
    mut b: Builder,
) -> Result<Problem, Error> {
    check_sizes(req, limits)?;
    let mut c = Checker::new(limits);
    check_text(&mut c, "request_id", &req.request_id, limits.max_id_chars);
    check_text(
        &mut c,
        "programme_id",
        &req.programme_id,
        limits.max_id_chars,
    );
    check_text(&mut c, "cohort", &req.cohort, limits.max_id_chars);
    // Ids first, so that references can be resolved.
    let ids = Ids::new(&mut c, req);
    let mentors = mentors(&mut c, &mut b, req);
    let mentees = mentees(&mut c, &mut b, req, &ids);

    let default_policy = pb::Policy::default();
    let pp = req.policy.as_ref().unwrap_or(&default_policy);
    let forbidden = ids.pairs(&mut c, "forbidden_pairs", &pp.forbidden_pairs);
    let pinned = ids.pairs(&mut c, "pinned_pairs", &pp.pinned_pairs);
    check_pinned_pairs(&mut c, pp, &pinned, &forbidden, &mentees);
    check_pins_allowed(&mut c, pp, &pinned, &mentees);
    let affinities = affinities(&mut c, req, &ids);
    let has_affinities = !req.affinities.is_empty();
    let mut policy = policy(&mut c, pp, forbidden, pinned, has_affinities, limits);
    if let Some(g) = pp.groups.as_ref() {
        policy.groups = Some(group_policy(
            &mut c,
            g,
            &policy,
            &mentees,
            has_affinities,
            &ids,
        ));
    }
    if let Some(j) = pp.joint_meetings.as_ref() {
        let people = mentors.len() + mentees.len();
        policy.joint_meetings = Some(joint_meetings(
            &mut c,
            j,
            (policy.start, policy.end),
            people,
        ));
    }
    policy.related_sectors = related_sectors(&mut c, &pp.related_sectors, &b.sectors);
    let history = history(
        &mut c,
        req.history.as_ref(),
        &ids,
        mentors.len(),
        limits.max_affinities,
        limits.max_text_chars,
    );
    check_pins_against_history(&mut c, req, &policy, &history);
    if let Some(g) = policy.groups.as_mut() {
        g.forbidden.extend(history.declined_members.keys().copied());
        g.forbidden.sort_unstable();
        g.forbidden.dedup();
    }
    c.finish()?;
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
            roles: b.roles.list,
        },
        include_timings: req.include_timings,
        include_certificate: req.include_certificate,
        stability: None,
        history,
    })
}

/// The request's size against `limits`, checked before anything else.
fn check_sizes(req: &pb::SolveRequest, limits: &Limits) -> Result<(), Error> {
    let mut c = Checker::new(limits);
    let (n_m, n_e) = (req.mentors.len(), req.mentees.len());
    if n_m == 0 {
        c.bad("mentors", "no mentors: at least one is required");
    }
    if n_e == 0 {
        c.bad("mentees", "no mentees: at least one is required");
    }
    if n_m > limits.max_mentors {
        c.bad(
            "mentors",
            format!("{n_m} mentors exceed the limit of {}", limits.max_mentors),
        );
    }
    if n_e > limits.max_mentees {
        c.bad(
            "mentees",
            format!("{n_e} mentees exceed the limit of {}", limits.max_mentees),
        );
    }
    let pairs = n_m as u64 * n_e as u64;
    if pairs > limits.max_pairs {
        c.bad(
            "mentees",
            format!(
                "{n_m} mentors × {n_e} mentees = {pairs} pairs exceed the limit of {}",
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
    c.finish()
}

/// Every mentor: profile, capacity, minimum, group limit.
fn mentors(c: &mut Checker, b: &mut Builder, req: &pb::SolveRequest) -> Vec<Mentor> {
    let mut mentors = Vec::with_capacity(req.mentors.len());
    for (k, m) in req.mentors.iter().enumerate() {
        let path = format!("mentors[{k}]");
        let profile = profile(c, b, &path, m.profile.as_ref());
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
        let role = mentor_role(c, &path, m, &mut b.roles);
        mentors.push(Mentor {
            profile,
            capacity,
            min_mentees: m.min_mentees,
            max_groups,
            role,
        });
    }
    mentors
}

/// Every mentee: profile, preferred and excluded mentors.
fn mentees(c: &mut Checker, b: &mut Builder, req: &pb::SolveRequest, ids: &Ids<'_>) -> Vec<Mentee> {
    let mut mentees = Vec::with_capacity(req.mentees.len());
    for (k, e) in req.mentees.iter().enumerate() {
        let path = format!("mentees[{k}]");
        let profile = profile(c, b, &path, e.profile.as_ref());
        let list = |name: &str, list: &[String], c: &mut Checker| -> Vec<usize> {
            if c.list_too_long(|| format!("{path}.{name}"), list.len()) {
                return Vec::new();
            }
            let mut out: Vec<usize> = Vec::new();
            for (i, id) in list.iter().enumerate() {
                let field = format!("{path}.{name}[{i}]");
                if let Some(m) = ids.mentor(c, field.clone(), id) {
                    if out.contains(&m) {
                        c.bad(field, format!("mentor {id:?} is listed twice"));
                    } else {
                        out.push(m);
                    }
                }
            }
            out
        };
        let preferred = list("preferred_mentors", &e.preferred_mentors, c);
        let excluded = list("excluded_mentors", &e.excluded_mentors, c);
        let allowed = (!e.allowed_mentors.is_empty()).then(|| {
            let mut allowed = list("allowed_mentors", &e.allowed_mentors, c);
            allowed.sort_unstable();
            allowed
        });
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
        let demand = mentee_demand(c, &path, e, &b.roles);
        mentees.push(Mentee {
            profile,
            preferred,
            excluded,
            allowed,
            demand,
        });
    }
    mentees
}

/// A mentee is pinned at most `max_mentors` times (once by default), never
/// twice to one mentor; a pinned pair is not also forbidden.
fn check_pinned_pairs(
    c: &mut Checker,
    pp: &pb::Policy,
    pinned: &[(usize, usize)],
    forbidden: &[(usize, usize)],
    mentees: &[Mentee],
) {
    let mut pins_of: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for (k, &(m, e)) in pinned.iter().enumerate() {
        let before = pins_of.entry(e).or_default();
        let max = mentees.get(e).map_or(1, |x| x.demand.max_mentors);
        let field = format!("policy.pinned_pairs[{k}]");
        let id = &pp.pinned_pairs[k].mentee_id;
        match extra_pair(before, &m, max) {
            Some(ExtraPair::Second(prev)) => c.bad(
                format!("{field}.mentee_id"),
                format!(
                    "mentee {id:?} is already pinned by policy.pinned_pairs[{prev}]; a mentee \
                     has one bilateral mentor"
                ),
            ),
            Some(ExtraPair::Twice(prev)) => c.bad(
                field.clone(),
                format!("the pair is already pinned by policy.pinned_pairs[{prev}]"),
            ),
            Some(ExtraPair::OverMax) => c.bad(
                format!("{field}.mentee_id"),
                format!("mentee {id:?} has more pinned pairs than its max_mentors {max}"),
            ),
            None => {}
        }
        before.push((k, m));
        if forbidden.contains(&(m, e)) {
            c.bad(
                field,
                format!(
                    "pair ({:?}, {:?}) is both pinned and forbidden",
                    pp.pinned_pairs[k].mentor_id, pp.pinned_pairs[k].mentee_id
                ),
            );
        }
    }
}

/// A pinned pair of a mentee with a list of allowed mentors is on it.
fn check_pins_allowed(
    c: &mut Checker,
    pp: &pb::Policy,
    pinned: &[(usize, usize)],
    mentees: &[Mentee],
) {
    for (k, &(m, e)) in pinned.iter().enumerate() {
        if let Some(allowed) = mentees.get(e).and_then(|x| x.allowed.as_ref()) {
            if allowed.binary_search(&m).is_err() {
                c.bad(
                    format!("policy.pinned_pairs[{k}]"),
                    format!(
                        "pair ({:?}, {:?}) is pinned but the mentor is not among the mentee's \
                         allowed_mentors",
                        pp.pinned_pairs[k].mentor_id, pp.pinned_pairs[k].mentee_id
                    ),
                );
            }
        }
    }
}

/// A pinned pair or membership that the programme declined is a conflict
/// for the coordinator to settle, not something to pick silently.
fn check_pins_against_history(
    c: &mut Checker,
    req: &pb::SolveRequest,
    policy: &crate::model::Policy,
    history: &crate::model::History,
) {
    let id = |p: &Option<pb::Profile>| p.as_ref().map_or("", |p| p.id.as_str()).to_string();
    let (mentor, mentee) = (
        |m: usize| id(&req.mentors[m].profile),
        |e: usize| id(&req.mentees[e].profile),
    );
    for (k, &(m, e)) in policy.pinned.iter().enumerate() {
        if let Some(d) = history.declined.get(&(m, e)) {
            c.bad(
                format!("policy.pinned_pairs[{k}]"),
                format!(
                    "pair ({:?}, {:?}) is pinned but was declined on {} (history.declined)",
                    mentor(m),
                    mentee(e),
                    d.date
                ),
            );
        }
    }
    let Some(g) = policy.groups.as_ref() else {
        return;
    };
    for &(m, e) in &g.pinned {
        if let Some(d) = history.declined_members.get(&(m, e)) {
            c.bad(
                "policy.groups.pinned_members",
                format!(
                    "membership ({:?}, {:?}) is pinned but was declined on {} (history.declined)",
                    mentor(m),
                    mentee(e),
                    d.date
                ),
            );
        }
    }
}

/// The explicit affinities, by (mentor, mentee).
fn affinities(
    c: &mut Checker,
    req: &pb::SolveRequest,
    ids: &Ids<'_>,
) -> BTreeMap<(usize, usize), f64> {
    let mut affinities = BTreeMap::new();
    for (k, a) in req.affinities.iter().enumerate() {
        let f = format!("affinities[{k}]");
        let m = ids.mentor(c, format!("{f}.mentor_id"), &a.mentor_id);
        let e = ids.mentee(c, format!("{f}.mentee_id"), &a.mentee_id);
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
    affinities
}

/// A profile (`path` is the person's field path).
fn profile(c: &mut Checker, b: &mut Builder, path: &str, p: Option<&pb::Profile>) -> Profile {
    let Some(p) = p else {
        c.bad(format!("{path}.profile"), "missing profile");
        return empty_profile();
    };
    let path = format!("{path}.profile");
    let max_text = c.limits.max_text_chars;
    if !text_ok(&p.name, max_text) {
        check_text(c, &format!("{path}.name"), &p.name, max_text);
    }
    let country = p.country.trim().to_uppercase();
    if isocountry::CountryCode::for_alpha2(&country).is_err() {
        c.bad(
            format!("{path}.country"),
            format!("{:?} is not an ISO 3166-1 alpha-2 country code", p.country),
        );
    }
    let org_ok = text_ok(&p.organization, max_text)
        || check_text(
            c,
            &format!("{path}.organization"),
            &p.organization,
            max_text,
        );
    let organization = if org_ok && !p.organization.trim().is_empty() {
        Some(b.orgs.get(norm(&p.organization)))
    } else {
        None
    };

    let languages = languages(c, b, &path, p);
    let schedule = schedule(c, b, &path, p);
    let sectors = terms(c, &path, "sectors", &p.sectors, &mut b.sectors);
    let topics = terms(c, &path, "topics", &p.topics, &mut b.topics);
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

/// A profile's languages, sorted by language, one entry per language.
fn languages(c: &mut Checker, b: &mut Builder, path: &str, p: &pb::Profile) -> Vec<Skill> {
    let mut languages: Vec<Skill> = Vec::new();
    if c.list_too_long(|| format!("{path}.languages"), p.languages.len()) {
        return languages;
    }
    if p.languages.is_empty() {
        c.bad(
            format!("{path}.languages"),
            "no languages: at least one is required",
        );
    }
    for (k, l) in p.languages.iter().enumerate() {
        let f = || format!("{path}.languages[{k}]");
        let code = norm(&l.code);
        if isolang::Language::from_639_1(&code).is_none() {
            c.bad(
                format!("{}.code", f()),
                format!("{:?} is not an ISO 639-1 language code", l.code),
            );
            continue;
        }
        let Some(level) = level(l.level) else {
            c.bad(
                format!("{}.level", f()),
                format!("level {} is not a language level (A1..C2, NATIVE)", l.level),
            );
            continue;
        };
        let language = b.languages.get(code);
        if languages.iter().any(|s| s.language == language) {
            c.bad(
                format!("{}.code", f()),
                format!("language {:?} is listed twice", l.code),
            );
            continue;
        }
        languages.push(Skill { language, level });
    }
    languages.sort_by_key(|s| s.language);

    languages
}

/// A profile's time zone, working hours and availability, as an index into the distinct
/// schedules.
fn schedule(c: &mut Checker, b: &mut Builder, path: &str, p: &pb::Profile) -> u32 {
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
    let hours = working_hours(c, path, p.working_hours.as_ref());
    let available = availability(c, path, p);
    let schedule = Schedule {
        tz,
        hours,
        available,
    };
    if let Some(&k) = b.schedule_ix.get(&schedule) {
        return k;
    }
    b.schedules.push(schedule.clone());
    let k = (b.schedules.len() - 1) as u32;
    b.schedule_ix.insert(schedule, k);
    k
}

/// Sectors or topics (`name`): interned, sorted, unique.
fn terms(
    c: &mut Checker,
    path: &str,
    name: &str,
    list: &[String],
    intern: &mut Interner,
) -> Vec<u32> {
    if c.list_too_long(|| format!("{path}.{name}"), list.len()) {
        return Vec::new();
    }
    let mut out: Vec<u32> = Vec::new();
    for (k, s) in list.iter().enumerate() {
        let f = || format!("{path}.{name}[{k}]");
        let max = c.limits.max_text_chars;
        if s.trim().is_empty() {
            c.bad(f(), "empty string");
        } else if text_ok(s, max) || check_text(c, &f(), s, max) {
            out.push(intern.get(norm(s)));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The stand-in for a missing profile (the request is invalid anyway).
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
