//! Everything a solve or a check produces, in problem terms (indices into
//! the [`Problem`](crate::model::Problem)): pairs with their score terms,
//! unmatched mentees with reasons and capacity certificates, groups, and the
//! findings of a check. Data only: the words are built in
//! [`crate::explain`], the wire form in [`crate::wire`].

use std::time::Duration;

use crate::calendar::sessions::PairSlot;
use crate::calendar::{Overlap, Slot};
use crate::model::{Criterion, HardRule, Level, MenteeIdx, MentorIdx, Milli, Objective};

mod certificate;

pub(crate) use certificate::{DemandCertificate, DemandFairProof, FairProof, FlowCertificate};

// --- status ---

/// Status of a solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Proven optimal.
    Optimal,
    /// Valid but not proven optimal.
    Feasible,
    /// Hard rules cannot be met.
    Infeasible,
}

/// Engine that produced a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EngineUsed {
    /// Min-cost flow.
    Flow,
    /// MILP.
    Milp,
    /// Deferred acceptance (the stable objective).
    DeferredAcceptance,
}

// --- pairs ---

/// One criterion's contribution to a pair's score.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Term {
    /// Criterion.
    pub criterion: Criterion,
    /// Criterion value (in \[0, 1\], or the affinity).
    pub value: f64,
    /// Weight applied.
    pub weight: f64,
    /// `round(weight × value × 1000)`.
    pub milli: Milli,
}

/// A feasible pair, fully explained.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PairDetail {
    /// Score, milli-points: the sum of `terms`.
    pub score: Milli,
    /// Terms for criteria with a non-zero weight, in criterion order.
    pub terms: Vec<Term>,
    /// Languages both speak at the minimum level: (language, mentor level,
    /// mentee level), best first.
    pub shared_languages: Vec<(u32, Level, Level)>,
    /// Working-hour overlap.
    pub overlap: Overlap,
    /// Preference rank (0-based) of the mentor for the mentee, if ranked.
    pub preference_rank: Option<usize>,
    /// Shared sectors (interned).
    pub shared_sectors: Vec<u32>,
    /// The mentee's sectors the mentor relates to without listing them:
    /// (mentee's sector, the mentor's related sector), by mentee sector.
    pub related_sectors: Vec<(u32, u32)>,
    /// Shared topics (interned).
    pub shared_topics: Vec<u32>,
}

/// A pair in the result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MatchedPair {
    /// Mentor.
    pub mentor: MentorIdx,
    /// Mentee.
    pub mentee: MenteeIdx,
    /// Score and explanation.
    pub detail: PairDetail,
    /// Pinned by the policy.
    pub pinned: bool,
}

/// Why a mentee has no pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnmatchedReason {
    /// No mentor passes every hard rule.
    NoCandidate,
    /// Every candidate mentor is full in the optimum.
    Capacity,
    /// Score objective: a pair would not raise the total.
    NotWorthwhile,
    /// The request is infeasible: no mentee is matched.
    Infeasible,
}

/// An unmatched mentee, explained.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unmatched {
    /// Mentee.
    pub mentee: MenteeIdx,
    /// Machine-readable reason.
    pub reason: UnmatchedReason,
    /// A sentence for the coordinator.
    pub message: String,
    /// Mentors passing every hard rule.
    pub candidates: Vec<MentorIdx>,
    /// For `NoCandidate`: mentors excluded by each rule.
    pub excluded_by: Vec<(HardRule, u32)>,
    /// Single-rule relaxations that would create a candidate.
    pub suggestions: Vec<String>,
    /// For `Capacity`: the inclusion-minimal set of mentees competing for
    /// too few places, and what would place one more of them.
    pub certificate: Option<Certificate>,
    /// For `Capacity` without its own certificate: the mentee whose
    /// certificate names the same mentors; with this mentee in place of that
    /// one, it is this mentee's certificate.
    pub same_bottleneck_as: Option<MenteeIdx>,
    /// Mentors it has (a mentee of a request with demand may have some).
    pub mentors: u32,
    /// Mentors it asked for, when the request has demand (else 0).
    pub asked: u32,
}

