//! The one pass over unmatched mentees that finds their bottlenecks, shared
//! by a solve (unmatched reasons) and a check (coverage findings).
//!
//! Each mentee left out with all its candidates full is searched from
//! (alternating paths, `solvers::hall`). Mentees whose search reaches the
//! same mentors share one bottleneck: the first gets a full certificate,
//! later ones refer to it.

use crate::model::MenteeIdx;
use crate::outcome::Certificate;
use crate::scoring::Scorer;
use crate::solvers::hall::{MentorGraph, Reach, Search, Searcher};
use crate::solvers::Instance;

use super::certificate::certificate;

/// Distinct bottlenecks per solve that get a full certificate (in request
/// order); further unmatched mentees of a known bottleneck refer to it. A
/// check asks for no more than its findings list shows.
pub(crate) const MAX_CERTIFICATES: usize = 100;

/// What the search from one unmatched mentee found.
#[derive(Debug)]
pub(crate) enum Bottleneck {
    /// A new bottleneck and its certificate; bottlenecks are numbered in
    /// the order they are first found.
    New(Box<Certificate>),
    /// The bottleneck numbered `index`, found first from the unmatched
    /// problem mentee `first`; its Hall violator with this mentee in place
    /// of that one has `mentees` mentees for `places` places.
    Known {
        /// Number of the bottleneck.
        index: usize,
        /// The mentee whose certificate it is.
        first: MenteeIdx,
        /// Mentees of the violator.
        mentees: usize,
        /// Places at its mentors.
        places: u32,
    },
    /// A chain of moves would place the mentee.
    Placeable,
    /// Not known: the search limits were reached, or a new bottleneck came
    /// after the cap on certificates.
    Unknown,
}

/// Bottleneck finder over one assignment of an instance.
pub(crate) struct Bottlenecks<'a> {
    scorer: &'a Scorer<'a>,
    inst: &'a Instance,
    arc: &'a [Option<u32>],
    /// Problem mentee of each instance mentee.
    mentees: &'a [MenteeIdx],
    /// Problem mentors' loads (pins included) and pinned mentees.
    loads: &'a [u32],
    pinned: &'a [u32],
    /// Mentor-level edges given apart from `inst` (a priced solve's).
    graph: Option<&'a MentorGraph>,
    /// Built at the first search.
    searcher: Option<Searcher<'a>>,
    searches: usize,
    /// Most bottlenecks certified.
    max_certificates: usize,
    /// Key and first problem mentee of each bottleneck found, in order.
    found: Vec<(Vec<u64>, MenteeIdx)>,
}

impl<'a> Bottlenecks<'a> {
    /// A finder for the assignment `arc` of `inst`, whose instance mentee
    /// `k` is problem mentee `mentees[k]`; `loads` are the problem mentors'
    /// loads in the result (pins included), `pinned` their pinned mentees;
    /// at most `max_certificates` bottlenecks are certified.
    pub(crate) fn new(
        scorer: &'a Scorer<'a>,
        inst: &'a Instance,
        arc: &'a [Option<u32>],
        mentees: &'a [MenteeIdx],
        loads: &'a [u32],
        pinned: &'a [u32],
        max_certificates: usize,
    ) -> Self {
        Bottlenecks {
            scorer,
            inst,
            arc,
            mentees,
            loads,
            pinned,
            graph: None,
            searcher: None,
            searches: 0,
            max_certificates,
            found: Vec::new(),
        }
    }

    /// The finder with the mentor-level edges of the assignment given, for
    /// an instance that holds only some arcs of assigned mentees.
    pub(crate) fn over(mut self, graph: Option<&'a MentorGraph>) -> Self {
        self.graph = graph;
        self
    }

    /// Searches from the unmatched instance mentee `k`.
    pub(crate) fn classify(&mut self, k: u32) -> Bottleneck {
        let (inst, arc, graph) = (self.inst, self.arc, self.graph);
        let searcher = self
            .searcher
            .get_or_insert_with(|| Searcher::over(inst, arc, graph));
        if self.searches >= searcher.search_limit() {
            return Bottleneck::Unknown;
        }
        self.searches += 1;
        match searcher.reach(k) {
            Reach::Violator {
                key,
                mentees,
                places,
            } => match self.found.iter().position(|x| x.0 == key) {
                Some(index) => Bottleneck::Known {
                    index,
                    first: self.found[index].1,
                    mentees,
                    places,
                },
                None if self.found.len() < self.max_certificates => match searcher.search(k) {
                    Search::Violator(v) => {
                        let c = certificate(
                            self.scorer,
                            inst,
                            self.mentees,
                            &v,
                            self.loads,
                            &inst.capacity,
                            self.pinned,
                        );
                        self.found.push((key, self.mentees[k as usize]));
                        Bottleneck::New(Box::new(c))
                    }
                    _ => Bottleneck::Unknown,
                },
                None => Bottleneck::Unknown,
            },
            Reach::Placeable => Bottleneck::Placeable,
            Reach::Unknown => Bottleneck::Unknown,
        }
    }
}
