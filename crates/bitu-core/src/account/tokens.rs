//! Personal API tokens: shown once at creation, stored only as a SHA-256 hash. A request with
//! `Authorization: Token <key>` acts as the token's owner, within the token's scopes and until
//! it expires.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::{self, Action, Actor, Entry, Target};
use crate::authz::Scope;
use crate::config::ApiTokenSettings;
use crate::db::schema::api_tokens;
use crate::db::{self, DbPool};
use crate::error::{Error, Result};
use crate::i18n::Msg;

/// Prefix of every token, so a leaked one is recognisable in logs and scanners.
pub const TOKEN_PREFIX: &str = "bitu_";

/// A token as listed to its owner (never with its value).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    /// Row id.
    pub id: u64,
    /// Owner's shell username.
    pub uid: String,
    /// Name the owner gave it.
    pub name: String,
    /// First characters of the value, to tell tokens apart.
    pub hint: String,
    /// When it was made.
    pub created_at: NaiveDateTime,
    /// When it was last used, if ever.
    pub last_used_at: Option<NaiveDateTime>,
    /// What it may do: scope names, comma-separated.
    pub scopes: String,
    /// When it stops working.
    pub expires_at: NaiveDateTime,
}

impl ApiToken {
    /// What the token may do.
    pub fn scope_list(&self) -> Vec<Scope> {
        Scope::parse_list(&self.scopes)
    }

    /// Whether it has stopped working.
    pub fn is_expired(&self) -> bool {
        self.expires_at <= Utc::now().naive_utc()
    }
}

/// What the owner asks for when making a token.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// A name to tell it apart.
    pub name: &'a str,
    /// What it may do; at least one.
    pub scopes: &'a [Scope],
    /// How long it works; `None`: the configured default.
    pub lifetime_days: Option<u32>,
}

/// The owner of a working token, and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOwner {
    /// Row id of the token.
    pub id: u64,
    /// Owner's shell username.
    pub uid: String,
    /// What the token may do.
    pub scopes: Vec<Scope>,
}

/// Whether `value` has the shape of the original's tokens (Django REST framework: 40
/// lower-case hex characters, no prefix).
pub fn is_legacy_form(value: &str) -> bool {
    value.len() == 40
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The stored hash of a token value.
pub fn hash(value: &str) -> Vec<u8> {
    Sha256::digest(value.as_bytes()).to_vec()
}

/// The lifetime asked for, checked against the configured maximum.
fn lifetime(settings: &ApiTokenSettings, days: Option<u32>) -> Result<TimeDelta> {
    let max_days = settings.max_lifetime.as_secs() / 86_400;
    let Some(days) = days else {
        return Ok(TimeDelta::seconds(
            i64::try_from(settings.default_lifetime.as_secs()).unwrap_or(i64::MAX),
        ));
    };
    if days == 0 || u64::from(days) > max_days {
        return Err(Error::Invalid(
            Msg::new("bitu-tokens-error-lifetime").arg(max_days),
        ));
    }
    Ok(TimeDelta::days(i64::from(days)))
}

/// Makes a token for `uid` (and its audit row by `actor`); returns it and its value, which
/// is not stored anywhere.
pub async fn create(
    pool: &DbPool,
    settings: &ApiTokenSettings,
    actor: &Actor,
    uid: &str,
    new: &NewToken<'_>,
) -> Result<(ApiToken, String)> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::Invalid(
            Msg::new("bitu-tokens-error-name").arg(100u32),
        ));
    }
    if new.scopes.is_empty() {
        return Err(Error::Invalid(Msg::new("bitu-tokens-error-scopes")));
    }
    let now = Utc::now().naive_utc();
    let expires_at = now + lifetime(settings, new.lifetime_days)?;
    let mut secret = [0u8; 30];
    rand::rng().fill_bytes(&mut secret);
    let value = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
    let hint: String = value.chars().take(TOKEN_PREFIX.len() + 4).collect();
    let mut conn = db::conn(pool).await?;
    let token = conn
        .transaction::<_, Error, _>(async |conn| {
            diesel::insert_into(api_tokens::table)
                .values((
                    api_tokens::uid.eq(uid),
                    api_tokens::name.eq(name),
                    api_tokens::token_hash.eq(hash(&value)),
                    api_tokens::hint.eq(&hint),
                    api_tokens::created_at.eq(now),
                    api_tokens::scopes.eq(Scope::join(new.scopes)),
                    api_tokens::expires_at.eq(expires_at),
                ))
                .execute(conn)
                .await?;
            let token = api_tokens::table
                .filter(api_tokens::token_hash.eq(hash(&value)))
                .select(ApiToken::as_select())
                .first(conn)
                .await?;
            let target = Target::Token {
                owner: uid.to_string(),
                id: token.id,
            };
            let entry = Entry::new(actor, Action::TokenCreate, target)
                .with("name", name)
                .with("scopes", token.scopes.as_str())
                .with("expires_at", expires_at.to_string());
            audit::record(conn, &entry).await?;
            Ok(token)
        })
        .await?;
    Ok((token, value))
}

