//! The input domain: a validated matching problem.
//!
//! Values here are checked by the wire layer (`wire::request`): ids resolved
//! to indices, strings normalised and interned, defaults applied. The core
//! (scoring, solvers, the pipeline) takes these types and never sees wire
//! types; what it produces is in `outcome`.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveDate;

mod hours;

pub use hours::{DateHours, Hours, Schedule, Span, Window};

/// Index of a mentor in [`Problem::mentors`].
pub type MentorIdx = usize;
/// Index of a mentee in [`Problem::mentees`].
pub type MenteeIdx = usize;

/// Score unit: 1 point = 1000 milli-points. All optimisation is exact over
/// integers in this unit.
pub type Milli = i64;

/// Milli-points per point: the score resolution is 0.001 points.
pub const MILLI_PER_POINT: f64 = 1000.0;

/// Converts points to milli-points, rounding half away from zero (the same
/// result as `f64::round`, without a libm call on the scoring hot path).
pub fn to_milli(points: f64) -> Milli {
    let x = points * MILLI_PER_POINT;
    let t = x as Milli; // toward zero, saturating; NaN → 0
    let frac = x - t as f64; // exact: x and trunc(x) share an exponent
    if frac >= 0.5 {
        t.saturating_add(1)
    } else if frac <= -0.5 {
        t.saturating_sub(1)
    } else {
        t
    }
}

/// Converts milli-points to points.
pub fn from_milli(milli: Milli) -> f64 {
    milli as f64 / MILLI_PER_POINT
}

/// Language proficiency: CEFR A1 (1) to C2 (6), native (7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Level(pub u8);

impl Level {
    /// CEFR B2, the default minimum shared level.
    pub const B2: Level = Level(4);

    /// The level's name: "A1".."C2", "native".
    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "A1",
            2 => "A2",
            3 => "B1",
            4 => "B2",
            5 => "C1",
            6 => "C2",
            _ => "native",
        }
    }

    /// The level as a criterion value in (0, 1]: level / 7.
    pub fn value(self) -> f64 {
        f64::from(self.0) / 7.0
    }
}

/// A language (interned ISO 639-1 code) at a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skill {
    /// Index into [`Vocab::languages`].
    pub language: u32,
    /// Proficiency.
    pub level: Level,
}

/// What mentors and mentees share.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Caller's id.
    pub id: String,
    /// Display name (output only; never logged).
    pub name: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    /// Interned organisation, `None` when empty.
    pub organization: Option<u32>,
    /// Languages, sorted by language index, one entry per language.
    pub languages: Vec<Skill>,
    /// Index into [`Problem::schedules`].
    pub schedule: u32,
    /// Interned sectors, sorted, unique.
    pub sectors: Vec<u32>,
    /// Interned topics, sorted, unique.
    pub topics: Vec<u32>,
}

/// A mentor.
#[derive(Debug, Clone)]
pub struct Mentor {
    /// Profile.
    pub profile: Profile,
    /// Maximum bilateral mentees.
    pub capacity: u32,
    /// Minimum bilateral mentees (hard).
    pub min_mentees: u32,
    /// Groups this mentor may lead or co-lead.
    pub max_groups: u32,
    /// Role (interned in [`Vocab::roles`]), if any.
    pub role: Option<u32>,
}

/// A mentee.
#[derive(Debug, Clone)]
pub struct Mentee {
    /// Profile.
    pub profile: Profile,
    /// Preferred mentors, most preferred first.
    pub preferred: Vec<MentorIdx>,
    /// Excluded mentors (hard).
    pub excluded: Vec<MentorIdx>,
    /// The only mentors allowed (hard), ascending; `None`: every mentor.
    pub allowed: Option<Vec<MentorIdx>>,
    /// How many mentors, of which roles, at which priority.
    pub demand: MenteeDemand,
}

/// What a mentee asks for: between `min_mentors` (hard) and `max_mentors`
/// distinct mentors, at a priority tier, with bounds per mentor role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenteeDemand {
    /// Fewest mentors (hard).
    pub min_mentors: u32,
    /// Most mentors.
    pub max_mentors: u32,
    /// Priority tier, higher first.
    pub priority: u32,
    /// Bounds on the mentors' roles, by role.
    pub roles: Vec<RoleDemand>,
}

