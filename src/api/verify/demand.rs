//! Requests with demand: each mentee's mentors against its demand, and a
//! demand certificate checked on the request's demand network, rebuilt
//! here from the request alone (see `pb::DemandCertificate`): the weights
//! of the levels, complementary slackness arc by arc, and under the fair
//! objective the counts' proof and a dual bound.

use crate::explain::demand::of_role;
use crate::model::{MenteeIdx, MentorIdx, Milli, Objective, Problem};
use crate::scoring::{RowScorer, Scorer};
use crate::wire::pb;

use super::finding::{Arc, Finding, Proof, Verdict};

/// Each mentee's mentor count and role counts against its demand.
pub(super) fn check_demand(p: &Problem, mentors_of: &[Vec<MentorIdx>], v: &mut Verdict) {
    for (e, ms) in mentors_of.iter().enumerate() {
        let d = &p.mentees[e].demand;
        let id = || p.mentees[e].profile.id.clone();
        let count = ms.len() as u32;
        if count < d.min_mentors || count > d.max_mentors {
            v.add(Finding::Mentors {
                mentee: id(),
                count,
                min: d.min_mentors,
                max: d.max_mentors,
            });
        }
        for rd in &d.roles {
            let count = of_role(p, ms, rd.role);
            if count < rd.at_least || count > rd.at_most {
                v.add(Finding::RoleCount {
                    mentee: id(),
                    role: p.vocab.roles[rd.role as usize].clone(),
                    count,
                    at_least: rd.at_least,
                    at_most: rd.at_most,
                });
            }
        }
    }
}

/// Checks the demand certificate `c` of the answer `mentors_of`.
pub(super) fn check(
    p: &Problem,
    scorer: &Scorer<'_>,
    mentors_of: &[Vec<MentorIdx>],
    c: Option<&pb::DemandCertificate>,
    v: &mut Verdict,
) {
    let Some(c) = c else {
        return v.add(Finding::NoDemandProof);
    };
    if !v.findings.is_empty() {
        // The answer breaks a rule: it is no flow of the network.
        return;
    }
    let net = Net::new(p, scorer, mentors_of);
    v.pairs_scored += (p.mentees.len() * p.mentors.len()) as u64;
    let lowest = mentors_of
        .iter()
        .enumerate()
        .flat_map(|(e, ms)| ms.iter().map(move |&m| (m, e)))
        .filter(|&(m, e)| !net.pinned[e].contains(&m))
        .map(|(m, e)| scorer.score(m, e))
        .min();
    let all = |_: Milli| true;
    match (p.policy.objective, lowest) {
        (Objective::Fair, Some(lowest)) => net.fair(c, lowest, v),
        (Objective::Score, _) => net.optimum(c, Levels::ScoreFirst, &all, Proof::Optimum, v),
        _ => net.optimum(c, Levels::CountsFirst, &all, Proof::Optimum, v),
    }
}

/// The order of a network's levels, from the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Levels {
    /// Covered tiers from the highest, further mentors, score.
    CountsFirst,
    /// Score, then the counts.
    ScoreFirst,
    /// The counts alone (score weight 0).
    Counts,
}

/// A certificate's numbers, read.
struct Numbers {
    hard: i128,
    pin: i128,
    covered: Vec<i128>,
    further: i128,
    score: i128,
    mentee: Vec<i128>,
    role: Vec<i128>,
    mentor: Vec<i128>,
    u: i128,
    t: i128,
}

/// Reads a certificate's decimal integers, each unreadable one a finding.
struct Reader<'v> {
    proof: Proof,
    v: &'v mut Verdict,
    bad: bool,
}

impl Reader<'_> {
    fn one(&mut self, name: &'static str, text: &str) -> i128 {
        text.parse().unwrap_or_else(|_| {
            self.v.add(Finding::NotInteger {
                proof: self.proof,
                name,
                value: text.into(),
            });
            self.bad = true;
            0
        })
    }

    fn list(&mut self, name: &'static str, texts: &[String], len: usize) -> Vec<i128> {
        if texts.len() != len {
            self.v.add(Finding::Shape {
                proof: self.proof,
                name,
                len: texts.len(),
                expected: len,
            });
            self.bad = true;
        }
        texts.iter().map(|t| self.one(name, t)).collect()
    }
}

/// An arc of the network: capacity, the answer's flow, cost (`None` when
/// it overflows) and the potentials of its tail and head.
struct Step {
    cap: u32,
    flow: u32,
    cost: Option<i128>,
    from: i128,
    to: i128,
}

impl Step {
    fn new(cap: u32, flow: u32, cost: Option<i128>, from: i128, to: i128) -> Step {
        Step {
            cap,
            flow,
            cost,
            from,
            to,
        }
    }

