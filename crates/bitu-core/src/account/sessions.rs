//! Storage of browser sessions in MariaDB. The session key only ever reaches the database as
//! its SHA-256, so a database dump cannot be replayed as cookies.
//!
//! [`Sessions`] keeps what it read for `session.cache_ttl`, so a burst of requests on one
//! session costs one query; every change made through it reaches its copy at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use sha2::{Digest, Sha256};

use crate::db::schema::web_sessions;
use crate::db::{self, DbPool};
use crate::error::Result;

/// Key in the session state holding the signed-in user's uid (mirrored into `user_uid`).
pub const UID_KEY: &str = "uid";

/// Most sessions one process keeps a copy of; past it, stale copies go, then all.
const MAX_CACHED: usize = 10_000;

/// An expiry that moved less than this is not written back (one write a minute at most).
const TOUCH_GRANULARITY: TimeDelta = TimeDelta::minutes(1);

fn hash_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

fn expiry(ttl: TimeDelta) -> NaiveDateTime {
    (Utc::now() + ttl).naive_utc()
}

fn uid_of(state: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(state)
        .ok()?
        .get(UID_KEY)?
        .as_str()
        // actix-session stores each value JSON-encoded inside the map.
        .map(|value| value.trim_matches('"').to_string())
}

/// One session as last read or written by this process.
struct Cached {
    state: Arc<str>,
    uid: Option<String>,
    expires_at: NaiveDateTime,
    read_at: Instant,
}

/// The sessions of the `web_sessions` table; cheap to clone (clones share the copies).
#[derive(Clone)]
pub struct Sessions {
    pool: DbPool,
    cache_ttl: Duration,
    cache: Arc<Mutex<HashMap<Vec<u8>, Cached>>>,
}

