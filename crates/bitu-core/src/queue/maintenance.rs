//! Housekeeping any worker may run at any time, concurrently with others: due retries back to
//! their queue, jobs of dead workers back to theirs, old done markers forgotten.

use std::time::Duration;

use deadpool_redis::redis;
use tracing::{info, warn};

use super::{JobKind, Queue, QueueName, redis_error, scripts};
use crate::error::Result;

/// Retries promoted per script run, so one run never blocks Redis for long.
const PROMOTE_BATCH: usize = 500;

impl Queue {
    /// Moves retries whose time has come back onto their queues; returns how many.
    pub async fn promote_due(&self) -> Result<usize> {
        let keys = &self.keys;
        let mut total = 0;
        loop {
            let mut invocation = scripts::PROMOTE.prepare_invoke();
            invocation.key(keys.key("delayed")).key(keys.key("jobs"));
            for queue in QueueName::ALL {
                invocation.key(keys.queue(queue));
            }
            invocation.arg(PROMOTE_BATCH);
            for queue in QueueName::ALL {
                invocation.arg(queue.name());
            }
            let mut conn = self.conn().await?;
            let moved: usize = invocation
                .invoke_async(&mut *conn)
                .await
                .map_err(redis_error)?;
            total += moved;
            if moved < PROMOTE_BATCH {
                return Ok(total);
            }
        }
    }

    /// Gives the jobs of workers whose heartbeat stopped back to their queues, once each job's
    /// timeout has passed since its claim (by then a worker that is merely cut off has given
    /// up on it too). Returns how many jobs moved.
    pub async fn reap(&self) -> Result<usize> {
        let keys = &self.keys;
        let mut conn = self.conn().await?;
        let time: (i64, i64) = redis::cmd("TIME")
            .query_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        let now = time.0 * 1000 + time.1 / 1000;
        let dead: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(keys.key("workers"))
            .arg("-inf")
            .arg(now)
            .query_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        drop(conn);
        let mut moved = 0;
        for worker in dead {
            moved += self.reap_worker(&worker).await?;
        }
        Ok(moved)
    }

    async fn reap_worker(&self, worker: &str) -> Result<usize> {
        let keys = &self.keys;
        let processing = keys.processing(worker);
        let mut conn = self.conn().await?;
        let ids: Vec<String> = redis::cmd("LRANGE")
            .arg(&processing)
            .arg(0)
            .arg(-1)
            .query_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        if ids.is_empty() {
            let forgotten: i64 = scripts::FORGET_WORKER
                .key(keys.key("workers"))
                .key(&processing)
                .arg(worker)
                .invoke_async(&mut *conn)
                .await
                .map_err(redis_error)?;
            if forgotten == 1 {
                info!(worker, "forgot a dead worker that held no jobs");
            }
            return Ok(0);
        }
        let mut invocation = scripts::CLAIM_TIMES.prepare_invoke();
        invocation
            .key(keys.key("workers"))
            .key(&processing)
            .key(keys.key("claimed"))
            .arg(worker);
        for id in &ids {
            invocation.arg(id);
        }
        let times: Vec<i64> = invocation
            .invoke_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        let payloads: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(keys.key("jobs"))
            .arg(&ids)
            .query_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        drop(conn);
        let now = times.first().copied().unwrap_or_default();
        let mut moved = 0;
        for ((id, claimed_at), payload) in ids.iter().zip(times.iter().skip(1)).zip(payloads) {
            let (kind, queue) = payload
                .as_deref()
                .map(super::peek)
                .unwrap_or_else(|| ("?".into(), None));
            let timeout = JobKind::from_name(&kind)
                .map(|k| self.settings.timeout(k))
                .unwrap_or(self.settings.visibility_timeout);
            let age = Duration::from_millis(u64::try_from(now - claimed_at).unwrap_or(0));
            if age < timeout {
                continue;
            }
            let queue = queue.unwrap_or(QueueName::Default);
            if self.requeue(&processing, id, queue).await? == 1 {
                warn!(worker, job = %id, kind, %queue, "job of a dead worker queued again");
                moved += 1;
            }
        }
        Ok(moved)
    }

    /// Forgets done job ids and dedup keys older than `[queue] remember_done`.
    pub async fn trim_done(&self) -> Result<usize> {
        let mut conn = self.conn().await?;
        scripts::TRIM
            .key(self.keys.key("done"))
            .key(self.keys.key("dedup"))
            .arg(u64::try_from(self.settings.remember_done.as_millis()).unwrap_or(u64::MAX))
            .invoke_async(&mut *conn)
            .await
            .map_err(redis_error)
    }
}
