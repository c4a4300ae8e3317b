//! What a worker does with the queues: claim jobs into its processing list, then complete,
//! retry or fail each one, and say it is alive.

use std::fmt;
use std::time::Duration;

use deadpool_redis::redis::{Script, ScriptInvocation};
use rand::Rng;
use serde::Serialize;

use super::{DecodeError, Envelope, JobId, Queue, QueueName, redis_error, scripts};
use crate::error::Result;

/// Identity of one worker process: host, pid and a random part, so a restart is a new worker.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkerId(pub String);

impl WorkerId {
    /// A fresh id for this process.
    pub fn new() -> WorkerId {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "localhost".into());
        let random: u16 = rand::rng().random();
        WorkerId(format!("{host}-{}-{random:04x}", std::process::id()))
    }
}

impl Default for WorkerId {
    fn default() -> Self {
        WorkerId::new()
    }
}

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A job taken from a queue into a worker's processing list.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// Its id.
    pub id: JobId,
    /// Queue it came from.
    pub queue: QueueName,
    /// Which run this is, 1 for the first (counted at claim, so a crash counts too).
    pub attempt: u32,
    /// The decoded job, or why it cannot be decoded; `None` when its payload is gone
    /// (finished or dropped meanwhile).
    pub envelope: Option<Result<Envelope, DecodeError>>,
}

#[derive(Serialize)]
struct Failure<'a> {
    queue: QueueName,
    kind: &'a str,
    attempts: u32,
    error: &'a str,
}

/// What a claim script returns per job: id, payload, attempt, position in the queue list.
type ClaimRow = (String, String, u32, usize);

fn claimed(rows: Vec<ClaimRow>, queues: &[QueueName]) -> Vec<Claimed> {
    rows.into_iter()
        .map(|(id, payload, attempt, position)| Claimed {
            id: JobId(id),
            queue: queues.get(position).copied().unwrap_or(QueueName::Default),
            attempt,
            envelope: (!payload.is_empty()).then(|| {
                Envelope::decode(&payload).map(|mut envelope| {
                    envelope.attempt = attempt;
                    envelope
                })
            }),
        })
        .collect()
}

