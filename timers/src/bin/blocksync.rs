//! `bitu-blocksync`: imports username block lists from MediaWiki wikis.

use std::path::PathBuf;
use std::process::ExitCode;

use bitu_core::config::DEFAULT_CONFIG_PATH;
use clap::Parser;

/// Imports the username block lists of the configured wikis. Reads [database], [ldap],
/// [redis] and [logging]. Run daily by bitu-blocksync.timer; safe to run at any time.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Configuration file.
    #[arg(long, env = "BITU_CONFIG", default_value = DEFAULT_CONFIG_PATH)]
    config: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    bitu_timers::run_one_shot(
        "bitu-blocksync",
        &args.config,
        |_settings, _services| async {
            tracing::info!("no block list sources configured; nothing to import");
            Ok(())
        },
    )
}
