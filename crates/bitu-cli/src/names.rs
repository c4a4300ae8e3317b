//! `bitu names`: the confusable-name index of the developer names in use.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use bitu_core::db;
use bitu_core::directory::Directory;
use bitu_core::names::NameRules;
use bitu_core::names::backfill::backfill;
use clap::{Args, Subcommand};

/// Options of `bitu names`.
#[derive(Args)]
pub struct NamesArgs {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Record the confusable skeleton of every developer name (cn) in LDAP, so look-alikes of
    /// accounts made outside Bitu are refused too. Safe to rerun: stored skeletons are
    /// skipped, so an interrupted run is finished by running it again. Progress on stderr.
    Backfill,
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Runs one `bitu names` command.
pub fn run(config: &Path, args: NamesArgs) -> Result<ExitCode, String> {
    let (settings, _guard) = bitu_core::daemon::load(config)?;
    super::runtime()?.block_on(async move {
        let pool = db::build_pool(&settings.database).map_err(text)?;
        let mut conn = db::conn(&pool).await.map_err(text)?;
        db::migrate::ensure_current(&mut conn).await.map_err(text)?;
        drop(conn);
        match args.command {
            Command::Backfill => {
                let directory = Directory::new(settings.ldap.clone()).map_err(text)?;
                let rules = NameRules::new(&settings.names);
                let started = Instant::now();
                let done = backfill(&directory, &pool, &rules, |progress| {
                    let mut stderr = std::io::stderr().lock();
                    let _ = writeln!(
                        stderr,
                        "{}/{} names written, {} skeletons added",
                        progress.written, progress.read, progress.added
                    );
                })
                .await
                .map_err(text)?;
                println!(
                    "{} names read, {} skeletons added, {:.1} s",
                    done.read,
                    done.added,
                    started.elapsed().as_secs_f64()
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
