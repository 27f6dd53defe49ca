//! The API: one function per RPC, a wire request in and a wire response
//! out, shared by the gRPC service and the CLI so that both give the same
//! answer to the same request.
//!
//! - [`solve()`]: validate, solve, explain;
//! - [`validate()`]: check a request without solving it;
//! - [`what_if()`]: scenarios of edits (`edits`) re-solved and diffed
//!   (`diff`) against a baseline;
//! - [`alternatives()`]: "why not X?", exact losses of forced pairs;
//! - [`ScoredBase`] (`scored_base`): a solve's scores kept for fast what-ifs;
//! - [`verify()`]: a response checked against its request, the optimality
//!   certificate on every arc, without the engines.

mod alternatives;
mod diff;
mod edits;
mod scored_base;
mod solve;
mod validate;
pub mod verify;
mod whatif;

pub use alternatives::alternatives;
pub use scored_base::{score_base, solve_keeping, ScoredBase};
pub use solve::solve;
pub use validate::{validate, MAX_FLOW_MENTEES};
pub use verify::{verify, Finding, Verdict};
pub use whatif::{
    baseline_groups, baseline_pairs, scenario_request, what_if, what_if_on, what_if_reusing, Base,
    MAX_SCENARIOS,
};
