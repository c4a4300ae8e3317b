//! The rows of two-factor sign-in: one encrypted secret per account (waiting or enabled) and
//! its single-use recovery codes (hashed). Every function runs on the caller's connection, so
//! a change commits with its audit row and mail.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};

use crate::db::schema::{twofactor_recovery_codes as codes, twofactor_secrets as secrets};
use crate::error::Result;

/// An account's secret row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = secrets)]
pub struct SecretRow {
    /// Shell username.
    pub uid: String,
    /// Nonce, ciphertext and tag (see `crypto`).
    pub secret_encrypted: Vec<u8>,
    /// The key that encrypted it.
    pub key_id: String,
    /// Whether sign-in asks for codes (false: enrolment not confirmed yet).
    pub enabled: bool,
    /// When the enrolment began.
    pub created_at: NaiveDateTime,
    /// When the first correct code enabled it.
    pub enabled_at: Option<NaiveDateTime>,
}

/// The secret row of `uid`, if any.
pub async fn secret_of(conn: &mut AsyncMysqlConnection, uid: &str) -> Result<Option<SecretRow>> {
    Ok(secrets::table
        .filter(secrets::uid.eq(uid))
        .select(SecretRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Stores a new, not yet enabled secret for `uid`, replacing a waiting one (never an enabled
/// one: then nothing is written and `false` comes back).
pub async fn put_waiting(
    conn: &mut AsyncMysqlConnection,
    uid: &str,
    encrypted: &[u8],
    key_id: &str,
    now: NaiveDateTime,
) -> Result<bool> {
    diesel::delete(
        secrets::table
            .filter(secrets::uid.eq(uid))
            .filter(secrets::enabled.eq(false)),
    )
    .execute(conn)
    .await?;
    let written = diesel::insert_or_ignore_into(secrets::table)
        .values((
            secrets::uid.eq(uid),
            secrets::secret_encrypted.eq(encrypted),
            secrets::key_id.eq(key_id),
            secrets::enabled.eq(false),
            secrets::created_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(written == 1)
}

/// Stores an imported secret for `uid` as it was (enabled or not); an existing row stays.
pub async fn put_imported(
    conn: &mut AsyncMysqlConnection,
    uid: &str,
    encrypted: &[u8],
    key_id: &str,
    enabled: bool,
    created_at: NaiveDateTime,
) -> Result<bool> {
    let written = diesel::insert_or_ignore_into(secrets::table)
        .values((
            secrets::uid.eq(uid),
            secrets::secret_encrypted.eq(encrypted),
            secrets::key_id.eq(key_id),
            secrets::enabled.eq(enabled),
            secrets::created_at.eq(created_at),
            secrets::enabled_at.eq(enabled.then_some(created_at)),
        ))
        .execute(conn)
        .await?;
    Ok(written == 1)
}

/// Enables the waiting secret of `uid`; `false` when there was none waiting.
pub async fn enable(
    conn: &mut AsyncMysqlConnection,
    uid: &str,
    now: NaiveDateTime,
) -> Result<bool> {
    let changed = diesel::update(
        secrets::table
            .filter(secrets::uid.eq(uid))
            .filter(secrets::enabled.eq(false)),
    )
    .set((secrets::enabled.eq(true), secrets::enabled_at.eq(now)))
    .execute(conn)
    .await?;
    Ok(changed == 1)
}

/// Removes `uid`'s secret and recovery codes; `false` when two-factor was not enabled.
pub async fn remove(conn: &mut AsyncMysqlConnection, uid: &str) -> Result<bool> {
    let enabled = secret_of(conn, uid).await?.is_some_and(|row| row.enabled);
    diesel::delete(secrets::table.filter(secrets::uid.eq(uid)))
        .execute(conn)
        .await?;
    diesel::delete(codes::table.filter(codes::uid.eq(uid)))
        .execute(conn)
        .await?;
    Ok(enabled)
}

/// Replaces the secret of `uid` with `encrypted` (key rotation).
pub async fn reencrypt(
    conn: &mut AsyncMysqlConnection,
    uid: &str,
    encrypted: &[u8],
    key_id: &str,
) -> Result<()> {
    diesel::update(secrets::table.filter(secrets::uid.eq(uid)))
        .set((
            secrets::secret_encrypted.eq(encrypted),
            secrets::key_id.eq(key_id),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Every secret row not encrypted with the key `key_id`.
pub async fn rows_not_under(
    conn: &mut AsyncMysqlConnection,
    key_id: &str,
) -> Result<Vec<SecretRow>> {
    Ok(secrets::table
        .filter(secrets::key_id.ne(key_id))
        .select(SecretRow::as_select())
        .load(conn)
        .await?)
}

/// Replaces the recovery codes of `uid` with `hashes` (all unused).
pub async fn replace_codes(
    conn: &mut AsyncMysqlConnection,
    uid: &str,
    hashes: &[Vec<u8>],
    now: NaiveDateTime,
) -> Result<()> {
    diesel::delete(codes::table.filter(codes::uid.eq(uid)))
        .execute(conn)
        .await?;
    add_codes(conn, uid, hashes, now).await
}

/// Adds recovery codes (hashed) for `uid`; one already there is left alone.
pub async fn add_codes(
    conn: &mut AsyncMysqlConnection,
    uid: &str,
    hashes: &[Vec<u8>],
    now: NaiveDateTime,
) -> Result<()> {
    for hash in hashes {
        diesel::insert_or_ignore_into(codes::table)
            .values((
                codes::uid.eq(uid),
                codes::code_hash.eq(hash),
                codes::created_at.eq(now),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Spends the unused recovery code of `uid` with hash `hash`; `false` when there is none (a
/// wrong or spent code). One statement, so two requests cannot both spend it.
pub async fn spend_code(
    conn: &mut AsyncMysqlConnection,
    uid: &str,
    hash: &[u8],
    now: NaiveDateTime,
) -> Result<bool> {
    let changed = diesel::update(
        codes::table
            .filter(codes::uid.eq(uid))
            .filter(codes::code_hash.eq(hash))
            .filter(codes::used_at.is_null()),
    )
    .set(codes::used_at.eq(now))
    .execute(conn)
    .await?;
    Ok(changed == 1)
}

/// How many unused recovery codes `uid` has.
pub async fn codes_left(conn: &mut AsyncMysqlConnection, uid: &str) -> Result<i64> {
    Ok(codes::table
        .filter(codes::uid.eq(uid))
        .filter(codes::used_at.is_null())
        .count()
        .get_result(conn)
        .await?)
}
