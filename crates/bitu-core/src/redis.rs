//! The Redis connection pool the job queues use.

use deadpool_redis::{Config, Pool, Runtime};

use crate::config::RedisSettings;
use crate::error::{Error, Result};

/// Pool of Redis connections.
pub type RedisPool = Pool;

/// Builds the pool; no connection is opened until one is needed.
pub fn build_pool(settings: &RedisSettings) -> Result<RedisPool> {
    Config::from_url(settings.url.clone())
        .builder()
        .map_err(|e| Error::Internal(format!("bad redis.url: {e}")))?
        .max_size(settings.pool_size)
        .wait_timeout(Some(settings.timeout))
        .create_timeout(Some(settings.timeout))
        .recycle_timeout(Some(settings.timeout))
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| Error::Internal(format!("cannot build the Redis pool: {e}")))
}

/// Sends `PING` to prove Redis answers.
pub async fn ping(pool: &RedisPool) -> Result<()> {
    let mut conn = pool
        .get()
        .await
        .map_err(|e| Error::QueueUnavailable(e.to_string()))?;
    let _: String = deadpool_redis::redis::cmd("PING")
        .query_async(&mut conn)
        .await
        .map_err(|e| Error::QueueUnavailable(e.to_string()))?;
    Ok(())
}
