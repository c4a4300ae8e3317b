//! Typed settings: built-in defaults, then one TOML file, then `BITU_SECTION__KEY` environment
//! variables. Unknown keys are errors that name the key.

mod account;
mod audit;
mod authz;
mod blocking;
mod blocklist;
mod check;
mod footer;
mod keys;
mod logging;
mod mail;
mod metrics;
mod names;
mod permissions;
mod queue;
mod signup;
mod sso;
mod twofactor;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

pub use account::{
    AccountSettings, AttributeView, EditableAttribute, PasswordSetter, PasswordSettings,
    RateLimitSettings, SessionSettings,
};
pub use audit::AuditSettings;
pub use authz::{ApiTokenSettings, AuthzSettings, RequestableGroup};
pub use blocking::{BlockingSettings, IntegrationSettings};
pub use blocklist::{BlocklistSettings, BlocklistSource, SourceKind};
pub use check::{Problem, check_file};
pub use footer::{FooterLink, default_footer};
pub use keys::{AllowedKeyType, KNOWN_KEY_TYPES, KeySystem, KeySystemKind, KeysSettings};
pub use logging::{HandlerKind, HandlerSettings, LogFormat, LoggerSettings, LoggingSettings};
pub use mail::{MailSettings, MailTransportKind, SmtpSettings, SmtpTls};
pub use metrics::{MetricsSettings, SchedulerSettings};
pub use names::{CreatableRules, MEDIAWIKI_RESERVED, NamesSettings};
pub use permissions::{Operator, PermissionGroup, PermissionsSettings, RuleKind, RuleSettings};
pub use queue::{KindSettings, QueueSettings, WorkerSettings};
pub use signup::{SignupSettings, UidRange};
pub use sso::{LinkSettings, LinkingSettings, OidcSettings};
pub use twofactor::TwoFactorSettings;

/// Where the configuration file lives when neither `--config` nor `BITU_CONFIG` say otherwise.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/bitu/bitu.toml";

/// Everything Bitu's daemons can be configured with.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// MariaDB connection.
    pub database: DatabaseSettings,
    /// Redis connection used by the job queues.
    pub redis: RedisSettings,
    /// The LDAP directory holding the accounts.
    pub ldap: LdapSettings,
    /// Public face of the site: URLs and accepted host names.
    pub site: SiteSettings,
    /// The bitu-web HTTP server.
    pub web: WebSettings,
    /// Log handlers and per-target levels.
    pub logging: LoggingSettings,
    /// Username and IP block lists, and the wikis they are imported from.
    pub blocklist: BlocklistSettings,
    /// Browser sessions.
    pub session: SessionSettings,
    /// Limits against guessing and flooding.
    pub rate_limit: RateLimitSettings,
    /// Rules for new passwords.
    pub password: PasswordSettings,
    /// The account page and its links.
    pub account: AccountSettings,
    /// SSH key systems and accepted key types.
    pub keys: KeysSettings,
    /// Sign-up, activation and provisioning.
    pub signup: SignupSettings,
    /// Developer names: canonical form and the account-creation rules.
    pub names: NamesSettings,
    /// Job retries, timeouts and memory of processed jobs.
    pub queue: QueueSettings,
    /// The bitu-rq worker process.
    pub worker: WorkerSettings,
    /// Mail sender, admin recipients and transport.
    pub mail: MailSettings,
    /// Prometheus metrics: on or off, and who may read them.
    pub metrics: MetricsSettings,
    /// Timer jobs run inside bitu-rq instead of by systemd timers.
    pub scheduler: SchedulerSettings,
    /// The audit trail's retention.
    pub audit: AuditSettings,
    /// Roles (account managers, group managers) and the caches of permission checks.
    pub authz: AuthzSettings,
    /// Personal API tokens: lifetimes.
    pub api_tokens: ApiTokenSettings,
    /// Account blocking: the external systems a block reaches.
    pub blocking: BlockingSettings,
    /// Group access requests: requestable groups and their rules.
    pub permissions: PermissionsSettings,
    /// Sign-in through the organisation's OpenID Connect provider.
    pub oidc: OidcSettings,
    /// Linked Wikimedia and Phabricator accounts (OAuth 2.0 consumers).
    pub linking: LinkingSettings,
    /// Two-factor sign-in (TOTP) and its check API.
    pub twofactor: TwoFactorSettings,
}

/// MariaDB connection settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    /// `mysql://user:password@host:port/database`.
    pub url: String,
    /// Read `url` from this file instead (keeps the password out of the config file).
    pub url_file: Option<PathBuf>,
    /// Most connections held open by one process (bitu-web: by each of its workers).
    pub pool_size: usize,
    /// How long to wait for a new connection or a free one from the pool.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: "mysql://bitu@127.0.0.1:3306/bitu".into(),
            url_file: None,
            pool_size: 10,
            timeout: Duration::from_secs(5),
        }
    }
}

