//! Diagnosis without a solve: data-quality findings and a feasibility
//! summary for a validated problem (the `Validate` RPC, `mentormatch check`).
//!
//! Scores every pair once (the hard rules need it), then answers with
//! maximum flows rather than an optimisation: the largest number of mentees
//! any matching can place (petgraph's Dinic), whether every mentor minimum
//! can be met, and a capacity certificate for each distinct bottleneck.
//! Pure: no IO.

use petgraph::algo::dinics;
use petgraph::graph::{DiGraph, EdgeIndex};

use crate::hall::{self, Certificate, Reach, Search};
use crate::matching::{self, no_candidate, Pins};
use crate::model::{EngineUsed, MenteeIdx, Problem, Profile};
use crate::overlap::format_hhmm;
use crate::scoring::Scorer;
use crate::solvers::Instance;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The request cannot be solved as it is.
    Error,
    /// Likely a data problem, or people who will stay unmatched.
    Warning,
    /// Worth knowing.
    Info,
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    /// A request field is invalid (validation error).
    InvalidField,
    /// A time zone is not in the IANA database.
    UnknownTimeZone,
    /// A pinned pair breaks a hard rule.
    PinBreaksRule,
    /// A mentor has more pinned pairs than places.
    PinOverCapacity,
    /// Mentor minimums cannot all be met.
    MinimumsInfeasible,
    /// A mentee has no mentor passing every hard rule.
    NoCandidate,
    /// A mentor with places has no compatible mentee.
    MentorWithoutCandidate,
    /// A person's working hours never overlap with anyone on the other side.
    ZeroOverlap,
    /// Pairs that have no overlap in at least one week of the programme.
    WeeksWithoutOverlap,
    /// Fewer places than mentees.
    CapacityShortfall,
    /// Mentees with candidates that no matching can all place (a certificate).
    CoverageShortfall,
    /// Places that no matching can fill.
    IdleCapacity,
    /// The max-flow checks were skipped (the programme exceeds their limit).
    NotChecked,
}

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Machine-readable code.
    pub code: Code,
    /// Request field path, when one field is at fault.
    pub field: String,
    /// Ids of the people concerned.
    pub ids: Vec<String>,
    /// A sentence for the coordinator.
    pub message: String,
    /// For `CoverageShortfall`: the Hall violator.
    pub certificate: Option<Certificate>,
}

impl Finding {
    fn new(severity: Severity, code: Code, message: String) -> Self {
        Finding {
            severity,
            code,
            field: String::new(),
            ids: Vec::new(),
            message,
            certificate: None,
        }
    }
}

/// What a solve could achieve, found without solving.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Mentees.
    pub mentees: u32,
    /// Mentors.
    pub mentors: u32,
    /// Sum of mentor capacities.
    pub places: u64,
    /// Pinned pairs.
    pub pinned_pairs: u32,
    /// Mentor × mentee pairs considered (unpinned mentees).
    pub candidate_pairs_total: u64,
    /// Pairs passing every hard rule.
    pub candidate_pairs_feasible: u64,
    /// Unpinned mentees without a candidate.
    pub mentees_without_candidate: u32,
    /// Most mentees any matching places, pins included (ignoring quotas);
    /// `None` above [`MAX_FLOW_MENTEES`].
    pub max_coverage: Option<u32>,
    /// Sum of mentor minimums.
    pub minimum_places: u64,
    /// Whether every mentor minimum can be met at once; `None` when not checked.
    pub minimums_feasible: Option<bool>,
    /// The engine a solve would use.
    pub engine: Option<EngineUsed>,
}

/// Findings and summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Findings, errors first, then by code, then in request order.
    pub findings: Vec<Finding>,
    /// The summary.
    pub summary: Summary,
}

/// Findings of one code listed one by one; the rest are counted in one more.
pub const MAX_FINDINGS_PER_CODE: usize = 50;

/// Most unpinned mentees for which the max-flow checks run (petgraph's
/// Dinic augments one unit at a time, each in time linear in the nodes).
pub const MAX_FLOW_MENTEES: usize = 20_000;

/// Distinct capacity certificates reported.
pub const MAX_CERTIFICATES: usize = 20;

