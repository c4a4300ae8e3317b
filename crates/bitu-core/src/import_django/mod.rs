//! `bitu import-django`: carries the Django original's data (release 0.1.18, its MariaDB
//! tables) over to ours at cut-over. One file per family of source tables; this module holds
//! what they share: the two connections, the batches and the mapping table.
//!
//! Every source table is read in primary-key order, in batches. Each batch is one transaction
//! on our database holding the imported rows, their `legacy_import_map` rows (legacy id → our
//! id) and one audit row, so a run stopped anywhere resumes where it stopped and a second run
//! finds every row mapped and changes nothing. Rows that cannot be carried over are counted
//! with the reason, never half-written. `--dry-run` does all of it and rolls every batch back.

mod accounts;
mod blocklist;
mod blocks;
mod keys;
mod permissions;
mod report;
mod signups;
mod tokens;
mod twofactor;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{
    AnsiTransactionManager, AsyncConnection, AsyncMysqlConnection, RunQueryDsl, TransactionManager,
};

pub use report::{Report, TableReport};

use crate::audit::{self, Action, Actor, Entry, Target};
use crate::config::Settings;
use crate::db::schema::legacy_import_map;
use crate::db::{self, DbPool};
use crate::error::{Error, Result};

/// Test-only: stop (as if killed) after this many committed batches, to test resuming.
pub const STOP_AFTER_BATCHES_ENV: &str = "BITU_IMPORT_STOP_AFTER_BATCHES";

/// What `bitu import-django` was asked to do.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// `mysql://user:password@host/database` of the original's database (read only).
    pub source_url: String,
    /// Do everything, then roll every batch back.
    pub dry_run: bool,
    /// Rows per batch (one transaction each).
    pub batch_size: u32,
    /// Who runs it, for the audit rows.
    pub actor: Actor,
}

/// Outcome of one source row.
pub(crate) enum Outcome {
    /// Written as row `id` of our table `table`.
    Imported {
        /// Our table.
        table: &'static str,
        /// Our row id.
        id: u64,
    },
    /// Not carried over, and why.
    Skipped(String),
}

/// A running import: the source, our database, the report.
pub(crate) struct Run<'a> {
    pub(crate) settings: &'a Settings,
    pub(crate) options: &'a ImportOptions,
    pub(crate) source: AsyncMysqlConnection,
    pub(crate) dest: db::DbConn,
    pub(crate) report: Report,
    batches_committed: usize,
    stop_after: Option<usize>,
}

/// Imports everything; the report says what happened to every source row.
pub async fn run(pool: &DbPool, settings: &Settings, options: &ImportOptions) -> Result<Report> {
    let source = AsyncMysqlConnection::establish(&options.source_url)
        .await
        .map_err(|e| Error::DatabaseUnavailable(format!("the original's database: {e}")))?;
    let dest = db::conn(pool).await?;
    let stop_after = std::env::var(STOP_AFTER_BATCHES_ENV)
        .ok()
        .and_then(|v| v.parse().ok());
    let mut run = Run {
        settings,
        options,
        source,
        dest,
        report: Report::new(options.dry_run),
        batches_committed: 0,
        stop_after,
    };
    // Order matters only for the report; every family stands alone.
    run.import_table::<signups::Signups>().await?;
    run.import_table::<blocklist::Usernames>().await?;
    run.import_table::<blocklist::IpBlocks>().await?;
    run.import_table::<tokens::Tokens>().await?;
    run.import_table::<keys::Keys>().await?;
    run.import_table::<permissions::Requests>().await?;
    run.import_table::<blocks::BlockLog>().await?;
    run.import_table::<twofactor::Secrets>().await?;
    run.import_table::<twofactor::Codes>().await?;
    accounts::report(&mut run).await?;
    Ok(run.report)
}

/// A row of a source table.
pub(crate) trait SourceRow {
    /// Its primary key, as text.
    fn legacy_id(&self) -> String;
}