impl Default for MenteeDemand {
    /// One mentor at most, none required, tier 0, no role bound.
    fn default() -> Self {
        MenteeDemand {
            min_mentors: 0,
            max_mentors: 1,
            priority: 0,
            roles: Vec::new(),
        }
    }
}

/// At least `at_least` (hard) and at most `at_most` mentors of `role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleDemand {
    /// Role (interned in [`Vocab::roles`]).
    pub role: u32,
    /// Fewest mentors of the role (hard).
    pub at_least: u32,
    /// Most mentors of the role.
    pub at_most: u32,
}

/// Scoring criteria, in response order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Criterion {
    /// Mentor's sectors cover the mentee's.
    Sector,
    /// Mentee's needs covered by the mentor's expertise.
    Topics,
    /// Level of the best shared language.
    Language,
    /// Weekly working-hour overlap.
    TimeZone,
    /// Mentee's preference rank.
    Preference,
    /// Different countries.
    DifferentCountry,
    /// Caller-supplied affinity.
    Affinity,
    /// What-if: a baseline pair.
    Stability,
    /// Memory: the pair worked together in an earlier cohort.
    EarlierCohort,
    /// Memory: the mentor's load in earlier cohorts.
    CohortLoad,
}

impl Criterion {
    /// All criteria in response order.
    pub const ALL: [Criterion; 10] = [
        Criterion::Sector,
        Criterion::Topics,
        Criterion::Language,
        Criterion::TimeZone,
        Criterion::Preference,
        Criterion::DifferentCountry,
        Criterion::Affinity,
        Criterion::Stability,
        Criterion::EarlierCohort,
        Criterion::CohortLoad,
    ];
}

/// Weights in points per criterion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Sector match. Default 25.
    pub sector: f64,
    /// Topic overlap. Default 30.
    pub topics: f64,
    /// Language level. Default 15.
    pub language: f64,
    /// Time-zone overlap. Default 15.
    pub time_zone: f64,
    /// Preference rank. Default 10.
    pub preference: f64,
    /// Different countries. Default 5.
    pub different_country: f64,
    /// Affinity multiplier. Default 0, or 20 when affinities are given.
    pub affinity: f64,
}

impl Weights {
    /// Default weights (affinity 0).
    pub const DEFAULT: Weights = Weights {
        sector: 25.0,
        topics: 30.0,
        language: 15.0,
        time_zone: 15.0,
        preference: 10.0,
        different_country: 5.0,
        affinity: 0.0,
    };
    /// Default affinity weight when the request carries affinities.
    pub const DEFAULT_AFFINITY: f64 = 20.0;

    /// The weight of one criterion.
    pub fn get(&self, c: Criterion) -> f64 {
        match c {
            Criterion::Sector => self.sector,
            Criterion::Topics => self.topics,
            Criterion::Language => self.language,
            Criterion::TimeZone => self.time_zone,
            Criterion::Preference => self.preference,
            Criterion::DifferentCountry => self.different_country,
            Criterion::Affinity => self.affinity,
            Criterion::Stability | Criterion::EarlierCohort | Criterion::CohortLoad => 0.0,
        }
    }
}

/// How pairs are scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoringMode {
    /// Weighted criteria plus weighted affinities.
    Weighted,
    /// The score is the explicit affinity (0 when none).
    AffinityOnly,
}

/// What the matching optimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// Maximise matched mentees, then total score.
    CoverageThenScore,
    /// Maximise matched mentees, then the lowest non-pinned pair score, then total score.
    Fair,
    /// Maximise total score, then matched mentees.
    Score,
    /// A stable matching under the scores (deferred acceptance, the side
    /// that proposes gets its best stable matching).
    Stable(Proposer),
}

/// The side that proposes in deferred acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proposer {
    /// Mentees propose: the mentee-optimal stable matching.
    Mentees,
    /// Mentors propose: the mentor-optimal stable matching.
    Mentors,
}

