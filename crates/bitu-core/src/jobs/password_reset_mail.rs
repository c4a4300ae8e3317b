//! `password_reset_mail`: look up a developer name or shell username and mail a reset link.

use serde::{Deserialize, Serialize};

use crate::account::recovery;
use crate::clock::SystemClock;
use crate::queue::{BackgroundJob, Envelope, JobContext, JobResult, QueueName};

/// Mails a password reset link to the entry with this name, if there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordResetMail {
    /// Developer name or shell username as typed (the field keeps its first name, `cn`, so
    /// jobs queued before the shell username was accepted still read).
    pub cn: String,
    /// The language of the request that asked for it (empty: English).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub lang: String,
}

impl BackgroundJob for PasswordResetMail {
    const KIND: &'static str = "password_reset_mail";
    const QUEUE: QueueName = QueueName::Notification;

    async fn run(&self, ctx: &JobContext, envelope: &Envelope) -> JobResult {
        let directory = &ctx.services.directory;
        let message =
            recovery::reset_mail(directory, &ctx.settings, &SystemClock, &self.cn).await?;
        super::send_mail::send_looked_up(ctx, envelope, message, &self.lang).await
    }
}
