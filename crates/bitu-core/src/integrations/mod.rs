//! The systems besides LDAP that trust its accounts and must shut a blocked one out: one
//! [`Integration`] trait, one file per system, each configured under `[blocking.NAME]`.
//! Every call has a timeout and sends the project's User-Agent; "already blocked" and
//! "already active" answers count as done.

mod gerrit;
mod gitlab;
mod phabricator;

use std::future::Future;

pub use gerrit::Gerrit;
pub use gitlab::GitLab;
pub use phabricator::Phabricator;

use crate::config::IntegrationSettings;
use crate::error::{Error, Result};

/// The account as the other systems know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Shell username (`uid`).
    pub uid: String,
    /// Developer name (`cn`).
    pub cn: String,
}

/// What a block or unblock did in a system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The state changed.
    Changed,
    /// It was already so.
    AlreadySo,
    /// The system has no such account: nothing to do.
    NoAccount,
}

impl Applied {
    /// A short note for logs and the per-system row.
    pub fn note(self) -> Option<&'static str> {
        match self {
            Applied::Changed => None,
            Applied::AlreadySo => Some("already in that state"),
            Applied::NoAccount => Some("no account there"),
        }
    }
}

/// One system that can look up, block and unblock an account.
pub trait Integration: Send + Sync {
    /// The system's id of `account`, if it has one.
    fn lookup(&self, account: &Account) -> impl Future<Output = Result<Option<String>>> + Send;
    /// Shuts `account` out.
    fn block(&self, account: &Account) -> impl Future<Output = Result<Applied>> + Send;
    /// Lets `account` back in.
    fn unblock(&self, account: &Account) -> impl Future<Output = Result<Applied>> + Send;
}

/// The User-Agent every integration sends: tool, version and the site's address.
pub fn user_agent(contact: &str) -> String {
    format!("Bitu-blocking/{} ({contact})", env!("CARGO_PKG_VERSION"))
}

/// An HTTP client for `settings`, and the secret read from its file.
fn client(settings: &IntegrationSettings, contact: &str) -> Result<(reqwest::Client, String)> {
    // Err means a provider is already installed, which is just as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .user_agent(user_agent(contact))
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .build()
        .map_err(|e| Error::Internal(format!("cannot build the HTTP client: {e}")))?;
    let secret = match &settings.secret_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Error::Internal(format!("cannot read {}: {e}", path.display())))?
            .trim()
            .to_string(),
        None => String::new(),
    };
    Ok((http, secret))
}

/// The base URL without a trailing slash.
fn base(settings: &IntegrationSettings) -> &str {
    settings.url.trim_end_matches('/')
}

/// A transport failure as a retryable error naming the system (never the credentials).
fn unreachable(system: &str, error: reqwest::Error) -> Error {
    let what = if error.is_timeout() {
        "timed out".to_string()
    } else {
        // Without the URL, to keep reasons short; the cause says what went wrong.
        let error = error.without_url();
        match std::error::Error::source(&error) {
            Some(cause) => format!("{error}: {cause}"),
            None => error.to_string(),
        }
    };
    Error::Remote(format!("{system}: {what}"))
}

/// An unexpected status as an error naming the system.
fn unexpected(system: &str, status: reqwest::StatusCode, body: &str) -> Error {
    let excerpt: String = body.chars().take(200).collect();
    Error::Remote(format!("{system}: HTTP {status}: {excerpt}"))
}
