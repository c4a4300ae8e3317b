//! Block list entries in MariaDB, and the version counter daemons watch to reload.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};

use super::matcher::Entry;
use super::parse::{EntryOptions, ParsedLine};
use crate::db::schema::{blocklist_entries, blocklist_versions};
use crate::error::{Error, Result};

/// Origin of entries added with `bitu blocklist add`.
pub const MANUAL: &str = "manual";

/// Version counter bumped whenever an entry that matching depends on changes.
pub const PATTERNS_VERSION: &str = "patterns";

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = blocklist_entries, check_for_backend(diesel::mysql::Mysql))]
pub struct EntryRow {
    /// Row id.
    pub id: i64,
    /// `manual` or the source's name.
    pub origin: String,
    /// Line in the source page.
    pub line: Option<i32>,
    /// The regex as written.
    pub pattern: String,
    /// Canonical options, e.g. `casesensitive|newaccountonly`.
    pub options: String,
    /// Comment from the page, or the reason given when added by hand.
    pub comment: String,
    /// When the entry was first stored.
    pub created_at: NaiveDateTime,
    /// When a sync last saw it on its page.
    pub last_seen: NaiveDateTime,
    /// When its line, comment or options last changed.
    pub updated_at: NaiveDateTime,
}

impl EntryRow {
    /// The entry as the matcher needs it.
    pub fn to_entry(&self) -> Entry {
        Entry {
            origin: self.origin.clone(),
            line: self.line.and_then(|line| u32::try_from(line).ok()),
            pattern: self.pattern.clone(),
            options: EntryOptions::parse(&self.options),
        }
    }
}

/// A row to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = blocklist_entries)]
pub(crate) struct NewEntry<'a> {
    pub origin: &'a str,
    pub line: Option<i32>,
    pub pattern: &'a str,
    pub options: String,
    pub comment: &'a str,
    pub created_at: NaiveDateTime,
    pub last_seen: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl<'a> NewEntry<'a> {
    pub(crate) fn from_parsed(origin: &'a str, parsed: &'a ParsedLine, now: NaiveDateTime) -> Self {
        NewEntry {
            origin,
            line: (parsed.line > 0).then(|| i32::try_from(parsed.line).unwrap_or(i32::MAX)),
            pattern: &parsed.pattern,
            options: parsed.options.to_string(),
            comment: &parsed.comment,
            created_at: now,
            last_seen: now,
            updated_at: now,
        }
    }
}

/// The current value of version counter `name`.
pub async fn version(conn: &mut AsyncMysqlConnection, name: &str) -> Result<i64> {
    Ok(blocklist_versions::table
        .find(name)
        .select(blocklist_versions::version)
        .first(conn)
        .await
        .optional()?
        .unwrap_or(0))
}

/// Bumps version counter `name`; call inside the transaction that made the change.
pub(crate) async fn bump(conn: &mut AsyncMysqlConnection, name: &str) -> Result<()> {
    diesel::update(blocklist_versions::table.find(name))
        .set(blocklist_versions::version.eq(blocklist_versions::version + 1))
        .execute(conn)
        .await?;
    Ok(())
}

/// Stored entries, of one origin or all, ordered by origin, line and id.
pub async fn entries(
    conn: &mut AsyncMysqlConnection,
    origin: Option<&str>,
) -> Result<Vec<EntryRow>> {
    let mut query = blocklist_entries::table
        .select(EntryRow::as_select())
        .order((
            blocklist_entries::origin,
            blocklist_entries::line,
            blocklist_entries::id,
        ))
        .into_boxed();
    if let Some(origin) = origin {
        query = query.filter(blocklist_entries::origin.eq(origin.to_string()));
    }
    Ok(query.load(conn).await?)
}

/// Every entry as the matcher takes them, with the version they were read at.
pub async fn matcher_entries(conn: &mut AsyncMysqlConnection) -> Result<(i64, Vec<Entry>)> {
    conn.transaction(async |conn| {
        let version = version(conn, PATTERNS_VERSION).await?;
        let rows = entries(conn, None).await?;
        Ok::<_, Error>((version, rows.iter().map(EntryRow::to_entry).collect()))
    })
    .await
}

/// Adds a `manual` entry; `false` when the same pattern with the same options exists.
pub async fn add_manual(
    conn: &mut AsyncMysqlConnection,
    parsed: &ParsedLine,
    now: NaiveDateTime,
) -> Result<bool> {
    conn.transaction(async |conn| {
        let inserted = diesel::insert_or_ignore_into(blocklist_entries::table)
            .values(NewEntry::from_parsed(MANUAL, parsed, now))
            .execute(conn)
            .await?;
        if inserted > 0 {
            bump(conn, PATTERNS_VERSION).await?;
        }
        Ok::<_, Error>(inserted > 0)
    })
    .await
}

/// Removes `manual` entries by id or by pattern as written; returns how many went.
pub async fn remove_manual(
    conn: &mut AsyncMysqlConnection,
    ids: &[i64],
    patterns: &[String],
) -> Result<usize> {
    conn.transaction(async |conn| {
        let removed = diesel::delete(
            blocklist_entries::table
                .filter(blocklist_entries::origin.eq(MANUAL))
                .filter(
                    blocklist_entries::id
                        .eq_any(ids)
                        .or(blocklist_entries::pattern.eq_any(patterns)),
                ),
        )
        .execute(conn)
        .await?;
        if removed > 0 {
            bump(conn, PATTERNS_VERSION).await?;
        }
        Ok::<_, Error>(removed)
    })
    .await
}
