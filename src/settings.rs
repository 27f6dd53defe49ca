//! Everything an operator or caller configures around a solve: request size
//! limits ([`Limits`]), per-solve options ([`SolveOptions`]) and the
//! server's settings ([`ServerConfig`]). Plain data; no behaviour.

use std::time::{Duration, Instant};

/// Size limits on a request. All configurable by the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum mentors.
    pub max_mentors: usize,
    /// Maximum mentees.
    pub max_mentees: usize,
    /// Maximum mentors × mentees.
    pub max_pairs: u64,
    /// Maximum affinities.
    pub max_affinities: usize,
    /// Maximum programme length in days.
    pub max_programme_days: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_mentors: 50_000,
            max_mentees: 200_000,
            max_pairs: 50_000_000,
            max_affinities: 5_000_000,
            max_programme_days: 3 * 366,
        }
    }
}

/// Options the caller (service, CLI) sets around a solve.
#[derive(Debug, Clone, Copy)]
pub struct SolveOptions {
    /// Upper bound on the solve time (the request may ask for less).
    pub max_time: Duration,
    /// An absolute deadline from the transport (gRPC deadline), if any.
    pub deadline: Option<Instant>,
    /// Threads used to score candidate pairs (at least 1).
    pub threads: usize,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            max_time: Duration::from_secs(30),
            deadline: None,
            threads: cores(),
        }
    }
}

/// Server settings.
#[derive(Debug, Clone, Copy)]
pub struct ServerConfig {
    /// Request size limits.
    pub limits: Limits,
    /// Longest solve allowed, whatever the request asks.
    pub max_time: Duration,
    /// Largest encoded request or response, in bytes.
    pub max_message_bytes: usize,
    /// Solves running at once; further requests wait.
    pub max_concurrent: usize,
    /// Threads used by one solve to score pairs.
    pub threads_per_solve: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            limits: Limits::default(),
            max_time: Duration::from_secs(30),
            max_message_bytes: 256 * 1024 * 1024,
            max_concurrent: cores(),
            threads_per_solve: cores(),
        }
    }
}

/// The machine's available parallelism (at least 1).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