/// Which engine to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineChoice {
    /// Let the service choose.
    Auto,
    /// Min-cost flow.
    Flow,
    /// MILP through good_lp.
    Milp,
}

/// Hard rules that exclude a pair, in evaluation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HardRule {
    /// Forbidden by policy or excluded by the mentee.
    Forbidden,
    /// Not on the mentee's list of allowed mentors.
    NotAllowed,
    /// Declined earlier in the programme.
    Declined,
    /// Paired in an earlier cohort, which the memory policy avoids.
    EarlierCohort,
    /// Same organisation.
    SameOrganization,
    /// Same country while cross-border is required.
    CrossBorder,
    /// Too few of the mentee's sectors shared or related.
    Sector,
    /// No shared language at the minimum level.
    Language,
    /// Fewer full weeks both take part than the minimum.
    SharedWeeks,
    /// Weekly overlap below the minimum.
    Overlap,
    /// Score below the minimum pair score.
    MinScore,
    /// Mentor capacity is zero.
    NoCapacity,
}

impl HardRule {
    /// All rules, in evaluation order.
    pub const ALL: [HardRule; 12] = [
        HardRule::Forbidden,
        HardRule::NotAllowed,
        HardRule::Declined,
        HardRule::EarlierCohort,
        HardRule::SameOrganization,
        HardRule::CrossBorder,
        HardRule::Sector,
        HardRule::Language,
        HardRule::SharedWeeks,
        HardRule::Overlap,
        HardRule::MinScore,
        HardRule::NoCapacity,
    ];
}

/// Programme rules with defaults applied.
#[derive(Debug, Clone)]
pub struct Policy {
    /// First day of the programme.
    pub start: NaiveDate,
    /// Last day of the programme (inclusive).
    pub end: NaiveDate,
    /// Minimum shared language level.
    pub min_level: Level,
    /// Minimum overlap in the worst full week both take part, in minutes.
    pub min_weekly_overlap_min: u32,
    /// Fewest full weeks a pair both take part (already capped at the
    /// programme's full weeks).
    pub min_shared_weeks: u32,
    /// Mentor and mentee must be from different countries.
    pub require_cross_border: bool,
    /// Allow same-organisation pairs.
    pub allow_same_organization: bool,
    /// Forbidden (mentor, mentee) pairs.
    pub forbidden: Vec<(MentorIdx, MenteeIdx)>,
    /// Pinned (mentor, mentee) pairs, in request order.
    pub pinned: Vec<(MentorIdx, MenteeIdx)>,
    /// Minimum pair score, milli-points.
    pub min_pair_score: Option<Milli>,
    /// Criterion weights.
    pub weights: Weights,
    /// Scoring mode.
    pub scoring_mode: ScoringMode,
    /// Weekly overlap for a full time-zone criterion, in minutes (> 0).
    pub overlap_target_min: u32,
    /// Objective.
    pub objective: Objective,
    /// Engine.
    pub engine: EngineChoice,
    /// Requested time limit, if any.
    pub time_limit: Option<Duration>,
    /// Group mentoring, if requested.
    pub groups: Option<GroupPolicy>,
    /// Weekly bilateral session slots for every pair, if requested.
    pub bilateral_sessions: Option<BilateralSessions>,
    /// Joint meetings of the whole cohort, if requested.
    pub joint_meetings: Option<JointMeetings>,
    /// The sector rule's least share of a mentee's sectors shared or
    /// related (`Some(0.0)`: one sector), if the rule is on.
    pub sector_rule: Option<f64>,
    /// Per sector (vocabulary index): its related sectors and their
    /// similarity, sorted by sector.
    pub related_sectors: Vec<Vec<(u32, f64)>>,
    /// Count and list the answer's blocking pairs.
    pub report_blocking_pairs: bool,
    /// Most bilateral mentees of one country per mentor.
    pub max_mentees_per_country: Option<u32>,
    /// How the programme's history counts.
    pub memory: Memory,
}

/// How pairs of earlier cohorts count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EarlierPairs {
    /// A score penalty.
    Penalty,
    /// A hard rule.
    Avoid,
    /// No effect.
    Allow,
}

