//! The calls a server has in flight: admission (a bounded queue for the
//! solver slots, a budget on request bytes), each call's cancel flag, and
//! the drain state.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::settings::{Cancel, ServerConfig};

/// The server's calls.
#[derive(Debug)]
pub(super) struct Calls {
    /// Solver slots (`max_concurrent`).
    slots: Arc<Semaphore>,
    /// How many slots there are.
    total_slots: usize,
    /// Calls waiting for a slot, at most `max_queue`.
    max_queue: usize,
    /// Encoded request bytes of admitted calls, at most `max_bytes`.
    max_bytes: usize,
    /// Calls admitted and not yet answered.
    in_flight: AtomicUsize,
    /// Calls waiting for a slot.
    waiting: AtomicUsize,
    /// Request bytes of the calls in flight.
    bytes: AtomicUsize,
    /// Mean time a call holds a slot (exponential average), microseconds.
    mean_hold_us: AtomicU64,
    /// Woken when `in_flight` drops to 0.
    idle: tokio::sync::Notify,
    /// Set on a shutdown signal: new calls are refused.
    draining: AtomicBool,
    /// Set when the drain timeout runs out: every call in flight stops.
    stop: Cancel,
}

/// Request bytes held against the server's budget until dropped.
#[derive(Debug)]
pub(super) struct Reservation {
    calls: Arc<Calls>,
    bytes: usize,
}

/// An admitted call: its cancel flag, set if the call is dropped before it
/// is answered (the caller went away). Leaving it ends the call.
pub(super) struct Admitted {
    calls: Arc<Calls>,
    _bytes: Reservation,
    /// The call's cancel flag (a child of the server's).
    pub(super) cancel: Cancel,
    answered: bool,
}

impl Calls {
    /// Calls under `config`'s limits.
    pub(super) fn new(config: &ServerConfig) -> Arc<Self> {
        Arc::new(Calls {
            slots: Arc::new(Semaphore::new(config.max_concurrent.max(1))),
            total_slots: config.max_concurrent.max(1),
            max_queue: config.max_queue,
            max_bytes: config.max_inflight_bytes,
            in_flight: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
            mean_hold_us: AtomicU64::new(0),
            idle: tokio::sync::Notify::new(),
            draining: AtomicBool::new(false),
            stop: Cancel::new(),
        })
    }

    /// Reserves `bytes` of request against the budget, or refuses them
    /// with RESOURCE_EXHAUSTED (and a retry hint). A request alone may
    /// exceed the budget (the message size limit bounds it); one that would
    /// push others past it waits for them.
    pub(super) fn reserve(self: &Arc<Self>, bytes: usize) -> Result<Reservation, Status> {
        let held = self.bytes.fetch_add(bytes, Ordering::SeqCst);
        let reservation = Reservation {
            calls: self.clone(),
            bytes,
        };
        if held > 0 && held + bytes > self.max_bytes {
            return Err(self.busy(format!(
                "requests in flight hold {held} bytes; this one's {bytes} would pass the \
                 server's budget of {}",
                self.max_bytes
            )));
        }
        Ok(reservation)
    }

    /// Admits a call whose request bytes are `bytes`, or refuses it at
    /// once: UNAVAILABLE while draining, RESOURCE_EXHAUSTED (with a retry
    /// hint) when the queue is full or the call would wait for a slot past
    /// its `deadline`.
    pub(super) fn admit(
        self: &Arc<Self>,
        bytes: Reservation,
        deadline: Option<Instant>,
    ) -> Result<Admitted, Status> {
        if self.draining.load(Ordering::SeqCst) {
            return Err(Status::unavailable("server shutting down"));
        }
        let admitted = Admitted {
            calls: self.clone(),
            _bytes: bytes,
            cancel: self.stop.child(),
            answered: false,
        };
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let waiting = self.waiting.load(Ordering::SeqCst);
        if self.slots.available_permits() == 0 && waiting >= self.max_queue {
            return Err(self.busy(format!(
                "{waiting} calls are waiting for a solver (queue limit {})",
                self.max_queue
            )));
        }
        if let Some(d) = deadline {
            // Its wait for a slot, then its own solve, with a quarter more
            // for the estimate being low under load.
            let wait = self.expected_wait(waiting);
            let own = Duration::from_micros(self.mean_hold_us.load(Ordering::Relaxed));
            if Instant::now() + (wait + own).mul_f64(1.25) > d {
                return Err(self.busy(format!(
                    "the call would wait about {} ms for a solver and not finish by its deadline",
                    wait.as_millis()
                )));
            }
        }
        Ok(admitted)
    }

    /// Waits for a solver slot, counted in the queue meanwhile.
    pub(super) async fn slot(&self) -> Result<OwnedSemaphorePermit, Status> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let permit = self.slots.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        permit.map_err(|_| Status::unavailable("server shutting down"))
    }

    /// Records that a call held its slot for `held`.
    pub(super) fn held(&self, held: Duration) {
        let us = held.as_micros().min(u128::from(u64::MAX)) as u64;
        let old = self.mean_hold_us.load(Ordering::Relaxed);
        let new = if old == 0 { us } else { (old * 7 + us) / 8 };
        self.mean_hold_us.store(new, Ordering::Relaxed);
    }

    /// How long a call now would wait for a slot, from the mean hold time
    /// (zero while a slot is free).
    fn expected_wait(&self, waiting: usize) -> Duration {
        if self.slots.available_permits() > 0 {
            return Duration::ZERO;
        }
        let slots = self.total_slots as u64;
        let mean = self.mean_hold_us.load(Ordering::Relaxed);
        Duration::from_micros(mean * (waiting as u64 + 1) / slots)
    }

    /// RESOURCE_EXHAUSTED with `why` and a hint to retry after about one
    /// mean hold time.
    fn busy(&self, why: String) -> Status {
        let mean = Duration::from_micros(self.mean_hold_us.load(Ordering::Relaxed).max(100_000));
        Status::with_error_details(
            Code::ResourceExhausted,
            why,
            ErrorDetails::with_retry_info(Some(mean)),
        )
    }

    /// Refuses new calls from now on.
    pub(super) fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Calls admitted and not yet answered.
    pub(super) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Calls waiting for a solver slot.
    pub(super) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Cancels every call in flight.
    pub(super) fn cancel_all(&self) {
        self.stop.cancel();
    }

    /// Waits until no call is in flight.
    pub(super) async fn drained(&self) {
        loop {
            let idle = self.idle.notified();
            if self.in_flight.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}

impl Admitted {
    /// The call was answered: nothing to cancel.
    pub(super) fn answered(mut self) {
        self.answered = true;
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        if !self.answered {
            self.cancel.cancel();
        }
        let calls = &self.calls;
        if calls.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            calls.idle.notify_waiters();
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.calls.bytes.fetch_sub(self.bytes, Ordering::SeqCst);
    }
}

impl Reservation {
    /// Adds `other`'s bytes to this reservation.
    pub(super) fn absorb(&mut self, mut other: Reservation) {
        self.bytes += std::mem::take(&mut other.bytes);
    }
}
