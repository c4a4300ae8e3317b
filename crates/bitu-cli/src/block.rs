//! `bitu block`: block or unblock an account as the on-call (recorded as the CLI's OS user),
//! or print an account's block state and log.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

use bitu_core::audit::Actor;
use bitu_core::blocking::{self, ActionKind, BlockRequest, search, store};
use bitu_core::queue::Queue;
use clap::Args;

/// Options of `bitu block`.
#[derive(Args)]
pub struct BlockArgs {
    /// Shell username of the account.
    uid: String,
    /// Why (required to block or unblock; shown in the public ban log).
    #[arg(long)]
    comment: Option<String>,
    /// Unblock instead of block.
    #[arg(long)]
    unblock: bool,
    /// Also remove the email address from LDAP (block only).
    #[arg(long)]
    unset_email: bool,
    /// Put back the email address the last block removed (unblock only).
    #[arg(long)]
    restore_email: bool,
    /// Suspend the SSH keys (block) or restore them (unblock).
    #[arg(long)]
    suspend_keys: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
    /// Print the account's state and log instead.
    #[arg(long)]
    status: bool,
}

fn os_user() -> String {
    std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".to_string())
}

fn confirmed(question: &str) -> bool {
    print!("{question} [y/N] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    matches!(answer.trim(), "y" | "Y" | "yes")
}

/// Runs `bitu block`.
pub fn run(config: &Path, args: BlockArgs) -> Result<ExitCode, String> {
    let (settings, _guard) = bitu_core::daemon::load(config)?;
    let services = bitu_core::Services::new(&settings).map_err(|e| e.to_string())?;
    super::runtime()?.block_on(async move {
        let account = search::account(&services, &settings, &args.uid)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no account {}", args.uid))?;
        if args.status {
            let state = serde_json::to_string(&account.state).map_err(|e| e.to_string())?;
            println!("{}\t{}\t{state}", account.uid, account.cn);
            for (action, systems) in store::history(&services.db, &args.uid)
                .await
                .map_err(|e| e.to_string())?
            {
                println!(
                    "{}\t{}\t{}\t{:?}\t{}",
                    action.created_at,
                    action.action,
                    action.manager,
                    blocking::progress(&systems),
                    action.comment
                );
                for system in systems {
                    println!(
                        "\t{}\t{}\t{}",
                        system.system,
                        system.state,
                        system.reason.unwrap_or_default()
                    );
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        let action = if args.unblock {
            ActionKind::Unblock
        } else {
            ActionKind::Block
        };
        let comment = args
            .comment
            .ok_or("--comment is required to block or unblock")?;
        let question = format!("{} {} ({})?", action.as_str(), account.cn, account.uid);
        if !args.yes && !confirmed(&question) {
            println!("nothing done");
            return Ok(ExitCode::FAILURE);
        }
        let queue = Queue::new(services.redis.clone(), &settings);
        let id = blocking::request(
            &services,
            &settings,
            &queue,
            &Actor::cli(&os_user()),
            &BlockRequest {
                uid: &args.uid,
                action,
                comment: &comment,
                unset_email: match action {
                    ActionKind::Block => args.unset_email,
                    ActionKind::Unblock => args.restore_email,
                },
                move_keys: args.suspend_keys,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        println!(
            "{} {} queued as action {id}; see `bitu block --status {}`",
            action.as_str(),
            args.uid,
            args.uid
        );
        Ok(ExitCode::SUCCESS)
    })
}
