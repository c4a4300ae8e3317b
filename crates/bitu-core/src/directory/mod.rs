//! The LDAP directory: a pool of bound connections over a server list, and typed operations
//! for what the features need. Values in filters and DNs are always escaped.

pub mod connect;
pub mod escape;
pub mod filter;
pub mod group;
pub mod store;
pub mod user;

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::Arc;

use deadpool::managed::Object;
use ldap3::adapters::{EntriesOnly, PagedResults};
use ldap3::exop::PasswordModify;
use ldap3::{Ldap, LdapError, LdapResult, Mod, Scope, SearchEntry, SearchOptions};
use tracing::{instrument, warn};

pub use connect::LdapPool;
pub use filter::Filter;
pub use group::Group;
pub use store::{GroupStore, UserStore};
pub use user::{Created, DirectoryUser, NewUser, UserAttribute};

use crate::config::LdapSettings;
use crate::error::{Error, Result};

/// LDAP result code: the entry already exists.
pub const RC_ALREADY_EXISTS: u32 = 68;
/// LDAP result code: the value is already there.
pub const RC_VALUE_EXISTS: u32 = 20;
/// LDAP result code: the value or attribute is not there.
pub const RC_NO_SUCH_ATTRIBUTE: u32 = 16;
/// LDAP result code: the entry does not exist.
pub const RC_NO_SUCH_OBJECT: u32 = 32;
/// LDAP result code: wrong password (or unknown DN).
pub const RC_INVALID_CREDENTIALS: u32 = 49;
/// LDAP result code: more entries matched than the size limit allows.
pub const RC_SIZE_LIMIT_EXCEEDED: u32 = 4;

/// One entry read from the directory, attribute names folded to lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Distinguished name.
    pub dn: String,
    attributes: BTreeMap<String, Vec<String>>,
}

impl Entry {
    /// An entry built from attribute names and values (names folded to lower case).
    pub fn new<'a>(
        dn: &str,
        attributes: impl IntoIterator<Item = (&'a str, Vec<String>)>,
    ) -> Entry {
        let mut entry = Entry {
            dn: dn.to_string(),
            attributes: BTreeMap::new(),
        };
        for (name, values) in attributes {
            entry.set(name, values);
        }
        entry
    }

    /// Sets `attr` to exactly `values`; no values removes it.
    pub fn set(&mut self, attr: &str, values: Vec<String>) {
        let name = attr.to_ascii_lowercase();
        if values.is_empty() {
            self.attributes.remove(&name);
        } else {
            self.attributes.insert(name, values);
        }
    }

    /// The entry of a search result, attribute names folded to lower case.
    pub fn from_search(entry: SearchEntry) -> Entry {
        let attributes = entry
            .attrs
            .into_iter()
            .map(|(name, values)| (name.to_ascii_lowercase(), values))
            .collect();
        Entry {
            dn: entry.dn,
            attributes,
        }
    }

