//! Shared start-up of the timer one-shots.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

use std::future::Future;
use std::path::Path;
use std::process::ExitCode;

use bitu_core::{Services, Settings};

/// Loads the settings, connects, runs `job`, and turns the outcome into an exit code with a
/// one-line reason on stderr, so a systemd `OnFailure=` hook fires only on real problems.
pub fn run_one_shot<F, Fut>(name: &str, config: &Path, job: F) -> ExitCode
where
    F: FnOnce(Settings, Services) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let outcome = (|| {
        let (settings, _log_guard) = bitu_core::daemon::load(config)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        runtime.block_on(async move {
            let services = Services::connect(&settings)
                .await
                .map_err(|e| e.to_string())?;
            job(settings, services).await
        })
    })();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{name}: {message}");
            ExitCode::FAILURE
        }
    }
}
