//! The service's metrics in Prometheus' text format: calls by method and
//! status code, call latency, calls in flight and waiting, solve phases and
//! pairs scored. One registry per server (no global state).

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::settings::{Observe, Phases};

/// A call's method and outcome.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    method: String,
    code: String,
}

/// A call's method.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabel {
    method: String,
}

/// A phase of a solve.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PhaseLabel {
    phase: String,
}

/// Whether a what-if found its base's scores.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: String,
}

/// Latency buckets: 0.5 ms to ~65 s, doubling.
fn latency() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 18))
}

/// The server's metrics.
#[derive(Debug)]
pub(super) struct Metrics {
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    seconds: Family<MethodLabel, Histogram, fn() -> Histogram>,
    phases: Family<PhaseLabel, Histogram, fn() -> Histogram>,
    pairs: Counter<u64, AtomicU64>,
    /// Calls admitted and not yet answered.
    pub(super) in_flight: Gauge,
    /// Calls waiting for a solver.
    pub(super) waiting: Gauge,
    bases: Family<ResultLabel, Counter>,
    /// Bytes of scored bases kept.
    pub(super) base_bytes: Gauge,
}

impl Metrics {
    /// An empty registry with every metric of the service.
    pub(super) fn new() -> Self {
        let mut registry = Registry::with_prefix("mentormatch");
        let calls = Family::<CallLabels, Counter>::default();
        registry.register(
            "calls",
            "Calls answered, by method and status code",
            calls.clone(),
        );
        let seconds =
            Family::<MethodLabel, Histogram, fn() -> Histogram>::new_with_constructor(latency);
        registry.register(
            "call_seconds",
            "Call latency, admission to answer",
            seconds.clone(),
        );
        let phases =
            Family::<PhaseLabel, Histogram, fn() -> Histogram>::new_with_constructor(latency);
        registry.register(
            "solve_phase_seconds",
            "Time in each phase of a solve",
            phases.clone(),
        );
        let pairs = Counter::<u64, AtomicU64>::default();
        registry.register(
            "pairs_scored",
            "Mentor x mentee pairs scored",
            pairs.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "calls_in_flight",
            "Calls admitted and not yet answered",
            in_flight.clone(),
        );
        let waiting = Gauge::default();
        registry.register(
            "calls_waiting",
            "Calls waiting for a solver",
            waiting.clone(),
        );
        let bases = Family::<ResultLabel, Counter>::default();
        registry.register(
            "scored_base_lookups",
            "What-ifs from a stored run, by whether its scored base was kept (hit, miss)",
            bases.clone(),
        );
        let base_bytes = Gauge::default();
        registry.register(
            "scored_base_bytes",
            "Bytes of scored bases kept for what-ifs",
            base_bytes.clone(),
        );
        Metrics {
            registry,
            calls,
            seconds,
            phases,
            pairs,
            in_flight,
            waiting,
            bases,
            base_bytes,
        }
    }

    /// Records a what-if's lookup of its base's scores.
    pub(super) fn base_lookup(&self, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.bases
            .get_or_create(&ResultLabel {
                result: result.to_string(),
            })
            .inc();
    }

    /// Records an answered call.
    pub(super) fn call(&self, method: &str, code: tonic::Code, seconds: f64) {
        self.calls
            .get_or_create(&CallLabels {
                method: method.to_string(),
                code: format!("{code:?}"),
            })
            .inc();
        self.seconds
            .get_or_create(&MethodLabel {
                method: method.to_string(),
            })
            .observe(seconds);
    }

    /// The metrics in the text exposition format.
    pub(super) fn text(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl Observe for Metrics {
    fn solved(&self, p: &Phases) {
        for (phase, d) in [
            ("score", p.score),
            ("solve", p.solve),
            ("explain", p.explain),
            ("groups", p.groups),
        ] {
            self.phases
                .get_or_create(&PhaseLabel {
                    phase: phase.to_string(),
                })
                .observe(d.as_secs_f64());
        }
        self.pairs.inc_by(p.pairs);
    }
}
