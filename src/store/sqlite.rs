//! The embedded backend: one SQLite file in WAL mode (readers never wait
//! for the writer), created with its directory when missing. Freed pages
//! are zeroed (`secure_delete`) and an erasure truncates the WAL, so that
//! erased data leaves no copy in the files.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow};
use sqlx::{Row, SqlitePool};

use super::contract::{Counts, RunFilter, Scrub, Store};
use super::decision::{decision_from_row, event_from_row, DecisionRecord, EventRecord};
use super::row::{Columns, StoreError};
use super::run::{from_row, RunRecord};

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
            .foreign_keys(true)
            .pragma("secure_delete", "ON");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    /// Copies the WAL into the database file and empties it, retrying while
    /// readers hold it (up to about 5 s).
    async fn checkpoint(&self) -> Result<(), StoreError> {
        for _ in 0..50 {
            let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&self.pool)
                .await?;
            if busy == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(StoreError::Corrupt {
            run_id: "the write-ahead log".into(),
            why: "still in use after 5 s: it was not emptied; try again".into(),
        })
    }
}

fn time_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn corrupt(name: &str, text: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        run_id: format!("column {name}"),
        why: format!("{text:?}: {e}"),
    }
}

impl Columns for SqliteRow {
    fn text(&self, name: &str) -> Result<String, sqlx::Error> {
        self.try_get(name)
    }

    fn real(&self, name: &str) -> Result<f64, sqlx::Error> {
        self.try_get(name)
    }

    fn int(&self, name: &str) -> Result<i64, sqlx::Error> {
        self.try_get(name)
    }

    fn flag(&self, name: &str) -> Result<bool, sqlx::Error> {
        Ok(self.try_get::<i64, _>(name)? != 0)
    }

    fn bytes(&self, name: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
        self.try_get(name)
    }

    fn time(&self, name: &str) -> Result<DateTime<Utc>, StoreError> {
        let text: String = self.try_get(name)?;
        let t = DateTime::parse_from_rfc3339(&text).map_err(|e| corrupt(name, &text, e))?;
        Ok(t.with_timezone(&Utc))
    }

    fn day(&self, name: &str) -> Result<NaiveDate, StoreError> {
        let text: String = self.try_get(name)?;
        NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|e| corrupt(name, &text, e))
    }
}

