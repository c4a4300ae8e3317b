//! `bitu twofactor rotate-key --old-key-file FILE`: re-encrypts every stored two-factor
//! secret under the key of `[twofactor] key_file` (the new one). Run it after putting the new
//! key in place on every host; it can be run again until nothing is left under the old key.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bitu_core::twofactor::SecretCipher;
use bitu_core::twofactor::rotate::rotate;
use clap::{Args, Subcommand};

/// Options of `bitu twofactor`.
#[derive(Args)]
pub struct TwoFactorArgs {
    #[command(subcommand)]
    command: TwoFactorCommand,
}

#[derive(Subcommand)]
enum TwoFactorCommand {
    /// Re-encrypt every secret still under the old key with `[twofactor] key_file`.
    RotateKey {
        /// The key the secrets are encrypted with now (base64, as `key_file`).
        #[arg(long)]
        old_key_file: PathBuf,
    },
}

/// Runs the subcommand.
pub fn run(config: &Path, args: TwoFactorArgs) -> Result<ExitCode, String> {
    let (settings, _guard) = bitu_core::daemon::load(config)?;
    let TwoFactorCommand::RotateKey { old_key_file } = args.command;
    let old = std::fs::read_to_string(&old_key_file)
        .map_err(|e| format!("cannot read {}: {e}", old_key_file.display()))?;
    let old = SecretCipher::new(&old).map_err(|e| e.to_string())?;
    let new = SecretCipher::new(&settings.twofactor.key)
        .map_err(|e| format!("[twofactor] key_file: {e}"))?;
    super::runtime()?.block_on(async move {
        let pool = bitu_core::db::build_pool(&settings.database).map_err(|e| e.to_string())?;
        let done = rotate(&pool, &old, &new).await.map_err(|e| e.to_string())?;
        println!(
            "re-encrypted {} secret(s) under key {}; {} under neither key",
            done.rotated,
            new.key_id(),
            done.unknown
        );
        Ok(if done.unknown == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}
