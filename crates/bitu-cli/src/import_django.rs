//! `bitu import-django`: carries the Django original's data over at cut-over (see
//! bitu_core::import_django and the runbook's cut-over procedure).

use std::path::Path;
use std::process::ExitCode;

use bitu_core::audit::Actor;
use bitu_core::import_django::{self, ImportOptions};
use clap::Args;

/// Options of `bitu import-django`.
#[derive(Args)]
pub struct ImportDjangoArgs {
    /// The original's database, `mysql://user:password@host/database` (only read). Prefer
    /// BITU_IMPORT_FROM in the environment, so the password stays out of `ps`.
    #[arg(long = "from", env = "BITU_IMPORT_FROM", hide_env_values = true)]
    from: String,
    /// Read and check everything, write nothing (every batch is rolled back).
    #[arg(long)]
    dry_run: bool,
    /// Rows per batch (one transaction each).
    #[arg(long, default_value_t = 200)]
    batch_size: u32,
}

fn os_user() -> String {
    std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".to_string())
}

/// Runs the import and prints its report; a run stopped by an error can simply be run again.
pub fn run(config: &Path, args: ImportDjangoArgs) -> Result<ExitCode, String> {
    let (settings, _guard) = bitu_core::daemon::load(config)?;
    if args.batch_size == 0 {
        return Err("--batch-size must be at least 1".into());
    }
    super::runtime()?.block_on(async move {
        let pool = bitu_core::db::build_pool(&settings.database).map_err(|e| e.to_string())?;
        let options = ImportOptions {
            source_url: args.from,
            dry_run: args.dry_run,
            batch_size: args.batch_size,
            actor: Actor::cli(&os_user()),
        };
        let report = import_django::run(&pool, &settings, &options)
            .await
            .map_err(|e| {
                format!("{e}; what was committed stays, run the import again to resume")
            })?;
        print!("{report}");
        Ok(ExitCode::SUCCESS)
    })
}
