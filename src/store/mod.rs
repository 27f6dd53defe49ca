//! The run store: every `Solve`, `WhatIf` and `Validate` a server answers,
//! recorded as an immutable run (who asked, the request, the answer, the
//! engine version), with an append-only event log per programme.
//!
//! One small trait, [`Store`], with two backends, one file each:
//! - [`sqlite`]: an embedded SQLite file (WAL mode), the default;
//! - [`postgres`]: a PostgreSQL database that several replicas share.
//!
//! Migrations live in `migrations/{sqlite,postgres}/`, are compiled into
//! the binary and applied when a store is opened. Requests and responses
//! are stored as their protobuf encoding; this module turns records into
//! the API's [`Run`](crate::wire::pb::Run) (an edge type: nothing below `api` sees the store).

pub mod postgres;
mod run;
pub mod sqlite;

use std::sync::Arc;

pub use run::{now, Method, RunFilter, RunRecord, Store, StoreError, DEFAULT_PAGE, MAX_PAGE};

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
