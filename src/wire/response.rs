//! Outcome → `SolveResponse`: ids for indices, points for milli-points,
//! wire enums, the groups' sessions in every member's local time.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::calendar::sessions::PairSlot;
use crate::calendar::{format_hhmm, round_hours, slots, Slot};
use crate::explain::pairs::term_detail;
use crate::model::{from_milli, Criterion, HardRule, Level, Objective, Problem};
use crate::outcome::{
    Blocking, Certificate, DemandCertificate, EngineUsed, FlowCertificate, GroupCriterion,
    GroupOutcome, GroupResult, MatchedPair, Outcome, SearchBound, Status, Timings, UngroupedReason,
    Unmatched, UnmatchedReason,
};
use crate::wire::pb;

/// Wire enum of a score criterion.
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
        Criterion::EarlierCohort => pb::Criterion::EarlierCohort,
        Criterion::CohortLoad => pb::Criterion::CohortLoad,
    }
}

/// Wire enum of a hard rule.
pub(crate) fn hard_rule(r: HardRule) -> pb::HardRule {
    match r {
        HardRule::Forbidden => pb::HardRule::Forbidden,
        HardRule::NotAllowed => pb::HardRule::NotAllowed,
        HardRule::Declined => pb::HardRule::Declined,
        HardRule::EarlierCohort => pb::HardRule::EarlierCohort,
        HardRule::SameOrganization => pb::HardRule::SameOrganization,
        HardRule::CrossBorder => pb::HardRule::CrossBorder,
        HardRule::Language => pb::HardRule::Language,
        HardRule::Overlap => pb::HardRule::Overlap,
        HardRule::SharedWeeks => pb::HardRule::SharedWeeks,
        HardRule::Sector => pb::HardRule::Sector,
        HardRule::MinScore => pb::HardRule::MinScore,
        HardRule::NoCapacity => pb::HardRule::NoCapacity,
    }
}

/// Wire enum of an objective.
fn objective(o: Objective) -> pb::Objective {
    match o {
        Objective::CoverageThenScore => pb::Objective::CoverageThenScore,
        Objective::Fair => pb::Objective::Fair,
        Objective::Score => pb::Objective::Score,
        Objective::Stable(_) => pb::Objective::Stable,
    }
}

/// Wire value of a language level.
fn level_pb(l: Level) -> i32 {
    i32::from(l.0)
}

/// Wire enum of an engine.
pub(crate) fn engine(e: EngineUsed) -> pb::Engine {
    match e {
        EngineUsed::Flow => pb::Engine::Flow,
        EngineUsed::Milp => pb::Engine::Milp,
        EngineUsed::DeferredAcceptance => pb::Engine::DeferredAcceptance,
    }
}

/// Wire enum of a status.
fn status(s: Status) -> pb::SolveStatus {
    match s {
        Status::Optimal => pb::SolveStatus::Optimal,
        Status::Feasible => pb::SolveStatus::Feasible,
        Status::Infeasible => pb::SolveStatus::Infeasible,
    }
}

/// Maps a capacity certificate to the wire.
pub(crate) fn certificate_wire(problem: &Problem, c: &Certificate) -> pb::CapacityCertificate {
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
pub(crate) fn response_from_outcome(problem: &Problem, o: &Outcome) -> pb::SolveResponse {
    response_with(problem, o, None)
}

/// What a what-if's CHANGES view keeps of a scenario's response.
pub(crate) struct Changes<'a> {
    /// Baseline (mentor, mentee) pairs of the scenario's people.
    pub baseline: &'a BTreeSet<(usize, usize)>,
    /// Mentees of the base already short of their demand in the baseline
    /// (without demand: without a baseline pair); their unmatched entry is
    /// no change.
    pub unmatched_before: &'a [bool],
}