/// Diagnoses a validated problem.
pub fn check(problem: &Problem, threads: usize) -> Report {
    let p = problem;
    let scorer = Scorer::new(p);
    let mut findings = Vec::new();
    for v in matching::broken_pins(&scorer) {
        let mut f = Finding::new(Severity::Error, Code::PinBreaksRule, v.description);
        f.field = v.field;
        findings.push(f);
    }
    let pins = Pins::new(p);
    for (m, mentor) in p.mentors.iter().enumerate() {
        if pins.per_mentor[m] > mentor.capacity {
            let mut f = Finding::new(
                Severity::Error,
                Code::PinOverCapacity,
                format!(
                    "mentor {} has {} pinned mentees but a capacity of {}",
                    mentor.profile.id, pins.per_mentor[m], mentor.capacity
                ),
            );
            f.field = format!("mentors[{m}].capacity");
            f.ids = vec![mentor.profile.id.clone()];
            findings.push(f);
        }
    }
    let cands = pins.candidates(&scorer, threads);
    let inst = &cands.instance;

    // Mentees without candidates, mentors without mentees.
    let mut without = 0u32;
    for (k, &e) in cands.mentees.iter().enumerate() {
        if inst.arcs(k).is_empty() {
            without += 1;
            let u = no_candidate(&scorer, e);
            let mut f = Finding::new(
                Severity::Warning,
                Code::NoCandidate,
                format!("mentee {}: {}", p.mentees[e].profile.id, u.message),
            );
            f.ids = vec![p.mentees[e].profile.id.clone()];
            findings.push(f);
        }
    }
    let mut has_arc = vec![false; p.mentors.len()];
    for &j in &inst.mentor {
        has_arc[j as usize] = true;
    }
    for (m, mentor) in p.mentors.iter().enumerate() {
        if inst.capacity[m] > 0 && !has_arc[m] {
            let mut f = Finding::new(
                Severity::Info,
                Code::MentorWithoutCandidate,
                format!(
                    "mentor {} has {} free place(s) but no compatible unpinned mentee",
                    mentor.profile.id, inst.capacity[m]
                ),
            );
            f.ids = vec![mentor.profile.id.clone()];
            findings.push(f);
        }
    }
    findings.extend(overlap_findings(&scorer));

    // Capacity totals and what flows can achieve.
    let places: u64 = p.mentors.iter().map(|m| u64::from(m.capacity)).sum();
    let mentees = p.mentees.len() as u64;
    if places < mentees {
        findings.push(Finding::new(
            Severity::Warning,
            Code::CapacityShortfall,
            format!(
                "the mentors offer {places} places for {mentees} mentees: at least {} \
                 mentees stay unmatched",
                mentees - places
            ),
        ));
    }
    let minimum_places: u64 = p.mentors.iter().map(|m| u64::from(m.min_mentees)).sum();
    let pinned = p.policy.pinned.len() as u32;
    let (max_coverage, minimums_feasible) = if cands.mentees.len() > MAX_FLOW_MENTEES {
        findings.push(Finding::new(
            Severity::Info,
            Code::NotChecked,
            format!(
                "maximum coverage, bottlenecks and minimums were not checked: {} unpinned \
                 mentees exceed the check's limit of {MAX_FLOW_MENTEES} (a solve still \
                 reports them)",
                cands.mentees.len()
            ),
        ));
        (None, (minimum_places == 0).then_some(true))
    } else {
        let flow = flows(p, &scorer, &cands, &pins, without, &mut findings);
        (Some(pinned + flow), Some(minimums(p, inst, &mut findings)))
    };

    findings.sort_by_key(|f| (f.severity, f.code));
    cap_findings(&mut findings);
    Report {
        findings,
        summary: Summary {
            mentees: p.mentees.len() as u32,
            mentors: p.mentors.len() as u32,
            places,
            pinned_pairs: pinned,
            candidate_pairs_total: cands.total,
            candidate_pairs_feasible: inst.mentor.len() as u64,
            mentees_without_candidate: without,
            max_coverage,
            minimum_places,
            minimums_feasible,
            engine: Some(matching::engine_for(p)),
        },
    }
}

fn id_list(ids: &[String]) -> String {
    hall::ids(ids.iter().map(String::as_str))
}