/// How the programme's history counts (declined pairs are always a hard rule).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Memory {
    /// Pairs of earlier cohorts.
    pub earlier_pairs: EarlierPairs,
    /// Points taken from an earlier-cohort pair under `Penalty`.
    pub earlier_pair_penalty: f64,
    /// Points taken from a pair, times its mentor's share of the most
    /// earlier-cohort mentees any mentor had.
    pub cohort_load_weight: f64,
}

impl Memory {
    /// The defaults: a 20-point penalty, a 5-point load term.
    pub const DEFAULT: Memory = Memory {
        earlier_pairs: EarlierPairs::Penalty,
        earlier_pair_penalty: 20.0,
        cohort_load_weight: 5.0,
    };
}

/// A declined pair or membership, from the programme's decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declined {
    /// When.
    pub date: NaiveDate,
    /// Why (may be empty).
    pub reason: String,
    /// In which cohort (may be empty).
    pub cohort: String,
}

/// What the programme remembers, resolved to this problem's people (pairs
/// naming someone absent are dropped: they left).
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Declined bilateral pairs (mentor, mentee).
    pub declined: BTreeMap<(MentorIdx, MenteeIdx), Declined>,
    /// Declined group memberships (lead mentor, mentee).
    pub declined_members: BTreeMap<(MentorIdx, MenteeIdx), Declined>,
    /// Pairs of earlier cohorts, with the (first listed) cohort.
    pub earlier: BTreeMap<(MentorIdx, MenteeIdx), String>,
    /// Per mentor: mentees in earlier cohorts (empty when there are none).
    pub mentor_load: Vec<u32>,
}

/// Preference on the number of groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CountGoal {
    /// The score decides.
    #[default]
    None,
    /// As few groups as possible.
    Fewest,
    /// As many groups as possible.
    Most,
}

/// Rule relating a member's group mentor and bilateral mentor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BilateralRelation {
    /// No rule.
    Any,
    /// The group's mentors exclude the member's bilateral mentor.
    Different,
    /// The lead is the member's bilateral mentor (if the member has one).
    Same,
}

/// Group criterion weights, in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupWeights {
    /// Per member: share of sectors and topics the lead covers. Default 40.
    pub theme: f64,
    /// Per member: working-language level / 7. Default 10.
    pub language: f64,
    /// Per group: each distinct member country beyond the first. Default 10.
    pub diversity: f64,
    /// Per co-mentored group: share of the co-mentor's topics the lead lacks. Default 10.
    pub co_mentor: f64,
    /// Per member: affinity with the lead. Default 0, or 20 with affinities.
    pub affinity: f64,
}

/// Weekly bilateral session slots asked for each pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BilateralSessions {
    /// Session length in minutes.
    pub session_min: u32,
    /// Slots reported per pair, at most.
    pub slots: u32,
    /// Granularity of start times in minutes (divides 1440).
    pub step_min: u32,
}

/// Joint meetings of the whole cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct JointMeetings {
    /// Length in minutes.
    pub minutes: u32,
    /// One meeting per window: dates in `tz`, inclusive, in order.
    pub windows: Vec<(NaiveDate, NaiveDate)>,
    /// Zone of the candidate starts and of the dates.
    pub tz: chrono_tz::Tz,
    /// Minutes between candidate starts (divides 1440).
    pub step_min: u32,
    /// Dates in `tz` with no meeting, sorted.
    pub blackout: Vec<NaiveDate>,
    /// Public holidays by country (upper-case code): local dates, sorted.
    pub holidays: BTreeMap<String, Vec<NaiveDate>>,
    /// Weight of a mentor inside their hours, milli-points.
    pub mentor_weight: Milli,
    /// Weight of a mentee inside their hours, milli-points.
    pub mentee_weight: Milli,
}