/// Redis connection settings. Failover to a replica is a change of `url` and a restart.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RedisSettings {
    /// `redis://[:password@]host:port/db`.
    pub url: String,
    /// Read `url` from this file instead.
    pub url_file: Option<PathBuf>,
    /// Most connections held open by one process (bitu-web: by each of its workers).
    pub pool_size: usize,
    /// Prefix of every key Bitu writes, so several installations can share one Redis.
    pub key_prefix: String,
    /// How long to wait for a connection or a command.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self {
            url: "redis://127.0.0.1:6379/0".into(),
            url_file: None,
            pool_size: 8,
            key_prefix: "bitu:".into(),
            timeout: Duration::from_secs(3),
        }
    }
}

/// LDAP directory settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LdapSettings {
    /// Server URIs, tried in order; the first that answers wins.
    pub servers: Vec<String>,
    /// DN Bitu binds as (a service account, not the rootDN).
    pub bind_dn: String,
    /// Password of `bind_dn`.
    pub password: String,
    /// Read `password` from this file instead.
    pub password_file: Option<PathBuf>,
    /// How long to wait for a TCP connection to one server.
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// How long one LDAP operation may take.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Most bound connections held open by one process (bitu-web: by each of its workers).
    pub pool_size: usize,
    /// Where user entries live.
    pub users_dn: String,
    /// Where group entries live.
    pub groups_dn: String,
    /// Structural object classes of a new user entry.
    pub user_object_classes: Vec<String>,
    /// Auxiliary object classes of a new user entry.
    pub user_auxiliary_classes: Vec<String>,
    /// Object classes a group entry has.
    pub group_object_classes: Vec<String>,
    /// Attribute of a group listing its members.
    pub group_member_attribute: String,
    /// Whether `group_member_attribute` holds member DNs (`member`) or plain uids (`memberUid`).
    pub group_member_is_dn: bool,
    /// The password policy entry that blocked accounts point at.
    pub ppolicy_dn: String,
}

impl Default for LdapSettings {
    fn default() -> Self {
        Self {
            servers: vec!["ldap://127.0.0.1:389".into()],
            bind_dn: "cn=bitu,ou=profile,dc=example,dc=org".into(),
            password: String::new(),
            password_file: None,
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(5),
            pool_size: 8,
            users_dn: "ou=people,dc=example,dc=org".into(),
            groups_dn: "ou=groups,dc=example,dc=org".into(),
            user_object_classes: vec!["inetOrgPerson".into(), "posixAccount".into()],
            user_auxiliary_classes: vec!["wikimediaPerson".into(), "ldapPublicKey".into()],
            group_object_classes: vec!["groupOfNames".into()],
            group_member_attribute: "member".into(),
            group_member_is_dn: true,
            ppolicy_dn: "cn=disabled,ou=ppolicies,dc=example,dc=org".into(),
        }
    }
}

/// The public face of the site.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteSettings {
    /// Name shown in page titles and mails.
    pub name: String,
    /// Base URL used in mailed links, e.g. `https://idm.example.org`.
    pub base_url: String,
    /// Host header values accepted; a leading dot accepts every subdomain.
    pub allowed_hosts: Vec<String>,
    /// Signs session cookies and password reset links; at least 32 characters, the same on
    /// every host. Changing it signs everyone out and kills every reset link.
    pub secret_key: String,
    /// Read `secret_key` from this file instead.
    pub secret_key_file: Option<PathBuf>,
    /// The links at the foot of every page (`[[site.footer]]`), in order.
    pub footer: Vec<FooterLink>,
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            name: "Bitu".into(),
            base_url: "http://localhost:8000".into(),
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "[::1]".into()],
            secret_key: String::new(),
            secret_key_file: None,
            footer: default_footer(),
        }
    }
}

