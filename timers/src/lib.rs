//! Shared start-up of the timer one-shots, and the jobs themselves (bitu-rq's scheduler runs
//! the same ones).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod jobs;

use std::future::Future;
use std::path::Path;
use std::process::ExitCode;

use bitu_core::timer_runs::Trigger;
use bitu_core::{Services, Settings};

pub use jobs::Ran;

/// Loads the settings, connects, runs `job`, and turns the outcome into an exit code with a
/// one-line reason on stderr, so a systemd `OnFailure=` hook fires only on real problems.
/// With `record`, the run's start and end go to the timer run records (a dry run or a
/// partial run is not the job's regular run, so it leaves none).
pub fn run_one_shot<F, Fut>(name: &str, config: &Path, record: bool, job: F) -> ExitCode
where
    F: FnOnce(Settings, Services) -> Fut,
    Fut: Future<Output = Result<Ran, String>>,
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
            let db = services.db.clone();
            if record {
                jobs::recorded(&db, name, Trigger::detect(), job(settings, services)).await
            } else {
                job(settings, services).await
            }
        })
    })();
    match outcome {
        Ok(_) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{name}: {message}");
            ExitCode::FAILURE
        }
    }
}
