//! mentormatch: optimal, explainable mentor–mentee matching.
//!
//! # Layout
//! - [`pb`]: wire types generated from `proto/` (prost, tonic, pbjson).
//! - [`convert`]: the only bridge between wire and domain types; validates
//!   requests (field path + offending value for every error).
//! - [`model`]: the domain: profiles, policy, scores in milli-points.
//! - [`overlap`]: DST-aware weekly overlap of working hours.
//! - [`scoring`]: hard rules and the weighted scoring model.
//! - [`solvers`]: the engine seam; [`solvers::flow`] (min-cost flow) and
//!   [`solvers::milp`] (good_lp) behind it.
//! - [`matching`]: the pipeline: pins, candidates, engine, explanations.
//! - [`check`]: diagnosis without a solve: findings and a feasibility summary.
//! - [`hall`]: capacity certificates (inclusion-minimal Hall violators) and
//!   the relaxations that would place one more mentee.
//! - [`slots`]: DST-aware weekly group-session slots and their classes.
//! - [`groups`]: group formation (MILP in [`solvers::group_milp`]) and its explanations.
//! - [`export`]: the flow network as text, for independent solvers.
//! - [`api`]: request in, response out (shared by service and CLI).
//! - [`alternatives`]: "why not X?": exact losses of forced pairs.
//! - [`whatif`]: scenarios of edits, stability, diffs against a baseline.
//! - [`service`]: the tonic service, health and reflection.
//! - [`synth`]: a seeded generator of synthetic programmes.
//!
//! The core (`model`, `overlap`, `scoring`, `solvers`, `matching`) is pure:
//! no IO, no global state, no panics on any validated input.

pub mod alternatives;
pub mod api;
pub mod check;
pub mod convert;
pub mod error;
pub mod export;
pub mod groups;
pub mod hall;
pub mod matching;
pub mod model;
pub mod overlap;
pub mod pb;
pub mod scoring;
pub mod service;
pub mod slots;
pub mod solvers;
pub mod synth;
pub mod whatif;

pub use error::{Error, FieldViolation, Result};
