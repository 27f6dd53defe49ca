//! The embedded backend: one SQLite file in WAL mode (readers never wait
//! for the writer), created with its directory when missing.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{Row, SqlitePool};

use super::run::{from_row, Columns, RunFilter, RunRecord, Store, StoreError};

/// Runs in a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens the file at `path` (creating it and its directory) and applies
    /// the migrations.
    pub async fn open(path: &str) -> Result<Self, StoreError> {
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(e.into()))?;
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }
}

fn time_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl Columns for SqliteRow {
    fn text(&self, name: &str) -> Result<String, sqlx::Error> {
        self.try_get(name)
    }

    fn real(&self, name: &str) -> Result<f64, sqlx::Error> {
        self.try_get(name)
    }

    fn bytes(&self, name: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
        self.try_get(name)
    }

    fn created_at(&self, run_id: &str) -> Result<DateTime<Utc>, StoreError> {
        let text: String = self.try_get("created_at")?;
        let t = DateTime::parse_from_rfc3339(&text).map_err(|e| StoreError::Corrupt {
            run_id: run_id.to_string(),
            why: format!("created_at {text:?}: {e}"),
        })?;
        Ok(t.with_timezone(&Utc))
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn record(&self, run: &RunRecord) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO runs (run_id, method, programme_id, cohort, created_at, caller, \
             request_sha256, status, error, engine_version, elapsed_ms, request, response) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )
        .bind(&run.run_id)
        .bind(run.method.name())
        .bind(&run.programme_id)
        .bind(&run.cohort)
        .bind(time_text(&run.created_at))
        .bind(&run.caller)
        .bind(&run.request_sha256)
        .bind(&run.status)
        .bind(&run.error)
        .bind(&run.engine_version)
        .bind(run.elapsed_ms)
        .bind(&run.request)
        .bind((!run.response.is_empty()).then_some(&run.response))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO events (programme_id, at, kind, run_id, caller, detail) \
             VALUES (?1, ?2, 'run', ?3, ?4, ?5)",
        )
        .bind(&run.programme_id)
        .bind(time_text(&run.created_at))
        .bind(&run.run_id)
        .bind(&run.caller)
        .bind(format!("{} {}", run.method.name(), run.status))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM runs WHERE run_id = ?1")
            .bind(run_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| from_row(&r, true)).transpose()
    }

    async fn list(
        &self,
        filter: &RunFilter,
        limit: u32,
        before: Option<&str>,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT run_id, method, programme_id, cohort, created_at, caller, request_sha256, \
             status, error, engine_version, elapsed_ms FROM runs \
             WHERE (?1 = '' OR programme_id = ?1) AND (?2 = '' OR cohort = ?2) \
             AND (?3 IS NULL OR run_id < ?3) ORDER BY run_id DESC LIMIT ?4",
        )
        .bind(&filter.programme_id)
        .bind(&filter.cohort)
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| from_row(r, false)).collect()
    }
}
