//! Who may do what. A request acts as a [`Principal`] (nobody, a signed-in user, or the owner
//! of an API token with its scopes); every route names the [`Permission`] it needs, and
//! [`Authz::decide`] is the one place that answers. Roles come from configuration and LDAP
//! groups (read through a short cache), token scopes from the token.

mod cache;
pub mod groups;
pub mod state;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::Serialize;

use crate::config::AuthzSettings;
use crate::directory::Directory;
use crate::error::Result;
pub use groups::{GroupMembers, Membership};
pub use state::AccountState;

/// What an API token may be used for; chosen by its owner at creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read the owner's account (`GET /api/account`) and keys (`GET /api/keys`).
    ReadAccount,
    /// Add, suspend, activate and delete the owner's SSH keys.
    ManageKeys,
    /// Look up the IP blocks covering an address.
    CheckIpBlocks,
    /// Block and unblock accounts and read their block state (account managers only).
    Blocks,
    /// Request group access, and decide requests for the groups one manages.
    Permissions,
    /// Check other accounts' two-factor codes (`POST /api/totp/`), for services that sign
    /// people in themselves.
    TotpCheck,
}

impl Scope {
    /// Every scope, in the order forms list them.
    pub const ALL: [Scope; 6] = [
        Scope::ReadAccount,
        Scope::ManageKeys,
        Scope::CheckIpBlocks,
        Scope::Blocks,
        Scope::Permissions,
        Scope::TotpCheck,
    ];

    /// The name stored and shown (`read_account`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ReadAccount => "read_account",
            Scope::ManageKeys => "manage_keys",
            Scope::CheckIpBlocks => "check_ip_blocks",
            Scope::Blocks => "blocks",
            Scope::Permissions => "permissions",
            Scope::TotpCheck => "totp_check",
        }
    }

    /// What the scope allows, for forms and lists.
    pub fn description(self) -> &'static str {
        match self {
            Scope::ReadAccount => "Read your account and SSH keys",
            Scope::ManageKeys => "Add, suspend, activate and delete your SSH keys",
            Scope::CheckIpBlocks => "Look up IP blocks",
            Scope::Blocks => "Block and unblock accounts (account managers only)",
            Scope::Permissions => "Request group access, and decide requests for groups you manage",
            Scope::TotpCheck => "Check people's two-factor codes (for services that sign them in)",
        }
    }

    /// Parses a comma-separated list as stored; unknown names are skipped (a scope removed
    /// from the code grants nothing).
    pub fn parse_list(text: &str) -> Vec<Scope> {
        let mut scopes: Vec<Scope> = text
            .split(',')
            .filter_map(|name| name.trim().parse().ok())
            .collect();
        scopes.sort();
        scopes.dedup();
        scopes
    }

    /// The comma-separated form stored in the database.
    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(name: &str) -> std::result::Result<Scope, String> {
        Scope::ALL
            .into_iter()
            // `totp-check`: the name the issue (and the original's docs) use.
            .find(|scope| scope.as_str() == name.replace('-', "_"))
            .ok_or_else(|| format!("unknown token scope {name:?}"))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a route or action needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "permission", content = "group", rename_all = "snake_case")]
pub enum Permission {
    /// Read one's own account (page or API).
    ReadOwnAccount,
    /// Change one's own account: email, password, attributes, API tokens. Session only.
    ManageOwnAccount,
    /// Read one's own SSH keys.
    ReadOwnKeys,
    /// Add, suspend, activate and delete one's own SSH keys.
    ManageOwnKeys,
    /// Look up IP blocks.
    CheckIpBlocks,
    /// See and manage other people's accounts (account managers).
    ManageAccounts,
    /// Block and unblock accounts (account managers).
    BlockAccounts,
    /// Approve requests for the group with this DN (its managers).
    ApproveGroup(String),
    /// Request group access and see one's own requests.
    RequestGroups,
    /// See and decide requests for some requestable group (its managers); which group a
    /// request belongs to is checked by the handler.
    ManageGroupRequests,
    /// Check someone's two-factor code (services holding a `totp_check` token).
    CheckTotp,
}

