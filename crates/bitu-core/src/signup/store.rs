//! Stored sign-ups and their activation. A sign-up row and its activation mail job are
//! written in one transaction; so are the activation and its provisioning job.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncConnection, RunQueryDsl};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::validate::FieldErrors;
use crate::audit::{self, Action, Actor, Entry, Target};
use crate::db::schema::signups;
use crate::db::{self, DbPool};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::names::confusables;
use crate::queue::{Envelope, Job, outbox};

/// A stored sign-up.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signups)]
pub struct Signup {
    /// Row id (part of the activation link).
    pub id: u64,
    /// Developer name as stored.
    pub cn: String,
    /// Shell username.
    pub uid: String,
    /// Email address (lower case).
    pub mail: String,
    /// `userPassword` value for the new entry.
    pub password_hash: String,
    /// SHA-256 of the activation token.
    pub token_hash: Vec<u8>,
    /// When it was made.
    pub created_at: NaiveDateTime,
    /// When the activation link stops working.
    pub link_expires_at: NaiveDateTime,
    /// When the person confirmed, if they did.
    pub activated_at: Option<NaiveDateTime>,
    /// POSIX user id, once allocated.
    pub uid_number: Option<u32>,
    /// When the LDAP entry was created, if it was.
    pub provisioned_at: Option<NaiveDateTime>,
}

/// A new sign-up, validated.
#[derive(Debug, Clone)]
pub struct NewSignup {
    /// Developer name as stored.
    pub cn: String,
    /// Shell username.
    pub uid: String,
    /// Email address (lower case).
    pub mail: String,
    /// `userPassword` value for the new entry.
    pub password_hash: String,
}

/// A fresh activation token (shown once, in the mail) and its hash (stored).
pub fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = Sha256::digest(token.as_bytes()).to_vec();
    (token, hash)
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Which field a unique-key violation is about.
fn duplicate_field(info: &dyn diesel::result::DatabaseErrorInformation) -> &'static str {
    let message = info.message();
    if message.contains(confusables::UNIQUE_KEY) {
        "cn-similar"
    } else if message.contains("signups_uid") {
        "uid"
    } else if message.contains("signups_mail") {
        "email"
    } else {
        "cn"
    }
}

/// Stores `signup`, its activation mail job and its audit row in one transaction. A sign-up
/// racing for the same names loses with a field error. `mail_job` builds the job from the
/// row id and token.
pub async fn create(
    pool: &DbPool,
    actor: &Actor,
    signup: &NewSignup,
    link_lifetime: TimeDelta,
    mail_job: impl FnOnce(u64, &str) -> Job + Send,
) -> Result<std::result::Result<(u64, Envelope), FieldErrors>> {
    let (token, token_hash) = new_token();
    let mut conn = db::conn(pool).await?;
    let outcome = conn
        .transaction::<_, Error, _>(async |conn| {
            diesel::insert_into(signups::table)
                .values((
                    signups::cn.eq(&signup.cn),
                    signups::uid.eq(&signup.uid),
                    signups::mail.eq(&signup.mail),
                    signups::password_hash.eq(&signup.password_hash),
                    signups::token_hash.eq(&token_hash),
                    signups::created_at.eq(now()),
                    signups::link_expires_at.eq(now() + link_lifetime),
                ))
                .execute(conn)
                .await?;
            let id: u64 = signups::table
                .filter(signups::uid.eq(&signup.uid))
                .select(signups::id)
                .first(conn)
                .await?;
            confusables::hold_for_signup(conn, &signup.cn, id).await?;
            let envelope = outbox::enqueue(conn, mail_job(id, &token)).await?;
            let entry = Entry::new(
                actor,
                Action::SignupCreate,
                Target::User(signup.uid.clone()),
            )
            .with("signup_id", id)
            .with("cn", signup.cn.as_str())
            .with("mail", signup.mail.as_str());
            audit::record(conn, &entry).await?;
            Ok((id, envelope))
        })
        .await;
    match outcome {
        Ok(done) => Ok(Ok(done)),
        Err(Error::Database(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            info,
        ))) => {
            let mut errors = FieldErrors::default();
            let field = duplicate_field(info.as_ref());
            errors.add(
                if field == "cn-similar" { "cn" } else { field },
                Msg::new(match field {
                    "uid" => "bitu-signup-error-uid-pending",
                    "email" => "bitu-signup-error-email-pending",
                    "cn-similar" => "bitu-signup-error-cn-similar-any",
                    _ => "bitu-signup-error-cn-pending",
                }),
            );
            Ok(Err(errors))
        }
        Err(e) => Err(e),
    }
}

/// The sign-up `id`.
pub async fn find(pool: &DbPool, id: u64) -> Result<Option<Signup>> {
    let mut conn = db::conn(pool).await?;
    Ok(signups::table
        .find(id)
        .select(Signup::as_select())
        .first(&mut conn)
        .await
        .optional()?)
}

/// The sign-up of shell username `uid`, or of address `mail`.
pub async fn find_by(pool: &DbPool, uid: Option<&str>, mail: Option<&str>) -> Result<Vec<Signup>> {
    let mut conn = db::conn(pool).await?;
    let mut query = signups::table.select(Signup::as_select()).into_boxed();
    if let Some(uid) = uid {
        query = query.filter(signups::uid.eq(uid.to_string()));
    }
    if let Some(mail) = mail {
        query = query.filter(signups::mail.eq(mail.to_lowercase()));
    }
    Ok(query.order(signups::id.desc()).load(&mut conn).await?)
}

