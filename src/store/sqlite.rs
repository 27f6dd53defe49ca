//! The embedded backend: one SQLite file in WAL mode (readers never wait
//! for the writer), created with its directory when missing.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{Row, SqlitePool};

use super::run::{method_of, RunFilter, RunRecord, Store, StoreError};

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

fn from_row(row: &SqliteRow, bodies: bool) -> Result<RunRecord, StoreError> {
    let run_id: String = row.try_get("run_id")?;
    let created: String = row.try_get("created_at")?;
    let created_at = DateTime::parse_from_rfc3339(&created)
        .map_err(|e| StoreError::Corrupt {
            run_id: run_id.clone(),
            why: format!("created_at {created:?}: {e}"),
        })?
        .with_timezone(&Utc);
    let method: String = row.try_get("method")?;
    Ok(RunRecord {
        method: method_of(&run_id, &method)?,
        programme_id: row.try_get("programme_id")?,
        cohort: row.try_get("cohort")?,
        created_at,
        caller: row.try_get("caller")?,
        request_sha256: row.try_get("request_sha256")?,
        status: row.try_get("status")?,
        error: row.try_get("error")?,
        engine_version: row.try_get("engine_version")?,
        elapsed_ms: row.try_get("elapsed_ms")?,
        request: if bodies {
            row.try_get("request")?
        } else {
            Vec::new()
        },
        response: if bodies {
            row.try_get::<Option<Vec<u8>>, _>("response")?
                .unwrap_or_default()
        } else {
            Vec::new()
        },
        run_id,
    })
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
