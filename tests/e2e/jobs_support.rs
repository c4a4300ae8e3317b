//! Helpers of the job tests: a bitu-rq process, fast worker settings, waiting and counting.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use bitu_core::Settings;
use bitu_core::config::MailTransportKind;
use bitu_core::queue::Queue;
use bitu_testkit::TestContext;
use bitu_testkit::process::command;
use deadpool_redis::redis::{self, AsyncCommands};

/// Settings with short intervals so reaping and retries happen within a test.
pub fn fast_settings(ctx: &TestContext) -> Settings {
    let mut settings = ctx.settings.clone();
    settings.worker.heartbeat_interval = Duration::from_millis(200);
    settings.worker.reap_interval = Duration::from_millis(200);
    settings.worker.relay_interval = Duration::from_millis(200);
    settings.worker.poll_interval = Duration::from_millis(20);
    settings.worker.shutdown_grace = Duration::from_secs(10);
    settings.queue.backoff_base = Duration::from_millis(100);
    settings.queue.backoff_max = Duration::from_secs(1);
    settings.queue.visibility_timeout = Duration::from_secs(5);
    settings.mail.transport = MailTransportKind::Smtp;
    settings.mail.smtp.host = ctx.env.smtp_host.clone();
    settings.mail.smtp.port = ctx.env.smtp_port;
    settings.mail.smtp.timeout = Duration::from_secs(2);
    settings.mail.from = ctx.mailbox.address("bitu");
    settings
}

/// A running bitu-rq, killed when dropped.
pub struct WorkerProcess {
    child: Option<Child>,
    /// Its stderr (the log).
    pub log_path: PathBuf,
}

impl WorkerProcess {
    /// Starts bitu-rq with `config` and `args`, and waits until it claims jobs.
    pub async fn start(config: &Path, args: &[&str]) -> WorkerProcess {
        let log_path = unique(config.with_extension("rq.log"));
        let log = std::fs::File::create(&log_path).unwrap();
        let child = command("bitu-rq", config)
            .args(args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn bitu-rq");
        let mut worker = WorkerProcess {
            child: Some(child),
            log_path,
        };
        let started = Instant::now();
        while !worker.log().contains("bitu-rq started") {
            if let Some(status) = worker.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("bitu-rq exited with {status}: {}", worker.log());
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "bitu-rq did not start: {}",
                worker.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        worker
    }

    /// Its process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// SIGKILL, as the OOM killer or a power cut would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM and waits (up to `limit`) for the exit; returns the status and how long.
    pub async fn terminate(&mut self, limit: Duration) -> (ExitStatus, Duration) {
        let mut child = self.child.take().expect("worker still running");
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                panic!("bitu-rq did not exit within {limit:?}: {}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn unique(path: PathBuf) -> PathBuf {
    let mut n = 0;
    let mut candidate = path.clone();
    while candidate.exists() {
        n += 1;
        candidate = path.with_extension(format!("{n}.log"));
    }
    candidate
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Polls `check` every 50 ms until it is true, or panics with `what` after `limit`.
pub async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A plain Redis connection for checks behind the queue's back.
pub async fn redis(ctx: &TestContext) -> redis::aio::MultiplexedConnection {
    redis::Client::open(ctx.env.redis_url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// How often each job id was recorded by probes with `label`.
pub async fn probe_counts(ctx: &TestContext, queue: &Queue, label: &str) -> HashMap<String, usize> {
    let mut conn = redis(ctx).await;
    let ids: Vec<String> = conn.lrange(queue.probe_key(label), 0, -1).await.unwrap();
    let mut counts = HashMap::new();
    for id in ids {
        *counts.entry(id).or_insert(0) += 1;
    }
    counts
}

/// Runs `bitu` with `args`; returns the exit success and stdout+stderr.
pub fn bitu(config: &Path, args: &[&str]) -> (bool, String) {
    let output = bitu_testkit::process::run("bitu", config, args);
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}
