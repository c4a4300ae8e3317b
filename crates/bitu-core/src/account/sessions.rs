//! Storage of browser sessions in MariaDB. The session key only ever reaches the database as
//! its SHA-256, so a database dump cannot be replayed as cookies.

use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use sha2::{Digest, Sha256};

use crate::db::schema::web_sessions;
use crate::db::{self, DbPool};
use crate::error::Result;

/// Key in the session state holding the signed-in user's uid (mirrored into `user_uid`).
pub const UID_KEY: &str = "uid";

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

/// The state (JSON) of the unexpired session `key`.
pub async fn load(pool: &DbPool, key: &str) -> Result<Option<String>> {
    let mut conn = db::conn(pool).await?;
    Ok(web_sessions::table
        .filter(web_sessions::id.eq(hash_key(key)))
        .filter(web_sessions::expires_at.gt(Utc::now().naive_utc()))
        .select(web_sessions::state)
        .first::<String>(&mut conn)
        .await
        .optional()?)
}

/// Stores (inserts or replaces) session `key` with `state`, expiring after `ttl`.
pub async fn store(pool: &DbPool, key: &str, state: &str, ttl: TimeDelta) -> Result<()> {
    let mut conn = db::conn(pool).await?;
    diesel::replace_into(web_sessions::table)
        .values((
            web_sessions::id.eq(hash_key(key)),
            web_sessions::state.eq(state),
            web_sessions::user_uid.eq(uid_of(state)),
            web_sessions::created_at.eq(Utc::now().naive_utc()),
            web_sessions::expires_at.eq(expiry(ttl)),
        ))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Pushes the expiry of `key` to now + `ttl`; skips the write when it moved less than a minute.
pub async fn touch(pool: &DbPool, key: &str, ttl: TimeDelta) -> Result<()> {
    let mut conn = db::conn(pool).await?;
    let new_expiry = expiry(ttl);
    diesel::update(web_sessions::table)
        .filter(web_sessions::id.eq(hash_key(key)))
        .filter(web_sessions::expires_at.lt(new_expiry - TimeDelta::minutes(1)))
        .set(web_sessions::expires_at.eq(new_expiry))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Deletes session `key`.
pub async fn delete(pool: &DbPool, key: &str) -> Result<()> {
    let mut conn = db::conn(pool).await?;
    diesel::delete(web_sessions::table.filter(web_sessions::id.eq(hash_key(key))))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Ends every session of `uid` except `keep` (the one making the change); returns how many.
pub async fn end_sessions_of(pool: &DbPool, uid: &str, keep: Option<&str>) -> Result<usize> {
    let mut conn = db::conn(pool).await?;
    let keep = keep.map(hash_key).unwrap_or_default();
    Ok(diesel::delete(
        web_sessions::table
            .filter(web_sessions::user_uid.eq(uid))
            .filter(web_sessions::id.ne(keep)),
    )
    .execute(&mut conn)
    .await?)
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
