//! Two-factor sign-in with TOTP codes (`[twofactor]`).

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// `[twofactor]`: TOTP enrolment, the code step of the password sign-in, and the check API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TwoFactorSettings {
    /// Whether two-factor sign-in exists at all; off, its pages and API answer 404 and the
    /// password form asks for no code (as production ran before).
    pub enabled: bool,
    /// The key that encrypts the stored secrets: 32 random bytes, base64
    /// (`openssl rand -base64 32`). Required when enabled.
    pub key_file: Option<PathBuf>,
    /// The key read from `key_file` (never written in the file itself).
    #[serde(skip)]
    pub key: String,
    /// Name authenticator apps show next to the account.
    pub issuer: String,
    /// Steps of 30 s accepted before and after the current one (clock drift of phones).
    pub skew: u8,
    /// Wrong codes allowed per account within `window` (sign-in, disabling, and the API).
    pub failures_per_account: u32,
    /// Length of the counting window.
    #[serde(with = "humantime_serde")]
    pub window: Duration,
    /// How long the code may be entered after the password was right.
    #[serde(with = "humantime_serde")]
    pub pending_timeout: Duration,
}

impl Default for TwoFactorSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            key_file: None,
            key: String::new(),
            issuer: "Bitu".into(),
            skew: 1,
            failures_per_account: 5,
            window: Duration::from_secs(15 * 60),
            pending_timeout: Duration::from_secs(5 * 60),
        }
    }
}

impl TwoFactorSettings {
    /// Values that parse but cannot work, by key.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, message: &str| {
            problems.push((format!("twofactor.{key}"), message.to_string()));
        };
        if self.enabled && self.key_file.is_none() {
            problem("key_file", "is required when enabled");
        }
        // The key itself only once read (check-config does not read secret files).
        if self.enabled
            && !self.key.is_empty()
            && crate::twofactor::crypto::SecretCipher::new(&self.key).is_err()
        {
            problem("key_file", "must hold 32 random bytes, base64-encoded");
        }
        if self.issuer.contains(':') || self.issuer.trim().is_empty() {
            problem("issuer", "must be a name without ':'");
        }
        if self.skew > 3 {
            problem("skew", "must be between 0 and 3");
        }
        if self.failures_per_account == 0 {
            problem("failures_per_account", "must be at least 1");
        }
        problems
    }
}
