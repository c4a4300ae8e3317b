//! `bitu-expire`: deletes signups not activated in time, freeing their names.

use std::path::PathBuf;
use std::process::ExitCode;

use bitu_core::config::DEFAULT_CONFIG_PATH;
use clap::Parser;

/// Deletes expired signups. Reads [database], [ldap], [redis] and [logging]. Run daily by
/// bitu-expire.timer; safe to run at any time.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Configuration file.
    #[arg(long, env = "BITU_CONFIG", default_value = DEFAULT_CONFIG_PATH)]
    config: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    bitu_timers::run_one_shot("bitu-expire", &args.config, |_settings, _services| async {
        tracing::info!("signup expiry arrives with the signup feature; nothing to delete");
        Ok(())
    })
}
