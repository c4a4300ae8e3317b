//! The claim loop: take jobs while handler slots are free, run each under its kind's timeout,
//! settle it (done, retry later, failed), and stop cleanly when told to.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bitu_core::config::{QueueSettings, WorkerSettings};
use bitu_core::metrics::{JOB_DURATION, JOBS};
use bitu_core::queue::{
    Claimed, DecodeError, Failure, JobContext, Queue, QueueName, WorkerId, backoff, job_gave_up,
    run_job,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tracing::{error, info, warn};

/// Everything a running job needs.
pub struct Worker {
    /// This process.
    pub id: WorkerId,
    /// The queues.
    pub queue: Queue,
    /// What jobs run with.
    pub jobs: JobContext,
    /// `[queue]`.
    pub limits: QueueSettings,
    /// `[worker]`.
    pub settings: WorkerSettings,
    /// Queues consumed, in order of preference (rotated every claim for fairness).
    pub queues: Vec<QueueName>,
    /// Claims made, to rotate the queue order.
    pub turn: AtomicUsize,
}

/// How a run ended, for the log line.
enum Outcome {
    Done(Option<&'static str>),
    Retry(String, Duration),
    Failed(String),
    Gone,
}

/// Tries a queue bookkeeping step a few times through a short Redis hiccup; giving up is
/// safe (the job stays claimed and comes back through the reaper).
async fn settle<T, F, Fut>(what: &str, mut step: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bitu_core::Result<T>>,
{
    let mut delay = Duration::from_millis(100);
    for attempt in 1..=8 {
        match step().await {
            Ok(value) => return Some(value),
            Err(e) if attempt == 8 => {
                error!(error = %e, "cannot {what}; the job will be redelivered");
            }
            Err(_) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
    None
}

impl Worker {
    /// The queues in this claim's order of preference.
    fn order(&self) -> Vec<QueueName> {
        let mut order = self.queues.clone();
        let shift = self.turn.fetch_add(1, Ordering::Relaxed) % order.len().max(1);
        order.rotate_left(shift);
        order
    }

    /// Runs `claimed` in a handler slot, then, while the worker is not stopping, the jobs
    /// claimed together with each acknowledgement, until the queues are empty.
    async fn run_jobs(
        self: Arc<Self>,
        claimed: Claimed,
        _slot: OwnedSemaphorePermit,
        stop: watch::Receiver<bool>,
    ) {
        let mut next = Some(claimed);
        while let Some(claimed) = next.take() {
            next = self.run_job(claimed, &stop).await;
        }
    }

    /// Runs one job and logs it; returns the job claimed with its acknowledgement, if any.
    async fn run_job(&self, claimed: Claimed, stop: &watch::Receiver<bool>) -> Option<Claimed> {
        let started = Instant::now();
        let (kind, outcome, next) = self.attempt(&claimed, stop).await;
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (id, attempt, queue) = (&claimed.id.0, claimed.attempt, claimed.queue.name());
        let word = match &outcome {
            Outcome::Done(_) => "done",
            Outcome::Gone => "gone",
            Outcome::Retry(..) => "retry",
            Outcome::Failed(_) => "failed",
        };
        metrics::counter!(JOBS, "kind" => kind.clone(), "outcome" => word).increment(1);
        metrics::histogram!(JOB_DURATION, "kind" => kind.clone())
            .record(started.elapsed().as_secs_f64());
        match outcome {
            Outcome::Done(note) => info!(
                kind,
                id,
                attempt,
                queue,
                duration_ms,
                outcome = "done",
                note,
                "job finished"
            ),
            Outcome::Gone => info!(
                kind,
                id,
                attempt,
                queue,
                duration_ms,
                outcome = "gone",
                "job finished or dropped elsewhere; nothing to do"
            ),
            Outcome::Retry(error, delay) => warn!(
                kind,
                id,
                attempt,
                queue,
                duration_ms,
                outcome = "retry",
                retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error,
                "job failed; will retry"
            ),
            Outcome::Failed(error) => error!(
                kind,
                id,
                attempt,
                queue,
                duration_ms,
                outcome = "failed",
                error,
                "job failed for good"
            ),
        }
        next
    }

    /// Runs and settles one claimed job; returns its kind name, what happened, and the next
    /// job, claimed with a successful acknowledgement unless `stop` is set by then.
    async fn attempt(
        &self,
        claimed: &Claimed,
        stop: &watch::Receiver<bool>,
    ) -> (String, Outcome, Option<Claimed>) {
        let envelope = match &claimed.envelope {
            None => {
                settle("acknowledge the job", || {
                    self.queue.complete(&self.id, &claimed.id)
                })
                .await;
                return ("?".into(), Outcome::Gone, None);
            }
            Some(Err(reason)) => {
                let kind = match reason {
                    DecodeError::UnknownKind(kind) => kind.clone(),
                    DecodeError::BadArguments { kind, .. } => kind.clone(),
                    _ => "?".into(),
                };
                let outcome = self.fail(claimed, &kind, reason.to_string()).await;
                return (kind, outcome, None);
            }
            Some(Ok(envelope)) => envelope,
        };
        let kind = envelope.kind();
        let max_attempts = self.limits.max_attempts(kind);
        if claimed.attempt > max_attempts {
            let reason = format!(
                "gave up after {} attempt(s): the last was cut short (worker killed or stopped)",
                claimed.attempt - 1
            );
            let outcome = self.fail(claimed, kind.name(), reason).await;
            return (kind.to_string(), outcome, None);
        }
        let timeout = self.limits.timeout(kind);
        let result = match tokio::time::timeout(timeout, run_job(&self.jobs, envelope)).await {
            Ok(result) => result,
            Err(_) => Err(Failure::Retry(format!("timed out after {timeout:?}"))),
        };
        let mut next = None;
        let outcome = match result {
            Ok(note) => {
                if *stop.borrow() {
                    settle("acknowledge the job", || {
                        self.queue.complete(&self.id, &claimed.id)
                    })
                    .await;
                } else {
                    let queues = self.order();
                    next = settle("acknowledge the job", || {
                        self.queue
                            .complete_and_claim(&self.id, &claimed.id, &queues)
                    })
                    .await
                    .and_then(|(_, next)| next);
                }
                Outcome::Done(note)
            }
            Err(Failure::Permanent(reason)) => self.fail(claimed, kind.name(), reason).await,
            Err(Failure::Retry(reason)) if claimed.attempt >= max_attempts => {
                let reason = format!("gave up after {} attempt(s): {reason}", claimed.attempt);
                self.fail(claimed, kind.name(), reason).await
            }
            Err(Failure::Retry(reason)) => {
                let delay = backoff::delay(
                    claimed.attempt,
                    self.limits.backoff_base(kind),
                    self.limits.backoff_max,
                );
                settle("schedule the retry", || {
                    self.queue.retry_later(&self.id, envelope, delay)
                })
                .await;
                Outcome::Retry(reason, delay)
            }
        };
        (kind.to_string(), outcome, next)
    }

    async fn fail(&self, claimed: &Claimed, kind: &str, reason: String) -> Outcome {
        settle("move the job to the failed set", || {
            self.queue.fail(&self.id, claimed, kind, &reason)
        })
        .await;
        if let Some(Ok(envelope)) = &claimed.envelope {
            job_gave_up(&self.jobs, envelope, &reason).await;
        }
        Outcome::Failed(reason)
    }

    /// Claims and runs jobs until `stop` turns true, then lets running jobs finish within the
    /// grace and abandons the rest (the caller hands them back with `Queue::leave`).
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let concurrency = self.settings.concurrency;
        let slots = Arc::new(Semaphore::new(concurrency));
        let mut running = JoinSet::new();
        let mut redis_down = false;
        loop {
            while running.try_join_next().is_some() {}
            let first = tokio::select! {
                slot = slots.clone().acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_) => break,
                },
                _ = stop.wait_for(|stopped| *stopped) => break,
            };
            if *stop.borrow() {
                break;
            }
            let mut free = vec![first];
            while let Ok(slot) = slots.clone().try_acquire_owned() {
                free.push(slot);
            }
            let order = self.order();
            let pause = match self.queue.claim(&self.id, &order, free.len()).await {
                Ok(claimed) => {
                    if redis_down {
                        info!("claiming jobs again");
                        redis_down = false;
                    }
                    let idle = claimed.is_empty();
                    for job in claimed {
                        if let Some(slot) = free.pop() {
                            running.spawn(self.clone().run_jobs(job, slot, stop.clone()));
                        }
                    }
                    idle.then_some(self.settings.poll_interval)
                }
                Err(error) => {
                    if !redis_down {
                        warn!(%error, "cannot claim jobs; will keep trying");
                        redis_down = true;
                    }
                    Some(Duration::from_secs(1))
                }
            };
            drop(free);
            if let Some(pause) = pause {
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = stop.wait_for(|stopped| *stopped) => break,
                }
            }
        }
        self.drain(running).await;
    }

    async fn drain(&self, mut running: JoinSet<()>) {
        let grace = self.settings.shutdown_grace;
        if !running.is_empty() {
            info!(
                jobs = running.len(),
                ?grace,
                "stopped claiming; waiting for running jobs"
            );
        }
        let finished = tokio::time::timeout(grace, async {
            while running.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            warn!(jobs = running.len(), "grace over; abandoning running jobs");
            running.abort_all();
            while running.join_next().await.is_some() {}
        }
    }
}
