//! The two-factor service over the database, the job queue, a failure counter, the replay
//! guard and a clock. Each change writes its audit row and the user's mail in one transaction.

use std::time::Duration;

use diesel_async::AsyncConnection;
use tracing::{info, warn};

use super::{ACCOUNT_BUCKET, SecretCipher, recovery, store, totp};
use crate::account::rate_limit::AttemptLimiter;
use crate::audit::{self, Action, Actor, Entry, Target};
use crate::clock::Clock;
use crate::config::TwoFactorSettings;
use crate::db::{self, DbPool};
use crate::directory::{DirectoryUser, UserStore};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::queue::Queue;

use super::replay::ReplayGuard;

/// Where an account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// Sign-in asks for a code.
    pub enabled: bool,
    /// An enrolment waits for its first code.
    pub waiting: bool,
    /// Unused recovery codes.
    pub codes_left: i64,
}

/// What the enrolment page shows.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The secret in base32, in groups of four.
    pub grouped_secret: String,
    /// The otpauth:// URI.
    pub uri: String,
    /// The URI as a QR code (SVG).
    pub qr_svg: String,
}

/// What a code came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeCheck {
    /// A current TOTP code, not used before.
    Valid,
    /// An unused recovery code, now spent.
    Recovery {
        /// Unused codes left.
        left: i64,
    },
    /// Wrong, spent or replayed; counted.
    Wrong,
    /// Too many wrong codes for this account lately; nothing was checked.
    Throttled,
    /// The account has no enabled second factor.
    NotEnabled,
}

/// What confirming an enrolment came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmOutcome {
    /// Enabled; the recovery codes, to show once.
    Enabled(Vec<String>),
    /// The code was wrong.
    Wrong,
    /// Too many wrong codes lately.
    Throttled,
    /// No enrolment is waiting (none begun, or already enabled).
    NotWaiting,
}

/// What disabling came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisableOutcome {
    /// Disabled: the secret and codes are gone.
    Disabled,
    /// The code or the password was wrong (which one is not said).
    Wrong,
    /// Too many wrong codes lately.
    Throttled,
    /// Two-factor was not enabled.
    NotEnabled,
}

/// Two-factor sign-in over its backing services.
pub struct TwoFactor<'a, L, R, C> {
    /// Secrets, codes, audit rows, the outbox.
    pub db: &'a DbPool,
    /// Where committed mail jobs are pushed.
    pub queue: &'a Queue,
    /// `[twofactor]`.
    pub settings: &'a TwoFactorSettings,
    /// Counts wrong codes per account.
    pub limiter: &'a L,
    /// Which steps' codes were used.
    pub replay: &'a R,
    /// "Now", for codes and rows.
    pub clock: &'a C,
}

