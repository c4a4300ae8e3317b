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

impl BlockingSettings {
    /// Problems of the enabled integrations; each names its key. A disabled one is not checked.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for (name, system) in [
            ("gerrit", &self.gerrit),
            ("gitlab", &self.gitlab),
            ("phabricator", &self.phabricator),
        ] {
            if system.enabled {
                problems.extend(system.validate(name));
            }
        }
        problems
    }
}

impl IntegrationSettings {
    fn validate(&self, name: &str) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, message: String| {
            problems.push((format!("blocking.{name}.{key}"), message));
        };
        match url::Url::parse(&self.url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
            _ => problem(
                "url",
                format!("{:?} must be an http:// or https:// URL", self.url),
            ),
        }
        match &self.secret_file {
            None => problem("secret_file", "is required when enabled".into()),
            // Checked here so an operator learns of it before the first block, not at it.
            Some(path) => {
                if let Err(e) = std::fs::metadata(path) {
                    problem(
                        "secret_file",
                        format!("cannot read {}: {e}", path.display()),
                    );
                }
            }
        }
        if name == "gerrit" && self.username.trim().is_empty() {
            problem("username", "is required for Gerrit's basic auth".into());
        }
        if name == "gitlab" && self.provider.trim().is_empty() {
            problem(
                "provider",
                "must name GitLab's OpenID Connect provider".into(),
            );
        }
        if self.timeout.is_zero() {
            problem("timeout", "must be more than 0".into());
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_enabled_integrations_are_checked_and_each_problem_names_its_key() {
        let mut settings = BlockingSettings::default();
        assert!(settings.validate().is_empty());
        settings.gerrit.enabled = true;
        settings.gerrit.url = "gerrit.example.org".into();
        settings.gitlab.enabled = true;
        settings.gitlab.url = "https://gitlab.example.org".into();
        settings.gitlab.secret_file = Some("/nonexistent/gitlab.token".into());
        settings.gitlab.timeout = Duration::ZERO;
        let keys: Vec<String> = settings.validate().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "blocking.gerrit.url",
                "blocking.gerrit.secret_file",
                "blocking.gerrit.username",
                "blocking.gitlab.secret_file",
                "blocking.gitlab.timeout",
            ]
        );
    }
}
