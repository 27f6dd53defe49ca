//! Exact over every pair without holding every pair: the flow on each
//! mentee's best mentors, the rest priced with its potentials.
//!
//! A first pass scores every pair on threads ([`RowScorer`]) and keeps each
//! mentee's `keep` best mentors (and every arc to a mentor with a
//! minimum, so that minimums are decided on all their arcs), the best score
//! it left out, and the range of every feasible score, which fixes the cost
//! model: the network priced is the network of every pair. The flow solves
//! the kept arcs; its potentials price the arcs left out. An arc `e → j` of
//! score `s` has reduced cost `(top − s)·scale + π(e) − π(j)`; a mentee's
//! arcs left out score at most its best left out `b`, so they can be
//! negative only at mentors with `π(j) > (top − b)·scale + π(e)`: a prefix
//! of the mentors sorted by potential, the only pairs scored again. Arcs
//! with a negative reduced cost (the most negative `keep` per mentee)
//! join the instance and the flow runs again, until none is left. The
//! potentials then meet the optimality conditions on every pair, so the
//! flow is a min-cost flow of the whole network and its certificate covers
//! every pair (`verify` checks it pair by pair).

use crate::model::{MenteeIdx, Milli, Objective};
use crate::outcome::FlowCertificate;
use crate::scoring::RowScorer;
use crate::threads::map_chunks;

use super::candidates::Places;
use super::flow::FlowEngine;
use super::hall::MentorGraph;
use super::{widen, Assignment, Deadline, Engine, Instance, Rows, SolveError};

/// Mentees between two looks at the deadline.
const CHECK_EVERY: usize = 16;

/// `f` over contiguous chunks of `items` on `threads` threads, in chunk
/// order; a chunk that saw the deadline pass gives `None`.
fn on_threads<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&[T]) -> Option<R> + Sync,
) -> Result<Vec<R>, SolveError> {
    map_chunks(items, threads, f)
        .map_err(|e| SolveError::Backend(e.to_string()))?
        .into_iter()
        .map(|r| r.ok_or(SolveError::Deadline))
        .collect()
}

/// A priced solve: the last instance and its optimal assignment.
#[derive(Debug)]
pub(crate) struct Priced {
    /// The arcs held at the end (instance mentee `k` is `mentees[k]`).
    pub(crate) instance: Instance,
    /// The optimum over every pair, with potentials that prove it.
    pub(crate) assignment: Assignment,
    /// Feasible pairs among every pair.
    pub(crate) feasible: u64,
}

impl Priced {
    /// The instance and assignment the explanations read: every feasible arc
    /// of each unmatched mentee (its candidates, the roots of its
    /// bottleneck search), the held arcs of the others; and, when some
    /// unmatched mentee has every candidate full, the mentor-level edges
    /// of the assignment over every pair (one more pass over the matched
    /// mentees' pairs), so that bottleneck searches see every arc.
    pub(crate) fn explained(
        self,
        rows: &RowScorer<'_>,
        mentees: &[MenteeIdx],
        threads: usize,
    ) -> Result<(Instance, Assignment, Option<MentorGraph>), SolveError> {
        let (inst, mut a) = (self.instance, self.assignment);
        let mut out = Rows::default();
        let mut arc = Vec::with_capacity(a.arc.len());
        for (k, &x) in a.arc.iter().enumerate() {
            let before = out.mentor.len();
            match x {
                Some(x) => {
                    let held = inst.arcs(k);
                    arc.push(Some((before + x as usize - held.start) as u32));
                    out.mentor.extend_from_slice(&inst.mentor[held.clone()]);
                    out.score.extend_from_slice(&inst.score[held]);
                }
                None => {
                    arc.push(None);
                    rows.row(mentees[k], |m, s| {
                        out.mentor.push(m);
                        out.score.push(s);
                    });
                }
            }
            out.counts.push((out.mentor.len() - before) as u32);
        }
        let mut full = Instance::from_rows(vec![out], inst.capacity, inst.minimum);
        full.score_range = inst.score_range;
        a.arc = arc;
        let loads = full.loads(&a.arc);
        let short = (0..full.mentees()).any(|k| {
            a.arc[k].is_none()
                && !full.arcs(k).is_empty()
                && full.arcs(k).all(|x| {
                    loads[full.mentor[x] as usize] >= full.capacity[full.mentor[x] as usize]
                })
        });
        let graph = if short {
            Some(mentor_graph(rows, mentees, &full, &a.arc, threads)?)
        } else {
            None
        };
        Ok((full, a, graph))
    }
}

/// The mentor-level edges of an assignment over every pair: `j → j'` when a
/// mentee assigned to `j` has a feasible pair with `j'`.
fn mentor_graph(
    rows: &RowScorer<'_>,
    mentees: &[MenteeIdx],
    inst: &Instance,
    arc: &[Option<u32>],
    threads: usize,
) -> Result<MentorGraph, SolveError> {
    let ks: Vec<u32> = (0..mentees.len() as u32).collect();
    let part = |part: &[u32]| {
        let mut g = MentorGraph::new(inst.mentors());
        for &k in part {
            if let Some(x) = arc[k as usize] {
                let j = inst.mentor[x as usize];
                rows.row(mentees[k as usize], |m, _| g.add(j, m));
            }
        }
        Some(g)
    };
    let parts = on_threads(&ks, threads, part)?;
    let mut all = MentorGraph::new(inst.mentors());
    for g in &parts {
        all.merge(g);
    }
    Ok(all)
}

