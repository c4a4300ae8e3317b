//! Fills `name_skeletons` from the developer names (`cn`) in LDAP, including entries made
//! outside Bitu. Idempotent (a skeleton already stored is skipped), so an interrupted run is
//! resumed by running it again: what was written stays and is not written twice.

use super::NameRules;
use super::confusables::record_existing;
use crate::db::{self, DbPool};
use crate::directory::Directory;
use crate::error::Result;

/// Names written per INSERT statement.
pub const BATCH: usize = 1000;
/// LDAP page size.
const PAGE_SIZE: i32 = 1000;

/// How far a backfill got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Names read from the directory.
    pub read: usize,
    /// Of those, names written so far.
    pub written: usize,
    /// Skeletons added (the others were there already).
    pub added: usize,
}

/// Reads every user entry's `cn` and records its skeleton, calling `progress` after each
/// batch. Names are taken in canonical form where they are valid titles, as written otherwise.
pub async fn backfill(
    directory: &Directory,
    pool: &DbPool,
    rules: &NameRules,
    mut progress: impl FnMut(&Progress),
) -> Result<Progress> {
    let names: Vec<String> = directory
        .all_developer_names(PAGE_SIZE)
        .await?
        .iter()
        .map(|cn| {
            rules
                .title_name(cn)
                .unwrap_or_else(|_| cn.trim().to_string())
        })
        .filter(|name| !name.is_empty())
        .collect();
    let mut done = Progress {
        read: names.len(),
        ..Progress::default()
    };
    let mut conn = db::conn(pool).await?;
    for batch in names.chunks(BATCH) {
        done.added += record_existing(&mut conn, batch).await?;
        done.written += batch.len();
        progress(&done);
    }
    if names.is_empty() {
        progress(&done);
    }
    Ok(done)
}
