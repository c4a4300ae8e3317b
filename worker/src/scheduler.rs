//! `[scheduler]`: the timer jobs (block list import, sign-up expiry) run inside bitu-rq, for
//! hosts without systemd timers. Each run takes the same named lock as the one-shot binary,
//! so a scheduled run, a timer run and a run by hand never work at the same time.

use std::sync::Arc;

use bitu_core::Settings;
use bitu_core::blocklist::ImportOptions;
use bitu_core::db::DbPool;
use bitu_core::timer_runs::Trigger;
use bitu_timers::jobs::{self, BLOCKSYNC, EXPIRE, Ran};
use tokio_cron_scheduler::{Job, JobScheduler};
use tracing::{error, info};

fn logged(name: &str, outcome: Result<Ran, String>) {
    match outcome {
        Ok(Ran::Done) => info!(job = name, "scheduled run finished"),
        Ok(Ran::Skipped) => info!(job = name, "another run holds the lock; skipped"),
        Err(reason) => error!(job = name, %reason, "scheduled run failed"),
    }
}

/// Starts the scheduler when `[scheduler] enabled`; `None` when it is off. Fails on a
/// schedule that does not parse.
pub async fn start(settings: &Settings, db: &DbPool) -> Result<Option<JobScheduler>, String> {
    let config = &settings.scheduler;
    if !config.enabled {
        return Ok(None);
    }
    let scheduler = JobScheduler::new()
        .await
        .map_err(|e| format!("cannot start the scheduler: {e}"))?;
    let shared = Arc::new(settings.clone());
    if !config.blocksync.is_empty() {
        let (settings, db) = (shared.clone(), db.clone());
        let job = Job::new_async(config.blocksync.as_str(), move |_, _| {
            let (settings, db) = (settings.clone(), db.clone());
            Box::pin(async move {
                let options = ImportOptions::default();
                let run = jobs::blocksync(&settings, &db, &options, |report| {
                    info!(report = %report.trim_end(), "block list import");
                });
                logged(
                    BLOCKSYNC,
                    jobs::recorded(&db, BLOCKSYNC, Trigger::Scheduler, run).await,
                );
            })
        })
        .map_err(|e| format!("scheduler.blocksync {:?}: {e}", config.blocksync))?;
        add(&scheduler, job).await?;
    }
    if !config.expire.is_empty() {
        let (settings, db) = (shared.clone(), db.clone());
        let job = Job::new_async(config.expire.as_str(), move |_, _| {
            let (settings, db) = (settings.clone(), db.clone());
            Box::pin(async move {
                let request = jobs::scheduled_expire(&settings);
                let run = jobs::expire(
                    &db,
                    &request,
                    settings.audit.retention,
                    settings.oidc.flow_lifetime,
                    |_| {},
                );
                logged(
                    EXPIRE,
                    jobs::recorded(&db, EXPIRE, Trigger::Scheduler, run).await,
                );
            })
        })
        .map_err(|e| format!("scheduler.expire {:?}: {e}", config.expire))?;
        add(&scheduler, job).await?;
    }
    scheduler
        .start()
        .await
        .map_err(|e| format!("cannot start the scheduler: {e}"))?;
    info!(
        blocksync = %config.blocksync,
        expire = %config.expire,
        "timer jobs scheduled in bitu-rq (UTC)"
    );
    Ok(Some(scheduler))
}

async fn add(scheduler: &JobScheduler, job: Job) -> Result<(), String> {
    scheduler
        .add(job)
        .await
        .map(|_| ())
        .map_err(|e| format!("cannot schedule a job: {e}"))
}