/// One source table (with the tables hanging off it) and how its rows become ours.
pub(crate) trait Family {
    /// The row as read.
    type Row: SourceRow;
    /// The original's table.
    const TABLE: &'static str;
    /// Key below every real one (`0` for numbers, empty for text keys).
    const START: &'static str;
    /// Up to `limit` rows with keys after `after`, in key order.
    async fn fetch(run: &mut Run<'_>, after: &str, limit: u32) -> Result<Vec<Self::Row>>;
    /// Writes one row (inside the batch's transaction), or says why not.
    async fn import_row(run: &mut Run<'_>, row: &Self::Row) -> Result<Outcome>;
}

impl Run<'_> {
    /// Imports every row of `F`'s table, batch by batch; rows mapped already are left alone.
    pub(crate) async fn import_table<F: Family>(&mut self) -> Result<()> {
        self.report.touch(F::TABLE);
        let mut after = F::START.to_string();
        loop {
            let limit = self.options.batch_size;
            let rows = F::fetch(self, &after, limit).await?;
            let (Some(first), Some(last)) = (rows.as_slice().first(), rows.as_slice().last())
            else {
                return Ok(());
            };
            let (first, last) = (first.legacy_id(), last.legacy_id());
            self.begin().await?;
            let mut result = Ok(());
            for row in &rows {
                result = self.import_one::<F>(row).await;
                if result.is_err() {
                    break;
                }
            }
            self.end(F::TABLE, result, &first, &last).await?;
            after = last;
        }
    }

    async fn import_one<F: Family>(&mut self, row: &F::Row) -> Result<()> {
        let id = row.legacy_id();
        self.read(F::TABLE);
        if self.mapped(F::TABLE, &id).await?.is_some() {
            self.already(F::TABLE);
            return Ok(());
        }
        let outcome = F::import_row(self, row).await?;
        self.record(F::TABLE, &id, outcome).await
    }

    /// Starts a batch: a transaction on our database.
    pub(crate) async fn begin(&mut self) -> Result<()> {
        AnsiTransactionManager::begin_transaction(&mut *self.dest).await?;
        Ok(())
    }

    /// Whether source row `legacy_id` of `table` was imported by an earlier batch or run.
    pub(crate) async fn mapped(&mut self, table: &str, legacy_id: &str) -> Result<Option<u64>> {
        Ok(legacy_import_map::table
            .filter(legacy_import_map::source_table.eq(table))
            .filter(legacy_import_map::legacy_id.eq(legacy_id))
            .select(legacy_import_map::target_id)
            .first(&mut *self.dest)
            .await
            .optional()?)
    }

    /// Records what happened to a source row: the mapping row for an import, the report.
    pub(crate) async fn record(
        &mut self,
        table: &'static str,
        legacy_id: &str,
        outcome: Outcome,
    ) -> Result<()> {
        match outcome {
            Outcome::Imported {
                table: target,
                id: target_id,
            } => {
                diesel::insert_into(legacy_import_map::table)
                    .values((
                        legacy_import_map::source_table.eq(table),
                        legacy_import_map::legacy_id.eq(legacy_id),
                        legacy_import_map::target_table.eq(target),
                        legacy_import_map::target_id.eq(target_id),
                        legacy_import_map::imported_at.eq(Utc::now().naive_utc()),
                    ))
                    .execute(&mut *self.dest)
                    .await?;
                self.report.pending(table).imported += 1;
            }
            Outcome::Skipped(reason) => self.report.pending(table).skip(reason),
        }
        Ok(())
    }

    /// Ends a batch of `table`: its audit row, then commit (or roll back for a dry run).
    pub(crate) async fn finish(
        &mut self,
        table: &'static str,
        first: &str,
        last: &str,
    ) -> Result<()> {
        let imported = self.report.pending_imported();
        if imported > 0 {
            let entry = Entry::new(
                &self.options.actor,
                Action::LegacyImport,
                Target::Table(table.to_string()),
            )
            .with("imported", imported)
            .with("first_legacy_id", first)
            .with("last_legacy_id", last);
            audit::record(&mut self.dest, &entry).await?;
        }
        if self.options.dry_run {
            AnsiTransactionManager::rollback_transaction(&mut *self.dest).await?;
        } else {
            AnsiTransactionManager::commit_transaction(&mut *self.dest).await?;
        }
        self.report.settle();
        self.batches_committed += 1;
        if self.stop_after == Some(self.batches_committed) {
            return Err(Error::Internal(format!(
                "stopped after {} batches ({STOP_AFTER_BATCHES_ENV})",
                self.batches_committed
            )));
        }
        Ok(())
    }

    /// Ends a batch whose work gave `result`: [`Run::finish`] it, or roll it back (dropping
    /// its rows and counts) and pass the error on.
    pub(crate) async fn end(
        &mut self,
        table: &'static str,
        result: Result<()>,
        first: &str,
        last: &str,
    ) -> Result<()> {
        match result {
            Ok(()) => self.finish(table, first, last).await,
            Err(e) => {
                let _ = AnsiTransactionManager::rollback_transaction(&mut *self.dest).await;
                self.report.discard();
                Err(e)
            }
        }
    }

    /// Notes a row read from `table`.
    pub(crate) fn read(&mut self, table: &'static str) {
        self.report.pending(table).read += 1;
    }

    /// Notes a row found already imported.
    pub(crate) fn already(&mut self, table: &'static str) {
        self.report.pending(table).already += 1;
    }
}