/// [`response_from_outcome`], with only what changes against a baseline
/// when `changes` is given (stats stay those of the whole outcome).
pub(crate) fn response_with(
    problem: &Problem,
    o: &Outcome,
    changes: Option<&Changes<'_>>,
) -> pb::SolveResponse {
    let pair_kept =
        |p: &MatchedPair| changes.is_none_or(|c| !c.baseline.contains(&(p.mentor, p.mentee)));
    let unmatched_kept = |u: &Unmatched| changes.is_none_or(|c| !c.unmatched_before[u.mentee]);
    let baseline_loads = changes.map(|c| {
        let mut loads = vec![0u32; problem.mentors.len()];
        for &(m, _) in c.baseline {
            loads[m] += 1;
        }
        loads
    });
    let load_kept = |m: usize, l: u32| baseline_loads.as_ref().is_none_or(|b| b[m] != l);
    let (groups, ungrouped, group_stats) = match &o.groups {
        Some(g) => (
            g.groups
                .iter()
                .enumerate()
                .map(|(k, r)| group_wire(problem, k, r))
                .collect(),
            ungrouped_wire(problem, g),
            Some(group_stats(g)),
        ),
        None => (Vec::new(), Vec::new(), None),
    };
    pb::SolveResponse {
        groups,
        ungrouped,
        group_stats,
        request_id: problem.request_id.clone(),
        status: status(o.status) as i32,
        pairs: o
            .pairs
            .iter()
            .enumerate()
            .filter(|(_, p)| pair_kept(p))
            .map(|(k, p)| {
                let slots = o.sessions.get(k).map_or(&[][..], Vec::as_slice);
                pair_wire(problem, p, slots)
            })
            .collect(),
        unmatched: o
            .unmatched
            .iter()
            .filter(|u| unmatched_kept(u))
            .map(|u| unmatched_wire(problem, u))
            .collect(),
        mentor_loads: problem
            .mentors
            .iter()
            .zip(&o.loads)
            .enumerate()
            .filter(|&(k, (_, &l))| load_kept(k, l))
            .map(|(_, (m, &l))| pb::MentorLoad {
                mentor_id: m.profile.id.clone(),
                mentees: l,
                capacity: m.capacity,
                min_mentees: m.min_mentees,
            })
            .collect(),
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
            matched: o.matched_mentees() as u32,
            pairs: if problem.has_demand() {
                o.pairs.len() as u32
            } else {
                0
            },
            mentees: problem.mentees.len() as u32,
            mentors: problem.mentors.len() as u32,
            total_score: from_milli(o.total_score()),
            min_pair_score: from_milli(o.min_score().unwrap_or(0)),
            objective: objective(o.objective) as i32,
            engine: engine(o.engine) as i32,
            candidate_pairs_total: o.candidate_pairs_total,
            candidate_pairs_feasible: o.candidate_pairs_feasible,
            timings: problem.include_timings.then(|| timings_wire(&o.timings)),
            bound: o.bound.map(|b| bound_wire(o, &b)),
            stable_loss: o.optimum.map(|(matched, total)| pb::StableLoss {
                optimum_matched: matched,
                optimum_total_score: from_milli(total),
                matched_fewer: matched.saturating_sub(o.matched_mentees() as u32),
                score_lower: from_milli(total - o.total_score()),
            }),
        }),
        certificate: match (&o.certificate, &o.demand_certificate) {
            _ if !problem.include_certificate => None,
            (Some(c), _) => Some(optimality_wire(c)),
            (None, Some(d)) => Some(pb::OptimalityCertificate {
                demand: Some(demand_wire(d)),
                ..Default::default()
            }),
            (None, None) => None,
        },
        blocking: o.blocking.as_ref().map(|b| blocking_wire(problem, b)),
        joint_meetings: problem
            .policy
            .joint_meetings
            .as_ref()
            .map_or_else(Vec::new, |cfg| {
                super::meetings::meetings_pb(problem, cfg, &o.meetings)
            }),
    }
}

/// The answer's blocking pairs on the wire.
fn blocking_wire(problem: &Problem, b: &Blocking) -> pb::Blocking {
    pb::Blocking {
        count: b.count,
        pairs: b
            .listed
            .iter()
            .map(|x| pb::BlockingPair {
                mentor_id: problem.mentors[x.mentor].profile.id.clone(),
                mentee_id: problem.mentees[x.mentee].profile.id.clone(),
                score: from_milli(x.score),
                mentee_score_now: x.mentee_now.map(from_milli),
                mentor_lowest_score: x.mentor_lowest.map(from_milli),
            })
            .collect(),
    }
}

