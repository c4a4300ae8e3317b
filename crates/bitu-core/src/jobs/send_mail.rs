//! `send_mail`: render and send one mail, at most once per dedup key.

use serde::{Deserialize, Serialize};

use crate::mail::Message;
use crate::queue::{BackgroundJob, Envelope, Failure, JobContext, JobResult, QueueName};

/// Sends one mail, at most once per `dedup_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMail {
    /// Names this mail; a second job with the same key sends nothing (e.g. `activation:42`).
    pub dedup_key: String,
    /// What to render and to whom.
    pub message: Message,
    /// The language to write it in (the recipient's, as far as known); empty for English.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub lang: String,
}

impl SendMail {
    /// Sends `message` once per `dedup_key`, in English.
    pub fn new(dedup_key: String, message: Message) -> SendMail {
        SendMail {
            dedup_key,
            message,
            lang: String::new(),
        }
    }

    /// The same mail in `lang`.
    #[must_use]
    pub fn in_lang(mut self, lang: &str) -> SendMail {
        self.lang = lang.to_string();
        self
    }
}

impl BackgroundJob for SendMail {
    const KIND: &'static str = "send_mail";
    const QUEUE: QueueName = QueueName::Notification;

    async fn run(&self, ctx: &JobContext, envelope: &Envelope) -> JobResult {
        let dedup = format!("mail:{}", self.dedup_key);
        if ctx.queue.is_done(&dedup).await? {
            return Ok(Some("already sent"));
        }
        let rendered = ctx
            .mailer
            .render_in(&self.message, &self.lang)
            .map_err(|e| Failure::Permanent(e.to_string()))?;
        ctx.mailer
            .send(&rendered, &envelope.id.0)
            .await
            .map_err(crate::Error::from)?;
        // A crash right here resends once: SMTP has no way to take a mail back.
        ctx.queue.mark_done(&dedup).await?;
        Ok(None)
    }
}

/// Sends a mail a job prepared from a lookup, once per job; `None` is nobody to mail.
pub(super) async fn send_looked_up(
    ctx: &JobContext,
    envelope: &Envelope,
    message: Option<Message>,
    lang: &str,
) -> JobResult {
    let Some(message) = message else {
        return Ok(Some("nobody to mail"));
    };
    let mail = SendMail::new(format!("lookup:{}", envelope.id.0), message).in_lang(lang);
    mail.run(ctx, envelope).await
}
