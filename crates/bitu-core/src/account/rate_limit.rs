//! Fixed-window counters in Redis, shared by every bitu-web host. When Redis is down, an
//! in-process limiter (governor) takes over, so an outage does not open the gates.

use std::future::Future;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use deadpool_redis::redis::AsyncCommands;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter as Governor};
use sha2::{Digest, Sha256};
use tracing::warn;

use crate::redis::RedisPool;

/// Counts events per (bucket, key) in fixed windows and says when a limit is reached.
pub trait AttemptLimiter: Send + Sync {
    /// Whether `key` already reached `limit` events in the current window.
    fn exceeded(
        &self,
        bucket: &str,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> impl Future<Output = bool> + Send;

    /// Counts one event for `key`.
    fn record(&self, bucket: &str, key: &str, window: Duration) -> impl Future<Output = ()> + Send;

    /// Takes one attempt for `key` before it is tried: counted in the same step as the check,
    /// so parallel attempts cannot all pass a check made before any of them is counted.
    /// `false` when `key` already had `limit` this window (then nothing is counted).
    fn reserve(
        &self,
        bucket: &str,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> impl Future<Output = bool> + Send;

    /// Gives back an attempt taken with [`reserve`](Self::reserve) that turned out not to
    /// count (the sign-in succeeded).
    fn release(&self, bucket: &str, key: &str, window: Duration)
    -> impl Future<Output = ()> + Send;

    /// Counts an event and says whether `key` is now over `limit` (for actions limited on
    /// every attempt, such as requesting mail).
    fn hit(
        &self,
        bucket: &str,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> impl Future<Output = bool> + Send {
        async move { !self.reserve(bucket, key, limit, window).await }
    }
}

impl AttemptLimiter for RateLimiter {
    async fn exceeded(&self, bucket: &str, key: &str, limit: u32, window: Duration) -> bool {
        RateLimiter::exceeded(self, bucket, key, limit, window).await
    }

    async fn record(&self, bucket: &str, key: &str, window: Duration) {
        RateLimiter::record(self, bucket, key, window).await
    }

    async fn reserve(&self, bucket: &str, key: &str, limit: u32, window: Duration) -> bool {
        RateLimiter::reserve(self, bucket, key, limit, window).await
    }

    async fn release(&self, bucket: &str, key: &str, window: Duration) {
        RateLimiter::release(self, bucket, key, window).await
    }

    async fn hit(&self, bucket: &str, key: &str, limit: u32, window: Duration) -> bool {
        RateLimiter::hit(self, bucket, key, limit, window).await
    }
}

/// Counts an attempt unless the limit is reached, in one step (KEYS[1]: counter, ARGV[1]:
/// limit, ARGV[2]: window in seconds); 1 when taken, 0 when refused.
const RESERVE: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return 0
end
return 1
";

/// Gives an attempt back, never below zero (KEYS[1]: counter).
const RELEASE: &str = r"
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then redis.call('DECR', KEYS[1]) end
return 0
";

/// Counts events per (bucket, key) and says when a limit is reached.
#[derive(Clone)]
pub struct RateLimiter {
    redis: RedisPool,
    prefix: String,
    fallback: Arc<DefaultKeyedRateLimiter<String>>,
}

impl RateLimiter {
    /// A limiter writing keys under `prefix`; `fallback_per_minute` bounds each key while
    /// Redis is unreachable.
    pub fn new(redis: RedisPool, prefix: &str, fallback_per_minute: u32) -> RateLimiter {
        let per_minute = NonZeroU32::new(fallback_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        RateLimiter {
            redis,
            prefix: prefix.to_string(),
            fallback: Arc::new(Governor::keyed(Quota::per_minute(per_minute))),
        }
    }

    /// The same limiter (and in-memory fallback) over another pool.
    pub fn on_pool(&self, redis: RedisPool) -> RateLimiter {
        RateLimiter {
            redis,
            prefix: self.prefix.clone(),
            fallback: self.fallback.clone(),
        }
    }

    fn key(&self, bucket: &str, key: &str, window: Duration) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let slot = now / window.as_secs().max(1);
        // Hashed: the key may be an account name or an address, which stay out of Redis.
        let digest = Sha256::digest(key.as_bytes());
        let short: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        format!("{}rl:{bucket}:{short}:{slot}", self.prefix)
    }

    /// Whether `key` already reached `limit` events in the current window.
    pub async fn exceeded(&self, bucket: &str, key: &str, limit: u32, window: Duration) -> bool {
        let redis_key = self.key(bucket, key, window);
        let count: Result<Option<u32>, String> = async {
            let mut conn = self.redis.get().await.map_err(|e| e.to_string())?;
            conn.get(&redis_key).await.map_err(|e| e.to_string())
        }
        .await;
        match count {
            Ok(count) => count.unwrap_or(0) >= limit,
            Err(error) => {
                warn!(%error, bucket, "rate limit counter unavailable, using the local limiter");
                self.fallback.check_key(&format!("{bucket}:{key}")).is_err()
            }
        }
    }

    /// Counts one event for `key`.
    pub async fn record(&self, bucket: &str, key: &str, window: Duration) {
        let redis_key = self.key(bucket, key, window);
        let outcome: Result<(), String> = async {
            let mut conn = self.redis.get().await.map_err(|e| e.to_string())?;
            let _: () = deadpool_redis::redis::pipe()
                .atomic()
                .incr(&redis_key, 1)
                .expire(
                    &redis_key,
                    i64::try_from(window.as_secs()).unwrap_or(i64::MAX),
                )
                .query_async(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            Ok(())
        }
        .await;
        if let Err(error) = outcome {
            warn!(%error, bucket, "cannot count a rate-limited event");
        }
    }

    /// Takes one attempt for `key` if it has fewer than `limit` this window, atomically (a
    /// Lua script); `false` when refused. While Redis is down the local limiter decides.
    pub async fn reserve(&self, bucket: &str, key: &str, limit: u32, window: Duration) -> bool {
        let redis_key = self.key(bucket, key, window);
        let taken: Result<i64, String> = async {
            let mut conn = self.redis.get().await.map_err(|e| e.to_string())?;
            deadpool_redis::redis::Script::new(RESERVE)
                .key(&redis_key)
                .arg(limit)
                .arg(window.as_secs().max(1))
                .invoke_async(&mut conn)
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        match taken {
            Ok(taken) => taken == 1,
            Err(error) => {
                warn!(%error, bucket, "rate limit counter unavailable, using the local limiter");
                self.fallback.check_key(&format!("{bucket}:{key}")).is_ok()
            }
        }
    }

    /// Gives back an attempt taken with [`reserve`](Self::reserve).
    pub async fn release(&self, bucket: &str, key: &str, window: Duration) {
        let redis_key = self.key(bucket, key, window);
        let outcome: Result<i64, String> = async {
            let mut conn = self.redis.get().await.map_err(|e| e.to_string())?;
            deadpool_redis::redis::Script::new(RELEASE)
                .key(&redis_key)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        if let Err(error) = outcome {
            warn!(%error, bucket, "cannot give back a rate-limited attempt");
        }
    }

    /// Counts an event and says whether `key` is now over `limit` (for actions limited on
    /// every attempt, such as requesting mail); the check and the count are one step.
    pub async fn hit(&self, bucket: &str, key: &str, limit: u32, window: Duration) -> bool {
        !self.reserve(bucket, key, limit, window).await
    }
}
