//! The timer jobs themselves, shared by their one-shot binaries and bitu-rq's scheduler, and
//! the run record every run leaves in the database.

use std::future::Future;
use std::time::{Duration, Instant};

use bitu_core::Settings;
use bitu_core::audit;
use bitu_core::blocklist::{ImportOptions, run_import};
use bitu_core::clock::SystemClock;
use bitu_core::db::DbPool;
use bitu_core::directory::Directory;
use bitu_core::names::NameRules;
use bitu_core::names::backfill::backfill;
use bitu_core::signup::captcha;
use bitu_core::signup::expire::{self, ExpireOutcome, ExpireRequest, Expired};
use bitu_core::timer_runs::{self, RunEnd, Trigger};
use tracing::{info, warn};

/// Name (and lock name) of the block list import.
pub const BLOCKSYNC: &str = "bitu-blocksync";
/// Name (and lock name) of sign-up expiry.
pub const EXPIRE: &str = "bitu-expire";

/// How a run that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ran {
    /// The work was done.
    Done,
    /// Another run held the lock; that run does the work.
    Skipped,
}

/// Runs `job` and records its start and end under `name` (failures to record are logged:
/// the job's own outcome decides the exit code).
pub async fn recorded<Fut>(
    db: &DbPool,
    name: &str,
    trigger: Trigger,
    job: Fut,
) -> Result<Ran, String>
where
    Fut: Future<Output = Result<Ran, String>>,
{
    if let Err(error) = timer_runs::started(db, name, trigger).await {
        warn!(%error, job = name, "cannot record the start of the run");
    }
    let started = Instant::now();
    let outcome = job.await;
    let end = match &outcome {
        Ok(Ran::Done) => RunEnd::Success,
        Ok(Ran::Skipped) => RunEnd::Skipped,
        Err(reason) => RunEnd::Failure(reason.clone()),
    };
    if let Err(error) = timer_runs::finished(db, name, &end, started.elapsed()).await {
        warn!(%error, job = name, "cannot record the end of the run");
    }
    outcome
}

/// Imports the block lists; `report` receives the per-source summary (stdout for the binary,
/// the log for the scheduler). Fails when a source failed (its entries are kept).
pub async fn blocksync(
    settings: &Settings,
    db: &DbPool,
    options: &ImportOptions,
    mut report: impl FnMut(&str),
) -> Result<Ran, String> {
    let outcome = run_import(settings, db, options)
        .await
        .map_err(|e| e.to_string())?;
    report(&outcome.report);
    if outcome.locked_out {
        return Ok(Ran::Skipped);
    }
    // A regular run also indexes names of entries made outside Bitu, for the look-alike check.
    if !options.dry_run && options.only.is_empty() {
        let directory = Directory::new(settings.ldap.clone()).map_err(|e| e.to_string())?;
        let rules = NameRules::new(&settings.names);
        let done = backfill(&directory, db, &rules, |_| {})
            .await
            .map_err(|e| format!("indexing developer names failed: {e}"))?;
        report(&format!(
            "names: {} read, {} skeletons added\n",
            done.read, done.added
        ));
    }
    match outcome.failed.as_slice() {
        [] => Ok(Ran::Done),
        failed => Err(format!(
            "{} source(s) failed, their entries are kept: {}",
            failed.len(),
            failed
                .iter()
                .map(|(name, _)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Deletes expired sign-ups (and, unless listing only, expired captchas, audit rows older
/// than `audit_retention` and sign-in or linking flows older than `flow_lifetime`);
/// `listed` receives each sign-up of a dry run or a `uid` deletion.
pub async fn expire(
    db: &DbPool,
    request: &ExpireRequest,
    audit_retention: Duration,
    flow_lifetime: Duration,
    listed: impl FnMut(&Expired),
) -> Result<Ran, String> {
    let outcome = expire::run(db, &SystemClock, request, listed)
        .await
        .map_err(|e| e.to_string())?;
    match outcome {
        ExpireOutcome::AlreadyRunning => {
            info!("another bitu-expire holds the lock; leaving the work to it");
            Ok(Ran::Skipped)
        }
        ExpireOutcome::Done(count) => {
            if !request.dry_run {
                let captchas = captcha::purge_expired(db)
                    .await
                    .map_err(|e| e.to_string())?;
                let audit_rows =
                    audit::retention::purge(db, audit_retention, audit::retention::BATCH)
                        .await
                        .map_err(|e| e.to_string())?;
                let flows = bitu_core::sso::flows::purge_expired(db, flow_lifetime)
                    .await
                    .map_err(|e| e.to_string())?;
                info!(
                    signups = count,
                    captchas, audit_rows, flows, "expired entries deleted"
                );
            }
            Ok(Ran::Done)
        }
    }
}

/// The expiry every scheduled run does: sign-ups older than `[signup] expire_after`.
pub fn scheduled_expire(settings: &Settings) -> ExpireRequest {
    ExpireRequest {
        older_than: settings.signup.expire_after,
        uid: None,
        dry_run: false,
    }
}
