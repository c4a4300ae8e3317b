//! Whether an account may still act: an entry locked by ppolicy (`pwdAccountLockedTime`) or
//! pointed at the disabled policy (`pwdPolicySubentry`), or gone, may not.

use std::time::Duration;

use super::cache::TtlCache;
use super::groups::same_dn;
use crate::directory::{Directory, DirectoryUser};
use crate::error::Result;

/// An account's state as last read from LDAP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountState {
    /// Usable; `dn` is its entry.
    Active {
        /// DN of the entry.
        dn: String,
    },
    /// Locked or disabled in LDAP.
    Locked,
    /// No entry any more.
    Missing,
}

/// Whether `user` is locked (`pwdAccountLockedTime`) or disabled (`pwdPolicySubentry` is
/// `ppolicy_dn`).
pub fn is_locked(user: &DirectoryUser, ppolicy_dn: &str) -> bool {
    user.entry.first("pwdAccountLockedTime").is_some()
        || user
            .entry
            .first("pwdPolicySubentry")
            .is_some_and(|policy| same_dn(policy, ppolicy_dn))
}

/// Account states by uid, each reused for `account_state_ttl`.
#[derive(Clone)]
pub(super) struct StateCache {
    cache: TtlCache<AccountState>,
}

impl StateCache {
    pub(super) fn new(ttl: Duration) -> Self {
        Self {
            cache: TtlCache::new(ttl),
        }
    }

    pub(super) async fn get(
        &self,
        directory: &Directory,
        ppolicy_dn: &str,
        uid: &str,
    ) -> Result<AccountState> {
        if let Some(state) = self.cache.get(uid) {
            return Ok(state);
        }
        let state = match directory.find_user_by_uid(uid).await? {
            None => AccountState::Missing,
            Some(user) if is_locked(&user, ppolicy_dn) => AccountState::Locked,
            Some(user) => AccountState::Active {
                dn: user.dn().to_string(),
            },
        };
        self.cache.put(uid.to_string(), state.clone());
        Ok(state)
    }

    pub(super) fn put_locked(&self, uid: &str) {
        self.cache.put(uid.to_string(), AccountState::Locked);
    }

    pub(super) fn forget(&self, uid: &str) {
        self.cache.remove(uid);
    }
}
