//! The narrow seams features use instead of [`Directory`] itself: reading and writing user
//! entries, and reading and writing groups. [`Directory`] is the implementation; tests run
//! the services over an in-memory one (`crate::memory`, test builds only).

use std::future::Future;

use ldap3::Mod;

use super::{Created, Directory, DirectoryUser, Filter, Group, NewUser, UserAttribute};
use crate::error::Result;

/// Reading and writing user entries.
pub trait UserStore: Send + Sync {
    /// DN of the user entry with shell username `uid`.
    fn user_dn(&self, uid: &str) -> String;

    /// Users matching `filter` (restricted to user entries).
    fn find_users_where(
        &self,
        filter: Filter,
    ) -> impl Future<Output = Result<Vec<DirectoryUser>>> + Send;

    /// The user whose `attr` equals `value`, if any.
    fn find_user_by(
        &self,
        attr: UserAttribute,
        value: &str,
    ) -> impl Future<Output = Result<Option<DirectoryUser>>> + Send {
        let filter = Filter::eq(attr.name(), value);
        async move { Ok(self.find_users_where(filter).await?.into_iter().next()) }
    }

    /// Applies `mods` to the entry of `uid`.
    fn modify_user(
        &self,
        uid: &str,
        mods: Vec<Mod<String>>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Creates a user entry; an existing entry with the same DN is left as it is.
    fn create_user(&self, user: &NewUser) -> impl Future<Output = Result<Created>> + Send;

    /// Whether `password` is the password of `dn` (the directory's policy decides).
    fn verify_password(
        &self,
        dn: &str,
        password: &str,
    ) -> impl Future<Output = Result<bool>> + Send;
}

/// Reading and writing groups; membership changes are idempotent.
pub trait GroupStore: Send + Sync {
    /// The group named `cn`.
    fn find_group(&self, cn: &str) -> impl Future<Output = Result<Option<Group>>> + Send;

    /// Groups having `uid` as a member.
    fn groups_of(&self, uid: &str) -> impl Future<Output = Result<Vec<Group>>> + Send;

    /// Makes `uid` a member of group `cn` (a no-op when it already is).
    fn add_group_member(&self, cn: &str, uid: &str) -> impl Future<Output = Result<()>> + Send;

    /// Removes `uid` from group `cn` (a no-op when it is not a member).
    fn remove_group_member(&self, cn: &str, uid: &str) -> impl Future<Output = Result<()>> + Send;
}

impl UserStore for Directory {
    fn user_dn(&self, uid: &str) -> String {
        Directory::user_dn(self, uid)
    }

    async fn find_users_where(&self, filter: Filter) -> Result<Vec<DirectoryUser>> {
        Directory::find_users_where(self, filter).await
    }

    async fn modify_user(&self, uid: &str, mods: Vec<Mod<String>>) -> Result<()> {
        Directory::modify_user(self, uid, mods).await
    }

    async fn create_user(&self, user: &NewUser) -> Result<Created> {
        Directory::create_user(self, user).await
    }

    async fn verify_password(&self, dn: &str, password: &str) -> Result<bool> {
        Directory::verify_password(self, dn, password).await
    }
}

impl GroupStore for Directory {
    async fn find_group(&self, cn: &str) -> Result<Option<Group>> {
        Directory::find_group(self, cn).await
    }

    async fn groups_of(&self, uid: &str) -> Result<Vec<Group>> {
        Directory::groups_of(self, uid).await
    }

    async fn add_group_member(&self, cn: &str, uid: &str) -> Result<()> {
        Directory::add_group_member(self, cn, uid).await
    }

    async fn remove_group_member(&self, cn: &str, uid: &str) -> Result<()> {
        Directory::remove_group_member(self, cn, uid).await
    }
}
