//! `bitu-rq`: the queue worker.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod chores;
mod metrics;
mod run;
mod scheduler;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use bitu_core::Services;
use bitu_core::config::DEFAULT_CONFIG_PATH;
use bitu_core::mail::Mailer;
use bitu_core::queue::{JobContext, Queue, QueueName, WorkerId};
use clap::Parser;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tracing::{info, warn};

/// Runs Bitu's background jobs: LDAP changes, provisioning and mail.
///
/// Consumes the Redis queues `default` and `notification` and relays the job outbox. Reads
/// [database], [ldap], [redis], [queue], [worker], [mail], [site], [signup], [password],
/// [metrics], [scheduler] (and [blocklist] when it schedules the import) and [logging]. On
/// SIGTERM or SIGINT it stops taking jobs, lets running ones finish within `[worker]
/// shutdown_grace`, hands the rest back to their queue, and exits 0. Under systemd
/// (Type=notify) it sends READY=1 once claiming and pings the watchdog. Serves its own
/// /metrics on [metrics] worker_bind. With [scheduler] enabled it also runs the timer jobs
/// (bitu-blocksync, bitu-expire) under the same locks as the timers.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Configuration file.
    #[arg(long, env = "BITU_CONFIG", default_value = DEFAULT_CONFIG_PATH)]
    config: PathBuf,
    /// Consume only these queues (repeat, or separate with commas); default: `[worker] queues`.
    #[arg(long = "queue", value_delimiter = ',', value_parser = parse_queue)]
    queues: Vec<QueueName>,
}

fn parse_queue(text: &str) -> Result<QueueName, String> {
    text.parse()
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
        let mut terminate = signal(SignalKind::terminate())
            .map_err(|e| format!("cannot listen for SIGTERM: {e}"))?;
        let mut interrupt = signal(SignalKind::interrupt())
            .map_err(|e| format!("cannot listen for SIGINT: {e}"))?;
        let services = Services::connect(&settings)
            .await
            .map_err(|e| e.to_string())?;
        let mailer = Mailer::new(&settings).map_err(|e| e.to_string())?;
        let queue = Queue::new(services.redis.clone(), &settings);
        let mut queues = if args.queues.is_empty() {
            settings.worker.queues.clone()
        } else {
            args.queues
        };
        queues.dedup();
        let id = WorkerId::new();
        // Beat once before claiming, so no reaper takes this worker for a dead one.
        queue
            .heartbeat(&id, settings.worker.heartbeat_interval * 3)
            .await
            .map_err(|e| e.to_string())?;
        let (stop_tx, stop) = watch::channel(false);
        let exporter = match settings.metrics.enabled {
            true => Some(metrics::Exporter {
                handle: bitu_core::metrics::install("bitu-rq").map_err(|e| e.to_string())?,
                queue: queue.clone(),
                db: services.db.clone(),
                settings: settings.metrics.clone(),
            }),
            false => None,
        };
        let metrics_server = match exporter {
            Some(exporter) => metrics::spawn(exporter, stop.clone()).await,
            None => None,
        };
        let mut scheduler = scheduler::start(&settings, &services.db).await?;
        let chores = [
            chores::heartbeat(
                queue.clone(),
                id.clone(),
                settings.worker.heartbeat_interval,
                stop.clone(),
            ),
            chores::housekeeping(queue.clone(), settings.worker.reap_interval, stop.clone()),
            chores::relay(
                services.db.clone(),
                queue.clone(),
                settings.worker.relay_interval,
                stop.clone(),
            ),
        ];
        let names: Vec<&str> = queues.iter().map(|q| q.name()).collect();
        info!(
            worker = %id,
            queues = %names.join(","),
            concurrency = settings.worker.concurrency,
            "bitu-rq started"
        );
        let worker = Arc::new(run::Worker {
            id,
            queue,
            jobs: JobContext {
                queue: Queue::new(services.redis.clone(), &settings),
                mailer,
                services: services.clone(),
                settings: Arc::new(settings.clone()),
            },
            limits: settings.queue.clone(),
            settings: settings.worker.clone(),
            queues,
            turn: Default::default(),
        });
        let (claim_stop_tx, claim_stop) = watch::channel(false);
        let claiming = tokio::spawn(worker.clone().run(claim_stop));
        bitu_core::systemd::ready("claiming jobs");
        let watchdog = bitu_core::systemd::spawn_watchdog();
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        info!("bitu-rq stopping: no new jobs");
        bitu_core::systemd::stopping();
        if let Some(scheduler) = scheduler.as_mut() {
            // A timer job cut short is simply done again at its next time.
            let _ = scheduler.shutdown().await;
        }
        let _ = claim_stop_tx.send(true);
        let _ = claiming.await;
        // Heartbeat ran through the grace; only now may the worker look dead.
        let _ = stop_tx.send(true);
        for chore in chores {
            let _ = chore.await;
        }
        if let Some(server) = metrics_server {
            let _ = server.await;
        }
        if let Some(watchdog) = watchdog {
            watchdog.abort();
        }
        match worker.queue.leave(&worker.id).await {
            Ok(0) => {}
            Ok(requeued) => warn!(requeued, "abandoned jobs are back on their queues"),
            Err(error) => warn!(%error, "cannot hand back abandoned jobs; the reaper will"),
        }
        info!("bitu-rq stopped");
        Ok(())
    })
}