impl<L: AttemptLimiter, R: ReplayGuard, C: Clock> TwoFactor<'_, L, R, C> {
    fn cipher(&self) -> Result<SecretCipher> {
        SecretCipher::new(&self.settings.key)
    }

    fn unix_now(&self) -> u64 {
        u64::try_from(self.clock.now().timestamp()).unwrap_or(0)
    }

    /// How long a used step is remembered: the whole window it is accepted in, and a step more.
    fn replay_ttl(&self) -> Duration {
        Duration::from_secs((2 * u64::from(self.settings.skew) + 2) * totp::STEP)
    }

    /// Where `uid` stands.
    pub async fn status(&self, uid: &str) -> Result<Status> {
        let mut conn = db::conn(self.db).await?;
        let row = store::secret_of(&mut conn, uid).await?;
        Ok(Status {
            enabled: row.as_ref().is_some_and(|r| r.enabled),
            waiting: row.as_ref().is_some_and(|r| !r.enabled),
            codes_left: store::codes_left(&mut conn, uid).await?,
        })
    }

    /// Whether sign-in of `uid` asks for a code.
    pub async fn is_enabled(&self, uid: &str) -> Result<bool> {
        let mut conn = db::conn(self.db).await?;
        Ok(store::secret_of(&mut conn, uid)
            .await?
            .is_some_and(|r| r.enabled))
    }

    /// Begins (or shows again) the enrolment of `uid`: the waiting secret, made now if there
    /// is none. Refused when two-factor is enabled already.
    pub async fn begin(&self, uid: &str) -> Result<Enrolment> {
        let cipher = self.cipher()?;
        let mut conn = db::conn(self.db).await?;
        let secret = match store::secret_of(&mut conn, uid).await? {
            Some(row) if row.enabled => {
                return Err(Error::Invalid(Msg::new("bitu-twofactor-error-enabled")));
            }
            Some(row) => cipher.decrypt(uid, &row.secret_encrypted)?,
            None => {
                let secret = totp::new_secret();
                let sealed = cipher.encrypt(uid, &secret)?;
                let now = self.clock.now_naive();
                if !store::put_waiting(&mut conn, uid, &sealed, cipher.key_id(), now).await? {
                    return Err(Error::Invalid(Msg::new("bitu-twofactor-error-enabled")));
                }
                secret
            }
        };
        let uri = totp::otpauth_uri(&secret, &self.settings.issuer, uid)?;
        Ok(Enrolment {
            grouped_secret: totp::grouped_base32(&secret)?,
            qr_svg: totp::qr_svg(&uri)?,
            uri,
        })
    }

    /// Checks a TOTP `code` against `secret` of `uid`: counted, and each step's code once.
    async fn check_totp(&self, uid: &str, secret: &[u8], code: &str) -> Result<CodeCheck> {
        let limit = self.settings.failures_per_account;
        let window = self.settings.window;
        if !self
            .limiter
            .reserve(ACCOUNT_BUCKET, uid, limit, window)
            .await
        {
            warn!(uid, "two-factor code refused: too many wrong codes");
            return Ok(CodeCheck::Throttled);
        }
        let step = totp::matching_step(secret, code, self.unix_now(), self.settings.skew)?;
        let Some(step) = step else {
            return Ok(CodeCheck::Wrong);
        };
        if !self.replay.first_use(uid, step, self.replay_ttl()).await? {
            warn!(uid, "two-factor code refused: already used");
            return Ok(CodeCheck::Wrong);
        }
        self.limiter.release(ACCOUNT_BUCKET, uid, window).await;
        Ok(CodeCheck::Valid)
    }

    /// Confirms the waiting enrolment of `user` with its first code: enabled, ten recovery
    /// codes made, audit row and mail.
    pub async fn confirm(
        &self,
        actor: &Actor,
        user: &DirectoryUser,
        code: &str,
    ) -> Result<ConfirmOutcome> {
        let uid = user.uid();
        let cipher = self.cipher()?;
        let mut conn = db::conn(self.db).await?;
        let Some(row) = store::secret_of(&mut conn, uid)
            .await?
            .filter(|r| !r.enabled)
        else {
            return Ok(ConfirmOutcome::NotWaiting);
        };
        let secret = cipher.decrypt(uid, &row.secret_encrypted)?;
        match self.check_totp(uid, &secret, code).await? {
            CodeCheck::Valid => {}
            CodeCheck::Throttled => return Ok(ConfirmOutcome::Throttled),
            _ => return Ok(ConfirmOutcome::Wrong),
        }
        let codes = recovery::new_codes();
        let hashes: Vec<Vec<u8>> = codes.iter().map(|c| recovery::hash(c)).collect();
        let now = self.clock.now_naive();
        let entry = Entry::new(actor, Action::TwoFactorEnable, Target::User(uid.into()));
        let mail = self.mail(user, "enabled", "");
        let envelope = conn
            .transaction::<_, Error, _>(async |conn| {
                if !store::enable(conn, uid, now).await? {
                    return Ok(None);
                }
                store::replace_codes(conn, uid, &hashes, now).await?;
                audit::record(conn, &entry).await?;
                Ok(Some(self.enqueue(conn, mail).await?))
            })
            .await?;
        drop(conn);
        let Some(envelope) = envelope else {
            return Ok(ConfirmOutcome::NotWaiting);
        };
        self.push(envelope).await;
        info!(uid, "two-factor sign-in enabled");
        Ok(ConfirmOutcome::Enabled(codes))
    }

    /// Checks a code of `user` (a TOTP code, or a recovery code, which is spent): for the
    /// second step of sign-in (`via` "signin") and the check API ("api"). A wrong code and a
    /// spent recovery code each write an audit row; a spent one mails the user.
    pub async fn verify(
        &self,
        actor: &Actor,
        user: &DirectoryUser,
        code: &str,
        via: &str,
    ) -> Result<CodeCheck> {
        let uid = user.uid();
        let mut conn = db::conn(self.db).await?;
        let Some(row) = store::secret_of(&mut conn, uid)
            .await?
            .filter(|r| r.enabled)
        else {
            return Ok(CodeCheck::NotEnabled);
        };
        // The check API takes TOTP codes only: a service never spends a recovery code.
        let outcome = if via != "api" && recovery::looks_like_code(code) {
            self.spend_recovery(actor, user, code, via).await?
        } else {
            let secret = self.cipher()?.decrypt(uid, &row.secret_encrypted)?;
            self.check_totp(uid, &secret, code).await?
        };
        if outcome == CodeCheck::Wrong {
            let entry =
                Entry::new(actor, Action::TwoFactorFail, Target::User(uid.into())).with("via", via);
            audit::record(&mut conn, &entry).await?;
        }
        Ok(outcome)
    }

    async fn spend_recovery(
        &self,
        actor: &Actor,
        user: &DirectoryUser,
        code: &str,
        via: &str,
    ) -> Result<CodeCheck> {
        let uid = user.uid();
        let window = self.settings.window;
        if !self
            .limiter
            .reserve(
                ACCOUNT_BUCKET,
                uid,
                self.settings.failures_per_account,
                window,
            )
            .await
        {
            return Ok(CodeCheck::Throttled);
        }
        let hash = recovery::hash(code);
        let now = self.clock.now_naive();
        let entry = Entry::new(
            actor,
            Action::TwoFactorRecoveryUse,
            Target::User(uid.into()),
        )
        .with("via", via);
        let mail = self.mail(user, "recovery_used", "");
        let mut conn = db::conn(self.db).await?;
        let spent = conn
            .transaction::<_, Error, _>(async |conn| {
                if !store::spend_code(conn, uid, &hash, now).await? {
                    return Ok(None);
                }
                audit::record(conn, &entry).await?;
                let envelope = self.enqueue(conn, mail).await?;
                Ok(Some((envelope, store::codes_left(conn, uid).await?)))
            })
            .await?;
        drop(conn);
        let Some((envelope, left)) = spent else {
            return Ok(CodeCheck::Wrong);
        };
        self.limiter.release(ACCOUNT_BUCKET, uid, window).await;
        self.push(envelope).await;
        info!(uid, left, "two-factor recovery code used");
        Ok(CodeCheck::Recovery { left })
    }

    /// Turns two-factor off for `user`, who proves it with a current code (or a recovery
    /// code) and the password.
    pub async fn disable(
        &self,
        actor: &Actor,
        users: &impl UserStore,
        user: &DirectoryUser,
        code: &str,
        password: &str,
    ) -> Result<DisableOutcome> {
        if !self.is_enabled(user.uid()).await? {
            return Ok(DisableOutcome::NotEnabled);
        }
        // The password first, counted like a code, so a wrong one spends no recovery code.
        let (uid, window) = (user.uid(), self.settings.window);
        let limit = self.settings.failures_per_account;
        if !self
            .limiter
            .reserve(ACCOUNT_BUCKET, uid, limit, window)
            .await
        {
            return Ok(DisableOutcome::Throttled);
        }
        if !users.verify_password(user.dn(), password).await? {
            return Ok(DisableOutcome::Wrong);
        }
        self.limiter.release(ACCOUNT_BUCKET, uid, window).await;
        match self.verify(actor, user, code, "disable").await? {
            CodeCheck::Valid | CodeCheck::Recovery { .. } => {}
            CodeCheck::Wrong => return Ok(DisableOutcome::Wrong),
            CodeCheck::Throttled => return Ok(DisableOutcome::Throttled),
            CodeCheck::NotEnabled => return Ok(DisableOutcome::NotEnabled),
        }
        let removed = self
            .remove(actor, user, Action::TwoFactorDisable, "disabled", "")
            .await?;
        Ok(if removed {
            DisableOutcome::Disabled
        } else {
            DisableOutcome::NotEnabled
        })
    }
}
