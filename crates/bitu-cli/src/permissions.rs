//! `bitu permissions clean|expire`: cancel stale group access requests, end due grants (and
//! send the expiry warnings that are due). Both run from bitu-permissions.timer.

use std::path::Path;
use std::process::ExitCode;

use bitu_core::audit::Actor;
use bitu_core::clock::SystemClock;
use bitu_core::permissions::AccessRequests;
use chrono::TimeDelta;
use clap::{Args, Subcommand};

/// Options of `bitu permissions`.
#[derive(Args)]
pub struct PermissionsArgs {
    #[command(subcommand)]
    command: PermissionsCommand,
}

#[derive(Subcommand)]
enum PermissionsCommand {
    /// Cancel pending requests older than the limit, each with a history entry, an audit row
    /// and a mail to its requester.
    Clean {
        /// Age limit in days (default: [permissions] clean_after).
        #[arg(long)]
        days: Option<u32>,
        /// Only list what would be cancelled.
        #[arg(long)]
        dry_run: bool,
    },
    /// End grants whose time is up (membership removed, requester mailed) and send due
    /// expiry warnings.
    Expire,
}

fn os_user() -> String {
    std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".to_string())
}

/// Runs the subcommand.
pub fn run(config: &Path, args: PermissionsArgs) -> Result<ExitCode, String> {
    let (settings, _guard) = bitu_core::daemon::load(config)?;
    let services = bitu_core::Services::new(&settings).map_err(|e| e.to_string())?;
    let actor = Actor::cli(&os_user());
    super::runtime()?.block_on(async move {
        let requests = AccessRequests {
            settings: &settings.permissions,
            db: &services.db,
            directory: &services.directory,
            clock: &SystemClock,
        };
        match args.command {
            PermissionsCommand::Clean { days, dry_run } => {
                let limit = match days {
                    Some(days) => TimeDelta::days(i64::from(days)),
                    None => TimeDelta::from_std(settings.permissions.clean_after)
                        .map_err(|e| e.to_string())?,
                };
                let ids = requests
                    .clean(&actor, limit, dry_run)
                    .await
                    .map_err(|e| e.to_string())?;
                let verb = if dry_run { "would cancel" } else { "cancelled" };
                println!("{verb} {} stale request(s)", ids.len());
                for id in ids {
                    println!("{id}");
                }
            }
            PermissionsCommand::Expire => {
                let ids = requests.expire(&actor).await.map_err(|e| e.to_string())?;
                println!("ended {} grant(s)", ids.len());
                for id in ids {
                    println!("{id}");
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
