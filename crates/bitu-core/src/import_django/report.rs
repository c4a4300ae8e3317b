//! The import's report: per source table, rows read, imported, found imported already, and
//! skipped with the reason.

use std::collections::BTreeMap;
use std::fmt;

/// What happened to one source table's rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableReport {
    /// The original's table.
    pub table: String,
    /// Rows read.
    pub read: u64,
    /// Rows written to our tables by this run.
    pub imported: u64,
    /// Rows an earlier run imported (left alone).
    pub already: u64,
    /// Rows not carried over, counted per reason.
    pub skipped: BTreeMap<String, u64>,
    /// What the table means, for tables only reported.
    pub notes: Vec<String>,
}

impl TableReport {
    /// Counts a skipped row.
    pub fn skip(&mut self, reason: String) {
        *self.skipped.entry(reason).or_default() += 1;
    }

    /// Rows skipped, whatever the reason.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    fn add(&mut self, other: &TableReport) {
        self.read += other.read;
        self.imported += other.imported;
        self.already += other.already;
        for (reason, count) in &other.skipped {
            *self.skipped.entry(reason.clone()).or_default() += count;
        }
        self.notes.extend(other.notes.iter().cloned());
    }
}

/// The whole report, one entry per source table in the order they were read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Whether nothing was written (`--dry-run`).
    pub dry_run: bool,
    /// Settled counts per table.
    pub tables: Vec<TableReport>,
    /// Counts of the open batch per table, settled when it commits.
    open: BTreeMap<String, TableReport>,
}

impl Report {
    pub(crate) fn new(dry_run: bool) -> Report {
        Report {
            dry_run,
            ..Report::default()
        }
    }

    /// The settled counts of `table`.
    pub fn table(&self, table: &str) -> Option<&TableReport> {
        self.tables.iter().find(|t| t.table == table)
    }

    /// Rows imported by this run, all tables.
    pub fn imported_total(&self) -> u64 {
        self.tables.iter().map(|t| t.imported).sum()
    }

    fn entry(&mut self, table: &str) -> &mut TableReport {
        if let Some(i) = self.tables.iter().position(|t| t.table == table) {
            return &mut self.tables[i];
        }
        self.tables.push(TableReport {
            table: table.to_string(),
            ..TableReport::default()
        });
        let last = self.tables.len() - 1;
        &mut self.tables[last]
    }

    /// Makes sure `table` is listed, even with nothing in it.
    pub(crate) fn touch(&mut self, table: &str) {
        self.entry(table);
    }

    /// Counts of the open batch of `table`.
    pub(crate) fn pending(&mut self, table: &str) -> &mut TableReport {
        self.open
            .entry(table.to_string())
            .or_insert_with(|| TableReport {
                table: table.to_string(),
                ..TableReport::default()
            })
    }

    /// Rows the open batch imported, all tables.
    pub(crate) fn pending_imported(&self) -> u64 {
        self.open.values().map(|t| t.imported).sum()
    }

    /// The open batch committed (or, dry run, would have): its counts join the tables'.
    pub(crate) fn settle(&mut self) {
        for (table, open) in std::mem::take(&mut self.open) {
            self.entry(&table).add(&open);
        }
    }

    /// The open batch was rolled back after an error: its counts never happened.
    pub(crate) fn discard(&mut self) {
        self.open.clear();
    }

    /// Adds a counted-only table (nothing written): its counts and notes.
    pub(crate) fn add_table(&mut self, report: TableReport) {
        let table = report.table.clone();
        self.entry(&table).add(&report);
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            writeln!(f, "DRY RUN: nothing was written")?;
        }
        writeln!(f, "table\tread\timported\talready imported\tskipped")?;
        for t in &self.tables {
            writeln!(
                f,
                "{}\t{}\t{}\t{}\t{}",
                t.table,
                t.read,
                t.imported,
                t.already,
                t.skipped_total()
            )?;
            for (reason, count) in &t.skipped {
                writeln!(f, "\tskipped {count}: {reason}")?;
            }
            for note in &t.notes {
                writeln!(f, "\tnote: {note}")?;
            }
        }
        Ok(())
    }
}
