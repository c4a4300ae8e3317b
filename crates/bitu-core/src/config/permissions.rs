//! Group access requests (`[permissions]`): which LDAP groups people may request, and the rules
//! deciding each request.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Requestable groups and their rules (`[permissions]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PermissionsSettings {
    /// Whether a manager's approval counts on their own request (the original allows it).
    pub allow_self_approval: bool,
    /// How long before a grant ends its holder is warned, once per value.
    #[serde(with = "humantime_serde::option")]
    pub first_warning: Option<Duration>,
    /// The second, last warning before a grant ends.
    #[serde(with = "humantime_serde::option")]
    pub last_warning: Option<Duration>,
    /// Pending requests older than this are cancelled by `bitu permissions clean`.
    #[serde(with = "humantime_serde")]
    pub clean_after: Duration,
    /// Every group people may request.
    pub groups: Vec<PermissionGroup>,
}

impl Default for PermissionsSettings {
    fn default() -> Self {
        Self {
            allow_self_approval: false,
            first_warning: Some(Duration::from_secs(14 * 24 * 3600)),
            last_warning: Some(Duration::from_secs(2 * 24 * 3600)),
            clean_after: Duration::from_secs(30 * 24 * 3600),
            groups: Vec::new(),
        }
    }
}

/// One requestable group (`[[permissions.groups]]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PermissionGroup {
    /// DN of the LDAP group.
    pub group: String,
    /// The system part of the request URL (`/permissions/request/<system>/<key>`).
    pub system: String,
    /// The key part of the request URL; the group's cn when empty.
    pub key: String,
    /// Approved access ends by itself after this long (none: it stays until revoked).
    #[serde(with = "humantime_serde::option")]
    pub grant_for: Option<Duration>,
    /// Every rule must be satisfied for a request to be approved; any rejection rejects.
    pub rules: Vec<RuleSettings>,
}

/// One rule of a group (`[[permissions.groups.rules]]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleSettings {
    /// What the rule checks.
    pub kind: RuleKind,
    /// `manager_approval`: shell usernames and/or group DNs whose members are managers.
    pub managers: Vec<String>,
    /// `manager_approval`: distinct approvals needed.
    pub count: u32,
    /// `ldap_attribute`: attribute of the requester's entry.
    pub attribute: String,
    /// `ldap_attribute`: how the attribute is compared with `value`.
    pub operator: Operator,
    /// `ldap_attribute`: the value compared with.
    pub value: String,
    /// `email_domain`: the requester's `mail` ends with `@domain`.
    pub domain: String,
    /// `group_membership`: DN of a group the requester must be in.
    pub member_of: String,
    /// The group is offered only to people who pass this rule.
    pub prevalidate: bool,
    /// Addresses mailed on a new request.
    pub notify: Vec<String>,
    /// Group DNs whose members are mailed on a new request.
    pub notify_groups: Vec<String>,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            kind: RuleKind::ManagerApproval,
            managers: Vec::new(),
            count: 1,
            attribute: String::new(),
            operator: Operator::Equals,
            value: String::new(),
            domain: String::new(),
            member_of: String::new(),
            prevalidate: false,
            notify: Vec::new(),
            notify_groups: Vec::new(),
        }
    }
}

/// The kinds of rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// `count` distinct managers approve; any manager's rejection rejects.
    ManagerApproval,
    /// An attribute of the requester's entry compares with a value.
    LdapAttribute,
    /// The requester's `mail` is in a domain.
    EmailDomain,
    /// The requester is a member of another group.
    GroupMembership,
}

/// How an `ldap_attribute` rule compares; the Python names of the original are accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    /// Some value equals `value` (case-insensitively).
    #[serde(alias = "eq", alias = "__eq__")]
    Equals,
    /// No value equals `value`.
    #[serde(alias = "ne", alias = "__ne__")]
    NotEquals,
    /// Some value contains `value`.
    #[serde(alias = "__contains__")]
    Contains,
    /// Some value starts with `value`.
    #[serde(alias = "startswith")]
    StartsWith,
    /// Some value ends with `value`.
    #[serde(alias = "endswith")]
    EndsWith,
    /// The attribute has a value.
    Present,
    /// Some value is all digits.
    #[serde(alias = "isdigit")]
    IsDigit,
    /// Some value is all letters.
    #[serde(alias = "isalpha")]
    IsAlpha,
    /// Some value is all letters and digits.
    #[serde(alias = "isalnum")]
    IsAlnum,
    /// Some value is lower case.
    #[serde(alias = "islower")]
    IsLower,
    /// Some value is upper case.
    #[serde(alias = "isupper")]
    IsUpper,
}

fn is_dn(text: &str) -> bool {
    text.split(',').all(|rdn| {
        rdn.split_once('=')
            .is_some_and(|(a, v)| !a.trim().is_empty() && !v.trim().is_empty())
    })
}

impl PermissionGroup {
    /// The key in request URLs: `key`, or the cn of the group.
    pub fn url_key(&self) -> String {
        if !self.key.is_empty() {
            return self.key.clone();
        }
        self.group
            .split(',')
            .next()
            .and_then(|rdn| rdn.split_once('='))
            .map(|(_, value)| value.trim().to_string())
            .unwrap_or_default()
    }

