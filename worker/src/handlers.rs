//! One handler per job kind, each idempotent: running a job twice has the effect of running
//! it once.

use std::collections::HashSet;
use std::time::Duration;

use bitu_core::account::recovery;
use bitu_core::directory::{Directory, RC_NO_SUCH_ATTRIBUTE, RC_VALUE_EXISTS, expect_success};
use bitu_core::mail::{Mailer, Message};
use bitu_core::queue::{
    ChangeOp, Envelope, Job, JobId, LdapModify, Probe, Queue, SendMail, outbox,
};
use bitu_core::signup::provision::{Provisioned, provision};
use bitu_core::{Services, Settings};
use ldap3::Mod;

/// Why a run did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// Another run may work (an outage, a refusal that may pass).
    Retry(String),
    /// No run can work; straight to the failed set.
    Permanent(String),
}

impl From<bitu_core::Error> for Failure {
    fn from(error: bitu_core::Error) -> Failure {
        match &error {
            // A 5xx may still be lifted (full mailbox, a mistaken block), so it gets the kind's
            // retries and then the failed set; only our own broken messages fail at once.
            bitu_core::Error::Mail(mail) if mail.is_permanent() && !mail.is_rejection() => {
                Failure::Permanent(error.to_string())
            }
            _ => Failure::Retry(error.to_string()),
        }
    }
}

/// What the handlers work with.
pub struct Handlers {
    /// The queues (dedup records live there).
    pub queue: Queue,
    /// LDAP.
    pub directory: Directory,
    /// Mail rendering and delivery.
    pub mailer: Mailer,
    /// MariaDB, LDAP, Redis (for provisioning).
    pub services: Services,
    /// The configuration.
    pub settings: std::sync::Arc<Settings>,
}

impl Handlers {
    /// Runs `envelope`'s job; the text says what happened when it was not the obvious.
    pub async fn run(&self, envelope: &Envelope) -> Result<Option<&'static str>, Failure> {
        match &envelope.job {
            Job::SendMail(mail) => self.send_mail(envelope, mail).await,
            Job::LdapModify(modify) => self.ldap_modify(modify).await.map(|()| None),
            Job::Probe(probe) => self.probe(envelope, probe).await,
            Job::ProvisionAccount(job) => {
                match provision(&self.services, &self.settings, job.signup_id).await? {
                    Provisioned::Created(_) => Ok(None),
                    Provisioned::AlreadyThere => Ok(Some("entry already there")),
                    Provisioned::Gone => Ok(Some("sign-up gone")),
                }
            }
            Job::PasswordResetMail(job) => {
                let message =
                    recovery::reset_mail(&self.directory, &self.settings, &job.cn).await?;
                self.send_looked_up(envelope, message).await
            }
            Job::UsernameReminderMail(job) => {
                let message = recovery::username_mail(&self.directory, &job.email).await?;
                self.send_looked_up(envelope, message).await
            }
        }
    }

    /// Sends a mail prepared from a lookup, once per job.
    async fn send_looked_up(
        &self,
        envelope: &Envelope,
        message: Option<Message>,
    ) -> Result<Option<&'static str>, Failure> {
        let Some(message) = message else {
            return Ok(Some("nobody to mail"));
        };
        let mail = SendMail {
            dedup_key: format!("lookup:{}", envelope.id.0),
            message,
        };
        self.send_mail(envelope, &mail).await
    }

    /// Called once a job lands in the failed set: a failed provisioning is mailed to the
    /// administrators, since a person is waiting for that account.
    pub async fn gave_up(&self, id: &JobId, envelope: Option<&Envelope>, reason: &str) {
        let Some(Job::ProvisionAccount(job)) = envelope.map(|e| &e.job) else {
            return;
        };
        if self.settings.mail.admins.is_empty() {
            return;
        }
        let notice = Job::SendMail(SendMail {
            dedup_key: format!("provision-failed:{}", id.0),
            message: Message::AdminNotice {
                subject: format!("Creating the account of sign-up {} failed", job.signup_id),
                body: format!(
                    "bitu-rq gave up on job {} (sign-up {}): {reason}\nRetry it with `bitu jobs \
                     retry {}` once the cause is fixed.",
                    id.0, job.signup_id, id.0
                ),
            },
        });
        let queued = async {
            let mut conn = bitu_core::db::conn(&self.services.db).await?;
            outbox::enqueue(&mut conn, notice).await
        };
        if let Err(e) = queued.await {
            tracing::error!(error = %e, "cannot queue the administrators' notice");
        }
    }

    async fn send_mail(
        &self,
        envelope: &Envelope,
        mail: &SendMail,
    ) -> Result<Option<&'static str>, Failure> {
        let dedup = format!("mail:{}", mail.dedup_key);
        if self.queue.is_done(&dedup).await? {
            return Ok(Some("already sent"));
        }
        let rendered = self
            .mailer
            .render(&mail.message)
            .map_err(|e| Failure::Permanent(e.to_string()))?;
        self.mailer
            .send(&rendered, &envelope.id.0)
            .await
            .map_err(bitu_core::Error::from)?;
        // A crash right here resends once: SMTP has no way to take a mail back.
        self.queue.mark_done(&dedup).await?;
        Ok(None)
    }

    async fn ldap_modify(&self, modify: &LdapModify) -> Result<(), Failure> {
        let dn = self.directory.user_dn(&modify.uid);
        for change in &modify.changes {
            let values: HashSet<String> = change.values.iter().cloned().collect();
            let attribute = change.attribute.clone();
            let (op, harmless) = match change.op {
                ChangeOp::Add => (Mod::Add(attribute, values), RC_VALUE_EXISTS),
                ChangeOp::Delete => (Mod::Delete(attribute, values), RC_NO_SUCH_ATTRIBUTE),
                ChangeOp::Replace => (Mod::Replace(attribute, values), 0),
            };
            let result = self.directory.modify(&dn, vec![op]).await?;
            if result.rc != harmless {
                expect_success(result)?;
            }
        }
        Ok(())
    }

    async fn probe(
        &self,
        envelope: &Envelope,
        probe: &Probe,
    ) -> Result<Option<&'static str>, Failure> {
        if probe.sleep_ms > 0 {
            tokio::time::sleep(Duration::from_millis(probe.sleep_ms)).await;
        }
        if envelope.attempt <= probe.fail_attempts {
            return Err(Failure::Retry(format!(
                "probe told to fail its first {} attempt(s)",
                probe.fail_attempts
            )));
        }
        if let Some(label) = &probe.label {
            let id = &envelope.id.0;
            if !self
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
