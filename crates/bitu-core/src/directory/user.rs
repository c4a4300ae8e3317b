//! User entries: lookups by shell username, developer name and email, and creation.

use std::collections::HashSet;

use ldap3::{Mod, Scope};
use tracing::instrument;

use super::escape::dn_value;
use super::{Directory, Entry, Filter, RC_ALREADY_EXISTS, expect_success};
use crate::error::Result;

/// Attributes read for every user: the ordinary ones plus the operational ones Bitu uses.
const USER_ATTRIBUTES: &[&str] = &[
    "*",
    "createTimestamp",
    "modifyTimestamp",
    "entryCSN",
    "pwdPolicySubentry",
    "pwdAccountLockedTime",
];

/// The object class every user entry has.
const USER_CLASS: &str = "posixAccount";

/// Attributes a user can be looked up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAttribute {
    /// Shell username.
    Uid,
    /// Developer name.
    Cn,
    /// Email address.
    Mail,
}

impl UserAttribute {
    /// The LDAP attribute name.
    pub fn name(self) -> &'static str {
        match self {
            UserAttribute::Uid => "uid",
            UserAttribute::Cn => "cn",
            UserAttribute::Mail => "mail",
        }
    }
}

/// A user entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    /// The entry as read.
    pub entry: Entry,
}

impl DirectoryUser {
    /// Distinguished name.
    pub fn dn(&self) -> &str {
        &self.entry.dn
    }
    /// Shell username.
    pub fn uid(&self) -> &str {
        self.entry.first("uid").unwrap_or_default()
    }
    /// Developer name.
    pub fn cn(&self) -> &str {
        self.entry.first("cn").unwrap_or_default()
    }
    /// Email address, if any.
    pub fn mail(&self) -> Option<&str> {
        self.entry.first("mail")
    }
    /// POSIX user id.
    pub fn uid_number(&self) -> Option<u32> {
        self.entry.first("uidNumber").and_then(|v| v.parse().ok())
    }
    /// Public SSH keys as stored.
    pub fn ssh_public_keys(&self) -> &[String] {
        self.entry.values("sshPublicKey")
    }
}

/// Everything needed to create a user entry.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Shell username (lower case).
    pub uid: String,
    /// Developer name.
    pub cn: String,
    /// Surname; Bitu sets it to the developer name.
    pub sn: String,
    /// Email address (lower case).
    pub mail: String,
    /// POSIX user id.
    pub uid_number: u32,
    /// POSIX primary group id.
    pub gid_number: u32,
    /// Home directory.
    pub home_directory: String,
    /// Login shell.
    pub login_shell: String,
    /// `userPassword` value, already hashed (`{SSHA}...` or `{ARGON2}...`).
    pub password_hash: String,
}

/// What `create_user` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// A new entry was added.
    Created,
    /// An entry with that DN was already there; nothing changed.
    AlreadyExisted,
}

fn one<S: Into<String>>(name: &str, value: S) -> (String, HashSet<String>) {
    (name.to_string(), HashSet::from([value.into()]))
}

impl Directory {
    /// DN of the user entry with shell username `uid`.
    pub fn user_dn(&self, uid: &str) -> String {
        format!("uid={},{}", dn_value(uid), self.settings.users_dn)
    }

    async fn find_users(&self, filter: Filter, limit: i32) -> Result<Vec<DirectoryUser>> {
        let entries = self
            .search(
                &self.settings.users_dn,
                Scope::Subtree,
                &filter.with_class(USER_CLASS),
                USER_ATTRIBUTES,
                limit,
            )
            .await?;
        Ok(entries
            .into_iter()
            .map(|entry| DirectoryUser { entry })
            .collect())
    }

    /// Users matching `filter` (restricted to user entries).
    pub async fn find_users_where(&self, filter: Filter) -> Result<Vec<DirectoryUser>> {
        self.find_users(filter, 0).await
    }

    /// Users whose `attr` equals `value` (LDAP matching rules: usually case-insensitive).
    pub async fn find_users_by(
        &self,
        attr: UserAttribute,
        value: &str,
    ) -> Result<Vec<DirectoryUser>> {
        self.find_users(Filter::eq(attr.name(), value), 0).await
    }

    /// Users whose `attr` starts with `prefix`, at most `limit`.
    pub async fn find_users_by_prefix(
        &self,
        attr: UserAttribute,
        prefix: &str,
        limit: i32,
    ) -> Result<Vec<DirectoryUser>> {
        self.find_users(Filter::prefix(attr.name(), prefix), limit)
            .await
    }

    /// The user with shell username `uid`.
    pub async fn find_user_by_uid(&self, uid: &str) -> Result<Option<DirectoryUser>> {
        Ok(self
            .find_users_by(UserAttribute::Uid, uid)
            .await?
            .into_iter()
            .next())
    }

    /// The user with developer name `cn`.
    pub async fn find_user_by_cn(&self, cn: &str) -> Result<Option<DirectoryUser>> {
        Ok(self
            .find_users_by(UserAttribute::Cn, cn)
            .await?
            .into_iter()
            .next())
    }

    /// The developer name (`cn`) of every user, read in pages of `page_size`.
    pub async fn all_developer_names(&self, page_size: i32) -> Result<Vec<String>> {
        let entries = self
            .search_paged(
                &self.settings.users_dn,
                &Filter::eq("objectClass", USER_CLASS),
                &["cn"],
                page_size,
            )
            .await?;
        Ok(entries
            .into_iter()
            .filter_map(|entry| entry.first("cn").map(ToString::to_string))
            .collect())
    }

    /// Every user, read in pages.
    pub async fn all_users(&self, page_size: i32) -> Result<Vec<DirectoryUser>> {
        let entries = self
            .search_paged(
                &self.settings.users_dn,
                &Filter::eq("objectClass", USER_CLASS),
                USER_ATTRIBUTES,
                page_size,
            )
            .await?;
        Ok(entries
            .into_iter()
            .map(|entry| DirectoryUser { entry })
            .collect())
    }

    /// Creates the user entry with the configured object classes. An existing entry with the
    /// same DN is left as it is, so provisioning can run twice.
    #[instrument(skip(self, user), fields(uid = %user.uid))]
    pub async fn create_user(&self, user: &NewUser) -> Result<Created> {
        let settings = &self.settings;
        let classes: HashSet<String> = settings
            .user_object_classes
            .iter()
            .chain(&settings.user_auxiliary_classes)
            .cloned()
            .chain(["top".to_string()])
            .collect();
        let attrs = vec![
            ("objectClass".to_string(), classes),
            one("uid", &*user.uid),
            one("cn", &*user.cn),
            one("sn", &*user.sn),
            one("mail", &*user.mail),
            one("uidNumber", user.uid_number.to_string()),
            one("gidNumber", user.gid_number.to_string()),
            one("homeDirectory", &*user.home_directory),
            one("loginShell", &*user.login_shell),
            one("userPassword", &*user.password_hash),
        ];
        let result = self.add(&self.user_dn(&user.uid), attrs).await?;
        if result.rc == RC_ALREADY_EXISTS {
            return Ok(Created::AlreadyExisted);
        }
        expect_success(result)?;
        Ok(Created::Created)
    }

    /// Applies `mods` to the entry of `uid`.
    pub async fn modify_user(&self, uid: &str, mods: Vec<Mod<String>>) -> Result<()> {
        expect_success(self.modify(&self.user_dn(uid), mods).await?)
    }
}
