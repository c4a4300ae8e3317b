//! Who may do what (`[authz]`) and what API tokens may be (`[api_tokens]`).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Roles and the caches behind every permission check (`[authz]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthzSettings {
    /// Shell usernames that are account managers.
    pub account_managers: Vec<String>,
    /// Group DNs whose members are account managers (`member` DNs or `memberUid` uids).
    pub account_manager_groups: Vec<String>,
    /// Groups people may request, each with who approves requests for it.
    pub requestable_groups: Vec<RequestableGroup>,
    /// How long a group's members are reused before LDAP is asked again.
    #[serde(with = "humantime_serde")]
    pub group_cache_ttl: Duration,
    /// How long an account's state (locked or not) is reused before LDAP is asked again; a
    /// lock takes effect on open sessions and tokens within this time.
    #[serde(with = "humantime_serde")]
    pub account_state_ttl: Duration,
}

impl Default for AuthzSettings {
    fn default() -> Self {
        Self {
            account_managers: Vec::new(),
            account_manager_groups: Vec::new(),
            requestable_groups: Vec::new(),
            group_cache_ttl: Duration::from_secs(10),
            account_state_ttl: Duration::from_secs(5),
        }
    }
}

/// A group people may request, and its managers (`[[authz.requestable_groups]]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestableGroup {
    /// DN of the group.
    pub group: String,
    /// Shell usernames managing it.
    pub managers: Vec<String>,
    /// Group DNs whose members manage it.
    pub manager_groups: Vec<String>,
}

/// Personal API tokens (`[api_tokens]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiTokenSettings {
    /// Lifetime of a token when its owner picks none.
    #[serde(with = "humantime_serde")]
    pub default_lifetime: Duration,
    /// Longest lifetime an owner may pick.
    #[serde(with = "humantime_serde")]
    pub max_lifetime: Duration,
}

impl Default for ApiTokenSettings {
    fn default() -> Self {
        Self {
            default_lifetime: Duration::from_secs(90 * 24 * 3600),
            max_lifetime: Duration::from_secs(365 * 24 * 3600),
        }
    }
}

impl AuthzSettings {
    /// These settings plus, as requestable groups, the managers the `manager_approval` rules of
    /// `[permissions]` name (shell usernames, and group DNs whose members manage).
    pub fn with_permission_groups(
        &self,
        permissions: &super::PermissionsSettings,
    ) -> AuthzSettings {
        let mut settings = self.clone();
        for group in &permissions.groups {
            let named = group
                .rules
                .iter()
                .filter(|rule| rule.kind == super::RuleKind::ManagerApproval)
                .flat_map(|rule| rule.managers.iter());
            let (manager_groups, managers): (Vec<String>, Vec<String>) =
                named.cloned().partition(|name| name.contains('='));
            settings.requestable_groups.push(RequestableGroup {
                group: group.group.clone(),
                managers,
                manager_groups,
            });
        }
        settings
    }

    /// Problems with values that parse but cannot work.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let dns = self
            .account_manager_groups
            .iter()
            .map(|dn| ("authz.account_manager_groups", dn))
            .chain(
                self.requestable_groups
                    .iter()
                    .map(|g| ("authz.requestable_groups", &g.group)),
            )
            .chain(self.requestable_groups.iter().flat_map(|g| {
                g.manager_groups
                    .iter()
                    .map(|dn| ("authz.requestable_groups.manager_groups", dn))
            }));
        for (key, dn) in dns {
            if !dn.contains('=') {
                problems.push((key.to_string(), format!("{dn:?} is not a DN")));
            }
        }
        problems
    }
}

impl ApiTokenSettings {
    /// Problems with values that parse but cannot work.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if self.default_lifetime.is_zero() || self.max_lifetime.is_zero() {
            problems.push((
                "api_tokens".to_string(),
                "token lifetimes must be longer than zero".to_string(),
            ));
        }
        if self.default_lifetime > self.max_lifetime {
            problems.push((
                "api_tokens.default_lifetime".to_string(),
                "must not be longer than max_lifetime".to_string(),
            ));
        }
        problems
    }
}
