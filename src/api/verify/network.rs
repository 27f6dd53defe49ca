//! A certificate checked on the request's network of the unpinned mentees:
//! complementary slackness arc by arc, and under the fair objective a dual
//! bound (see `pb::OptimalityCertificate` and `pb::FairProof`).

use crate::model::{from_milli, MenteeIdx, MentorIdx, Milli, Objective, Problem};
use crate::scoring::{RowScorer, Scorer};
use crate::wire::pb;

use super::finding::{Arc, Finding, Proof, Verdict};

/// Checks certificate `c` of the answer `mentor_of` (each mentee's mentor)
/// on the network of `p`'s unpinned mentees.
pub(super) fn check(
    p: &Problem,
    scorer: &Scorer<'_>,
    mentor_of: &[Option<MentorIdx>],
    c: &pb::OptimalityCertificate,
    v: &mut Verdict,
) {
    let net = Network::new(p, scorer, mentor_of);
    v.pairs_scored += (net.free.len() * p.mentors.len()) as u64;
    match p.policy.objective {
        Objective::Fair => check_fair(&net, c, v),
        objective => check_certificate(&net, c, objective, v),
    }
}

/// Checks a certificate of the network of every pair under `objective`'s costs.
fn check_certificate(
    net: &Network<'_>,
    c: &pb::OptimalityCertificate,
    objective: Objective,
    v: &mut Verdict,
) {
    let all = |_: Milli| true;
    let costs = match objective {
        Objective::Score => Costs::Score,
        Objective::CoverageThenScore | Objective::Fair | Objective::Stable(_) => {
            Costs::CoverageThenScore
        }
    };
    let model = net.model(costs, &all);
    if net.matches(c, &model, Proof::Optimum, v) {
        net.slackness(c, &model, &all, Proof::Optimum, v);
    }
}

/// Checks a fair certificate: the coverage over every pair, the lowest
/// score (no matching of only higher pairs places as many), then the total
/// over the pairs scoring at least the lowest.
fn check_fair(net: &Network<'_>, c: &pb::OptimalityCertificate, v: &mut Verdict) {
    let scores: Vec<Milli> = net
        .free
        .iter()
        .filter_map(|&e| net.mentor_of[e].map(|m| net.scorer.score(m, e)))
        .collect();
    let Some(&lowest) = scores.iter().min() else {
        // No pair to raise: coverage then score proves it.
        return check_certificate(net, c, Objective::CoverageThenScore, v);
    };
    let Some(fair) = c.fair.as_deref() else {
        return v.add(Finding::NoFairProof);
    };
    if fair.lowest_score != lowest {
        return v.add(Finding::Stat {
            name: "certificate.fair.lowest_score",
            reported: from_milli(fair.lowest_score),
            recomputed: from_milli(lowest),
        });
    }
    let (Some(coverage), Some(above)) = (&fair.coverage, &fair.above) else {
        return v.add(Finding::NoFairProof);
    };
    let (all, at_least, higher) = (
        |_: Milli| true,
        |s: Milli| s >= lowest,
        |s: Milli| s > lowest,
    );
    let model = net.model(Costs::CoverageThenScore, &at_least);
    if net.matches(c, &model, Proof::Optimum, v) {
        net.slackness(c, &model, &at_least, Proof::Optimum, v);
    }
    let model = net.model(Costs::Coverage, &all);
    if net.matches(coverage, &model, Proof::Coverage, v) {
        net.slackness(coverage, &model, &all, Proof::Coverage, v);
    }
    if net.matches(above, &model, Proof::Above, v) {
        let (bound, cost) = (net.bound(above, &model, &higher), net.cost(&model));
        if bound <= cost {
            v.add(Finding::Bound { bound, cost });
        }
    }
}

/// The costs of a certified network.
#[derive(Debug, Clone, Copy)]
enum Costs {
    CoverageThenScore,
    Score,
    /// Every pair costs 0, an unmatched mentee 1.
    Coverage,
}

/// The request's network of the unpinned mentees, and the answer's flow
/// in it.
struct Network<'a> {
    p: &'a Problem,
    scorer: &'a Scorer<'a>,
    /// Every pair's score, row by row (the scorer's, to the milli-point).
    rows: RowScorer<'a>,
    free: Vec<MenteeIdx>,
    /// Pinned mentees per mentor.
    pins: Vec<u32>,
    mentor_of: &'a [Option<MentorIdx>],
}

