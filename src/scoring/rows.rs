//! A mentee's whole row of mentors scored at once, for the passes over
//! every pair (candidate arcs, pricing, `verify`).
//!
//! Every term of [`Scorer`]'s score that depends on the pair through a few
//! small facts is a table lookup here. Mentors fall into classes that share
//! their sectors, and classes that share their language levels; a mentee's
//! view holds its sector term per sector class (by the number of shared
//! sectors), its language term per language class (by the best shared
//! level, or blocked below the policy's), and its time-zone term and
//! overlap rule per mentor schedule, each computed once a row. The topic
//! term is looked up by the number of shared topics (counted over the
//! mentee's few topic bits), the country term by whether the countries
//! differ, the cohort-load term by the mentor. Each table entry is
//! the same `to_milli(weight × value)` the scorer computes, so the sum is the
//! same integer. The pairs whose score has a sparse part (forbidden,
//! declined, earlier-cohort, preferred, affinity, baseline pairs) go through
//! [`Scorer::evaluate`] itself; so does every pair when the sector or topic
//! vocabulary is too large for bit masks. `candidates` builds every
//! instance through this file, and the optimality tests compare its arcs
//! with `Scorer::evaluate` pair by pair.

use crate::model::{to_milli, EarlierPairs, Level, MenteeIdx, MentorIdx, Milli, ScoringMode};

use super::scorer::Scorer;

/// A table entry for a pair of schedules that breaks the overlap rule.
const BLOCKED: Milli = Milli::MIN;

/// Most topic bits a mentee's shared count is summed bit by bit for
/// (else by `count_ones`, which is slow without `popcnt`).
const FEW_BITS: u32 = 8;

/// No organisation (or organisations allowed to match).
const NO_ORG: u32 = u32::MAX;

/// Scores rows of mentors for one [`Scorer`].
#[derive(Debug)]
pub(crate) struct RowScorer<'s> {
    scorer: &'s Scorer<'s>,
    /// `None`: every pair through `Scorer::evaluate`.
    fast: Option<Tables>,
}

/// The per-mentor arrays and per-problem tables of the fast path.
#[derive(Debug)]
struct Tables {
    /// Per mentor: sector class, language class, topic bits, organisation,
    /// schedule rank, cohort-load term, whether it takes mentees at all.
    /// Mentors of one class share their sectors (or their language levels),
    /// so a mentee's term for a class is computed once a row.
    sector_class: Vec<u32>,
    lang_class: Vec<u32>,
    topics: Vec<u128>,
    org: Vec<u32>,
    schedule: Vec<u32>,
    base: Vec<Milli>,
    open: Vec<bool>,
    /// Per sector class: its sector bits; per language class: a mentor of it.
    sector_masks: Vec<u128>,
    /// Per sector class: a mentor of it.
    sector_rep: Vec<usize>,
    lang_rep: Vec<usize>,
    /// Per mentee schedule: its rank among mentees' schedules.
    mentee_schedule: Vec<u32>,
    /// Time-zone term per (mentor schedule rank, mentee schedule rank), or
    /// [`BLOCKED`], `width` mentee ranks a row.
    tz: Vec<Milli>,
    width: usize,
    /// Language term by best shared level.
    language: Vec<Milli>,
    /// The different-country term.
    differ: Milli,
    affinity_only: bool,
    /// The policy's lowest shared language level and lowest pair score.
    min_level: u8,
    min_score: Option<Milli>,
    /// Per mentee: the mentors whose pair has a sparse part, ascending.
    special: Vec<Vec<u32>>,
}

/// What the fast path needs of one mentee.
struct Mentee<'a> {
    /// Per sector class: the sector term.
    sector: Vec<Milli>,
    /// Per language class: the language term, or [`BLOCKED`] below the
    /// policy's level (or with no shared language).
    language: Vec<Milli>,
    /// Per mentor schedule rank: the time-zone term, or [`BLOCKED`].
    tz: Vec<Milli>,
    /// The mentee's topic bits, and their positions when few.
    topics: u128,
    topic_bits: Option<Vec<u32>>,
    /// Topic term by shared count.
    topic_term: Vec<Milli>,
    /// Organisation that blocks a pair, or [`NO_ORG`].
    org: u32,
    /// Country that blocks a pair (cross-border rule), or `u32::MAX`.
    blocked_country: u32,
    country: u32,
    special: &'a [u32],
}

