//! `wikimedia_userblockeventlog`: the public ban log. Rows without a parent are the block and
//! unblock actions (our `block_actions`); rows pointing at one through `parent_id` are its
//! per-system rows (our `block_systems`, all done: the original applied them). A per-system
//! row names its system in `action` (`gerrit`, or `gerrit: blocked`); its comment becomes the
//! system's note.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Datetime, Integer, Text, Unsigned};
use diesel_async::RunQueryDsl;

use super::{Family, Outcome, Run, SourceRow};
use crate::db::schema::{block_actions, block_systems};
use crate::error::Result;

/// A log row.
#[derive(QueryableByName)]
pub(crate) struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Datetime)]
    created_at: NaiveDateTime,
    #[diesel(sql_type = Text)]
    created_by: String,
    #[diesel(sql_type = Text)]
    username: String,
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Text)]
    comment: String,
    #[diesel(sql_type = Bool)]
    unset_email: bool,
}

impl SourceRow for Row {
    fn legacy_id(&self) -> String {
        self.id.to_string()
    }
}

/// Per-system rows, counted under this name in the report.
pub const SYSTEM_ROWS: &str = "wikimedia_userblockeventlog (per-system rows)";

/// `block` or `unblock` for an action row's `action`.
pub fn action_kind(action: &str) -> Option<&'static str> {
    let action = action.trim().to_ascii_lowercase();
    if action.starts_with("unblock") {
        Some("unblock")
    } else if action.starts_with("block") {
        Some("block")
    } else {
        None
    }
}

/// The system a per-system row names.
pub fn system_of(action: &str) -> String {
    let name = action.split(':').next().unwrap_or_default().trim();
    name.to_ascii_lowercase().chars().take(32).collect()
}

fn cut(text: &str, max: usize) -> String {
    text.trim().chars().take(max).collect()
}

/// `wikimedia_userblockeventlog`.
pub(crate) struct BlockLog;

impl Family for BlockLog {
    type Row = Row;
    const TABLE: &'static str = "wikimedia_userblockeventlog";
    const START: &'static str = "0";

    async fn fetch(run: &mut Run<'_>, after: &str, limit: u32) -> Result<Vec<Row>> {
        Ok(diesel::sql_query(
            "SELECT id, created_at, created_by, username, action, comment, unset_email \
             FROM wikimedia_userblockeventlog \
             WHERE parent_id IS NULL AND id > CAST(? AS SIGNED) ORDER BY id LIMIT ?",
        )
        .bind::<Text, _>(after)
        .bind::<Unsigned<Integer>, _>(limit)
        .load(&mut run.source)
        .await?)
    }

    async fn import_row(run: &mut Run<'_>, row: &Row) -> Result<Outcome> {
        let children: Vec<Row> = diesel::sql_query(
            "SELECT id, created_at, created_by, username, action, comment, unset_email \
             FROM wikimedia_userblockeventlog WHERE parent_id = ? ORDER BY id",
        )
        .bind::<BigInt, _>(row.id)
        .load(&mut run.source)
        .await?;
        for _ in &children {
            run.read(SYSTEM_ROWS);
        }
        let Some(kind) = action_kind(&row.action) else {
            for _ in &children {
                run.report
                    .pending(SYSTEM_ROWS)
                    .skip("its action was skipped".into());
            }
            return Ok(Outcome::Skipped(format!("unknown action {:?}", row.action)));
        };
        diesel::insert_into(block_actions::table)
            .values((
                block_actions::uid.eq(cut(&row.username, 64)),
                block_actions::action.eq(kind),
                block_actions::manager.eq(cut(&row.created_by, 64)),
                block_actions::comment.eq(&row.comment),
                block_actions::unset_email.eq(row.unset_email),
                block_actions::move_keys.eq(false),
                block_actions::created_at.eq(row.created_at),
            ))
            .execute(&mut *run.dest)
            .await?;
        let id: u64 = diesel::select(diesel::dsl::sql::<Unsigned<BigInt>>("LAST_INSERT_ID()"))
            .get_result(&mut *run.dest)
            .await?;
        for child in &children {
            let system = system_of(&child.action);
            let legacy = child.id.to_string();
            if system.is_empty() {
                run.record(
                    SYSTEM_ROWS,
                    &legacy,
                    Outcome::Skipped("names no system".into()),
                )
                .await?;
                continue;
            }
            let inserted = diesel::insert_or_ignore_into(block_systems::table)
                .values((
                    block_systems::action_id.eq(id),
                    block_systems::system.eq(&system),
                    block_systems::state.eq("done"),
                    block_systems::reason.eq((!child.comment.trim().is_empty())
                        .then(|| child.comment.trim().to_string())),
                    block_systems::attempts.eq(1u32),
                    block_systems::updated_at.eq(child.created_at),
                ))
                .execute(&mut *run.dest)
                .await?;
            if inserted == 0 {
                let reason = "a second row for the same system of the action".to_string();
                run.record(SYSTEM_ROWS, &legacy, Outcome::Skipped(reason))
                    .await?;
                continue;
            }
            let system_id: u64 =
                diesel::select(diesel::dsl::sql::<Unsigned<BigInt>>("LAST_INSERT_ID()"))
                    .get_result(&mut *run.dest)
                    .await?;
            let outcome = Outcome::Imported {
                table: "block_systems",
                id: system_id,
            };
            run.record(SYSTEM_ROWS, &legacy, outcome).await?;
        }
        Ok(Outcome::Imported {
            table: "block_actions",
            id,
        })
    }
}