    /// The system in request URLs (`ldap` when unset).
    pub fn url_system(&self) -> &str {
        if self.system.is_empty() {
            "ldap"
        } else {
            &self.system
        }
    }
}

impl PermissionsSettings {
    /// The configured group with this DN.
    pub fn group(&self, dn: &str) -> Option<&PermissionGroup> {
        self.groups
            .iter()
            .find(|g| crate::authz::groups::same_dn(&g.group, dn))
    }

    /// The configured group requested at `/permissions/request/<system>/<key>`.
    pub fn group_by_key(&self, system: &str, key: &str) -> Option<&PermissionGroup> {
        self.groups
            .iter()
            .find(|g| g.url_system() == system && g.url_key() == key)
    }

    /// Problems with values that parse but cannot work; keys name the array index, so the
    /// problem carries its line.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut seen = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            let at = format!("permissions.groups.{g}");
            if !is_dn(&group.group) {
                problems.push((
                    format!("{at}.group"),
                    format!("{:?} is not a DN", group.group),
                ));
            }
            let url = (group.url_system().to_string(), group.url_key());
            if seen.contains(&url) {
                problems.push((
                    format!("{at}.key"),
                    format!("{}/{} is configured twice", url.0, url.1),
                ));
            }
            seen.push(url);
            if group.grant_for.is_some_and(|d| d.is_zero()) {
                problems.push((format!("{at}.grant_for"), "must be longer than zero".into()));
            }
            if group.rules.is_empty() {
                problems.push((
                    format!("{at}.rules"),
                    "a group needs at least one rule".into(),
                ));
            }
            for (r, rule) in group.rules.iter().enumerate() {
                let at = format!("{at}.rules.{r}");
                problems.extend(rule.validate(&at));
            }
        }
        problems
    }
}

impl RuleSettings {
    fn validate(&self, at: &str) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, message: &str| {
            problems.push((format!("{at}.{key}"), message.to_string()));
        };
        match self.kind {
            RuleKind::ManagerApproval => {
                if self.managers.is_empty() {
                    problem("managers", "manager_approval needs managers");
                }
                if self.count == 0 {
                    problem("count", "must be at least 1");
                }
                for manager in &self.managers {
                    if manager.contains('=') && !is_dn(manager) {
                        problem("managers", &format!("{manager:?} is not a DN"));
                    }
                }
            }
            RuleKind::LdapAttribute => {
                if self.attribute.is_empty() {
                    problem("attribute", "ldap_attribute needs an attribute");
                }
            }
            RuleKind::EmailDomain => {
                if self.domain.is_empty() || self.domain.contains('@') {
                    problem("domain", "email_domain needs a domain without @");
                }
            }
            RuleKind::GroupMembership => {
                if !is_dn(&self.member_of) {
                    problem("member_of", &format!("{:?} is not a DN", self.member_of));
                }
            }
        }
        for dn in &self.notify_groups {
            if !is_dn(dn) {
                problem("notify_groups", &format!("{dn:?} is not a DN"));
            }
        }
        for address in &self.notify {
            if !address.contains('@') {
                problem("notify", &format!("{address:?} is not a mail address"));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::super::check::check_file;

    fn check(text: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bitu.toml");
        std::fs::write(&path, text).unwrap();
        check_file(&path).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_sound_rule_set_is_clean() {
        let problems = check(
            r#"[[permissions.groups]]
group = "cn=project-x,ou=groups,dc=example,dc=org"
grant_for = "180days"

[[permissions.groups.rules]]
kind = "manager_approval"
managers = ["gina", "cn=leads,ou=groups,dc=example,dc=org"]
count = 2

[[permissions.groups.rules]]
kind = "ldap_attribute"
attribute = "loginShell"
operator = "endswith"
value = "bash"
prevalidate = true
"#,
        );
        assert_eq!(problems, Vec::<String>::new());
    }

    #[test]
    fn unknown_rules_operators_and_bad_dns_carry_their_line() {
        let problems = check(
            r#"[[permissions.groups]]
group = "cn=project-x,ou=groups,dc=example,dc=org"

[[permissions.groups.rules]]
kind = "astrology"
"#,
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("line 5: permissions.groups.0.rules.0.kind:")),
            "{problems:?}"
        );

        let problems = check(
            r#"[[permissions.groups]]
group = "cn=project-y,ou=groups,dc=example,dc=org"

[[permissions.groups.rules]]
kind = "ldap_attribute"
attribute = "mail"
operator = "resembles"
"#,
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("line 7: permissions.groups.0.rules.0.operator:")),
            "{problems:?}"
        );

        let problems = check(
            r#"[[permissions.groups]]
group = "project-y"

[[permissions.groups.rules]]
kind = "manager_approval"
managers = []

[[permissions.groups.rules]]
kind = "group_membership"
member_of = "staff"
"#,
        );
        assert!(
            problems.contains(
                &"line 2: permissions.groups.0.group: \"project-y\" is not a DN".to_string()
            ),
            "{problems:?}"
        );
        assert!(
            problems.contains(
                &"line 6: permissions.groups.0.rules.0.managers: manager_approval needs managers"
                    .to_string()
            ),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("line 10: permissions.groups.0.rules.1.member_of:")),
            "{problems:?}"
        );
    }
}