/// Maximum coverage of the unpinned mentees (petgraph's Dinic), each
/// bottleneck with its certificate, and idle places; returns the coverage.
fn flows(
    p: &Problem,
    scorer: &Scorer<'_>,
    cands: &matching::Candidates,
    pins: &Pins,
    without: u32,
    findings: &mut Vec<Finding>,
) -> u32 {
    let inst = &cands.instance;
    let (flow, arc) = max_flow(inst, &inst.capacity);
    let with_candidates = cands.mentees.len() as u32 - without;
    // Bottlenecks: unmatched mentees grouped by the mentors their
    // certificate names; a group of r roots is r mentees short.
    let mut bottlenecks: Vec<(Vec<u64>, Certificate, Vec<MenteeIdx>, u32)> = Vec::new();
    if flow < with_candidates {
        let loads = loads(inst, &arc, pins);
        let searcher = hall::Searcher::new(inst, &arc);
        let mut searched = 0;
        for (k, a) in arc.iter().enumerate() {
            if a.is_some() || inst.arcs(k).is_empty() || searched >= searcher.search_limit() {
                continue;
            }
            searched += 1;
            let Reach::Violator { key, .. } = searcher.reach(k as u32) else {
                continue;
            };
            if let Some(b) = bottlenecks.iter_mut().find(|b| b.0 == key) {
                b.2.push(cands.mentees[k]);
                b.3 += 1;
            } else if bottlenecks.len() < MAX_CERTIFICATES {
                let Search::Violator(v) = searcher.search(k as u32) else {
                    continue;
                };
                let members: Vec<MenteeIdx> = v
                    .mentees
                    .iter()
                    .map(|&x| cands.mentees[x as usize])
                    .collect();
                let c =
                    hall::certificate(scorer, inst, &cands.mentees, &v, &loads, &pins.per_mentor);
                bottlenecks.push((key, c, members, 1));
            }
        }
        findings.push(Finding::new(
            Severity::Warning,
            Code::CoverageShortfall,
            format!(
                "at most {flow} of the {with_candidates} unpinned mentees with a candidate can be \
                 matched: {} stay unmatched whatever the scores",
                with_candidates - flow,
            ),
        ));
    }
    for (_, c, mut members, short) in bottlenecks {
        members.sort_unstable();
        members.dedup();
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
                hall::ids(
                    c.mentors
                        .iter()
                        .map(|x| p.mentors[x.mentor].profile.id.as_str())
                ),
                c.message
            ),
        );
        f.ids = ids;
        f.certificate = Some(c);
        findings.push(f);
    }
    let free: u64 = inst.capacity.iter().map(|&c| u64::from(c)).sum();
    if free > u64::from(flow) {
        findings.push(Finding::new(
            Severity::Info,
            Code::IdleCapacity,
            format!(
                "{} of {free} free places stay empty in every matching (no compatible \
                 mentee is left for them)",
                free - u64::from(flow)
            ),
        ));
    }
    flow
}

/// Mentor loads (pins included) under an instance assignment.
fn loads(inst: &Instance, arc: &[Option<u32>], pins: &Pins) -> Vec<u32> {
    let mut loads = pins.per_mentor.clone();
    for a in arc.iter().flatten() {
        loads[inst.mentor[*a as usize] as usize] += 1;
    }
    loads
}

/// A maximum flow mentee → mentor → sink with the given mentor
/// capacities: its value and the arc each mentee uses.
fn max_flow(inst: &Instance, capacity: &[u32]) -> (u32, Vec<Option<u32>>) {
    let mut g = DiGraph::<(), u32>::with_capacity(
        inst.mentees() + inst.mentors() + 2,
        inst.mentor.len() + inst.mentees() + inst.mentors(),
    );
    let s = g.add_node(());
    let t = g.add_node(());
    let ms: Vec<_> = (0..inst.mentors()).map(|_| g.add_node(())).collect();
    let mut edge_of: Vec<EdgeIndex> = Vec::with_capacity(inst.mentor.len());
    for e in 0..inst.mentees() {
        let n = g.add_node(());
        g.add_edge(s, n, 1);
        for a in inst.arcs(e) {
            edge_of.push(g.add_edge(n, ms[inst.mentor[a] as usize], 1));
        }
    }
    for (j, &n) in ms.iter().enumerate() {
        g.add_edge(n, t, capacity[j]);
    }
    let (value, flows) = dinics(&g, s, t);
    let arc = (0..inst.mentees())
        .map(|e| {
            inst.arcs(e)
                .find(|&a| flows[edge_of[a].index()] > 0)
                .map(|a| a as u32)
        })
        .collect();
    (value, arc)
}

