//! The sign-up captcha: five characters from an alphabet without look-alikes, drawn legibly
//! ([`picture`]) or spoken ([`audio`]), stored in MariaDB (so every web host and a Redis outage
//! agree) and accepted once.

pub mod audio;
pub mod picture;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rand::Rng;

use crate::account::rate_limit::AttemptLimiter;
use crate::config::RateLimitSettings;
use crate::db::schema::signup_captchas;
use crate::db::{self, DbPool};
use crate::error::Result;

/// Characters used: no 0/O/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B, U/V look-alikes.
pub const ALPHABET: &[char] = &[
    'A', 'C', 'D', 'E', 'F', 'H', 'J', 'K', 'M', 'N', 'P', 'R', 'T', 'W', 'X', 'Y', '3', '4', '7',
    '9',
];
/// Characters per captcha.
pub const LENGTH: usize = 5;
/// How long a captcha can be answered.
pub const LIFETIME: Duration = Duration::from_secs(30 * 60);

fn parse_id(id: &str) -> Option<Vec<u8>> {
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..16)
        .map(|i| u8::from_str_radix(&id[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// Expired rows deleted with each new challenge, so the table stays small between runs of
/// bitu-expire at a bounded cost per request.
const PURGE_ON_CREATE: i64 = 10;

/// Rate-limit bucket of challenges per client.
const BUCKET: &str = "captcha-ip";

/// A new challenge for the client at `client` (its address; empty when unknown), or `None`
/// when it already got `[rate_limit] captchas_per_ip` this window. Each one also deletes a
/// few expired challenges.
pub async fn issue(
    pool: &DbPool,
    limiter: &impl AttemptLimiter,
    limits: &RateLimitSettings,
    client: &str,
) -> Result<Option<String>> {
    if limiter
        .hit(BUCKET, client, limits.captchas_per_ip, limits.window)
        .await
    {
        tracing::warn!(
            client_ip = client,
            "captcha refused: too many for this client"
        );
        return Ok(None);
    }
    let id = create(pool).await?;
    purge_some_expired(pool, PURGE_ON_CREATE).await?;
    Ok(Some(id))
}

/// Deletes up to `limit` expired challenges; returns how many went.
pub async fn purge_some_expired(pool: &DbPool, limit: i64) -> Result<usize> {
    let mut conn = db::conn(pool).await?;
    Ok(diesel::sql_query(
        "DELETE FROM signup_captchas WHERE expires_at <= UTC_TIMESTAMP() ORDER BY expires_at LIMIT ?",
    )
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .execute(&mut conn)
    .await?)
}

/// Makes a new challenge and returns its id (32 hex characters).
pub async fn create(pool: &DbPool) -> Result<String> {
    let mut rng = rand::rng();
    let id: [u8; 16] = rng.random();
    let answer: String = (0..LENGTH)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
        .collect();
    let mut conn = db::conn(pool).await?;
    let expires = (Utc::now()
        + TimeDelta::seconds(i64::try_from(LIFETIME.as_secs()).unwrap_or(1800)))
    .naive_utc();
    diesel::insert_into(signup_captchas::table)
        .values((
            signup_captchas::id.eq(id.to_vec()),
            signup_captchas::answer.eq(&answer),
            signup_captchas::expires_at.eq(expires),
        ))
        .execute(&mut conn)
        .await?;
    Ok(id.iter().map(|b| format!("{b:02x}")).collect())
}

/// The answer of a live challenge `id`, if there is one.
async fn live_answer(pool: &DbPool, id: &str) -> Result<Option<String>> {
    let Some(key) = parse_id(id) else {
        return Ok(None);
    };
    let mut conn = db::conn(pool).await?;
    Ok(signup_captchas::table
        .filter(signup_captchas::id.eq(key))
        .filter(signup_captchas::expires_at.gt(Utc::now().naive_utc()))
        .select(signup_captchas::answer)
        .first(&mut conn)
        .await
        .optional()?)
}

/// A PNG ([`picture::WIDTH`]×[`picture::HEIGHT`]) of challenge `id`, drawn anew on every call.
pub async fn image(pool: &DbPool, id: &str) -> Result<Option<Vec<u8>>> {
    match live_answer(pool, id).await? {
        Some(answer) => picture::draw(&answer).map(Some),
        None => Ok(None),
    }
}

/// Rate-limit bucket of spoken challenges per client.
const AUDIO_BUCKET: &str = "captcha-audio-ip";

/// What asking for a spoken challenge came to.
#[derive(Debug)]
pub enum Spoken {
    /// The WAV.
    Wav(Vec<u8>),
    /// No live challenge has this id.
    Unknown,
    /// The client asked for `[rate_limit] captchas_per_ip` recordings this window already
    /// (each has fresh noise; many of one challenge would let the noise be averaged away).
    TooMany,
}

/// A WAV of challenge `id` spoken, for the client at `client` (empty when unknown).
pub async fn spoken(
    pool: &DbPool,
    limiter: &impl AttemptLimiter,
    limits: &RateLimitSettings,
    client: &str,
    id: &str,
) -> Result<Spoken> {
    let Some(answer) = live_answer(pool, id).await? else {
        return Ok(Spoken::Unknown);
    };
    if limiter
        .hit(AUDIO_BUCKET, client, limits.captchas_per_ip, limits.window)
        .await
    {
        tracing::warn!(
            client_ip = client,
            "captcha audio refused: too many for this client"
        );
        return Ok(Spoken::TooMany);
    }
    audio::speak(&answer).map(Spoken::Wav)
}

/// Whether `answer` (any case, spaces ignored) solves challenge `id`. The challenge is used
/// up either way, so it cannot be guessed at repeatedly.
pub async fn solve(pool: &DbPool, id: &str, answer: &str) -> Result<bool> {
    let Some(key) = parse_id(id) else {
        return Ok(false);
    };
    let answer: String = answer
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let mut conn = db::conn(pool).await?;
    let stored: Option<(String, chrono::NaiveDateTime)> = signup_captchas::table
        .filter(signup_captchas::id.eq(&key))
        .select((signup_captchas::answer, signup_captchas::expires_at))
        .first(&mut conn)
        .await
        .optional()?;
    let deleted = diesel::delete(signup_captchas::table.filter(signup_captchas::id.eq(&key)))
        .execute(&mut conn)
        .await?;
    Ok(deleted == 1
        && stored.is_some_and(|(expected, expires)| {
            expected == answer && expires > Utc::now().naive_utc()
        }))
}

/// The answer of challenge `id`, for tests that play the person reading the image.
pub async fn answer_for_tests(pool: &DbPool, id: &str) -> Result<Option<String>> {
    let Some(key) = parse_id(id) else {
        return Ok(None);
    };
    let mut conn = db::conn(pool).await?;
    Ok(signup_captchas::table
        .filter(signup_captchas::id.eq(key))
        .select(signup_captchas::answer)
        .first(&mut conn)
        .await
        .optional()?)
}

/// Deletes expired challenges; returns how many.
pub async fn purge_expired(pool: &DbPool) -> Result<usize> {
    let mut conn = db::conn(pool).await?;
    Ok(diesel::delete(
        signup_captchas::table.filter(signup_captchas::expires_at.le(Utc::now().naive_utc())),
    )
    .execute(&mut conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alphabet_has_no_look_alikes() {
        for ambiguous in [
            '0', 'O', 'Q', '1', 'I', 'L', 'l', '5', 'S', '2', 'Z', '6', 'G', '8', 'B', 'U', 'V',
        ] {
            assert!(!ALPHABET.contains(&ambiguous), "{ambiguous}");
        }
    }

    #[test]
    fn ids_are_32_hex_characters() {
        assert!(parse_id("00112233445566778899aabbccddeeff").is_some());
        assert!(parse_id("xyz").is_none());
        assert!(parse_id("00112233445566778899aabbccddeefg").is_none());
    }
}
