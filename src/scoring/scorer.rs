//! [`Scorer`]: the hard rules of a pair and the terms of its score.

use crate::calendar::{Overlap, OverlapTable, Period};
use crate::model::{
    to_milli, Criterion, EarlierPairs, HardRule, Level, MenteeIdx, MentorIdx, Milli, Problem,
    ScoringMode, Skill,
};
use crate::outcome::{PairDetail, Term};

/// Evaluates pairs of a problem. Cheap to query once built.
#[derive(Debug)]
pub struct Scorer<'p> {
    pub(super) problem: &'p Problem,
    pub(super) overlap: OverlapTable,
    /// Per mentee: forbidden mentors (policy + exclusions), sorted.
    pub(super) forbidden: Vec<Vec<u32>>,
    /// Per mentee: (mentor, affinity), sorted by mentor.
    pub(super) affinity: Vec<Vec<(u32, f64)>>,
    /// Per mentee: its what-if baseline mentors (one at most without
    /// demand), sorted.
    pub(super) baseline: Vec<Vec<u32>>,
    /// Per mentee: mentors who declined it (or it them), sorted.
    pub(super) declined: Vec<Vec<u32>>,
    /// Per mentee: its mentors of earlier cohorts, sorted.
    pub(super) earlier: Vec<Vec<u32>>,
    /// Per mentor: the cohort-load value in [0, 1] (empty: no history).
    pub(super) load: Vec<f64>,
    /// Languages in the vocabulary.
    pub(super) n_lang: usize,
    /// Mentor levels by language, `mentor * n_lang + language` (0: none).
    pub(super) mentor_levels: Vec<u8>,
    /// Interned countries of mentors and mentees.
    pub(super) mentor_country: Vec<u32>,
    pub(super) mentee_country: Vec<u32>,
    /// Sector and topic sets as bit masks, when the vocabularies have at
    /// most 128 entries (`None`: merge the sorted lists instead).
    pub(super) masks: Option<Masks>,
    /// Whether some sectors are related (the sector credit then goes
    /// through [`Scorer::sector_credit`], not the masks).
    pub(super) related: bool,
}

/// Per person: (sectors, topics) as bits.
#[derive(Debug)]
pub(super) struct Masks {
    pub(super) mentor: Vec<(u128, u128)>,
    pub(super) mentee: Vec<(u128, u128)>,
}

fn mask(ids: &[u32]) -> u128 {
    ids.iter().fold(0, |m, &i| m | (1u128 << i))
}

