//! Deleting audit rows past `[audit] retention`, in short batches so the table (which every
//! change writes to) is never locked for long. bitu-expire runs it after its sign-up expiry;
//! two runs at once are harmless (each batch deletes only what is still there).

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::schema::audit_log;
use crate::db::{self, DbPool};
use crate::error::Result;

/// Rows deleted per statement.
pub const BATCH: i64 = 1_000;

/// The oldest time a row may have and stay, `retention` before now.
pub fn cutoff(retention: Duration) -> NaiveDateTime {
    Utc::now().naive_utc()
        - TimeDelta::seconds(i64::try_from(retention.as_secs()).unwrap_or(i64::MAX))
}

/// Deletes rows older than `retention`, `batch` at a time (each its own statement); returns
/// how many went.
pub async fn purge(pool: &DbPool, retention: Duration, batch: i64) -> Result<usize> {
    let cutoff = cutoff(retention);
    let mut conn = db::conn(pool).await?;
    let mut total = 0;
    loop {
        let ids: Vec<u64> = audit_log::table
            .filter(audit_log::at.lt(cutoff))
            .select(audit_log::id)
            .order(audit_log::id)
            .limit(batch.max(1))
            .load(&mut conn)
            .await?;
        if ids.is_empty() {
            break;
        }
        total += diesel::delete(audit_log::table.filter(audit_log::id.eq_any(ids)))
            .execute(&mut conn)
            .await?;
    }
    Ok(total)
}