impl<'s> RowScorer<'s> {
    /// Prepares the tables of `scorer`'s problem (linear in people and in
    /// pairs of schedules).
    pub(crate) fn new(scorer: &'s Scorer<'s>) -> Self {
        RowScorer {
            scorer,
            fast: Tables::new(scorer),
        }
    }

    /// Calls `out(mentor, score)` for every feasible mentor of mentee `e`,
    /// in mentor order: the scores of [`Scorer::evaluate`].
    pub(crate) fn row(&self, e: MenteeIdx, mut out: impl FnMut(u32, Milli)) {
        let n_m = self.scorer.problem().mentors.len();
        if let Some(allowed) = &self.scorer.problem().mentees[e].allowed {
            // A candidate list: only its mentors can be feasible.
            let listed: Vec<u32> = allowed.iter().map(|&m| m as u32).collect();
            return self.some(e, &listed, out);
        }
        let Some(t) = &self.fast else {
            for m in 0..n_m {
                if let Ok(s) = self.scorer.evaluate(m, e) {
                    out(m as u32, s);
                }
            }
            return;
        };
        let x = t.mentee(self.scorer, e);
        let mut next = 0;
        for m in 0..n_m {
            if x.special.get(next) == Some(&(m as u32)) {
                next += 1;
                if let Ok(s) = self.scorer.evaluate(m, e) {
                    out(m as u32, s);
                }
            } else if let Some(s) = t.pair(self.scorer, &x, m) {
                out(m as u32, s);
            }
        }
    }

    /// Calls `out(mentor, score)` for each mentor of `mentors` (any order)
    /// feasible with mentee `e`, in the order given.
    pub(crate) fn some(&self, e: MenteeIdx, mentors: &[u32], mut out: impl FnMut(u32, Milli)) {
        // A mentor off the mentee's candidate list is never feasible; the
        // listed ones are scored like any pair (the list is no sparse part).
        let allowed = self.scorer.problem().mentees[e].allowed.as_deref();
        let mentors = mentors
            .iter()
            .copied()
            .filter(|&m| allowed.is_none_or(|a| a.binary_search(&(m as usize)).is_ok()));
        let Some(t) = &self.fast else {
            for m in mentors {
                if let Ok(s) = self.scorer.evaluate(m as usize, e) {
                    out(m, s);
                }
            }
            return;
        };
        let x = t.mentee(self.scorer, e);
        for m in mentors {
            let s = if x.special.binary_search(&m).is_ok() {
                self.scorer.evaluate(m as usize, e).ok()
            } else {
                t.pair(self.scorer, &x, m as usize)
            };
            if let Some(s) = s {
                out(m, s);
            }
        }
    }
}

