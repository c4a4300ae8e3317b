//! Connections to the directory: the server list tried in order (first healthy wins), and the
//! pool of connections bound as the service account.

use std::sync::Arc;

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError};
use tracing::{debug, warn};

use crate::config::LdapSettings;
use crate::error::{Error, Result};

/// Pool of bound service-account connections.
pub type LdapPool = managed::Pool<LdapManager>;

/// Opens a connection to the first server of the list that accepts one, bound as `bind`
/// (a DN and password) when given. A failed bind of the service account is a configuration
/// error and is not retried on the next server.
pub async fn connect_first_healthy(
    settings: &LdapSettings,
    bind: Option<(&str, &str)>,
) -> Result<Ldap> {
    let mut failures = Vec::new();
    for url in &settings.servers {
        let conn_settings = LdapConnSettings::new().set_conn_timeout(settings.connect_timeout);
        let (conn, mut ldap) = match LdapConnAsync::with_settings(conn_settings, url).await {
            Ok(pair) => pair,
            Err(e) => {
                warn!(server = %url, error = %e, "LDAP server unreachable, trying the next");
                failures.push(format!("{url}: {e}"));
                continue;
            }
        };
        tokio::spawn(async move {
            if let Err(e) = conn.drive().await {
                debug!(error = %e, "LDAP connection ended");
            }
        });
        if let Some((dn, password)) = bind {
            let result = ldap
                .with_timeout(settings.timeout)
                .simple_bind(dn, password)
                .await;
            match result {
                Ok(result) if result.rc == 0 => {}
                Ok(result) if is_server_unavailable(result.rc) => {
                    failures.push(format!("{url}: {result}"));
                    continue;
                }
                Ok(result) => {
                    return Err(Error::DirectoryUnavailable(format!(
                        "bind as {dn} refused by {url}: {result}"
                    )));
                }
                Err(e) => {
                    warn!(server = %url, error = %e, "LDAP bind failed, trying the next");
                    failures.push(format!("{url}: {e}"));
                    continue;
                }
            }
        }
        debug!(server = %url, "LDAP connection opened");
        return Ok(ldap);
    }
    Err(Error::DirectoryUnavailable(format!(
        "no LDAP server answered ({})",
        failures.join("; ")
    )))
}

/// Result codes meaning "this server cannot serve now, another might": busy, unavailable,
/// unwilling, server down.
pub fn is_server_unavailable(rc: u32) -> bool {
    matches!(rc, 51 | 52 | 53 | 81)
}

/// Whether an error means the connection itself is gone (as opposed to a refused operation).
pub fn is_connection_error(error: &LdapError) -> bool {
    match error {
        LdapError::LdapResult { result } => is_server_unavailable(result.rc),
        _ => true,
    }
}

/// Creates and checks pooled connections.
pub struct LdapManager {
    settings: Arc<LdapSettings>,
}

impl LdapManager {
    /// A manager binding as the service account of `settings`.
    pub fn new(settings: Arc<LdapSettings>) -> Self {
        Self { settings }
    }
}

impl managed::Manager for LdapManager {
    type Type = Ldap;
    type Error = Error;

    async fn create(&self) -> Result<Ldap> {
        let settings = &self.settings;
        connect_first_healthy(settings, Some((&settings.bind_dn, &settings.password))).await
    }

    async fn recycle(&self, ldap: &mut Ldap, _: &Metrics) -> RecycleResult<Error> {
        // A dropped server closes the channel; the pool then opens a fresh connection.
        if ldap.is_closed() {
            Err(RecycleError::message("LDAP connection closed"))
        } else {
            Ok(())
        }
    }
}

/// Builds the pool; no connection is opened until one is needed.
pub fn build_pool(settings: Arc<LdapSettings>) -> Result<LdapPool> {
    let timeout =
        settings.connect_timeout * u32::try_from(settings.servers.len().max(1)).unwrap_or(1);
    managed::Pool::builder(LdapManager::new(settings.clone()))
        .max_size(settings.pool_size)
        .wait_timeout(Some(timeout + settings.timeout))
        .create_timeout(Some(timeout + settings.timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| Error::Internal(format!("cannot build the LDAP pool: {e}")))
}
