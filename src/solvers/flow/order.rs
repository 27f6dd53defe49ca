//! The order of each mentee's arcs: by cost first (sorted on threads, or a
//! builder's order by score once checked), then, when the places are short,
//! by cost net of the mentors' potentials (see [`super::network::Network`]).

use std::cmp::Reverse;

use crate::error::Error;
use crate::model::Milli;
use crate::solvers::{Deadline, Instance, SolveError};
use crate::threads::join;

/// Arcs scanned, as a multiple of all arcs, after which the arcs are sorted
/// again by their cost net of the mentors' potentials.
pub(super) const RESORT_SCANS: u64 = 4;

/// Mentees whose arcs are sorted between two looks at the deadline.
const SORT_CHECK_MENTEES: usize = 64;

/// Fewest arcs for which the arc sort runs on several threads.
const PARALLEL_SORT_ARCS: usize = 200_000;

/// Arc indices sorted by (cost, mentor) within each mentee, in parallel
/// over contiguous mentee chunks (the order does not depend on it). Keys are
/// packed into one integer when they fit, for a cache-friendly sort.
pub(super) fn sorted_arcs(
    inst: &Instance,
    cost: &[i64],
    threads: usize,
    deadline: &Deadline,
) -> Result<Vec<u32>, SolveError> {
    let n_e = inst.mentees();
    let mut order: Vec<u32> = (0..inst.mentor.len() as u32).collect();
    let packable = inst.mentors() < (1 << 24) && cost.iter().all(|&c| (0..1 << 39).contains(&c));
    let sort = |e: usize, out: &mut [u32], buf: &mut Vec<(u64, u32)>| {
        let arcs = inst.arcs(e);
        if packable {
            buf.clear();
            buf.extend(arcs.map(|a| {
                (
                    ((cost[a] as u64) << 24) | u64::from(inst.mentor[a]),
                    a as u32,
                )
            }));
            buf.sort_unstable();
            for (o, &(_, a)) in out.iter_mut().zip(buf.iter()) {
                *o = a;
            }
        } else {
            out.sort_unstable_by_key(|&a| (cost[a as usize], inst.mentor[a as usize]));
        }
    };
    // Sorts mentees first..last, whose arcs are `mine`; false if the
    // deadline passed first.
    let sort_chunk = |first: usize, last: usize, mine: &mut [u32]| {
        let mut buf = Vec::new();
        let base = inst.start[first] as usize;
        for e in first..last {
            if (e - first).is_multiple_of(SORT_CHECK_MENTEES) && deadline.passed() {
                return false;
            }
            let r = inst.arcs(e);
            sort(e, &mut mine[r.start - base..r.end - base], &mut buf);
        }
        true
    };
    let runs = runs(inst, threads);
    if runs.len() <= 1 {
        return match sort_chunk(0, n_e, &mut order) {
            true => Ok(order),
            false => Err(SolveError::Deadline),
        };
    }
    let joined = std::thread::scope(|scope| {
        let mut rest: &mut [u32] = &mut order;
        let mut handles = Vec::with_capacity(runs.len());
        for &(first, last) in &runs {
            let len = inst.start[last] as usize - inst.start[first] as usize;
            let (mine, tail) = rest.split_at_mut(len);
            rest = tail;
            let sort_chunk = &sort_chunk;
            handles.push(scope.spawn(move || sort_chunk(first, last, mine)));
        }
        handles.into_iter().map(join).collect::<Vec<_>>()
    });
    for r in joined {
        if !r.map_err(|e| SolveError::Backend(e.to_string()))? {
            return Err(SolveError::Deadline);
        }
    }
    Ok(order)
}

/// Contiguous runs of mentees `(first, last)`, one per thread (a single run
/// below [`PARALLEL_SORT_ARCS`] arcs: spawning costs ~50 µs).
fn runs(inst: &Instance, threads: usize) -> Vec<(usize, usize)> {
    let n_e = inst.mentees();
    let threads = if inst.mentor.len() < PARALLEL_SORT_ARCS {
        1
    } else {
        threads.max(1)
    };
    let chunk = n_e.div_ceil(threads).max(1);
    (0..n_e)
        .step_by(chunk)
        .map(|first| (first, (first + chunk).min(n_e)))
        .collect()
}

