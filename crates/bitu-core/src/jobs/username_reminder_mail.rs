//! `username_reminder_mail`: look up an address and mail it the account names.

use serde::{Deserialize, Serialize};

use crate::account::recovery;
use crate::queue::{BackgroundJob, Envelope, JobContext, JobResult, QueueName};

/// Mails the names of every entry with this address, if there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsernameReminderMail {
    /// Address as typed.
    pub email: String,
    /// The language of the request that asked for it (empty: English).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub lang: String,
}

impl BackgroundJob for UsernameReminderMail {
    const KIND: &'static str = "username_reminder_mail";
    const QUEUE: QueueName = QueueName::Notification;

    async fn run(&self, ctx: &JobContext, envelope: &Envelope) -> JobResult {
        let message = recovery::username_mail(&ctx.services.directory, &self.email).await?;
        super::send_mail::send_looked_up(ctx, envelope, message, &self.lang).await
    }
}