    fn rc(&self) -> Option<i128> {
        self.cost?.checked_add(self.from)?.checked_sub(self.to)
    }
}

/// What an arc walk calls on each arc.
type Visit<'v> = &'v mut dyn FnMut(&dyn Fn() -> Arc, Step);

/// The request's demand network and the answer's flow in it.
struct Net<'a> {
    p: &'a Problem,
    rows: RowScorer<'a>,
    mentors_of: &'a [Vec<MentorIdx>],
    /// Each mentee's first role node among the role potentials.
    role_base: Vec<usize>,
    /// Each mentee's pinned mentors.
    pinned: Vec<Vec<MentorIdx>>,
    /// Σ max_mentors.
    units: u32,
}

impl<'a> Net<'a> {
    fn new(p: &'a Problem, scorer: &'a Scorer<'a>, mentors_of: &'a [Vec<MentorIdx>]) -> Self {
        let mut pinned = vec![Vec::new(); p.mentees.len()];
        for &(m, e) in &p.policy.pinned {
            pinned[e].push(m);
        }
        let mut role_base = Vec::with_capacity(p.mentees.len());
        let mut next = 0;
        for e in &p.mentees {
            role_base.push(next);
            next += e.demand.roles.len();
        }
        Net {
            p,
            rows: RowScorer::new(scorer),
            mentors_of,
            role_base,
            pinned,
            units: p.mentees.iter().map(|e| e.demand.max_mentors).sum(),
        }
    }

    /// The numbers of `c`, with the request's shape, or `None`.
    fn read(&self, c: &pb::DemandCertificate, proof: Proof, v: &mut Verdict) -> Option<Numbers> {
        let p = self.p;
        let tiers = p
            .mentees
            .iter()
            .map(|e| e.demand.priority)
            .max()
            .unwrap_or(0) as usize
            + 1;
        let roles = self.role_base.last().map_or(0, |&b| {
            b + p.mentees.last().map_or(0, |e| e.demand.roles.len())
        });
        let mut r = Reader {
            proof,
            v,
            bad: false,
        };
        let n = Numbers {
            hard: r.one("minimum_weight", &c.minimum_weight),
            pin: r.one("pin_weight", &c.pin_weight),
            covered: r.list("covered_weights", &c.covered_weights, tiers),
            further: r.one("further_weight", &c.further_weight),
            score: r.one("score_weight", &c.score_weight),
            mentee: r.list("mentee_potentials", &c.mentee_potentials, p.mentees.len()),
            role: r.list("role_potentials", &c.role_potentials, roles),
            mentor: r.list("mentor_potentials", &c.mentor_potentials, p.mentors.len()),
            u: r.one("unmatched_potential", &c.unmatched_potential),
            t: r.one("sink_potential", &c.sink_potential),
        };
        (!r.bad).then_some(n)
    }

    /// Whether each level of `levels` outweighs the levels below it over
    /// the pairs `keep` holds (each shortfall a finding).
    fn weights(
        &self,
        n: &Numbers,
        levels: Levels,
        keep: &dyn Fn(Milli) -> bool,
        proof: Proof,
        v: &mut Verdict,
    ) {
        let p = self.p;
        let units = i128::from(self.units);
        let top = n.covered.len() as u32 - 1;
        let covered = |t: u32| {
            let k = p
                .mentees
                .iter()
                .filter(|e| e.demand.priority == t && e.demand.max_mentors > 0);
            (
                format!("a mentee of tier {t} with a mentor"),
                n.covered[t as usize],
                k.count() as i128,
            )
        };
        let further: i128 = p
            .mentees
            .iter()
            .map(|e| i128::from(e.demand.max_mentors.saturating_sub(1)))
            .sum();
        let mut order: Vec<(String, i128, i128)> = (0..=top).rev().map(covered).collect();
        order.push(("a further mentor".into(), n.further, further));
        let score = || {
            let (mut lo, mut hi) = (0, 0);
            for e in 0..p.mentees.len() {
                self.rows.row(e, |m, s| {
                    if keep(s) || self.pinned[e].contains(&(m as usize)) {
                        (lo, hi) = (lo.min(s), hi.max(s));
                    }
                });
            }
            (
                "a milli-point".to_string(),
                n.score,
                units * i128::from(hi - lo),
            )
        };
        match levels {
            Levels::CountsFirst => order.push(score()),
            Levels::ScoreFirst => order.insert(0, score()),
            Levels::Counts if n.score != 0 => v.add(Finding::LevelWeight {
                proof,
                level: "a milli-point (a network of counts only)".into(),
                weight: n.score,
                needed: 0,
            }),
            Levels::Counts => {}
        }
        let mut needed: i128 = 1;
        for (level, weight, range) in order.into_iter().rev() {
            if weight < needed {
                v.add(Finding::LevelWeight {
                    proof,
                    level,
                    weight,
                    needed,
                });
            }
            needed = weight
                .checked_mul(range)
                .and_then(|x| x.checked_add(needed))
                .unwrap_or(i128::MAX);
        }
    }