impl Unmatched {
    /// Mentee `mentee` unmatched for `reason`, said in `message`; no
    /// candidates, rule counts, suggestions or certificate yet.
    pub(crate) fn new(mentee: MenteeIdx, reason: UnmatchedReason, message: String) -> Self {
        Unmatched {
            mentee,
            reason,
            message,
            candidates: Vec::new(),
            excluded_by: Vec::new(),
            suggestions: Vec::new(),
            certificate: None,
            same_bottleneck_as: None,
            mentors: 0,
            asked: 0,
        }
    }
}

/// A rule of the request that no matching can satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Infeasibility {
    /// `MENTOR_MINIMUM` or `PIN_CAPACITY`.
    pub kind: &'static str,
    /// Ids involved.
    pub ids: Vec<String>,
    /// A sentence for the coordinator.
    pub message: String,
}

/// Wall-clock phases of a solve.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Timings {
    /// Scoring all pairs.
    pub score: Duration,
    /// The engine.
    pub solve: Duration,
    /// Explanations.
    pub explain: Duration,
    /// Group formation (MILP and explanations).
    pub groups: Duration,
}

/// A joint meeting: the best start of its window and who is outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Meeting {
    /// The window searched (dates in the meetings' zone).
    pub window: (chrono::NaiveDate, chrono::NaiveDate),
    /// The best start (`None`: the window had no candidate start).
    pub best: Option<crate::calendar::meetings::Best>,
    /// Everyone (mentors and mentees) and their summed weight.
    pub participants: usize,
    /// Summed weight of every participant, milli-points.
    pub total_weight: Milli,
    /// Everyone not inside their hours for the whole meeting, mentors
    /// first, in request order.
    pub outside: Vec<Absent>,
}

/// A participant outside their working hours at a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Absent {
    /// Who.
    pub person: Person,
    /// Why.
    pub reason: Absence,
    /// Minutes of the meeting outside their working hours.
    pub minutes_outside: u32,
}

/// A mentor or a mentee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Person {
    /// A mentor.
    Mentor(MentorIdx),
    /// A mentee.
    Mentee(MenteeIdx),
}

/// Why a participant is outside their hours at a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Absence {
    /// A working day, the meeting not all inside its hours.
    OutsideHours,
    /// No working hours that date.
    DayOff,
    /// A public holiday of their country.
    Holiday,
    /// Outside their availability window.
    NotTakingPart,
}

/// An answer's blocking pairs: a mentee and a mentor who would both rather
/// be together (see `pipeline::blocking` for the preferences).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Blocking {
    /// How many.
    pub count: u64,
    /// The first ones, by mentee then mentor.
    pub listed: Vec<BlockingPair>,
}

/// A blocking pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockingPair {
    /// Mentor.
    pub mentor: MentorIdx,
    /// Mentee.
    pub mentee: MenteeIdx,
    /// The pair's score.
    pub score: Milli,
    /// The score of the mentor the mentee would give up for this one (none:
    /// it has a free place; with one mentor at most, its mentor's score).
    pub mentee_now: Option<Milli>,
    /// The lowest score of a mentee the full mentor may drop (none: the
    /// mentor has a free place).
    pub mentor_lowest: Option<Milli>,
}

/// What a MILP stopped at its time limit proved about the pairs' optimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SearchBound {
    /// No matching matches more mentees (the pinned ones not counted).
    pub matched_at_most: u32,
    /// At the answer's coverage, no matching has a higher total score of
    /// the engine's pairs (milli-points), when the last stage proved one.
    pub score_at_most: Option<Milli>,
    /// Fair: at the answer's coverage, no matching has a higher lowest
    /// pair score (milli-points), when proved.
    pub lowest_at_most: Option<Milli>,
}

