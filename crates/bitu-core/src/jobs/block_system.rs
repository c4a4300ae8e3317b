//! `block_system`: applies one block or unblock in one system (LDAP, Gerrit, GitLab or
//! Phabricator). A system already done is skipped, so reruns and "retry now" are harmless.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::blocking::{self, System};
use crate::queue::{
    BackgroundJob, Envelope, Failure, JobContext, JobId, JobKind, JobResult, QueueName, backoff,
};

/// Applies action `action_id` in `system`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockSystem {
    /// Row id in `block_actions`.
    pub action_id: u64,
    /// `ldap`, `gerrit`, `gitlab` or `phabricator`.
    pub system: String,
}

impl BackgroundJob for BlockSystem {
    const KIND: &'static str = "block_system";
    const QUEUE: QueueName = QueueName::Default;

    async fn run(&self, ctx: &JobContext, envelope: &Envelope) -> JobResult {
        let system: System = self
            .system
            .parse()
            .map_err(|e: crate::Error| Failure::Permanent(e.to_string()))?;
        let queue = &ctx.settings.queue;
        let kind = JobKind::of::<BlockSystem>();
        // The worker's own schedule for the next run, shown to managers as "retrying at".
        let retry_at = (envelope.attempt < queue.max_attempts(kind)).then(|| {
            let delay = backoff::delay(
                envelope.attempt,
                queue.backoff_base(kind),
                queue.backoff_max,
            );
            blocking::now() + TimeDelta::from_std(delay).unwrap_or_default()
        });
        blocking::apply(
            &ctx.services,
            &ctx.settings,
            self.action_id,
            system,
            retry_at,
        )
        .await
        .map_err(Failure::from)
    }

    async fn gave_up(&self, ctx: &JobContext, _id: &JobId, reason: &str) {
        // No more runs by itself: the row says so, and a manager may "retry now".
        let marked = match crate::db::conn(&ctx.services.db).await {
            Ok(mut conn) => {
                blocking::store::mark_failed(&mut conn, self.action_id, &self.system, reason, None)
                    .await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = marked {
            tracing::warn!(error = %e, "cannot record a given-up block job");
        }
    }
}
