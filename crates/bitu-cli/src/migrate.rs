//! `bitu migrate`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

/// Options of `bitu migrate`.
#[derive(Args)]
pub struct MigrateArgs {
    /// How long to wait while another host holds the migration lock, e.g. `5m`.
    #[arg(long, default_value = "5m", value_parser = humantime_serde::re::humantime::parse_duration)]
    lock_wait: Duration,
    /// Only list pending migrations; exit 1 if there are any.
    #[arg(long)]
    check: bool,
}

/// Applies (or lists) pending migrations.
pub fn run(config: &Path, args: MigrateArgs) -> Result<ExitCode, String> {
    let (settings, _guard) = bitu_core::daemon::load(config)?;
    super::runtime()?.block_on(async move {
        if args.check {
            let pool = bitu_core::db::build_pool(&settings.database).map_err(|e| e.to_string())?;
            let mut conn = bitu_core::db::conn(&pool)
                .await
                .map_err(|e| e.to_string())?;
            let pending = bitu_core::db::migrate::pending(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            for version in &pending {
                println!("pending {version}");
            }
            return Ok(if pending.is_empty() {
                println!("schema is current");
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        let applied = bitu_core::db::migrate::run_pending(&settings.database.url, args.lock_wait)
            .await
            .map_err(|e| e.to_string())?;
        if applied.is_empty() {
            println!("nothing to apply; schema is current");
        }
        for version in applied {
            println!("applied {version}");
        }
        Ok(ExitCode::SUCCESS)
    })
}
