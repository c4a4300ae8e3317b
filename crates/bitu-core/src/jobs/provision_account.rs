//! `provision_account`: create the LDAP entry of an activated sign-up.

use serde::{Deserialize, Serialize};

use crate::mail::Message;
use crate::queue::{BackgroundJob, Envelope, Job, JobContext, JobId, JobResult, QueueName, outbox};
use crate::signup::provision::{Provisioned, provision};

use super::SendMail;

/// Creates the LDAP entry of an activated sign-up (see `signup::provision`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionAccount {
    /// Row id of the sign-up.
    pub signup_id: u64,
}

impl BackgroundJob for ProvisionAccount {
    const KIND: &'static str = "provision_account";
    const QUEUE: QueueName = QueueName::Default;

    async fn run(&self, ctx: &JobContext, _envelope: &Envelope) -> JobResult {
        match provision(&ctx.services, &ctx.settings, self.signup_id).await? {
            Provisioned::Created(_) => Ok(None),
            Provisioned::AlreadyThere => Ok(Some("entry already there")),
            Provisioned::Gone => Ok(Some("sign-up gone")),
        }
    }

    /// A person is waiting for this account: the administrators hear of the failure.
    async fn gave_up(&self, ctx: &JobContext, id: &JobId, reason: &str) {
        if ctx.settings.mail.admins.is_empty() {
            return;
        }
        let notice = Job::new(SendMail {
            dedup_key: format!("provision-failed:{}", id.0),
            message: Message::AdminNotice {
                subject: format!("Creating the account of sign-up {} failed", self.signup_id),
                body: format!(
                    "bitu-rq gave up on job {} (sign-up {}): {reason}\nRetry it with `bitu jobs \
                     retry {}` once the cause is fixed.",
                    id.0, self.signup_id, id.0
                ),
            },
            lang: String::new(),
        });
        let queued = async {
            let mut conn = crate::db::conn(&ctx.services.db).await?;
            outbox::enqueue(&mut conn, notice).await
        };
        if let Err(e) = queued.await {
            tracing::error!(error = %e, "cannot queue the administrators' notice");
        }
    }
}