    /// Every value of `attr` (case-insensitive name); empty when absent.
    pub fn values(&self, attr: &str) -> &[String] {
        self.attributes
            .get(&attr.to_ascii_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The first value of `attr`.
    pub fn first(&self, attr: &str) -> Option<&str> {
        self.values(attr).first().map(String::as_str)
    }

    /// All attributes, names in lower case.
    pub fn attributes(&self) -> &BTreeMap<String, Vec<String>> {
        &self.attributes
    }
}

/// The directory as the features see it.
#[derive(Clone)]
pub struct Directory {
    pool: LdapPool,
    settings: Arc<LdapSettings>,
}

fn map_ldap_error(error: LdapError) -> Error {
    if connect::is_connection_error(&error) {
        Error::DirectoryUnavailable(error.to_string())
    } else {
        Error::Directory(error.to_string())
    }
}

impl Directory {
    /// Builds the directory over a fresh pool; connects lazily.
    pub fn new(settings: LdapSettings) -> Result<Directory> {
        let settings = Arc::new(settings);
        Ok(Directory {
            pool: connect::build_pool(settings.clone())?,
            settings,
        })
    }

    /// The settings the directory was built with.
    pub fn settings(&self) -> &LdapSettings {
        &self.settings
    }

    async fn checkout(&self) -> Result<Object<connect::LdapManager>> {
        self.pool.get().await.map_err(|e| match e {
            deadpool::managed::PoolError::Backend(e) => e,
            other => Error::DirectoryUnavailable(other.to_string()),
        })
    }

    /// Runs `op` on a pooled connection. A connection-level failure throws the connection away;
    /// when `retry` is set (reads), the operation runs once more on a fresh connection.
    async fn run<T, F, Fut>(&self, retry: bool, op: F) -> Result<T>
    where
        F: Fn(Ldap) -> Fut,
        Fut: Future<Output = std::result::Result<T, LdapError>>,
    {
        let started = std::time::Instant::now();
        let result = self.run_once_or_twice(retry, op).await;
        crate::metrics::backend_call(
            "ldap",
            started,
            !matches!(result, Err(Error::DirectoryUnavailable(_))),
        );
        result
    }

    async fn run_once_or_twice<T, F, Fut>(&self, retry: bool, op: F) -> Result<T>
    where
        F: Fn(Ldap) -> Fut,
        Fut: Future<Output = std::result::Result<T, LdapError>>,
    {
        let mut attempts_left = if retry { 2 } else { 1 };
        loop {
            attempts_left -= 1;
            let conn = self.checkout().await?;
            let mut ldap: Ldap = (*conn).clone();
            ldap.with_timeout(self.settings.timeout);
            match op(ldap).await {
                Ok(value) => return Ok(value),
                Err(e) if connect::is_connection_error(&e) => {
                    // Never hand this connection out again.
                    let _ = Object::take(conn);
                    if attempts_left == 0 {
                        return Err(map_ldap_error(e));
                    }
                    warn!(error = %e, "LDAP connection lost, retrying on a new one");
                }
                Err(e) => return Err(map_ldap_error(e)),
            }
        }
    }

    /// Proves a bound connection works by reading the users' base entry.
    #[instrument(skip(self))]
    pub async fn ping(&self) -> Result<()> {
        let base = self.settings.users_dn.clone();
        self.run(true, |mut ldap| {
            let base = base.clone();
            async move {
                ldap.search(&base, Scope::Base, "(objectClass=*)", vec!["1.1"])
                    .await?
                    .success()
                    .map(|_| ())
            }
        })
        .await
    }

    /// Entries under `base` matching `filter`, at most `limit` (0: no limit).
    #[instrument(skip(self, attrs), fields(filter = %filter))]
    pub async fn search(
        &self,
        base: &str,
        scope: Scope,
        filter: &Filter,
        attrs: &[&str],
        limit: i32,
    ) -> Result<Vec<Entry>> {
        let filter = filter.to_string();
        let attrs: Vec<String> = attrs.iter().map(ToString::to_string).collect();
        self.run(true, |mut ldap| {
            let (filter, attrs) = (filter.clone(), attrs.clone());
            async move {
                ldap.with_search_options(SearchOptions::new().sizelimit(limit));
                let result = ldap.search(base, scope, &filter, attrs).await?;
                if result.1.rc != RC_SIZE_LIMIT_EXCEEDED {
                    result.1.clone().success()?;
                }
                Ok(result
                    .0
                    .into_iter()
                    .map(SearchEntry::construct)
                    .collect::<Vec<_>>())
            }
        })
        .await
        .map(|entries| entries.into_iter().map(Entry::from_search).collect())
    }

    /// Every entry under `base` matching `filter`, fetched in pages of `page_size`.
    #[instrument(skip(self, attrs), fields(filter = %filter))]
    pub async fn search_paged(
        &self,
        base: &str,
        filter: &Filter,
        attrs: &[&str],
        page_size: i32,
    ) -> Result<Vec<Entry>> {
        let filter = filter.to_string();
        let attrs: Vec<String> = attrs.iter().map(ToString::to_string).collect();
        self.run(true, |mut ldap| {
            let (filter, attrs) = (filter.clone(), attrs.clone());
            async move {
                let adapters: Vec<Box<dyn ldap3::adapters::Adapter<_, _>>> = vec![
                    Box::new(EntriesOnly::new()),
                    Box::new(PagedResults::new(page_size)),
                ];
                let mut stream = ldap
                    .streaming_search_with(adapters, base, Scope::Subtree, &filter, attrs)
                    .await?;
                let mut entries = Vec::new();
                while let Some(entry) = stream.next().await? {
                    entries.push(SearchEntry::construct(entry));
                }
                stream.finish().await.success()?;
                Ok(entries)
            }
        })
        .await
        .map(|entries| entries.into_iter().map(Entry::from_search).collect())
    }

    /// Adds an entry; the raw result lets callers treat "already exists" as they need.
    #[instrument(skip(self, attrs))]
    pub async fn add(&self, dn: &str, attrs: Vec<(String, HashSet<String>)>) -> Result<LdapResult> {
        self.run(false, |mut ldap| {
            let attrs = attrs.clone();
            async move { ldap.add(dn, attrs).await }
        })
        .await
    }

    /// Modifies an entry; the raw result lets callers treat "value exists" as they need.
    #[instrument(skip(self, mods))]
    pub async fn modify(&self, dn: &str, mods: Vec<Mod<String>>) -> Result<LdapResult> {
        self.run(false, |mut ldap| {
            let mods = mods.clone();
            async move { ldap.modify(dn, mods).await }
        })
        .await
    }

    /// Deletes an entry; "no such object" counts as done.
    #[instrument(skip(self))]
    pub async fn delete(&self, dn: &str) -> Result<()> {
        let result = self
            .run(false, |mut ldap| async move { ldap.delete(dn).await })
            .await?;
        if result.rc == 0 || result.rc == RC_NO_SUCH_OBJECT {
            Ok(())
        } else {
            Err(Error::Directory(result.to_string()))
        }
    }

    /// Sets a password with the Password Modify extended operation, so the directory hashes it
    /// according to its own policy.
    #[instrument(skip(self, new_password))]
    pub async fn set_password(&self, dn: &str, new_password: &str) -> Result<()> {
        self.run(false, |mut ldap| async move {
            ldap.extended(PasswordModify {
                user_id: Some(dn),
                old_pass: None,
                new_pass: Some(new_password),
            })
            .await?
            .success()
            .map(|_| ())
        })
        .await
    }

    /// Whether `password` is the password of `dn`, by binding as it on a connection of its own
    /// (so ppolicy locks apply). An empty password is never right: it would be an anonymous bind.
    #[instrument(skip(self, password))]
    pub async fn verify_password(&self, dn: &str, password: &str) -> Result<bool> {
        if password.is_empty() || dn.is_empty() {
            return Ok(false);
        }
        let mut ldap = connect::connect_first_healthy(&self.settings, None).await?;
        let result = ldap
            .with_timeout(self.settings.timeout)
            .simple_bind(dn, password)
            .await
            .map_err(map_ldap_error);
        let _ = ldap.unbind().await;
        let result = result?;
        match result.rc {
            0 => Ok(true),
            RC_INVALID_CREDENTIALS => Ok(false),
            rc if connect::is_server_unavailable(rc) => {
                Err(Error::DirectoryUnavailable(result.to_string()))
            }
            _ => Err(Error::Directory(result.to_string())),
        }
    }
}

/// Turns a non-success result into an error.
pub fn expect_success(result: LdapResult) -> Result<()> {
    if result.rc == 0 {
        Ok(())
    } else if connect::is_server_unavailable(result.rc) {
        Err(Error::DirectoryUnavailable(result.to_string()))
    } else {
        Err(Error::Directory(result.to_string()))
    }
}
