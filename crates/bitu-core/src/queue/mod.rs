//! Background jobs: [`Job`]s and their kinds' registry, the MariaDB outbox they are written to, and the Redis
//! queues bitu-rq claims them from.
//!
//! Redis layout (every key under `[redis] key_prefix`, here `P`):
//! - `P jobs` hash id → envelope JSON, while the job is queued, running, delayed or failed;
//! - `P queue:NAME` list of ids (in on the left, out on the right);
//! - `P processing:WORKER` list of ids a worker claimed, `P claimed` hash id → claim time,
//!   `P attempts` hash id → runs started, `P workers` zset worker → heartbeat expiry;
//! - `P delayed` zset id → due time (retries), `P failed` zset id → failure time with
//!   `P errors` hash id → reason;
//! - `P done` zset id → completion time and `P dedup` zset key → time: what already happened,
//!   so a redelivered job or a second push of an outbox row has no second effect.
//!
//! Times in Redis are the Redis server's clock, so workers on several hosts agree.

mod admin;
pub mod backoff;
mod broker;
mod job;
mod maintenance;
pub mod outbox;
mod registry;
mod scripts;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use deadpool_redis::redis::RedisError;
use serde::{Deserialize, Serialize};

pub use admin::{FailedJob, Listing, QueuedJob, RunningJob};
pub use broker::{Claimed, WorkerId};
pub use job::{DecodeError, ENVELOPE_VERSION, Envelope, Job, JobId, JobKind, peek};
pub use outbox::{JobStore, Outbox};
pub use registry::{BackgroundJob, Failure, JobContext, JobResult, Kind, job_gave_up, run_job};

// The kinds themselves live in `crate::jobs`; re-exported here where callers look for them.
pub use crate::jobs::{
    AttributeChange, ChangeOp, LdapModify, PasswordResetMail, Probe, ProvisionAccount, SendMail,
    UsernameReminderMail,
};

use crate::config::{QueueSettings, Settings};
use crate::error::{Error, Result};
use crate::redis::{self as redis_pool, RedisPool};

/// One of the Redis queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueName {
    /// LDAP changes and other longer tasks.
    Default,
    /// Mail.
    Notification,
}

impl QueueName {
    /// Every queue.
    pub const ALL: [QueueName; 2] = [QueueName::Default, QueueName::Notification];

    /// The name used in keys, config and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            QueueName::Default => "default",
            QueueName::Notification => "notification",
        }
    }

    fn index(self) -> usize {
        match self {
            QueueName::Default => 0,
            QueueName::Notification => 1,
        }
    }
}

impl fmt::Display for QueueName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for QueueName {
    type Err = String;

    fn from_str(text: &str) -> Result<QueueName, String> {
        QueueName::ALL
            .into_iter()
            .find(|queue| queue.name() == text)
            .ok_or_else(|| format!("unknown queue {text:?} (known: default, notification)"))
    }
}

/// Names of the Redis keys, all under the configured prefix.
#[derive(Debug, Clone)]
struct Keys {
    prefix: String,
}

impl Keys {
    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
    fn queue(&self, queue: QueueName) -> String {
        self.key(&format!("queue:{}", queue.name()))
    }
    fn all_queues(&self) -> Vec<String> {
        QueueName::ALL.iter().map(|q| self.queue(*q)).collect()
    }
    fn processing(&self, worker: &str) -> String {
        self.key(&format!("processing:{worker}"))
    }
}

/// The job queues in Redis.
#[derive(Clone)]
pub struct Queue {
    pool: RedisPool,
    keys: Arc<Keys>,
    settings: Arc<QueueSettings>,
}

/// Turns a Redis failure into the core error: connection trouble is an outage, the rest a bug.
pub(crate) fn redis_error(error: RedisError) -> Error {
    if error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
    {
        Error::QueueUnavailable(error.to_string())
    } else {
        Error::Queue(error.to_string())
    }
}

impl Queue {
    /// The queues of `settings` over `pool`.
    pub fn new(pool: RedisPool, settings: &Settings) -> Queue {
        Queue {
            pool,
            keys: Arc::new(Keys {
                prefix: settings.redis.key_prefix.clone(),
            }),
            settings: Arc::new(settings.queue.clone()),
        }
    }

