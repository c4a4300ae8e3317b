//! Sign-in: find the entry by shell username or developer name, then bind as it, so the
//! directory's password policy (locks, blocks) decides. Failures count against the client
//! and the account; past the limit nothing is checked at all.

use chrono::{DateTime, Utc};
use tracing::{info, instrument, warn};

use super::rate_limit::AttemptLimiter;
use crate::clock::Clock;
use crate::config::RateLimitSettings;
use crate::directory::{DirectoryUser, Filter, UserStore};
use crate::error::Result;

/// Limiter bucket of failed sign-ins per client address.
pub const IP_BUCKET: &str = "signin-ip";
/// Limiter bucket of failed sign-ins per account name.
pub const ACCOUNT_BUCKET: &str = "signin-account";

/// The entry of `name` (a uid, or a developer name) if `password` binds as it.
/// Unknown names cost a bind too, so timing does not tell which names exist.
#[instrument(skip(users, password))]
pub async fn authenticate(
    users: &impl UserStore,
    name: &str,
    password: &str,
) -> Result<Option<DirectoryUser>> {
    if name.trim().is_empty() || password.is_empty() {
        return Ok(None);
    }
    let Some(user) = find_by_name(users, name).await? else {
        let _ = users
            .verify_password(&users.user_dn("\u{1}no-such-user"), password)
            .await;
        crate::metrics::signin(false);
        return Ok(None);
    };
    let ok = users.verify_password(user.dn(), password).await?;
    crate::metrics::signin(ok);
    Ok(ok.then_some(user))
}

/// The entry called `name` (trimmed): the one with that shell username, else one with that
/// developer name. Sign-in and password reset both accept either.
pub async fn find_by_name(users: &impl UserStore, name: &str) -> Result<Option<DirectoryUser>> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    let candidates = users
        .find_users_where(Filter::Or(vec![
            Filter::eq("uid", name),
            Filter::eq("cn", name),
        ]))
        .await?;
    // A uid is unique; prefer it over a developer name that happens to look the same.
    Ok(candidates
        .iter()
        .find(|user| user.uid().eq_ignore_ascii_case(name))
        .or_else(|| candidates.first())
        .cloned())
}

/// Who signed in, and when: what the session is to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// Shell username.
    pub uid: String,
    /// Developer name.
    pub cn: String,
    /// When the password was checked.
    pub at: DateTime<Utc>,
}

/// What a sign-in attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigninOutcome {
    /// Name and password fit.
    SignedIn(SignedIn),
    /// Wrong name or password (which one is never said); counted against client and account.
    Failed,
    /// Too many recent failures from this client or for this account; nothing was checked.
    Throttled,
}

/// Sign-in over a user store, a failure counter and a clock.
pub struct SigninService<'a, U, L, C> {
    /// Where accounts and passwords are checked.
    pub users: &'a U,
    /// Counts failures per client and per account.
    pub limiter: &'a L,
    /// Stamps the sign-in.
    pub clock: &'a C,
    /// `[rate_limit]`.
    pub limits: &'a RateLimitSettings,
    /// `[ldap] ppolicy_dn`: an account pointed at it (or locked) cannot sign in, even where
    /// the directory still lets it bind.
    pub disabled_policy: &'a str,
}

