//! Group members as LDAP has them, in both shapes real directories use: `groupOfNames` with
//! `member` DNs (also `groupOfUniqueNames` with `uniqueMember`), and `posixGroup` with
//! `memberUid` uids, alone (nis) or beside `groupOfNames` (rfc2307bis).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use ldap3::Scope as LdapScope;
use serde::Serialize;
use tracing::warn;

use super::cache::TtlCache;
use crate::directory::{Directory, Filter, RC_NO_SUCH_OBJECT};
use crate::error::{Error, Result};

/// Attributes listing members, in either shape.
const MEMBER_ATTRIBUTES: &[&str] = &["member", "uniqueMember", "memberUid"];

/// A DN in a form that compares equal for the spellings LDAP treats as equal (case, spaces
/// around separators).
pub fn normalize_dn(dn: &str) -> String {
    dn.split(',')
        .map(|rdn| {
            rdn.split('=')
                .map(|part| part.trim().to_lowercase())
                .collect::<Vec<_>>()
                .join("=")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether two DNs name the same entry (see [`normalize_dn`]).
pub fn same_dn(a: &str, b: &str) -> bool {
    normalize_dn(a) == normalize_dn(b)
}

/// The members of one group: DNs (normalised) and uids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupMembers {
    dns: HashSet<String>,
    uids: HashSet<String>,
}

impl GroupMembers {
    /// Members read from a group entry's `member`, `uniqueMember` and `memberUid` values.
    pub fn from_values<'a>(
        dns: impl IntoIterator<Item = &'a String>,
        uids: impl IntoIterator<Item = &'a String>,
    ) -> GroupMembers {
        GroupMembers {
            dns: dns.into_iter().map(|dn| normalize_dn(dn)).collect(),
            uids: uids.into_iter().cloned().collect(),
        }
    }

    /// Whether the user `uid` with entry `dn` is a member, by either attribute.
    pub fn contains(&self, uid: &str, dn: &str) -> bool {
        self.uids.contains(uid) || self.dns.contains(&normalize_dn(dn))
    }
}

/// A group the user is in, as the account page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    /// DN of the group.
    pub dn: String,
    /// Group name.
    pub cn: String,
    /// Description, if any.
    pub description: Option<String>,
}

/// Group members by group DN, each reused for `group_cache_ttl`.
#[derive(Clone)]
pub(super) struct GroupCache {
    cache: TtlCache<Arc<GroupMembers>>,
}

impl GroupCache {
    pub(super) fn new(ttl: Duration) -> Self {
        Self {
            cache: TtlCache::new(ttl),
        }
    }

    /// The members of `group_dn`; a group that does not exist has none.
    pub(super) async fn members(
        &self,
        directory: &Directory,
        group_dn: &str,
    ) -> Result<Arc<GroupMembers>> {
        let key = normalize_dn(group_dn);
        if let Some(members) = self.cache.get(&key) {
            return Ok(members);
        }
        let members = Arc::new(read_members(directory, group_dn).await?);
        self.cache.put(key, members.clone());
        Ok(members)
    }
}

/// Reads the members of `group_dn` from LDAP.
pub async fn read_members(directory: &Directory, group_dn: &str) -> Result<GroupMembers> {
    let entries = match directory
        .search(
            group_dn,
            LdapScope::Base,
            &Filter::Present("objectClass"),
            MEMBER_ATTRIBUTES,
            0,
        )
        .await
    {
        Ok(entries) => entries,
        Err(Error::Directory(message)) if message.contains(&format!("rc={RC_NO_SUCH_OBJECT}")) => {
            warn!(
                group = group_dn,
                "configured group does not exist; it has no members"
            );
            Vec::new()
        }
        Err(e) => return Err(e),
    };
    let Some(entry) = entries.into_iter().next() else {
        return Ok(GroupMembers::default());
    };
    let dns = entry
        .values("member")
        .iter()
        .chain(entry.values("uniqueMember"));
    Ok(GroupMembers::from_values(dns, entry.values("memberUid")))
}

/// The groups under the configured groups base that have `uid` (entry `dn`) as a member, by
/// `member`, `uniqueMember` or `memberUid`, sorted by name.
pub async fn memberships(directory: &Directory, uid: &str, dn: &str) -> Result<Vec<Membership>> {
    let filter = Filter::Or(vec![
        Filter::eq("member", dn),
        Filter::eq("uniqueMember", dn),
        Filter::eq("memberUid", uid),
    ]);
    let base = directory.settings().groups_dn.clone();
    let entries = directory
        .search(
            &base,
            LdapScope::Subtree,
            &filter,
            &["cn", "description"],
            0,
        )
        .await?;
    let mut groups: Vec<Membership> = entries
        .into_iter()
        .map(|entry| Membership {
            cn: entry.first("cn").unwrap_or_default().to_string(),
            description: entry.first("description").map(str::to_string),
            dn: entry.dn,
        })
        .collect();
    groups.sort_by(|a, b| a.cn.cmp(&b.cn));
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_match_by_dn_spelling_or_uid() {
        let dns = vec!["UID=Ann, ou=People,dc=example,dc=org".to_string()];
        let uids = vec!["bob".to_string()];
        let members = GroupMembers::from_values(&dns, &uids);
        assert!(members.contains("ann", "uid=ann,ou=people,dc=example,dc=org"));
        assert!(members.contains("bob", "uid=bob,ou=elsewhere,dc=example,dc=org"));
        assert!(!members.contains("carl", "uid=carl,ou=people,dc=example,dc=org"));
    }
}
