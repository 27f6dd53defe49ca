//! What `verify` concludes and finds wrong, as data, and each finding in
//! words.

use crate::model::HardRule;

/// Findings kept, at most (the rest are counted).
pub const MAX_FINDINGS: usize = 100;

/// What `verify` concluded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Verdict {
    /// Pairs of the request scored.
    pub pairs_scored: u64,
    /// The response has a certificate and it holds: the pairs are optimal.
    pub proven_optimal: bool,
    /// Why not, when the response has no certificate to check.
    pub no_certificate: Option<&'static str>,
    /// What is wrong (at most [`MAX_FINDINGS`]).
    pub findings: Vec<Finding>,
    /// Findings past [`MAX_FINDINGS`], counted.
    pub more_findings: usize,
}

impl Verdict {
    pub(super) fn add(&mut self, f: Finding) {
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(f);
        } else {
            self.more_findings += 1;
        }
    }
}

/// An arc of the certified network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arc {
    /// Mentee → mentor, a feasible pair.
    Pair {
        /// Mentor id.
        mentor: String,
        /// Mentee id.
        mentee: String,
    },
    /// Mentee → `U`: left unmatched.
    Unmatched {
        /// Mentee id.
        mentee: String,
    },
    /// Mentor → `T`, the places that count towards the minimum.
    Minimum {
        /// Mentor id.
        mentor: String,
    },
    /// Mentor → `T`, the places above the minimum.
    Places {
        /// Mentor id.
        mentor: String,
    },
    /// `U` → `T`.
    UnmatchedToSink,
    /// Mentee → its node of a role demand, the mentors towards `at_least`.
    RoleMinimum {
        /// Mentee id.
        mentee: String,
        /// The role.
        role: String,
    },
    /// Mentee → its node of a role demand, the mentors above `at_least`.
    RolePlaces {
        /// Mentee id.
        mentee: String,
        /// The role.
        role: String,
    },
    /// Mentee → `U`, the further mentors it goes without.
    Further {
        /// Mentee id.
        mentee: String,
    },
    /// Mentee → `U`, the places of its `min_mentors` left empty.
    MenteeMinimum {
        /// Mentee id.
        mentee: String,
    },
}

/// Something a response gets wrong, as data.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    /// An id of the response is not in the request.
    UnknownId(String),
    /// A mentee has two pairs.
    MenteeTwice(String),
    /// The same pair twice.
    PairTwice {
        /// Mentor id.
        mentor: String,
        /// Mentee id.
        mentee: String,
    },
    /// A mentee has fewer mentors than `min_mentors` or more than `max_mentors`.
    Mentors {
        /// Mentee id.
        mentee: String,
        /// Mentors in the response.
        count: u32,
        /// `min_mentors`.
        min: u32,
        /// `max_mentors`.
        max: u32,
    },
    /// A mentee has mentors of a role outside its role demand.
    RoleCount {
        /// Mentee id.
        mentee: String,
        /// The role.
        role: String,
        /// Mentors of the role in the response.
        count: u32,
        /// The demand's `at_least`.
        at_least: u32,
        /// The demand's `at_most`.
        at_most: u32,
    },
    /// A request with demand, and a certificate without its demand proof.
    NoDemandProof,
    /// A number of the certificate is not an integer (or is out of range).
    NotInteger {
        /// Which part of the certificate.
        proof: Proof,
        /// Which number.
        name: &'static str,
        /// Its text.
        value: String,
    },
    /// A level's weight does not outweigh every lower level together, so
    /// the certificate's optimum need not be the lexicographic one.
    LevelWeight {
        /// Which part of the certificate.
        proof: Proof,
        /// Which level.
        level: String,
        /// Its weight in the certificate.
        weight: i128,
        /// The least weight that outweighs the lower levels.
        needed: i128,
    },
    /// The certificate's numbers overflow exact 128-bit arithmetic.
    Overflow {
        /// Which part of the certificate.
        proof: Proof,
    },
    /// A pair breaks a hard rule.
    BreaksRule {
        /// Mentor id.
        mentor: String,
        /// Mentee id.
        mentee: String,
        /// The first rule broken.
        rule: HardRule,
    },
    /// A pair's score is not the request's.
    ScoreDiffers {
        /// Mentor id.
        mentor: String,
        /// Mentee id.
        mentee: String,
        /// In the response.
        reported: f64,
        /// From the request.
        recomputed: f64,
    },
    /// A pinned pair is missing.
    PinMissing {
        /// Mentor id.
        mentor: String,
        /// Mentee id.
        mentee: String,
    },
    /// A mentor has more mentees than places, or fewer than the minimum.
    Load {
        /// Mentor id.
        mentor: String,
        /// Mentees in the response.
        load: u32,
        /// Capacity.
        capacity: u32,
        /// Minimum.
        minimum: u32,
    },
    /// A statistic is not what the pairs give.
    Stat {
        /// Which (`matched`, `total_score`, `certificate.fair.lowest_score`).
        name: &'static str,
        /// In the response.
        reported: f64,
        /// From the pairs.
        recomputed: f64,
    },
    /// The certificate's cost model is not the request's.
    CostModel {
        /// Which part of the certificate.
        proof: Proof,
        /// Which number.
        name: &'static str,
        /// In the certificate.
        certificate: i64,
        /// From the request.
        recomputed: i64,
    },
    /// The certificate has the wrong number of potentials.
    Shape {
        /// Which part of the certificate.
        proof: Proof,
        /// Which list.
        name: &'static str,
        /// Its length.
        len: usize,
        /// The length it needs.
        expected: usize,
    },
    /// An arc's reduced cost has the wrong sign: negative with room left
    /// (`carries_flow` false), or positive while carrying flow.
    ReducedCost {
        /// Which part of the certificate.
        proof: Proof,
        /// The arc.
        arc: Arc,
        /// `c + π(from) − π(to)`.
        reduced_cost: i128,
        /// Whether the arc carries flow.
        carries_flow: bool,
    },
    /// A fair answer with pairs, and a certificate without its proof of
    /// the coverage and the lowest score.
    NoFairProof,
    /// Fair: the dual bound over the pairs scoring above the lowest is not
    /// above the answer's coverage cost, so it does not prove that no
    /// matching of only such pairs places as many mentees.
    Bound {
        /// The potentials' dual bound.
        bound: i128,
        /// The answer's cost in that network's costs.
        cost: i128,
    },
}

