//! Prometheus metrics: the names every daemon records under, the process-wide recorder, and
//! the gauges read from the database at scrape time. Recording is a no-op until a daemon
//! installs the recorder, so tools and tests pay nothing.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use metrics::{counter, gauge, histogram};
/// Renders the process's metrics in the Prometheus text format.
pub use metrics_exporter_prometheus::PrometheusHandle;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};

use crate::db::DbPool;
use crate::error::Result;
use crate::timer_runs;

/// Requests served, by route pattern, method and status.
pub const HTTP_REQUESTS: &str = "bitu_http_requests_total";
/// Request latency in seconds, by route pattern.
pub const HTTP_DURATION: &str = "bitu_http_request_duration_seconds";
/// Sign-in attempts, by outcome (`ok`, `failed`).
pub const SIGNINS: &str = "bitu_signins_total";
/// Sign-ups stored.
pub const SIGNUPS: &str = "bitu_signups_total";
/// Sign-ups activated.
pub const ACTIVATIONS: &str = "bitu_activations_total";
/// Latency of calls to MariaDB (connection checkout), LDAP (whole operation) and Redis
/// (connection checkout), by backend.
pub const BACKEND_DURATION: &str = "bitu_backend_call_duration_seconds";
/// Failed calls, by backend.
pub const BACKEND_ERRORS: &str = "bitu_backend_errors_total";
/// Jobs settled by bitu-rq, by kind and outcome (`done`, `retry`, `failed`, `gone`).
pub const JOBS: &str = "bitu_jobs_total";
/// Job run time in seconds, by kind.
pub const JOB_DURATION: &str = "bitu_job_duration_seconds";
/// Jobs waiting, by queue (`default`, `notification`, and the `delayed` and `failed` sets).
pub const QUEUE_DEPTH: &str = "bitu_queue_depth";
/// Unix time of a timer job's last successful run, by timer.
pub const TIMER_LAST_SUCCESS: &str = "bitu_timer_last_success_timestamp_seconds";
/// Unix time of a timer job's last failed run, by timer (0: never failed).
pub const TIMER_LAST_FAILURE: &str = "bitu_timer_last_failure_timestamp_seconds";
/// How long a timer job's last run took, by timer.
pub const TIMER_LAST_DURATION: &str = "bitu_timer_last_duration_seconds";
/// Always 1, labelled with the daemon and version, to tell what runs where.
pub const BUILD_INFO: &str = "bitu_build_info";

/// Latency buckets (seconds) of every `*_seconds` histogram: 1 ms up to a minute.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process's recorder (once; later calls return the same handle) and keeps
/// histograms trimmed in the background. Needs a Tokio runtime.
pub fn install(daemon: &'static str) -> Result<PrometheusHandle> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
        .and_then(|builder| builder.install_recorder())
        .map_err(|e| crate::Error::Internal(format!("cannot install metrics: {e}")))?;
    let _ = HANDLE.set(handle.clone());
    gauge!(BUILD_INFO, "daemon" => daemon, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    let upkeep = handle.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            upkeep.run_upkeep();
        }
    });
    Ok(handle)
}

/// Counts one finished call to `backend` and its latency.
pub fn backend_call(backend: &'static str, started: Instant, ok: bool) {
    histogram!(BACKEND_DURATION, "backend" => backend).record(started.elapsed().as_secs_f64());
    if !ok {
        counter!(BACKEND_ERRORS, "backend" => backend).increment(1);
    }
}

/// Counts one sign-in attempt.
pub fn signin(ok: bool) {
    counter!(SIGNINS, "outcome" => if ok { "ok" } else { "failed" }).increment(1);
}

/// Counts one stored sign-up.
pub fn signup_stored() {
    counter!(SIGNUPS).increment(1);
}

/// Counts one activation.
pub fn activation() {
    counter!(ACTIVATIONS).increment(1);
}

/// Sets the timer gauges from the run records, so any daemon's scrape shows them.
pub async fn refresh_timer_gauges(db: &DbPool) -> Result<()> {
    for run in timer_runs::list(db).await? {
        let timer = run.name.clone();
        let seconds = |at: Option<chrono::NaiveDateTime>| {
            at.map_or(0.0, |t| t.and_utc().timestamp_millis() as f64 / 1000.0)
        };
        gauge!(TIMER_LAST_SUCCESS, "timer" => timer.clone()).set(seconds(run.last_success_at));
        gauge!(TIMER_LAST_FAILURE, "timer" => timer.clone()).set(seconds(run.last_failure_at));
        gauge!(TIMER_LAST_DURATION, "timer" => timer)
            .set(run.last_duration_ms.unwrap_or(0) as f64 / 1000.0);
    }
    Ok(())
}