/// A FEASIBLE answer's bounds on the wire, pinned pairs added back in.
fn bound_wire(o: &Outcome, b: &SearchBound) -> pb::SearchBound {
    let pinned = o.pairs.iter().filter(|p| p.pinned);
    let (count, score) = pinned.fold((0u32, 0), |(n, s), p| (n + 1, s + p.detail.score));
    let total = o.total_score();
    let at_most = b.score_at_most.map(|x| (x + score).max(total));
    pb::SearchBound {
        matched_at_most: b.matched_at_most + count,
        total_score_at_most: at_most.map(from_milli),
        gap: at_most
            .filter(|&x| x != 0)
            .map(|x| (x - total) as f64 / (x as f64).abs()),
        lowest_pair_score_at_most: b.lowest_at_most.map(from_milli),
    }
}

/// The flow's optimality certificate on the wire.
fn optimality_wire(c: &FlowCertificate) -> pb::OptimalityCertificate {
    pb::OptimalityCertificate {
        top: c.top,
        scale: c.scale,
        cost_unmatched: c.cost_unmatched,
        minimum_weight: c.minimum_weight,
        mentee_potentials: c.mentee.clone(),
        mentor_potentials: c.mentor.clone(),
        unmatched_potential: c.unmatched,
        sink_potential: c.sink,
        fair: c.fair.as_ref().map(|f| {
            Box::new(pb::FairProof {
                lowest_score: f.lowest,
                coverage: Some(Box::new(optimality_wire(&f.coverage))),
                above: Some(Box::new(optimality_wire(&f.above))),
            })
        }),
        demand: None,
    }
}

/// The demand flow's certificate on the wire (decimal integers).
fn demand_wire(c: &DemandCertificate) -> pb::DemandCertificate {
    let text = |v: &[i128]| v.iter().map(i128::to_string).collect();
    pb::DemandCertificate {
        minimum_weight: c.minimum_weight.to_string(),
        pin_weight: c.pin_weight.to_string(),
        covered_weights: text(&c.covered_weights),
        further_weight: c.further_weight.to_string(),
        score_weight: c.score_weight.to_string(),
        mentee_potentials: text(&c.mentee),
        role_potentials: text(&c.role),
        mentor_potentials: text(&c.mentor),
        unmatched_potential: c.unmatched.to_string(),
        sink_potential: c.sink.to_string(),
        fair: c.fair.as_ref().map(|f| {
            Box::new(pb::DemandFairProof {
                lowest_score: f.lowest,
                coverage: Some(Box::new(demand_wire(&f.coverage))),
                above: Some(Box::new(demand_wire(&f.above))),
            })
        }),
    }
}

/// A pair with its breakdown, shared languages and overlaps.
fn pair_wire(problem: &Problem, p: &MatchedPair, slots: &[PairSlot]) -> pb::Pair {
    let d = &p.detail;
    pb::Pair {
        mentor_id: problem.mentors[p.mentor].profile.id.clone(),
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
                code: problem.vocab.languages[l as usize].clone(),
                mentor_level: level_pb(a),
                mentee_level: level_pb(b),
            })
            .collect(),
        weekly_overlap_hours: round_hours(f64::from(d.overlap.min_week_min)),
        mean_weekly_overlap_hours: round_hours(d.overlap.mean_week_min),
        pinned: p.pinned,
        session_slots: slots
            .iter()
            .map(|s| pair_slot_wire(problem, p, s))
            .collect(),
    }
}

