//! The `block_actions` and `block_systems` tables: each block or unblock, and its progress in
//! every system.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};
use serde::Serialize;

use crate::db::schema::{block_actions, block_systems};
use crate::db::{self, DbPool};
use crate::error::{Error, Result};

/// One block or unblock.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Serialize)]
#[diesel(table_name = block_actions)]
pub struct ActionRow {
    /// Row id.
    pub id: u64,
    /// The account's shell username.
    pub uid: String,
    /// `block` or `unblock`.
    pub action: String,
    /// Shell username of the account manager.
    pub manager: String,
    /// Why (public).
    pub comment: String,
    /// Block: clear `mail`; unblock: restore the address the last block cleared.
    pub unset_email: bool,
    /// Block: suspend the SSH keys; unblock: restore them.
    pub move_keys: bool,
    /// The `mail` a block cleared (for managers only).
    #[serde(skip)]
    pub old_mail: Option<String>,
    /// Ids of the SSH keys a block suspended, comma-separated.
    #[serde(skip)]
    pub suspended_keys: Option<String>,
    /// When it was asked for.
    pub created_at: NaiveDateTime,
}

/// Progress of one action in one system.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Serialize)]
#[diesel(table_name = block_systems)]
pub struct SystemRow {
    /// Row id.
    pub id: u64,
    /// The action.
    pub action_id: u64,
    /// `ldap`, `gerrit`, `gitlab` or `phabricator`.
    pub system: String,
    /// `pending`, `done` or `failed`.
    pub state: String,
    /// Why it failed, or a note on how it was done.
    pub reason: Option<String>,
    /// When the worker tries a failed system again.
    pub retry_at: Option<NaiveDateTime>,
    /// Runs so far.
    pub attempts: u32,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// A new action, before it is stored.
#[derive(Debug, Clone)]
pub struct NewAction<'a> {
    /// The account.
    pub uid: &'a str,
    /// `block` or `unblock`.
    pub action: &'a str,
    /// The manager.
    pub manager: &'a str,
    /// Why.
    pub comment: &'a str,
    /// Block: clear `mail`; unblock: restore it.
    pub unset_email: bool,
    /// Suspend or restore the keys.
    pub move_keys: bool,
}

/// Stores `action` with a pending row per system, on `conn` (inside the caller's transaction);
/// returns its id.
pub async fn insert(
    conn: &mut AsyncMysqlConnection,
    action: &NewAction<'_>,
    systems: &[&str],
) -> Result<u64> {
    let now = Utc::now().naive_utc();
    diesel::insert_into(block_actions::table)
        .values((
            block_actions::uid.eq(action.uid),
            block_actions::action.eq(action.action),
            block_actions::manager.eq(action.manager),
            block_actions::comment.eq(action.comment),
            block_actions::unset_email.eq(action.unset_email),
            block_actions::move_keys.eq(action.move_keys),
            block_actions::created_at.eq(now),
        ))
        .execute(conn)
        .await?;
    let id: u64 = diesel::select(diesel::dsl::sql::<
        diesel::sql_types::Unsigned<diesel::sql_types::BigInt>,
    >("LAST_INSERT_ID()"))
    .get_result(conn)
    .await?;
    for system in systems {
        diesel::insert_into(block_systems::table)
            .values((
                block_systems::action_id.eq(id),
                block_systems::system.eq(system),
                block_systems::state.eq("pending"),
                block_systems::updated_at.eq(now),
            ))
            .execute(conn)
            .await?;
    }
    Ok(id)
}

/// Action `id`.
pub async fn action(pool: &DbPool, id: u64) -> Result<ActionRow> {
    let mut conn = db::conn(pool).await?;
    block_actions::table
        .find(id)
        .select(ActionRow::as_select())
        .first(&mut conn)
        .await
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("block action {id}")))
}

/// The row of `system` in action `id`.
pub async fn system(pool: &DbPool, id: u64, system: &str) -> Result<SystemRow> {
    let mut conn = db::conn(pool).await?;
    block_systems::table
        .filter(block_systems::action_id.eq(id))
        .filter(block_systems::system.eq(system))
        .select(SystemRow::as_select())
        .first(&mut conn)
        .await
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("system {system} of block action {id}")))
}

