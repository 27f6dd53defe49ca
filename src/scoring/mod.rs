//! Hard rules and the scoring model.
//!
//! A pair is *feasible* when it passes every hard rule. Its score is the sum
//! over criteria of `round(weight × value × 1000)` milli-points, so the
//! breakdown terms add up exactly to the score that the engines optimise.
//!
//! | criterion         | value in \[0, 1\]                                             |
//! |-------------------|-----------------------------------------------------------------|
//! | sector            | share of the mentee's sectors that the mentor has (0 if none)  |
//! | topics            | share of the mentee's topics in the mentor's topics (0 if none) |
//! | language          | best shared level, min of both, as level/7 (native = 1)         |
//! | time zone         | worst-week overlap / target overlap, capped at 1                |
//! | preference        | (k − r) / k for the mentor ranked r (0-based) of k; else 0      |
//! | different country | 1 if countries differ                                           |
//! | affinity          | the caller's value (may be negative), 0 when absent             |
//!
//! In affinity-only mode the score is the affinity alone, weight 1. A
//! what-if adds a stability term: its weight for a baseline pair.
//!
//! The programme's memory (`Problem::history`, in every scoring mode):
//!
//! | criterion      | value                                                        |
//! |----------------|--------------------------------------------------------------|
//! | earlier cohort | −1 for a pair of an earlier cohort (policy: penalty)          |
//! | cohort load    | −(mentor's earlier mentees) / (most of any mentor), when > 0 |
//!
//! A declined pair, and under the `Avoid` policy an earlier-cohort pair,
//! breaks a hard rule instead.
//!
//! [`Scorer`] (`scorer.rs`) is the single definition: a pair's rules and
//! terms. `rows.rs` scores a mentee's whole row of mentors from per-mentor
//! arrays and per-mentee tables, to the same milli-point, for the passes
//! over every pair (candidate arcs, pricing, `verify`).

mod rows;
mod scorer;

pub(crate) use rows::RowScorer;
pub use scorer::Scorer;