/// The best arcs of each mentee, from the pass over every pair.
struct Kept {
    rows: Vec<Rows>,
    /// Per instance mentee: the best score left out, if any was.
    left: Vec<Option<Milli>>,
    range: Option<(Milli, Milli)>,
    feasible: u64,
}

/// Solves the mentees of `places` (instance mentee `k` is `free[k]`) over
/// every pair that `rows` scores feasible, under `objective` (coverage then
/// score, or score: the objectives with a flow certificate), holding at
/// most `held` arcs before pricing, then those the potentials show may
/// matter.
pub(crate) fn solve_priced(
    rows: &RowScorer<'_>,
    places: &Places,
    objective: Objective,
    held: u64,
    threads: usize,
    deadline: &Deadline,
) -> Result<Priced, SolveError> {
    let mentees = &places.free;
    // At most `held` arcs before pricing: each mentee's best `keep`.
    let keep =
        (held / mentees.len().max(1) as u64).clamp(1, places.capacity.len().max(1) as u64) as usize;
    let (capacity, minimum) = (places.capacity.clone(), places.minimum.clone());
    let forced: Vec<bool> = minimum.iter().map(|&m| m > 0).collect();
    let clock = std::time::Instant::now();
    let kept = keep_best(rows, mentees, &forced, keep, threads, deadline)?;
    let mut inst = Instance::from_rows(kept.rows, capacity, minimum);
    inst.score_range = kept.range;
    tracing::debug!(
        keep,
        held = inst.mentor.len(),
        feasible = kept.feasible,
        ms = clock.elapsed().as_millis() as u64,
        "priced solve: pass over every pair"
    );
    let engine = FlowEngine { threads };
    let mut flow_clock = std::time::Instant::now();
    let mut assignment = engine.solve(&inst, objective, deadline.clone())?;
    let mut round = 0u32;
    loop {
        round += 1;
        let flow_ms = flow_clock.elapsed().as_millis() as u64;
        let clock = std::time::Instant::now();
        let duals = assignment.duals.take().ok_or(SolveError::Unsupported(
            "pricing needs the flow's potentials",
        ))?;
        let added = price(rows, mentees, &duals, &kept.left, keep, threads, deadline)?;
        tracing::debug!(
            round,
            held = inst.mentor.len(),
            added = added.len(),
            flow_ms,
            price_ms = clock.elapsed().as_millis() as u64,
            "priced solve: flow and pricing"
        );
        if added.is_empty() {
            assignment.duals = Some(duals);
            return Ok(Priced {
                instance: inst,
                assignment,
                feasible: kept.feasible,
            });
        }
        let next = with_arcs(&inst, &added);
        let prior = carried(&inst, &next, &assignment.arc);
        flow_clock = std::time::Instant::now();
        assignment = engine.resolve(&next, objective, &prior, &duals, deadline.clone())?;
        inst = next;
    }
}

/// `arc` (an arc of `old` per mentee) as arcs of `new`, which holds every
/// arc of `old` (rows in mentor order).
fn carried(old: &Instance, new: &Instance, arc: &[Option<u32>]) -> Vec<Option<u32>> {
    arc.iter()
        .enumerate()
        .map(|(k, a)| {
            let m = old.mentor[(*a)? as usize];
            let row = new.arcs(k);
            let at = new.mentor[row.clone()].binary_search(&m).ok()?;
            Some((row.start + at) as u32)
        })
        .collect()
}

