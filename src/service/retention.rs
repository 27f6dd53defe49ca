//! Retention: runs, decisions and events older than the configured number
//! of days are deleted when the server starts and every hour after, until
//! it stops. Replicas sharing a database may all prune: deletes are
//! idempotent.

use std::sync::Arc;
use std::time::Duration;

use crate::store::{Counts, Store};

/// How often a server prunes.
const EVERY: Duration = Duration::from_secs(3600);

/// Deletes what is older than `days` now; the counts.
pub async fn prune_once(store: &dyn Store, days: u32) -> Result<Counts, crate::store::StoreError> {
    let Some(before) =
        crate::store::now().checked_sub_signed(chrono::Duration::days(i64::from(days)))
    else {
        return Ok(Counts::default()); // before the calendar: nothing is that old
    };
    let counts = store.prune(before).await?;
    if counts != Counts::default() {
        tracing::info!(
            days,
            runs = counts.runs,
            decisions = counts.decisions,
            events = counts.events,
            "retention: pruned"
        );
    }
    Ok(counts)
}

/// Prunes now and every hour, as a background task (aborted on drop of
/// the handle's owner at shutdown).
pub(super) fn spawn(store: Arc<dyn Store>, days: u32) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = prune_once(store.as_ref(), days).await {
                tracing::error!(error = %e, "retention: pruning failed; retrying in an hour");
            }
        }
    })
}
