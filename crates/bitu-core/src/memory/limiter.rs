//! Fixed-window counters in memory, windows cut by a clock that tests move.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::account::rate_limit::AttemptLimiter;
use crate::clock::{Clock, FixedClock};

/// Counts per (bucket, key, window) like the Redis limiter does.
pub struct MemoryLimiter {
    clock: Arc<FixedClock>,
    counts: Mutex<HashMap<String, u32>>,
}

impl MemoryLimiter {
    /// Counters whose windows follow `clock`.
    pub fn new(clock: Arc<FixedClock>) -> MemoryLimiter {
        MemoryLimiter {
            clock,
            counts: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, bucket: &str, key: &str, window: Duration) -> String {
        let window = i64::try_from(window.as_secs().max(1)).unwrap_or(i64::MAX);
        format!("{bucket}:{key}:{}", self.clock.now().timestamp() / window)
    }
}

impl AttemptLimiter for MemoryLimiter {
    async fn exceeded(&self, bucket: &str, key: &str, limit: u32, window: Duration) -> bool {
        let slot = self.slot(bucket, key, window);
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.get(&slot).copied().unwrap_or(0) >= limit
    }

    async fn record(&self, bucket: &str, key: &str, window: Duration) {
        let slot = self.slot(bucket, key, window);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        *counts.entry(slot).or_default() += 1;
    }

    async fn reserve(&self, bucket: &str, key: &str, limit: u32, window: Duration) -> bool {
        let slot = self.slot(bucket, key, window);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(slot).or_default();
        if *count >= limit {
            return false;
        }
        *count += 1;
        true
    }

    async fn release(&self, bucket: &str, key: &str, window: Duration) {
        let slot = self.slot(bucket, key, window);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&slot) {
            *count = count.saturating_sub(1);
        }
    }
}