/// The pass over every pair: each mentee's `keep` best arcs by (score
/// descending, mentor) plus its arcs to `forced` mentors, in mentor order.
fn keep_best(
    rows: &RowScorer<'_>,
    mentees: &[MenteeIdx],
    forced: &[bool],
    keep: usize,
    threads: usize,
    deadline: &Deadline,
) -> Result<Kept, SolveError> {
    let part = |part: &[MenteeIdx]| {
        // Every arc kept but those to mentors with a minimum fits.
        let arcs = part.len().saturating_mul(keep);
        let mut out = Kept {
            rows: vec![Rows {
                counts: Vec::with_capacity(part.len()),
                mentor: Vec::with_capacity(arcs),
                score: Vec::with_capacity(arcs),
                order: Vec::new(),
            }],
            left: Vec::with_capacity(part.len()),
            range: None,
            feasible: 0,
        };
        let r = &mut out.rows[0];
        let (mut row, mut chosen) = (Vec::new(), Vec::new());
        for (i, &e) in part.iter().enumerate() {
            if i % CHECK_EVERY == 0 && deadline.passed() {
                return None;
            }
            row.clear();
            chosen.clear();
            rows.row(e, |m, s| {
                if forced[m as usize] {
                    chosen.push((m, s));
                } else {
                    row.push((m, s));
                }
            });
            out.feasible += (row.len() + chosen.len()) as u64;
            for &(_, s) in row.iter().chain(&chosen) {
                out.range = widen(out.range, s);
            }
            let mut left = None;
            if row.len() > keep {
                row.select_nth_unstable_by_key(keep, |&(m, s)| (std::cmp::Reverse(s), m));
                left = Some(row[keep].1);
                row.truncate(keep);
            }
            chosen.extend_from_slice(&row);
            chosen.sort_unstable_by_key(|&(m, _)| m);
            r.counts.push(chosen.len() as u32);
            r.mentor.extend(chosen.iter().map(|&(m, _)| m));
            r.score.extend(chosen.iter().map(|&(_, s)| s));
            out.left.push(left);
        }
        Some(out)
    };
    let parts = on_threads(mentees, threads, part)?;
    let mut all = Kept {
        rows: Vec::with_capacity(parts.len()),
        left: Vec::with_capacity(mentees.len()),
        range: None,
        feasible: 0,
    };
    for p in parts {
        all.rows.extend(p.rows);
        all.left.extend(p.left);
        all.feasible += p.feasible;
        all.range = p
            .range
            .map_or(all.range, |(lo, hi)| widen(widen(all.range, lo), hi));
    }
    Ok(all)
}

/// The arcs left out with a negative reduced cost under `duals`: per
/// mentee (instance order), its `keep` most negative, as (instance
/// mentee, mentor, score) in mentee then mentor order.
fn price(
    rows: &RowScorer<'_>,
    mentees: &[MenteeIdx],
    duals: &FlowCertificate,
    left: &[Option<Milli>],
    keep: usize,
    threads: usize,
    deadline: &Deadline,
) -> Result<Vec<(u32, u32, Milli)>, SolveError> {
    let pot = &duals.mentor;
    let mut by_pot: Vec<u32> = (0..pot.len() as u32).collect();
    by_pot.sort_unstable_by_key(|&j| (std::cmp::Reverse(pot[j as usize]), j));
    let sorted: Vec<i64> = by_pot.iter().map(|&j| pot[j as usize]).collect();
    let (top, scale) = (i128::from(duals.top), i128::from(duals.scale));
    let ks: Vec<u32> = (0..mentees.len() as u32).collect();
    let part = |part: &[u32]| {
        let mut out = Vec::new();
        let mut found: Vec<(i128, u32, Milli)> = Vec::new();
        for (i, &k) in part.iter().enumerate() {
            if i % CHECK_EVERY == 0 && deadline.passed() {
                return None;
            }
            let Some(best_left) = left[k as usize] else {
                continue;
            };
            let pi_e = i128::from(duals.mentee[k as usize]);
            let floor = (top - i128::from(best_left)) * scale + pi_e;
            let n = sorted.partition_point(|&p| i128::from(p) > floor);
            if n == 0 {
                continue;
            }
            found.clear();
            rows.some(mentees[k as usize], &by_pot[..n], |m, s| {
                let rc = (top - i128::from(s)) * scale + pi_e - i128::from(pot[m as usize]);
                if rc < 0 {
                    found.push((rc, m, s));
                }
            });
            if found.len() > keep {
                found.select_nth_unstable_by_key(keep, |&(rc, m, _)| (rc, m));
                found.truncate(keep);
            }
            found.sort_unstable_by_key(|&(_, m, _)| m);
            out.extend(found.iter().map(|&(_, m, s)| (k, m, s)));
        }
        Some(out)
    };
    Ok(on_threads(&ks, threads, part)?.concat())
}

/// `inst` with the arcs `added` ((mentee, mentor, score), in mentee then
/// mentor order, none already held), each row still in mentor order.
fn with_arcs(inst: &Instance, added: &[(u32, u32, Milli)]) -> Instance {
    let mut rows = Rows::default();
    rows.mentor.reserve_exact(inst.mentor.len() + added.len());
    rows.score.reserve_exact(inst.mentor.len() + added.len());
    let mut next = added.iter().peekable();
    for k in 0..inst.mentees() {
        let before = rows.mentor.len();
        let mut held = inst.arcs(k).peekable();
        loop {
            let new = next.peek().filter(|&&&(e, _, _)| e as usize == k);
            match (held.peek(), new) {
                (Some(&a), Some(&&(_, m, s))) if m < inst.mentor[a] => {
                    rows.mentor.push(m);
                    rows.score.push(s);
                    next.next();
                }
                (Some(&a), _) => {
                    rows.mentor.push(inst.mentor[a]);
                    rows.score.push(inst.score[a]);
                    held.next();
                }
                (None, Some(&&(_, m, s))) => {
                    rows.mentor.push(m);
                    rows.score.push(s);
                    next.next();
                }
                (None, None) => break,
            }
        }
        rows.counts.push((rows.mentor.len() - before) as u32);
    }
    let mut out = Instance::from_rows(vec![rows], inst.capacity.clone(), inst.minimum.clone());
    out.score_range = inst.score_range;
    out
}
