//! Tools around the service: a seeded generator of synthetic programmes
//! (tests, benchmarks, `mentormatch generate`) and the flow network as
//! text for independent solvers (`mentormatch export-network`).

pub mod export;
pub mod synth;