/// How groups are formed.
#[derive(Debug, Clone)]
pub struct GroupPolicy {
    /// Minimum members per group.
    pub min_size: u32,
    /// Maximum members per group.
    pub max_size: u32,
    /// Exact number of groups.
    pub count: Option<u32>,
    /// Preference on the number of groups.
    pub count_goal: CountGoal,
    /// 1, or 2 (lead and co-mentor).
    pub mentors_per_group: u32,
    /// Every mentee must be in a group.
    pub require_all: bool,
    /// Working-language level.
    pub min_level: Level,
    /// Session length, minutes.
    pub session_min: u32,
    /// Zone of the weekly session time.
    pub slot_tz: chrono_tz::Tz,
    /// Start-time granularity, minutes.
    pub slot_step_min: u32,
    /// No two members from one organisation.
    pub distinct_organizations: bool,
    /// Minimum distinct member countries.
    pub min_countries: u32,
    /// Group mentor vs bilateral mentor.
    pub bilateral: BilateralRelation,
    /// (mentor, mentee): mentee in a group led by mentor.
    pub pinned: Vec<(MentorIdx, MenteeIdx)>,
    /// (mentor, mentee) memberships that may not happen.
    pub forbidden: Vec<(MentorIdx, MenteeIdx)>,
    /// Mentees never together.
    pub apart: Vec<(MenteeIdx, MenteeIdx)>,
    /// Weights.
    pub weights: GroupWeights,
    /// Relative MILP gap at which to stop.
    pub mip_gap: f64,
}

/// Interned strings, in first-seen order.
#[derive(Debug, Clone, Default)]
pub struct Vocab {
    /// ISO 639-1 codes.
    pub languages: Vec<String>,
    /// Sectors (lower case).
    pub sectors: Vec<String>,
    /// Topics (lower case).
    pub topics: Vec<String>,
    /// Organisations (lower case, trimmed).
    pub organizations: Vec<String>,
    /// Mentor roles (lower case, trimmed).
    pub roles: Vec<String>,
}

/// A validated matching problem.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Caller's request id.
    pub request_id: String,
    /// Mentors in request order.
    pub mentors: Vec<Mentor>,
    /// Mentees in request order.
    pub mentees: Vec<Mentee>,
    /// Distinct schedules referenced by profiles.
    pub schedules: Vec<Schedule>,
    /// Programme rules.
    pub policy: Policy,
    /// Explicit affinities by (mentor, mentee).
    pub affinities: BTreeMap<(MentorIdx, MenteeIdx), f64>,
    /// Interned strings.
    pub vocab: Vocab,
    /// Report timings in the outcome.
    pub include_timings: bool,
    /// Report the flow's optimality certificate.
    pub include_certificate: bool,
    /// What-if: baseline pairs and their stability weight.
    pub stability: Option<Stability>,
    /// What the programme remembers.
    pub history: History,
}

impl Problem {
    /// Whether some mentee asks for anything but at most one mentor at
    /// tier 0 (the demand model of [`crate::solvers::demand`]).
    pub fn has_demand(&self) -> bool {
        self.mentees
            .iter()
            .any(|e| e.demand != MenteeDemand::default())
    }
}

/// What-if stability: baseline pairs, a bonus for keeping them, a cap on changes.
#[derive(Debug, Clone, Default)]
pub struct Stability {
    /// Baseline (mentor, mentee) pairs present in the problem.
    pub baseline: std::collections::BTreeSet<(MentorIdx, MenteeIdx)>,
    /// Points added to a baseline pair's score.
    pub weight: f64,
    /// Most baseline pairs that may change, among those still feasible.
    pub max_changes: Option<u32>,
    /// Baseline group memberships (lead mentor, mentee), rewarded by `weight`.
    pub memberships: std::collections::BTreeSet<(MentorIdx, MenteeIdx)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_milli_rounds_like_f64_round() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.0005,
            -0.0005,
            0.0015,
            -0.0025,
            1e15,
            -1e15,
            f64::NAN,
        ];
        for k in -5000..5000 {
            xs.push(f64::from(k) / 2000.0);
            xs.push(f64::from(k) * 0.37 / 3.0);
        }
        for x in xs {
            assert_eq!(to_milli(x), (x * MILLI_PER_POINT).round() as Milli, "{x}");
        }
    }
}
