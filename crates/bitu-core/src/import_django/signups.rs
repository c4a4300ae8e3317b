//! `signups_signup` and `signups_signuppassword`: sign-ups still waiting for activation. Each
//! keeps the password its person chose (the hash, as the directory will store it) and gets a
//! fresh activation mail: the original's links were signed with its Django secret, which this
//! importer does not take.
//!
//! Password hashes: values already in a directory scheme (`{SSHA}…`, `{ARGON2}…`, `{CRYPT}…`)
//! are kept as they are; Django's `pbkdf2_sha256$<iterations>$<salt>$<hash>` becomes OpenLDAP's
//! `{PBKDF2-SHA256}<iterations>$<salt>$<hash>` (adapted base64), which slapd verifies with its
//! `pw-pbkdf2` module loaded. Any other format is skipped with the reason.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Datetime, Integer, Nullable, Text, Unsigned};
use diesel_async::RunQueryDsl;

use super::{Family, Outcome, Run, SourceRow};
use crate::db::schema::{name_skeletons, signups};
use crate::error::Result;
use crate::names::confusables;
use crate::queue::outbox;
use crate::signup::service::activation_mail;
use crate::signup::store::new_token;

/// A sign-up row.
#[derive(QueryableByName)]
pub(crate) struct Row {
    #[diesel(sql_type = Text)]
    uuid: String,
    #[diesel(sql_type = Bool)]
    is_active: bool,
    #[diesel(sql_type = Datetime)]
    created_date: NaiveDateTime,
    #[diesel(sql_type = Text)]
    username: String,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Nullable<Text>)]
    uid: Option<String>,
}

impl SourceRow for Row {
    fn legacy_id(&self) -> String {
        self.uuid.clone()
    }
}

#[derive(QueryableByName)]
struct PasswordRow {
    #[diesel(sql_type = Text)]
    module: String,
    #[diesel(sql_type = Text)]
    value: String,
}

/// The `userPassword` value for a stored hash of the original, or why there is none.
pub fn directory_hash(value: &str) -> std::result::Result<String, String> {
    let value = value.trim();
    if value.starts_with('{') && value.contains('}') {
        return Ok(value.to_string());
    }
    if let Some(rest) = value.strip_prefix("pbkdf2_sha256$") {
        let parts: Vec<&str> = rest.split('$').collect();
        if let [iterations, salt, hash] = parts[..]
            && iterations.parse::<u32>().is_ok()
            && let Ok(hash) = STANDARD.decode(hash)
        {
            // Adapted base64 (OpenLDAP's pw-pbkdf2): `.` for `+`, no padding.
            let ab64 = |bytes: &[u8]| STANDARD_NO_PAD.encode(bytes).replace('+', ".");
            return Ok(format!(
                "{{PBKDF2-SHA256}}{iterations}${}${}",
                ab64(salt.as_bytes()),
                ab64(&hash)
            ));
        }
        return Err("malformed pbkdf2_sha256 password hash".into());
    }
    let scheme = value.split('$').next().unwrap_or_default();
    Err(format!(
        "password hash format {scheme:?} cannot be given to the directory"
    ))
}

/// `signups_signup` (with `signups_signuppassword`).
pub(crate) struct Signups;

impl Family for Signups {
    type Row = Row;
    const TABLE: &'static str = "signups_signup";
    const START: &'static str = "";

    async fn fetch(run: &mut Run<'_>, after: &str, limit: u32) -> Result<Vec<Row>> {
        Ok(diesel::sql_query(
            "SELECT uuid, is_active, created_date, username, email, uid FROM signups_signup \
             WHERE uuid > ? ORDER BY uuid LIMIT ?",
        )
        .bind::<Text, _>(after)
        .bind::<Unsigned<Integer>, _>(limit)
        .load(&mut run.source)
        .await?)
    }

