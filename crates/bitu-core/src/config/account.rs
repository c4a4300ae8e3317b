//! Settings of sign-in, sessions, passwords and the account page.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Browser sessions (`[session]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionSettings {
    /// Name of the session cookie.
    pub cookie_name: String,
    /// A session unused this long ends.
    #[serde(with = "humantime_serde")]
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, however busy.
    #[serde(with = "humantime_serde")]
    pub absolute_timeout: Duration,
    /// How long bitu-web reuses a session it read from the database (0: read every time).
    /// Changes made through bitu-web apply at once; a row deleted behind its back (SQL, another
    /// host) still signs in for up to this long.
    #[serde(with = "humantime_serde")]
    pub cache_ttl: Duration,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            cookie_name: "bitu_session".into(),
            idle_timeout: Duration::from_secs(2 * 3600),
            absolute_timeout: Duration::from_secs(7 * 24 * 3600),
            cache_ttl: Duration::from_secs(5),
        }
    }
}

/// Limits against guessing and flooding (`[rate_limit]`). Counters live in Redis, so every
/// bitu-web host shares them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// Failed sign-ins allowed per client IP within `window`.
    pub signin_failures_per_ip: u32,
    /// Failed sign-ins allowed per account within `window`.
    pub signin_failures_per_account: u32,
    /// Mails (reset, forgotten name) a client IP may request within `window`.
    pub mail_requests_per_ip: u32,
    /// Sign-up captchas (form views and refreshes) a client IP may get within `window`.
    pub captchas_per_ip: u32,
    /// Length of the counting window.
    #[serde(with = "humantime_serde")]
    pub window: Duration,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            signin_failures_per_ip: 5,
            signin_failures_per_account: 5,
            mail_requests_per_ip: 10,
            captchas_per_ip: 30,
            window: Duration::from_secs(300),
        }
    }
}

/// Rules every new password must pass (`[password]`), at signup, change and reset.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordSettings {
    /// Fewest characters.
    pub min_length: usize,
    /// Least zxcvbn strength score (0 to 4).
    pub min_score: u8,
    /// Words of this site that a guesser tries first (with the account's own names), so a
    /// password built on them scores low.
    pub site_words: Vec<String>,
    /// Whether new passwords are set with the Password Modify extended operation (the directory
    /// hashes them) or hashed by Bitu and written to `userPassword`.
    pub set_with: PasswordSetter,
}

impl Default for PasswordSettings {
    fn default() -> Self {
        Self {
            min_length: 10,
            // 3 ("safely unguessable"): 2 still lets a name plus four digits through.
            min_score: 3,
            site_words: [
                "bitu",
                "wikimedia",
                "wikipedia",
                "mediawiki",
                "toolforge",
                "wmcloud",
                "phabricator",
                "gerrit",
                "developer",
                "account",
                "password",
                "ldap",
            ]
            .map(String::from)
            .to_vec(),
            set_with: PasswordSetter::PasswordModify,
        }
    }
}

/// How a new password reaches the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordSetter {
    /// RFC 3062 Password Modify: the directory hashes per its own policy.
    PasswordModify,
    /// Bitu writes an `{SSHA}` hash.
    Ssha,
    /// Bitu writes an `{ARGON2}` hash.
    Argon2,
}

/// One directory attribute shown on the account page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AttributeView {
    /// LDAP attribute name.
    pub attribute: String,
    /// Label shown to the user: a message key of i18n/ (`bitu-attr-uid`, translated for each
    /// reader) or the text as written. So are `tooltip`, `action_label` and `empty_text`.
    pub display_name: String,
    /// Shown on hover, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// Link shown next to the value, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_url: Option<String>,
    /// Text of that link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_label: Option<String>,
    /// Shown when the entry has no value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_text: Option<String>,
}

/// An attribute users may change themselves, with the values allowed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EditableAttribute {
    /// LDAP attribute name.
    pub attribute: String,
    /// The only values accepted.
    pub choices: Vec<String>,
}

/// The account page (`[account]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountSettings {
    /// Attributes shown, in order.
    pub attributes: Vec<AttributeView>,
    /// Attributes users may edit; everything else is read-only.
    pub editable: Vec<EditableAttribute>,
    /// How long an email verification link works.
    #[serde(with = "humantime_serde")]
    pub email_link_lifetime: Duration,
    /// How long a password reset link works.
    #[serde(with = "humantime_serde")]
    pub reset_link_lifetime: Duration,
    /// Least time a reset or forgotten-name request takes, so timing tells nothing.
    #[serde(with = "humantime_serde")]
    pub anonymous_response_time: Duration,
}

fn view(attribute: &str, display_name: &str) -> AttributeView {
    AttributeView {
        attribute: attribute.into(),
        display_name: display_name.into(),
        tooltip: None,
        action_url: None,
        action_label: None,
        empty_text: None,
    }
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            attributes: vec![
                AttributeView {
                    tooltip: Some("bitu-attr-uid-tooltip".into()),
                    ..view("uid", "bitu-attr-uid")
                },
                AttributeView {
                    action_url: Some("/account/email/".into()),
                    action_label: Some("bitu-overview-change".into()),
                    ..view("mail", "bitu-attr-mail")
                },
                view("uidNumber", "bitu-attr-uidnumber"),
                view("gidNumber", "bitu-attr-gidnumber"),
                view("loginShell", "bitu-attr-loginshell"),
                AttributeView {
                    empty_text: Some("bitu-overview-not-linked".into()),
                    ..view("wikimediaGlobalAccountName", "bitu-attr-global-account")
                },
            ],
            editable: vec![EditableAttribute {
                attribute: "loginShell".into(),
                choices: vec!["/bin/bash".into(), "/bin/zsh".into(), "/bin/sh".into()],
            }],
            email_link_lifetime: Duration::from_secs(24 * 3600),
            reset_link_lifetime: Duration::from_secs(24 * 3600),
            anonymous_response_time: Duration::from_millis(400),
        }
    }
}
