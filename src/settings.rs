//! Everything an operator or caller configures around a solve: request size
//! limits ([`Limits`]), per-solve options ([`SolveOptions`]) and the
//! server's settings ([`ServerConfig`]). Plain data; no behaviour.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Size limits on a request. All configurable by the operator (`serve`
/// and the CLI take each as a flag).
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
    /// Most entries in one list of a profile or policy: sectors, topics,
    /// languages, preferred and excluded mentors, pinned and forbidden
    /// pairs, group rules.
    pub max_list: usize,
    /// Longest id, in characters.
    pub max_id_chars: usize,
    /// Longest name, organisation, sector or topic, in characters.
    pub max_text_chars: usize,
    /// Most violations listed for one invalid request (the rest are counted).
    pub max_violations: usize,
    /// Most checks of one joint meeting's search: the candidate starts of
    /// its window times the participants.
    pub max_meeting_checks: u64,
    /// Most mentors one mentee may ask for (`max_mentors`).
    pub max_mentors_per_mentee: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_mentors: 50_000,
            max_mentees: 200_000,
            max_pairs: 50_000_000,
            max_affinities: 5_000_000,
            max_programme_days: 3 * 366,
            max_list: 50_000,
            max_id_chars: 128,
            max_text_chars: 256,
            max_violations: 100,
            max_meeting_checks: 2_000_000_000,
            max_mentors_per_mentee: 10,
        }
    }
}

/// A flag that stops a solve early: set when the caller goes away or the
/// server shuts down. Clones share the flag; a child is also set by its
/// parent (a call's flag under the server's).
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    own: Arc<AtomicBool>,
    parent: Option<Arc<AtomicBool>>,
}

impl Cancel {
    /// A flag not yet set.
    pub fn new() -> Self {
        Cancel::default()
    }

    /// A new flag that this one's `cancel` sets too.
    pub fn child(&self) -> Cancel {
        Cancel {
            own: Arc::new(AtomicBool::new(false)),
            parent: Some(self.own.clone()),
        }
    }

    /// Sets the flag: every solve holding a clone (or a child) stops at its
    /// next check.
    pub fn cancel(&self) {
        self.own.store(true, Ordering::Relaxed);
    }

    /// Whether the flag (or its parent) is set.
    pub fn is_cancelled(&self) -> bool {
        self.own.load(Ordering::Relaxed)
            || self
                .parent
                .as_ref()
                .is_some_and(|p| p.load(Ordering::Relaxed))
    }
}

/// The phases of one solve and the pairs it scored, for an observer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Phases {
    /// Scoring all pairs.
    pub score: Duration,
    /// The engine.
    pub solve: Duration,
    /// Explanations.
    pub explain: Duration,
    /// Group formation.
    pub groups: Duration,
    /// Mentor × mentee pairs scored.
    pub pairs: u64,
}

/// Told about every solve (e.g. the service's metrics).
pub trait Observe: Send + Sync + std::fmt::Debug {
    /// A solve finished with these phases.
    fn solved(&self, phases: &Phases);
}

/// Options the caller (service, CLI) sets around a solve.
#[derive(Debug, Clone)]
pub struct SolveOptions {
    /// Upper bound on the solve time (the request may ask for less).
    pub max_time: Duration,
    /// An absolute deadline from the transport (gRPC deadline), if any.
    pub deadline: Option<Instant>,
    /// Threads used to score candidate pairs (at least 1).
    pub threads: usize,
    /// Stops the solve when set (a cancelled call, a shutdown).
    pub cancel: Cancel,
    /// Told the phases of each solve, if any.
    pub observer: Option<Arc<dyn Observe>>,
    /// Most pairs (unpinned mentees × mentors) a flow solve holds as arcs.
    /// Above it, the flow holds each mentee's best mentors and prices the
    /// other pairs with its potentials, adding those that matter until none
    /// does: exact over every pair either way, in far less memory (the
    /// fair objective always holds every pair).
    pub held_pairs: u64,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            max_time: Duration::from_secs(30),
            deadline: None,
            threads: cores(),
            cancel: Cancel::new(),
            observer: None,
            held_pairs: HELD_PAIRS,
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
    /// Calls waiting for a solver at most; more are refused with
    /// RESOURCE_EXHAUSTED.
    pub max_queue: usize,
    /// Encoded request bytes of all calls in flight at most (a call alone
    /// is always admitted, up to `max_message_bytes`).
    pub max_inflight_bytes: usize,
    /// Threads used by one solve to score pairs.
    pub threads_per_solve: usize,
    /// After a shutdown signal, how long calls in flight may run before
    /// they are cancelled.
    pub drain_timeout: Duration,
    /// HTTP/2 keepalive ping interval (dead connections are closed).
    pub http2_keepalive: Option<Duration>,
    /// Connections older than this are closed gracefully (spreads clients
    /// over replicas).
    pub max_connection_age: Option<Duration>,
    /// Bytes of scored bases kept for what-ifs from stored runs (0: none).
    pub scored_base_cache_bytes: usize,
    /// Most pairs a flow solve holds as arcs ([`SolveOptions::held_pairs`]).
    pub held_pairs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            limits: Limits::default(),
            max_time: Duration::from_secs(30),
            max_message_bytes: 256 * 1024 * 1024,
            max_concurrent: cores(),
            max_queue: 1024,
            max_inflight_bytes: 1 << 30,
            threads_per_solve: cores(),
            drain_timeout: Duration::from_secs(30),
            http2_keepalive: Some(Duration::from_secs(60)),
            max_connection_age: None,
            scored_base_cache_bytes: 1 << 30,
            held_pairs: HELD_PAIRS,
        }
    }
}

/// Default of [`SolveOptions::held_pairs`]: a network of 20 M pairs (about
/// 14 M arcs) holds in about 0.6 GiB.
const HELD_PAIRS: u64 = 20_000_000;

/// The machine's available parallelism (at least 1).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