/// An adoption's pairs into `matching_pairs` (nothing for other runs).
async fn insert_pairs(tx: &mut sqlx::SqliteConnection, run: &RunRecord) -> Result<(), StoreError> {
    for (k, (m, e)) in run.adopted_pairs()?.iter().enumerate() {
        sqlx::query(
            "INSERT INTO matching_pairs (run_id, programme_id, cohort, position, mentor_id, \
             mentee_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(&run.run_id)
        .bind(&run.programme_id)
        .bind(&run.cohort)
        .bind(k as i64)
        .bind(m)
        .bind(e)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

async fn event(
    tx: &mut sqlx::SqliteConnection,
    programme_id: &str,
    at: &DateTime<Utc>,
    kind: &str,
    run_id: Option<&str>,
    caller: &str,
    detail: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO events (programme_id, at, kind, run_id, caller, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(programme_id)
    .bind(time_text(at))
    .bind(kind)
    .bind(run_id)
    .bind(caller)
    .bind(detail)
    .execute(tx)
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn record(&self, run: &RunRecord) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO runs (run_id, method, programme_id, cohort, created_at, caller, \
             request_sha256, status, error, engine_version, elapsed_ms, request, response, \
             adopted_run_id, adopted_scenario) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
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
        .bind(&run.adopted_run_id)
        .bind(&run.adopted_scenario)
        .execute(&mut *tx)
        .await?;
        insert_pairs(&mut tx, run).await?;
        let (kind, detail) = run.event();
        let (p, at, id) = (&run.programme_id, &run.created_at, &run.run_id);
        event(&mut tx, p, at, kind, Some(id), &run.caller, &detail).await?;
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

    async fn head(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT run_id, method, programme_id, cohort, created_at, caller, request_sha256, \
             status, error, engine_version, elapsed_ms, adopted_run_id, adopted_scenario \
             FROM runs WHERE run_id = ?1",
        )
        .bind(run_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| from_row(&r, false)).transpose()
    }

    async fn list(
        &self,
        filter: &RunFilter,
        limit: u32,
        before: Option<&str>,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT run_id, method, programme_id, cohort, created_at, caller, request_sha256, \
             status, error, engine_version, elapsed_ms, adopted_run_id, adopted_scenario \
             FROM runs WHERE (?1 = '' OR programme_id = ?1) AND (?2 = '' OR cohort = ?2) \
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

    async fn adopted(
        &self,
        programme_id: &str,
        cohort: Option<&str>,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM runs r WHERE programme_id = ?1 AND method = 'Adopt' \
             AND (?2 IS NULL OR cohort = ?2) AND run_id = (SELECT max(run_id) FROM runs \
             WHERE programme_id = r.programme_id AND method = 'Adopt' AND cohort = r.cohort) \
             ORDER BY cohort",
        )
        .bind(programme_id)
        .bind(cohort)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| from_row(r, true)).collect()
    }

    async fn adopted_pairs(
        &self,
        programme_id: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT p.cohort, p.mentor_id, p.mentee_id FROM matching_pairs p \
             WHERE p.programme_id = ?1 AND p.run_id = (SELECT max(run_id) FROM runs \
             WHERE programme_id = p.programme_id AND method = 'Adopt' AND cohort = p.cohort) \
             ORDER BY p.cohort, p.position",
        )
        .bind(programme_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn decide(
        &self,
        mut decisions: Vec<DecisionRecord>,
    ) -> Result<Vec<DecisionRecord>, StoreError> {
        let mut tx = self.pool.begin().await?;
        for d in &mut decisions {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO decisions (programme_id, cohort, run_id, mentor_id, mentee_id, \
                 membership, kind, reason, decided_on, recorded_at, caller) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING decision_id",
            )
            .bind(&d.programme_id)
            .bind(&d.cohort)
            .bind(&d.run_id)
            .bind(&d.mentor_id)
            .bind(&d.mentee_id)
            .bind(i64::from(d.membership))
            .bind(d.kind.name())
            .bind(&d.reason)
            .bind(d.decided_on.to_string())
            .bind(time_text(&d.recorded_at))
            .bind(&d.caller)
            .fetch_one(&mut *tx)
            .await?;
            d.decision_id = id;
            let (p, at, run) = (&d.programme_id, &d.recorded_at, &d.run_id);
            event(
                &mut tx,
                p,
                at,
                "decision",
                Some(run),
                &d.caller,
                &d.detail(),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(decisions)
    }

    async fn decisions(
        &self,
        programme_id: &str,
        cohort: &str,
    ) -> Result<Vec<DecisionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM decisions WHERE programme_id = ?1 AND (?2 = '' OR cohort = ?2) \
             ORDER BY decision_id",
        )
        .bind(programme_id)
        .bind(cohort)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decision_from_row).collect()
    }

    async fn events(
        &self,
        programme_id: &str,
        limit: u32,
        after: i64,
    ) -> Result<Vec<EventRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT event_id, programme_id, at, kind, COALESCE(run_id, '') AS run_id, caller, \
             detail FROM events WHERE programme_id = ?1 AND event_id > ?2 \
             ORDER BY event_id LIMIT ?3",
        )
        .bind(programme_id)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    async fn runs_holding(
        &self,
        programme_id: &str,
        needle: &[u8],
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT run_id FROM runs WHERE (?1 = '' OR programme_id = ?1) \
             AND (instr(request, ?2) > 0 OR instr(COALESCE(response, x''), ?2) > 0) \
             ORDER BY run_id",
        )
        .bind(programme_id)
        .bind(needle)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn rewrite(&self, run_id: &str, scrub: &Scrub<'_>) -> Result<Option<String>, StoreError> {
        // The write lock first, so that no writer commits between the read
        // and the update.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let row = sqlx::query("SELECT * FROM runs WHERE run_id = ?1")
            .bind(run_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(mut run) = row.map(|r| from_row(&r, true)).transpose()? else {
            return Ok(None);
        };
        if !scrub(&mut run)? {
            return Ok(None);
        }
        sqlx::query(
            "UPDATE runs SET request = ?1, response = ?2, request_sha256 = ?3, \
             error = ?4 WHERE run_id = ?5",
        )
        .bind(&run.request)
        .bind((!run.response.is_empty()).then_some(&run.response))
        .bind(&run.request_sha256)
        .bind(&run.error)
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(run.programme_id))
    }

    async fn clear_reasons(
        &self,
        programme_id: &str,
        person_id: &str,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        let cleared: Vec<String> = sqlx::query_scalar(
            "UPDATE decisions SET reason = '' WHERE (?1 = '' OR programme_id = ?1) \
             AND (mentor_id = ?2 OR mentee_id = ?2) AND reason <> '' \
             RETURNING programme_id",
        )
        .bind(programme_id)
        .bind(person_id)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = std::collections::BTreeMap::<String, u64>::new();
        for p in cleared {
            *counts.entry(p).or_default() += 1;
        }
        Ok(counts.into_iter().collect())
    }

    async fn append_event(
        &self,
        programme_id: &str,
        kind: &str,
        caller: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        let at = super::now();
        event(&mut conn, programme_id, &at, kind, None, caller, detail).await
    }

    async fn compact(&self) -> Result<(), StoreError> {
        self.checkpoint().await
    }

    async fn delete_programme(
        &self,
        programme_id: &str,
        caller: &str,
    ) -> Result<Counts, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut counts = Counts::default();
        for (table, slot) in [
            ("runs", &mut counts.runs),
            ("decisions", &mut counts.decisions),
            ("events", &mut counts.events),
            ("matching_pairs", &mut 0),
        ] {
            let done = sqlx::query(&format!("DELETE FROM {table} WHERE programme_id = ?1"))
                .bind(programme_id)
                .execute(&mut *tx)
                .await?;
            *slot = done.rows_affected();
        }
        let detail = format!(
            "deleted {} run(s), {} decision(s), {} event(s)",
            counts.runs, counts.decisions, counts.events
        );
        event(
            &mut tx,
            programme_id,
            &super::now(),
            "deletion",
            None,
            caller,
            &detail,
        )
        .await?;
        tx.commit().await?;
        self.checkpoint().await?;
        Ok(counts)
    }

    async fn prune(&self, before: DateTime<Utc>) -> Result<Counts, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut counts = Counts::default();
        let t = time_text(&before);
        for (sql, slot) in [
            ("DELETE FROM runs WHERE created_at < ?1", &mut counts.runs),
            (
                "DELETE FROM decisions WHERE recorded_at < ?1",
                &mut counts.decisions,
            ),
            ("DELETE FROM events WHERE at < ?1", &mut counts.events),
        ] {
            *slot = sqlx::query(sql)
                .bind(&t)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        sqlx::query("DELETE FROM matching_pairs WHERE run_id NOT IN (SELECT run_id FROM runs)")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if counts != Counts::default() {
            self.checkpoint().await?;
        }
        Ok(counts)
    }
}
