//! `bitu-expire`: deletes signups not activated in time, freeing their names.

use std::path::PathBuf;
use std::process::ExitCode;

use bitu_core::config::DEFAULT_CONFIG_PATH;
use bitu_core::signup::expire::ExpireRequest;
use bitu_timers::jobs;
use clap::Parser;

/// Deletes expired sign-ups and captchas, freeing their names, and old audit rows.
///
/// Deletes sign-ups older than `[signup] expire_after` (activated or not), freeing their
/// developer name, shell username and address, expired captchas, and audit rows older than
/// `[audit] retention` (in batches). Reads [database], [ldap], [redis], [signup], [audit]
/// and [logging]. Run daily by bitu-expire.timer; safe to run at
/// any time and twice at once (the second run finds the lock taken and exits 0). A full run
/// records its start and end in the timer_runs table (metric
/// bitu_timer_last_success_timestamp_seconds).
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Configuration file.
    #[arg(long, env = "BITU_CONFIG", default_value = DEFAULT_CONFIG_PATH)]
    config: PathBuf,
    /// List what would be deleted (id, shell username, created) without deleting.
    #[arg(long)]
    dry_run: bool,
    /// Delete the sign-up of this shell username only, whatever its age.
    #[arg(long)]
    uid: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Only a full run is the timer's regular run; a dry or single-uid one leaves no record.
    let regular = !args.dry_run && args.uid.is_none();
    bitu_timers::run_one_shot(
        jobs::EXPIRE,
        &args.config,
        regular,
        |settings, services| async move {
            let request = ExpireRequest {
                uid: args.uid.clone(),
                dry_run: args.dry_run,
                ..jobs::scheduled_expire(&settings)
            };
            jobs::expire(
                &services.db,
                &request,
                settings.audit.retention,
                settings.oidc.flow_lifetime,
                |signup| {
                    println!("{}\t{}\t{}", signup.id, signup.uid, signup.created_at);
                },
            )
            .await
        },
    )
}