/// The tokens of `uid`, newest first.
pub async fn list(pool: &DbPool, uid: &str) -> Result<Vec<ApiToken>> {
    let mut conn = db::conn(pool).await?;
    Ok(api_tokens::table
        .filter(api_tokens::uid.eq(uid))
        .order(api_tokens::id.desc())
        .select(ApiToken::as_select())
        .load(&mut conn)
        .await?)
}

/// Revokes token `id` of `uid` (with its audit row); `false` when no such token belongs to
/// them.
pub async fn revoke(pool: &DbPool, actor: &Actor, uid: &str, id: u64) -> Result<bool> {
    let mut conn = db::conn(pool).await?;
    conn.transaction::<_, Error, _>(async |conn| {
        let deleted = diesel::delete(
            api_tokens::table
                .filter(api_tokens::id.eq(id))
                .filter(api_tokens::uid.eq(uid)),
        )
        .execute(conn)
        .await?;
        if deleted != 1 {
            return Ok(false);
        }
        let target = Target::Token {
            owner: uid.to_string(),
            id,
        };
        audit::record(conn, &Entry::new(actor, Action::TokenRevoke, target)).await?;
        Ok(true)
    })
    .await
}

/// Makes every working token of `uid` stop working now (kept, expired, so the owner still
/// sees them); returns how many.
pub async fn disable_all(pool: &DbPool, uid: &str) -> Result<usize> {
    let mut conn = db::conn(pool).await?;
    let now = Utc::now().naive_utc();
    Ok(diesel::update(
        api_tokens::table
            .filter(api_tokens::uid.eq(uid))
            .filter(api_tokens::expires_at.gt(now)),
    )
    .set(api_tokens::expires_at.eq(now))
    .execute(&mut conn)
    .await?)
}

/// The owner and scopes of the working (unexpired) token `value`, recording its use (at most
/// once a minute).
pub async fn authenticate(pool: &DbPool, value: &str) -> Result<Option<TokenOwner>> {
    let legacy = is_legacy_form(value);
    if !value.starts_with(TOKEN_PREFIX) && !legacy {
        return Ok(None);
    }
    let mut conn = db::conn(pool).await?;
    let now = Utc::now().naive_utc();
    let mut query = api_tokens::table
        .filter(api_tokens::token_hash.eq(hash(value)))
        .filter(api_tokens::expires_at.gt(now))
        .into_boxed();
    if legacy {
        // The unprefixed form only ever names a token carried over from the original.
        query = query.filter(api_tokens::legacy.eq(true));
    }
    let found: Option<(u64, String, String, Option<NaiveDateTime>)> = query
        .select((
            api_tokens::id,
            api_tokens::uid,
            api_tokens::scopes,
            api_tokens::last_used_at,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    let Some((id, uid, scopes, last_used)) = found else {
        return Ok(None);
    };
    if last_used.is_none_or(|at| now - at > TimeDelta::minutes(1)) {
        diesel::update(api_tokens::table.filter(api_tokens::id.eq(id)))
            .set(api_tokens::last_used_at.eq(now))
            .execute(&mut conn)
            .await?;
    }
    Ok(Some(TokenOwner {
        id,
        uid,
        scopes: Scope::parse_list(&scopes),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_default_and_stop_at_the_maximum() {
        let settings = ApiTokenSettings::default();
        assert_eq!(lifetime(&settings, None).unwrap(), TimeDelta::days(90));
        assert_eq!(
            lifetime(&settings, Some(365)).unwrap(),
            TimeDelta::days(365)
        );
        for days in [0, 366] {
            assert!(matches!(
                lifetime(&settings, Some(days)),
                Err(Error::Invalid(_))
            ));
        }
    }
}