/// Whether `order` lists each mentee's arcs, and only those, by score
/// descending then mentor, strictly: one pass, so a builder's order is
/// trusted only once checked.
///
/// In the same pass (each arc read once, the order's reads being the
/// random ones), the arcs' mentors and costs (`cost_of` a score) in that
/// order, or `None` when the order is not that.
pub(super) fn laid_out(
    inst: &Instance,
    order: &[u32],
    cost_of: impl Fn(Milli) -> i64,
) -> Option<(Vec<u32>, Vec<i64>)> {
    if order.len() != inst.mentor.len() {
        return None;
    }
    let (mut mentor, mut cost) = (
        Vec::with_capacity(order.len()),
        Vec::with_capacity(order.len()),
    );
    for e in 0..inst.mentees() {
        let r = inst.arcs(e);
        let mut last: Option<(Reverse<Milli>, u32)> = None;
        for &a in &order[r.clone()] {
            let a = a as usize;
            if !r.contains(&a) {
                return None;
            }
            let key = (Reverse(inst.score[a]), inst.mentor[a]);
            if last.is_some_and(|l| l >= key) {
                return None;
            }
            last = Some(key);
            mentor.push(key.1);
            cost.push(cost_of(key.0 .0));
        }
    }
    Some((mentor, cost))
}

/// Sorts each mentee's arcs by cost net of the mentors' potentials `pot_m`
/// ([`ArcsPart::sort`]), on `threads` threads over runs of mentees.
pub(super) fn sort_net_of(
    inst: &Instance,
    arcs: ArcsPart<'_>,
    pot_m: &[i64],
    threads: usize,
) -> Result<(), Error> {
    let runs = runs(inst, threads);
    std::thread::scope(|scope| {
        let mut rest = arcs;
        let mut handles = Vec::with_capacity(runs.len());
        for &(_, last) in &runs {
            let (mine, tail) = rest.split(inst, last);
            rest = tail;
            handles.push(scope.spawn(move || mine.sort(inst, pot_m)));
        }
        handles
            .into_iter()
            .map(join)
            .collect::<Result<Vec<()>, _>>()
    })?;
    Ok(())
}

/// The sorted arcs of mentees `first..`, and their arcs in use.
pub(super) struct ArcsPart<'s> {
    pub(super) first: usize,
    pub(super) mentor: &'s mut [u32],
    pub(super) orig: &'s mut [u32],
    pub(super) cost: &'s mut [i64],
    pub(super) assign: &'s mut [u32],
}

impl<'s> ArcsPart<'s> {
    /// The part's mentees before `at` (an instance mentee), and the rest.
    fn split(self, inst: &Instance, at: usize) -> (ArcsPart<'s>, ArcsPart<'s>) {
        let len = inst.start[at] as usize - inst.start[self.first] as usize;
        let (mentor, mentor_rest) = self.mentor.split_at_mut(len);
        let (orig, orig_rest) = self.orig.split_at_mut(len);
        let (cost, cost_rest) = self.cost.split_at_mut(len);
        let (assign, assign_rest) = self.assign.split_at_mut(at - self.first);
        (
            ArcsPart {
                first: self.first,
                mentor,
                orig,
                cost,
                assign,
            },
            ArcsPart {
                first: at,
                mentor: mentor_rest,
                orig: orig_rest,
                cost: cost_rest,
                assign: assign_rest,
            },
        )
    }

    /// Each mentee's arcs by `c − π(j)`, then mentor, the arc in use followed.
    fn sort(self, inst: &Instance, pot_m: &[i64]) {
        let base = inst.start[self.first] as usize;
        let mut buf: Vec<(i64, u32, u32, i64)> = Vec::new();
        for (k, used) in self.assign.iter_mut().enumerate() {
            let r = inst.arcs(self.first + k);
            let r = r.start - base..r.end - base;
            // An arc position, or a sentinel (unmatched, not sent) past them all.
            let used_orig = (*used as usize)
                .checked_sub(base)
                .and_then(|k| self.orig.get(k))
                .copied();
            buf.clear();
            buf.extend(r.clone().map(|a| {
                let m = self.mentor[a];
                (
                    self.cost[a] - pot_m[m as usize],
                    m,
                    self.orig[a],
                    self.cost[a],
                )
            }));
            buf.sort_unstable_by_key(|x| (x.0, x.1));
            for (a, &(_, m, o, c)) in r.zip(buf.iter()) {
                self.mentor[a] = m;
                self.orig[a] = o;
                self.cost[a] = c;
                if Some(o) == used_orig {
                    *used = (a + base) as u32;
                }
            }
        }
    }
}
