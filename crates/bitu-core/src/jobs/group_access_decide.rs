//! `group_access_decide`: decides a request whose votes were recorded while LDAP was away
//! (bitu-web could not look the requester up); retried until LDAP answers.

use serde::{Deserialize, Serialize};

use crate::clock::SystemClock;
use crate::permissions::AccessRequests;
use crate::queue::{BackgroundJob, Envelope, JobContext, JobResult, QueueName};

/// Decides request `request_id` from its recorded votes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupAccessDecide {
    /// The access request.
    pub request_id: u64,
}

impl BackgroundJob for GroupAccessDecide {
    const KIND: &'static str = "group_access_decide";
    const QUEUE: QueueName = QueueName::Default;

    async fn run(&self, ctx: &JobContext, _envelope: &Envelope) -> JobResult {
        let requests = AccessRequests {
            settings: &ctx.settings.permissions,
            db: &ctx.services.db,
            directory: &ctx.services.directory,
            clock: &SystemClock,
        };
        match requests.reconsider(self.request_id).await {
            Ok(_) => Ok(None),
            Err(crate::Error::NotFound(_)) => Ok(Some("request gone or group unconfigured")),
            Err(e) => Err(e.into()),
        }
    }
}