/// The bitu-web HTTP server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebSettings {
    /// Address to listen on.
    pub bind: String,
    /// Worker threads serving requests.
    pub workers: usize,
    /// How long in-flight requests may take to finish after SIGTERM.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
    /// Peers whose X-Forwarded-For header names the real client (the TLS terminator).
    pub trusted_proxies: Vec<String>,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8000".into(),
            workers: 2,
            shutdown_grace: Duration::from_secs(30),
            trusted_proxies: Vec::new(),
        }
    }
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A key or value is wrong, or the file cannot be parsed.
    #[error("{0}")]
    Invalid(String),
    /// Keys present that Bitu does not know.
    #[error("unknown configuration key(s): {}", .0.join(", "))]
    UnknownKeys(Vec<String>),
    /// A `*_file` secret could not be read.
    #[error("cannot read {key} from {path}: {source}")]
    SecretFile {
        /// The key whose value was to be read.
        key: &'static str,
        /// The file named.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

impl Settings {
    /// Loads defaults, then `path` (when it exists or is required), then `BITU_*__*` variables.
    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        if !path.exists() {
            return Err(ConfigError::Invalid(format!(
                "configuration file {} does not exist",
                path.display()
            )));
        }
        Self::from_figment(Self::figment(Some(path)))
    }

    /// Loads defaults and environment variables only; for tools and tests without a file.
    pub fn from_env() -> Result<Settings, ConfigError> {
        Self::from_figment(Self::figment(None))
    }

    /// Loads settings from a TOML string layered over the defaults (no environment).
    pub fn from_toml_str(text: &str) -> Result<Settings, ConfigError> {
        Self::from_figment(
            Figment::from(Serialized::defaults(Settings::default())).merge(Toml::string(text)),
        )
    }

    pub(super) fn figment(path: Option<&Path>) -> Figment {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = path {
            figment = figment.merge(Toml::file_exact(path));
        }
        // Only SECTION__KEY variables are settings; BITU_CONFIG and others are not.
        figment.merge(
            Env::prefixed("BITU_")
                .filter(|key| key.as_str().contains("__"))
                .split("__"),
        )
    }

    fn from_figment(figment: Figment) -> Result<Settings, ConfigError> {
        // First pass names the key of a wrongly typed value; the second finds unknown keys.
        let mut settings: Settings = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let value: figment::value::Value = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let mut unknown = BTreeSet::new();
        let _: Settings = serde_ignored::deserialize(&value, |path| {
            unknown.insert(path.to_string());
        })
        .map_err(|e: figment::Error| ConfigError::Invalid(e.to_string()))?;
        if !unknown.is_empty() {
            return Err(ConfigError::UnknownKeys(unknown.into_iter().collect()));
        }
        settings.read_secret_files()?;
        Ok(settings)
    }

    fn read_secret_files(&mut self) -> Result<(), ConfigError> {
        if let Some(path) = &self.database.url_file {
            self.database.url = read_secret("database.url_file", path)?;
        }
        if let Some(path) = &self.redis.url_file {
            self.redis.url = read_secret("redis.url_file", path)?;
        }
        if let Some(path) = &self.ldap.password_file {
            self.ldap.password = read_secret("ldap.password_file", path)?;
        }
        if let Some(path) = &self.site.secret_key_file {
            self.site.secret_key = read_secret("site.secret_key_file", path)?;
        }
        if let Some(path) = &self.mail.smtp.password_file {
            self.mail.smtp.password = read_secret("mail.smtp.password_file", path)?;
        }
        if let Some(path) = &self.oidc.client_secret_file {
            self.oidc.client_secret = read_secret("oidc.client_secret_file", path)?;
        }
        if let Some(path) = &self.linking.mediawiki.client_secret_file {
            self.linking.mediawiki.client_secret =
                read_secret("linking.mediawiki.client_secret_file", path)?;
        }
        if let Some(path) = &self.linking.phabricator.client_secret_file {
            self.linking.phabricator.client_secret =
                read_secret("linking.phabricator.client_secret_file", path)?;
        }
        if let Some(path) = &self.twofactor.key_file {
            self.twofactor.key = read_secret("twofactor.key_file", path)?;
        }
        Ok(())
    }

    /// Checks values that parse but cannot work; each problem names its key.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, message: String| problems.push((key.to_string(), message));
        if !self.database.url.starts_with("mysql://") {
            problem("database.url", "must start with mysql://".into());
        }
        if self.database.pool_size == 0 {
            problem("database.pool_size", "must be at least 1".into());
        }
        if !(self.redis.url.starts_with("redis://")
            || self.redis.url.starts_with("rediss://")
            || self.redis.url.starts_with("redis+unix://")
            || self.redis.url.starts_with("unix://"))
        {
            problem(
                "redis.url",
                "must start with redis://, rediss:// or unix://".into(),
            );
        }
        if self.redis.pool_size == 0 {
            problem("redis.pool_size", "must be at least 1".into());
        }
        if self.ldap.servers.is_empty() {
            problem("ldap.servers", "needs at least one server URI".into());
        }
        for server in &self.ldap.servers {
            if !(server.starts_with("ldap://")
                || server.starts_with("ldaps://")
                || server.starts_with("ldapi://"))
            {
                problem(
                    "ldap.servers",
                    format!("{server:?} must start with ldap://, ldaps:// or ldapi://"),
                );
            }
        }
        if self.ldap.pool_size == 0 {
            problem("ldap.pool_size", "must be at least 1".into());
        }
        for (key, dn) in [
            ("ldap.bind_dn", &self.ldap.bind_dn),
            ("ldap.users_dn", &self.ldap.users_dn),
            ("ldap.groups_dn", &self.ldap.groups_dn),
        ] {
            if !dn.contains('=') {
                problem(key, format!("{dn:?} is not a DN"));
            }
        }
        if url::Url::parse(&self.site.base_url).is_err() {
            problem(
                "site.base_url",
                format!("{:?} is not a URL", self.site.base_url),
            );
        }
        if self.site.allowed_hosts.is_empty() {
            problem("site.allowed_hosts", "needs at least one host name".into());
        }
        for proxy in &self.web.trusted_proxies {
            if proxy.parse::<std::net::IpAddr>().is_err() {
                problem(
                    "web.trusted_proxies",
                    format!("{proxy:?} is not an IP address"),
                );
            }
        }
        if self.signup.reveal_captcha_answer_for_tests && !is_loopback_url(&self.site.base_url) {
            problem(
                "signup.reveal_captcha_answer_for_tests",
                "is for development and tests only: site.base_url must be on localhost or a \
                 loopback address"
                    .into(),
            );
        }
        if self.password.min_score > 4 {
            problem("password.min_score", "must be between 0 and 4".into());
        }
        for editable in &self.account.editable {
            if editable.choices.is_empty() {
                problem(
                    "account.editable",
                    format!("{} needs at least one allowed value", editable.attribute),
                );
            }
        }
        if self.web.workers == 0 {
            problem("web.workers", "must be at least 1".into());
        }
        problems.extend(footer::validate(&self.site.footer));
        problems.extend(self.logging.validate());
        problems.extend(self.keys.validate());
        problems.extend(self.signup.validate());
        problems.extend(self.names.validate());
        problems.extend(self.blocklist.validate());
        problems.extend(self.queue.validate());
        problems.extend(self.worker.validate());
        problems.extend(self.mail.validate());
        problems.extend(self.metrics.validate());
        problems.extend(self.scheduler.validate());
        problems.extend(self.audit.validate());
        problems.extend(self.authz.validate());
        problems.extend(self.api_tokens.validate());
        problems.extend(self.permissions.validate());
        problems.extend(self.blocking.validate());
        problems.extend(self.oidc.validate(&self.linking));
        problems.extend(self.twofactor.validate());
        problems
    }
}

