//! Explanations: every sentence a coordinator reads, and the certificates
//! behind them, in problem terms.
//!
//! - [`words`]: the shared vocabulary (one id-list formatter, hours, rule
//!   names, language names).
//! - [`pairs`]: what each score term of a pair means.
//! - [`unmatched`]: why a mentee has no pair and what would give it one.
//! - [`bottlenecks`]: the one pass that finds the bottleneck of each mentee
//!   left out for lack of places (solve and check alike).
//! - [`certificate`]: a Hall violator as a capacity certificate, in words,
//!   with the relaxations that place one more mentee.
//! - [`infeasible`]: rules no matching can satisfy.
//! - [`groups`]: each group's terms and theme, and why a mentee is in no
//!   group.
//! - [`findings`]: the sentences of a check.
//!
//! The searches behind the words run in `solvers` (alternating paths,
//! closures) and the pipeline; this layer decides what to say about them:
//! which mentees get a certificate and which refer to one, the relaxations
//! a certificate lists, the sentences. It reads `model`, `outcome`,
//! `scoring`, `calendar` and `solvers`, and nothing above them.

pub(crate) mod bottlenecks;
pub(crate) mod certificate;
pub(crate) mod demand;
pub(crate) mod findings;
pub(crate) mod groups;
pub(crate) mod infeasible;
pub(crate) mod meetings;
pub(crate) mod pairs;
pub(crate) mod unmatched;
pub(crate) mod words;
