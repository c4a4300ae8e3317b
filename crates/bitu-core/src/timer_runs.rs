//! When each timer job (bitu-blocksync, bitu-expire) last ran and last succeeded, kept in
//! MariaDB so every host and every trigger (systemd timer, bitu-rq's scheduler, a person)
//! writes the same record, and metrics can alert on a job that stopped succeeding.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp, Unsigned};
use diesel_async::RunQueryDsl;

use crate::db::{self, DbPool};
use crate::error::Result;

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A systemd unit (its timer, or `systemctl start`).
    Systemd,
    /// bitu-rq's in-process scheduler.
    Scheduler,
    /// Someone at a shell.
    Manual,
}

impl Trigger {
    /// A systemd service when systemd gave us an invocation id, else a person.
    pub fn detect() -> Trigger {
        if std::env::var_os("INVOCATION_ID").is_some() {
            Trigger::Systemd
        } else {
            Trigger::Manual
        }
    }

    /// The word stored.
    pub fn name(self) -> &'static str {
        match self {
            Trigger::Systemd => "systemd",
            Trigger::Scheduler => "scheduler",
            Trigger::Manual => "manual",
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    /// The job did its work.
    Success,
    /// Another run held the job's lock, so this one did nothing (not a success, not a failure).
    Skipped,
    /// The job failed; the reason.
    Failure(String),
}

/// The record of one timer job.
#[derive(Debug, Clone, QueryableByName)]
pub struct TimerRun {
    /// Job name (`bitu-blocksync`, `bitu-expire`).
    #[diesel(sql_type = Text)]
    pub name: String,
    /// When the last run started.
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub last_started_at: Option<NaiveDateTime>,
    /// When a run last succeeded.
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub last_success_at: Option<NaiveDateTime>,
    /// When a run last failed.
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub last_failure_at: Option<NaiveDateTime>,
    /// How long the last finished run took.
    #[diesel(sql_type = Nullable<Unsigned<BigInt>>)]
    pub last_duration_ms: Option<u64>,
    /// Why the last failed run failed.
    #[diesel(sql_type = Nullable<Text>)]
    pub last_error: Option<String>,
    /// What started the last run.
    #[diesel(sql_type = Nullable<Text>)]
    pub last_trigger: Option<String>,
    /// Host of the last run.
    #[diesel(sql_type = Nullable<Text>)]
    pub last_host: Option<String>,
    /// Successful runs so far.
    #[diesel(sql_type = Unsigned<BigInt>)]
    pub successes: u64,
    /// Failed runs so far.
    #[diesel(sql_type = Unsigned<BigInt>)]
    pub failures: u64,
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_default()
}

/// Records that `name` started now.
pub async fn started(pool: &DbPool, name: &str, trigger: Trigger) -> Result<()> {
    let mut conn = db::conn(pool).await?;
    diesel::sql_query(
        "INSERT INTO timer_runs (name, last_started_at, last_trigger, last_host) \
         VALUES (?, NOW(3), ?, ?) ON DUPLICATE KEY UPDATE last_started_at = NOW(3), \
         last_trigger = VALUES(last_trigger), last_host = VALUES(last_host)",
    )
    .bind::<Text, _>(name)
    .bind::<Text, _>(trigger.name())
    .bind::<Text, _>(host())
    .execute(&mut conn)
    .await?;
    Ok(())
}

/// Records how the run of `name` that took `took` ended.
pub async fn finished(pool: &DbPool, name: &str, end: &RunEnd, took: Duration) -> Result<()> {
    if *end == RunEnd::Skipped {
        return Ok(());
    }
    let millis = i64::try_from(took.as_millis()).unwrap_or(i64::MAX);
    let mut conn = db::conn(pool).await?;
    match end {
        RunEnd::Skipped => {}
        RunEnd::Success => {
            diesel::sql_query(
                "UPDATE timer_runs SET last_success_at = NOW(3), last_duration_ms = ?, \
                 successes = successes + 1 WHERE name = ?",
            )
            .bind::<BigInt, _>(millis)
            .bind::<Text, _>(name)
            .execute(&mut conn)
            .await?;
        }
        RunEnd::Failure(reason) => {
            let reason: String = reason
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(1000)
                .collect();
            diesel::sql_query(
                "UPDATE timer_runs SET last_failure_at = NOW(3), last_duration_ms = ?, \
                 last_error = ?, failures = failures + 1 WHERE name = ?",
            )
            .bind::<BigInt, _>(millis)
            .bind::<Text, _>(reason)
            .bind::<Text, _>(name)
            .execute(&mut conn)
            .await?;
        }
    }
    Ok(())
}

/// Every job's record, by name.
pub async fn list(pool: &DbPool) -> Result<Vec<TimerRun>> {
    let mut conn = db::conn(pool).await?;
    Ok(diesel::sql_query(
        "SELECT name, last_started_at, last_success_at, last_failure_at, last_duration_ms, \
         last_error, last_trigger, last_host, successes, failures FROM timer_runs ORDER BY name",
    )
    .load(&mut conn)
    .await?)
}
