//! The [`Store`] trait both backends implement, with its listing filters
//! and counts.

use chrono::{DateTime, Utc};

use super::decision::{DecisionRecord, EventRecord};
use super::row::StoreError;
use super::run::RunRecord;

/// Which runs a listing returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFilter {
    /// Only this programme's (empty: all).
    pub programme_id: String,
    /// Only this cohort's (empty: all).
    pub cohort: String,
}

/// Most runs (or events) in one page.
pub const MAX_PAGE: u32 = 1000;

/// Runs (or events) in a page when the caller does not say.
pub const DEFAULT_PAGE: u32 = 50;

/// What an erasure or deletion changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Runs rewritten or deleted.
    pub runs: u64,
    /// Decisions rewritten or deleted.
    pub decisions: u64,
    /// Events deleted.
    pub events: u64,
}

/// Rewrites one stored run without a person's data; `Ok(false)` when the
/// run did not name them.
pub type Scrub<'a> = dyn Fn(&mut RunRecord) -> Result<bool, StoreError> + Send + Sync + 'a;

/// A store of runs, decisions and a programme's events. Every write is a
/// transaction: a row and its event are written together or not at all.
#[async_trait::async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Records `run` (and its event: "run", or "adoption" for an Adopt run).
    async fn record(&self, run: &RunRecord) -> Result<(), StoreError>;

    /// The run with this id, with its request and response.
    async fn get(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError>;

    /// The run with this id, without its request and response.
    async fn head(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError>;

    /// Up to `limit` runs matching `filter`, newest first, older than the
    /// run `before` when given; without requests and responses.
    async fn list(
        &self,
        filter: &RunFilter,
        limit: u32,
        before: Option<&str>,
    ) -> Result<Vec<RunRecord>, StoreError>;

    /// Each cohort's latest adoption in `programme_id` (with bodies), by
    /// cohort; only `cohort`'s when it is `Some`.
    async fn adopted(
        &self,
        programme_id: &str,
        cohort: Option<&str>,
    ) -> Result<Vec<RunRecord>, StoreError>;

    /// The pairs of each cohort's latest adoption in `programme_id`:
    /// (cohort, mentor, mentee), by cohort (byte order) and response order.
    async fn adopted_pairs(
        &self,
        programme_id: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError>;

    /// Appends `decisions` (and one event each) in one transaction; returns
    /// them with their ids.
    async fn decide(
        &self,
        decisions: Vec<DecisionRecord>,
    ) -> Result<Vec<DecisionRecord>, StoreError>;

    /// A programme's decisions (one cohort's when `cohort` is not empty),
    /// oldest first.
    async fn decisions(
        &self,
        programme_id: &str,
        cohort: &str,
    ) -> Result<Vec<DecisionRecord>, StoreError>;

    /// Up to `limit` events of a programme after event `after`, oldest first.
    async fn events(
        &self,
        programme_id: &str,
        limit: u32,
        after: i64,
    ) -> Result<Vec<EventRecord>, StoreError>;

    /// The runs (of `programme_id`, or of every programme when empty)
    /// whose request or response bytes hold `needle`, oldest first.
    async fn runs_holding(
        &self,
        programme_id: &str,
        needle: &[u8],
    ) -> Result<Vec<String>, StoreError>;

    /// Rewrites run `run_id` with `scrub` in one transaction that holds the
    /// row's write lock from the read to the update (SQLite: `BEGIN
    /// IMMEDIATE`; PostgreSQL: `FOR UPDATE`); its programme when it changed.
    async fn rewrite(&self, run_id: &str, scrub: &Scrub<'_>) -> Result<Option<String>, StoreError>;

    /// Empties the reasons of the decisions naming `person_id` (of
    /// `programme_id`, or every programme when empty); how many per programme.
    async fn clear_reasons(
        &self,
        programme_id: &str,
        person_id: &str,
    ) -> Result<Vec<(String, u64)>, StoreError>;

    /// Appends an event that belongs to no run (an erasure).
    async fn append_event(
        &self,
        programme_id: &str,
        kind: &str,
        caller: &str,
        detail: &str,
    ) -> Result<(), StoreError>;

    /// Leaves no copy of rewritten or deleted rows in the database files
    /// (SQLite: the WAL is checkpointed and truncated; freed pages are
    /// zeroed as they are freed).
    async fn compact(&self) -> Result<(), StoreError>;

    /// Deletes a programme's runs, decisions and events, leaving one
    /// deletion event with the counts.
    async fn delete_programme(
        &self,
        programme_id: &str,
        caller: &str,
    ) -> Result<Counts, StoreError>;

    /// Deletes runs, decisions and events older than `before` (retention).
    async fn prune(&self, before: DateTime<Utc>) -> Result<Counts, StoreError>;
}
