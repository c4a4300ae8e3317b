//! Changing a signed-in user's address: a request mails a signed link to the new address (see
//! [`recovery::email_change_mail`]); confirming it replaces the address and notifies the old
//! one. Each step writes its mail job and its audit row in one transaction; the confirmation's
//! directory write comes last, before the commit.

use std::collections::HashSet;

use diesel_async::AsyncConnection;
use ldap3::Mod;
use tracing::{info, warn};

use super::recovery;
use crate::audit::{self, Action, Actor, Entry, Target};
use crate::config::Settings;
use crate::directory::{DirectoryUser, UserAttribute};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::queue::{Envelope, Job, Queue, SendMail, outbox};
use crate::services::Services;
use crate::signup::validate::{NoBlocklist, Validator};

/// What became of a request for a new address.
#[derive(Debug, PartialEq, Eq)]
pub enum RequestOutcome {
    /// The link is on its way to this address.
    Sent(String),
    /// Refused; each message says why.
    Refused(Vec<Msg>),
    /// Refused for a wrong current password (which the caller counts as a failed sign-in).
    WrongPassword(Msg),
}

/// What became of a confirmation.
#[derive(Debug, PartialEq, Eq)]
pub enum ConfirmOutcome {
    /// The address is replaced.
    Changed,
    /// The link is not valid for the user as the entry is now.
    DeadLink,
    /// Refused; the message is for the person.
    Refused(Msg),
}

/// The address change over the shared services.
pub struct EmailChange<'a> {
    /// Settings (secret key, link lifetime, validators).
    pub settings: &'a Settings,
    /// MariaDB and LDAP.
    pub services: &'a Services,
    /// The queue, to push the mail right after its commit.
    pub queue: &'a Queue,
}

impl EmailChange<'_> {
    /// Checks `email` by the sign-up rules and the current password by binding, and mails
    /// the link to the new address, with the audit row.
    pub async fn request(
        &self,
        actor: &Actor,
        user: &DirectoryUser,
        email: &str,
        email_again: &str,
        current_password: &str,
    ) -> Result<RequestOutcome> {
        let current = user.mail().unwrap_or_default();
        let new_mail = email.trim().to_lowercase();
        let validator = Validator {
            settings: self.settings,
            directory: &self.services.directory,
            db: &self.services.db,
            blocklist: &NoBlocklist,
        };
        let mut errors = validator.check_email(&new_mail).await?;
        if new_mail != email_again.trim().to_lowercase() {
            errors.push(Msg::new("bitu-email-error-mismatch"));
        }
        if new_mail.eq_ignore_ascii_case(current) {
            errors = vec![Msg::new("bitu-email-error-same")];
        }
        if !errors.is_empty() {
            return Ok(RequestOutcome::Refused(errors));
        }
        if !self
            .services
            .directory
            .verify_password(user.dn(), current_password)
            .await?
        {
            return Ok(RequestOutcome::WrongPassword(Msg::new(
                "bitu-password-error-current",
            )));
        }
        let message = recovery::email_change_mail(self.settings, user, &new_mail)?;
        let job = Job::new(
            SendMail::new(
                format!(
                    "email-change:{}:{}",
                    user.uid(),
                    message.link_path().unwrap_or_default()
                ),
                message,
            )
            .in_lang(&actor.lang),
        );
        let entry = Entry::new(
            actor,
            Action::EmailChangeRequest,
            Target::User(user.uid().to_string()),
        )
        .with("new_mail", new_mail.as_str());
        let mut conn = crate::db::conn(&self.services.db).await?;
        let envelope = conn
            .transaction::<_, Error, _>(async |conn| {
                let envelope = outbox::enqueue(conn, job).await?;
                audit::record(conn, &entry).await?;
                Ok(envelope)
            })
            .await?;
        drop(conn);
        self.push(envelope).await;
        Ok(RequestOutcome::Sent(new_mail))
    }

    /// Whether the link (`new_mail`, `expires`, `token`) is valid for `user` as it is now.
    pub fn link_is_valid(
        &self,
        user: &DirectoryUser,
        new_mail: &str,
        expires: i64,
        token: &str,
    ) -> Result<bool> {
        recovery::check_email_change(self.settings, user, new_mail, expires, token)
    }

    /// Replaces `user`'s address through a valid link: the notice to the old address, the
    /// audit row and the directory write commit together or not at all.
    pub async fn confirm(
        &self,
        actor: &Actor,
        user: &DirectoryUser,
        new_mail: &str,
        expires: i64,
        token: &str,
    ) -> Result<ConfirmOutcome> {
        if !self.link_is_valid(user, new_mail, expires, token)? {
            return Ok(ConfirmOutcome::DeadLink);
        }
        let directory = &self.services.directory;
        let taken = directory
            .find_users_by(UserAttribute::Mail, new_mail)
            .await?
            .into_iter()
            .any(|other| other.dn() != user.dn());
        if taken {
            return Ok(ConfirmOutcome::Refused(Msg::new("bitu-email-error-taken")));
        }
        let notice = user.mail().map(|old| {
            Job::new(SendMail {
                dedup_key: format!("email-changed:{}:{expires}", user.uid()),
                message: crate::mail::Message::EmailChanged {
                    to: old.to_string(),
                    developer_name: user.cn().to_string(),
                    new_address: crate::mail::mask_address(new_mail),
                },
                lang: actor.lang.clone(),
            })
        });
        let entry = Entry::new(
            actor,
            Action::EmailChange,
            Target::User(user.uid().to_string()),
        )
        .with("old_mail", user.mail().unwrap_or_default())
        .with("new_mail", new_mail);
        let mods = vec![Mod::Replace(
            "mail".to_string(),
            HashSet::from([new_mail.to_string()]),
        )];
        let mut conn = crate::db::conn(&self.services.db).await?;
        let envelope = conn
            .transaction::<_, Error, _>(async |conn| {
                let envelope = match notice {
                    Some(job) => Some(outbox::enqueue(conn, job).await?),
                    None => None,
                };
                audit::record(conn, &entry).await?;
                directory.modify_user(user.uid(), mods).await?;
                Ok(envelope)
            })
            .await?;
        drop(conn);
        info!(uid = user.uid(), "email address changed");
        if let Some(envelope) = envelope {
            self.push(envelope).await;
        }
        Ok(ConfirmOutcome::Changed)
    }

    /// Pushes a committed job now; when Redis is down the outbox relay does it later.
    async fn push(&self, envelope: Envelope) {
        if let Err(e) = outbox::push_committed(&self.services.db, self.queue, &[envelope]).await {
            warn!(error = %e, "job stays in the outbox until Redis answers");
        }
    }
}
