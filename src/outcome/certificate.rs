//! Optimality certificates as data: node potentials of the network an
//! engine solved, with its cost model (the wire form and its conditions
//! are in `pb::OptimalityCertificate`; `api::verify` checks them).

use crate::model::Milli;

/// Node potentials that prove a min-cost flow optimal, with the network's
/// cost model (see `pb::OptimalityCertificate` for the conditions).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlowCertificate {
    /// An arc's cost is `(top − score) × scale`.
    pub top: i64,
    /// See `top`.
    pub scale: i64,
    /// Cost of leaving a mentee unmatched.
    pub cost_unmatched: i64,
    /// Weight of a minimum place (0 without minimums).
    pub minimum_weight: i64,
    /// Potential of each mentee (instance order in an engine's answer,
    /// problem order in an outcome, 0 for pinned mentees).
    pub mentee: Vec<i64>,
    /// Potential of each mentor.
    pub mentor: Vec<i64>,
    /// Potential of `U`.
    pub unmatched: i64,
    /// Potential of `T`.
    pub sink: i64,
    /// Fair objective: the proof of the coverage and of the lowest score
    /// (this certificate then proves the total over the pairs scoring at
    /// least the lowest).
    pub fair: Option<Box<FairProof>>,
}

impl FlowCertificate {
    /// The certificate with mentee potentials in problem order: instance
    /// mentee `k` is problem mentee `mentees[k]`, of `n` (0 for the rest).
    pub fn in_problem_order(&self, mentees: &[usize], n: usize) -> FlowCertificate {
        let mut mentee = vec![0; n];
        for (k, &e) in mentees.iter().enumerate() {
            mentee[e] = self.mentee[k];
        }
        FlowCertificate {
            mentee,
            fair: self.fair.as_ref().map(|f| {
                Box::new(FairProof {
                    lowest: f.lowest,
                    coverage: f.coverage.in_problem_order(mentees, n),
                    above: f.above.in_problem_order(mentees, n),
                })
            }),
            ..self.clone()
        }
    }
}

/// Why a fair answer's coverage and lowest score are the best: two
/// certificates on networks with the coverage costs (every pair 0, `c_U` 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FairProof {
    /// The lowest score of a pair not pinned, milli-points.
    pub lowest: Milli,
    /// Proves the answer's flow optimal over every pair: no matching that
    /// meets the minimums places more mentees.
    pub coverage: FlowCertificate,
    /// Over the pairs scoring above `lowest`, a dual bound above the
    /// answer's cost: no matching of only such pairs places as many.
    pub above: FlowCertificate,
}

/// Node potentials that prove a demand network's flow optimal (mentees
/// with demand, issue 29), with the weights of its lexicographic levels;
/// exact integers, which can exceed 64 bits (see `pb::DemandCertificate`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DemandCertificate {
    /// Weight of a minimum unit (`H`).
    pub minimum_weight: i128,
    /// Weight of a pinned pair.
    pub pin_weight: i128,
    /// Weight of a mentee with a mentor, per tier (tier 0 first).
    pub covered_weights: Vec<i128>,
    /// Weight of a further mentor.
    pub further_weight: i128,
    /// Weight of a milli-point of score (0 in a network of counts only).
    pub score_weight: i128,
    /// Potential of each mentee (problem order).
    pub mentee: Vec<i128>,
    /// Potential of each role demand's node, mentee by mentee, each
    /// mentee's in request order.
    pub role: Vec<i128>,
    /// Potential of each mentor.
    pub mentor: Vec<i128>,
    /// Potential of `U`.
    pub unmatched: i128,
    /// Potential of `T`.
    pub sink: i128,
    /// Fair objective: the proof of the counts and of the lowest score
    /// (this certificate then proves the total over the pinned pairs and
    /// those scoring at least the lowest).
    pub fair: Option<Box<DemandFairProof>>,
}

/// Why a fair answer with demand has the best counts and lowest score:
/// two certificates on networks of counts only (score weight 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandFairProof {
    /// The lowest score of a pair not pinned, milli-points.
    pub lowest: Milli,
    /// Proves the answer's flow optimal over every pair.
    pub coverage: DemandCertificate,
    /// Over the pinned pairs and those scoring above `lowest`, a dual bound
    /// above the answer's cost: no assignment of only such pairs reaches
    /// the answer's counts.
    pub above: DemandCertificate,
}