/// The result of a solve.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    /// Optimal, feasible or infeasible.
    pub status: Status,
    /// Engine used.
    pub engine: EngineUsed,
    /// Objective optimised.
    pub objective: Objective,
    /// Pairs sorted by mentee.
    pub pairs: Vec<MatchedPair>,
    /// Unmatched mentees in request order.
    pub unmatched: Vec<Unmatched>,
    /// Mentees per mentor.
    pub loads: Vec<u32>,
    /// Unsatisfiable rules (status infeasible).
    pub infeasibilities: Vec<Infeasibility>,
    /// Pairs considered (mentors × mentees left to match).
    pub candidate_pairs_total: u64,
    /// Pairs passing every hard rule.
    pub candidate_pairs_feasible: u64,
    /// Phase timings.
    pub timings: Timings,
    /// Groups, when the policy asks for them.
    pub groups: Option<GroupOutcome>,
    /// Each pair's weekly session slots, in `pairs` order, when the policy
    /// asks for them (else empty).
    pub sessions: Vec<Vec<PairSlot>>,
    /// The answer's blocking pairs, when the policy asks for them.
    pub blocking: Option<Blocking>,
    /// The joint meetings, one per window, when the policy asks for them.
    pub meetings: Vec<Meeting>,
    /// The stable objective: the coverage-then-score optimum's matched
    /// mentees and total score (pinned pairs included).
    pub optimum: Option<(u32, Milli)>,
    /// The pairs were re-optimised from a kept base optimum (a what-if).
    pub resumed: bool,
    /// The flow's optimality certificate, in problem order (flow engine).
    pub certificate: Option<FlowCertificate>,
    /// The demand flow's optimality certificate (mentees with demand).
    pub demand_certificate: Option<DemandCertificate>,
    /// A FEASIBLE answer's proven bounds.
    pub bound: Option<SearchBound>,
}

impl Outcome {
    /// A bilateral outcome with `pairs`, `unmatched` and `loads`, and
    /// nothing else yet (no groups, sessions, meetings, timings, proofs).
    pub(crate) fn bilateral(
        status: Status,
        engine: EngineUsed,
        objective: Objective,
        (pairs, unmatched, loads): (Vec<MatchedPair>, Vec<Unmatched>, Vec<u32>),
    ) -> Outcome {
        Outcome {
            status,
            engine,
            objective,
            pairs,
            unmatched,
            loads,
            infeasibilities: Vec::new(),
            candidate_pairs_total: 0,
            candidate_pairs_feasible: 0,
            timings: Timings::default(),
            groups: None,
            sessions: Vec::new(),
            meetings: Vec::new(),
            blocking: None,
            optimum: None,
            resumed: false,
            certificate: None,
            demand_certificate: None,
            bound: None,
        }
    }

    /// Mentees with at least one pair.
    pub(crate) fn matched_mentees(&self) -> usize {
        let mut seen: Vec<MenteeIdx> = self.pairs.iter().map(|p| p.mentee).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    }

    /// Sum of pair scores, milli-points.
    pub(crate) fn total_score(&self) -> Milli {
        self.pairs.iter().map(|p| p.detail.score).sum()
    }

    /// Lowest pair score, milli-points.
    pub(crate) fn min_score(&self) -> Option<Milli> {
        self.pairs.iter().map(|p| p.detail.score).min()
    }
}

// --- capacity certificates ---

/// A capacity certificate in problem terms.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Certificate {
    /// Mentees that compete for too few places, in request order.
    pub mentees: Vec<MenteeIdx>,
    /// Their compatible mentors, in request order.
    pub mentors: Vec<MentorPlaces>,
    /// Total places: one fewer than the mentees.
    pub places: u32,
    /// The certificate in words.
    pub message: String,
    /// Smallest changes that let a coverage-first solve match one more mentee.
    pub relaxations: Vec<Relaxation>,
}