/// Whether every minimum can be met at once (a flow saturating the minimum
/// places); adds an error naming the mentors left short otherwise.
fn minimums(p: &Problem, inst: &Instance, findings: &mut Vec<Finding>) -> bool {
    let need: u64 = inst.minimum.iter().map(|&m| u64::from(m)).sum();
    if need == 0 {
        return true;
    }
    let (got, arc) = max_flow(inst, &inst.minimum);
    if u64::from(got) == need {
        return true;
    }
    let mut load = vec![0u32; inst.mentors()];
    for a in arc.iter().flatten() {
        load[inst.mentor[*a as usize] as usize] += 1;
    }
    let short: Vec<usize> = (0..inst.mentors())
        .filter(|&j| load[j] < inst.minimum[j])
        .collect();
    let mut f = Finding::new(
        Severity::Error,
        Code::MinimumsInfeasible,
        format!(
            "mentor minimums ask for {need} unpinned mentees, but at most {got} can be given \
             to them at once; short in one best attempt: {}",
            short
                .iter()
                .map(|&j| format!(
                    "{} ({} of {})",
                    p.mentors[j].profile.id, load[j], inst.minimum[j]
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    f.ids = short
        .iter()
        .map(|&j| p.mentors[j].profile.id.clone())
        .collect();
    findings.push(f);
    false
}

/// People whose working hours never meet anyone on the other side, and
/// pairs that lose all overlap in some week (clock changes, Ramadan time).
fn overlap_findings(scorer: &Scorer<'_>) -> Vec<Finding> {
    let p = scorer.problem();
    // One representative person per distinct schedule on each side.
    let reps = |scheds: Vec<u32>| {
        let mut r: Vec<(u32, usize)> = Vec::new();
        for (i, s) in scheds.into_iter().enumerate() {
            if !r.iter().any(|&(x, _)| x == s) {
                r.push((s, i));
            }
        }
        r
    };
    let mentor_reps = reps(p.mentors.iter().map(|m| m.profile.schedule).collect());
    let mentee_reps = reps(p.mentees.iter().map(|e| e.profile.schedule).collect());
    // (mentor schedule, mentee schedule) → (mean, worst week).
    let cell = |&(_, m): &(u32, usize), &(_, e): &(u32, usize)| {
        let o = scorer.overlap(m, e);
        (o.mean_week_min, o.min_week_min)
    };
    let mut out = Vec::new();
    let describe = |s: u32| {
        let sc = &p.schedules[s as usize];
        format!(
            "{}–{} {}",
            format_hhmm(sc.hours.start_min),
            format_hhmm(sc.hours.end_min),
            sc.tz.name()
        )
    };
    if mentor_reps.is_empty() || mentee_reps.is_empty() {
        return out;
    }
    // Everyone with a schedule that meets no schedule of the other side.
    let mut flag = |side: &str, other: &str, path: &str, people: &[&Profile], sched: u32| {
        for (k, x) in people.iter().enumerate() {
            if x.schedule == sched {
                let mut f = Finding::new(
                    Severity::Warning,
                    Code::ZeroOverlap,
                    format!(
                        "{side} {}'s working hours ({}) never overlap with any {other}'s: \
                         check time_zone and working_hours",
                        x.id,
                        describe(sched)
                    ),
                );
                f.field = format!("{path}[{k}].profile.working_hours");
                f.ids = vec![x.id.clone()];
                out.push(f);
            }
        }
    };
    let mentees: Vec<&Profile> = p.mentees.iter().map(|x| &x.profile).collect();
    let mentors: Vec<&Profile> = p.mentors.iter().map(|x| &x.profile).collect();
    for &er in &mentee_reps {
        if mentor_reps.iter().all(|mr| cell(mr, &er).0 <= 0.0) {
            flag("mentee", "mentor", "mentees", &mentees, er.0);
        }
    }
    for &mr in &mentor_reps {
        if mentee_reps.iter().all(|er| cell(&mr, er).0 <= 0.0) {
            flag("mentor", "mentee", "mentors", &mentors, mr.0);
        }
    }
    // Pairs that overlap on average but not in their worst week.
    let mut count = vec![0u32; p.schedules.len()];
    for x in &p.mentors {
        count[x.profile.schedule as usize] += 1;
    }
    let mut mentee_count = vec![0u32; p.schedules.len()];
    for x in &p.mentees {
        mentee_count[x.profile.schedule as usize] += 1;
    }
    let mut pairs = 0u64;
    let mut zones = Vec::new();
    for mr in &mentor_reps {
        for er in &mentee_reps {
            let (mean, worst) = cell(mr, er);
            if mean > 0.0 && worst == 0 {
                pairs += u64::from(count[mr.0 as usize]) * u64::from(mentee_count[er.0 as usize]);
                let z = format!(
                    "{} / {}",
                    p.schedules[mr.0 as usize].tz.name(),
                    p.schedules[er.0 as usize].tz.name()
                );
                if !zones.contains(&z) {
                    zones.push(z);
                }
            }
        }
    }
    if pairs > 0 {
        zones.truncate(5);
        out.push(Finding::new(
            Severity::Info,
            Code::WeeksWithoutOverlap,
            format!(
                "{pairs} mentor–mentee pairs overlap on average but not at all in some week of \
                 the programme (clock changes), e.g. {}",
                zones.join(", ")
            ),
        ));
    }
    out
}

/// Keeps the first [`MAX_FINDINGS_PER_CODE`] findings of each code and
/// counts the rest in one more finding.
fn cap_findings(findings: &mut Vec<Finding>) {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut k = 0;
    while k < findings.len() {
        let code = findings[k].code;
        let end = findings[k..]
            .iter()
            .position(|f| f.code != code)
            .map_or(findings.len(), |n| k + n);
        let run = &findings[k..end];
        out.extend(run.iter().take(MAX_FINDINGS_PER_CODE).cloned());
        if run.len() > MAX_FINDINGS_PER_CODE {
            out.push(Finding::new(
                run[0].severity,
                code,
                format!(
                    "and {} more findings like the above",
                    run.len() - MAX_FINDINGS_PER_CODE
                ),
            ));
        }
        k = end;
    }
    *findings = out;
}
