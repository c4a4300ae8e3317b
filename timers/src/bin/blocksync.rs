//! `bitu-blocksync`: imports username block lists and global IP blocks from MediaWiki wikis.

use std::path::PathBuf;
use std::process::ExitCode;

use bitu_core::blocklist::ImportOptions;
use bitu_core::config::DEFAULT_CONFIG_PATH;
use bitu_timers::jobs;
use chrono::{DateTime, NaiveDateTime};
use clap::Parser;

/// Imports the username block lists and global IP blocks from the wikis.
///
/// Imports the block lists of the sources in [blocklist] (Titleblacklist pages and global IP
/// blocks). Reads [database], [ldap], [redis], [site], [blocklist] and [logging]. Run daily by
/// bitu-blocksync.timer; safe to run at any time, and two runs never overlap (the second
/// waits up to [blocklist] lock_wait, then exits 0 doing nothing). A full run records its
/// start and end in the timer_runs table (metric bitu_timer_last_success_timestamp_seconds).
/// A regular run (all sources, not dry) then records the look-alike skeleton of every
/// developer name in LDAP, as `bitu names backfill` does, so accounts made outside Bitu are
/// covered. Exits non-zero when a source failed (that source keeps its previous entries).
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Configuration file.
    #[arg(long, env = "BITU_CONFIG", default_value = DEFAULT_CONFIG_PATH)]
    config: PathBuf,
    /// Print what would be added, removed and kept, and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Walk every global block, even for incremental sources.
    #[arg(long)]
    full: bool,
    /// Import only this source (repeatable); disabled sources can be named too.
    #[arg(long = "source", value_name = "NAME")]
    sources: Vec<String>,
    /// Act as if it were this time (RFC 3339), e.g. to replay or test stale-entry removal.
    #[arg(long, value_parser = parse_time)]
    now: Option<NaiveDateTime>,
}

fn parse_time(text: &str) -> Result<NaiveDateTime, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.naive_utc())
        .map_err(|e| format!("not an RFC 3339 time: {e}"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Only a full run is the timer's regular run; a dry or partial one leaves no record.
    let regular = !args.dry_run && args.sources.is_empty() && args.now.is_none();
    let options = ImportOptions {
        now: args.now,
        dry_run: args.dry_run,
        full: args.full,
        only: args.sources,
    };
    bitu_timers::run_one_shot(
        jobs::BLOCKSYNC,
        &args.config,
        regular,
        |settings, services| async move {
            jobs::blocksync(&settings, &services.db, &options, |report| {
                print!("{report}");
            })
            .await
        },
    )
}
