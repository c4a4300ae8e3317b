//! A small in-process map whose entries are trusted for a fixed time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Most entries kept; past it, stale ones go, then all.
const MAX_ENTRIES: usize = 10_000;

/// Values by key, each trusted for `ttl` after it was read; clones share the map.
#[derive(Clone)]
pub(super) struct TtlCache<V: Clone> {
    ttl: Duration,
    entries: Arc<Mutex<HashMap<String, (V, Instant)>>>,
}

impl<V: Clone> TtlCache<V> {
    pub(super) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, (V, Instant)>) -> T) -> T {
        // A panic while holding the lock leaves a map that is still consistent.
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut entries)
    }

    /// The value of `key` if it was read less than `ttl` ago.
    pub(super) fn get(&self, key: &str) -> Option<V> {
        let ttl = self.ttl;
        self.with(|entries| {
            entries
                .get(key)
                .filter(|(_, read_at)| read_at.elapsed() < ttl)
                .map(|(value, _)| value.clone())
        })
    }

    /// Remembers `value` for `key` (nothing when the ttl is zero).
    pub(super) fn put(&self, key: String, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let ttl = self.ttl;
        self.with(|entries| {
            if entries.len() >= MAX_ENTRIES {
                entries.retain(|_, (_, read_at)| read_at.elapsed() < ttl);
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
            }
            entries.insert(key, (value, Instant::now()));
        });
    }

    /// Forgets `key`.
    pub(super) fn remove(&self, key: &str) {
        self.with(|entries| entries.remove(key));
    }
}
