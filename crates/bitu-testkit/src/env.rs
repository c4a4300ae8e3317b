//! Finds the local services (from `BITU_TEST_*` variables, else from `.dev/env` written by
//! `packaging/dev/services.sh`), starting them through that script when they are absent.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Where the tests' services listen.
#[derive(Debug, Clone)]
pub struct ServiceEnv {
    /// `ldap://host:port` of the test slapd.
    pub ldap_url: String,
    /// Suffix of the test directory, e.g. `dc=example,dc=org`.
    pub ldap_base: String,
    /// The rootDN, used to create and remove per-test subtrees.
    pub ldap_admin_dn: String,
    /// Its password.
    pub ldap_admin_password: String,
    /// The service account Bitu binds as.
    pub ldap_bind_dn: String,
    /// Its password.
    pub ldap_bind_password: String,
    /// `mysql://user@host:port` without a database.
    pub database_url: String,
    /// `redis://host:port`.
    pub redis_url: String,
    /// SMTP sink host.
    pub smtp_host: String,
    /// SMTP sink port.
    pub smtp_port: u16,
    /// Maildir the SMTP sink writes into.
    pub maildir: PathBuf,
}

/// The repository's top folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn env_file() -> PathBuf {
    std::env::var_os("BITU_DEV_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".dev"))
        .join("env")
}

fn read_env_file(path: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("export "))
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| {
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            (key.trim().to_string(), value.to_string())
        })
        .collect()
}

fn services_up(file: &HashMap<String, String>) -> bool {
    let reachable = |key: &str| {
        file.get(key)
            .and_then(|text| url::Url::parse(text).ok())
            .and_then(|url| Some((url.host_str()?.to_string(), url.port()?)))
            .is_some_and(|addr| std::net::TcpStream::connect(addr).is_ok())
    };
    let smtp = file
        .get("BITU_TEST_SMTP_PORT")
        .and_then(|port| port.parse::<u16>().ok())
        .is_some_and(|port| std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    smtp && [
        "BITU_TEST_LDAP_URL",
        "BITU_TEST_DATABASE_URL",
        "BITU_TEST_REDIS_URL",
    ]
    .into_iter()
    .all(reachable)
}

/// The services, started once per test process if needed.
pub fn services() -> &'static ServiceEnv {
    static ENV: OnceLock<ServiceEnv> = OnceLock::new();
    ENV.get_or_init(|| {
        // reqwest is built without a default TLS provider (no aws-lc-rs); tests use ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let path = env_file();
        let mut file = read_env_file(&path);
        if std::env::var_os("BITU_TEST_LDAP_URL").is_none() && !services_up(&file) {
            let script = repo_root().join("packaging/dev/services.sh");
            let status = Command::new("bash")
                .arg(&script)
                .arg("start")
                .status()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
            assert!(status.success(), "{} start failed", script.display());
            file = read_env_file(&path);
        }
        let get = |key: &str| -> String {
            std::env::var(key)
                .ok()
                .or_else(|| file.get(key).cloned())
                .unwrap_or_else(|| panic!("{key} is not set and not in {}", path.display()))
        };
        ServiceEnv {
            ldap_url: get("BITU_TEST_LDAP_URL"),
            ldap_base: get("BITU_TEST_LDAP_BASE"),
            ldap_admin_dn: get("BITU_TEST_LDAP_ADMIN_DN"),
            ldap_admin_password: get("BITU_TEST_LDAP_ADMIN_PASSWORD"),
            ldap_bind_dn: get("BITU_TEST_LDAP_BIND_DN"),
            ldap_bind_password: get("BITU_TEST_LDAP_BIND_PASSWORD"),
            database_url: get("BITU_TEST_DATABASE_URL"),
            redis_url: get("BITU_TEST_REDIS_URL"),
            smtp_host: get("BITU_TEST_SMTP_HOST"),
            smtp_port: get("BITU_TEST_SMTP_PORT")
                .parse()
                .expect("BITU_TEST_SMTP_PORT is a port number"),
            maildir: PathBuf::from(get("BITU_TEST_MAILDIR")),
        }
    })
}
