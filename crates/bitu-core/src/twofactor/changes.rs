//! The two-factor service's changes that end an enrolment (disabling, a manager's reset) and
//! the mail every change sends: audit row, rows and mail job in one transaction, the job
//! pushed after the commit.

use diesel_async::AsyncConnection;
use tracing::{info, warn};

use super::replay::ReplayGuard;
use super::{TwoFactor, store};
use crate::account::rate_limit::AttemptLimiter;
use crate::audit::{self, Action, Actor, Entry, Target};
use crate::clock::Clock;
use crate::db;
use crate::directory::DirectoryUser;
use crate::error::{Error, Result};
use crate::mail::Message;
use crate::queue::{Envelope, Job, SendMail, outbox};

impl<L: AttemptLimiter, R: ReplayGuard, C: Clock> TwoFactor<'_, L, R, C> {
    /// An account manager's reset of `user`'s two-factor sign-in, with their `comment`;
    /// `false` when it was not enabled (a waiting enrolment is removed all the same).
    pub async fn reset(&self, actor: &Actor, user: &DirectoryUser, comment: &str) -> Result<bool> {
        self.remove(actor, user, Action::TwoFactorReset, "reset", comment)
            .await
    }

    pub(super) async fn remove(
        &self,
        actor: &Actor,
        user: &DirectoryUser,
        action: Action,
        event: &str,
        comment: &str,
    ) -> Result<bool> {
        let uid = user.uid();
        let mut entry = Entry::new(actor, action, Target::User(uid.into()));
        if !comment.is_empty() {
            entry = entry.with("comment", comment);
        }
        let mail = self.mail(user, event, comment);
        let mut conn = db::conn(self.db).await?;
        let envelope = conn
            .transaction::<_, Error, _>(async |conn| {
                if !store::remove(conn, uid).await? {
                    return Ok(None);
                }
                audit::record(conn, &entry).await?;
                Ok(Some(self.enqueue(conn, mail).await?))
            })
            .await?;
        drop(conn);
        let Some(envelope) = envelope else {
            return Ok(false);
        };
        self.push(envelope).await;
        info!(uid, event, "two-factor sign-in turned off");
        Ok(true)
    }

    pub(super) fn mail(&self, user: &DirectoryUser, event: &str, comment: &str) -> Option<Job> {
        let to = user.mail()?;
        Some(Job::new(SendMail {
            dedup_key: format!(
                "twofactor:{}:{event}:{}",
                user.uid(),
                self.clock.now().timestamp_micros()
            ),
            message: Message::TwoFactor {
                to: to.to_string(),
                developer_name: user.cn().to_string(),
                event: event.to_string(),
                comment: comment.to_string(),
            },
            lang: String::new(),
        }))
    }

    pub(super) async fn enqueue(
        &self,
        conn: &mut diesel_async::AsyncMysqlConnection,
        job: Option<Job>,
    ) -> Result<Option<Envelope>> {
        Ok(match job {
            Some(job) => Some(outbox::enqueue(conn, job).await?),
            None => None,
        })
    }

    pub(super) async fn push(&self, envelope: Option<Envelope>) {
        let Some(envelope) = envelope else { return };
        if let Err(e) = outbox::push_committed(self.db, self.queue, &[envelope]).await {
            warn!(error = %e, "job stays in the outbox until Redis answers");
        }
    }
}
