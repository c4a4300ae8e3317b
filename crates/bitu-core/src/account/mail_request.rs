//! Requests that mail someone without saying whom (password reset, forgotten names): limited
//! per client address, the lookup and the mail left to bitu-rq, so the answer is the same
//! whether or not anyone gets mail.

use crate::account::rate_limit::AttemptLimiter;
use crate::config::RateLimitSettings;
use crate::error::Result;
use crate::queue::{Job, JobStore};

/// Limiter bucket of mail requests per client address.
pub const IP_BUCKET: &str = "mail-request-ip";

/// What became of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailRequest {
    /// Taken (its job, if any, is stored).
    Accepted,
    /// Too many requests from this address; nothing was stored.
    TooMany,
}

/// Counts a request of `client_ip` and stores `job` (None: nothing to look up, such as an
/// empty name) unless the address is over `[rate_limit] mail_requests_per_ip`.
pub async fn request(
    limiter: &impl AttemptLimiter,
    jobs: &impl JobStore,
    limits: &RateLimitSettings,
    client_ip: &str,
    job: Option<Job>,
) -> Result<MailRequest> {
    if limiter
        .hit(
            IP_BUCKET,
            client_ip,
            limits.mail_requests_per_ip,
            limits.window,
        )
        .await
    {
        return Ok(MailRequest::TooMany);
    }
    if let Some(job) = job {
        jobs.submit(job).await?;
    }
    Ok(MailRequest::Accepted)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeDelta, TimeZone, Utc};

    use super::*;
    use crate::account::recovery;
    use crate::clock::FixedClock;
    use crate::config::Settings;
    use crate::mail::{Mailer, Message};
    use crate::memory::{CapturingTransport, MemoryDirectory, MemoryJobs, MemoryLimiter};
    use crate::queue::PasswordResetMail;

    fn clock() -> Arc<FixedClock> {
        Arc::new(FixedClock::at(
            Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap(),
        ))
    }

    #[tokio::test]
    async fn requests_past_the_limit_store_nothing_until_the_window_ends() {
        let clock = clock();
        let limiter = MemoryLimiter::new(clock.clone());
        let jobs = MemoryJobs::default();
        let limits = RateLimitSettings {
            mail_requests_per_ip: 2,
            ..RateLimitSettings::default()
        };
        let job = || {
            Some(Job::new(PasswordResetMail {
                cn: "Alice".into(),
                lang: String::new(),
            }))
        };
        let ip = "192.0.2.9";
        for _ in 0..2 {
            let outcome = request(&limiter, &jobs, &limits, ip, job()).await.unwrap();
            assert_eq!(outcome, MailRequest::Accepted);
        }
        let outcome = request(&limiter, &jobs, &limits, ip, job()).await.unwrap();
        assert_eq!(outcome, MailRequest::TooMany);
        assert_eq!(jobs.jobs().len(), 2);
        let empty = request(&limiter, &jobs, &limits, "192.0.2.10", None).await;
        assert_eq!(empty.unwrap(), MailRequest::Accepted);
        assert_eq!(jobs.jobs().len(), 2, "no name, no job");
        clock.advance(TimeDelta::from_std(limits.window).unwrap());
        let outcome = request(&limiter, &jobs, &limits, ip, job()).await.unwrap();
        assert_eq!(outcome, MailRequest::Accepted);
    }

    /// The whole reset path over the seams: request, the job's lookup and mail, the link.
    #[tokio::test]
    async fn a_reset_request_mails_a_link_that_works_until_it_expires() {
        let clock = clock();
        let mut settings = Settings::default();
        settings.site.secret_key = "k".repeat(64);
        let directory = MemoryDirectory::new();
        directory.add_user("alice", "Alice", "alice@example.org", "old");
        let jobs = MemoryJobs::default();
        let limiter = MemoryLimiter::new(clock.clone());
        let job = Job::new(PasswordResetMail {
            cn: " Alice ".into(),
            lang: String::new(),
        });
        request(
            &limiter,
            &jobs,
            &settings.rate_limit,
            "192.0.2.1",
            Some(job),
        )
        .await
        .unwrap();

        let stored: PasswordResetMail = jobs.jobs()[0].args().unwrap();
        let message = recovery::reset_mail(&directory, &settings, clock.as_ref(), &stored.cn)
            .await
            .unwrap()
            .unwrap();
        let mailer = Mailer::with_transport(&settings, CapturingTransport::default()).unwrap();
        mailer
            .send(&mailer.render(&message).unwrap(), "job-1")
            .await
            .unwrap();
        let sent = mailer.transport().sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0.to, ["alice@example.org"]);
        let Message::PasswordReset { path, .. } = &message else {
            panic!("{message:?}");
        };
        assert!(sent[0].0.text.contains(path.as_str()), "{}", sent[0].0.text);

        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let (uid, expires, token) = (parts[2], parts[3].parse().unwrap(), parts[4]);
        let check = async |at: &FixedClock| {
            recovery::check_reset_link(&directory, &settings, at, uid, expires, token)
                .await
                .unwrap()
                .is_some()
        };
        assert!(check(&clock).await);
        clock.advance(TimeDelta::from_std(settings.account.reset_link_lifetime).unwrap());
        assert!(!check(&clock).await, "the link outlived its lifetime");
        assert!(
            recovery::reset_mail(&directory, &settings, clock.as_ref(), "Nobody")
                .await
                .unwrap()
                .is_none()
        );
    }
}