impl<U: UserStore, L: AttemptLimiter, C: Clock> SigninService<'_, U, L, C> {
    /// Checks `name` and `password` for a client at `client_ip` (empty when unknown).
    pub async fn attempt(
        &self,
        name: &str,
        password: &str,
        client_ip: &str,
    ) -> Result<SigninOutcome> {
        let limits = self.limits;
        let account = name.trim().to_lowercase();
        let limiter = self.limiter;
        // Each attempt is counted before its bind, in the same step as the check, so parallel
        // guesses cannot all pass; a successful sign-in gives its attempt back.
        let (ip_limit, account_limit) = (
            limits.signin_failures_per_ip,
            limits.signin_failures_per_account,
        );
        if !limiter
            .reserve(IP_BUCKET, client_ip, ip_limit, limits.window)
            .await
        {
            warn!(client_ip, "sign-in refused: too many failures");
            return Ok(SigninOutcome::Throttled);
        }
        if !limiter
            .reserve(ACCOUNT_BUCKET, &account, account_limit, limits.window)
            .await
        {
            limiter.release(IP_BUCKET, client_ip, limits.window).await;
            warn!(client_ip, "sign-in refused: too many failures");
            return Ok(SigninOutcome::Throttled);
        }
        let checked = authenticate(self.users, name, password).await;
        if !matches!(checked, Ok(None)) {
            // Not a wrong password (signed in, locked, or the directory failed): not counted.
            limiter.release(IP_BUCKET, client_ip, limits.window).await;
            limiter
                .release(ACCOUNT_BUCKET, &account, limits.window)
                .await;
        }
        match checked? {
            Some(user) if crate::authz::state::is_locked(&user, self.disabled_policy) => {
                // Same answer as a wrong password; not counted, the password was right.
                warn!(
                    uid = user.uid(),
                    client_ip, "sign-in refused: account locked or disabled"
                );
                Ok(SigninOutcome::Failed)
            }
            Some(user) => {
                info!(uid = user.uid(), client_ip, "signed in");
                Ok(SigninOutcome::SignedIn(SignedIn {
                    uid: user.uid().to_string(),
                    cn: user.cn().to_string(),
                    at: self.clock.now(),
                }))
            }
            None => {
                warn!(client_ip, "sign-in failed");
                Ok(SigninOutcome::Failed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeDelta, TimeZone};

    use super::*;
    use crate::clock::FixedClock;
    use crate::memory::{MemoryDirectory, MemoryLimiter};

    struct World {
        directory: MemoryDirectory,
        clock: Arc<FixedClock>,
        limiter: MemoryLimiter,
        limits: RateLimitSettings,
    }

    impl World {
        fn new() -> World {
            let clock = Arc::new(FixedClock::at(
                Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap(),
            ));
            let directory = MemoryDirectory::new();
            directory.add_user("alice", "Alice Liddell", "alice@example.org", "right-pw");
            World {
                directory,
                limiter: MemoryLimiter::new(clock.clone()),
                clock,
                limits: RateLimitSettings::default(),
            }
        }

        async fn attempt(&self, name: &str, password: &str, ip: &str) -> SigninOutcome {
            SigninService {
                users: &self.directory,
                limiter: &self.limiter,
                clock: self.clock.as_ref(),
                limits: &self.limits,
                disabled_policy: "cn=disabled,ou=ppolicies,dc=example,dc=org",
            }
            .attempt(name, password, ip)
            .await
            .unwrap()
        }
    }

    #[tokio::test]
    async fn a_disabled_or_locked_account_cannot_sign_in() {
        let world = World::new();
        for (attribute, value) in [
            (
                "pwdPolicySubentry",
                "cn=disabled,ou=ppolicies,dc=example,dc=org",
            ),
            ("pwdAccountLockedTime", "000001010000Z"),
        ] {
            world
                .directory
                .add_user("dee", "Dee Disabled", "dee@example.org", "right-pw");
            let change = ldap3::Mod::Add(
                attribute.to_string(),
                std::collections::HashSet::from([value.to_string()]),
            );
            world
                .directory
                .modify_user("dee", vec![change])
                .await
                .unwrap();
            assert_eq!(
                world.attempt("dee", "right-pw", "192.0.2.9").await,
                SigninOutcome::Failed,
                "{attribute}"
            );
        }
    }

    #[tokio::test]
    async fn uid_or_developer_name_with_the_right_password_signs_in() {
        let world = World::new();
        let expected = SigninOutcome::SignedIn(SignedIn {
            uid: "alice".into(),
            cn: "Alice Liddell".into(),
            at: world.clock.now(),
        });
        assert_eq!(
            world.attempt("alice", "right-pw", "192.0.2.1").await,
            expected
        );
        assert_eq!(
            world
                .attempt(" alice liddell ", "right-pw", "192.0.2.1")
                .await,
            expected
        );
        assert_eq!(
            world.attempt("alice", "", "192.0.2.1").await,
            SigninOutcome::Failed
        );
        assert_eq!(
            world.attempt("nobody", "right-pw", "192.0.2.1").await,
            SigninOutcome::Failed
        );
    }

    #[tokio::test]
    async fn failures_per_account_throttle_every_client_until_the_window_ends() {
        let world = World::new();
        let limit = world.limits.signin_failures_per_account;
        for n in 0..limit {
            let ip = format!("192.0.2.{n}");
            assert_eq!(
                world.attempt("Alice", "wrong", &ip).await,
                SigninOutcome::Failed
            );
        }
        // Even the right password from a fresh address is not checked now.
        assert_eq!(
            world.attempt("alice", "right-pw", "198.51.100.9").await,
            SigninOutcome::Throttled
        );
        world
            .clock
            .advance(TimeDelta::from_std(world.limits.window).unwrap());
        assert!(matches!(
            world.attempt("alice", "right-pw", "198.51.100.9").await,
            SigninOutcome::SignedIn(_)
        ));
    }

    #[tokio::test]
    async fn failures_per_client_throttle_that_client_only() {
        let world = World::new();
        for n in 0..world.limits.signin_failures_per_ip {
            let name = format!("guess{n}");
            assert_eq!(
                world.attempt(&name, "x", "203.0.113.5").await,
                SigninOutcome::Failed
            );
        }
        assert_eq!(
            world.attempt("alice", "right-pw", "203.0.113.5").await,
            SigninOutcome::Throttled
        );
        assert!(matches!(
            world.attempt("alice", "right-pw", "203.0.113.6").await,
            SigninOutcome::SignedIn(_)
        ));
    }
}
