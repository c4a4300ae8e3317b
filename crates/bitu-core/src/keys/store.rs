//! The `ssh_keys` table: every key Bitu knows, its owner, system and state. A unique index on
//! (system, fingerprint) makes "one key, one account" hold even under concurrent adds.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};
use serde::Serialize;

use super::parse::{MAX_COMMENT_CHARS, ParsedKey};
use crate::db::{self, DbPool};
use crate::error::Result;

use crate::db::schema::ssh_keys;

/// One key as Bitu keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Serialize)]
#[diesel(table_name = ssh_keys)]
pub struct SshKey {
    /// Row id; only its owner may see or act on it.
    pub id: u64,
    /// Owner's shell username.
    pub uid: String,
    /// Name of the system holding it (`[keys] systems`).
    pub key_system: String,
    /// Key type, e.g. `ssh-ed25519`.
    pub key_type: String,
    /// Size in bits.
    pub bits: u32,
    /// `SHA256:...` as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// The line written to the system.
    pub public_key: String,
    /// Comment.
    pub comment: String,
    /// Present in the system (active) or kept in Bitu only (suspended).
    pub active: bool,
    /// Found in the system rather than added through Bitu.
    pub imported: bool,
    /// When Bitu first knew it.
    pub created_at: NaiveDateTime,
    /// Last change of state.
    pub updated_at: NaiveDateTime,
}

/// What inserting a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// A new row.
    New(SshKey),
    /// The key is already this user's.
    AlreadyYours(SshKey),
    /// The key belongs to another account (which one is never told).
    TakenByAnother,
}

/// Keys of `uid` in `system`, oldest first.
pub async fn list(pool: &DbPool, uid: &str, system: &str) -> Result<Vec<SshKey>> {
    let mut conn = db::conn(pool).await?;
    Ok(ssh_keys::table
        .filter(ssh_keys::uid.eq(uid))
        .filter(ssh_keys::key_system.eq(system))
        .order(ssh_keys::id.asc())
        .select(SshKey::as_select())
        .load(&mut conn)
        .await?)
}

/// Key `id` if it belongs to `uid`; another user's key is `None`, like a missing one.
pub async fn find(pool: &DbPool, uid: &str, id: u64) -> Result<Option<SshKey>> {
    let mut conn = db::conn(pool).await?;
    Ok(ssh_keys::table
        .filter(ssh_keys::id.eq(id))
        .filter(ssh_keys::uid.eq(uid))
        .select(SshKey::as_select())
        .first(&mut conn)
        .await
        .optional()?)
}

async fn by_fingerprint(
    conn: &mut AsyncMysqlConnection,
    system: &str,
    fingerprint: &str,
) -> Result<Option<SshKey>> {
    Ok(ssh_keys::table
        .filter(ssh_keys::key_system.eq(system))
        .filter(ssh_keys::fingerprint.eq(fingerprint))
        .select(SshKey::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Stores `key` for `uid`; the unique index decides races between accounts.
pub async fn insert(
    pool: &DbPool,
    uid: &str,
    system: &str,
    key: &ParsedKey,
    active: bool,
    imported: bool,
) -> Result<Inserted> {
    let mut conn = db::conn(pool).await?;
    insert_on(&mut conn, uid, system, key, active, imported).await
}

/// [`insert`] on `conn`, e.g. inside the transaction that also writes the audit row.
pub async fn insert_on(
    conn: &mut AsyncMysqlConnection,
    uid: &str,
    system: &str,
    key: &ParsedKey,
    active: bool,
    imported: bool,
) -> Result<Inserted> {
    let now = Utc::now().naive_utc();
    // Comments of imported keys can be longer than the column; the line keeps all of it.
    let comment: String = key.comment.chars().take(MAX_COMMENT_CHARS).collect();
    let outcome = diesel::insert_into(ssh_keys::table)
        .values((
            ssh_keys::uid.eq(uid),
            ssh_keys::key_system.eq(system),
            ssh_keys::key_type.eq(&key.key_type),
            ssh_keys::bits.eq(key.bits),
            ssh_keys::fingerprint.eq(&key.fingerprint),
            ssh_keys::public_key.eq(&key.openssh),
            ssh_keys::comment.eq(&comment),
            ssh_keys::active.eq(active),
            ssh_keys::imported.eq(imported),
            ssh_keys::created_at.eq(now),
            ssh_keys::updated_at.eq(now),
        ))
        .execute(conn)
        .await;
    let is_new = match outcome {
        Ok(_) => true,
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => false,
        Err(e) => return Err(e.into()),
    };
    let Some(row) = by_fingerprint(conn, system, &key.fingerprint).await? else {
        // Deleted between the insert and this read: as good as taken by someone else.
        return Ok(Inserted::TakenByAnother);
    };
    Ok(match (is_new, row.uid == uid) {
        (true, _) => Inserted::New(row),
        (false, true) => Inserted::AlreadyYours(row),
        (false, false) => Inserted::TakenByAnother,
    })
}

/// Sets the state of key `id`.
pub async fn set_active(pool: &DbPool, id: u64, active: bool) -> Result<()> {
    let mut conn = db::conn(pool).await?;
    set_active_on(&mut conn, id, active).await
}

/// [`set_active`] on `conn`, e.g. inside the transaction that also writes the audit row.
pub async fn set_active_on(conn: &mut AsyncMysqlConnection, id: u64, active: bool) -> Result<()> {
    diesel::update(ssh_keys::table.filter(ssh_keys::id.eq(id)))
        .set((
            ssh_keys::active.eq(active),
            ssh_keys::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes key `id` of `uid` if it is suspended; `false` when no such suspended key.
pub async fn delete_suspended(conn: &mut AsyncMysqlConnection, uid: &str, id: u64) -> Result<bool> {
    let deleted = diesel::delete(
        ssh_keys::table
            .filter(ssh_keys::id.eq(id))
            .filter(ssh_keys::uid.eq(uid))
            .filter(ssh_keys::active.eq(false)),
    )
    .execute(conn)
    .await?;
    Ok(deleted == 1)
}
