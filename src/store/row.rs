//! The bottom of the store: its error type and the [`Columns`] view of a
//! row that lets one decoder serve both backends.

use chrono::{DateTime, NaiveDate, Utc};

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration could not be applied.
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored row could not be read back (a bug or a foreign writer).
    #[error("stored run {run_id}: {why}")]
    Corrupt {
        /// The run (or other row).
        run_id: String,
        /// What is wrong with it.
        why: String,
    },
}

/// A stored row's columns, whatever the backend's row type.
pub(super) trait Columns {
    /// A TEXT column.
    fn text(&self, name: &str) -> Result<String, sqlx::Error>;
    /// A floating-point column.
    fn real(&self, name: &str) -> Result<f64, sqlx::Error>;
    /// An integer column.
    fn int(&self, name: &str) -> Result<i64, sqlx::Error>;
    /// A boolean column.
    fn flag(&self, name: &str) -> Result<bool, sqlx::Error>;
    /// A nullable BLOB / BYTEA column.
    fn bytes(&self, name: &str) -> Result<Option<Vec<u8>>, sqlx::Error>;
    /// A time column (each backend keeps time its own way).
    fn time(&self, name: &str) -> Result<DateTime<Utc>, StoreError>;
    /// A date column.
    fn day(&self, name: &str) -> Result<NaiveDate, StoreError>;
}
