//! Scored pairs kept from one solve to build the instance of an edited
//! programme (a what-if) without scoring every pair again.
//!
//! [`ScoredRows`] holds, for each mentee of a solved problem, its feasible
//! pairs (mentor, score) in mentor order and the same arcs by (score
//! descending, mentor). [`Reuse`] says how an edited problem maps onto it:
//! which of its mentees have an unchanged row and which of its mentors an
//! unchanged column. Everything else is scored again; the instance built
//! is the one a cold build gives, arc for arc (tests compare them).

use crate::model::Milli;
use crate::threads::map_chunks;

/// A solved problem's feasible pairs, by mentee.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoredRows {
    /// `start[e]..start[e + 1]`: mentee `e`'s arcs (empty when not scored).
    start: Vec<u32>,
    /// Whether mentee `e` was scored (pinned mentees are not).
    scored: Vec<bool>,
    /// Mentor of each arc, ascending within a row.
    mentor: Vec<u32>,
    /// Score of each arc, milli-points, without what-if stability points.
    score: Vec<Milli>,
    /// Per row, offsets into the row by (score descending, mentor).
    order: Vec<u32>,
}

/// A solve's candidate arcs, kept to become [`ScoredRows`] later (off the
/// answer's path: sorting the rows is most of the work).
#[derive(Debug, Clone)]
pub struct ScoredPairs {
    /// The instance solved (without stability points: a Solve's).
    pub instance: super::Instance,
    /// Problem mentee of each instance mentee.
    pub mentees: Vec<usize>,
    /// Mentees of the problem.
    pub n_mentees: usize,
    /// The most earlier-cohort mentees of any of its mentors (the scale of
    /// the cohort-load term).
    pub most_load: Option<u32>,
}

impl ScoredPairs {
    /// The rows, sorted on `threads` threads.
    pub fn rows(&self, threads: usize) -> ScoredRows {
        ScoredRows::new(&self.instance, &self.mentees, self.n_mentees, threads)
    }
}

/// Fewest arcs for which the rows are sorted on several threads.
const PARALLEL_ARCS: usize = 200_000;

impl ScoredRows {
    /// The rows of `n_mentees` mentees from an instance whose mentee `k` is
    /// problem mentee `mentees[k]` (the others were not scored), each row
    /// sorted on `threads` threads.
    pub fn new(
        inst: &super::Instance,
        mentees: &[usize],
        n_mentees: usize,
        threads: usize,
    ) -> Self {
        let mut row_of = vec![None; n_mentees];
        for (k, &e) in mentees.iter().enumerate() {
            row_of[e] = Some(k);
        }
        let mut out = ScoredRows {
            start: Vec::with_capacity(n_mentees + 1),
            scored: Vec::with_capacity(n_mentees),
            mentor: Vec::with_capacity(inst.mentor.len()),
            score: Vec::with_capacity(inst.score.len()),
            order: Vec::new(),
        };
        out.start.push(0);
        for k in row_of {
            out.scored.push(k.is_some());
            if let Some(k) = k {
                let r = inst.arcs(k);
                out.mentor.extend_from_slice(&inst.mentor[r.clone()]);
                out.score.extend_from_slice(&inst.score[r]);
            }
            out.start.push(out.mentor.len() as u32);
        }
        let rows: Vec<usize> = (0..n_mentees).collect();
        let threads = if out.mentor.len() < PARALLEL_ARCS {
            1
        } else {
            threads
        };
        let parts = map_chunks(&rows, threads, |part: &[usize]| {
            let mut order = Vec::new();
            for &e in part {
                let r = out.row(e);
                let base = order.len();
                order.extend(0..r.len() as u32);
                let (mentor, score) = (&out.mentor[r.clone()], &out.score[r]);
                order[base..].sort_unstable_by_key(|&i| {
                    (std::cmp::Reverse(score[i as usize]), mentor[i as usize])
                });
            }
            order
        })
        .unwrap_or_default();
        out.order = parts.into_iter().flatten().collect();
        if out.order.len() != out.mentor.len() {
            // A sorting thread failed: keep the rows, drop their order.
            out.order.clear();
        }
        out
    }

    /// Mentees.
    pub fn mentees(&self) -> usize {
        self.scored.len()
    }

    /// Bytes held, for a cache's budget.
    pub fn bytes(&self) -> usize {
        self.start.len() * 4 + self.scored.len() + self.mentor.len() * 8 + self.score.len() * 8
    }

    fn row(&self, e: usize) -> std::ops::Range<usize> {
        self.start[e] as usize..self.start[e + 1] as usize
    }

    /// Mentee `e`'s arcs `(mentor, score)` in mentor order, and their offsets
    /// by (score descending, mentor); `None` if it was not scored.
    pub(crate) fn arcs(&self, e: usize) -> Option<(&[u32], &[Milli], &[u32])> {
        if !*self.scored.get(e)? || self.order.len() != self.mentor.len() {
            return None;
        }
        let r = self.row(e);
        Some((
            &self.mentor[r.clone()],
            &self.score[r.clone()],
            &self.order[r],
        ))
    }
}

/// How a problem maps onto the [`ScoredRows`] of an earlier one.
#[derive(Debug, Clone)]
pub struct Reuse<'r> {
    /// The earlier problem's rows.
    pub rows: &'r ScoredRows,
    /// Per mentor of this problem: its mentor in the earlier one, when every
    /// pair with it scores as before (`None`: score its column again).
    /// Increasing where set.
    pub mentor_was: Vec<Option<u32>>,
    /// Per mentee of this problem: its mentee in the earlier one, when every
    /// pair with it scores as before (`None`: score its row again).
    pub mentee_was: Vec<Option<u32>>,
}