impl<'a> Network<'a> {
    fn new(p: &'a Problem, scorer: &'a Scorer<'a>, mentor_of: &'a [Option<MentorIdx>]) -> Self {
        let mut pins = vec![0u32; p.mentors.len()];
        let mut pinned = vec![false; p.mentees.len()];
        for &(m, e) in &p.policy.pinned {
            pins[m] += 1;
            pinned[e] = true;
        }
        Network {
            p,
            scorer,
            rows: RowScorer::new(scorer),
            free: (0..p.mentees.len()).filter(|&e| !pinned[e]).collect(),
            pins,
            mentor_of,
        }
    }

    /// Capacity and minimum of mentor `m`, net of its pins.
    fn places(&self, m: MentorIdx) -> (u32, u32) {
        let mentor = &self.p.mentors[m];
        let pins = self.pins[m];
        (
            mentor.capacity.saturating_sub(pins),
            mentor.min_mentees.saturating_sub(pins),
        )
    }

    /// The answer's load of each mentor from the unpinned mentees, and
    /// their number left unmatched.
    fn loads(&self) -> (Vec<u32>, u32) {
        let mut load = vec![0u32; self.p.mentors.len()];
        let mut unmatched = 0;
        for &e in &self.free {
            match self.mentor_of[e] {
                Some(m) => load[m] += 1,
                None => unmatched += 1,
            }
        }
        (load, unmatched)
    }

    /// The cost model of the network of the pairs `keep` holds, derived
    /// from the request (as `pb::OptimalityCertificate` documents it).
    fn model(&self, costs: Costs, keep: &dyn Fn(Milli) -> bool) -> CostModel {
        let n = self.free.len() as i64;
        let mut range: Option<(Milli, Milli)> = None;
        if !matches!(costs, Costs::Coverage) {
            for &e in &self.free {
                self.rows.row(e, |_, s| {
                    if keep(s) {
                        range = Some(range.map_or((s, s), |(lo, hi)| (lo.min(s), hi.max(s))));
                    }
                });
            }
        }
        let (s_min, s_max) = range.unwrap_or((0, 0));
        let (top, scale, cost_u, max_arc) = match costs {
            Costs::Score => {
                let top = s_max.max(0);
                let worst = ((top - s_min) * (n + 1)).max(0);
                (top, n + 1, top * (n + 1) + 1, worst)
            }
            Costs::CoverageThenScore => (s_max, 1, n * (s_max - s_min) + 1, s_max - s_min),
            Costs::Coverage => (0, 0, 1, 0),
        };
        let has_min = (0..self.p.mentors.len()).any(|m| self.places(m).1 > 0);
        let max_c = if range.is_some() { max_arc } else { 0 }.max(cost_u);
        let h = if has_min { n * max_c + 1 } else { 0 };
        CostModel {
            top,
            scale,
            cost_u,
            h,
        }
    }

    /// Whether `c` has a potential per person and `model`'s numbers (each
    /// difference is a finding).
    fn matches(
        &self,
        c: &pb::OptimalityCertificate,
        model: &CostModel,
        proof: Proof,
        v: &mut Verdict,
    ) -> bool {
        let (n_e, n_m) = (self.p.mentees.len(), self.p.mentors.len());
        for (name, len, expected) in [
            ("mentee_potentials", c.mentee_potentials.len(), n_e),
            ("mentor_potentials", c.mentor_potentials.len(), n_m),
        ] {
            if len != expected {
                v.add(Finding::Shape {
                    proof,
                    name,
                    len,
                    expected,
                });
                return false;
            }
        }
        for (name, certificate, recomputed) in [
            ("top", c.top, model.top),
            ("scale", c.scale, model.scale),
            ("cost_unmatched", c.cost_unmatched, model.cost_u),
            ("minimum_weight", c.minimum_weight, model.h),
        ] {
            if certificate != recomputed {
                v.add(Finding::CostModel {
                    proof,
                    name,
                    certificate,
                    recomputed,
                });
            }
        }
        true
    }

