//! `probe`: a no-op for tests, benchmarks and checking a deployment's worker is alive.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::queue::{BackgroundJob, Envelope, Failure, JobContext, JobResult, QueueName};

/// Does nothing but optionally record that it ran; for tests, benchmarks and checking that
/// a deployment's worker is alive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Probe {
    /// When set, the job id is appended exactly once to the Redis list named by this label.
    pub label: Option<String>,
    /// How long the job takes, in milliseconds.
    pub sleep_ms: u64,
    /// Fails (retryably) on this many first attempts.
    pub fail_attempts: u32,
}

impl BackgroundJob for Probe {
    const KIND: &'static str = "probe";
    const QUEUE: QueueName = QueueName::Default;

    async fn run(&self, ctx: &JobContext, envelope: &Envelope) -> JobResult {
        if self.sleep_ms > 0 {
            tokio::time::sleep(Duration::from_millis(self.sleep_ms)).await;
        }
        if envelope.attempt <= self.fail_attempts {
            return Err(Failure::Retry(format!(
                "probe told to fail its first {} attempt(s)",
                self.fail_attempts
            )));
        }
        if let Some(label) = &self.label {
            let id = &envelope.id.0;
            if !ctx
                .queue
                .record_probe(label, &format!("probe:{id}"), id)
                .await?
            {
                return Ok(Some("already recorded"));
            }
        }
        Ok(None)
    }
}