/// No mentor.
const NONE: u32 = u32::MAX;

/// Buffers reused from row to row by [`Prepared::push_row`].
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pos_of: Vec<u32>,
    special: Vec<u32>,
    is_special: Vec<bool>,
}

/// A [`Reuse`] ready to build rows: each earlier mentor's mentor now, and
/// the mentors whose columns are scored again.
#[derive(Debug)]
pub(crate) struct Prepared<'r> {
    reuse: &'r Reuse<'r>,
    /// Per earlier mentor: its index now (`NONE`: gone or scored again).
    now_of: Vec<u32>,
    /// Mentors now whose pairs are scored again, ascending.
    again: Vec<u32>,
}

impl<'r> Prepared<'r> {
    /// `None` when the mapping is not increasing (then nothing is reused).
    pub(crate) fn new(reuse: &'r Reuse<'r>) -> Option<Self> {
        let n_before = reuse
            .mentor_was
            .iter()
            .flatten()
            .max()
            .map_or(0, |&m| m as usize + 1);
        let mut now_of = vec![NONE; n_before];
        let mut again = Vec::new();
        let mut last: Option<u32> = None;
        for (m, was) in reuse.mentor_was.iter().enumerate() {
            match *was {
                Some(b) => {
                    if last.is_some_and(|l| l >= b) {
                        return None;
                    }
                    last = Some(b);
                    now_of[b as usize] = m as u32;
                }
                None => again.push(m as u32),
            }
        }
        Some(Prepared {
            reuse,
            now_of,
            again,
        })
    }

    /// Arcs mentee `e`'s row may have (to reserve room), `n_mentors` when
    /// it has no earlier row.
    pub(crate) fn room(&self, e: usize, n_mentors: usize) -> usize {
        let was = self.reuse.mentee_was.get(e).copied().flatten();
        match was.and_then(|b| self.reuse.rows.arcs(b as usize)) {
            Some((m, _, _)) => m.len() + self.again.len(),
            None => n_mentors,
        }
    }

    /// Appends mentee `e`'s row to `rows` from its earlier row: its pairs
    /// with unchanged mentors as they were (plus `bonus`), the others
    /// `evaluate`d, all in mentor order, and their order by (score
    /// descending, mentor). `false`, appending nothing, when it has no
    /// earlier row.
    pub(crate) fn push_row(
        &self,
        e: usize,
        rows: &mut super::Rows,
        scratch: &mut Scratch,
        evaluate: impl Fn(usize) -> Option<Milli>,
        bonus: impl Fn(usize) -> Milli,
    ) -> bool {
        let Some(b) = self.reuse.mentee_was.get(e).copied().flatten() else {
            return false;
        };
        let Some((bm, bs, bo)) = self.reuse.rows.arcs(b as usize) else {
            return false;
        };
        let first = rows.mentor.len();
        let Scratch {
            pos_of,
            special,
            is_special,
        } = scratch;
        pos_of.clear();
        pos_of.resize(bm.len(), NONE);
        special.clear();
        let (mut i, mut d) = (0usize, 0usize);
        loop {
            // The next earlier arc whose mentor is still here unchanged.
            while i < bm.len() && self.now_of.get(bm[i] as usize).is_none_or(|&m| m == NONE) {
                i += 1;
            }
            let clean = (i < bm.len()).then(|| self.now_of[bm[i] as usize]);
            let again = self.again.get(d).copied();
            let take_clean = match (clean, again) {
                (None, None) => break,
                (Some(m), Some(a)) => m < a,
                (Some(_), None) => true,
                (None, Some(_)) => false,
            };
            match (clean, again) {
                (Some(m), _) if take_clean => {
                    let plus = bonus(m as usize);
                    pos_of[i] = (rows.mentor.len() - first) as u32;
                    if plus != 0 {
                        special.push(pos_of[i]);
                    }
                    rows.mentor.push(m);
                    rows.score.push(bs[i] + plus);
                    i += 1;
                }
                (_, a) => {
                    let a = a.unwrap_or(NONE);
                    if let Some(s) = evaluate(a as usize) {
                        special.push((rows.mentor.len() - first) as u32);
                        rows.mentor.push(a);
                        rows.score.push(s);
                    }
                    d += 1;
                }
            }
        }
        let n = (rows.mentor.len() - first) as u32;
        rows.counts.push(n);
        let (mentor, score) = (&rows.mentor[first..], &rows.score[first..]);
        let key = |p: u32| (std::cmp::Reverse(score[p as usize]), mentor[p as usize]);
        special.sort_unstable_by_key(|&p| key(p));
        is_special.clear();
        is_special.resize(n as usize, false);
        for &p in special.iter() {
            is_special[p as usize] = true;
        }
        let kept = bo
            .iter()
            .map(|&o| pos_of[o as usize])
            .filter(|&p| p != NONE && !is_special[p as usize]);
        let mut kept = kept.peekable();
        let mut special = special.iter().copied().peekable();
        // Merge the earlier order (still right among unchanged arcs) with
        // the arcs scored or raised now.
        loop {
            let next = match (kept.peek(), special.peek()) {
                (Some(&k), Some(&s)) if key(s) < key(k) => special.next(),
                (Some(_), _) => kept.next(),
                (None, Some(_)) => special.next(),
                (None, None) => break,
            };
            rows.order.extend(next);
        }
        true
    }
}
