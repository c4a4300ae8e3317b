//! Replay protection: a code is accepted once within its window. Which (account, step) pairs
//! were used is kept in Redis with `SET NX`, so every bitu-web host (and the check API) agree.

use std::future::Future;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::redis::RedisPool;

/// Remembers the steps whose codes were used.
pub trait ReplayGuard: Send + Sync {
    /// Marks `step` of `uid` used for `ttl`; `false` when it was used already.
    fn first_use(
        &self,
        uid: &str,
        step: u64,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool>> + Send;
}

/// [`ReplayGuard`] in Redis, under the installation's key prefix.
#[derive(Clone)]
pub struct RedisReplayGuard {
    redis: RedisPool,
    prefix: String,
}

impl RedisReplayGuard {
    /// A guard writing keys under `prefix`.
    pub fn new(redis: RedisPool, prefix: &str) -> RedisReplayGuard {
        RedisReplayGuard {
            redis,
            prefix: prefix.to_string(),
        }
    }
}

impl ReplayGuard for RedisReplayGuard {
    async fn first_use(&self, uid: &str, step: u64, ttl: Duration) -> Result<bool> {
        // The uid is hashed: account names stay out of Redis.
        let digest = Sha256::digest(uid.as_bytes());
        let short: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let key = format!("{}totp-used:{short}:{step}", self.prefix);
        let mut conn = self
            .redis
            .get()
            .await
            .map_err(|e| Error::QueueUnavailable(e.to_string()))?;
        // Refusing when Redis is away: accepting could let a code be used twice.
        let set: Option<String> = deadpool_redis::redis::cmd("SET")
            .arg(&key)
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(ttl.as_secs().max(1))
            .query_async(&mut conn)
            .await
            .map_err(|e| Error::QueueUnavailable(e.to_string()))?;
        Ok(set.is_some())
    }
}

/// [`ReplayGuard`] in memory, for unit tests.
#[cfg(test)]
#[derive(Default)]
pub struct MemoryReplayGuard(std::sync::Mutex<std::collections::HashSet<(String, u64)>>);

#[cfg(test)]
impl ReplayGuard for MemoryReplayGuard {
    async fn first_use(&self, uid: &str, step: u64, _ttl: Duration) -> Result<bool> {
        let mut used = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(used.insert((uid.to_string(), step)))
    }
}
