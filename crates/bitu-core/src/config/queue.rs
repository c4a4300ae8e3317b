//! `[queue]` (how jobs are retried, timed out and remembered; read by every daemon that
//! enqueues and by `bitu jobs`) and `[worker]` (the bitu-rq process itself).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::queue::{JobKind, QueueName};

/// Limits of one job kind; unset fields take the `[queue]` defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct KindSettings {
    /// How long one run may take before it is abandoned (and, for a dead worker's job, how
    /// long after the claim it goes back to the queue).
    #[serde(with = "humantime_serde", skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Runs before the job lands in the failed set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// First retry delay; doubled on every further attempt.
    #[serde(with = "humantime_serde", skip_serializing_if = "Option::is_none")]
    pub backoff_base: Option<Duration>,
}

/// The `[queue]` section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueSettings {
    /// Default run time limit and visibility timeout of a job (the original's 360 s).
    #[serde(with = "humantime_serde")]
    pub visibility_timeout: Duration,
    /// Default number of runs before a job lands in the failed set.
    pub max_attempts: u32,
    /// Default first retry delay; doubled per attempt, with jitter.
    #[serde(with = "humantime_serde")]
    pub backoff_base: Duration,
    /// Longest retry delay.
    #[serde(with = "humantime_serde")]
    pub backoff_max: Duration,
    /// How long processed job ids and mail dedup keys are remembered, so a late redelivery
    /// has no second effect.
    #[serde(with = "humantime_serde")]
    pub remember_done: Duration,
    /// Per-kind overrides, keyed by kind name (`send_mail`, `ldap_modify`, `probe`).
    pub kinds: BTreeMap<String, KindSettings>,
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self {
            visibility_timeout: Duration::from_secs(360),
            max_attempts: 5,
            backoff_base: Duration::from_secs(10),
            backoff_max: Duration::from_secs(3600),
            remember_done: Duration::from_secs(7 * 24 * 3600),
            kinds: BTreeMap::new(),
        }
    }
}

impl QueueSettings {
    fn kind(&self, kind: JobKind) -> Option<&KindSettings> {
        self.kinds.get(kind.name())
    }

    /// Run time limit (and visibility timeout) of `kind`.
    pub fn timeout(&self, kind: JobKind) -> Duration {
        self.kind(kind)
            .and_then(|k| k.timeout)
            .unwrap_or(self.visibility_timeout)
    }

    /// Runs of `kind` before it fails for good.
    pub fn max_attempts(&self, kind: JobKind) -> u32 {
        self.kind(kind)
            .and_then(|k| k.max_attempts)
            .unwrap_or(self.max_attempts)
    }

    /// First retry delay of `kind`.
    pub fn backoff_base(&self, kind: JobKind) -> Duration {
        self.kind(kind)
            .and_then(|k| k.backoff_base)
            .unwrap_or(self.backoff_base)
    }

    /// Problems of values that parse but cannot work.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if self.max_attempts == 0 {
            problems.push(("queue.max_attempts".into(), "must be at least 1".into()));
        }
        if self.visibility_timeout.is_zero() {
            problems.push(("queue.visibility_timeout".into(), "must be positive".into()));
        }
        for (name, kind) in &self.kinds {
            if JobKind::from_name(name).is_none() {
                let known: Vec<&str> = JobKind::all().map(JobKind::name).collect();
                problems.push((
                    format!("queue.kinds.{name}"),
                    format!("unknown job kind; known: {}", known.join(", ")),
                ));
            }
            if kind.max_attempts == Some(0) {
                problems.push((
                    format!("queue.kinds.{name}.max_attempts"),
                    "must be at least 1".into(),
                ));
            }
        }
        problems
    }
}

/// The `[worker]` section: the bitu-rq process.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkerSettings {
    /// Queues consumed when `--queue` is not given.
    pub queues: Vec<QueueName>,
    /// Jobs run at once by one process; keep `[redis] pool_size` and `[ldap] pool_size` at
    /// least this large (plus two Redis connections for the heartbeat and housekeeping).
    pub concurrency: usize,
    /// How long running jobs may take to finish after SIGTERM.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
    /// How often the worker says it is alive; it counts as dead after three missed beats.
    #[serde(with = "humantime_serde")]
    pub heartbeat_interval: Duration,
    /// How often dead workers' jobs are looked for and due retries are queued again.
    #[serde(with = "humantime_serde")]
    pub reap_interval: Duration,
    /// How often the MariaDB outbox is relayed to Redis.
    #[serde(with = "humantime_serde")]
    pub relay_interval: Duration,
    /// How long to wait before looking again when every queue is empty.
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            queues: vec![QueueName::Default, QueueName::Notification],
            concurrency: 4,
            shutdown_grace: Duration::from_secs(30),
            heartbeat_interval: Duration::from_secs(5),
            reap_interval: Duration::from_secs(5),
            relay_interval: Duration::from_secs(1),
            poll_interval: Duration::from_millis(100),
        }
    }
}

impl WorkerSettings {
    /// Problems of values that parse but cannot work.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if self.queues.is_empty() {
            problems.push(("worker.queues".into(), "needs at least one queue".into()));
        }
        if self.concurrency == 0 {
            problems.push(("worker.concurrency".into(), "must be at least 1".into()));
        }
        for (key, value) in [
            ("worker.heartbeat_interval", self.heartbeat_interval),
            ("worker.reap_interval", self.reap_interval),
            ("worker.relay_interval", self.relay_interval),
            ("worker.poll_interval", self.poll_interval),
        ] {
            if value.is_zero() {
                problems.push((key.into(), "must be positive".into()));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;
    use crate::queue::{JobKind, Probe, QueueName, SendMail};
    use std::time::Duration;

    #[test]
    fn per_kind_limits_override_the_defaults() {
        let settings = Settings::from_toml_str(
            "[queue]\nmax_attempts = 4\n[queue.kinds.send_mail]\nmax_attempts = 9\n\
             timeout = \"1m\"\n[worker]\nqueues = [\"notification\"]\n",
        )
        .unwrap();
        let queue = &settings.queue;
        assert_eq!(queue.max_attempts(JobKind::of::<SendMail>()), 9);
        assert_eq!(queue.max_attempts(JobKind::of::<Probe>()), 4);
        assert_eq!(
            queue.timeout(JobKind::of::<SendMail>()),
            Duration::from_secs(60)
        );
        assert_eq!(
            queue.timeout(JobKind::of::<Probe>()),
            Duration::from_secs(360)
        );
        assert_eq!(settings.worker.queues, vec![QueueName::Notification]);
        assert!(settings.validate().is_empty(), "{:?}", settings.validate());
    }

    #[test]
    fn unknown_kinds_and_queues_are_named() {
        let settings = Settings::from_toml_str("[queue.kinds.launch]\nmax_attempts = 0\n").unwrap();
        let keys: Vec<String> = settings.validate().into_iter().map(|p| p.0).collect();
        assert!(keys.contains(&"queue.kinds.launch".to_string()), "{keys:?}");
        assert!(keys.contains(&"queue.kinds.launch.max_attempts".to_string()));
        let err = Settings::from_toml_str("[worker]\nqueues = [\"mail\"]\n").unwrap_err();
        assert!(err.to_string().contains("mail"), "{err}");
    }
}
