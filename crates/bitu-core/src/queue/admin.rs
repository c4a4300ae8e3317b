//! What `bitu jobs` shows and does: queued, running, delayed and failed jobs; retry or drop
//! failed ones.

use chrono::{DateTime, Utc};
use deadpool_redis::redis;
use serde::Deserialize;

use super::{JobId, Queue, QueueName, redis_error, scripts};
use crate::error::{Error, Result};

/// A job waiting on a queue or in the delayed set.
#[derive(Debug, Clone)]
pub struct QueuedJob {
    /// Its id.
    pub id: JobId,
    /// Its kind, `?` when the payload cannot be read.
    pub kind: String,
    /// For a delayed job, when it runs again.
    pub due: Option<DateTime<Utc>>,
}

/// A job a worker has claimed.
#[derive(Debug, Clone)]
pub struct RunningJob {
    /// Its id.
    pub id: JobId,
    /// Its kind.
    pub kind: String,
    /// The worker holding it.
    pub worker: String,
    /// Whether that worker's heartbeat is current.
    pub worker_alive: bool,
    /// When it was claimed.
    pub since: Option<DateTime<Utc>>,
}

/// A job in the failed set.
#[derive(Debug, Clone)]
pub struct FailedJob {
    /// Its id.
    pub id: JobId,
    /// Its kind.
    pub kind: String,
    /// The queue `retry` puts it back on.
    pub queue: QueueName,
    /// Runs made.
    pub attempts: u32,
    /// Why it failed.
    pub error: String,
    /// When.
    pub failed_at: Option<DateTime<Utc>>,
}

/// Everything `bitu jobs` lists; each list holds at most the limit asked for, the counts
/// are complete.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Per queue: how many wait, and the next ones to run.
    pub queued: Vec<(QueueName, usize, Vec<QueuedJob>)>,
    /// Claimed jobs.
    pub running: Vec<RunningJob>,
    /// How many wait for a retry, and the soonest ones.
    pub delayed: (usize, Vec<QueuedJob>),
    /// How many failed, and the latest ones.
    pub failed: (usize, Vec<FailedJob>),
}

#[derive(Deserialize)]
struct Reason {
    queue: QueueName,
    kind: String,
    attempts: u32,
    error: String,
}

fn time(millis: f64) -> Option<DateTime<Utc>> {
    // Scores are whole milliseconds; the float is Redis's representation only.
    DateTime::from_timestamp_millis(millis as i64)
}

