//! Deleting sign-ups older than `[signup] expire_after`, activated or not, which frees their
//! developer name, shell username and address. Deletes in batches, so the table is never
//! locked for long, under a named lock, so two runs cannot overlap.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use tracing::info;

use crate::clock::Clock;
use crate::db::schema::signups;
use crate::db::{self, DbPool, lock};
use crate::error::Result;

/// Rows deleted per statement.
pub const BATCH: i64 = 10_000;
/// Name of the lock a run holds.
pub const LOCK: &str = "bitu-expire";

/// A sign-up that is (or would be) deleted.
#[derive(Debug, Clone, Queryable)]
pub struct Expired {
    /// Row id.
    pub id: u64,
    /// Shell username it held.
    pub uid: String,
    /// When it was made.
    pub created_at: NaiveDateTime,
}

/// What to delete.
#[derive(Debug, Clone)]
pub struct ExpireRequest {
    /// Sign-ups older than this go.
    pub older_than: Duration,
    /// Only this shell username's sign-up (regardless of age).
    pub uid: Option<String>,
    /// List only.
    pub dry_run: bool,
}

/// Outcome of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpireOutcome {
    /// Another run holds the lock; nothing was done.
    AlreadyRunning,
    /// This many sign-ups were deleted (or would be, in a dry run).
    Done(usize),
}

/// Sign-ups made before this moment are expired at `now`.
pub fn cutoff(now: NaiveDateTime, older_than: Duration) -> NaiveDateTime {
    let age = TimeDelta::from_std(older_than).unwrap_or(TimeDelta::MAX);
    now.checked_sub_signed(age).unwrap_or(NaiveDateTime::MIN)
}

/// Runs one expiry as of `clock`'s now; `listed` receives each sign-up of a dry run or a
/// `uid` deletion.
pub async fn run(
    pool: &DbPool,
    clock: &impl Clock,
    request: &ExpireRequest,
    mut listed: impl FnMut(&Expired),
) -> Result<ExpireOutcome> {
    let mut conn = db::conn(pool).await?;
    if !lock::acquire(&mut conn, LOCK, Duration::ZERO).await? {
        return Ok(ExpireOutcome::AlreadyRunning);
    }
    let cutoff = cutoff(clock.now_naive(), request.older_than);
    let outcome: Result<usize> = async {
        if request.dry_run || request.uid.is_some() {
            let mut query = signups::table
                .select((signups::id, signups::uid, signups::created_at))
                .into_boxed();
            query = match &request.uid {
                Some(uid) => query.filter(signups::uid.eq(uid.clone())),
                None => query.filter(signups::created_at.lt(cutoff)),
            };
            let rows: Vec<Expired> = query.order(signups::id).load(&mut conn).await?;
            rows.iter().for_each(&mut listed);
            if request.dry_run {
                return Ok(rows.len());
            }
            let ids: Vec<u64> = rows.iter().map(|r| r.id).collect();
            return Ok(
                diesel::delete(signups::table.filter(signups::id.eq_any(ids)))
                    .execute(&mut conn)
                    .await?,
            );
        }
        let mut total = 0;
        loop {
            let ids: Vec<u64> = signups::table
                .filter(signups::created_at.lt(cutoff))
                .select(signups::id)
                .order(signups::id)
                .limit(BATCH)
                .load(&mut conn)
                .await?;
            if ids.is_empty() {
                break;
            }
            total += diesel::delete(signups::table.filter(signups::id.eq_any(ids)))
                .execute(&mut conn)
                .await?;
        }
        Ok(total)
    }
    .await;
    lock::release(&mut conn, LOCK).await?;
    let count = outcome?;
    info!(count, dry_run = request.dry_run, "expired sign-ups");
    Ok(ExpireOutcome::Done(count))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::clock::FixedClock;

    #[test]
    fn the_cutoff_follows_the_clock_and_survives_absurd_ages() {
        let clock = FixedClock::at(Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap());
        let five_days = Duration::from_secs(5 * 24 * 3600);
        let made = clock.now_naive();
        assert!(
            made >= cutoff(clock.now_naive(), five_days),
            "fresh sign-ups stay"
        );
        clock.advance(TimeDelta::days(5) + TimeDelta::seconds(1));
        assert!(made < cutoff(clock.now_naive(), five_days), "old ones go");
        assert_eq!(
            cutoff(clock.now_naive(), Duration::MAX),
            NaiveDateTime::MIN,
            "an age beyond the calendar expires nothing rather than overflowing"
        );
    }
}