/// The part of a certificate a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// The answer's network (fair: of the pairs scoring at least the lowest).
    Optimum,
    /// Fair: the coverage network over every pair.
    Coverage,
    /// Fair: the coverage network over the pairs scoring above the lowest.
    Above,
}

impl Proof {
    fn words(self) -> &'static str {
        match self {
            Proof::Optimum => "certificate",
            Proof::Coverage => "fair coverage proof",
            Proof::Above => "fair lowest-score proof",
        }
    }
}

impl Arc {
    fn words(&self) -> String {
        match self {
            Arc::Pair { mentor, mentee } => format!("the pair {mentor} – {mentee}"),
            Arc::Unmatched { mentee } => format!("{mentee} left unmatched"),
            Arc::Minimum { mentor } => format!("{mentor}'s places towards the minimum"),
            Arc::Places { mentor } => format!("{mentor}'s places above the minimum"),
            Arc::UnmatchedToSink => "the unmatched node's arc to the sink".into(),
            Arc::RoleMinimum { mentee, role } => {
                format!("{mentee}'s {role} mentors towards its at_least")
            }
            Arc::RolePlaces { mentee, role } => {
                format!("{mentee}'s {role} mentors above its at_least")
            }
            Arc::Further { mentee } => format!("{mentee}'s further mentors missed"),
            Arc::MenteeMinimum { mentee } => format!("{mentee}'s minimum places left empty"),
        }
    }
}

impl Finding {
    /// The finding in a sentence.
    pub fn message(&self) -> String {
        match self {
            Finding::UnknownId(id) => format!("{id} is in the response but not in the request"),
            Finding::MenteeTwice(id) => format!("{id} has more than one pair"),
            Finding::PairTwice { mentor, mentee } => {
                format!("the pair {mentor} – {mentee} is in the response twice")
            }
            Finding::Mentors {
                mentee,
                count,
                min,
                max,
            } => format!(
                "{mentee} has {count} mentors, outside its min_mentors {min} and max_mentors {max}"
            ),
            Finding::RoleCount {
                mentee,
                role,
                count,
                at_least,
                at_most,
            } => format!(
                "{mentee} has {count} {role} mentors, outside its role demand of {at_least} to {at_most}"
            ),
            Finding::NoDemandProof => {
                "the request has demand and the certificate lacks its demand proof".into()
            }
            Finding::NotInteger { proof, name, value } => {
                format!("the {}'s {name} {value:?} is not an integer", proof.words())
            }
            Finding::LevelWeight {
                proof,
                level,
                weight,
                needed,
            } => format!(
                "the {}'s weight of {level} is {weight}; it must be at least {needed} to outweigh the levels below it",
                proof.words()
            ),
            Finding::Overflow { proof } => format!(
                "the {}'s numbers overflow exact 128-bit arithmetic",
                proof.words()
            ),
            Finding::BreaksRule {
                mentor,
                mentee,
                rule,
            } => format!("the pair {mentor} – {mentee} breaks the hard rule {rule:?}"),
            Finding::ScoreDiffers {
                mentor,
                mentee,
                reported,
                recomputed,
            } => format!(
                "the pair {mentor} – {mentee} scores {recomputed} under the request, not {reported}"
            ),
            Finding::PinMissing { mentor, mentee } => {
                format!("the pinned pair {mentor} – {mentee} is missing")
            }
            Finding::Load {
                mentor,
                load,
                capacity,
                minimum,
            } => format!(
                "{mentor} has {load} mentees, outside its minimum {minimum} and capacity {capacity}"
            ),
            Finding::Stat {
                name,
                reported,
                recomputed,
            } => format!("stats.{name} is {reported}; the pairs give {recomputed}"),
            Finding::CostModel {
                proof,
                name,
                certificate,
                recomputed,
            } => format!(
                "the {}'s {name} is {certificate}; the request gives {recomputed}",
                proof.words()
            ),
            Finding::Shape {
                proof,
                name,
                len,
                expected,
            } => format!("the {} has {len} {name}, not {expected}", proof.words()),
            Finding::ReducedCost {
                proof,
                arc,
                reduced_cost,
                carries_flow,
            } => match carries_flow {
                true => format!(
                    "the {} fails on {}: reduced cost {reduced_cost} > 0 on an arc the answer uses",
                    proof.words(),
                    arc.words()
                ),
                false => format!(
                    "the {} fails on {}: reduced cost {reduced_cost} < 0 on an arc with room (using it would cost less)",
                    proof.words(),
                    arc.words()
                ),
            },
            Finding::NoFairProof => {
                "the fair answer's certificate lacks its proof of the coverage and the lowest score".into()
            }
            Finding::Bound { bound, cost } => format!(
                "the fair lowest-score proof bounds the cost over the higher pairs by {bound}, not above the answer's {cost}: a matching of only higher pairs may place as many"
            ),
        }
    }
}