/// Marks `system` of action `id` done (with an optional note), on `conn`.
pub async fn mark_done(
    conn: &mut AsyncMysqlConnection,
    id: u64,
    system: &str,
    note: Option<&str>,
) -> Result<()> {
    diesel::update(
        block_systems::table
            .filter(block_systems::action_id.eq(id))
            .filter(block_systems::system.eq(system)),
    )
    .set((
        block_systems::state.eq("done"),
        block_systems::reason.eq(note),
        block_systems::retry_at.eq(None::<NaiveDateTime>),
        block_systems::attempts.eq(block_systems::attempts + 1),
        block_systems::updated_at.eq(Utc::now().naive_utc()),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks `system` of action `id` failed for `reason`, to be tried again at `retry_at`
/// (`None`: not again by itself), on `conn`.
pub async fn mark_failed(
    conn: &mut AsyncMysqlConnection,
    id: u64,
    system: &str,
    reason: &str,
    retry_at: Option<NaiveDateTime>,
) -> Result<()> {
    diesel::update(
        block_systems::table
            .filter(block_systems::action_id.eq(id))
            .filter(block_systems::system.eq(system))
            .filter(block_systems::state.ne("done")),
    )
    .set((
        block_systems::state.eq("failed"),
        block_systems::reason.eq(reason),
        block_systems::retry_at.eq(retry_at),
        block_systems::attempts.eq(block_systems::attempts + 1),
        block_systems::updated_at.eq(Utc::now().naive_utc()),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// Keeps the `mail` a block cleared; a rerun keeps the first value seen.
pub async fn keep_old_mail(pool: &DbPool, id: u64, mail: &str) -> Result<()> {
    let mut conn = db::conn(pool).await?;
    diesel::update(
        block_actions::table
            .find(id)
            .filter(block_actions::old_mail.is_null()),
    )
    .set(block_actions::old_mail.eq(mail))
    .execute(&mut conn)
    .await?;
    Ok(())
}

/// Keeps the ids of the keys a block suspended, adding to those an earlier run kept.
pub async fn keep_suspended_keys(pool: &DbPool, id: u64, key_ids: &[u64]) -> Result<()> {
    let mut all = action(pool, id).await?.suspended_key_ids();
    all.extend_from_slice(key_ids);
    all.sort_unstable();
    all.dedup();
    let text = all.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
    let mut conn = db::conn(pool).await?;
    diesel::update(block_actions::table.find(id))
        .set(block_actions::suspended_keys.eq(text))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// The latest block of `uid` that suspended keys.
pub async fn latest_key_suspension(pool: &DbPool, uid: &str) -> Result<Option<ActionRow>> {
    let mut conn = db::conn(pool).await?;
    Ok(block_actions::table
        .filter(block_actions::uid.eq(uid))
        .filter(block_actions::action.eq("block"))
        .filter(block_actions::suspended_keys.is_not_null())
        .order(block_actions::id.desc())
        .select(ActionRow::as_select())
        .first(&mut conn)
        .await
        .optional()?)
}

/// The latest block of `uid` that cleared an email address (kept in `old_mail`).
pub async fn latest_mail_removal(pool: &DbPool, uid: &str) -> Result<Option<ActionRow>> {
    let mut conn = db::conn(pool).await?;
    Ok(block_actions::table
        .filter(block_actions::uid.eq(uid))
        .filter(block_actions::action.eq("block"))
        .filter(block_actions::old_mail.is_not_null())
        .order(block_actions::id.desc())
        .select(ActionRow::as_select())
        .first(&mut conn)
        .await
        .optional()?)
}

impl ActionRow {
    /// Ids of the keys this block suspended.
    pub fn suspended_key_ids(&self) -> Vec<u64> {
        self.suspended_keys
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter_map(|id| id.trim().parse().ok())
            .collect()
    }
}

/// Actions on `uid`, newest first, each with its system rows.
pub async fn history(pool: &DbPool, uid: &str) -> Result<Vec<(ActionRow, Vec<SystemRow>)>> {
    let mut conn = db::conn(pool).await?;
    let actions: Vec<ActionRow> = block_actions::table
        .filter(block_actions::uid.eq(uid))
        .order(block_actions::id.desc())
        .select(ActionRow::as_select())
        .load(&mut conn)
        .await?;
    let ids: Vec<u64> = actions.iter().map(|a| a.id).collect();
    let systems: Vec<SystemRow> = block_systems::table
        .filter(block_systems::action_id.eq_any(&ids))
        .order(block_systems::id.asc())
        .select(SystemRow::as_select())
        .load(&mut conn)
        .await?;
    Ok(actions
        .into_iter()
        .map(|action| {
            let rows = systems
                .iter()
                .filter(|s| s.action_id == action.id)
                .cloned()
                .collect();
            (action, rows)
        })
        .collect())
}

/// The latest actions of `uids`, one per account.
pub async fn latest_of(pool: &DbPool, uids: &[&str]) -> Result<Vec<ActionRow>> {
    if uids.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = db::conn(pool).await?;
    let rows: Vec<ActionRow> = block_actions::table
        .filter(block_actions::uid.eq_any(uids))
        .order(block_actions::id.desc())
        .select(ActionRow::as_select())
        .load(&mut conn)
        .await?;
    let mut latest: Vec<ActionRow> = Vec::new();
    for row in rows {
        if !latest.iter().any(|r| r.uid == row.uid) {
            latest.push(row);
        }
    }
    Ok(latest)
}

/// One page of every action, newest first, and the number of actions.
pub async fn page(pool: &DbPool, page: i64, per_page: i64) -> Result<(Vec<ActionRow>, i64)> {
    let mut conn = db::conn(pool).await?;
    let total: i64 = block_actions::table.count().get_result(&mut conn).await?;
    let rows = block_actions::table
        .order(block_actions::id.desc())
        .offset(page.saturating_sub(1).max(0) * per_page)
        .limit(per_page)
        .select(ActionRow::as_select())
        .load(&mut conn)
        .await?;
    Ok((rows, total))
}
