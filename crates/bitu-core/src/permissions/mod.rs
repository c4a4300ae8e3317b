//! Group access requests: people ask for an LDAP group, the group's rules and managers decide,
//! and an approved request makes them a member (see `[permissions]`).

mod decide;
pub mod notify;
pub mod queries;
pub mod rules;
pub mod service;
pub mod store;
pub mod views;

use crate::config::{PermissionGroup, PermissionsSettings};
use crate::directory::{GroupStore, UserAttribute, UserStore};
use crate::error::Result;
pub use rules::{Facts, Outcome, Vote};
pub use service::{AccessRequests, Created, Voted};
pub use store::{Request, State};

/// Gathers what rules need to know about `uid`: the entry and the DNs of its groups; `None`
/// when there is no such user.
pub async fn facts_of<D: UserStore + GroupStore>(
    directory: &D,
    uid: &str,
) -> Result<Option<Facts>> {
    let Some(user) = directory.find_user_by(UserAttribute::Uid, uid).await? else {
        return Ok(None);
    };
    let groups = directory.groups_of(uid).await?;
    Ok(Some(Facts::new(
        uid,
        user.entry,
        groups.into_iter().map(|group| group.dn),
    )))
}

/// The configured groups offered to someone: those whose `prevalidate` rules they pass.
pub fn offered_groups<'a>(
    settings: &'a PermissionsSettings,
    facts: &Facts,
) -> Vec<&'a PermissionGroup> {
    settings
        .groups
        .iter()
        .filter(|group| rules::offered(group, facts))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{RuleKind, RuleSettings};
    use crate::memory::MemoryDirectory;

    #[tokio::test]
    async fn offers_only_groups_whose_prevalidation_passes() {
        let directory = MemoryDirectory::new();
        directory.add_user("ursula", "Ursula", "ursula@example.org", "pw");
        directory.add_user("olga", "Olga", "olga@elsewhere.net", "pw");
        directory.add_group("staff");
        directory.add_group_member("staff", "olga").await.unwrap();
        let open = PermissionGroup {
            group: "cn=open,ou=groups,dc=example,dc=org".into(),
            rules: vec![RuleSettings {
                managers: vec!["gina".into()],
                ..RuleSettings::default()
            }],
            ..PermissionGroup::default()
        };
        let insiders = PermissionGroup {
            group: "cn=insiders,ou=groups,dc=example,dc=org".into(),
            rules: vec![RuleSettings {
                kind: RuleKind::EmailDomain,
                domain: "example.org".into(),
                prevalidate: true,
                ..RuleSettings::default()
            }],
            ..PermissionGroup::default()
        };
        let staff_only = PermissionGroup {
            group: "cn=staff-tools,ou=groups,dc=example,dc=org".into(),
            rules: vec![RuleSettings {
                kind: RuleKind::GroupMembership,
                member_of: "cn=staff,ou=groups,dc=example,dc=org".into(),
                prevalidate: true,
                ..RuleSettings::default()
            }],
            ..PermissionGroup::default()
        };
        let settings = PermissionsSettings {
            groups: vec![open, insiders, staff_only],
            ..PermissionsSettings::default()
        };
        let names = |facts: &Facts| -> Vec<String> {
            offered_groups(&settings, facts)
                .iter()
                .map(|g| g.url_key())
                .collect()
        };
        let ursula = facts_of(&directory, "ursula").await.unwrap().unwrap();
        assert_eq!(names(&ursula), ["open", "insiders"]);
        let olga = facts_of(&directory, "olga").await.unwrap().unwrap();
        assert_eq!(names(&olga), ["open", "staff-tools"]);
        assert!(facts_of(&directory, "nobody").await.unwrap().is_none());
    }
}
