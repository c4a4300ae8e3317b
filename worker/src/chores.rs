//! Background loops of a worker: heartbeat, housekeeping (retries due, dead workers' jobs,
//! old done markers) and the outbox relay. Failures are logged once per outage.

use std::time::Duration;

use bitu_core::db::DbPool;
use bitu_core::queue::{Queue, WorkerId, outbox};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

/// Logs the first failure of a run of failures, and the recovery, but not every repeat.
struct Outage {
    chore: &'static str,
    down: bool,
}

impl Outage {
    fn new(chore: &'static str) -> Outage {
        Outage { chore, down: false }
    }

    fn report<T>(&mut self, result: bitu_core::Result<T>) -> Option<T> {
        match result {
            Ok(value) => {
                if self.down {
                    info!(chore = self.chore, "works again");
                    self.down = false;
                }
                Some(value)
            }
            Err(error) => {
                if !self.down {
                    warn!(chore = self.chore, %error, "failed; will keep trying");
                    self.down = true;
                }
                None
            }
        }
    }
}

/// Sleeps `period`; `true` when `stop` turned true meanwhile.
async fn pause(period: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    let stopped = tokio::select! {
        _ = tokio::time::sleep(period) => false,
        _ = stop.wait_for(|stopped| *stopped) => true,
    };
    stopped || *stop.borrow()
}

/// Says the worker is alive every `interval`; it counts as dead after three missed beats.
pub fn heartbeat(
    queue: Queue,
    worker: WorkerId,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut outage = Outage::new("heartbeat");
        loop {
            outage.report(queue.heartbeat(&worker, interval * 3).await);
            if pause(interval, &mut stop).await {
                return;
            }
        }
    })
}

/// Every `period`: due retries back to their queues, dead workers' jobs back too, and done
/// markers past `[queue] remember_done` forgotten.
pub fn housekeeping(
    queue: Queue,
    period: Duration,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut outage = Outage::new("housekeeping");
        loop {
            let round = async {
                let promoted = queue.promote_due().await?;
                let reaped = queue.reap().await?;
                let trimmed = queue.trim_done().await?;
                bitu_core::Result::Ok((promoted, reaped, trimmed))
            };
            if let Some((promoted, reaped, trimmed)) = outage.report(round.await)
                && promoted + reaped + trimmed > 0
            {
                debug!(promoted, reaped, trimmed, "housekeeping");
            }
            if pause(period, &mut stop).await {
                return;
            }
        }
    })
}

/// Every `period`: pushes outbox rows to Redis.
pub fn relay(
    db: DbPool,
    queue: Queue,
    period: Duration,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut outage = Outage::new("outbox relay");
        loop {
            outage.report(outbox::relay(&db, &queue).await);
            if pause(period, &mut stop).await {
                return;
            }
        }
    })
}