/// A mentor of a certificate and its places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MentorPlaces {
    /// Mentor.
    pub mentor: MentorIdx,
    /// Places for the certificate's mentees: capacity net of pinned pairs.
    pub places: u32,
    /// Pinned pairs holding the rest of its capacity.
    pub pinned: u32,
}

/// A change to the request that places one more mentee of a certificate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Relaxation {
    /// The hard rule relaxed; `None` for a capacity increase.
    pub rule: Option<HardRule>,
    /// Request field to change, e.g. `mentors[3].capacity`.
    pub field: String,
    /// Current value.
    pub from: String,
    /// Value that suffices.
    pub to: String,
    /// Mentor who would take the mentee.
    pub mentor: MentorIdx,
    /// Mentee of the new arc (`None` for a capacity increase).
    pub mentee: Option<MenteeIdx>,
    /// A sentence for the coordinator.
    pub message: String,
}

// --- groups ---

/// A group criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupCriterion {
    /// Members' sectors and topics covered by the lead.
    Theme,
    /// Members' level in the working language.
    Language,
    /// Distinct member countries beyond the first.
    Diversity,
    /// Complementary expertise of the co-mentor.
    CoMentor,
    /// Members' affinities with the lead.
    Affinity,
    /// What-if: members kept with their baseline lead.
    Stability,
}

/// A formed group, explained.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GroupResult {
    /// Lead mentor.
    pub lead: MentorIdx,
    /// Co-mentor.
    pub co: Option<MentorIdx>,
    /// Members in request order.
    pub members: Vec<MenteeIdx>,
    /// Sectors and topics the lead shares with most members.
    pub theme: Vec<String>,
    /// Working language (interned).
    pub language: u32,
    /// Weekly slot in the policy's slot zone.
    pub slot: Slot,
    /// UTC instants (s) of every session.
    pub occurrences: Vec<i64>,
    /// Terms: criterion, milli-points, detail.
    pub terms: Vec<(GroupCriterion, Milli, String)>,
    /// Sum of the terms.
    pub score: Milli,
}

/// Why a mentee is in no group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UngroupedReason {
    /// No mentor shares a language and a session time (or rules exclude all).
    NoCompatibleMentor,
    /// Compatible mentors exist but the optimum leaves the mentee out.
    NotPlaced,
}

/// An ungrouped mentee.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ungrouped {
    /// Mentee.
    pub mentee: MenteeIdx,
    /// Reason.
    pub reason: UngroupedReason,
    /// A sentence for the coordinator.
    pub message: String,
}

/// Result of group formation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GroupOutcome {
    /// Groups, by lead mentor.
    pub groups: Vec<GroupResult>,
    /// Ungrouped mentees in request order.
    pub ungrouped: Vec<Ungrouped>,
    /// Proven optimal (else feasible within the time limit).
    pub optimal: bool,
    /// No grouping satisfies the hard rules.
    pub infeasible: bool,
    /// Final-stage objective, bound and gap.
    pub objective: f64,
    /// Proven bound of the final stage.
    pub bound: f64,
    /// Relative gap.
    pub gap: f64,
    /// Slot classes, variables, constraints.
    pub slot_classes: usize,
    /// Model size.
    pub variables: usize,
    /// Model size.
    pub constraints: usize,
}

// --- check ---

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Severity {
    /// The request cannot be solved as it is.
    Error,
    /// Likely a data problem, or people who will stay unmatched.
    Warning,
    /// Worth knowing.
    Info,
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Code {
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
pub(crate) struct Finding {
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
    /// A finding with no field, ids or certificate.
    pub(crate) fn new(severity: Severity, code: Code, message: String) -> Self {
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
pub(crate) struct Summary {
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
    /// `None` when the max-flow checks were skipped (too many mentees).
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
pub(crate) struct Report {
    /// Findings, errors first, then by code, then in request order.
    pub findings: Vec<Finding>,
    /// The summary.
    pub summary: Summary,
}