    async fn import_row(run: &mut Run<'_>, row: &Row) -> Result<Outcome> {
        if row.is_active {
            return Ok(skip(
                "activated in the original: the account is in the directory",
            ));
        }
        let now = Utc::now().naive_utc();
        let expire_after = TimeDelta::seconds(
            i64::try_from(run.settings.signup.expire_after.as_secs()).unwrap_or(i64::MAX),
        );
        if row.created_date + expire_after < now {
            return Ok(skip("expired: older than [signup] expire_after"));
        }
        let Some(uid) = row.uid.as_deref().filter(|u| !u.is_empty()) else {
            return Ok(skip("no shell username"));
        };
        let passwords: Vec<PasswordRow> = diesel::sql_query(
            "SELECT module, value FROM signups_signuppassword WHERE signup_id = ? ORDER BY id",
        )
        .bind::<Text, _>(&row.uuid)
        .load(&mut run.source)
        .await?;
        // The directory's value; the original stored one per backend module.
        let Some(password) = passwords
            .iter()
            .find(|p| p.module.contains("ldap"))
            .or(passwords.as_slice().first())
        else {
            return Ok(skip("no password stored"));
        };
        let password_hash = match directory_hash(&password.value) {
            Ok(hash) => hash,
            Err(reason) => return Ok(Outcome::Skipped(reason)),
        };
        let mail = row.email.trim().to_lowercase();
        let cn = row.username.trim();
        let clash: i64 = signups::table
            .filter(
                signups::uid
                    .eq(uid)
                    .or(signups::mail.eq(&mail))
                    .or(signups::cn.eq(cn)),
            )
            .count()
            .get_result(&mut *run.dest)
            .await?;
        if clash > 0 {
            return Ok(skip("a sign-up here has the same name or address"));
        }
        let similar: i64 = name_skeletons::table
            .filter(name_skeletons::skeleton_hash.eq(confusables::skeleton_hash(cn)))
            .count()
            .get_result(&mut *run.dest)
            .await?;
        if similar > 0 {
            return Ok(skip("the name looks like one in use here"));
        }
        let (token, token_hash) = new_token();
        let lifetime = TimeDelta::seconds(
            i64::try_from(run.settings.signup.activation_lifetime.as_secs()).unwrap_or(i64::MAX),
        );
        diesel::insert_into(signups::table)
            .values((
                signups::cn.eq(cn),
                signups::uid.eq(uid),
                signups::mail.eq(&mail),
                signups::password_hash.eq(&password_hash),
                signups::token_hash.eq(&token_hash),
                signups::created_at.eq(row.created_date),
                signups::link_expires_at.eq(now + lifetime),
            ))
            .execute(&mut *run.dest)
            .await?;
        let id: u64 = signups::table
            .filter(signups::uid.eq(uid))
            .select(signups::id)
            .first(&mut *run.dest)
            .await?;
        confusables::hold_for_signup(&mut run.dest, cn, id).await?;
        outbox::enqueue(
            &mut run.dest,
            activation_mail(
                run.settings,
                id,
                &token,
                &mail,
                cn,
                crate::i18n::DEFAULT_LANG,
            ),
        )
        .await?;
        Ok(Outcome::Imported {
            table: "signups",
            id,
        })
    }
}

fn skip(reason: &str) -> Outcome {
    Outcome::Skipped(reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn django_pbkdf2_becomes_openldap_pbkdf2() {
        let hash = STANDARD.encode([0xfbu8; 32]);
        let got = directory_hash(&format!("pbkdf2_sha256$600000$abcSALT${hash}")).unwrap();
        assert!(
            got.starts_with("{PBKDF2-SHA256}600000$YWJjU0FMVA$"),
            "{got}"
        );
        assert!(
            got.contains('.') && !got.contains('+') && !got.ends_with('='),
            "{got}"
        );
        assert_eq!(directory_hash(" {SSHA}abc ").unwrap(), "{SSHA}abc");
        assert!(directory_hash("bcrypt$$2b$12$x").is_err());
        assert!(directory_hash("pbkdf2_sha256$x$y$z").is_err());
    }
}