impl<'p> Scorer<'p> {
    /// Prepares the overlap table and per-mentee lookups.
    pub fn new(problem: &'p Problem) -> Self {
        let n_sched = problem.schedules.len();
        let mut mentor_used = vec![false; n_sched];
        let mut mentee_used = vec![false; n_sched];
        for m in &problem.mentors {
            mentor_used[m.profile.schedule as usize] = true;
        }
        for e in &problem.mentees {
            mentee_used[e.profile.schedule as usize] = true;
        }
        let period = Period::new(problem.policy.start, problem.policy.end);
        let overlap = OverlapTable::new(&problem.schedules, &mentor_used, &mentee_used, &period);

        let mut forbidden: Vec<Vec<u32>> = problem
            .mentees
            .iter()
            .map(|e| e.excluded.iter().map(|&m| m as u32).collect())
            .collect();
        for &(m, e) in &problem.policy.forbidden {
            forbidden[e].push(m as u32);
        }
        for f in &mut forbidden {
            f.sort_unstable();
            f.dedup();
        }
        let mut affinity: Vec<Vec<(u32, f64)>> = vec![Vec::new(); problem.mentees.len()];
        for (&(m, e), &v) in &problem.affinities {
            affinity[e].push((m as u32, v));
        }
        for a in &mut affinity {
            a.sort_by_key(|&(m, _)| m);
        }
        let by_mentee = |pairs: &mut dyn Iterator<Item = (MentorIdx, MenteeIdx)>| {
            let mut out: Vec<Vec<u32>> = vec![Vec::new(); problem.mentees.len()];
            for (m, e) in pairs {
                out[e].push(m as u32);
            }
            // BTreeMap keys come sorted by mentor within a mentee already.
            out
        };
        let h = &problem.history;
        let declined = by_mentee(&mut h.declined.keys().copied());
        let earlier = by_mentee(&mut h.earlier.keys().copied());
        let baseline = by_mentee(
            &mut problem
                .stability
                .iter()
                .flat_map(|s| s.baseline.iter().copied()),
        );
        let most = h.mentor_load.iter().copied().max().unwrap_or(0);
        let load = match most {
            0 => Vec::new(),
            most => h
                .mentor_load
                .iter()
                .map(|&n| f64::from(n) / f64::from(most))
                .collect(),
        };
        let n_lang = problem.vocab.languages.len();
        let mut mentor_levels = vec![0u8; problem.mentors.len() * n_lang];
        for (m, x) in problem.mentors.iter().enumerate() {
            for s in &x.profile.languages {
                if let Some(slot) = mentor_levels.get_mut(m * n_lang + s.language as usize) {
                    *slot = s.level.0;
                }
            }
        }
        let mut countries: Vec<&str> = Vec::new();
        let mut intern = |c: &'p str| match countries.iter().position(|&x| x == c) {
            Some(k) => k as u32,
            None => {
                countries.push(c);
                (countries.len() - 1) as u32
            }
        };
        let mentor_country = problem
            .mentors
            .iter()
            .map(|x| intern(&x.profile.country))
            .collect();
        let mentee_country = problem
            .mentees
            .iter()
            .map(|x| intern(&x.profile.country))
            .collect();
        let masks =
            (problem.vocab.sectors.len() <= 128 && problem.vocab.topics.len() <= 128).then(|| {
                Masks {
                    mentor: problem
                        .mentors
                        .iter()
                        .map(|x| (mask(&x.profile.sectors), mask(&x.profile.topics)))
                        .collect(),
                    mentee: problem
                        .mentees
                        .iter()
                        .map(|x| (mask(&x.profile.sectors), mask(&x.profile.topics)))
                        .collect(),
                }
            });
        Scorer {
            related: problem.policy.related_sectors.iter().any(|l| !l.is_empty()),
            problem,
            overlap,
            forbidden,
            affinity,
            baseline,
            declined,
            earlier,
            load,
            masks,
            n_lang,
            mentor_levels,
            mentor_country,
            mentee_country,
        }
    }

    /// The problem being scored.
    pub(crate) fn problem(&self) -> &'p Problem {
        self.problem
    }

    /// Score of a feasible pair, or the first hard rule it breaks (in
    /// [`HardRule::ALL`] order). The hot path: no allocation.
    pub fn evaluate(&self, m: MentorIdx, e: MenteeIdx) -> Result<Milli, HardRule> {
        let p = self.problem;
        let (mp, ep) = (&p.mentors[m].profile, &p.mentees[e].profile);
        // The rules in `HardRule::ALL` order: those before the language
        // rule by `breaks`, then the language level and the overlap
        // computed once for the rules and the score.
        for rule in HardRule::ALL
            .into_iter()
            .take_while(|&r| r != HardRule::Language)
        {
            if self.breaks(rule, m, e) {
                return Err(rule);
            }
        }
        let level = self.best_shared_level(m, e);
        if level.is_none_or(|l| l < p.policy.min_level) {
            return Err(HardRule::Language);
        }
        let o = self.overlap.get(mp.schedule, ep.schedule);
        if o.shared_weeks < p.policy.min_shared_weeks {
            return Err(HardRule::SharedWeeks);
        }
        if o.min_week_min < p.policy.min_weekly_overlap_min {
            return Err(HardRule::Overlap);
        }
        if self.breaks(HardRule::NoCapacity, m, e) {
            return Err(HardRule::NoCapacity);
        }
        let score = self.terms_with(m, e, level, o, |_| {});
        match self.problem.policy.min_pair_score {
            Some(min) if score < min => Err(HardRule::MinScore),
            _ => Ok(score),
        }
    }

    /// Every hard rule the pair breaks, in [`HardRule::ALL`] order.
    pub fn violations(&self, m: MentorIdx, e: MenteeIdx) -> Vec<HardRule> {
        let mut out: Vec<HardRule> = HardRule::ALL
            .into_iter()
            .filter(|&r| r != HardRule::MinScore && self.breaks(r, m, e))
            .collect();
        if let Some(min) = self.problem.policy.min_pair_score {
            if self.terms(m, e, |_| {}) < min {
                out.push(HardRule::MinScore);
                out.sort();
            }
        }
        out
    }

    /// Everything about a pair that explains its score: the terms, shared
    /// languages, overlap, preference rank, shared sectors and topics
    /// (feasible or not: pins are described too).
    pub(crate) fn detail(&self, m: MentorIdx, e: MenteeIdx) -> PairDetail {
        let mut terms = Vec::with_capacity(Criterion::ALL.len());
        let score = self.terms(m, e, |t| terms.push(t));
        let (mp, ep) = (
            &self.problem.mentors[m].profile,
            &self.problem.mentees[e].profile,
        );
        let min_level = self.problem.policy.min_level;
        let mut shared_languages: Vec<(u32, Level, Level)> = shared(&mp.languages, &ep.languages)
            .filter(|&(_, a, b)| a >= min_level && b >= min_level)
            .collect();
        shared_languages.sort_by_key(|&(l, a, b)| (std::cmp::Reverse(a.min(b)), l));
        PairDetail {
            score,
            terms,
            shared_languages,
            overlap: self.overlap.get(mp.schedule, ep.schedule),
            preference_rank: self.problem.mentees[e]
                .preferred
                .iter()
                .position(|&p| p == m),
            shared_sectors: intersect(&mp.sectors, &ep.sectors).collect(),
            related_sectors: self.related_pairs(&mp.sectors, &ep.sectors),
            shared_topics: intersect(&mp.topics, &ep.topics).collect(),
        }
    }

    /// The score of a pair, feasible or not (milli-points).
    pub(crate) fn score(&self, m: MentorIdx, e: MenteeIdx) -> Milli {
        self.terms(m, e, |_| {})
    }

    /// The share of the mentee's sectors the mentor shares or relates to
    /// (0 when the mentee lists none).
    pub(crate) fn sector_share(&self, m: MentorIdx, e: MenteeIdx) -> f64 {
        let p = self.problem;
        let es = &p.mentees[e].profile.sectors;
        let (_, matched) = self.sector_credit(&p.mentors[m].profile.sectors, es);
        if es.is_empty() {
            0.0
        } else {
            matched as f64 / es.len() as f64
        }
    }

    /// Overlap between a mentor and a mentee.
    pub(crate) fn overlap(&self, m: MentorIdx, e: MenteeIdx) -> Overlap {
        let (mp, ep) = (
            &self.problem.mentors[m].profile,
            &self.problem.mentees[e].profile,
        );
        self.overlap.get(mp.schedule, ep.schedule)
    }

    /// The credit of a mentor's sectors `ms` for a mentee's `es` (each of
    /// the mentee's sectors: 1 when the mentor lists it, else the best
    /// similarity of a related sector the mentor lists, else 0; summed in
    /// the mentee's order) and how many of the mentee's sectors earn some.
    /// The sector value is the credit over `es.len()`.
    pub(crate) fn sector_credit(&self, ms: &[u32], es: &[u32]) -> (f64, usize) {
        let (mut credit, mut matched) = (0.0, 0);
        for &s in es {
            let c = if ms.binary_search(&s).is_ok() {
                1.0
            } else {
                let related = self.problem.policy.related_sectors.get(s as usize);
                related.map_or(0.0, |list| {
                    list.iter()
                        .filter(|(t, _)| ms.binary_search(t).is_ok())
                        .fold(0.0, |best: f64, &(_, sim)| best.max(sim))
                })
            };
            if c > 0.0 {
                matched += 1;
                credit += c;
            }
        }
        (credit, matched)
    }

    /// For each of the mentee's sectors `es` the mentor does not list, the
    /// mentor's sector related to it with the best similarity (the first
    /// such, by sector), if any.
    fn related_pairs(&self, ms: &[u32], es: &[u32]) -> Vec<(u32, u32)> {
        let related = &self.problem.policy.related_sectors;
        es.iter()
            .filter(|s| ms.binary_search(s).is_err())
            .filter_map(|&s| {
                let list = related.get(s as usize)?;
                let mut best: Option<(u32, f64)> = None;
                for &(t, sim) in list.iter().filter(|(t, _)| ms.binary_search(t).is_ok()) {
                    if best.is_none_or(|b| sim > b.1) {
                        best = Some((t, sim));
                    }
                }
                best.map(|(t, _)| (s, t))
            })
            .collect()
    }

    /// Whether `matched` of a mentee's `theirs` sectors satisfy the sector
    /// rule (always, when it is off or the mentee lists none).
    pub(crate) fn sector_rule_holds(&self, matched: usize, theirs: usize) -> bool {
        match self.problem.policy.sector_rule {
            None => true,
            Some(_) if theirs == 0 => true,
            Some(min) => matched >= 1 && matched as f64 / theirs as f64 >= min,
        }
    }

    /// Best level at which the pair shares a language, if any.
    pub(crate) fn best_shared_level(&self, m: MentorIdx, e: MenteeIdx) -> Option<Level> {
        let row = &self.mentor_levels[m * self.n_lang..(m + 1) * self.n_lang];
        self.problem.mentees[e]
            .profile
            .languages
            .iter()
            .filter_map(|s| {
                let their = *row.get(s.language as usize)?;
                (their > 0).then(|| Level(their.min(s.level.0)))
            })
            .max()
    }

    /// Whether the pair breaks `rule` (MinScore is not decided here).
    fn breaks(&self, rule: HardRule, m: MentorIdx, e: MenteeIdx) -> bool {
        let p = self.problem;
        let (mentor, mp, ep) = (&p.mentors[m], &p.mentors[m].profile, &p.mentees[e].profile);
        match rule {
            HardRule::Forbidden => self.forbidden[e].binary_search(&(m as u32)).is_ok(),
            HardRule::NotAllowed => p.mentees[e]
                .allowed
                .as_ref()
                .is_some_and(|a| a.binary_search(&m).is_err()),
            HardRule::Declined => self.declined[e].binary_search(&(m as u32)).is_ok(),
            HardRule::EarlierCohort => {
                p.policy.memory.earlier_pairs == EarlierPairs::Avoid && self.is_earlier(m, e)
            }
            HardRule::SameOrganization => {
                !p.policy.allow_same_organization
                    && mp.organization.is_some()
                    && mp.organization == ep.organization
            }
            HardRule::CrossBorder => {
                p.policy.require_cross_border && self.mentor_country[m] == self.mentee_country[e]
            }
            HardRule::Sector => {
                p.policy.sector_rule.is_some() && {
                    let (_, matched) = self.sector_credit(&mp.sectors, &ep.sectors);
                    !self.sector_rule_holds(matched, ep.sectors.len())
                }
            }
            HardRule::Language => self
                .best_shared_level(m, e)
                .is_none_or(|l| l < p.policy.min_level),
            HardRule::SharedWeeks => {
                self.overlap.get(mp.schedule, ep.schedule).shared_weeks < p.policy.min_shared_weeks
            }
            HardRule::Overlap => {
                self.overlap.get(mp.schedule, ep.schedule).min_week_min
                    < p.policy.min_weekly_overlap_min
            }
            HardRule::MinScore => false,
            HardRule::NoCapacity => mentor.capacity == 0,
        }
    }

    /// The what-if stability points a pair's score includes (0 unless it is
    /// a baseline pair and the weight is not 0).
    pub(crate) fn stability_bonus(&self, m: MentorIdx, e: MenteeIdx) -> Milli {
        match self.problem.stability.as_ref() {
            Some(st) if st.weight != 0.0 && self.in_baseline(m, e) => to_milli(st.weight),
            _ => 0,
        }
    }

    /// Whether the pair is in the what-if baseline.
    fn in_baseline(&self, m: MentorIdx, e: MenteeIdx) -> bool {
        self.baseline[e].binary_search(&(m as u32)).is_ok()
    }

    /// Whether the pair worked together in an earlier cohort.
    pub(super) fn is_earlier(&self, m: MentorIdx, e: MenteeIdx) -> bool {
        self.earlier[e].binary_search(&(m as u32)).is_ok()
    }

    /// Computes the terms, calls `sink` for each term with a non-zero
    /// weight, and returns the score. The single definition of the score.
    fn terms(&self, m: MentorIdx, e: MenteeIdx, sink: impl FnMut(Term)) -> Milli {
        let (mp, ep) = (
            &self.problem.mentors[m].profile,
            &self.problem.mentees[e].profile,
        );
        let o = self.overlap.get(mp.schedule, ep.schedule);
        self.terms_with(m, e, self.best_shared_level(m, e), o, sink)
    }

    /// [`Self::terms`] with the pair's best shared level and overlap given.
    fn terms_with(
        &self,
        m: MentorIdx,
        e: MenteeIdx,
        level: Option<Level>,
        o: Overlap,
        mut sink: impl FnMut(Term),
    ) -> Milli {
        let p = self.problem;
        let affinity = self.affinity[e]
            .binary_search_by_key(&(m as u32), |&(k, _)| k)
            .map_or(0.0, |i| self.affinity[e][i].1);
        let mut total = 0;
        let mut emit = |criterion: Criterion, weight: f64, value: f64| {
            if weight != 0.0 {
                let milli = to_milli(weight * value);
                total += milli;
                sink(Term {
                    criterion,
                    value,
                    weight,
                    milli,
                });
            }
        };
        if let Some(st) = p.stability.as_ref().filter(|st| st.weight != 0.0) {
            let kept = if self.in_baseline(m, e) { 1.0 } else { 0.0 };
            emit(Criterion::Stability, st.weight, kept);
        }
        let memory = &p.policy.memory;
        if memory.earlier_pairs == EarlierPairs::Penalty && self.is_earlier(m, e) {
            emit(Criterion::EarlierCohort, memory.earlier_pair_penalty, -1.0);
        }
        if let Some(&load) = self.load.get(m).filter(|&&l| l > 0.0) {
            emit(Criterion::CohortLoad, memory.cohort_load_weight, -load);
        }
        if p.policy.scoring_mode == ScoringMode::AffinityOnly {
            emit(Criterion::Affinity, 1.0, affinity);
            return total;
        }
        let w = &p.policy.weights;
        let (mp, ep) = (&p.mentors[m].profile, &p.mentees[e].profile);
        let share = |common: usize, theirs: usize| {
            if theirs == 0 {
                0.0
            } else {
                common as f64 / theirs as f64
            }
        };
        let (sectors, topics) = match &self.masks {
            Some(k) if !self.related => {
                let ((ms, mt), (es, et)) = (k.mentor[m], k.mentee[e]);
                (
                    f64::from((ms & es).count_ones()),
                    (mt & et).count_ones() as usize,
                )
            }
            _ => (
                self.sector_credit(&mp.sectors, &ep.sectors).0,
                intersect(&mp.topics, &ep.topics).count(),
            ),
        };
        let theirs = ep.sectors.len();
        let sector_value = if theirs == 0 {
            0.0
        } else {
            sectors / theirs as f64
        };
        emit(Criterion::Sector, w.sector, sector_value);
        emit(Criterion::Topics, w.topics, share(topics, ep.topics.len()));
        let level = level.map_or(0.0, Level::value);
        emit(Criterion::Language, w.language, level);
        let tz = (f64::from(o.min_week_min) / f64::from(p.policy.overlap_target_min)).min(1.0);
        emit(Criterion::TimeZone, w.time_zone, tz);
        let pref = &p.mentees[e].preferred;
        let rank = pref
            .iter()
            .position(|&x| x == m)
            .map_or(0.0, |r| (pref.len() - r) as f64 / pref.len() as f64);
        emit(Criterion::Preference, w.preference, rank);
        let differ = if self.mentor_country[m] != self.mentee_country[e] {
            1.0
        } else {
            0.0
        };
        emit(Criterion::DifferentCountry, w.different_country, differ);
        emit(Criterion::Affinity, w.affinity, affinity);
        total
    }
}

/// Languages both know: (language, level of `a`, level of `b`). Inputs sorted by language.
fn shared<'a>(a: &'a [Skill], b: &'a [Skill]) -> impl Iterator<Item = (u32, Level, Level)> + 'a {
    a.iter().filter_map(move |x| {
        b.iter()
            .find(|y| y.language == x.language)
            .map(|y| (x.language, x.level, y.level))
    })
}

/// Elements of two sorted slices in both.
fn intersect<'a>(a: &'a [u32], b: &'a [u32]) -> impl Iterator<Item = u32> + 'a {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                    return Some(a[i - 1]);
                }
            }
        }
        None
    })
}