    /// Calls `visit` on every arc of the network of the pairs `keep` holds
    /// (pins always), with the answer's flow and `n`'s costs.
    fn arcs(&self, n: &Numbers, keep: &dyn Fn(Milli) -> bool, visit: Visit<'_>) {
        let p = self.p;
        let mut load = vec![0u32; p.mentors.len()];
        let mut empty = 0;
        for e in 0..p.mentees.len() {
            self.role_arcs(e, n, visit);
            self.pair_arcs(e, n, keep, visit);
            empty += self.empty_arcs(e, n, visit);
            for &m in &self.mentors_of[e] {
                load[m] += 1;
            }
        }
        for (j, mentor) in p.mentors.iter().enumerate() {
            let (min, cap) = (mentor.min_mentees, mentor.capacity);
            let in_min = load[j].min(min);
            let mid = || mentor.profile.id.clone();
            let (from, to) = (n.mentor[j], n.t);
            if min > 0 {
                let step = Step::new(min, in_min, n.hard.checked_neg(), from, to);
                visit(&|| Arc::Minimum { mentor: mid() }, step);
            }
            if cap > min {
                let step = Step::new(cap - min, load[j] - in_min, Some(0), from, to);
                visit(&|| Arc::Places { mentor: mid() }, step);
            }
        }
        let step = Step::new(self.units.max(1), empty, Some(0), n.u, n.t);
        visit(&|| Arc::UnmatchedToSink, step);
    }

    /// Mentee `e`'s arcs to its role nodes.
    fn role_arcs(&self, e: MenteeIdx, n: &Numbers, visit: Visit<'_>) {
        let p = self.p;
        let id = || p.mentees[e].profile.id.clone();
        for (k, rd) in p.mentees[e].demand.roles.iter().enumerate() {
            let c = of_role(p, &self.mentors_of[e], rd.role);
            let in_min = c.min(rd.at_least);
            let (from, to) = (n.mentee[e], n.role[self.role_base[e] + k]);
            let role = || p.vocab.roles[rd.role as usize].clone();
            if rd.at_least > 0 {
                let step = Step::new(rd.at_least, in_min, n.hard.checked_neg(), from, to);
                let arc = || Arc::RoleMinimum {
                    mentee: id(),
                    role: role(),
                };
                visit(&arc, step);
            }
            if rd.at_most > rd.at_least {
                let step = Step::new(rd.at_most - rd.at_least, c - in_min, Some(0), from, to);
                let arc = || Arc::RolePlaces {
                    mentee: id(),
                    role: role(),
                };
                visit(&arc, step);
            }
        }
    }

    /// Mentee `e`'s arcs to its mentors (from a role node when the
    /// mentor's role is one `e` bounds).
    fn pair_arcs(&self, e: MenteeIdx, n: &Numbers, keep: &dyn Fn(Milli) -> bool, visit: Visit<'_>) {
        let p = self.p;
        let roles = &p.mentees[e].demand.roles;
        self.rows.row(e, |m, s| {
            let m = m as usize;
            let pinned = self.pinned[e].contains(&m);
            if !pinned && !keep(s) {
                return;
            }
            let node = p.mentors[m]
                .role
                .and_then(|r| roles.iter().position(|rd| rd.role == r));
            let from = node.map_or(n.mentee[e], |k| n.role[self.role_base[e] + k]);
            let cost = n
                .score
                .checked_mul(i128::from(s))
                .and_then(|x| x.checked_neg())
                .and_then(|x| x.checked_sub(if pinned { n.pin } else { 0 }));
            let flow = u32::from(self.mentors_of[e].contains(&m));
            let arc = || Arc::Pair {
                mentor: p.mentors[m].profile.id.clone(),
                mentee: p.mentees[e].profile.id.clone(),
            };
            visit(&arc, Step::new(1, flow, cost, from, n.mentor[m]));
        });
    }

