//! Importing a Titleblacklist page: read it, validate every line, and bring the source's
//! stored entries in line in one transaction.

use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};

use super::matcher::{Skipped, validate};
use super::parse::{ParsedLine, parse_page};
use super::store::{self, EntryRow, NewEntry, PATTERNS_VERSION};
use crate::db::schema::blocklist_entries;
use crate::error::{Error, Result};

/// Rows per INSERT or `IN (...)` list, to keep statements small.
const BATCH: usize = 500;

/// A page, read and checked.
#[derive(Debug, Clone, Default)]
pub struct PageRead {
    /// Entries that compile, first occurrence of each (pattern, options) only.
    pub entries: Vec<ParsedLine>,
    /// Lines no engine reads.
    pub skipped: Vec<Skipped>,
    /// (line, line it repeats) for entries written twice.
    pub duplicates: Vec<(u32, u32)>,
}

/// Parses and validates a page of source `origin`.
pub fn read_page(origin: &str, text: &str, backtrack_limit: usize) -> PageRead {
    let mut read = PageRead::default();
    let mut first_line: HashMap<(String, String), u32> = HashMap::new();
    for parsed in parse_page(text) {
        if let Err(reason) = validate(&parsed.pattern, &parsed.options, backtrack_limit) {
            tracing::warn!(origin, line = parsed.line, pattern = %parsed.pattern, %reason,
                "block list line skipped");
            read.skipped.push(Skipped {
                origin: origin.to_string(),
                line: Some(parsed.line),
                pattern: parsed.pattern,
                reason,
            });
            continue;
        }
        let key = (parsed.pattern.clone(), parsed.options.to_string());
        if let Some(first) = first_line.get(&key) {
            read.duplicates.push((parsed.line, *first));
            continue;
        }
        first_line.insert(key, parsed.line);
        read.entries.push(parsed);
    }
    read
}

/// What an import did (or, in a dry run, would do) to one source's entries.
#[derive(Debug, Clone, Default)]
pub struct PatternChanges {
    /// Entries new on the page.
    pub added: Vec<ParsedLine>,
    /// Stored entries gone from the page for longer than the grace period: deleted.
    pub removed: Vec<EntryRow>,
    /// Stored entries still on the page (their last-seen time is refreshed).
    pub kept: usize,
    /// Of those, entries whose line number or comment changed.
    pub moved: usize,
    /// Stored entries gone from the page but still within the grace period: kept for now.
    pub absent: Vec<EntryRow>,
}

/// Brings the stored entries of `origin` in line with `page` in one transaction: adds new
/// ones, refreshes those seen, deletes those unseen since `now - stale_after`. With `dry_run`
/// nothing is written. The version counter moves only when matching can change.
pub async fn apply_page(
    conn: &mut AsyncMysqlConnection,
    origin: &str,
    page: &[ParsedLine],
    now: NaiveDateTime,
    stale_after: Duration,
    dry_run: bool,
) -> Result<PatternChanges> {
    let stale_before = now
        - chrono::Duration::from_std(stale_after)
            .map_err(|e| Error::Internal(format!("stale_after out of range: {e}")))?;
    conn.transaction(async |conn| {
        let existing = store::entries(conn, Some(origin)).await?;
        let mut by_key: HashMap<(&str, &str), &EntryRow> = existing
            .iter()
            .map(|row| ((row.pattern.as_str(), row.options.as_str()), row))
            .collect();
        let mut changes = PatternChanges::default();
        let mut seen = Vec::new();
        let mut moved = Vec::new();
        let option_texts: Vec<String> = page.iter().map(|p| p.options.to_string()).collect();
        for (parsed, options) in page.iter().zip(&option_texts) {
            match by_key.remove(&(parsed.pattern.as_str(), options.as_str())) {
                Some(row) => {
                    seen.push(row.id);
                    let line = i32::try_from(parsed.line).ok();
                    if row.line != line || row.comment != parsed.comment {
                        moved.push((row.id, line, parsed.comment.as_str()));
                    }
                }
                None => changes.added.push(parsed.clone()),
            }
        }
        for row in by_key.into_values() {
            if row.last_seen < stale_before {
                changes.removed.push(row.clone());
            } else {
                changes.absent.push(row.clone());
            }
        }
        changes.removed.sort_by_key(|row| (row.line, row.id));
        changes.absent.sort_by_key(|row| (row.line, row.id));
        changes.kept = seen.len();
        changes.moved = moved.len();
        if dry_run {
            return Ok::<_, Error>(changes);
        }
        let new_rows: Vec<NewEntry> = changes
            .added
            .iter()
            .map(|parsed| NewEntry::from_parsed(origin, parsed, now))
            .collect();
        for batch in new_rows.chunks(BATCH) {
            diesel::insert_into(blocklist_entries::table)
                .values(batch)
                .execute(conn)
                .await?;
        }
        for (id, line, comment) in &moved {
            diesel::update(blocklist_entries::table.find(id))
                .set((
                    blocklist_entries::line.eq(line),
                    blocklist_entries::comment.eq(comment),
                    blocklist_entries::updated_at.eq(now),
                ))
                .execute(conn)
                .await?;
        }
        for batch in seen.chunks(BATCH) {
            diesel::update(blocklist_entries::table.filter(blocklist_entries::id.eq_any(batch)))
                .set(blocklist_entries::last_seen.eq(now))
                .execute(conn)
                .await?;
        }
        let removed_ids: Vec<i64> = changes.removed.iter().map(|row| row.id).collect();
        for batch in removed_ids.chunks(BATCH) {
            diesel::delete(blocklist_entries::table.filter(blocklist_entries::id.eq_any(batch)))
                .execute(conn)
                .await?;
        }
        if !changes.added.is_empty() || !changes.removed.is_empty() || !moved.is_empty() {
            store::bump(conn, PATTERNS_VERSION).await?;
        }
        Ok(changes)
    })
    .await
}