    /// Complementary slackness on every arc of the network of the pairs
    /// `keep` holds: each arc's reduced cost against its flow and room.
    fn slackness(
        &self,
        c: &pb::OptimalityCertificate,
        model: &CostModel,
        keep: &dyn Fn(Milli) -> bool,
        proof: Proof,
        v: &mut Verdict,
    ) {
        let p = self.p;
        let pi_u = i128::from(c.unmatched_potential);
        let pi_t = i128::from(c.sink_potential);
        let mentor_id = |m: MentorIdx| p.mentors[m].profile.id.clone();
        let mentee_id = |e: MenteeIdx| p.mentees[e].profile.id.clone();
        // A reduced cost's sign against the arc's flow and room.
        let mut check = |arc: &dyn Fn() -> Arc, rc: i128, flow: bool, room: bool| {
            if (room && rc < 0) || (flow && rc > 0) {
                v.add(Finding::ReducedCost {
                    proof,
                    arc: arc(),
                    reduced_cost: rc,
                    carries_flow: flow,
                });
            }
        };
        for &e in &self.free {
            let pi_e = i128::from(c.mentee_potentials[e]);
            self.rows.row(e, |m, s| {
                if !keep(s) {
                    return;
                }
                let m = m as usize;
                let cost = i128::from(model.top - s) * i128::from(model.scale);
                let rc = cost + pi_e - i128::from(c.mentor_potentials[m]);
                let flow = self.mentor_of[e] == Some(m);
                let arc = || Arc::Pair {
                    mentor: mentor_id(m),
                    mentee: mentee_id(e),
                };
                check(&arc, rc, flow, !flow);
            });
            let rc = i128::from(model.cost_u) + pi_e - pi_u;
            let flow = self.mentor_of[e].is_none();
            let arc = || Arc::Unmatched {
                mentee: mentee_id(e),
            };
            check(&arc, rc, flow, !flow);
        }
        let (load, unmatched) = self.loads();
        for (m, &load) in load.iter().enumerate() {
            let (cap, min) = self.places(m);
            let pi_m = i128::from(c.mentor_potentials[m]);
            let in_min = load.min(min);
            let above = load - in_min;
            if min > 0 {
                let rc = pi_m - pi_t - i128::from(model.h);
                let arc = || Arc::Minimum {
                    mentor: mentor_id(m),
                };
                check(&arc, rc, in_min > 0, in_min < min);
            }
            if cap > min {
                let arc = || Arc::Places {
                    mentor: mentor_id(m),
                };
                check(&arc, pi_m - pi_t, above > 0, above < cap - min);
            }
        }
        let n = self.free.len() as u32;
        let rc = pi_u - pi_t;
        check(&|| Arc::UnmatchedToSink, rc, unmatched > 0, unmatched < n);
    }

    /// The dual bound of potentials `c` on the network of the pairs `keep`
    /// holds: no flow of it costs less than `Σ cap·min(0, rc) − Σ π(e) +
    /// n·π(T)` (weak duality; `U → T` holds at most `n` units).
    fn bound(
        &self,
        c: &pb::OptimalityCertificate,
        model: &CostModel,
        keep: &dyn Fn(Milli) -> bool,
    ) -> i128 {
        let neg = |rc: i128| rc.min(0);
        let pi_u = i128::from(c.unmatched_potential);
        let pi_t = i128::from(c.sink_potential);
        let n = self.free.len() as i128;
        let mut d = n * pi_t + n * neg(pi_u - pi_t);
        for &e in &self.free {
            let pi_e = i128::from(c.mentee_potentials[e]);
            d -= pi_e;
            d += neg(i128::from(model.cost_u) + pi_e - pi_u);
            self.rows.row(e, |m, s| {
                if keep(s) {
                    let cost = i128::from(model.top - s) * i128::from(model.scale);
                    d += neg(cost + pi_e - i128::from(c.mentor_potentials[m as usize]));
                }
            });
        }
        for m in 0..self.p.mentors.len() {
            let (cap, min) = self.places(m);
            let pi_m = i128::from(c.mentor_potentials[m]);
            d += i128::from(min) * neg(pi_m - pi_t - i128::from(model.h));
            d += i128::from(cap - min.min(cap)) * neg(pi_m - pi_t);
        }
        d
    }

    /// The answer's cost under a coverage model (every pair costs 0).
    fn cost(&self, model: &CostModel) -> i128 {
        let (load, unmatched) = self.loads();
        let filled: i128 = (0..load.len())
            .map(|m| i128::from(load[m].min(self.places(m).1)))
            .sum();
        i128::from(unmatched) * i128::from(model.cost_u) - filled * i128::from(model.h)
    }
}

/// A network's cost model.
struct CostModel {
    top: i64,
    scale: i64,
    cost_u: i64,
    h: i64,
}