    /// Mentee `e`'s arcs to `U`, filled in their order by the places it
    /// leaves empty; returns their number.
    fn empty_arcs(&self, e: MenteeIdx, n: &Numbers, visit: Visit<'_>) -> u32 {
        let d = &self.p.mentees[e].demand;
        let id = || self.p.mentees[e].profile.id.clone();
        let (min, max) = (d.min_mentors, d.max_mentors);
        let places = max - self.mentors_of[e].len() as u32;
        let further = max.saturating_sub(min).min(max.saturating_sub(1));
        let covered = u32::from(min == 0 && max > 0);
        let tier = n.covered[d.priority as usize];
        let mut left = places;
        for (cap, cost, kind) in [
            (further, n.further, 0),
            (covered, tier, 1),
            (min, n.hard, 2),
        ] {
            if cap == 0 {
                continue;
            }
            let flow = left.min(cap);
            left -= flow;
            let arc = || match kind {
                0 => Arc::Further { mentee: id() },
                1 => Arc::Unmatched { mentee: id() },
                _ => Arc::MenteeMinimum { mentee: id() },
            };
            visit(&arc, Step::new(cap, flow, Some(cost), n.mentee[e], n.u));
        }
        places
    }

    /// Complementary slackness on every arc of the network of `keep`.
    fn slackness(&self, n: &Numbers, keep: &dyn Fn(Milli) -> bool, proof: Proof, v: &mut Verdict) {
        let mut overflow = false;
        self.arcs(n, keep, &mut |arc, st| {
            let Some(rc) = st.rc() else {
                overflow = true;
                return;
            };
            if (st.flow < st.cap && rc < 0) || (st.flow > 0 && rc > 0) {
                v.add(Finding::ReducedCost {
                    proof,
                    arc: arc(),
                    reduced_cost: rc,
                    carries_flow: rc > 0,
                });
            }
        });
        if overflow {
            v.add(Finding::Overflow { proof });
        }
    }

    /// Reads `c`, checks its weights for `levels` and its slackness over
    /// the pairs `keep` holds.
    fn optimum(
        &self,
        c: &pb::DemandCertificate,
        levels: Levels,
        keep: &dyn Fn(Milli) -> bool,
        proof: Proof,
        v: &mut Verdict,
    ) {
        let Some(n) = self.read(c, proof, v) else {
            return;
        };
        self.weights(&n, levels, keep, proof, v);
        self.slackness(&n, keep, proof, v);
    }

    /// The fair objective: the counts over every pair, the lowest score
    /// (a dual bound over the higher pairs), the total over the rest.
    fn fair(&self, c: &pb::DemandCertificate, lowest: Milli, v: &mut Verdict) {
        let Some(f) = c.fair.as_deref() else {
            return v.add(Finding::NoFairProof);
        };
        if f.lowest_score != lowest {
            return v.add(Finding::Stat {
                name: "certificate.demand.fair.lowest_score",
                reported: crate::model::from_milli(f.lowest_score),
                recomputed: crate::model::from_milli(lowest),
            });
        }
        let (Some(coverage), Some(above)) = (f.coverage.as_deref(), f.above.as_deref()) else {
            return v.add(Finding::NoFairProof);
        };
        let (all, at_least, higher) = (
            |_: Milli| true,
            |s: Milli| s >= lowest,
            |s: Milli| s > lowest,
        );
        self.optimum(c, Levels::CountsFirst, &at_least, Proof::Optimum, v);
        self.optimum(coverage, Levels::Counts, &all, Proof::Coverage, v);
        let Some(n) = self.read(above, Proof::Above, v) else {
            return;
        };
        self.weights(&n, Levels::Counts, &all, Proof::Above, v);
        match (self.bound(&n, &higher), self.cost(&n)) {
            (Some(bound), Some(cost)) if bound <= cost => v.add(Finding::Bound { bound, cost }),
            (Some(_), Some(_)) => {}
            _ => v.add(Finding::Overflow {
                proof: Proof::Above,
            }),
        }
    }

    /// The dual bound of `n` on the network of `keep`: no flow there costs
    /// less than Σ cap·min(0, rc) − Σ_e max(e)·π(e) + units·π(T).
    fn bound(&self, n: &Numbers, keep: &dyn Fn(Milli) -> bool) -> Option<i128> {
        let mut d = Some(i128::from(self.units).checked_mul(n.t)?);
        for (e, mentee) in self.p.mentees.iter().enumerate() {
            let supply = i128::from(mentee.demand.max_mentors).checked_mul(n.mentee[e]);
            d = d?.checked_sub(supply?);
        }
        self.arcs(n, keep, &mut |_, st| {
            let term = st
                .rc()
                .and_then(|rc| rc.min(0).checked_mul(i128::from(st.cap)));
            d = d.and_then(|d| d.checked_add(term?));
        });
        d
    }

    /// The answer's cost in `n`'s costs.
    fn cost(&self, n: &Numbers) -> Option<i128> {
        let mut total = Some(0i128);
        self.arcs(n, &|_| true, &mut |_, st| {
            let term = st.cost.and_then(|c| c.checked_mul(i128::from(st.flow)));
            total = total.and_then(|t| t.checked_add(term?));
        });
        total
    }
}
