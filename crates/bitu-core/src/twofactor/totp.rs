//! RFC 6238 codes as authenticator apps make them (SHA-1, 6 digits, 30 s steps), through
//! `totp-rs`; the enrolment's otpauth:// URI, its QR code (SVG) and the secret in groups of
//! four for typing.

use rand::RngCore;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

use crate::error::{Error, Result};

/// Length of a new secret: 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;
/// Digits of a code.
pub const DIGITS: usize = 6;
/// Seconds a code stands for.
pub const STEP: u64 = 30;

/// A fresh random secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut secret);
    secret
}

fn totp(secret: &[u8], digits: usize, issuer: &str, account: &str) -> Result<TOTP> {
    // Unchecked: secrets imported from the original may have 80 bits (pyotp's old default);
    // new ones have 160. The URI's issuer and account are checked by the settings and uids.
    if secret.is_empty() || issuer.contains(':') || account.contains(':') {
        return Err(Error::Internal(
            "TOTP parameters: empty secret or ':'".into(),
        ));
    }
    Ok(TOTP::new_unchecked(
        Algorithm::SHA1,
        digits,
        0,
        STEP,
        secret.to_vec(),
        Some(issuer.to_string()),
        account.to_string(),
    ))
}

/// The time step of the Unix time `unix`.
pub fn step_of(unix: u64) -> u64 {
    unix / STEP
}

/// The 6-digit code of `secret` at the Unix time `unix`.
pub fn code_at(secret: &[u8], unix: u64) -> Result<String> {
    Ok(totp(secret, DIGITS, "Bitu", "code")?.generate(unix))
}

/// The step whose code `code` is, among the current step and `skew` steps on either side
/// of it; `None` when it is none of them. Compared in constant time.
pub fn matching_step(secret: &[u8], code: &str, unix: u64, skew: u8) -> Result<Option<u64>> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let totp = totp(secret, DIGITS, "Bitu", "code")?;
    let current = step_of(unix);
    let skew = u64::from(skew);
    let mut found = None;
    for step in current.saturating_sub(skew)..=current.saturating_add(skew) {
        let expected = totp.generate(step * STEP);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            found = Some(step);
        }
    }
    Ok(found)
}

/// The `otpauth://totp/...` URI an authenticator app reads from the QR code.
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> Result<String> {
    Ok(totp(secret, DIGITS, issuer, account)?.get_url())
}

/// The secret in base32, in groups of four (`ABCD EFGH ...`), for typing it in by hand.
pub fn grouped_base32(secret: &[u8]) -> Result<String> {
    let encoded = totp(secret, DIGITS, "Bitu", "code")?.get_secret_base32();
    let chars: Vec<char> = encoded.chars().collect();
    Ok(chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" "))
}

/// The secret of a base32 text (spaces and case ignored, padding allowed), as the original
/// stored it.
pub fn decode_base32(text: &str) -> Option<Vec<u8>> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .collect::<String>()
        .to_uppercase();
    totp_rs::Secret::Encoded(cleaned).to_bytes().ok()
}

/// `uri` as a QR code in SVG, drawn on the server (no script needed).
pub fn qr_svg(uri: &str) -> Result<String> {
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| Error::Internal(format!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 seed and its 8-digit codes.
    const RFC_SEED: &[u8] = b"12345678901234567890";
    const RFC_VECTORS: &[(u64, &str)] = &[
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn the_rfc_6238_sha1_test_vectors() {
        for (time, expected) in RFC_VECTORS {
            let eight = totp(RFC_SEED, 8, "Bitu", "rfc").unwrap().generate(*time);
            assert_eq!(&eight, expected, "T = {time}");
            // Six digits are the same value modulo 10^6: the last six of the eight.
            assert_eq!(
                code_at(RFC_SEED, *time).unwrap(),
                expected[2..],
                "T = {time}"
            );
        }
    }

    #[test]
    fn a_code_matches_its_step_and_the_neighbours_within_the_skew() {
        let secret = new_secret();
        assert_eq!(secret.len(), 20);
        let now = 1_700_000_000;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(
            matching_step(&secret, &code, now, 1).unwrap(),
            Some(step_of(now))
        );
        assert_eq!(
            matching_step(&secret, &code, now + 30, 1).unwrap(),
            Some(step_of(now))
        );
        assert_eq!(matching_step(&secret, &code, now + 90, 1).unwrap(), None);
        assert_eq!(matching_step(&secret, &code, now + 30, 0).unwrap(), None);
        assert_eq!(matching_step(&secret, "12345", now, 1).unwrap(), None);
        assert_eq!(matching_step(&secret, "abcdef", now, 1).unwrap(), None);
    }

    #[test]
    fn an_imported_80_bit_secret_still_makes_codes() {
        // pyotp's old default length: 16 base32 characters.
        let secret = decode_base32("JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(secret.len(), 10);
        let code = code_at(&secret, 1_700_000_000).unwrap();
        assert_eq!(
            matching_step(&secret, &code, 1_700_000_000, 0).unwrap(),
            Some(56_666_666)
        );
    }

    #[test]
    fn the_secret_is_shown_in_groups_and_read_back() {
        let grouped = grouped_base32(RFC_SEED).unwrap();
        assert_eq!(grouped, "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ");
        assert_eq!(decode_base32(&grouped.to_lowercase()).unwrap(), RFC_SEED);
        let uri = otpauth_uri(RFC_SEED, "Bitu", "alice").unwrap();
        assert!(uri.starts_with("otpauth://totp/Bitu:alice?"), "{uri}");
        assert!(
            uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{uri}"
        );
        assert!(qr_svg(&uri).unwrap().contains("<svg"));
    }
}
