//! `accounts_securitytoken` and `accounts_recoverycode`: the original's two-factor secrets
//! (base32, in clear there) and recovery codes (in clear there). Secrets are stored encrypted
//! under `[twofactor] key_file`, enabled or waiting as they were; codes hashed, unused.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Datetime, Integer, Text, Unsigned};
use diesel_async::RunQueryDsl;

use super::{Family, Outcome, Run, SourceRow};
use crate::db::schema::twofactor_recovery_codes;
use crate::error::Result;
use crate::twofactor::{SecretCipher, recovery, store, totp};

/// Why nothing is imported without a key.
const NO_KEY: &str = "[twofactor] key_file is not set: secrets are only stored encrypted";

/// A secret with its owner.
#[derive(QueryableByName)]
pub(crate) struct SecretRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    secret: String,
    #[diesel(sql_type = Datetime)]
    created: NaiveDateTime,
    #[diesel(sql_type = Bool)]
    enabled: bool,
    #[diesel(sql_type = Text)]
    username: String,
}

impl SourceRow for SecretRow {
    fn legacy_id(&self) -> String {
        self.id.to_string()
    }
}

/// `accounts_securitytoken`.
pub(crate) struct Secrets;

impl Family for Secrets {
    type Row = SecretRow;
    const TABLE: &'static str = "accounts_securitytoken";
    const START: &'static str = "0";

    async fn fetch(run: &mut Run<'_>, after: &str, limit: u32) -> Result<Vec<SecretRow>> {
        Ok(diesel::sql_query(
            "SELECT t.id, t.secret, t.created, t.enabled, u.username \
             FROM accounts_securitytoken t JOIN accounts_user u ON u.id = t.user_id \
             WHERE t.id > CAST(? AS SIGNED) ORDER BY t.id LIMIT ?",
        )
        .bind::<Text, _>(after)
        .bind::<Unsigned<Integer>, _>(limit)
        .load(&mut run.source)
        .await?)
    }

    async fn import_row(run: &mut Run<'_>, row: &SecretRow) -> Result<Outcome> {
        let Ok(cipher) = SecretCipher::new(&run.settings.twofactor.key) else {
            return Ok(Outcome::Skipped(NO_KEY.into()));
        };
        let Some(secret) = totp::decode_base32(&row.secret).filter(|s| s.len() >= 10) else {
            return Ok(Outcome::Skipped(
                "secret is not base32 of at least 80 bits".into(),
            ));
        };
        let sealed = cipher.encrypt(&row.username, &secret)?;
        let written = store::put_imported(
            &mut run.dest,
            &row.username,
            &sealed,
            cipher.key_id(),
            row.enabled,
            row.created,
        )
        .await?;
        if !written {
            return Ok(Outcome::Skipped(
                "the account has two-factor sign-in here already".into(),
            ));
        }
        Ok(Outcome::Imported {
            table: "twofactor_secrets",
            id: u64::try_from(row.id).unwrap_or_default(),
        })
    }
}

/// A recovery code with the owner of its secret.
#[derive(QueryableByName)]
pub(crate) struct CodeRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = BigInt)]
    token_id: i64,
    #[diesel(sql_type = Text)]
    secret: String,
    #[diesel(sql_type = Text)]
    username: String,
}

impl SourceRow for CodeRow {
    fn legacy_id(&self) -> String {
        self.id.to_string()
    }
}

/// `accounts_recoverycode`.
pub(crate) struct Codes;

impl Family for Codes {
    type Row = CodeRow;
    const TABLE: &'static str = "accounts_recoverycode";
    const START: &'static str = "0";

    async fn fetch(run: &mut Run<'_>, after: &str, limit: u32) -> Result<Vec<CodeRow>> {
        Ok(diesel::sql_query(
            "SELECT c.id, c.code, c.token_id, t.secret, u.username FROM accounts_recoverycode c \
             JOIN accounts_securitytoken t ON t.id = c.token_id \
             JOIN accounts_user u ON u.id = t.user_id \
             WHERE c.id > CAST(? AS SIGNED) ORDER BY c.id LIMIT ?",
        )
        .bind::<Text, _>(after)
        .bind::<Unsigned<Integer>, _>(limit)
        .load(&mut run.source)
        .await?)
    }

    async fn import_row(run: &mut Run<'_>, row: &CodeRow) -> Result<Outcome> {
        if SecretCipher::new(&run.settings.twofactor.key).is_err() {
            return Ok(Outcome::Skipped(NO_KEY.into()));
        }
        // Only onto the secret imported with it (never onto an enrolment made here). A dry run
        // rolled that back: there, whether it would have been imported.
        let imported = run
            .mapped(Secrets::TABLE, &row.token_id.to_string())
            .await?
            .is_some();
        let would_be = run.options.dry_run
            && totp::decode_base32(&row.secret).is_some_and(|s| s.len() >= 10)
            && store::secret_of(&mut run.dest, &row.username)
                .await?
                .is_none();
        if !imported && !would_be {
            return Ok(Outcome::Skipped(
                "the account's two-factor secret was not imported".into(),
            ));
        }
        if !recovery::looks_like_code(&row.code) {
            return Ok(Outcome::Skipped(
                "not a recovery code (8 to 16 letters or digits)".into(),
            ));
        }
        let hash = recovery::hash(&row.code);
        let now = Utc::now().naive_utc();
        store::add_codes(
            &mut run.dest,
            &row.username,
            std::slice::from_ref(&hash),
            now,
        )
        .await?;
        let id: u64 = twofactor_recovery_codes::table
            .filter(twofactor_recovery_codes::uid.eq(&row.username))
            .filter(twofactor_recovery_codes::code_hash.eq(&hash))
            .select(twofactor_recovery_codes::id)
            .first(&mut *run.dest)
            .await?;
        Ok(Outcome::Imported {
            table: "twofactor_recovery_codes",
            id,
        })
    }
}