/// A pair's weekly slot: fixed in the mentor's zone, in both local times
/// and UTC, with the weeks it falls outside someone's hours.
fn pair_slot_wire(problem: &Problem, p: &MatchedPair, s: &PairSlot) -> pb::PairSessionSlot {
    let minutes = problem
        .policy
        .bilateral_sessions
        .map_or(0, |b| b.session_min);
    let len_s = i64::from(minutes) * 60;
    let (mentor, mentee) = (
        &problem.mentors[p.mentor].profile,
        &problem.mentees[p.mentee].profile,
    );
    let tz = |pr: &crate::model::Profile| problem.schedules[pr.schedule as usize].tz;
    let local = |id: &str, zone: chrono_tz::Tz| pb::LocalSession {
        person_id: id.to_string(),
        time_zone: zone.name().to_string(),
        local: slots::local_times(&s.occurrences, len_s, zone),
    };
    pb::PairSessionSlot {
        slot: Some(session_slot_wire(
            s.slot,
            minutes,
            tz(mentor),
            &s.occurrences,
        )),
        local_times: vec![
            local(&mentor.id, tz(mentor)),
            local(&mentee.id, tz(mentee)),
            local("", chrono_tz::Tz::UTC),
        ],
        weeks_inside: s.inside() as u32,
        weeks_total: s.occurrences.len() as u32,
        dates_outside: s
            .outside
            .iter()
            .filter_map(|&t| chrono::DateTime::from_timestamp(t, 0))
            .map(|t| t.with_timezone(&tz(mentor)).format("%Y-%m-%d").to_string())
            .collect(),
        margin_minutes: s.margin_min,
    }
}

/// A weekly slot of `minutes` fixed in `tz`, and its first occurrence.
fn session_slot_wire(slot: Slot, minutes: u32, tz: chrono_tz::Tz, occ: &[i64]) -> pb::SessionSlot {
    pb::SessionSlot {
        weekday: i32::from(slot.weekday) + 1,
        start: format_hhmm(slot.start_min),
        minutes,
        time_zone: tz.name().to_string(),
        first_utc: occ
            .first()
            .and_then(|&t| chrono::DateTime::from_timestamp(t, 0))
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default(),
    }
}

/// An unmatched mentee with its reason, candidates and certificate.
fn unmatched_wire(problem: &Problem, u: &Unmatched) -> pb::UnmatchedMentee {
    pb::UnmatchedMentee {
        mentee_id: problem.mentees[u.mentee].profile.id.clone(),
        reason: match u.reason {
            UnmatchedReason::NoCandidate => pb::UnmatchedReason::NoCandidate,
            UnmatchedReason::Capacity => pb::UnmatchedReason::Capacity,
            UnmatchedReason::NotWorthwhile => pb::UnmatchedReason::NotWorthwhile,
            UnmatchedReason::Infeasible => pb::UnmatchedReason::Infeasible,
        } as i32,
        message: u.message.clone(),
        candidate_mentor_ids: u
            .candidates
            .iter()
            .map(|&m| problem.mentors[m].profile.id.clone())
            .collect(),
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
        mentors: u.mentors,
        mentors_asked: u.asked,
    }
}

/// Phase timings in milliseconds.
fn timings_wire(t: &Timings) -> pb::Timings {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    pb::Timings {
        validate_ms: 0.0,
        score_ms: ms(t.score),
        solve_ms: ms(t.solve),
        explain_ms: ms(t.explain),
        groups_ms: ms(t.groups),
        total_ms: ms(t.score + t.solve + t.explain + t.groups),
    }
}

/// Group `k` (id `g{k+1}`): mentors, members, theme, language, slot, the
/// sessions in every member's local time, and the breakdown.
fn group_wire(problem: &Problem, k: usize, r: &GroupResult) -> pb::Group {
    let gp = problem.policy.groups.as_ref();
    let (tz, minutes) = gp.map_or((chrono_tz::Tz::UTC, 0), |gp| (gp.slot_tz, gp.session_min));
    let len_s = i64::from(minutes) * 60;
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
        slot: Some(session_slot_wire(r.slot, minutes, tz, &r.occurrences)),
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
}

/// Mentees in no group, with their reasons.
fn ungrouped_wire(problem: &Problem, g: &GroupOutcome) -> Vec<pb::UngroupedMentee> {
    g.ungrouped
        .iter()
        .map(|u| pb::UngroupedMentee {
            mentee_id: problem.mentees[u.mentee].profile.id.clone(),
            reason: match u.reason {
                UngroupedReason::NoCompatibleMentor => pb::UngroupedReason::NoCompatibleMentor,
                UngroupedReason::NotPlaced => pb::UngroupedReason::NotPlaced,
            } as i32,
            message: u.message.clone(),
        })
        .collect()
}

/// The group solve's status, counts, objective, bound and gap.
fn group_stats(g: &GroupOutcome) -> pb::GroupStats {
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    pb::GroupStats {
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
    }
}