impl Sessions {
    /// Sessions over `pool`, trusting a copy for `cache_ttl` (zero: always read the table).
    pub fn new(pool: DbPool, cache_ttl: Duration) -> Self {
        Self {
            pool,
            cache_ttl,
            cache: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The same sessions and copies over another pool (one per bitu-web worker thread).
    pub fn on_pool(&self, pool: DbPool) -> Self {
        Self {
            pool,
            cache_ttl: self.cache_ttl,
            cache: self.cache.clone(),
        }
    }

    fn with_cache<T>(&self, f: impl FnOnce(&mut HashMap<Vec<u8>, Cached>) -> T) -> T {
        // A panic while holding the lock leaves a map that is still consistent.
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut cache)
    }

    fn remember(&self, id: Vec<u8>, state: Arc<str>, expires_at: NaiveDateTime) {
        if self.cache_ttl.is_zero() {
            return;
        }
        let uid = uid_of(&state);
        let ttl = self.cache_ttl;
        self.with_cache(|cache| {
            if cache.len() >= MAX_CACHED {
                cache.retain(|_, cached| cached.read_at.elapsed() < ttl);
                if cache.len() >= MAX_CACHED {
                    cache.clear();
                }
            }
            cache.insert(
                id,
                Cached {
                    state,
                    uid,
                    expires_at,
                    read_at: Instant::now(),
                },
            );
        });
    }

    /// The state (JSON) of the unexpired session `key`.
    pub async fn load(&self, key: &str) -> Result<Option<Arc<str>>> {
        let id = hash_key(key);
        let now = Utc::now().naive_utc();
        let cached = self.with_cache(|cache| {
            cache
                .get(&id)
                .filter(|c| c.read_at.elapsed() < self.cache_ttl && c.expires_at > now)
                .map(|c| c.state.clone())
        });
        if cached.is_some() {
            return Ok(cached);
        }
        let mut conn = db::conn(&self.pool).await?;
        let row = web_sessions::table
            .filter(web_sessions::id.eq(&id))
            .filter(web_sessions::expires_at.gt(now))
            .select((web_sessions::state, web_sessions::expires_at))
            .first::<(String, NaiveDateTime)>(&mut conn)
            .await
            .optional()?;
        match row {
            Some((state, expires_at)) => {
                let state: Arc<str> = state.into();
                self.remember(id, state.clone(), expires_at);
                Ok(Some(state))
            }
            None => {
                self.with_cache(|cache| cache.remove(&id));
                Ok(None)
            }
        }
    }

    /// Stores the new session `key` with `state`, expiring after `ttl`. A plain INSERT: it
    /// never overwrites a row, and the key is fresh (a collision is an error).
    pub async fn insert(&self, key: &str, state: &str, ttl: TimeDelta) -> Result<()> {
        let id = hash_key(key);
        let expires_at = expiry(ttl);
        let mut conn = db::conn(&self.pool).await?;
        diesel::insert_into(web_sessions::table)
            .values((
                web_sessions::id.eq(&id),
                web_sessions::state.eq(state),
                web_sessions::user_uid.eq(uid_of(state)),
                web_sessions::created_at.eq(Utc::now().naive_utc()),
                web_sessions::expires_at.eq(expires_at),
            ))
            .execute(&mut conn)
            .await?;
        self.remember(id, state.into(), expires_at);
        Ok(())
    }

    /// Replaces the state of the existing, unexpired session `key`; `false` (and nothing
    /// written) when it is gone: a session ended on another host, or by a password change,
    /// stays ended instead of being written back.
    pub async fn update(&self, key: &str, state: &str, ttl: TimeDelta) -> Result<bool> {
        let id = hash_key(key);
        let expires_at = expiry(ttl);
        let now = Utc::now().naive_utc();
        let mut conn = db::conn(&self.pool).await?;
        let updated = diesel::update(web_sessions::table)
            .filter(web_sessions::id.eq(&id))
            .filter(web_sessions::expires_at.gt(now))
            .set((
                web_sessions::state.eq(state),
                web_sessions::user_uid.eq(uid_of(state)),
                web_sessions::expires_at.eq(expires_at),
            ))
            .execute(&mut conn)
            .await?;
        if updated == 0 {
            self.with_cache(|cache| cache.remove(&id));
            return Ok(false);
        }
        self.remember(id, state.into(), expires_at);
        Ok(true)
    }

    /// Pushes the expiry of `key` to now + `ttl`; writes only when it moves a minute or more.
    pub async fn touch(&self, key: &str, ttl: TimeDelta) -> Result<()> {
        let id = hash_key(key);
        let new_expiry = expiry(ttl);
        let fresh = self.with_cache(|cache| {
            cache
                .get(&id)
                .is_some_and(|c| c.expires_at >= new_expiry - TOUCH_GRANULARITY)
        });
        if fresh {
            return Ok(());
        }
        let mut conn = db::conn(&self.pool).await?;
        diesel::update(web_sessions::table)
            .filter(web_sessions::id.eq(&id))
            .filter(web_sessions::expires_at.lt(new_expiry - TOUCH_GRANULARITY))
            .set(web_sessions::expires_at.eq(new_expiry))
            .execute(&mut conn)
            .await?;
        self.with_cache(|cache| {
            if let Some(cached) = cache.get_mut(&id) {
                cached.expires_at = new_expiry;
            }
        });
        Ok(())
    }

    /// Deletes session `key`.
    pub async fn delete(&self, key: &str) -> Result<()> {
        let id = hash_key(key);
        self.with_cache(|cache| cache.remove(&id));
        let mut conn = db::conn(&self.pool).await?;
        diesel::delete(web_sessions::table.filter(web_sessions::id.eq(&id)))
            .execute(&mut conn)
            .await?;
        // Again: a request may have read the row back between the first removal and the delete.
        self.with_cache(|cache| cache.remove(&id));
        Ok(())
    }

    /// Ends every session of `uid` except `keep` (the one making the change); returns how many.
    pub async fn end_sessions_of(&self, uid: &str, keep: Option<&str>) -> Result<usize> {
        let keep = keep.map(hash_key).unwrap_or_default();
        let forget = |cache: &mut HashMap<Vec<u8>, Cached>| {
            cache.retain(|id, cached| *id == keep || cached.uid.as_deref() != Some(uid));
        };
        self.with_cache(forget);
        let mut conn = db::conn(&self.pool).await?;
        let ended = diesel::delete(
            web_sessions::table
                .filter(web_sessions::user_uid.eq(uid))
                .filter(web_sessions::id.ne(&keep)),
        )
        .execute(&mut conn)
        .await?;
        // Again: a request may have read a row back between the first pass and the delete.
        self.with_cache(forget);
        Ok(ended)
    }
}

/// Deletes up to `batch` expired sessions; returns how many went.
pub async fn purge_expired(pool: &DbPool, batch: i64) -> Result<usize> {
    let mut conn = db::conn(pool).await?;
    let expired: Vec<Vec<u8>> = web_sessions::table
        .filter(web_sessions::expires_at.le(Utc::now().naive_utc()))
        .select(web_sessions::id)
        .limit(batch)
        .load(&mut conn)
        .await?;
    if expired.is_empty() {
        return Ok(0);
    }
    Ok(
        diesel::delete(web_sessions::table.filter(web_sessions::id.eq_any(expired)))
            .execute(&mut conn)
            .await?,
    )
}