impl Tables {
    fn new(sc: &Scorer<'_>) -> Option<Tables> {
        let p = sc.problem();
        let masks = sc.masks.as_ref()?;
        let rank = |used: &mut dyn Iterator<Item = u32>| {
            let mut rank = vec![u32::MAX; p.schedules.len()];
            let mut next = 0;
            for s in used {
                if rank[s as usize] == u32::MAX {
                    rank[s as usize] = next;
                    next += 1;
                }
            }
            (rank, next as usize)
        };
        let (mentor_rank, rows) = rank(&mut p.mentors.iter().map(|m| m.profile.schedule));
        let (mentee_rank, width) = rank(&mut p.mentees.iter().map(|e| e.profile.schedule));
        let (w, policy) = (&p.policy.weights, &p.policy);
        let term = |weight: f64, value: f64| {
            if weight == 0.0 {
                0
            } else {
                to_milli(weight * value)
            }
        };
        let mut tz = vec![BLOCKED; rows * width];
        for ms in (0..p.schedules.len()).filter(|&s| mentor_rank[s] != u32::MAX) {
            for es in (0..p.schedules.len()).filter(|&s| mentee_rank[s] != u32::MAX) {
                let o = sc.overlap.get(ms as u32, es as u32);
                if o.shared_weeks >= policy.min_shared_weeks
                    && o.min_week_min >= policy.min_weekly_overlap_min
                {
                    let v =
                        (f64::from(o.min_week_min) / f64::from(policy.overlap_target_min)).min(1.0);
                    tz[mentor_rank[ms] as usize * width + mentee_rank[es] as usize] =
                        term(w.time_zone, v);
                }
            }
        }
        let memory = &policy.memory;
        let base = (0..p.mentors.len())
            .map(|m| match sc.load.get(m).filter(|&&l| l > 0.0) {
                Some(&l) => term(memory.cohort_load_weight, -l),
                None => 0,
            })
            .collect();
        let special = (0..p.mentees.len())
            .map(|e| {
                let mut v: Vec<u32> = sc.forbidden[e].clone();
                v.extend(&sc.declined[e]);
                if memory.earlier_pairs != EarlierPairs::Allow {
                    v.extend(&sc.earlier[e]);
                }
                v.extend(p.mentees[e].preferred.iter().map(|&m| m as u32));
                v.extend(sc.affinity[e].iter().map(|&(m, _)| m));
                v.extend(&sc.baseline[e]);
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        let (sector_class, sector_rep) = classes(masks.mentor.iter().map(|x| x.0));
        let n_lang = sc.n_lang;
        let (lang_class, lang_rep) =
            classes((0..p.mentors.len()).map(|m| &sc.mentor_levels[m * n_lang..(m + 1) * n_lang]));
        Some(Tables {
            sector_class,
            lang_class,
            sector_masks: sector_rep.iter().map(|&m| masks.mentor[m].0).collect(),
            sector_rep,
            lang_rep,
            topics: masks.mentor.iter().map(|x| x.1).collect(),
            org: p
                .mentors
                .iter()
                .map(|m| m.profile.organization.unwrap_or(NO_ORG))
                .collect(),
            schedule: p
                .mentors
                .iter()
                .map(|m| mentor_rank[m.profile.schedule as usize])
                .collect(),
            base,
            open: p.mentors.iter().map(|m| m.capacity > 0).collect(),
            mentee_schedule: mentee_rank,
            tz,
            width,
            language: (0..=u8::MAX)
                .map(|l| term(w.language, Level(l).value()))
                .collect(),
            differ: term(w.different_country, 1.0),
            affinity_only: policy.scoring_mode == ScoringMode::AffinityOnly,
            min_level: policy.min_level.0,
            min_score: policy.min_pair_score,
            special,
        })
    }

    /// The fast path's view of mentee `e`: its terms per class, linear in
    /// the classes (not in the mentors).
    fn mentee<'a>(&'a self, sc: &Scorer<'_>, e: MenteeIdx) -> Mentee<'a> {
        let p = sc.problem();
        let ep = &p.mentees[e].profile;
        let w = &p.policy.weights;
        let (sectors, topics) = sc.masks.as_ref().map_or((0, 0), |k| k.mentee[e]);
        let by_count = |weight: f64, theirs: usize| -> Vec<Milli> {
            (0..=theirs)
                .map(|c| match (weight, theirs) {
                    (0.0, _) | (_, 0) => 0,
                    _ => to_milli(weight * (c as f64 / theirs as f64)),
                })
                .collect()
        };
        let sector_term = by_count(w.sector, ep.sectors.len());
        let sector = if sc.related || p.policy.sector_rule.is_some() {
            // Related sectors or the sector rule: the scorer's own credit
            // and rule, once per class.
            let theirs = ep.sectors.len();
            self.sector_rep
                .iter()
                .map(|&m| {
                    let (credit, matched) =
                        sc.sector_credit(&p.mentors[m].profile.sectors, &ep.sectors);
                    if !sc.sector_rule_holds(matched, theirs) {
                        BLOCKED
                    } else if w.sector == 0.0 || theirs == 0 {
                        0
                    } else {
                        to_milli(w.sector * (credit / theirs as f64))
                    }
                })
                .collect()
        } else {
            self.sector_masks
                .iter()
                .map(|&mask| {
                    sector_term[((mask & sectors).count_ones() as usize).min(ep.sectors.len())]
                })
                .collect()
        };
        let languages: Vec<(usize, u8)> = ep
            .languages
            .iter()
            .map(|s| (s.language as usize, s.level.0))
            .collect();
        let language = self
            .lang_rep
            .iter()
            .map(|&m| {
                let levels = &sc.mentor_levels[m * sc.n_lang..(m + 1) * sc.n_lang];
                let mut best: Option<u8> = None;
                for &(l, mine) in &languages {
                    let theirs = levels.get(l).copied().unwrap_or(0);
                    if theirs > 0 {
                        best = Some(best.unwrap_or(0).max(theirs.min(mine)));
                    }
                }
                best.filter(|&l| l >= self.min_level)
                    .map_or(BLOCKED, |l| self.language[l as usize])
            })
            .collect();
        let column = self.mentee_schedule[ep.schedule as usize] as usize;
        let tz = self
            .tz
            .chunks(self.width.max(1))
            .map(|row| row[column])
            .collect();
        let org = match ep.organization {
            Some(o) if !p.policy.allow_same_organization => o,
            _ => NO_ORG,
        };
        let country = sc.mentee_country[e];
        Mentee {
            sector,
            language,
            tz,
            topics,
            topic_bits: (topics.count_ones() <= FEW_BITS)
                .then(|| (0..u128::BITS).filter(|&b| topics >> b & 1 == 1).collect()),
            topic_term: by_count(w.topics, ep.topics.len()),
            org,
            blocked_country: if p.policy.require_cross_border {
                country
            } else {
                u32::MAX
            },
            country,
            special: &self.special[e],
        }
    }

    /// The score of a pair without a sparse part, if it is feasible.
    #[inline(always)]
    fn pair(&self, sc: &Scorer<'_>, x: &Mentee<'_>, m: MentorIdx) -> Option<Milli> {
        let language = x.language[self.lang_class[m] as usize];
        let tz = x.tz[self.schedule[m] as usize];
        let sector = x.sector[self.sector_class[m] as usize];
        let country = sc.mentor_country[m];
        if language == BLOCKED
            || tz == BLOCKED
            || sector == BLOCKED
            || !self.open[m]
            || country == x.blocked_country
            || (x.org != NO_ORG && self.org[m] == x.org)
        {
            return None;
        }
        let score = if self.affinity_only {
            self.base[m]
        } else {
            let mine = self.topics[m];
            let topics = match &x.topic_bits {
                Some(bits) => bits.iter().map(|&b| (mine >> b) as usize & 1).sum(),
                None => (mine & x.topics).count_ones() as usize,
            };
            self.base[m]
                + sector
                + x.topic_term[topics.min(x.topic_term.len() - 1)]
                + language
                + tz
                + if country != x.country { self.differ } else { 0 }
        };
        match self.min_score {
            Some(min) if score < min => None,
            _ => Some(score),
        }
    }
}

/// The class of each key (classes numbered in order of first sight) and
/// the first index of each class.
fn classes<K: Eq + std::hash::Hash>(keys: impl Iterator<Item = K>) -> (Vec<u32>, Vec<usize>) {
    let mut ids = std::collections::HashMap::new();
    let (mut class, mut first) = (Vec::new(), Vec::new());
    for (i, k) in keys.enumerate() {
        let next = first.len() as u32;
        let c = *ids.entry(k).or_insert_with(|| {
            first.push(i);
            next
        });
        class.push(c);
    }
    (class, first)
}
