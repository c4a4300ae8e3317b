//! `bitu jobs`: what the queues hold, and second chances for failed jobs.

use std::path::Path;
use std::process::ExitCode;

use bitu_core::queue::{JobId, Listing, Queue};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};

/// Options of `bitu jobs`.
#[derive(Args)]
pub struct JobsArgs {
    #[command(subcommand)]
    action: Option<JobsAction>,
    /// Most jobs listed per section.
    #[arg(long, default_value_t = 20)]
    limit: usize,
}

#[derive(Subcommand)]
enum JobsAction {
    /// List queued, running, delayed and failed jobs (the default).
    List,
    /// Put failed jobs back on their queue with a fresh attempt count.
    Retry {
        /// The failed job's id.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Every failed job.
        #[arg(long)]
        all: bool,
    },
    /// Delete a failed job for good.
    Drop {
        /// The failed job's id.
        id: String,
    },
}

fn when(time: Option<DateTime<Utc>>) -> String {
    time.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "?".into())
}

fn more(shown: usize, total: usize) {
    if total > shown {
        println!("  … and {} more", total - shown);
    }
}

fn print(listing: &Listing) {
    for (queue, count, jobs) in &listing.queued {
        println!("queue {queue}: {count} waiting");
        for job in jobs {
            println!("  {}  {}", job.id, job.kind);
        }
        more(jobs.len(), *count);
    }
    println!("running: {}", listing.running.len());
    for job in &listing.running {
        let state = if job.worker_alive {
            ""
        } else {
            " (worker dead)"
        };
        println!(
            "  {}  {}  on {}{state} since {}",
            job.id,
            job.kind,
            job.worker,
            when(job.since)
        );
    }
    let (count, delayed) = &listing.delayed;
    println!("waiting for a retry: {count}");
    for job in delayed {
        println!("  {}  {}  due {}", job.id, job.kind, when(job.due));
    }
    more(delayed.len(), *count);
    let (count, failed) = &listing.failed;
    println!("failed: {count}");
    for job in failed {
        println!(
            "  {}  {}  queue {}, {} attempt(s), failed {}: {}",
            job.id,
            job.kind,
            job.queue,
            job.attempts,
            when(job.failed_at),
            job.error
        );
    }
    more(failed.len(), *count);
}

/// Lists jobs, or retries or drops failed ones (reads [redis] and [queue]).
pub fn run(config: &Path, args: JobsArgs) -> Result<ExitCode, String> {
    let (settings, _guard) = bitu_core::daemon::load(config)?;
    super::runtime()?.block_on(async move {
        let queue = Queue::connect(&settings).map_err(|e| e.to_string())?;
        match args.action.unwrap_or(JobsAction::List) {
            JobsAction::List => {
                print(&queue.list(args.limit).await.map_err(|e| e.to_string())?);
            }
            JobsAction::Retry { all: true, .. } => {
                let count = queue.retry_all_failed().await.map_err(|e| e.to_string())?;
                println!("{count} failed job(s) queued again");
            }
            JobsAction::Retry { id, .. } => {
                let id = JobId(id.unwrap_or_default());
                queue.retry_failed(&id).await.map_err(|e| e.to_string())?;
                println!("{id} queued again");
            }
            JobsAction::Drop { id } => {
                let id = JobId(id);
                queue.drop_failed(&id).await.map_err(|e| e.to_string())?;
                println!("{id} dropped");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
