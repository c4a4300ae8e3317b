//! Sign-in through the organisation's OpenID Connect provider (`[oidc]`) and the OAuth 2.0
//! consumers that link Wikimedia and Phabricator accounts (`[linking.mediawiki]`,
//! `[linking.phabricator]`).

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// `[oidc]`: the identity provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct OidcSettings {
    /// Whether the sign-in page offers the provider.
    pub enabled: bool,
    /// Name in the paths the provider has registered: `/login/<backend>/` starts,
    /// `/complete/<backend>/` finishes.
    pub backend: String,
    /// Issuer URL; its `.well-known/openid-configuration` is read at each sign-in.
    pub issuer: String,
    /// Client id registered at the provider.
    pub client_id: String,
    /// Client secret (prefer `client_secret_file`).
    pub client_secret: String,
    /// Read `client_secret` from this file instead.
    pub client_secret_file: Option<PathBuf>,
    /// Scopes asked for (`openid` is always asked).
    pub scopes: Vec<String>,
    /// Claim (ID token or userinfo) whose value names the LDAP entry.
    pub claim: String,
    /// LDAP attribute that value is matched against.
    pub ldap_attribute: String,
    /// Leeway for the ID token's expiry against this host's clock.
    #[serde(with = "humantime_serde")]
    pub clock_skew: Duration,
    /// Whether the password form stays on the sign-in page.
    pub password_form: bool,
    /// How long a started sign-in may take before its state is refused.
    #[serde(with = "humantime_serde")]
    pub flow_lifetime: Duration,
    /// Limit for one request to the provider.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// The provider's name on the sign-in button.
    pub display_name: String,
}

impl Default for OidcSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            backend: "oidc".into(),
            issuer: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            client_secret_file: None,
            scopes: vec![
                "openid".into(),
                "profile".into(),
                "email".into(),
                "groups".into(),
            ],
            claim: "username".into(),
            ldap_attribute: "uid".into(),
            clock_skew: Duration::from_secs(60),
            password_form: true,
            flow_lifetime: Duration::from_secs(600),
            timeout: Duration::from_secs(10),
            display_name: "Wikimedia Developer account (IdP)".into(),
        }
    }
}

/// `[linking]`: accounts people link to their LDAP entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkingSettings {
    /// Wikimedia global (SUL) account, through a MediaWiki's OAuth 2.0.
    pub mediawiki: LinkSettings,
    /// Phabricator account, through Phabricator's OAuth server.
    pub phabricator: LinkSettings,
}

impl Default for LinkingSettings {
    fn default() -> Self {
        Self {
            mediawiki: LinkSettings {
                backend: "mediawiki".into(),
                url: "https://meta.wikimedia.org/w/".into(),
                ..LinkSettings::default()
            },
            phabricator: LinkSettings {
                backend: "phabricator".into(),
                url: "https://phabricator.wikimedia.org/".into(),
                ..LinkSettings::default()
            },
        }
    }
}

/// One OAuth 2.0 consumer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LinkSettings {
    /// Whether people may link this kind of account.
    pub enabled: bool,
    /// Name in `/login/<backend>/` and `/complete/<backend>/`.
    pub backend: String,
    /// Base URL: the wiki's script path (`https://meta.wikimedia.org/w/`) or Phabricator's root.
    pub url: String,
    /// Consumer (client) id.
    pub client_id: String,
    /// Consumer secret (prefer `client_secret_file`).
    pub client_secret: String,
    /// Read `client_secret` from this file instead.
    pub client_secret_file: Option<PathBuf>,
    /// Limit for one request to the site.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
}

impl Default for LinkSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            backend: String::new(),
            url: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            client_secret_file: None,
            timeout: Duration::from_secs(10),
        }
    }
}

fn valid_backend(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

impl OidcSettings {
    /// Problems as `(key, message)`.
    pub fn validate(&self, linking: &LinkingSettings) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, message: String| problems.push((key.to_string(), message));
        if !self.enabled && !self.password_form {
            problem(
                "oidc.password_form",
                "cannot be false while [oidc] is not enabled: nobody could sign in".into(),
            );
        }
        let mut backends = Vec::new();
        if self.enabled {
            if url::Url::parse(&self.issuer).is_err() {
                problem("oidc.issuer", format!("{:?} is not a URL", self.issuer));
            }
            if self.client_id.is_empty() {
                problem(
                    "oidc.client_id",
                    "must be set when [oidc] is enabled".into(),
                );
            }
            if self.claim.is_empty() || self.ldap_attribute.is_empty() {
                problem("oidc.claim", "claim and ldap_attribute must be set".into());
            }
            backends.push(("oidc.backend", self.backend.as_str()));
        }
        for (key, link) in [
            ("linking.mediawiki", &linking.mediawiki),
            ("linking.phabricator", &linking.phabricator),
        ] {
            if !link.enabled {
                continue;
            }
            if url::Url::parse(&link.url).is_err() {
                problem(
                    &format!("{key}.url"),
                    format!("{:?} is not a URL", link.url),
                );
            }
            if link.client_id.is_empty() {
                problem(
                    &format!("{key}.client_id"),
                    "must be set when enabled".into(),
                );
            }
            backends.push((key, link.backend.as_str()));
        }
        for (i, (key, name)) in backends.iter().enumerate() {
            if !valid_backend(name) {
                problem(
                    key,
                    format!("backend {name:?} must be lower-case letters, digits, - or _"),
                );
            }
            if backends[..i].iter().any(|(_, other)| other == name) {
                problem(key, format!("backend {name:?} is used twice"));
            }
        }
        problems
    }
}
