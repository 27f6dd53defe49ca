//! Re-optimisation of a kept optimum after edits: what a what-if from a
//! stored run solves, in time that depends on the edits, not on the arcs.
//!
//! # Base state
//! [`BaseState`] holds a base problem's baseline assignment (from its
//! [`ScoredRows`](crate::solvers::scored::ScoredRows)) as dense difference constraints over mentors, `U` and
//! `T`, in score units: per mentor `j₀`, the tightest `s(e,j₀) − s(e,v)`
//! over its mentees `e` and every other mentor `v`. Any potentials that
//! satisfy them make every residual reduced cost of the baseline flow
//! non-negative (see `warm.rs`); Bellman–Ford finds them, or a negative
//! cycle (the baseline is not an optimum: the caller solves afresh).
//!
//! # Edits as supplies
//! A scenario ([`Scenario`]) keeps the base's mentors (some removed, some
//! with another capacity) and its mentees (some removed, some re-scored,
//! some new). Each change is applied so that no residual reduced cost turns
//! negative:
//! - a mentee whose row changed, or whose mentor left, is taken off its arc
//!   and becomes a supply; the place it held stays counted on `j → T`, so
//!   that mentor becomes a deficit ("held place");
//! - a removed mentee's place is held the same way, and `T` then receives
//!   one unit too many: an excess at `T`;
//! - a removed mentor's units leave `T`: a deficit at `T`;
//! - a raised capacity of a full mentor whose potential is below `T`'s is
//!   held (its new places become deficits, `T` an excess), otherwise the
//!   new residual arc `j → T` is already non-negative; a lowered capacity
//!   releases held places first, then unassigns the latest members.
//!
//! # Algorithm
//! Successive shortest paths from each excess (unassigned mentees in order,
//! then `T`) to the nearest deficit (a held place, or `T`), Dijkstra on
//! reduced costs; `T` is an ordinary node whose residual arcs lead back to
//! mentors. Mentor potentials stay at most 0 and each mentee's arcs are
//! scanned by cost, so a scan stops at the first arc that cannot beat the
//! best deficit labelled. Every unit ends on a min-cost flow of the
//! scenario: its optimum (coverage then score, or score then coverage),
//! the same optimum a cold solve finds, ties resolved from the base.

mod net;
mod potentials;
mod state;

use net::Net;
pub use state::{BaseState, Order, Row, Scenario, MAX_NODES};

/// Solves `scen` from `base` (its base's baseline state): per scenario
/// mentee, its scenario mentor or `None`. `None` when the baseline is not
/// an optimum under the scenario's costs (no potentials), or costs would
/// overflow: the caller then solves afresh.
pub fn resume(base: &BaseState, scen: &Scenario) -> Option<Vec<Option<u32>>> {
    let mut net = Net::new(base, scen)?;
    net.potentials(base)?;
    net.apply(base);
    let ok = net.run();
    // The optimality conditions, over every arc, in test builds.
    #[cfg(debug_assertions)]
    if let (true, Err(e)) = (ok, net.check()) {
        panic!("a resumed flow is not optimal: {e}");
    }
    ok.then(|| net.answer())
}
