//! The run store: every `Solve`, `WhatIf` and `Validate` a server answers,
//! recorded as an immutable run (who asked, the request, the answer, the
//! engine version); adoptions (runs too), decisions, and an append-only
//! event log per programme.
//!
//! One small trait, [`Store`] (in `contract`), with two backends, one file
//! each:
//! - [`sqlite`]: an embedded SQLite file (WAL mode), the default;
//! - [`postgres`]: a PostgreSQL database that several replicas share.
//!
//! Beside them: `row` (errors, a row's columns), `run` and `decision`
//! (rows and their API views), `memory`
//! (a programme's history for a new solve) and `erase` (a person's data
//! removed from stored requests and responses).
//!
//! Migrations live in `migrations/{sqlite,postgres}/`, are compiled into
//! the binary and applied when a store is opened. Requests and responses
//! are stored as their protobuf encoding; this module turns records into
//! the API's [`Run`](crate::wire::pb::Run) (an edge type: nothing below `api` sees the store).

mod contract;
mod decision;
pub mod erase;
pub mod memory;
pub mod postgres;
mod row;
mod run;
pub mod sqlite;

use std::sync::Arc;

pub use contract::{Counts, RunFilter, Scrub, Store, DEFAULT_PAGE, MAX_PAGE};
pub use decision::{DecisionKind, DecisionRecord, EventRecord};
pub use row::StoreError;
pub use run::{hex_sha256, now, Method, RunRecord};

/// Opens (creating and migrating as needed) the store at `url`: a
/// `postgres://` or `postgresql://` URL, else the path of a SQLite file.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::open(url).await?))
    } else {
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        Ok(Arc::new(sqlite::SqliteStore::open(path).await?))
    }
}
