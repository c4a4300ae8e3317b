//! The sign-up captcha: five characters from an alphabet without look-alikes, drawn by the
//! `captcha` crate, stored in MariaDB (so every web host and a Redis outage agree) and
//! accepted once.

use std::time::Duration;

use captcha::filters::{Noise, Wave};
use captcha::{Captcha, Geometry};
use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rand::Rng;

use crate::account::rate_limit::AttemptLimiter;
use crate::config::RateLimitSettings;
use crate::db::schema::signup_captchas;
use crate::db::{self, DbPool};
use crate::error::{Error, Result};

/// Characters used: no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V look-alikes.
pub const ALPHABET: &[char] = &[
    'A', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'M', 'N', 'P', 'Q', 'R', 'T', 'W', 'X', 'Y', '3',
    '4', '6', '7', '9',
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

/// A PNG (200×60, wider if the glyphs need it) of challenge `id`, freshly distorted on every call.
pub async fn image(pool: &DbPool, id: &str) -> Result<Option<Vec<u8>>> {
    let Some(key) = parse_id(id) else {
        return Ok(None);
    };
    let mut conn = db::conn(pool).await?;
    let answer: Option<String> = signup_captchas::table
        .filter(signup_captchas::id.eq(key))
        .filter(signup_captchas::expires_at.gt(Utc::now().naive_utc()))
        .select(signup_captchas::answer)
        .first(&mut conn)
        .await
        .optional()?;
    let Some(answer) = answer else {
        return Ok(None);
    };
    draw(&answer).map(Some)
}

/// Smallest image size; wider only if a sample's glyphs need it.
const WIDTH: u32 = 200;
/// Smallest image height.
const HEIGHT: u32 = 60;
/// How far the wave filter moves pixels.
const WAVE_AMPLITUDE: f64 = 4.0;
/// Free space around the glyphs: more than the wave moves them, so none is cut off.
const MARGIN: u32 = 10;

/// The image size that holds the glyphs in `text` with [`MARGIN`] on every side.
fn frame(text: &Geometry) -> (u32, u32) {
    let text_width = text.right - text.left + 1;
    let text_height = text.bottom - text.top + 1;
    (
        WIDTH.max(text_width + 2 * MARGIN),
        HEIGHT.max(text_height + 2 * MARGIN),
    )
}

fn draw(answer: &str) -> Result<Vec<u8>> {
    let mut captcha = Captcha::new();
    for c in answer.chars() {
        captcha.set_chars(&[c]).add_char();
    }
    // Light noise and a gentle wave, no blobs: black glyphs on white stay readable.
    captcha
        .apply_filter(Noise::new(0.05))
        .apply_filter(Wave::new(2.0, WAVE_AMPLITUDE));
    let (width, height) = frame(&captcha.text_area());
    captcha.view(width, height);
    captcha
        .as_png()
        .ok_or_else(|| Error::Internal("captcha image could not be encoded".into()))
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

    fn png_size(png: &[u8]) -> (u32, u32) {
        let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
        let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
        (width, height)
    }

    #[test]
    fn images_are_png_of_at_least_the_configured_size() {
        let png = draw("AC3D7").unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let (width, height) = png_size(&png);
        assert!(width >= WIDTH && height >= HEIGHT, "{width}×{height}");
    }

    #[test]
    fn every_glyph_lies_inside_the_image_with_room_for_the_wave() {
        assert!(f64::from(MARGIN) > WAVE_AMPLITUDE);
        // The widest and tallest answers of the alphabet, and random ones.
        let mut answers: Vec<String> = ALPHABET
            .iter()
            .map(|c| c.to_string().repeat(LENGTH))
            .collect();
        let mut rng = rand::rng();
        answers.extend((0..200).map(|_| {
            (0..LENGTH)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
                .collect::<String>()
        }));
        for answer in answers {
            let mut captcha = Captcha::new();
            for c in answer.chars() {
                captcha.set_chars(&[c]).add_char();
            }
            let text = captcha.text_area();
            let (width, height) = frame(&text);
            assert!(text.right - text.left + 1 + 2 * MARGIN <= width, "{answer}");
            assert!(
                text.bottom - text.top + 1 + 2 * MARGIN <= height,
                "{answer}"
            );
            assert!(png_size(&draw(&answer).unwrap()).0 >= WIDTH);
        }
    }

    #[test]
    fn the_alphabet_has_no_look_alikes() {
        for ambiguous in [
            '0', 'O', '1', 'I', 'L', 'l', '5', 'S', '2', 'Z', '8', 'B', 'U', 'V',
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
