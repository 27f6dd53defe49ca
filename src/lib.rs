//! mentormatch: optimal, explainable mentor–mentee matching.
//!
//! A request (mentor and mentee profiles, the programme's rules) becomes
//! provably optimal bilateral pairs and groups, every score explained term
//! by term, and every unmatched mentee explained with what would fix it.
//!
//! # Layout
//!
//! Data flows down the layers; no layer imports one above it.
//!
//! - Edges: [`service`] (gRPC, the only tonic-aware file), the binary's
//!   `cli`, and [`tools`] (synthetic programmes, network export).
//! - [`formats`]: coordinators' spreadsheets (xlsx, ods, CSV) read into
//!   the same [`pb`] messages, and the template written.
//! - [`api`]: one file per RPC, wire in and wire out, shared by the
//!   service and the CLI. [`settings`] holds what callers configure.
//! - [`wire`]: the API's messages ([`pb`]), request validation into a
//!   [`model::Problem`], outcomes and reports back to messages.
//! - The core, below `wire`:
//!   - `pipeline`: pairs, groups and checks, from a validated problem to
//!     an outcome;
//!   - `explain`: every sentence and certificate in problem terms;
//!   - [`solvers`]: instance building, the exact engines (min-cost flow,
//!     MILP, group MILP), the alternating-path search, max-flow;
//!   - [`scoring`]: hard rules and the single definition of a score;
//!   - `outcome`: all result data;
//!   - `calendar`: DST-aware working-hour overlaps and session slots;
//!   - [`model`] (the validated problem), [`settings`], `error`, `threads`.
//!
//! The core is pure: no IO, no global state, no wire types, and no panics
//! on a validated problem. `tests/integration/layout.rs` checks the layers.
#![warn(missing_docs, unreachable_pub)]

pub mod api;
mod calendar;
mod error;
mod explain;
pub mod formats;
pub mod model;
mod outcome;
mod pipeline;
pub mod scoring;
pub mod service;
pub mod settings;
pub mod solvers;
pub mod store;
mod threads;
pub mod tools;
pub mod wire;

pub use error::{Error, FieldViolation, Result};
pub use settings::{Limits, ServerConfig, SolveOptions};
pub use wire::pb;
