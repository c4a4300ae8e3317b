//! `bitu timers`: when each timer job last ran, succeeded and failed, on any host.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use bitu_core::timer_runs;
use chrono::NaiveDateTime;
use clap::Args;

/// The timer jobs; listed even before their first run.
const JOBS: [&str; 2] = ["bitu-blocksync", "bitu-expire"];

/// Options of `bitu timers`.
#[derive(Args)]
pub struct TimersArgs {
    /// Exit 1 when a job has not succeeded for this long (e.g. `2d`), for a monitoring check.
    #[arg(long, value_parser = humantime_serde::re::humantime::parse_duration)]
    stale_after: Option<Duration>,
}

fn when(at: Option<NaiveDateTime>) -> String {
    at.map_or_else(
        || "never".into(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

/// Prints one line per timer job; with `--stale-after`, fails on a stale one.
pub fn run(config: &Path, args: TimersArgs) -> Result<ExitCode, String> {
    let (settings, _guard) = bitu_core::daemon::load(config)?;
    super::runtime()?.block_on(async move {
        let pool = bitu_core::db::build_pool(&settings.database).map_err(|e| e.to_string())?;
        let runs = timer_runs::list(&pool).await.map_err(|e| e.to_string())?;
        let now = chrono::Utc::now().naive_utc();
        let mut stale = Vec::new();
        println!("JOB\tLAST SUCCESS (UTC)\tLAST FAILURE (UTC)\tSUCCESSES\tFAILURES\tLAST RUN");
        let mut names: Vec<String> = JOBS.iter().map(ToString::to_string).collect();
        names.extend(runs.iter().map(|r| r.name.clone()));
        names.sort();
        names.dedup();
        for name in names {
            let run = runs.iter().find(|r| r.name == name);
            let success = run.and_then(|r| r.last_success_at);
            let last = run.map_or_else(String::new, |r| {
                let error = r.last_error.as_deref().unwrap_or("");
                format!(
                    "{} by {} on {}{}",
                    when(r.last_started_at),
                    r.last_trigger.as_deref().unwrap_or("?"),
                    r.last_host.as_deref().unwrap_or("?"),
                    if error.is_empty() {
                        String::new()
                    } else {
                        format!("; last error: {error}")
                    }
                )
            });
            println!(
                "{name}\t{}\t{}\t{}\t{}\t{last}",
                when(success),
                when(run.and_then(|r| r.last_failure_at)),
                run.map_or(0, |r| r.successes),
                run.map_or(0, |r| r.failures),
            );
            if let Some(limit) = args.stale_after {
                let limit = chrono::TimeDelta::from_std(limit).unwrap_or(chrono::TimeDelta::MAX);
                if success.is_none_or(|at| now - at > limit) {
                    stale.push(name);
                }
            }
        }
        if stale.is_empty() {
            Ok(ExitCode::SUCCESS)
        } else {
            eprintln!("bitu: no recent successful run of {}", stale.join(", "));
            Ok(ExitCode::FAILURE)
        }
    })
}