/// Why an activation link does not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    /// No such sign-up, or the token is wrong (indistinguishable on purpose).
    Unknown,
    /// The link is past its lifetime.
    Expired,
    /// It was used already.
    Used,
}

/// Checks an activation link at time `now` without using it.
pub fn check_link(
    signup: Option<&Signup>,
    token: &str,
    now: NaiveDateTime,
) -> std::result::Result<(), LinkProblem> {
    let Some(signup) = signup else {
        return Err(LinkProblem::Unknown);
    };
    let hash = Sha256::digest(token.as_bytes());
    if !bool::from(hash.as_slice().ct_eq(&signup.token_hash)) {
        return Err(LinkProblem::Unknown);
    }
    if signup.activated_at.is_some() {
        return Err(LinkProblem::Used);
    }
    if signup.link_expires_at <= now {
        return Err(LinkProblem::Expired);
    }
    Ok(())
}

/// Activates sign-up `id` if `token` is its valid, unused link, enqueueing `job` and the
/// audit row (the link's holder from `client`) in the same transaction. Exactly one of two
/// racing confirmations wins.
pub async fn activate(
    pool: &DbPool,
    id: u64,
    token: &str,
    job: Job,
    client: Option<std::net::IpAddr>,
) -> Result<std::result::Result<Envelope, LinkProblem>> {
    let mut conn = db::conn(pool).await?;
    let token = token.to_string();
    conn.transaction::<_, Error, _>(async |conn| {
        let signup: Option<Signup> = signups::table
            .find(id)
            .select(Signup::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?;
        if let Err(problem) = check_link(signup.as_ref(), &token, now()) {
            return Ok(Err(problem));
        }
        let Some(signup) = signup else {
            return Ok(Err(LinkProblem::Unknown));
        };
        diesel::update(signups::table.find(id))
            .set(signups::activated_at.eq(now()))
            .execute(conn)
            .await?;
        let envelope = outbox::enqueue(conn, job).await?;
        let entry = Entry::new(
            &Actor::link(&signup.uid, client),
            Action::SignupActivate,
            Target::User(signup.uid.clone()),
        )
        .with("signup_id", id);
        audit::record(conn, &entry).await?;
        Ok(Ok(envelope))
    })
    .await
}

/// Replaces the activation token of sign-up `id` (the earlier link dies) and renews its
/// lifetime; returns the new token.
pub async fn renew_token(pool: &DbPool, id: u64, link_lifetime: TimeDelta) -> Result<String> {
    let (token, token_hash) = new_token();
    let mut conn = db::conn(pool).await?;
    let updated = diesel::update(
        signups::table
            .find(id)
            .filter(signups::activated_at.is_null()),
    )
    .set((
        signups::token_hash.eq(token_hash),
        signups::link_expires_at.eq(now() + link_lifetime),
    ))
    .execute(&mut conn)
    .await?;
    if updated == 0 {
        return Err(Error::NotFound(format!("no unactivated sign-up {id}")));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::clock::{Clock, FixedClock};

    fn signup_made_at(clock: &FixedClock, lifetime: TimeDelta) -> (Signup, String) {
        let (token, token_hash) = new_token();
        let made = clock.now_naive();
        let signup = Signup {
            id: 1,
            cn: "Dana".into(),
            uid: "dana".into(),
            mail: "dana@example.org".into(),
            password_hash: "{SSHA}x".into(),
            token_hash,
            created_at: made,
            link_expires_at: made + lifetime,
            activated_at: None,
            uid_number: None,
            provisioned_at: None,
        };
        (signup, token)
    }

    #[test]
    fn an_activation_link_works_until_its_lifetime_ends() {
        let clock = FixedClock::at(Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap());
        let (signup, token) = signup_made_at(&clock, TimeDelta::days(2));
        assert_eq!(check_link(Some(&signup), &token, clock.now_naive()), Ok(()));
        clock.advance(TimeDelta::days(2) - TimeDelta::seconds(1));
        assert_eq!(check_link(Some(&signup), &token, clock.now_naive()), Ok(()));
        clock.advance(TimeDelta::seconds(1));
        assert_eq!(
            check_link(Some(&signup), &token, clock.now_naive()),
            Err(LinkProblem::Expired)
        );
    }

    #[test]
    fn wrong_unknown_and_used_links_say_so_even_after_expiry() {
        let clock = FixedClock::at(Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap());
        let (mut signup, token) = signup_made_at(&clock, TimeDelta::days(2));
        let now = clock.now_naive();
        assert_eq!(check_link(None, &token, now), Err(LinkProblem::Unknown));
        assert_eq!(
            check_link(Some(&signup), "not-the-token", now),
            Err(LinkProblem::Unknown)
        );
        signup.activated_at = Some(now);
        clock.advance(TimeDelta::days(30));
        assert_eq!(
            check_link(Some(&signup), &token, clock.now_naive()),
            Err(LinkProblem::Used)
        );
    }
}