impl Queue {
    /// An invocation of a claiming `script` with its keys: `worker`'s list, the job hashes,
    /// the done set, then `queues` in order.
    fn claiming<'a>(
        &self,
        script: &'a Script,
        worker: &WorkerId,
        queues: &[QueueName],
    ) -> ScriptInvocation<'a> {
        let keys = &self.keys;
        let mut invocation = script.prepare_invoke();
        invocation
            .key(keys.processing(&worker.0))
            .key(keys.key("claimed"))
            .key(keys.key("jobs"))
            .key(keys.key("attempts"))
            .key(keys.key("done"));
        for queue in queues {
            invocation.key(keys.queue(*queue));
        }
        invocation
    }

    /// Moves up to `max` jobs from `queues` (tried in that order) into `worker`'s list.
    pub async fn claim(
        &self,
        worker: &WorkerId,
        queues: &[QueueName],
        max: usize,
    ) -> Result<Vec<Claimed>> {
        let mut invocation = self.claiming(&scripts::CLAIM, worker, queues);
        invocation.arg(max);
        let mut conn = self.conn().await?;
        let rows: Vec<ClaimRow> = invocation
            .invoke_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        Ok(claimed(rows, queues))
    }

    /// The job succeeded: forget it and remember its id as done. `false` when it was no
    /// longer claimed by `worker` (a reaper gave it to someone else meanwhile).
    pub async fn complete(&self, worker: &WorkerId, id: &JobId) -> Result<bool> {
        let mut conn = self.conn().await?;
        let removed: i64 = self
            .claiming(&scripts::COMPLETE, worker, &[])
            .arg(&id.0)
            .invoke_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        Ok(removed > 0)
    }

    /// [`Queue::complete`] and [`Queue::claim`] of one more job from `queues`, in one round
    /// trip: a busy worker pays one round trip per job instead of two.
    pub async fn complete_and_claim(
        &self,
        worker: &WorkerId,
        id: &JobId,
        queues: &[QueueName],
    ) -> Result<(bool, Option<Claimed>)> {
        let mut conn = self.conn().await?;
        let (removed, rows): (i64, Vec<ClaimRow>) = self
            .claiming(&scripts::COMPLETE_AND_CLAIM, worker, queues)
            .arg(&id.0)
            .invoke_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        Ok((removed > 0, claimed(rows, queues).into_iter().next()))
    }

    /// The run failed but another may work: park the job in the delayed set for `delay`.
    pub async fn retry_later(
        &self,
        worker: &WorkerId,
        envelope: &Envelope,
        delay: Duration,
    ) -> Result<()> {
        let keys = &self.keys;
        let mut conn = self.conn().await?;
        scripts::RETRY_LATER
            .key(keys.processing(&worker.0))
            .key(keys.key("claimed"))
            .key(keys.key("jobs"))
            .key(keys.key("delayed"))
            .arg(&envelope.id.0)
            .arg(envelope.to_json())
            .arg(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX))
            .invoke_async::<()>(&mut *conn)
            .await
            .map_err(redis_error)
    }

    /// The job cannot succeed (or ran out of attempts): move it to the failed set with `error`.
    pub async fn fail(
        &self,
        worker: &WorkerId,
        claimed: &Claimed,
        kind: &str,
        error: &str,
    ) -> Result<()> {
        let keys = &self.keys;
        let reason = serde_json::to_string(&Failure {
            queue: claimed.queue,
            kind,
            attempts: claimed.attempt,
            error,
        })
        .unwrap_or_default();
        let mut conn = self.conn().await?;
        scripts::FAIL
            .key(keys.processing(&worker.0))
            .key(keys.key("claimed"))
            .key(keys.key("failed"))
            .key(keys.key("errors"))
            .arg(&claimed.id.0)
            .arg(reason)
            .invoke_async::<()>(&mut *conn)
            .await
            .map_err(redis_error)
    }

    /// Says `worker` is alive for `lifetime` more (three heartbeat intervals, so one late beat
    /// is not a death).
    pub async fn heartbeat(&self, worker: &WorkerId, lifetime: Duration) -> Result<()> {
        let mut conn = self.conn().await?;
        scripts::HEARTBEAT
            .key(self.keys.key("workers"))
            .arg(&worker.0)
            .arg(u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX))
            .invoke_async::<()>(&mut *conn)
            .await
            .map_err(redis_error)
    }

    /// Puts every job still in `worker`'s list back at the head of its queue and forgets the
    /// worker; for a clean stop after the grace ran out (those handlers no longer run).
    pub async fn leave(&self, worker: &WorkerId) -> Result<usize> {
        let processing = self.keys.processing(&worker.0);
        let mut conn = self.conn().await?;
        let ids: Vec<String> = deadpool_redis::redis::cmd("LRANGE")
            .arg(&processing)
            .arg(0)
            .arg(-1)
            .query_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        drop(conn);
        let mut moved = 0;
        for id in ids {
            let queue = self.queue_of(&id).await?;
            moved += self.requeue(&processing, &id, queue).await?;
        }
        let mut conn = self.conn().await?;
        scripts::FORGET_WORKER
            .key(self.keys.key("workers"))
            .key(&processing)
            .arg(&worker.0)
            .invoke_async::<()>(&mut *conn)
            .await
            .map_err(redis_error)?;
        Ok(moved)
    }

    /// The queue a stored job belongs to (`default` when its payload cannot say).
    pub(super) async fn queue_of(&self, id: &str) -> Result<QueueName> {
        let mut conn = self.conn().await?;
        let payload: Option<String> = deadpool_redis::redis::cmd("HGET")
            .arg(self.keys.key("jobs"))
            .arg(id)
            .query_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        Ok(payload
            .and_then(|p| super::peek(&p).1)
            .unwrap_or(QueueName::Default))
    }

    /// Moves `id` from the processing list `processing` to the head of `queue`; 1 if it moved.
    pub(super) async fn requeue(
        &self,
        processing: &str,
        id: &str,
        queue: QueueName,
    ) -> Result<usize> {
        let mut conn = self.conn().await?;
        let moved: usize = scripts::REQUEUE
            .key(processing)
            .key(self.keys.key("claimed"))
            .key(self.keys.queue(queue))
            .arg(id)
            .invoke_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        Ok(moved)
    }
}