impl Permission {
    /// The token scopes granting this permission; empty: a signed-in session is needed.
    pub fn token_scopes(&self) -> &'static [Scope] {
        match self {
            Permission::ReadOwnAccount => &[Scope::ReadAccount],
            Permission::ReadOwnKeys => &[Scope::ReadAccount, Scope::ManageKeys],
            Permission::ManageOwnKeys => &[Scope::ManageKeys],
            Permission::CheckIpBlocks => &[Scope::CheckIpBlocks],
            // The scope alone is not enough: the owner must also be an account manager.
            Permission::BlockAccounts => &[Scope::Blocks],
            Permission::RequestGroups => &[Scope::Permissions],
            // As with blocks: the scope picks the power, the manager role grants it.
            Permission::ManageGroupRequests => &[Scope::Permissions],
            Permission::CheckTotp => &[Scope::TotpCheck],
            Permission::ManageOwnAccount
            | Permission::ManageAccounts
            | Permission::ApproveGroup(_) => &[],
        }
    }
}

/// How a user proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A browser session.
    Session,
    /// An API token.
    Token {
        /// Row id of the token.
        id: u64,
        /// What the token may do.
        scopes: Vec<Scope>,
    },
}

/// Who a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Nobody signed in, no token.
    Anonymous,
    /// A user whose account is not locked.
    User {
        /// Shell username.
        uid: String,
        /// DN of the user's entry.
        dn: String,
        /// Session or token.
        via: Via,
    },
}

/// The answer to "may this principal do that?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allowed,
    /// Nobody is signed in: sign in (pages) or present a token (APIs).
    SignInRequired,
    /// Signed in, but not allowed (missing role or token scope).
    Forbidden,
}

/// The roles of one user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Roles {
    /// Whether the user is an account manager.
    pub account_manager: bool,
    /// DNs of the requestable groups the user manages.
    pub managed_groups: Vec<String>,
}

/// The permission checker with its caches of group members and account states; cheap to clone
/// (clones share the caches).
#[derive(Clone)]
pub struct Authz {
    settings: Arc<AuthzSettings>,
    ppolicy_dn: Arc<str>,
    groups: groups::GroupCache,
    states: state::StateCache,
}

impl Authz {
    /// A checker for `settings`; `ppolicy_dn` is the policy that marks disabled accounts.
    pub fn new(settings: &AuthzSettings, ppolicy_dn: &str) -> Authz {
        Authz {
            settings: Arc::new(settings.clone()),
            ppolicy_dn: ppolicy_dn.into(),
            groups: groups::GroupCache::new(settings.group_cache_ttl),
            states: state::StateCache::new(settings.account_state_ttl),
        }
    }

    /// The state of `uid`'s account, at most `account_state_ttl` old.
    pub async fn account_state(&self, directory: &Directory, uid: &str) -> Result<AccountState> {
        self.states.get(directory, &self.ppolicy_dn, uid).await
    }

    /// Treats `uid` as locked for the next `account_state_ttl` (a block was just asked for
    /// here), so its sessions end and its tokens stop at once on this host, before bitu-rq
    /// has locked the entry in LDAP; afterwards LDAP is read again as usual.
    pub fn note_blocked(&self, uid: &str) {
        self.states.put_locked(uid);
    }

    /// Forgets what is cached about `uid` (after a change made here).
    pub fn forget_account(&self, uid: &str) {
        self.states.forget(uid);
    }