impl Queue {
    async fn kinds(&self, ids: &[String]) -> Result<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn().await?;
        let payloads: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(self.keys.key("jobs"))
            .arg(ids)
            .query_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        Ok(payloads
            .into_iter()
            .map(|p| p.map(|p| super::peek(&p).0).unwrap_or_else(|| "?".into()))
            .collect())
    }

    /// Lists jobs, at most `limit` per section.
    pub async fn list(&self, limit: usize) -> Result<Listing> {
        let keys = &self.keys;
        let last = isize::try_from(limit).unwrap_or(isize::MAX) - 1;
        let mut listing = Listing::default();
        let mut conn = self.conn().await?;
        for queue in QueueName::ALL {
            let key = keys.queue(queue);
            let (count, mut ids): (usize, Vec<String>) = redis::pipe()
                .llen(&key)
                .lrange(&key, -last - 1, -1)
                .query_async(&mut *conn)
                .await
                .map_err(redis_error)?;
            ids.reverse();
            let kinds = self.kinds(&ids).await?;
            let jobs = ids
                .into_iter()
                .zip(kinds)
                .map(|(id, kind)| QueuedJob {
                    id: JobId(id),
                    kind,
                    due: None,
                })
                .collect();
            listing.queued.push((queue, count, jobs));
        }
        let now: (i64, i64) = redis::cmd("TIME")
            .query_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        let now = now.0 * 1000 + now.1 / 1000;
        let workers: Vec<(String, f64)> = redis::cmd("ZRANGE")
            .arg(keys.key("workers"))
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .query_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        for (worker, expiry) in workers {
            let ids: Vec<String> = redis::cmd("LRANGE")
                .arg(keys.processing(&worker))
                .arg(0)
                .arg(-1)
                .query_async(&mut *conn)
                .await
                .map_err(redis_error)?;
            let kinds = self.kinds(&ids).await?;
            for (id, kind) in ids.into_iter().zip(kinds) {
                let since: Option<f64> = redis::cmd("HGET")
                    .arg(keys.key("claimed"))
                    .arg(&id)
                    .query_async(&mut *conn)
                    .await
                    .map_err(redis_error)?;
                listing.running.push(RunningJob {
                    id: JobId(id),
                    kind,
                    worker: worker.clone(),
                    worker_alive: expiry >= now as f64,
                    since: since.and_then(time),
                });
            }
        }
        let (count, delayed): (usize, Vec<(String, f64)>) = redis::pipe()
            .zcard(keys.key("delayed"))
            .zrange_withscores(keys.key("delayed"), 0, last)
            .query_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        let ids: Vec<String> = delayed.iter().map(|(id, _)| id.clone()).collect();
        let kinds = self.kinds(&ids).await?;
        listing.delayed = (
            count,
            delayed
                .into_iter()
                .zip(kinds)
                .map(|((id, due), kind)| QueuedJob {
                    id: JobId(id),
                    kind,
                    due: time(due),
                })
                .collect(),
        );
        let (count, failed): (usize, Vec<(String, f64)>) = redis::pipe()
            .zcard(keys.key("failed"))
            .zrevrange_withscores(keys.key("failed"), 0, last)
            .query_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        let mut jobs = Vec::new();
        for (id, at) in failed {
            let reason: Option<String> = redis::cmd("HGET")
                .arg(keys.key("errors"))
                .arg(&id)
                .query_async(&mut *conn)
                .await
                .map_err(redis_error)?;
            let reason = reason.and_then(|r| serde_json::from_str::<Reason>(&r).ok());
            jobs.push(match reason {
                Some(r) => FailedJob {
                    id: JobId(id),
                    kind: r.kind,
                    queue: r.queue,
                    attempts: r.attempts,
                    error: r.error,
                    failed_at: time(at),
                },
                None => FailedJob {
                    id: JobId(id),
                    kind: "?".into(),
                    queue: QueueName::Default,
                    attempts: 0,
                    error: "(reason lost)".into(),
                    failed_at: time(at),
                },
            });
        }
        listing.failed = (count, jobs);
        Ok(listing)
    }

    /// Puts the failed job `id` back on its queue with a fresh attempt count.
    pub async fn retry_failed(&self, id: &JobId) -> Result<()> {
        let keys = &self.keys;
        let mut conn = self.conn().await?;
        let reason: Option<String> = redis::cmd("HGET")
            .arg(keys.key("errors"))
            .arg(&id.0)
            .query_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        let queue = reason
            .and_then(|r| serde_json::from_str::<Reason>(&r).ok())
            .map(|r| r.queue)
            .unwrap_or(QueueName::Default);
        let moved: i64 = scripts::RETRY_FAILED
            .key(keys.key("failed"))
            .key(keys.key("errors"))
            .key(keys.key("attempts"))
            .key(keys.queue(queue))
            .arg(&id.0)
            .invoke_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        if moved == 1 {
            Ok(())
        } else {
            Err(Error::NotFound(format!("no failed job {id}")))
        }
    }

    /// Retries every failed job; returns how many.
    pub async fn retry_all_failed(&self) -> Result<usize> {
        let mut conn = self.conn().await?;
        let ids: Vec<String> = redis::cmd("ZRANGE")
            .arg(self.keys.key("failed"))
            .arg(0)
            .arg(-1)
            .query_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        drop(conn);
        let mut retried = 0;
        for id in ids {
            match self.retry_failed(&JobId(id)).await {
                Ok(()) => retried += 1,
                // Retried or dropped by someone else meanwhile.
                Err(Error::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(retried)
    }

    /// Deletes the failed job `id` for good; a later push of the same id is ignored.
    pub async fn drop_failed(&self, id: &JobId) -> Result<()> {
        let keys = &self.keys;
        let mut conn = self.conn().await?;
        let dropped: i64 = scripts::DROP_FAILED
            .key(keys.key("failed"))
            .key(keys.key("errors"))
            .key(keys.key("attempts"))
            .key(keys.key("jobs"))
            .key(keys.key("done"))
            .arg(&id.0)
            .invoke_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        if dropped == 1 {
            Ok(())
        } else {
            Err(Error::NotFound(format!("no failed job {id}")))
        }
    }
}
