//! `wikimedia_userblockeventlog`: the public ban log. The original's view writes the action
//! (`block_user` / `unblock_user`, our `block_actions`); its job then writes one row per
//! system with `action` = `<system> <action>` (`gerrit block_user`) and a comment that is
//! either `Successfully updated in …` or `Failed: <error>` (our `block_systems`, `done` or
//! `failed` with that reason). Per-system rows point at their action through `parent_id`;
//! rows written before `parent_id` existed have none and join the latest earlier action of
//! the same account and kind.

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

/// The system a per-system row names (`gerrit block_user`, or `gerrit: blocked`).
pub fn system_of(action: &str) -> String {
    let name = action
        .trim()
        .split(|c: char| c == ':' || c.is_whitespace())
        .next()
        .unwrap_or_default();
    name.to_ascii_lowercase().chars().take(32).collect()
}

/// For a row without a parent: the system and kind of an early per-system row
/// (`ldap block_user`), which had no `parent_id` yet.
pub fn orphan_system_row(action: &str) -> Option<(String, &'static str)> {
    let (system, rest) = action.trim().split_once(char::is_whitespace)?;
    let kind = action_kind(rest)?;
    let system = system_of(system);
    (!system.is_empty() && action_kind(system.as_str()).is_none()).then_some((system, kind))
}

/// `done`, or `failed` when the original recorded the system's error.
pub fn system_state(comment: &str) -> &'static str {
    if comment
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("failed")
    {
        "failed"
    } else {
        "done"
    }
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
            if let Some((system, kind)) = orphan_system_row(&row.action) {
                return import_orphan(run, row, &system, kind).await;
            }
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
                    block_systems::state.eq(system_state(&child.comment)),
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

/// An early per-system row without `parent_id`: it joins the latest earlier action of the same
/// account and kind, as a system row of that action.
async fn import_orphan(run: &mut Run<'_>, row: &Row, system: &str, kind: &str) -> Result<Outcome> {
    let uid = cut(&row.username, 64);
    let action: Option<u64> = block_actions::table
        .filter(block_actions::uid.eq(&uid))
        .filter(block_actions::action.eq(kind))
        .filter(block_actions::created_at.le(row.created_at))
        .order(block_actions::id.desc())
        .select(block_actions::id)
        .first(&mut *run.dest)
        .await
        .optional()?;
    let Some(action) = action else {
        return Ok(Outcome::Skipped(format!(
            "a {system} row with no earlier {kind} action of {uid}"
        )));
    };
    let inserted = diesel::insert_or_ignore_into(block_systems::table)
        .values((
            block_systems::action_id.eq(action),
            block_systems::system.eq(system),
            block_systems::state.eq(system_state(&row.comment)),
            block_systems::reason
                .eq((!row.comment.trim().is_empty()).then(|| row.comment.trim().to_string())),
            block_systems::attempts.eq(1u32),
            block_systems::updated_at.eq(row.created_at),
        ))
        .execute(&mut *run.dest)
        .await?;
    if inserted == 0 {
        return Ok(Outcome::Skipped(
            "a second row for the same system of the action".into(),
        ));
    }
    let id: u64 = diesel::select(diesel::dsl::sql::<Unsigned<BigInt>>("LAST_INSERT_ID()"))
        .get_result(&mut *run.dest)
        .await?;
    Ok(Outcome::Imported {
        table: "block_systems",
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_originals_action_strings_are_read() {
        assert_eq!(action_kind("block_user"), Some("block"));
        assert_eq!(action_kind("unblock_user"), Some("unblock"));
        assert_eq!(action_kind("gerrit block_user"), None);
        assert_eq!(system_of("gerrit block_user"), "gerrit");
        assert_eq!(system_of("Phabricator: blocked"), "phabricator");
        assert_eq!(
            orphan_system_row("ldap unblock_user"),
            Some(("ldap".into(), "unblock"))
        );
        assert_eq!(orphan_system_row("shout"), None);
        assert_eq!(orphan_system_row("block user"), None);
        assert_eq!(system_state("Failed: 401 Unauthorized"), "failed");
        assert_eq!(
            system_state("Successfully updated in ldap, action was block_user"),
            "done"
        );
    }
}