    /// The same queues over another pool.
    pub fn on_pool(&self, pool: RedisPool) -> Queue {
        Queue {
            pool,
            keys: self.keys.clone(),
            settings: self.settings.clone(),
        }
    }

    /// The queues of `settings` over a pool of their own.
    pub fn connect(settings: &Settings) -> Result<Queue> {
        Ok(Queue::new(
            redis_pool::build_pool(&settings.redis)?,
            settings,
        ))
    }

    /// The `[queue]` settings in force.
    pub fn settings(&self) -> &QueueSettings {
        &self.settings
    }

    async fn conn(&self) -> Result<deadpool_redis::Connection> {
        let started = std::time::Instant::now();
        let conn = self.pool.get().await;
        crate::metrics::backend_call("redis", started, conn.is_ok());
        conn.map_err(|e| Error::QueueUnavailable(e.to_string()))
    }

    /// Puts `job` on its queue directly, without the outbox (for jobs made by jobs and tools;
    /// requests use [`outbox::enqueue`] so the job commits with their state change).
    pub async fn enqueue(&self, job: impl Into<Job>) -> Result<Envelope> {
        let envelope = Envelope::new(job);
        self.push(std::slice::from_ref(&envelope)).await?;
        Ok(envelope)
    }

    /// Pushes envelopes onto their queues; an id Redis already has, or finished recently, is
    /// skipped, so pushing twice is harmless. Returns how many were new.
    pub async fn push(&self, envelopes: &[Envelope]) -> Result<usize> {
        let rows: Vec<(QueueName, String, String)> = envelopes
            .iter()
            .map(|e| (e.queue, e.id.0.clone(), e.to_json()))
            .collect();
        self.push_raw(&rows).await
    }

    /// [`Queue::push`] for stored JSON, which need not be decodable by this build.
    pub(crate) async fn push_raw(&self, rows: &[(QueueName, String, String)]) -> Result<usize> {
        if rows.is_empty() {
            return Ok(0);
        }
        let mut invocation = scripts::PUSH.prepare_invoke();
        invocation
            .key(self.keys.key("jobs"))
            .key(self.keys.key("done"));
        for queue in self.keys.all_queues() {
            invocation.key(queue);
        }
        for (queue, id, json) in rows {
            invocation.arg(queue.index()).arg(id).arg(json);
        }
        let mut conn = self.conn().await?;
        invocation
            .invoke_async(&mut *conn)
            .await
            .map_err(redis_error)
    }

    /// Whether `dedup_key` is recorded as done (e.g. a mail already sent).
    pub async fn is_done(&self, dedup_key: &str) -> Result<bool> {
        let mut conn = self.conn().await?;
        let score: Option<f64> = deadpool_redis::redis::cmd("ZSCORE")
            .arg(self.keys.key("dedup"))
            .arg(dedup_key)
            .query_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        Ok(score.is_some())
    }

    /// Records `dedup_key` as done.
    pub async fn mark_done(&self, dedup_key: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        scripts::MARK_DONE
            .key(self.keys.key("dedup"))
            .arg(dedup_key)
            .invoke_async::<()>(&mut *conn)
            .await
            .map_err(redis_error)
    }

    /// Appends `value` to the probe list `label`, once per `dedup_key`, in one atomic step:
    /// the reference non-idempotent effect the tests count.
    pub async fn record_probe(&self, label: &str, dedup_key: &str, value: &str) -> Result<bool> {
        let mut conn = self.conn().await?;
        let added: i64 = scripts::RECORD_ONCE
            .key(self.keys.key("dedup"))
            .key(self.probe_key(label))
            .arg(dedup_key)
            .arg(value)
            .invoke_async(&mut *conn)
            .await
            .map_err(redis_error)?;
        Ok(added == 1)
    }

    /// The Redis list a probe with `label` appends to.
    pub fn probe_key(&self, label: &str) -> String {
        self.keys.key(&format!("probe:{label}"))
    }
}
