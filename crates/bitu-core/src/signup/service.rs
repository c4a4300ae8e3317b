//! The sign-up service the web pages call: check the captcha and every field, store the
//! sign-up with its activation mail, and activate it.

use chrono::TimeDelta;
use tracing::{info, warn};

use super::captcha;
use super::names::sanitize_cn;
use super::store::{self, LinkProblem, NewSignup, Signup};
use super::validate::{FieldErrors, NameBlocklist, SignupRequest, Validator};
use crate::account::password::hash_for_new_entry;
use crate::audit::Actor;
use crate::config::Settings;
use crate::error::Result;
use crate::i18n::Msg;
use crate::mail::Message;
use crate::queue::{Job, ProvisionAccount, Queue, SendMail, outbox};
use crate::services::Services;

/// What became of a submitted sign-up.
#[derive(Debug)]
pub enum SubmitOutcome {
    /// Stored; the activation mail is on its way.
    Stored(u64),
    /// Refused; messages per field.
    Invalid(FieldErrors),
}

/// The sign-up path over the shared services.
pub struct SignupService<'a, B> {
    /// Settings.
    pub settings: &'a Settings,
    /// MariaDB, LDAP, Redis.
    pub services: &'a Services,
    /// The queue, to push jobs right after their commit.
    pub queue: &'a Queue,
    /// The name block list.
    pub blocklist: &'a B,
}

fn lifetime(duration: std::time::Duration) -> TimeDelta {
    TimeDelta::seconds(i64::try_from(duration.as_secs()).unwrap_or(i64::MAX))
}

/// The mail job carrying the activation link of sign-up `id`, in `lang` (the language the
/// person signed up in).
pub fn activation_mail(
    settings: &Settings,
    id: u64,
    token: &str,
    mail: &str,
    cn: &str,
    lang: &str,
) -> Job {
    Job::new(
        SendMail::new(
            format!("activation:{id}:{}", &token[..token.len().min(12)]),
            Message::Activation {
                to: mail.to_string(),
                developer_name: cn.to_string(),
                subject: settings.signup.activation_subject.clone(),
                signup_id: id,
                token: token.to_string(),
            },
        )
        .in_lang(lang),
    )
}

impl<B: NameBlocklist> SignupService<'_, B> {
    fn validator(&self) -> Validator<'_, B> {
        Validator {
            settings: self.settings,
            directory: &self.services.directory,
            db: &self.services.db,
            blocklist: self.blocklist,
        }
    }

    /// Checks the captcha and every field; stores the sign-up when all pass. A directory or
    /// database outage is an error and stores nothing.
    pub async fn submit(
        &self,
        actor: &Actor,
        request: &SignupRequest,
        captcha_id: &str,
        captcha_answer: &str,
    ) -> Result<SubmitOutcome> {
        let solved = captcha::solve(&self.services.db, captcha_id, captcha_answer).await?;
        let mut errors = self.validator().check_all(request).await?;
        if !solved {
            errors.add("captcha", Msg::new("bitu-signup-error-captcha"));
        }
        if !errors.is_empty() {
            return Ok(SubmitOutcome::Invalid(errors));
        }
        let signup = NewSignup {
            cn: sanitize_cn(&self.settings.names, &request.cn),
            uid: request.uid.trim().to_string(),
            mail: request.email.trim().to_lowercase(),
            password_hash: hash_for_new_entry(self.settings.password.set_with, &request.password)?,
        };
        let settings = self.settings;
        let (mail, cn) = (signup.mail.clone(), signup.cn.clone());
        let stored = store::create(
            &self.services.db,
            actor,
            &signup,
            lifetime(settings.signup.activation_lifetime),
            move |id, token| activation_mail(settings, id, token, &mail, &cn, &actor.lang),
        )
        .await?;
        let (id, envelope) = match stored {
            Ok(stored) => stored,
            Err(errors) => return Ok(SubmitOutcome::Invalid(errors)),
        };
        info!(signup_id = id, uid = %signup.uid, "sign-up stored");
        crate::metrics::signup_stored();
        self.push(&[envelope]).await;
        Ok(SubmitOutcome::Stored(id))
    }

    /// Pushes committed jobs now; when Redis is down the outbox relay does it later.
    async fn push(&self, envelopes: &[crate::queue::Envelope]) {
        if let Err(e) = outbox::push_committed(&self.services.db, self.queue, envelopes).await {
            warn!(error = %e, "job stays in the outbox until Redis answers");
        }
    }

    /// The sign-up behind a link, if the link works now.
    pub async fn check_link(
        &self,
        id: u64,
        token: &str,
    ) -> Result<std::result::Result<Signup, LinkProblem>> {
        let signup = store::find(&self.services.db, id).await?;
        let now = chrono::Utc::now().naive_utc();
        Ok(store::check_link(signup.as_ref(), token, now).and(signup.ok_or(LinkProblem::Unknown)))
    }

    /// Activates sign-up `id` (for the link's holder at `client`) and queues its provisioning.
    pub async fn activate(
        &self,
        id: u64,
        token: &str,
        client: Option<std::net::IpAddr>,
    ) -> Result<std::result::Result<(), LinkProblem>> {
        let job = Job::new(ProvisionAccount { signup_id: id });
        match store::activate(&self.services.db, id, token, job, client).await? {
            Ok(envelope) => {
                info!(signup_id = id, "sign-up activated");
                crate::metrics::activation();
                self.push(&[envelope]).await;
                Ok(Ok(()))
            }
            Err(problem) => Ok(Err(problem)),
        }
    }
}
