//! `bitu`: the on-call's management command.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod activationlink;
mod audit;
mod block;
mod blocklist;
mod check_config;
mod import_django;
mod jobs;
mod migrate;
mod names;
mod permissions;
mod timers;
mod twofactor;

use std::path::PathBuf;
use std::process::ExitCode;

use bitu_core::config::DEFAULT_CONFIG_PATH;
use clap::{Parser, Subcommand};

/// Manage a Bitu installation: apply migrations, check the configuration, inspect jobs.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Configuration file.
    #[arg(long, global = true, env = "BITU_CONFIG", default_value = DEFAULT_CONFIG_PATH)]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending database migrations (reads [database]); safe to run on two hosts at once.
    Migrate(migrate::MigrateArgs),
    /// Check a configuration file and print every problem, one per line, with its line number.
    CheckConfig(check_config::CheckConfigArgs),
    /// Why a name is refused; add, remove and list block list entries (reads [database]).
    Blocklist(blocklist::BlocklistArgs),
    /// Index the developer names in LDAP for the look-alike check (reads [database], [ldap]).
    Names(names::NamesArgs),
    /// List queued, running and failed jobs; retry or drop failed ones (reads [redis]).
    Jobs(jobs::JobsArgs),
    /// Print a fresh activation link for a sign-up whose mail was lost (reads [database],
    /// [site], [signup]); the earlier link stops working.
    Activationlink(activationlink::ActivationLinkArgs),
    /// Group access requests: cancel stale ones, end due grants (reads [database], [ldap],
    /// [permissions]).
    Permissions(permissions::PermissionsArgs),
    /// The audit trail, newest first: who changed what, when, from where (reads [database]).
    Audit(audit::AuditArgs),
    /// When each timer job (bitu-blocksync, bitu-expire) last ran, succeeded and failed, on
    /// any host (reads [database]).
    Timers(timers::TimersArgs),
    /// Block or unblock an account everywhere, or show its state and log (`--status`)
    /// (reads [database], [ldap], [redis], [blocking]).
    Block(block::BlockArgs),
    /// Carry the Django original's data over (reads [database], [signup], [keys],
    /// [permissions], [blocklist], [api_tokens]); safe to run again, resumes when stopped.
    ImportDjango(import_django::ImportDjangoArgs),
    /// Two-factor sign-in: re-encrypt the stored secrets under a new key (`rotate-key`)
    /// (reads [database], [twofactor]).
    Twofactor(twofactor::TwoFactorArgs),
}

fn main() -> ExitCode {
    let args = Args::parse();
    let outcome = match args.command {
        Command::Migrate(command) => migrate::run(&args.config, command),
        Command::CheckConfig(command) => check_config::run(&args.config, command),
        Command::Blocklist(command) => blocklist::run(&args.config, command),
        Command::Names(command) => names::run(&args.config, command),
        Command::Jobs(command) => jobs::run(&args.config, command),
        Command::Activationlink(command) => activationlink::run(&args.config, command),
        Command::Timers(command) => timers::run(&args.config, command),
        Command::Audit(command) => audit::run(&args.config, command),
        Command::Permissions(command) => permissions::run(&args.config, command),
        Command::Block(command) => block::run(&args.config, command),
        Command::ImportDjango(command) => import_django::run(&args.config, command),
        Command::Twofactor(command) => twofactor::run(&args.config, command),
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("bitu: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A Tokio runtime for one command.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}
