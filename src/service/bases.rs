//! The scored bases of recent runs, so that a what-if from a stored run
//! (`base_run_id`) takes the scores its edits leave valid instead of
//! scoring every pair again (`api::what_if_reusing`; the answer is the
//! same). Bounded in bytes and to 64 entries, least recently used dropped
//! first; a Solve's
//! scores are kept once it is answered, a base that was missing is scored
//! after the what-if that missed it; both off the answer's path, one at a
//! time. An entry is used only while its run still holds the same request
//! (an erasure changes its hash, a deletion removes it), checked on every use.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::api::ScoredBase;
use crate::wire::pb;

/// A stored run's request and baseline, with the scores of its pairs.
#[derive(Debug)]
pub(super) struct Cached {
    /// The run's request hash when it was cached.
    pub(super) request_sha256: String,
    /// The request and its scores.
    pub(super) scored: ScoredBase,
    /// The run's pairs and groups, as a what-if baseline.
    pub(super) baseline_pairs: Vec<pb::PairRef>,
    pub(super) baseline_groups: Vec<pb::GroupRef>,
}

#[derive(Debug, Default)]
struct Inner {
    used: usize,
    tick: u64,
    /// By run id: the entry, its size, its last use.
    entries: HashMap<String, (Arc<Cached>, usize, u64)>,
}

/// Most entries kept, whatever their size (eviction scans them all).
const MAX_ENTRIES: usize = 64;

/// The cache.
#[derive(Debug)]
pub(super) struct Bases {
    budget: usize,
    inner: Mutex<Inner>,
    /// A base is being built in the background.
    building: AtomicBool,
}

impl Bases {
    /// A cache of at most `budget` bytes (0: keeps nothing).
    pub(super) fn new(budget: usize) -> Self {
        Bases {
            budget,
            inner: Mutex::new(Inner::default()),
            building: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The entry of `run_id`, if cached.
    pub(super) fn get(&self, run_id: &str) -> Option<Arc<Cached>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let (c, _, last) = inner.entries.get_mut(run_id)?;
        *last = tick;
        Some(c.clone())
    }

    /// Drops the entry of `run_id`.
    pub(super) fn forget(&self, run_id: &str) {
        let mut inner = self.lock();
        if let Some((_, bytes, _)) = inner.entries.remove(run_id) {
            inner.used -= bytes;
        }
    }

    /// Drops every entry (after an erasure or a deletion).
    pub(super) fn clear(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.used = 0;
    }

    /// Keeps `cached` for `run_id`, dropping the least recently used
    /// entries to stay within the budget (an entry larger than the budget
    /// is not kept).
    pub(super) fn insert(&self, run_id: String, cached: Cached) {
        let bytes = cached.scored.bytes();
        if bytes > self.budget {
            return;
        }
        let mut inner = self.lock();
        if let Some((_, old, _)) = inner.entries.remove(&run_id) {
            inner.used -= old;
        }
        while inner.used + bytes > self.budget || inner.entries.len() >= MAX_ENTRIES {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, (_, _, last))| *last)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((_, b, _)) = inner.entries.remove(&oldest) {
                inner.used -= b;
            }
        }
        inner.tick += 1;
        let tick = inner.tick;
        inner.used += bytes;
        inner
            .entries
            .insert(run_id, (Arc::new(cached), bytes, tick));
    }

    /// Entries and bytes held.
    pub(super) fn size(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.entries.len(), inner.used)
    }

    /// Runs `build` on the blocking pool unless a build is running or the
    /// cache keeps nothing; `build` returns the entry to keep.
    pub(super) fn build_later(
        self: &Arc<Self>,
        run_id: String,
        build: impl FnOnce() -> Option<Cached> + Send + 'static,
        on_size: impl FnOnce(usize) + Send + 'static,
    ) {
        if self.budget == 0 || self.building.swap(true, Ordering::AcqRel) {
            return;
        }
        /// Clears the flag however the build ends (a panic included).
        struct Done(Arc<Bases>);
        impl Drop for Done {
            fn drop(&mut self) {
                self.0.building.store(false, Ordering::Release);
            }
        }
        let done = Done(self.clone());
        tokio::task::spawn_blocking(move || {
            if let Some(c) = build() {
                done.0.insert(run_id.clone(), c);
                let (entries, bytes) = done.0.size();
                on_size(bytes);
                tracing::info!(run_id = %run_id, entries, bytes, "scored base kept");
            }
        });
    }
}
