//! Group entries: lookup and membership changes. Adding a member twice or removing an absent
//! one succeeds, so jobs can be repeated.

use std::collections::HashSet;

use ldap3::{Mod, Scope};
use tracing::instrument;

use super::escape::dn_value;
use super::{Directory, Filter, RC_NO_SUCH_ATTRIBUTE, RC_VALUE_EXISTS, expect_success};
use crate::error::Result;

/// A group entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Distinguished name.
    pub dn: String,
    /// Group name.
    pub cn: String,
    /// Members as stored: DNs or uids, per `ldap.group_member_is_dn`.
    pub members: Vec<String>,
    /// Description, if any.
    pub description: Option<String>,
}

impl Directory {
    /// DN of the group named `cn`.
    pub fn group_dn(&self, cn: &str) -> String {
        format!("cn={},{}", dn_value(cn), self.settings.groups_dn)
    }

    fn member_value(&self, uid: &str) -> String {
        if self.settings.group_member_is_dn {
            self.user_dn(uid)
        } else {
            uid.to_string()
        }
    }

    /// The group named `cn`.
    #[instrument(skip(self))]
    pub async fn find_group(&self, cn: &str) -> Result<Option<Group>> {
        let member_attr = self.settings.group_member_attribute.clone();
        let entries = self
            .search(
                &self.settings.groups_dn,
                Scope::Subtree,
                &Filter::eq("cn", cn),
                &["cn", "description", &member_attr],
                0,
            )
            .await?;
        Ok(entries.into_iter().next().map(|entry| Group {
            cn: entry.first("cn").unwrap_or(cn).to_string(),
            members: entry.values(&member_attr).to_vec(),
            description: entry.first("description").map(str::to_string),
            dn: entry.dn,
        }))
    }

    /// Groups having `uid` as a member.
    pub async fn groups_of(&self, uid: &str) -> Result<Vec<Group>> {
        let member_attr = self.settings.group_member_attribute.clone();
        let filter = match member_attr.to_ascii_lowercase().as_str() {
            "memberuid" => Filter::eq("memberUid", self.member_value(uid)),
            "uniquemember" => Filter::eq("uniqueMember", self.member_value(uid)),
            _ => Filter::eq("member", self.member_value(uid)),
        };
        let entries = self
            .search(
                &self.settings.groups_dn,
                Scope::Subtree,
                &filter,
                &["cn", "description", &member_attr],
                0,
            )
            .await?;
        Ok(entries
            .into_iter()
            .map(|entry| Group {
                cn: entry.first("cn").unwrap_or_default().to_string(),
                members: entry.values(&member_attr).to_vec(),
                description: entry.first("description").map(str::to_string),
                dn: entry.dn,
            })
            .collect())
    }

    /// Makes `uid` a member of group `cn` (a no-op when it already is).
    #[instrument(skip(self))]
    pub async fn add_group_member(&self, cn: &str, uid: &str) -> Result<()> {
        let mods = vec![Mod::Add(
            self.settings.group_member_attribute.clone(),
            HashSet::from([self.member_value(uid)]),
        )];
        let result = self.modify(&self.group_dn(cn), mods).await?;
        if result.rc == RC_VALUE_EXISTS {
            return Ok(());
        }
        expect_success(result)
    }

    /// Removes `uid` from group `cn` (a no-op when it is not a member).
    #[instrument(skip(self))]
    pub async fn remove_group_member(&self, cn: &str, uid: &str) -> Result<()> {
        let mods = vec![Mod::Delete(
            self.settings.group_member_attribute.clone(),
            HashSet::from([self.member_value(uid)]),
        )];
        let result = self.modify(&self.group_dn(cn), mods).await?;
        if result.rc == RC_NO_SUCH_ATTRIBUTE {
            return Ok(());
        }
        expect_success(result)
    }
}
