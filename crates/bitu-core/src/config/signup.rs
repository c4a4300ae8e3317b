//! `[signup]`: the sign-up form, its validators, activation and provisioning.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A range of POSIX user ids new accounts may get (both ends included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UidRange {
    /// First id.
    pub first: u32,
    /// Last id.
    pub last: u32,
}

/// Settings of the sign-up path.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SignupSettings {
    /// Whether new people may sign up; when off the page says so (restart bitu-web only).
    pub enabled: bool,
    /// HTML shown beside the form (terms of use, code of conduct, visibility of the email),
    /// or a message key of i18n/ (`bitu-signup-info`, the default), translated for each reader.
    pub info_html: String,
    /// Validators of the developer name, by name, in order.
    pub cn_validators: Vec<String>,
    /// Validators of the shell username.
    pub uid_validators: Vec<String>,
    /// Validators of the email address.
    pub email_validators: Vec<String>,
    /// Email domains refused (exact, lower case; a leading dot covers subdomains).
    pub email_deny_domains: Vec<String>,
    /// How long an activation link works.
    #[serde(with = "humantime_serde")]
    pub activation_lifetime: Duration,
    /// Signups older than this are deleted by bitu-expire, activated or not.
    #[serde(with = "humantime_serde")]
    pub expire_after: Duration,
    /// Sign-up attempts one client IP may make per hour.
    pub attempts_per_ip_per_hour: u32,
    /// Ranges POSIX user ids are allocated from, in order.
    pub uid_number_ranges: Vec<UidRange>,
    /// POSIX primary group of new accounts.
    pub gid_number: u32,
    /// Home directories are `<home_base>/<uid>`.
    pub home_base: String,
    /// Login shell of new accounts.
    pub login_shell: String,
    /// Groups every new account joins.
    pub default_groups: Vec<String>,
    /// Subject of the activation mail, the same in every language; empty (the default) for
    /// the message files' `bitu-mail-activation-subject`, in the language of the sign-up.
    pub activation_subject: String,
    /// Development and tests only: the sign-up form carries the captcha's answer (as
    /// `data-test-answer` on the image) so browser tests can solve it. `check-config` refuses
    /// it unless `site.base_url` is on this machine (localhost or a loopback address).
    pub reveal_captcha_answer_for_tests: bool,
}

impl Default for SignupSettings {
    fn default() -> Self {
        let all = |names: &[&str]| names.iter().map(ToString::to_string).collect();
        Self {
            enabled: true,
            info_html: "bitu-signup-info".into(),
            cn_validators: all(CN_VALIDATORS),
            uid_validators: all(UID_VALIDATORS),
            email_validators: all(EMAIL_VALIDATORS),
            email_deny_domains: Vec::new(),
            activation_lifetime: Duration::from_secs(3 * 24 * 3600),
            expire_after: Duration::from_secs(5 * 24 * 3600),
            attempts_per_ip_per_hour: 20,
            uid_number_ranges: vec![UidRange {
                first: 20000,
                last: 999_999,
            }],
            gid_number: 500,
            home_base: "/home".into(),
            login_shell: "/bin/bash".into(),
            default_groups: Vec::new(),
            activation_subject: String::new(),
            reveal_captcha_answer_for_tests: false,
        }
    }
}

/// Names every validator understands, per field.
pub const CN_VALIDATORS: &[&str] = &[
    "mediawiki",
    "length",
    "characters",
    "not_email",
    "not_url",
    "not_in_directory",
    "not_blocked",
    "not_confusable",
    "not_pending",
];
/// Validators of the shell username.
pub const UID_VALIDATORS: &[&str] = &[
    "length",
    "shell_format",
    "not_in_directory",
    "not_blocked",
    "not_pending",
];
/// Validators of the email address.
pub const EMAIL_VALIDATORS: &[&str] = &[
    "syntax",
    "allowed_domain",
    "not_in_directory",
    "not_pending",
];

impl SignupSettings {
    /// Problems as (key, message) pairs.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for (key, configured, known) in [
            ("signup.cn_validators", &self.cn_validators, CN_VALIDATORS),
            (
                "signup.uid_validators",
                &self.uid_validators,
                UID_VALIDATORS,
            ),
            (
                "signup.email_validators",
                &self.email_validators,
                EMAIL_VALIDATORS,
            ),
        ] {
            for name in configured {
                if !known.contains(&name.as_str()) {
                    problems.push((
                        key.to_string(),
                        format!("unknown validator {name:?}; known: {}", known.join(", ")),
                    ));
                }
            }
        }
        if self.uid_number_ranges.is_empty() {
            problems.push((
                "signup.uid_number_ranges".into(),
                "needs at least one range".into(),
            ));
        }
        for range in &self.uid_number_ranges {
            if range.first > range.last || range.first == 0 {
                problems.push((
                    "signup.uid_number_ranges".into(),
                    format!(
                        "range {}..{} is empty or starts at 0",
                        range.first, range.last
                    ),
                ));
            }
        }
        problems
    }
}
