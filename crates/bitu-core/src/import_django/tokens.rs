//! `accounts_token`: the original's API tokens (Django REST framework: 40 hex characters, kept
//! in clear there). Stored hashed, marked `legacy` so the token check accepts them without the
//! `bitu_` prefix; with the scopes the original's API gave every token.

use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Datetime, Integer, Text, Unsigned};
use diesel_async::RunQueryDsl;

use super::{Family, Outcome, Run, SourceRow};
use crate::account::tokens::{self, is_legacy_form};
use crate::authz::Scope;
use crate::db::schema::api_tokens;
use crate::error::Result;

/// The original's API served the account, its SSH keys and the IP block check to any token.
pub const LEGACY_SCOPES: [Scope; 3] = [Scope::ReadAccount, Scope::ManageKeys, Scope::CheckIpBlocks];

/// A token row with its owner.
#[derive(QueryableByName)]
pub(crate) struct Row {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    token: String,
    #[diesel(sql_type = Datetime)]
    created: NaiveDateTime,
    #[diesel(sql_type = Text)]
    comment: String,
    #[diesel(sql_type = Text)]
    username: String,
    #[diesel(sql_type = Bool)]
    is_active: bool,
}

impl SourceRow for Row {
    fn legacy_id(&self) -> String {
        self.id.clone()
    }
}

/// `accounts_token`.
pub(crate) struct Tokens;

impl Family for Tokens {
    type Row = Row;
    const TABLE: &'static str = "accounts_token";
    const START: &'static str = "";

    async fn fetch(run: &mut Run<'_>, after: &str, limit: u32) -> Result<Vec<Row>> {
        Ok(diesel::sql_query(
            "SELECT t.id, t.`key` AS token, t.created, t.comment, u.username, u.is_active \
             FROM accounts_token t JOIN accounts_user u ON u.id = t.user_id \
             WHERE t.id > ? ORDER BY t.id LIMIT ?",
        )
        .bind::<Text, _>(after)
        .bind::<Unsigned<Integer>, _>(limit)
        .load(&mut run.source)
        .await?)
    }

    async fn import_row(run: &mut Run<'_>, row: &Row) -> Result<Outcome> {
        if !row.is_active {
            return Ok(Outcome::Skipped(
                "owner's account is inactive in the original (token revoked)".into(),
            ));
        }
        let value = row.token.to_ascii_lowercase();
        if !is_legacy_form(&value) {
            return Ok(Outcome::Skipped("not a 40-hex-character token".into()));
        }
        let hash = tokens::hash(&value);
        let taken: i64 = api_tokens::table
            .filter(api_tokens::token_hash.eq(&hash))
            .count()
            .get_result(&mut *run.dest)
            .await?;
        if taken > 0 {
            return Ok(Outcome::Skipped(
                "the same token value exists already".into(),
            ));
        }
        // Original tokens never expired; carried over they work for the longest lifetime a
        // token may have here, counted from the import, so scripts have time to move on.
        let max = TimeDelta::seconds(
            i64::try_from(run.settings.api_tokens.max_lifetime.as_secs()).unwrap_or(i64::MAX),
        );
        let name: String = if row.comment.trim().is_empty() {
            "Imported token".to_string()
        } else {
            row.comment.trim().chars().take(100).collect()
        };
        let hint: String = value.chars().take(8).collect();
        diesel::insert_into(api_tokens::table)
            .values((
                api_tokens::uid.eq(&row.username),
                api_tokens::name.eq(&name),
                api_tokens::token_hash.eq(&hash),
                api_tokens::hint.eq(&hint),
                api_tokens::created_at.eq(row.created),
                api_tokens::scopes.eq(Scope::join(&LEGACY_SCOPES)),
                api_tokens::expires_at.eq(Utc::now().naive_utc() + max),
                api_tokens::legacy.eq(true),
            ))
            .execute(&mut *run.dest)
            .await?;
        let id: u64 = api_tokens::table
            .filter(api_tokens::token_hash.eq(&hash))
            .select(api_tokens::id)
            .first(&mut *run.dest)
            .await?;
        Ok(Outcome::Imported {
            table: "api_tokens",
            id,
        })
    }
}
