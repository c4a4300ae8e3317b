//! The skeletons of the names in use (`name_skeletons`): a new name is refused when its
//! skeleton belongs to another name already, found with one unique-index probe.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

use super::skeleton::skeleton;
use crate::db::schema::name_skeletons;
use crate::error::Result;

/// Name of the unique key, as a duplicate-key error names it.
pub const UNIQUE_KEY: &str = "name_skeletons_skeleton";

/// The stored key of `name`: SHA-256 of its skeleton.
pub fn skeleton_hash(name: &str) -> Vec<u8> {
    Sha256::digest(skeleton(name).as_bytes()).to_vec()
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// The name in use whose skeleton `name` shares, if any (`name` itself included).
pub async fn similar_name(conn: &mut AsyncMysqlConnection, name: &str) -> Result<Option<String>> {
    Ok(name_skeletons::table
        .filter(name_skeletons::skeleton_hash.eq(skeleton_hash(name)))
        .select(name_skeletons::name)
        .first(conn)
        .await
        .optional()?)
}

/// The query [`similar_name`] runs, for `EXPLAIN` (the hash as hex).
pub fn similar_name_sql(name: &str) -> String {
    let hash: String = skeleton_hash(name)
        .iter()
        .map(|byte| format!("{byte:02X}"))
        .collect();
    format!("SELECT name FROM name_skeletons WHERE skeleton_hash = X'{hash}' LIMIT 1")
}

/// Records the skeletons of names in the directory; names whose skeleton is already there
/// are skipped. Returns how many were added.
pub async fn record_existing(conn: &mut AsyncMysqlConnection, names: &[String]) -> Result<usize> {
    if names.is_empty() {
        return Ok(0);
    }
    let created_at = now();
    let rows: Vec<_> = names
        .iter()
        .map(|name| {
            (
                name_skeletons::skeleton_hash.eq(skeleton_hash(name)),
                name_skeletons::name.eq(name.as_str()),
                name_skeletons::created_at.eq(created_at),
            )
        })
        .collect();
    Ok(diesel::insert_or_ignore_into(name_skeletons::table)
        .values(rows)
        .execute(conn)
        .await?)
}

/// Holds the skeleton of a pending sign-up's name; fails with a duplicate-key error on
/// [`UNIQUE_KEY`] when a similar name took it first (run inside the sign-up's transaction).
pub async fn hold_for_signup(
    conn: &mut AsyncMysqlConnection,
    name: &str,
    signup_id: u64,
) -> Result<()> {
    diesel::insert_into(name_skeletons::table)
        .values((
            name_skeletons::skeleton_hash.eq(skeleton_hash(name)),
            name_skeletons::name.eq(name),
            name_skeletons::signup_id.eq(signup_id),
            name_skeletons::created_at.eq(now()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The sign-up's name is in the directory now: its skeleton outlives the sign-up row.
pub async fn settle_signup(
    conn: &mut AsyncMysqlConnection,
    signup_id: u64,
    name: &str,
) -> Result<()> {
    diesel::update(name_skeletons::table.filter(name_skeletons::signup_id.eq(signup_id)))
        .set(name_skeletons::signup_id.eq(None::<u64>))
        .execute(conn)
        .await?;
    record_existing(conn, &[name.to_string()]).await?;
    Ok(())
}