impl Settings {
    /// The secret key, or why it cannot be used; only daemons that sign things need it.
    pub fn secret_key(&self) -> Result<&[u8], ConfigError> {
        let key = self.site.secret_key.as_bytes();
        if key.len() < 32 {
            return Err(ConfigError::Invalid(
                "site.secret_key must be set to at least 32 random characters \
                 (e.g. `openssl rand -hex 32`)"
                    .into(),
            ));
        }
        Ok(key)
    }
}

fn read_secret(key: &'static str, path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map(|text| text.trim_end_matches(['\r', '\n']).to_string())
        .map_err(|source| ConfigError::SecretFile {
            key,
            path: path.to_path_buf(),
            source,
        })
}

/// Whether `url` names this machine (localhost or a loopback address): a development or test
/// site, never a production one.
fn is_loopback_url(url: &str) -> bool {
    match url::Url::parse(url)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Domain(name)) => name == "localhost" || name.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let settings = Settings::from_toml_str("").unwrap();
        assert!(settings.validate().is_empty(), "{:?}", settings.validate());
    }

    #[test]
    fn the_captcha_answer_is_revealed_on_this_machine_only() {
        for (base_url, allowed) in [
            ("http://localhost:8000", true),
            ("http://127.0.0.1:3000", true),
            ("http://[::1]:80", true),
            ("https://idm.wikimedia.org", false),
            ("https://localhost.evil.org", false),
        ] {
            let settings = Settings::from_toml_str(&format!(
                "[site]\nbase_url = {base_url:?}\n[signup]\nreveal_captcha_answer_for_tests = true\n"
            ))
            .unwrap();
            let refused = settings
                .validate()
                .iter()
                .any(|(key, _)| key == "signup.reveal_captcha_answer_for_tests");
            assert_eq!(refused, !allowed, "{base_url}");
        }
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Settings::from_toml_str("[ldap]\nservrs = []\n[bogus]\nx = 1\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("ldap.servrs"), "{text}");
        assert!(text.contains("bogus"), "{text}");
    }

    #[test]
    fn durations_and_lists_parse() {
        let settings = Settings::from_toml_str(
            "[ldap]\nservers = [\"ldap://a\", \"ldap://b\"]\ntimeout = \"250ms\"\n",
        )
        .unwrap();
        assert_eq!(settings.ldap.servers.len(), 2);
        assert_eq!(settings.ldap.timeout, Duration::from_millis(250));
    }

    #[test]
    fn secret_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("pw");
        std::fs::write(&secret, "s3cret\n").unwrap();
        let settings = Settings::from_toml_str(&format!(
            "[ldap]\npassword_file = {:?}\n",
            secret.display().to_string()
        ))
        .unwrap();
        assert_eq!(settings.ldap.password, "s3cret");
    }
}
