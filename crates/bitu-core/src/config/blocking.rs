//! Account blocking (`[blocking]`): the systems besides LDAP that a block reaches.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Blocking settings (`[blocking]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BlockingSettings {
    /// Gerrit (`[blocking.gerrit]`): accounts by shell username, HTTP basic auth.
    pub gerrit: IntegrationSettings,
    /// GitLab (`[blocking.gitlab]`): users by developer name as OIDC extern uid,
    /// `PRIVATE-TOKEN`.
    pub gitlab: IntegrationSettings,
    /// Phabricator (`[blocking.phabricator]`): users by developer name, a Conduit API token.
    pub phabricator: IntegrationSettings,
}

/// One external system's connection.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct IntegrationSettings {
    /// Whether blocks reach this system.
    pub enabled: bool,
    /// Base URL, e.g. `https://gerrit.example.org` (no trailing path).
    pub url: String,
    /// User name for HTTP basic auth (Gerrit only).
    pub username: String,
    /// File holding the password (Gerrit), token (GitLab) or Conduit API token (Phabricator).
    pub secret_file: Option<PathBuf>,
    /// Limit for one HTTP request.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// GitLab's OIDC provider name for `extern_uid` look-ups.
    pub provider: String,
}

impl Default for IntegrationSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            url: String::new(),
            username: String::new(),
            secret_file: None,
            timeout: Duration::from_secs(10),
            provider: "openid_connect".into(),
        }
    }
}