    async fn in_any(
        &self,
        directory: &Directory,
        group_dns: &[String],
        uid: &str,
        dn: &str,
    ) -> Result<bool> {
        for group in group_dns {
            if self
                .groups
                .members(directory, group)
                .await?
                .contains(uid, dn)
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether `uid` (entry `dn`) is an account manager.
    pub async fn is_account_manager(
        &self,
        directory: &Directory,
        uid: &str,
        dn: &str,
    ) -> Result<bool> {
        if self.settings.account_managers.iter().any(|m| m == uid) {
            return Ok(true);
        }
        self.in_any(directory, &self.settings.account_manager_groups, uid, dn)
            .await
    }

    /// Whether `uid` (entry `dn`) manages the requestable group `group_dn`.
    pub async fn manages_group(
        &self,
        directory: &Directory,
        uid: &str,
        dn: &str,
        group_dn: &str,
    ) -> Result<bool> {
        // A group may be listed by `[authz]` and by `[permissions]` rules; any listing counts.
        let listings = self
            .settings
            .requestable_groups
            .iter()
            .filter(|g| groups::same_dn(&g.group, group_dn));
        for group in listings {
            if group.managers.iter().any(|m| m == uid)
                || self
                    .in_any(directory, &group.manager_groups, uid, dn)
                    .await?
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether `uid` (entry `dn`) manages some requestable group.
    pub async fn manages_any_group(
        &self,
        directory: &Directory,
        uid: &str,
        dn: &str,
    ) -> Result<bool> {
        for group in &self.settings.requestable_groups {
            if self.manages_group(directory, uid, dn, &group.group).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether `uid` (entry `dn`) is in the group `group_dn`, as the short cache knows it
    /// (what the guard decided on; pages use it while LDAP is briefly away).
    pub async fn in_group(
        &self,
        directory: &Directory,
        group_dn: &str,
        uid: &str,
        dn: &str,
    ) -> Result<bool> {
        self.in_any(directory, &[group_dn.to_string()], uid, dn)
            .await
    }

    /// Every role of `uid` (entry `dn`).
    pub async fn roles(&self, directory: &Directory, uid: &str, dn: &str) -> Result<Roles> {
        let mut managed_groups = Vec::new();
        for group in &self.settings.requestable_groups {
            let listed = managed_groups
                .iter()
                .any(|dn: &String| groups::same_dn(dn, &group.group));
            if !listed && self.manages_group(directory, uid, dn, &group.group).await? {
                managed_groups.push(group.group.clone());
            }
        }
        Ok(Roles {
            account_manager: self.is_account_manager(directory, uid, dn).await?,
            managed_groups,
        })
    }

    /// Whether `principal` may do `permission`. Tokens get only what their scopes grant;
    /// sessions get their own things, plus what their roles grant.
    pub async fn decide(
        &self,
        directory: &Directory,
        principal: &Principal,
        permission: &Permission,
    ) -> Result<Decision> {
        let Principal::User { uid, dn, via } = principal else {
            return Ok(Decision::SignInRequired);
        };
        let allowed = match via {
            Via::Token { scopes, .. } => {
                let scoped = permission
                    .token_scopes()
                    .iter()
                    .any(|needed| scopes.contains(needed));
                // Blocking is a role's power: the token's scope picks it, the role grants it.
                if scoped && *permission == Permission::BlockAccounts {
                    self.is_account_manager(directory, uid, dn).await?
                } else if scoped && *permission == Permission::ManageGroupRequests {
                    self.manages_any_group(directory, uid, dn).await?
                } else {
                    scoped
                }
            }
            Via::Session => match permission {
                Permission::ReadOwnAccount
                | Permission::ManageOwnAccount
                | Permission::ReadOwnKeys
                | Permission::ManageOwnKeys
                | Permission::CheckIpBlocks
                | Permission::RequestGroups => true,
                Permission::ManageGroupRequests => {
                    self.manages_any_group(directory, uid, dn).await?
                }
                // A service's power: tokens only.
                Permission::CheckTotp => false,
                Permission::ManageAccounts | Permission::BlockAccounts => {
                    self.is_account_manager(directory, uid, dn).await?
                }
                Permission::ApproveGroup(group) => {
                    self.manages_group(directory, uid, dn, group).await?
                }
            },
        };
        Ok(if allowed {
            Decision::Allowed
        } else {
            Decision::Forbidden
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_skip_unknown_names() {
        let scopes = Scope::parse_list("manage_keys, read_account,bogus,manage_keys");
        assert_eq!(scopes, vec![Scope::ReadAccount, Scope::ManageKeys]);
        assert_eq!(Scope::join(&scopes), "read_account,manage_keys");
    }

    /// A checker whose roles come from configuration alone, over a directory never contacted
    /// (its pool connects lazily; no group is configured, so nothing asks it).
    fn config_only() -> (Authz, Directory) {
        let settings = AuthzSettings {
            account_managers: vec!["amy".into()],
            requestable_groups: vec![crate::config::RequestableGroup {
                group: "cn=project-x,ou=groups,dc=example,dc=org".into(),
                managers: vec!["gina".into()],
                manager_groups: Vec::new(),
            }],
            ..AuthzSettings::default()
        };
        let ldap = crate::config::LdapSettings {
            servers: vec!["ldap://127.0.0.1:9".into()],
            ..crate::config::LdapSettings::default()
        };
        (
            Authz::new(&settings, "cn=disabled"),
            Directory::new(ldap).unwrap(),
        )
    }

    fn user(uid: &str, via: Via) -> Principal {
        Principal::User {
            uid: uid.into(),
            dn: format!("uid={uid},ou=people,dc=example,dc=org"),
            via,
        }
    }

    #[tokio::test]
    async fn tokens_get_their_scopes_and_sessions_their_roles() {
        let (authz, directory) = config_only();
        let decide = |principal: Principal, permission: Permission| {
            let (authz, directory) = (authz.clone(), directory.clone());
            async move {
                authz
                    .decide(&directory, &principal, &permission)
                    .await
                    .unwrap()
            }
        };
        let project = Permission::ApproveGroup("CN=project-x, ou=groups,dc=example,dc=org".into());
        let keys_token = || Via::Token {
            id: 1,
            scopes: vec![Scope::ManageKeys],
        };
        use Decision::*;
        assert_eq!(
            decide(Principal::Anonymous, Permission::ReadOwnAccount).await,
            SignInRequired
        );
        assert_eq!(
            decide(user("ursula", Via::Session), Permission::ManageOwnAccount).await,
            Allowed
        );
        assert_eq!(
            decide(user("ursula", Via::Session), Permission::ManageAccounts).await,
            Forbidden
        );
        assert_eq!(
            decide(user("ursula", Via::Session), project.clone()).await,
            Forbidden
        );
        assert_eq!(
            decide(user("amy", Via::Session), Permission::BlockAccounts).await,
            Allowed
        );
        assert_eq!(
            decide(user("gina", Via::Session), project.clone()).await,
            Allowed
        );
        assert_eq!(
            decide(user("ursula", keys_token()), Permission::ManageOwnKeys).await,
            Allowed
        );
        assert_eq!(
            decide(user("ursula", keys_token()), Permission::ReadOwnKeys).await,
            Allowed
        );
        assert_eq!(
            decide(user("ursula", keys_token()), Permission::ReadOwnAccount).await,
            Forbidden
        );
        assert_eq!(
            decide(user("ursula", keys_token()), Permission::ManageOwnAccount).await,
            Forbidden
        );
        // A token never carries its owner's roles.
        assert_eq!(
            decide(user("amy", keys_token()), Permission::ManageAccounts).await,
            Forbidden
        );
        assert_eq!(decide(user("gina", keys_token()), project).await, Forbidden);
        let roles = authz.roles(&directory, "gina", "uid=gina").await.unwrap();
        assert_eq!(
            roles.managed_groups,
            ["cn=project-x,ou=groups,dc=example,dc=org"]
        );
        assert!(!roles.account_manager);
    }

    #[test]
    fn account_changes_need_a_session() {
        for permission in [
            Permission::ManageOwnAccount,
            Permission::ManageAccounts,
            Permission::ApproveGroup("cn=x".into()),
        ] {
            assert!(permission.token_scopes().is_empty(), "{permission:?}");
        }
    }
}
