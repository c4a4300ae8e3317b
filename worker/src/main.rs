//! `bitu-rq`: the queue worker.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

use std::path::PathBuf;
use std::process::ExitCode;

use bitu_core::Services;
use bitu_core::config::DEFAULT_CONFIG_PATH;
use clap::Parser;
use tokio::signal::unix::{SignalKind, signal};
use tracing::info;

/// Consumes the Redis queues `default` and `notification`. Reads [database], [ldap], [redis]
/// and [logging]. Stops cleanly on SIGTERM or SIGINT.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Configuration file.
    #[arg(long, env = "BITU_CONFIG", default_value = DEFAULT_CONFIG_PATH)]
    config: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bitu-rq: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let (settings, _log_guard) = bitu_core::daemon::load(&args.config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        let _services = Services::connect(&settings)
            .await
            .map_err(|e| e.to_string())?;
        info!("bitu-rq started");
        wait_for_stop_signal().await?;
        info!("bitu-rq stopping");
        Ok(())
    })
}

async fn wait_for_stop_signal() -> Result<(), String> {
    let mut terminate =
        signal(SignalKind::terminate()).map_err(|e| format!("cannot listen for SIGTERM: {e}"))?;
    let mut interrupt =
        signal(SignalKind::interrupt()).map_err(|e| format!("cannot listen for SIGINT: {e}"))?;
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
    Ok(())
}
